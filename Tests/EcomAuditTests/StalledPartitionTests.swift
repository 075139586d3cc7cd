import EcomAudit
import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation
import Testing

/// The broker goes down after the audit has seen where the partitions end: reading gives up after the idle
/// timeout instead of hanging, and `audit.count` fails naming the partitions and the offsets it stopped at.
@Test func aPartitionThatStopsBringingRecordsIsAFindingNotAHang() throws {
    let broker = try EmbeddedBroker(brokers: 1)
    try broker.createTopic("product-updates", partitions: 2, replicationFactor: 1)
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 4)
    let configuration = KafkaConfiguration(brokers: broker.bootstrapServers)
    let streamer = try KafkaDataProducer(generator: generator, configuration: configuration)
    let records = try generator.generateProductUpdates(count: 50).map { $0.encoded() }
    try streamer.sendBatch(topic: "product-updates", records: records)

    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
    let audit = try Audit(configuration: configuration, request: AuditRequest(topics: ["product-updates"], idleTimeout: 2), validator: validator)
    broker.setBroker(1, up: false)
    let started = Date()
    try audit.read()
    #expect(Date().timeIntervalSince(started) < 20, "the audit must give up, not hang")
    let result = audit.finish()
    let count = try #require(result.checks.first { $0.id == "audit.count" })
    #expect(count.status == .fail)
    #expect(count.violations == 2)
    let document = result.merged(into: validator.finish().json())
    let countJSON = document["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "audit.count" }
    let messages = (countJSON?["examples"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
    #expect(messages.count == 2 && messages.allSatisfy { $0.contains("reading stopped at offset 0, short of the end offset") }, "\(messages)")
    #expect(document["audit"]?["topics"]?[0]?["partitions"]?[0]?["stalled"]?.boolValue == true)
}
