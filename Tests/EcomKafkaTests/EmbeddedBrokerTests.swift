import EcomKafka
import Foundation
import Testing

/// Reads a topic from its start to its end with kcat, an independent client: one `key partition offset` line per record.
func kcatRead(brokers: String, topic: String) throws -> [(key: String, partition: Int, value: String, offset: Int)] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%p\t%o\t%s\n"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
        let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
        return (String(fields[0]), Int(fields[1]) ?? -1, fields.count > 3 ? String(fields[3]) : "", fields.count > 2 ? Int(fields[2]) ?? -1 : -1)
    }
}

@Test func producerDeliversEveryRecordAndKcatReadsThemBackByKey() throws {
    let broker = try EmbeddedBroker(brokers: 3)
    try broker.createTopic("test-keys", partitions: 4, replicationFactor: 3)
    let producer = try KafkaProducer(configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    let count = 2_000
    for index in 0..<count {
        let key = Array("user_\(index % 37)".utf8)
        let value = Array("{\"n\":\(index)}".utf8)
        try key.withUnsafeBufferPointer { k in
            try value.withUnsafeBufferPointer { v in try producer.send(topic: "test-keys", key: k, value: v) }
        }
    }
    #expect(producer.flush(timeout: 30) == 0)
    let report = producer.deliveryReport
    #expect(report.delivered["test-keys"] == count)
    #expect(report.totalFailed == 0)
    let partitions = report.partitions["test-keys"] ?? [:]
    #expect(partitions.values.reduce(0) { $0 + $1.delivered } == count)
    for (partition, entry) in partitions {
        #expect(entry.lastOffset - entry.firstOffset + 1 == Int64(entry.delivered), "partition \(partition): offsets not contiguous")
    }

    let records = try kcatRead(brokers: broker.bootstrapServers, topic: "test-keys")
    #expect(records.count == count)
    #expect(Set(records.map(\.value)).count == count, "a record is missing or duplicated")
    var partitionOfKey: [String: Int] = [:]
    for record in records {
        if let seen = partitionOfKey[record.key] {
            #expect(seen == record.partition, "key \(record.key) on partitions \(seen) and \(record.partition)")
        }
        partitionOfKey[record.key] = record.partition
    }
    #expect(Set(partitionOfKey.values).count > 1, "37 keys all landed on one partition")
}

@Test func metadataListsBrokersAndTopics() throws {
    let broker = try EmbeddedBroker(brokers: 2)
    try broker.createTopic("orders", partitions: 6, replicationFactor: 2)
    let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: broker.bootstrapServers))
    let metadata = try admin.metadata(timeout: 10)
    #expect(metadata.brokers.count == 2)
    #expect(metadata.topics.first { $0.name == "orders" }?.partitions == 6)
}

@Test func badPropertyIsNamedWithLibrdkafkasWords() {
    do {
        _ = try KafkaProducer(configuration: KafkaConfiguration(brokers: "localhost:1", properties: [("compression.type", "zippy")]))
        Issue.record("a bad property was accepted")
    } catch {
        #expect(error.kind == .configuration)
        #expect(error.message.contains("compression.type=zippy"))
    }
}

@Test func unreachableBrokerFailsWithinTheTimeout() throws {
    let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: "127.0.0.1:1"))
    let started = Date()
    #expect(throws: KafkaError.self) { try admin.metadata(timeout: 2) }
    #expect(Date().timeIntervalSince(started) < 10, "metadata must give up, not hang")
}
