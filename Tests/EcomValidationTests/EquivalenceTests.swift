@testable import EcomValidation
import Testing

/// A tighter tolerance needs more records to pass, not to fail: below its minimum sample a rate or a split whose
/// 99.9 % interval lies wholly outside the margin fails; one whose interval reaches it stays inconclusive.
@Test func aSampleTooSmallToPassCanStillFail() {
    let gates = Gates(["fraud_rate": Gate(tolerance: 0.0003), "regions": Gate(tolerance: 0.005)])
    // A doubled fraud rate (0.2 %) on 100,000 records against 0.1 % +- 0.03 %, which needs 277,501 to pass.
    let doubled = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 207, total: 100_000,
                                         expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: gates)
    #expect(doubled.status == .fail, "\(doubled.reason ?? "")")
    #expect(doubled.reason?.contains("wholly outside") == true && doubled.reason?.contains("fewer than the 277501 needed") == true)
    let near = Equivalence.proportion(id: "distribution.fraud_rate", type: .transactions, title: "", count: 112, total: 100_000,
                                      expected: 0.001, tolerance: Equivalence.fraudRateTolerance, gates: gates)
    #expect(near.status == .inconclusive, "\(near.reason ?? "")")
    // A 2-point shift between two regions of a 40/60 split on 100,000 against +- 0.5 points (247,500 needed to pass).
    let expected = [0.4, 0.6]
    let shifted = Equivalence.split(id: "distribution.regions", type: .transactions, title: "", names: ["A", "B"], counts: [42_000, 58_000],
                                    expected: expected, gates: gates)
    #expect(shifted.status == .fail && shifted.reason?.hasPrefix("A 42.0%, its 99.9 % interval") == true, "\(shifted.reason ?? "")")
    let close = Equivalence.split(id: "distribution.regions", type: .transactions, title: "", names: ["A", "B"], counts: [40_300, 59_700],
                                  expected: expected, gates: gates)
    #expect(close.status == .inconclusive, "\(close.reason ?? "")")
}
