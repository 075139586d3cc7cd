import EcomJSON
import EcomModel
import Foundation

/// The seed's health check: connectivity, brokers, the expected topics and a canary round trip.
public struct HealthCheck: Sendable {
    /// Everything found, and what is wrong.
    public struct Report: Sendable {
        public var brokers: [KafkaAdmin.Broker] = []
        /// Expected topics with their partition counts (nil when missing).
        public var topics: [(name: String, partitions: Int?)] = []
        /// Milliseconds from producing the canary to reading it back, when it came back.
        public var canaryMilliseconds: Double?
        /// What is wrong, in sentences a user can act on; empty when healthy.
        public var problems: [String] = []
        public var healthy: Bool { problems.isEmpty }

        /// The report as JSON.
        public var json: JSONValue {
            .object([
                ("healthy", .bool(healthy)),
                ("brokers", .array(brokers.map { .object([("id", .int(Int64($0.id))), ("host", .string($0.host)), ("port", .int(Int64($0.port)))]) })),
                ("topics", .array(topics.map { .object([("name", .string($0.name)), ("partitions", $0.partitions.map { .int(Int64($0)) } ?? .null)]) })),
                ("canary_ms", canaryMilliseconds.map { .double($0) } ?? .null),
                ("problems", .array(problems.map { .string($0) })),
            ])
        }
    }

    public let configuration: KafkaConfiguration
    public let timeout: Double
    public let canaryTopic: String

    /// A check of `configuration.brokers`, each step bounded by `timeout` seconds.
    public init(configuration: KafkaConfiguration, timeout: Double = 10, canaryTopic: String = "ecomdata-health") {
        self.configuration = configuration
        self.timeout = timeout
        self.canaryTopic = canaryTopic
    }

    /// Runs every step it can; a step that cannot run is reported, not skipped silently.
    public func run() -> Report {
        var report = Report()
        let metadata: KafkaAdmin.Metadata
        do {
            metadata = try KafkaAdmin(configuration: configuration).metadata(timeout: timeout)
        } catch {
            report.problems.append("\(error.message)")
            report.topics = RecordType.allCases.map { ($0.topic, nil) }
            report.problems.append("topics and canary not checked: no connection")
            return report
        }
        report.brokers = metadata.brokers
        for type in RecordType.allCases {
            let topic = metadata.topics.first { $0.name == type.topic && $0.error == nil }
            report.topics.append((type.topic, topic?.partitions))
            if topic == nil { report.problems.append("topic \(type.topic) is missing; run `ecomdata topics create`") }
        }
        do {
            report.canaryMilliseconds = try canaryRoundTrip()
        } catch {
            report.problems.append("canary round trip on \(canaryTopic) failed: \(error)")
        }
        return report
    }

    private func canaryRoundTrip() throws -> Double {
        let producer = try KafkaProducer(configuration: configuration)
        let marker = "ecomdata-health-\(UUID().uuidString)"
        let started = Date()
        let key = Array("health".utf8), value = Array("{\"canary\":\"\(marker)\"}".utf8)
        try key.withUnsafeBufferPointer { k in try value.withUnsafeBufferPointer { v in try producer.send(topic: canaryTopic, key: k, value: v) } }
        producer.flush(timeout: timeout)
        let report = producer.deliveryReport
        guard let (partition, entry) = report.partitions[canaryTopic]?.first else {
            throw KafkaError(.broker, report.lastError[canaryTopic] ?? "not delivered within \(timeout) s")
        }
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.assign([(canaryTopic, partition, entry.lastOffset)])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let record = try consumer.poll(timeout: 0.5), String(decoding: record.value, as: UTF8.self).contains(marker) {
                return Date().timeIntervalSince(started) * 1000
            }
        }
        throw KafkaError(.timeout, "the canary did not come back within \(timeout) s")
    }
}
