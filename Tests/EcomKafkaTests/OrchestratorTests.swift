import EcomGeneration
import EcomKafka
import EcomModel
import Foundation
import Testing

@Test func peakTrafficScenarioStreamsThreeTimesNormalAndDeliversEverything() throws {
    let broker = try EmbeddedBroker(brokers: 1)
    for type in RecordType.allCases { try broker.createTopic(type.topic, partitions: 4, replicationFactor: 1) }
    let orchestrator = DataGenerationOrchestrator(config: DataGenerationConfig(), seed: 8,
                                                  kafka: KafkaConfiguration(brokers: broker.bootstrapServers))
    // 3 simulated minutes in about 2.5 wall-clock seconds each.
    let normal = try orchestrator.runScenario(.normalTraffic, durationHours: 0.05, speedup: 72)
    let peak = try orchestrator.runScenario(.peakTraffic, durationHours: 0.05, speedup: 72)
    for result in [normal, peak] {
        #expect(result.stopReason == nil)
        for topic in result.topics {
            #expect(result.report.delivered[topic.type.topic] == topic.sent, "\(topic.type.topic)")
        }
    }
    let normalTransactions = normal.topics.first { $0.type == .transactions }!.sent
    let peakTransactions = peak.topics.first { $0.type == .transactions }!.sent
    #expect(abs(Double(peakTransactions) / Double(normalTransactions) - 3) < 0.05, "\(peakTransactions) vs \(normalTransactions)")
}
