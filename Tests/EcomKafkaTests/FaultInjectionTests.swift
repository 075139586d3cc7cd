import EcomGeneration
import EcomKafka
import EcomModel
import Foundation
import Testing

// Why the embedded broker can lose or duplicate records although the producer is idempotent (measured, not
// guessed): librdkafka's mock cluster checks an idempotent producer's sequence numbers only for a *transactional*
// producer. Its rd_kafka_mock_validate_records() (src/rdkafka_mock.c, confluentinc/librdkafka) starts with
//     if (!TransactionalId || RD_KAFKAP_STR_LEN(TransactionalId) < 1) return RD_KAFKA_RESP_ERR_NO_ERROR;
// and our producer is idempotent without a transactional.id, so its ProduceRequests carry a null TransactionalId.
// No upstream issue or CHANGELOG entry names this; the newest mock source still has that early return.
// Two consequences, each shown deterministically on one partition by a test below:
// - Duplicates: a retry of a batch the mock already appended is appended again. That retry happens when a broker
//   goes down (rd_kafka_mock_broker_set_down drops the responses not yet written) between append and response.
//   A real broker answers such a retry from its producer state without writing it.
// - Loss reported as delivered: an injected error (rd_kafka_mock_push_request_errors) fails a request before
//   anything is appended (rd_kafka_mock_handle_Produce, src/rdkafka_mock_handlers.c), but the mock then appends
//   the next request of the same partition, already in flight, although its sequence is out of order (a real
//   broker answers OUT_OF_ORDER_SEQUENCE_NUMBER). On that success the idempotent client, which may rely on the
//   broker's ordering, "implicitly acks" the failed batch waiting for its retry (librdkafka's debug line
//   IMPLICITACK: "N message(s) implicitly acked by subsequent batch success") and reports it delivered: the
//   delivery report says delivered, the log never had it. This needs the last injected error and a later
//   request of the same partition in flight together, hence intermittent in a stream.
// So: broker outages may duplicate but not lose; failed requests may lose but not duplicate. Each stream test
// below asserts strictly what the mock cannot break and marks the other as a known intermittent issue.

/// Counts the distinct record IDs (event_id) kcat reads from `topic`, with every place each was read at.
private func userEventIDs(brokers: String, topic: String) throws -> [Substring: [String]] {
    var ids: [Substring: [String]] = [:]
    for record in try kcatRead(brokers: brokers, topic: topic) {
        // "event_id":"evt_000000001" is the record's first field.
        guard let range = record.value.range(of: "\"event_id\":\"") else { continue }
        ids[record.value[range.upperBound...].prefix { $0 != "\"" }, default: []].append("\(record.partition)@\(record.offset)")
    }
    return ids
}

/// Streams `hours` of seed 21's user events (from 2024-09-04 12:00) as fast as they go to a 3-broker embedded cluster
/// (6 partitions, 3 replicas) while `faults` runs on a thread of its own; returns once both are over, so that nothing
/// is read while a fault lasts. `expected` is the count the generator plans.
private func streamUserEvents(hours: Double, during faults: @escaping @Sendable (EmbeddedBroker) -> Void) throws
    -> (broker: EmbeddedBroker, expected: Int, result: KafkaDataProducer.StreamResult) {
    let broker = try EmbeddedBroker(brokers: 3)
    try broker.createTopic("user-events", partitions: 6, replicationFactor: 3)
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 21)
    let streamer = try KafkaDataProducer(generator: generator, configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    let start = try #require(Timestamp(parsing: "2024-09-04T12:00:00Z"))
    let expected = generator.expectedCount(type: .userEvents, start: start, end: start.adding(milliseconds: Int64(hours * 3_600_000)))
    let faultsDone = DispatchSemaphore(value: 0)
    let thread = Thread {
        defer { faultsDone.signal() }
        faults(broker)
    }
    thread.start()
    let result = streamer.startStreaming(topics: [.userEvents], durationHours: hours, max: true, simulatedStart: start)
    faultsDone.wait()
    return (broker, expected, result)
}

@Test func failedProduceRequestsMidStreamDuplicateNothing() throws {
    // Bursts of failed produce requests (not leader, request timed out: both retriable) while the stream runs.
    let (broker, expected, result) = try streamUserEvents(hours: 0.5) { broker in
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.3)
            broker.failNextProduceRequests(20)
        }
    }
    #expect(expected >= 50_000)
    #expect(result.stopReason == nil)
    #expect(result.topics[0].sent == expected)
    #expect(result.report.delivered["user-events"] == expected, "failed: \(result.report.lastError)")

    let ids = try userEventIDs(brokers: broker.bootstrapServers, topic: "user-events")
    // Strict: the mock answers an injected error without appending, so a duplicate here would be ours.
    let duplicated = ids.filter { $0.value.count > 1 }
    #expect(duplicated.isEmpty, "\(duplicated.count) IDs arrived more than once, e.g. \(duplicated.prefix(3).map { "\($0.key) at \($0.value)" })")
    // Known issue of the mock (see the top of this file): a batch failed by an injected error can be reported
    // delivered when the mock appended the partition's next batch out of order.
    #expect(ids.count <= expected)
    withKnownIssue("librdkafka's mock cluster appends an idempotent producer's batch after a failed one, and the client then acks the failed one", isIntermittent: true) {
        #expect(ids.count == expected, "kcat read \(ids.count) distinct IDs of \(expected) delivered")
    }
}

@Test func brokersGoingDownMidStreamLoseNothing() throws {
    // Take brokers down and bring them back while the stream runs; every broker is up again before anything is
    // read (kcat reading while a leader is down reads less).
    let (broker, expected, result) = try streamUserEvents(hours: 1) { broker in
        for id: Int32 in [2, 3] {
            Thread.sleep(forTimeInterval: 0.4)
            broker.setBroker(id, up: false)
            Thread.sleep(forTimeInterval: 1.5)
            broker.setBroker(id, up: true)
        }
    }
    #expect(expected >= 100_000)
    #expect(result.stopReason == nil)
    #expect(result.topics[0].sent == expected)
    #expect(result.report.delivered["user-events"] == expected, "failed: \(result.report.lastError)")

    let ids = try userEventIDs(brokers: broker.bootstrapServers, topic: "user-events")
    // Loss is asserted strictly: an outage fails every request on the connection, so no later batch of a
    // partition can be appended past a failed one (the mock's path to loss needs an injected error).
    #expect(ids.count == expected, "kcat read \(ids.count) distinct IDs of \(expected)")
    let duplicated = ids.filter { $0.value.count > 1 }
    // Known issue of the mock, not of ours (see the top of this file): when a broker goes down after appending a
    // batch but before its response left, the idempotent producer's retry is appended again (seen: 905 records
    // of partition 2, offsets 12340-13092 again at 13245-13997). The audit reports such duplicates with both offsets.
    withKnownIssue("librdkafka's mock cluster does not deduplicate a non-transactional idempotent producer's retries", isIntermittent: true) {
        #expect(duplicated.isEmpty, "\(duplicated.count) IDs arrived more than once, e.g. \(duplicated.prefix(3).map { "\($0.key) at \($0.value)" })")
    }
}

/// The cause of the known duplicates above, made deterministic: the broker's responses are delayed, so the record
/// is appended but its response is still waiting when the broker goes down; the producer retries it.
@Test func embeddedBrokerAppendsARetriedBatchAgainWhenItsResponseIsLost() throws {
    let broker = try EmbeddedBroker(brokers: 1)
    try broker.createTopic("retried", partitions: 1, replicationFactor: 1)
    let producer = try KafkaProducer(configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    func send(_ text: String) throws {
        let value = Array(text.utf8)
        try value.withUnsafeBufferPointer { try producer.send(topic: "retried", key: nil, value: $0) }
    }
    try send("{\"n\":1}")
    #expect(producer.flush(timeout: 10) == 0, "the first record connects the producer")
    broker.setRoundTripTime(1, milliseconds: 3_000)
    try send("{\"n\":2}")
    Thread.sleep(forTimeInterval: 1)  // appended, its response held back by the round-trip time
    broker.setBroker(1, up: false)  // the held response is dropped with the connection
    Thread.sleep(forTimeInterval: 0.3)
    broker.setRoundTripTime(1, milliseconds: 0)
    broker.setBroker(1, up: true)
    #expect(producer.flush(timeout: 30) == 0)
    #expect(producer.deliveryReport.delivered["retried"] == 2 && producer.deliveryReport.totalFailed == 0)

    let values = try kcatRead(brokers: broker.bootstrapServers, topic: "retried").map(\.value)
    #expect(values.filter { $0 == "{\"n\":1}" }.count == 1)
    #expect(values.contains("{\"n\":2}"), "the retried record was lost")
    // Not intermittent: should the mock ever deduplicate (a newer librdkafka), this known issue is not recorded
    // and the test fails, saying the withKnownIssue in brokersGoingDownMidStreamLoseNothing can go.
    withKnownIssue("librdkafka 2.0.2's mock cluster appends an idempotent producer's retry again (no transactional.id, no sequence check)") {
        #expect(values.filter { $0 == "{\"n\":2}" }.count == 1, "stored: \(values)")
    }
}

/// The cause of the known loss above, made deterministic: a request fails by an injected error while the next
/// request of the same partition is in flight (responses are delayed), and the mock appends that one.
@Test func embeddedBrokerAppendsABatchAfterAFailedOneAndTheProducerAcksBoth() throws {
    let broker = try EmbeddedBroker(brokers: 1)
    try broker.createTopic("acked", partitions: 1, replicationFactor: 1)
    let producer = try KafkaProducer(configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    func send(_ text: String) throws {
        let value = Array(text.utf8)
        try value.withUnsafeBufferPointer { try producer.send(topic: "acked", key: nil, value: $0) }
    }
    try send("{\"n\":0}")
    #expect(producer.flush(timeout: 10) == 0, "the first record connects the producer")
    broker.setRoundTripTime(1, milliseconds: 1_000)
    broker.failNextProduceRequests(1)  // the next ProduceRequest, A's, fails: nothing appended
    try send("{\"n\":\"A\"}")
    Thread.sleep(forTimeInterval: 0.2)  // A's request is answered (with the error) but the answer is held back
    try send("{\"n\":\"B\"}")  // B's request goes out before A's error arrives, and is appended
    #expect(producer.flush(timeout: 30) == 0)
    broker.setRoundTripTime(1, milliseconds: 0)
    #expect(producer.deliveryReport.delivered["acked"] == 3 && producer.deliveryReport.totalFailed == 0)

    let values = try kcatRead(brokers: broker.bootstrapServers, topic: "acked").map(\.value)
    #expect(values.contains("{\"n\":0}") && values.contains("{\"n\":\"B\"}"), "stored: \(values)")
    // Not intermittent: should the mock ever check sequences (a newer librdkafka), this known issue is not
    // recorded and the test fails, saying the withKnownIssue on loss after failed requests can go.
    withKnownIssue("librdkafka 2.0.2's mock cluster appends an idempotent producer's out-of-order batch; the client implicitly acks the failed one") {
        #expect(values.contains("{\"n\":\"A\"}"), "A was reported delivered but is not stored: \(values)")
    }
}
