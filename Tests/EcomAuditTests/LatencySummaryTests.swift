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

@Test func secretsGivenWithXAreRedactedFromACommandLine() {
    let arguments = ["ecomdata", "audit", "-X", "sasl.password=hunter2", "-Xssl.key.password=k3y", "-X", "client.id=me",
                     "--brokers", "b:9092", "-X", "sasl.oauthbearer.token=t0k"]
    let redacted = KafkaConfiguration.redactingSecrets(arguments)
    #expect(redacted == ["ecomdata", "audit", "-X", "sasl.password=***", "-Xssl.key.password=***", "-X", "client.id=me",
                         "--brokers", "b:9092", "-X", "sasl.oauthbearer.token=***"])
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
