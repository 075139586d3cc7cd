import EcomModel
import Foundation

/// Decides distribution checks as equivalence tests: pass when the 95 % interval of the observed value lies
/// inside expected +- tolerance, warn when the estimate is inside but the interval crosses a bound, fail when
/// the estimate is outside, inconclusive below the minimum sample, unless even that sample's 99.9 % interval lies
/// wholly outside expected +- tolerance: then it fails (a tighter tolerance needs more records to pass, not to fail).
enum Equivalence {
    /// Default margins, chosen so that clean data from many seeds passes at 100k records and a 2-point shift
    /// in a split, or a doubled fraud rate, fails at 100k (see the validator tests).
    static let splitTolerance = 0.01
    static let fraudRateTolerance = 0.0005

    /// The smallest sample on which clean data passes: five standard errors of the widest expected share
    /// within the tolerance, so that an estimate within three standard errors (nearly every clean sample) still
    /// has its 95 % interval inside the margin. Below it, noise alone would make clean data warn or fail.
    static func minimumSample(shares: [Double], tolerance: Double) -> Int {
        let variance = max(0, shares.map { $0 * (1 - $0) }.max() ?? 0.25)
        guard tolerance > 0 else { return Int.max }
        // A share of 0 (or 1) has no spread, but its Wilson interval still reaches z^2 / n beyond it: the sample must be
        // large enough for that to fit inside the tolerance too (a fraud rate of 0 warned on 0 frauds of 2,000).
        // A tolerance of 1e-200 needs more records than an Int holds: that many, not a trap.
        let needed = max(25 * variance / (tolerance * tolerance), Statistics.z95 * Statistics.z95 / tolerance).rounded(.up)
        return needed.isFinite && needed < 9e18 ? Int(needed) : Int.max
    }

    /// The chance below which a sample under the minimum fails: one in a thousand per check, shared among a split's
    /// categories (Bonferroni), so that a clean sample fails so about once in a thousand runs.
    static let decisiveAlpha = 0.001

    /// Why a sample below the minimum already fails: `count` in `total` is further outside `expected` +- `tolerance` than
    /// chance allows, by an exact binomial test at the margin's nearer edge (at `decisiveAlpha` / `tests`); nil when it
    /// is not. Exact, since the few records this decides on are where normal approximations (Wilson's too) go wrong:
    /// 1 in 20 is not far from a rate of 0.1 %.
    static func decisivelyOutside(_ name: String?, count: Int, total: Int, expected: Double, tolerance: Double, tests: Int = 1) -> String? {
        decisiveTest(name, count: count, total: total, expected: expected, tolerance: tolerance, tests: tests)?.reason
    }

    /// ``decisivelyOutside(_:count:total:expected:tolerance:tests:)`` with the test's chance (its p-value).
    static func decisiveTest(_ name: String?, count: Int, total: Int, expected: Double, tolerance: Double,
                             tests: Int = 1) -> (reason: String, chance: Double)? {
        guard total > 0, count >= 0, count <= total else { return nil }
        let observed = Double(count) / Double(total)
        let alpha = decisiveAlpha / Double(max(1, tests))
        let edge: Double, chance: Double
        if observed > expected + tolerance, expected + tolerance < 1 {
            edge = max(0, expected + tolerance)
            chance = Statistics.binomialTail(atLeast: count, of: total, probability: edge)
        } else if observed < expected - tolerance, expected - tolerance > 0 {
            edge = min(1, expected - tolerance)
            chance = Statistics.binomialTail(atMost: count, of: total, probability: edge)
        } else {
            return nil
        }
        guard chance < alpha else { return nil }
        let odds = tests > 1 ? "\(decisiveAlpha) shared by \(tests) categories" : "\(decisiveAlpha)"
        return ("\(name.map { "\($0) " } ?? "")\(percent(observed)) (\(count) of \(total)): as far from \(percent(expected)) +- \(percent(tolerance)) "
            + "has a chance of \(String(format: "%.2g", chance)) even at its edge \(percent(edge)), below \(odds) (exact binomial test)", chance)
    }

    static func status(observed: Double, interval: (low: Double, high: Double), expected: Double, tolerance: Double) -> CheckStatus {
        if observed < expected - tolerance || observed > expected + tolerance { return .fail }
        if interval.low < expected - tolerance || interval.high > expected + tolerance { return .warn }
        return .pass
    }

    /// A categorical split (regions, devices, ...) against expected shares; each category is judged on its
    /// own share, the split takes the worst; chi-square over all categories; effect = largest share difference.
    /// `designEffect` > 1 when records come in clusters (velocity frauds in bursts): the sample then counts
    /// as `total / designEffect` independent records, for the intervals and the minimum sample.
    static func split(id: String, type: RecordType?, title: String, names: [String], counts: [Int], expected: [Double],
                      gates: Gates, designEffect: Double = 1, clusterNote: String = "") -> CheckResult {
        let total = counts.reduce(0, +)
        let effective = Int(Double(total) / max(1, designEffect))
        let gate = gates.gate(for: id)
        let minimum = gate.minimumSample ?? minimumSample(shares: expected, tolerance: gate.tolerance ?? splitTolerance)
        var result = CheckResult(id: id, family: .distribution, recordType: type, title: title, status: .pass, reason: nil,
                                 gating: gate.gating ?? true, checked: total, violations: 0, maxViolations: 0, statistic: nil, examples: [])
        guard effective >= minimum, total > 0 else {
            let few = total == 0 ? "no records to judge the split on" : effective < total
                ? "\(total) counted, as good as \(effective) independent ones\(clusterNote), fewer than the \(minimum) needed to judge the split within its tolerance"
                : "\(total) counted, fewer than the \(minimum) needed to judge the split within its tolerance"
            // Too few to pass, perhaps enough to fail: a category whose interval is wholly outside its margin.
            var outside: [(reason: String, chance: Double)] = []
            var categories: [CheckStatistic.Category] = []
            for index in names.indices {
                let categoryGate = gates.gate(for: id, category: names[index])
                let count = min(Int((Double(counts[index]) / max(1, designEffect)).rounded()), effective)
                let (share, tolerance) = (categoryGate.expected ?? expected[index], categoryGate.tolerance ?? gate.tolerance ?? splitTolerance)
                if let test = decisiveTest(names[index], count: count, total: effective, expected: share, tolerance: tolerance, tests: names.count) {
                    outside.append(test)
                }
                if total > 0 {
                    categories.append(CheckStatistic.Category(name: names[index], count: counts[index], observed: Double(counts[index]) / Double(total),
                                                              expected: share, interval: Statistics.wilson(count, max(1, effective)), tolerance: tolerance))
                }
            }
            result.status = outside.isEmpty ? .inconclusive : .fail
            result.reason = outside.isEmpty ? few : "\(outside.map(\.reason).joined(separator: "; ")) (\(few), but not to fail it)"
            // A failure says what it measured, as one on a large sample does: the category furthest from its share.
            if !outside.isEmpty, let worst = categories.max(by: { abs($0.observed - $0.expected) < abs($1.observed - $1.expected) }) {
                result.statistic = CheckStatistic(observed: worst.observed, expected: worst.expected, tolerance: worst.tolerance ?? splitTolerance,
                                                  interval: worst.interval, test: "exact binomial", value: Double(outside.count),
                                                  pValue: outside.map(\.chance).min() ?? 1, effectSize: abs(worst.observed - worst.expected),
                                                  effect: "max_abs_share_difference", categories: categories)
            }
            return result
        }
        var categories: [CheckStatistic.Category] = []
        var worst = CheckStatus.pass
        var reasons: [String] = []
        var largest = 0.0
        var expectedShares = expected
        for (index, name) in names.enumerated() {
            let categoryGate = gates.gate(for: id, category: name)
            if let override = categoryGate.expected { expectedShares[index] = override }
            let share = Double(counts[index]) / Double(total)
            let interval = Statistics.wilson(Int((Double(counts[index]) / max(1, designEffect)).rounded()), max(1, effective))
            let tolerance = categoryGate.tolerance ?? splitTolerance
            let status = status(observed: share, interval: interval, expected: expectedShares[index], tolerance: tolerance)
            if status > worst { worst = status }
            if status != .pass {
                reasons.append("\(name) \(percent(share)) [\(percent(interval.low))-\(percent(interval.high))] against \(percent(expectedShares[index])) +- \(percent(tolerance))")
            }
            largest = max(largest, abs(share - expectedShares[index]))
            categories.append(CheckStatistic.Category(name: name, count: counts[index], observed: share, expected: expectedShares[index], interval: interval,
                                                      tolerance: tolerance))
        }
        let chi = Statistics.chiSquare(observed: counts, expected: expectedShares)
        let worstCategory = categories.max { abs($0.observed - $0.expected) < abs($1.observed - $1.expected) }!
        result.statistic = CheckStatistic(
            observed: worstCategory.observed, expected: worstCategory.expected,
            tolerance: gates.gate(for: id, category: worstCategory.name).tolerance ?? splitTolerance,
            interval: worstCategory.interval, test: "chi-square", value: chi.statistic,
            pValue: Statistics.chiSquareSurvival(chi.statistic, degreesOfFreedom: chi.degreesOfFreedom),
            effectSize: largest, effect: "max_abs_share_difference", categories: categories)
        result.status = worst
        if !reasons.isEmpty { result.reason = reasons.joined(separator: "; ") }
        return result
    }

    /// One proportion (a rate) against its expected value.
    static func proportion(id: String, type: RecordType?, title: String, count: Int, total: Int, expected: Double,
                           tolerance defaultTolerance: Double, gates: Gates) -> CheckResult {
        let gate = gates.gate(for: id)
        let expected = gate.expected ?? expected
        let tolerance = gate.tolerance ?? defaultTolerance
        let minimum = gate.minimumSample ?? minimumSample(shares: [expected], tolerance: tolerance)
        var result = CheckResult(id: id, family: .distribution, recordType: type, title: title, status: .pass, reason: nil,
                                 gating: gate.gating ?? true, checked: total, violations: 0, maxViolations: 0, statistic: nil, examples: [])
        guard total >= minimum, total > 0 else {
            let few = "\(total) records, fewer than the \(minimum) needed to judge a rate of \(percent(expected)) within \(percent(tolerance))"
            if let outside = decisiveTest(nil, count: count, total: total, expected: expected, tolerance: tolerance) {
                result.status = .fail
                result.reason = "observed \(outside.reason) (\(few), but not to fail it)"
                let observed = Double(count) / Double(total)
                result.statistic = CheckStatistic(observed: observed, expected: expected, tolerance: tolerance, interval: Statistics.wilson(count, total),
                                                  test: "exact binomial", value: Double(count), pValue: outside.chance,
                                                  effectSize: Statistics.cohensH(observed, expected), effect: "cohens_h")
            } else {
                result.status = .inconclusive
                result.reason = few
            }
            return result
        }
        let observed = Double(count) / Double(total)
        let interval = Statistics.wilson(count, total)
        let standardError = (expected * (1 - expected) / Double(total)).squareRoot()
        let z = standardError > 0 ? (observed - expected) / standardError : 0
        result.statistic = CheckStatistic(observed: observed, expected: expected, tolerance: tolerance, interval: interval,
                                          test: "binomial z", value: z, pValue: Statistics.normalTwoSided(z),
                                          effectSize: Statistics.cohensH(observed, expected), effect: "cohens_h")
        result.status = status(observed: observed, interval: interval, expected: expected, tolerance: tolerance)
        if result.status != .pass {
            result.reason = "observed \(percent(observed)) (\(count) of \(total)) [\(percent(interval.low))-\(percent(interval.high))] against \(percent(expected)) +- \(percent(tolerance))"
        }
        return result
    }

    /// A share as a percentage with a tenth at least and three significant digits below 1 % (0.05%, 0.15%), so that a
    /// small rate, its tolerance and its interval's edges are not rounded into one another.
    static func percent(_ share: Double) -> String {
        let value = share * 100
        guard value.isFinite, abs(value) >= 0.0005 else { return value.isFinite ? "0.0%" : "\(value)%" }
        let decimals = min(4, max(1, 2 - Int(log10(abs(value)).rounded(.down))))
        var text = String(format: "%.\(decimals)f", value)
        while decimals > 1, text.hasSuffix("0"), !text.hasSuffix(".0") { text.removeLast() }
        return text + "%"
    }
}
