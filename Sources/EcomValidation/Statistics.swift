import Foundation

/// The statistics behind the distribution checks: intervals, tests and effect sizes.
public enum Statistics {
    /// The 95 % two-sided normal quantile.
    public static let z95 = 1.959963984540054

    /// Wilson score interval of `successes` out of `trials` (95 % by default).
    /// P(X >= `k`) for X binomial with `n` trials of `probability` p (exact: summed term by term in logs from k up,
    /// while the terms still count).
    public static func binomialTail(atLeast k: Int, of n: Int, probability p: Double) -> Double {
        guard k > 0 else { return 1 }
        guard k <= n, p > 0 else { return 0 }
        guard p < 1 else { return 1 }
        return tailSum(from: k, to: n, step: 1, n: n, p: p)
    }

    /// P(X <= `k`) for X binomial with `n` trials of `probability` p.
    public static func binomialTail(atMost k: Int, of n: Int, probability p: Double) -> Double {
        guard k < n else { return 1 }
        guard k >= 0, p < 1 else { return 0 }
        guard p > 0 else { return 1 }
        return tailSum(from: k, to: 0, step: -1, n: n, p: p)
    }

    /// The binomial terms from `from` toward `to`, going away from the mode (so each is smaller than the one before).
    private static func tailSum(from: Int, to: Int, step: Int, n: Int, p: Double) -> Double {
        let logP = log(p), logQ = log1p(-p), logN: Double = lgamma(Double(n + 1))
        func term(_ i: Int) -> Double {
            let choose: Double = logN - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
            return exp(choose + Double(i) * logP + Double(n - i) * logQ)
        }
        var sum = 0.0, i = from
        while true {
            let value = term(i)
            sum += value
            if i == to || (value < sum * 1e-17 && (Double(i) - Double(n) * p) * Double(step) > 0) { break }
            i += step
        }
        return min(1, sum)
    }

    public static func wilson(_ successes: Int, _ trials: Int, z: Double = z95) -> (low: Double, high: Double) {
        guard trials > 0 else { return (0, 1) }
        let n = Double(trials), p = Double(successes) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        return (max(0, centre - half), min(1, centre + half))
    }

    /// Pearson's chi-square statistic of observed counts against expected shares, and its degrees of freedom
    /// (categories with an expected share of zero are left out).
    public static func chiSquare(observed: [Int], expected shares: [Double]) -> (statistic: Double, degreesOfFreedom: Int) {
        let total = Double(observed.reduce(0, +))
        var statistic = 0.0, used = 0
        for (count, share) in zip(observed, shares) where share > 0 {
            let expected = total * share
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
            used += 1
        }
        return (statistic, max(used - 1, 1))
    }

    /// P(X >= x) for X chi-square distributed with `k` degrees of freedom.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0 else { return 1 }
        return regularizedGammaQ(Double(k) / 2, x / 2)
    }

    /// Two-sided p-value of a standard normal statistic.
    public static func normalTwoSided(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }

    /// Cohen's h between two proportions.
    public static func cohensH(_ p1: Double, _ p2: Double) -> Double {
        2 * asin(min(1, max(0, p1)).squareRoot()) - 2 * asin(min(1, max(0, p2)).squareRoot())
    }

    /// The upper regularized incomplete gamma function Q(a, x) (Numerical Recipes' series and continued fraction).
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x < a + 1 {
            var term = 1 / a, sum = term, n = a
            for _ in 0..<500 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return max(0, 1 - sum * exp(-x + a * log(x) - lgamma(a)))
        }
        var b = x + 1 - a, c = 1 / 1e-300, d = 1 / b, h = d
        for i in 1...500 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < 1e-300 { d = 1e-300 }
            c = b + an / c
            if abs(c) < 1e-300 { c = 1e-300 }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return min(1, exp(-x + a * log(x) - lgamma(a)) * h)
    }

    /// The area under the ROC curve of scores binned in equal-width histograms (ties within a bin count half):
    /// the probability that a random positive scores above a random negative.
    public static func auc(positives: [Int], negatives: [Int]) -> Double? {
        let p = Double(positives.reduce(0, +)), n = Double(negatives.reduce(0, +))
        guard p > 0, n > 0 else { return nil }
        var below = 0.0, sum = 0.0
        for (pos, neg) in zip(positives, negatives) {
            sum += Double(pos) * (below + Double(neg) / 2)
            below += Double(neg)
        }
        return sum / (p * n)
    }

    /// The 95 % interval of an AUC from `positives` and `negatives` scores, by Hanley and McNeil's (1982) standard
    /// error, clamped to [0, 1].
    public static func aucInterval(_ auc: Double, positives: Int, negatives: Int) -> (Double, Double) {
        let p = Double(positives), n = Double(negatives)
        guard p > 0, n > 0 else { return (0, 1) }
        let q1 = auc / (2 - auc), q2 = 2 * auc * auc / (1 + auc)
        let variance = (auc * (1 - auc) + (p - 1) * (q1 - auc * auc) + (n - 1) * (q2 - auc * auc)) / (p * n)
        let half = 1.959964 * max(0, variance).squareRoot()
        return (max(0, auc - half), min(1, auc + half))
    }
}
