@testable import EcomValidation
import Foundation
import Testing

/// A tighter tolerance needs more records to pass, not to fail: below its minimum sample a rate or a split further
/// outside the margin than an exact binomial test allows at 0.1 % fails; one near the margin stays inconclusive.
@Test func aSampleTooSmallToPassCanStillFail() {
    let gates = Gates(["fraud_rate": Gate(tolerance: 0.0003), "regions": Gate(tolerance: 0.005)])
    // A doubled fraud rate (0.2 %) on 100,000 records against 0.1 % +- 0.03 %, which needs 277,501 to pass.
    let doubled = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 207, total: 100_000,
                                         expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: gates)
    #expect(doubled.status == .fail, "\(doubled.reason ?? "")")
    #expect(doubled.reason?.contains("exact binomial test") == true && doubled.reason?.contains("fewer than the 277501 needed") == true)
    // A failure says what it measured, as one on a large sample does: observed, expected, tolerance, interval, p-value.
    let measured = try! #require(doubled.statistic)
    #expect(measured.observed == 0.00207 && measured.expected == 0.001 && measured.tolerance == 0.0003 && measured.test == "exact binomial")
    #expect(measured.interval.low < 0.00207 && measured.interval.high > 0.00207 && measured.pValue < 0.001)
    let near = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 112, total: 100_000,
                                      expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: gates)
    #expect(near.status == .inconclusive, "\(near.reason ?? "")")
    // A 2-point shift between two regions of a 40/60 split on 100,000 against +- 0.5 points (247,500 needed to pass).
    let expected = [0.4, 0.6]
    let shifted = Equivalence.split(id: "distribution.regions", type: .transactions, title: "", names: ["A", "B"], counts: [42_000, 58_000],
                                    expected: expected, gates: gates)
    #expect(shifted.status == .fail && shifted.reason?.hasPrefix("A 42.0% (42000 of 100000): as far from 40.0% +- 0.5%") == true, "\(shifted.reason ?? "")")
    #expect([0.42, 0.58].contains(shifted.statistic?.observed ?? 0) && shifted.statistic?.tolerance == 0.005 && shifted.statistic?.categories.count == 2)
    #expect(shifted.statistic?.categories.allSatisfy { $0.tolerance == 0.005 } == true)
    let close = Equivalence.split(id: "distribution.regions", type: .transactions, title: "", names: ["A", "B"], counts: [40_300, 59_700],
                                  expected: expected, gates: gates)
    #expect(close.status == .inconclusive, "\(close.reason ?? "")")
}

/// A small rate's message keeps its digits: a tolerance of 0.05 % and an edge at 0.15 % are not rounded to 0.1 % and
/// 0.2 % (which read as if the observed rate were inside), and a judged rate is shown as a percentage with its counts.
@Test func smallRatesAreShownWithTheirDigits() {
    #expect(Equivalence.percent(0.0005) == "0.05%" && Equivalence.percent(0.0015) == "0.15%" && Equivalence.percent(0.00104) == "0.104%")
    #expect(Equivalence.percent(0.45) == "45.0%" && Equivalence.percent(0.123) == "12.3%" && Equivalence.percent(0) == "0.0%")
    let gates = Gates(["fraud_rate": Gate(expected: 0.002, tolerance: 0.0005)])
    let few = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 0, total: 5_000,
                                     expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: gates)
    #expect(few.reason?.contains("as far from 0.2% +- 0.05% has a chance") == true && few.reason?.contains("even at its edge 0.15%") == true,
            "\(few.reason ?? "")")
    let judged = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 104, total: 100_000,
                                        expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: Gates(["fraud_rate": Gate(expected: 0.01, tolerance: 0.002)]))
    #expect(judged.status == .fail && judged.reason?.hasPrefix("observed 0.104% (104 of 100000) [") == true && judged.reason?.hasSuffix("against 1.0% +- 0.2%") == true,
            "\(judged.reason ?? "")")
}

/// A handful of clean records is no evidence: a local hour holding 2 of 5 records, or 1 fraud in 20 against 0.1 %, is
/// inconclusive (an exact test at 0.1 %, shared by a split's categories), not the false failure Wilson's interval gave.
/// A split over no records at all is inconclusive too, whatever minimum sample a gate sets.
@Test func aFewRecordsAreInconclusiveNotFailed() {
    let hours = (0..<24).map { "\($0)" }
    var counts = Array(repeating: 0, count: 24)
    counts[9] = 2
    counts[14] = 1
    counts[20] = 2
    let fewHours = Equivalence.split(id: "distribution.local_hours", type: .transactions, title: "", names: hours, counts: counts,
                                     expected: Array(repeating: 1.0 / 24, count: 24), gates: Gates([:]))
    #expect(fewHours.status == .inconclusive, "\(fewHours.reason ?? "")")
    let oneFraud = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 1, total: 20,
                                          expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: Gates([:]))
    #expect(oneFraud.status == .inconclusive, "\(oneFraud.reason ?? "")")
    // Ten frauds in 20 are far outside 0.1 % however few the records.
    let tenFrauds = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 10, total: 20,
                                           expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: Gates([:]))
    #expect(tenFrauds.status == .fail, "\(tenFrauds.reason ?? "")")
    let none = Equivalence.split(id: "distribution.fraud_types", type: .transactions, title: "", names: ["a", "b"], counts: [0, 0],
                                 expected: [0.5, 0.5], gates: Gates(["fraud_types": Gate(minimumSample: 0)]))
    #expect(none.status == .inconclusive && none.statistic == nil, "\(none.reason ?? "")")
}

/// The exact binomial tails agree with their sums over every term.
@Test func binomialTailsAreTheSumsOfTheirTerms() {
    func direct(_ range: ClosedRange<Int>, _ n: Int, _ p: Double) -> Double {
        range.reduce(0.0) { sum, i in
            var choose = 1.0
            for j in 0..<i { choose = choose * Double(n - j) / Double(j + 1) }
            return sum + choose * pow(p, Double(i)) * pow(1 - p, Double(n - i))
        }
    }
    for (n, p) in [(5, 0.049), (20, 0.0015), (60, 0.3), (100, 0.5)] {
        for k in 0...n {
            let upper = Statistics.binomialTail(atLeast: k, of: n, probability: p), lower = Statistics.binomialTail(atMost: k, of: n, probability: p)
            #expect(abs(upper - direct(k...n, n, p)) < 1e-9, "P(X >= \(k)) of \(n) at \(p)")
            #expect(abs(lower - direct(0...k, n, p)) < 1e-9, "P(X <= \(k)) of \(n) at \(p)")
        }
    }
}
