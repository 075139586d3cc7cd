@testable import EcomAudit
import EcomKafka
import Testing

@Test func latencyPercentilesAreNearestRank() {
    let summary = LatencySummary(Array((1...1000).reversed()).map(Int64.init), withoutTimestamp: 3)
    #expect(summary.value("min") == 1)
    #expect(summary.value("p50") == 500)
    #expect(summary.value("p90") == 900)
    #expect(summary.value("p99") == 990)
    #expect(summary.value("p999") == 999)
    #expect(summary.value("max") == 1000)
    #expect(summary.withoutTimestamp == 3)
    #expect(LatencySummary([7], withoutTimestamp: 0).value("p99") == 7)
    #expect(LatencySummary([], withoutTimestamp: 5).percentiles == nil, "no timestamps: no percentiles, not zeros")
}

/// The percentiles are selected, not sorted for: they are the sorted samples' nearest ranks on samples with many equal
/// values, sorted, reversed, all alike or random, of every size up to a few thousand.
@Test func selectedPercentilesAreTheSortedSamplesNearestRanks() {
    var generator = SystemRandomNumberGenerator()
    var inputs: [[Int64]] = [[5, 5, 5, 5], Array(0..<5000), Array((0..<5000).reversed()), Array(repeating: 42, count: 3001)]
    for size in [1, 2, 3, 7, 10, 99, 100, 1001, 4999] {
        inputs.append((0..<size).map { _ in Int64.random(in: 0..<20, using: &generator) })
        inputs.append((0..<size).map { _ in Int64.random(in: -1_000_000...1_000_000, using: &generator) })
    }
    for samples in inputs {
        let sorted = samples.sorted()
        func rank(_ q: Double) -> Int64 { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] }
        let summary = LatencySummary(samples, withoutTimestamp: 0)
        let expected: [Int64] = [sorted.first!, rank(0.5), rank(0.9), rank(0.99), rank(0.999), sorted.last!]
        #expect(summary.percentiles?.map(\.value) == expected, "\(samples.count) samples")
    }
}

@Test func secretsGivenWithXAreRedactedFromACommandLine() {
    let arguments = ["ecomdata", "audit", "-X", "sasl.password=hunter2", "-Xssl.key.password=k3y", "-X", "client.id=me",
                     "--brokers", "b:9092", "-X", "sasl.oauthbearer.token=t0k",
                     "-X", "sasl.jaas.config=PlainLoginModule required username=u password=p4ss;", "-X", "sasl.oauthbearer.config=clientSecret=s3c",
                     "-X", "ssl.key.pem=-----BEGIN PRIVATE KEY-----"]
    let redacted = KafkaConfiguration.redactingSecrets(arguments)
    #expect(redacted == ["ecomdata", "audit", "-X", "sasl.password=***", "-Xssl.key.password=***", "-X", "client.id=me",
                         "--brokers", "b:9092", "-X", "sasl.oauthbearer.token=***", "-X", "sasl.jaas.config=***",
                         "-X", "sasl.oauthbearer.config=***", "-X", "ssl.key.pem=***"])
}

/// The order check compares timestamps as YYYYMMDDhhmmssSSS: one without milliseconds or with microseconds orders by
/// its time, not by how many digits it has, and the zone's digits are not taken for the time's.
@Test func timestampOrderKeysIgnoreTheirPrecisionAndZone() {
    func key(_ text: String) -> Int64 { Array(text.utf8).withUnsafeBufferPointer { Audit.digits($0) } }
    #expect(key("2024-09-02T00:00:02.500Z") == 20240902000002500)
    #expect(key("2024-09-02T00:00:03Z") == 20240902000003000)
    #expect(key("2024-09-02T00:00:02.500Z") < key("2024-09-02T00:00:03Z"), "was 20240902000003 < 20240902000002500")
    #expect(key("2024-09-02T00:00:02.500123Z") == key("2024-09-02T00:00:02.500Z"))
    #expect(key("2024-09-02T00:00:03+02:00") == 20240902000003000)
    #expect(key("2024-09-02T00:00:03.250-05:00") == 20240902000003250)
}
