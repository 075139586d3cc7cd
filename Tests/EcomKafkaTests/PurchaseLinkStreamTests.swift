import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import Foundation
import Testing

/// Streamed together, the transactions and user-events topics are one dataset: every purchase event read back
/// names a transaction read back, of the same user and session at the same instant, and every transaction's
/// session has events. Streamed alone, user-events carries the same records.
@Test func streamedPurchaseEventsNameStreamedTransactionsOfTheSameSession() throws {
    let broker = try EmbeddedBroker(brokers: 1)
    for type in RecordType.allCases { try broker.createTopic(type.topic, partitions: 4, replicationFactor: 1) }
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 17)
    let start = try #require(Timestamp(parsing: "2024-09-04T18:00:00Z"))
    let streamer = try KafkaDataProducer(generator: generator, configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    let result = streamer.startStreaming(topics: [.transactions, .userEvents], durationHours: 0.25, max: true, simulatedStart: start)
    #expect(result.stopReason == nil)

    var transactions: [String: JSONValue] = [:]
    for record in try kcatRead(brokers: broker.bootstrapServers, topic: "transactions") {
        let value = try JSONValue.parse(record.value)
        transactions[value["transaction_id"]?.stringValue ?? "?"] = value
    }
    let events = try kcatRead(brokers: broker.bootstrapServers, topic: "user-events")
    #expect(transactions.count == result.topics[0].sent && transactions.count > 1_000, "\(transactions.count) transactions")
    #expect(events.count == result.topics[1].sent)
    var sessions = Set<String>()
    var linked = Set<String>()
    var problems: [String] = []
    for record in events {
        let event = try JSONValue.parse(record.value)
        sessions.insert(event["session_id"]?.stringValue ?? "?")
        guard event["event_type"]?.stringValue == "purchase" else { continue }
        let reference = event["transaction_id"]?.stringValue ?? "nil"
        guard let transaction = transactions[reference] else { problems.append("\(reference) was not streamed"); continue }
        linked.insert(reference)
        for field in ["user_id", "session_id", "timestamp"] where event[field]?.stringValue != transaction[field]?.stringValue {
            problems.append("\(reference): \(field) differs")
        }
    }
    expectNoProblems(problems)
    #expect(linked.count == transactions.count, "\(linked.count) of \(transactions.count) transactions have their purchase event")
    let sessionless = transactions.values.filter { !sessions.contains($0["session_id"]?.stringValue ?? "?") }
    #expect(sessionless.isEmpty, "\(sessionless.count) transactions without session events")

    // The events streamed without their transactions are the same records.
    let alone = try EmbeddedBroker(brokers: 1)
    try alone.createTopic("user-events", partitions: 4, replicationFactor: 1)
    let single = try KafkaDataProducer(generator: generator, configuration: KafkaConfiguration(brokers: alone.bootstrapServers))
    _ = single.startStreaming(topics: [.userEvents], durationHours: 0.25, max: true, simulatedStart: start)
    let again = try kcatRead(brokers: alone.bootstrapServers, topic: "user-events")
    #expect(Set(again.map(\.value)) == Set(events.map(\.value)))
}

private func expectNoProblems(_ problems: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.isEmpty, "\(problems.count) problem(s), e.g. \(problems.prefix(5))", sourceLocation: sourceLocation)
}
