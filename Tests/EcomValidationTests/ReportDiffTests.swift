import EcomJSON
import EcomValidation
import Testing

/// A minimal report with one regional split of `n` transactions at `shares`, a fraud rate and a histogram.
private func report(n: Int, shares: [(String, Double)], fraudRate: Double = 0.001, seed: Int64 = 1,
                    totals: [Int] = [10, 40, 30, 20]) -> JSONValue {
    .object([
        ("format", .string("ecomdata.report/v1")),
        ("run", .object([("seed", .int(seed)), ("window", .object([("start", .string("a")), ("end", .string("b"))]))])),
        ("checks", .array([])),
        ("distributions", .object([("transactions", .object([
            ("count", .int(Int64(n))),
            ("categorical", .object([("regions", .object([("counts", .object(shares.map { ($0.0, .int(Int64(($0.1 * Double(n)).rounded()))) }))]))])),
            ("fraud", .object([("rate", .double(fraudRate))])),
            ("order_totals", .object([("edges", .array([0, 10, 20, 30, 40].map { .double($0) })),
                                      ("counts", .array(totals.map { .int(Int64($0 * n / 100)) }))])),
        ]))])),
    ])
}

private let split = [("North America", 0.45), ("Europe", 0.30), ("Asia", 0.20), ("Others", 0.05)]
private let shifted = [("North America", 0.43), ("Europe", 0.32), ("Asia", 0.20), ("Others", 0.05)]

private func status(_ diff: ReportDiff, _ id: String) -> ReportDiff.Status? {
    diff.comparisons.first { $0.id == id }?.status
}

/// The tolerance follows both sample sizes: two points are a shift at 100,000 records; at 2,000 the noise alone
/// allows over 5 points, so the split cannot be judged (inconclusive, never drift and never a plain pass).
@Test func aShiftIsJudgedAgainstTheNoiseOfBothSamples() {
    let large = ReportDiff(base: report(n: 100_000, shares: split), current: report(n: 100_000, shares: shifted), baseName: "a", currentName: "b")
    #expect(status(large, "transactions.regions") == .drift)
    let moved = large.comparisons.first { $0.id == "transactions.regions" }!.categories.filter(\.moved).map(\.name)
    #expect(moved.sorted() == ["Europe", "North America"])
    #expect(large.verdict == "drift")

    let small = ReportDiff(base: report(n: 2_000, shares: split), current: report(n: 2_000, shares: shifted), baseName: "a", currentName: "b")
    #expect(status(small, "transactions.regions") == .inconclusive)
    // One large side does not make the comparison precise: the small side's noise counts.
    let mixed = ReportDiff(base: report(n: 1_000_000, shares: split), current: report(n: 2_000, shares: shifted), baseName: "a", currentName: "b")
    #expect(status(mixed, "transactions.regions") != .drift)

    let same = ReportDiff(base: report(n: 100_000, shares: split), current: report(n: 100_000, shares: split), baseName: "a", currentName: "b")
    #expect(same.verdict == "pass")
    #expect(same.comparisons.first { $0.id == "transactions.regions" }?.value == 0)
}

@Test func aRateComparisonNeedsEnoughEventsAndCatchesADoubling() {
    let doubled = ReportDiff(base: report(n: 100_000, shares: split, fraudRate: 0.001), current: report(n: 100_000, shares: split, fraudRate: 0.002),
                             baseName: "a", currentName: "b")
    #expect(status(doubled, "transactions.fraud_rate") == .drift)
    let tiny = ReportDiff(base: report(n: 2_000, shares: split, fraudRate: 0.001), current: report(n: 2_000, shares: split, fraudRate: 0.002),
                          baseName: "a", currentName: "b")
    #expect(status(tiny, "transactions.fraud_rate") == .inconclusive)
}

/// Amount histograms are judged between reports of one seed, and only shown between seeds (the catalog differs).
@Test func histogramsAreComparedByWassersteinWithinOneSeed() {
    let base = report(n: 100_000, shares: split)
    let moved = report(n: 100_000, shares: split, totals: [20, 40, 30, 10])
    let oneSeed = ReportDiff(base: base, current: moved, baseName: "a", currentName: "b")
    let totals = oneSeed.comparisons.first { $0.id == "transactions.order_totals" }!
    #expect(totals.status == .drift)
    // The distance of moving 10 % of the mass 30 units down.
    #expect(abs(totals.value - 3) < 1e-9)
    let otherSeed = ReportDiff(base: base, current: report(n: 100_000, shares: split, seed: 2, totals: [20, 40, 30, 10]), baseName: "a", currentName: "b")
    #expect(status(otherSeed, "transactions.order_totals") == .inconclusive)
    #expect(status(ReportDiff(base: base, current: base, baseName: "a", currentName: "b"), "transactions.order_totals") == .ok)
}

@Test func gatesOverrideByKindNameAndCategory() {
    var settings = DiffSettings(["split": DiffTolerance(floor: 0.03)])
    #expect(settings.tolerance(for: "transactions.regions", kind: .split).floor == 0.03)
    settings = DiffSettings(["split": DiffTolerance(floor: 0.03), "regions": DiffTolerance(sigmas: 2), "transactions.regions.Europe": DiffTolerance(floor: 0.001, gating: false)])
    let europe = settings.tolerance(for: "transactions.regions.Europe", kind: .split)
    #expect(europe.sigmas == 2 && europe.floor == 0.001 && europe.gating == false)
    let asia = settings.tolerance(for: "transactions.regions.Asia", kind: .split)
    #expect(asia.sigmas == 2 && asia.floor == 0.03 && asia.gating)
    #expect(settings.tolerance(for: "transactions.fraud_rate", kind: .rate).sigmas == 4)
}
