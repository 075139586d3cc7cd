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
