import EcomAudit
import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation
import Testing

/// Counts the records of a topic with kcat, an independent client.
func kcatCount(brokers: String, topic: String) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\n"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
}

/// Brokers go down and produce requests fail while a seeded stream runs on 3 brokers and 6 partitions; the
/// audit, comparing every record with the one regenerated from the seed, finds none duplicated, altered,
/// misplaced or out of order, finds missing exactly the records the broker lacks, and kcat reads as many.
///
/// Lost records are a known issue of librdkafka's mock cluster, not of ours (the full account, with a
/// deterministic reproduction, is in Tests/EcomKafkaTests/FaultInjectionTests.swift): it does not check a
/// non-transactional idempotent producer's sequence numbers, so after an injected error fails a request it still
/// appends the partition's next batch already in flight, and librdkafka then acks the failed batch implicitly
/// and reports it delivered though it was never stored (seen once: 67,520 delivered, 67,519 stored).
@Test func auditAfterInjectedProduceFaultsFindsNothingLostOrDuplicated() throws {
    let broker = try EmbeddedBroker(brokers: 3)
    for topic in ["transactions", "user-events"] { try broker.createTopic(topic, partitions: 6, replicationFactor: 3) }
    let start = try #require(Timestamp(parsing: "2024-09-04T12:00:00Z"))
    let end = start.adding(milliseconds: 1_800_000)
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 23, window: (start, end))
    let configuration = KafkaConfiguration(brokers: broker.bootstrapServers)
    let streamer = try KafkaDataProducer(generator: generator, configuration: configuration)
    // The faults are in place before the first record: produce requests fail, and broker 2 (the leader of some
    // partitions) is down until 1.5 s into the stream.
    broker.failNextProduceRequests(20)
    broker.setBroker(2, up: false)
    let faultsDone = DispatchSemaphore(value: 0)
    let faults = Thread {
        Thread.sleep(forTimeInterval: 1.5)
        broker.setBroker(2, up: true)
        faultsDone.signal()
    }
    faults.start()
    let result = streamer.startStreaming(topics: [.transactions, .userEvents], durationHours: 0.5, max: true, simulatedStart: start)
    faultsDone.wait()  // broker 2 is up before the audit and kcat read
    #expect(result.stopReason == nil)
    let manifest = try AuditManifest(json: streamer.manifest(for: result))
    let sent = result.topics.reduce(0) { $0 + $1.sent }
    #expect(sent > 40_000)

    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
    let audit = try Audit(configuration: configuration, request: AuditRequest(topics: ["transactions", "user-events"], manifest: manifest),
                          validator: validator)
    #expect(audit.partitionCounts == ["transactions": 6, "user-events": 6])
    let (records, note) = ExpectedRecords.regenerate(manifest: manifest, config: DataGenerationConfig(), partitions: audit.partitionCounts)
    #expect(note == nil)
    #expect(records.values.reduce(0) { $0 + $1.count } == sent, "the seed regenerates what was sent")
    audit.expect(records, note: note)
    try audit.read()
    let outcome = audit.finish()
    #expect(outcome.records <= sent)
    // The checks a record lost by the mock fails; every other check is strict.
    let lossChecks: Set<String> = ["audit.count", "audit.missing"]
    for check in outcome.checks where !lossChecks.contains(check.id) {
        #expect(check.status == .pass, "\(check.id) on \(check.topic): \(check.reason ?? "")")
    }
    for topic in outcome.topics {
        #expect(topic.duplicated == 0 && topic.altered == 0 && topic.misplaced == 0 && topic.unexpected == 0, "\(topic.topic)")
        let stored = try kcatCount(brokers: broker.bootstrapServers, topic: topic.topic)
        #expect(stored == topic.read, "\(topic.topic): kcat reads another count")
        // Strict even when the mock lost records: the audit names as missing exactly those delivered but not stored.
        let delivered = result.report.delivered[topic.topic] ?? 0
        #expect(topic.missing == delivered - stored, "\(topic.topic): \(topic.missing) missing, \(delivered) delivered, \(stored) stored")
    }
    withKnownIssue("librdkafka's mock cluster appends an idempotent producer's batch after a failed one, and the client then acks the failed one", isIntermittent: true) {
        #expect(outcome.records == sent)
        for topic in outcome.topics { #expect(topic.missing == 0, "\(topic.topic): \(topic.missing) delivered records are not on the broker") }
        for check in outcome.checks where lossChecks.contains(check.id) {
            #expect(check.status == .pass, "\(check.id) on \(check.topic): \(check.reason ?? "")")
        }
    }
    let document = outcome.merged(into: validator.finish().json())
    #expect(document["audit"]?["records_named"]?.boolValue == true)
    #expect(document["checks"]?[0]?["family"]?.stringValue == "audit")
}
