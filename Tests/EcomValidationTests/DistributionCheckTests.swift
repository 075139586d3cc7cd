import EcomModel
import EcomValidation
import Testing

/// Clean data passes at 100k records for several seeds (scripts/calibrate-validation.sh runs 20 seeds at
/// 100k and 1M with the release build).
@Test(arguments: [7 as UInt64, 1_001, 31_337])
func cleanTransactionsPassEveryCheck(seed: UInt64) throws {
    let report = try validateGenerated([.transactions], count: 100_000, seed: seed)
    #expect(report.verdict == .pass, "\(report.problems)")
    #expect(report.records == 100_000)
    #expect(report.check("distribution.regions")?.status == .pass)
    #expect(report.check("distribution.fraud_rate")?.status == .pass)
}

@Test func aTwoPointShiftInTheRegionalSplitFailsAt100k() throws {
    let report = try validateGenerated([.transactions], count: 100_000, seed: 7,
                                       overrides: ["regions.Europe.weight=0.32", "regions.North America.weight=0.43"],
                                       validationOverrides: [])
    let regions = try #require(report.check("distribution.regions"))
    #expect(regions.status == .fail, "\(report.problems)")
    let europe = try #require(regions.statistic?.categories.first { $0.name == "Europe" })
    #expect(europe.observed > 0.31 && europe.expected == 0.30)
    #expect(report.verdict == .fail)
}

@Test func aDoubledFraudRateFailsAt100k() throws {
    let report = try validateGenerated([.transactions], count: 100_000, seed: 7, overrides: ["fraud_rate=0.002"], validationOverrides: [])
    let rate = try #require(report.check("distribution.fraud_rate"))
    #expect(rate.status == .fail, "\(report.problems)")
    #expect((rate.statistic?.observed ?? 0) > 0.0015)
}

@Test func aGateTightensOrLoosensACheck() throws {
    // The same clean data fails a gate that expects another fraud rate, and passes with a wide tolerance.
    var gates = Gates()
    gates.set("fraud_rate", Gate(expected: 0.01, tolerance: 0.001, minimumSample: 10_000))
    let strict = try validateGenerated([.transactions], count: 20_000, seed: 7, gates: gates)
    #expect(strict.check("distribution.fraud_rate")?.status == .fail)
    gates.set("fraud_rate", Gate(expected: 0.01, tolerance: 0.05))
    let loose = try validateGenerated([.transactions], count: 20_000, seed: 7, gates: gates)
    #expect(loose.check("distribution.fraud_rate")?.status == .pass)
}
