import EcomJSON
import EcomModel
import Foundation

/// What a producing run wrote, for the audit to prove nothing was lost, duplicated or altered:
/// `ecomdata.manifest/v1`, per topic and partition the delivered offsets, counts and order-independent
/// digests (wrapping sums of the word-wise FNV-1a 64 of ``fnv1a(_:)``) of the record IDs and payload bytes.
public struct RunManifest {
    /// One topic of the run.
    public struct Topic {
        public var name: String
        public var keyField: String
        /// The field digested as the record ID, when the topic has one.
        public var idField: String?
        public var sent: Int
        /// Further members (planned count, rates).
        public var extra: [(String, JSONValue)] = []

        public init(name: String, keyField: String, idField: String?, sent: Int, extra: [(String, JSONValue)] = []) {
            self.name = name
            self.keyField = keyField
            self.idField = idField
            self.sent = sent
            self.extra = extra
        }
    }

    public var kind: String
    public var brokers: String
    public var started: Date
    public var finished: Date
    public var report: DeliveryReport
    public var stopReason: String?
    /// Seed, scenario, config digest and simulated window, for generated runs.
    public var generation: [(String, JSONValue)]
    public var topics: [Topic]
    /// Partitions per topic when the run ended, as the cluster said (see ``partitionCounts(on:timeout:)``): the
    /// count the run's keys were spread over, so that an audit can tell a topic whose partitions changed since.
    public var partitionCounts: [String: Int] = [:]
    /// Per topic and partition, its end offset when the run began (see ``endOffsets(on:topics:timeout:)``): a partition
    /// the run wrote nothing to is in the manifest from there with no records, so that an audit of a topic that held
    /// records before the run does not count those against the run.
    public var startOffsets: [String: [Int32: Int64]] = [:]

    public init(kind: String, brokers: String, started: Date, finished: Date, report: DeliveryReport, stopReason: String?,
                generation: [(String, JSONValue)], topics: [Topic]) {
        self.kind = kind
        self.brokers = brokers
        self.started = started
        self.finished = finished
        self.report = report
        self.stopReason = stopReason
        self.generation = generation
        self.topics = topics
    }

    /// The manifest document.
    public func json(runID: String = UUID().uuidString.lowercased()) -> JSONValue {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let topicMembers: [(String, JSONValue)] = topics.map { topic in
            var written = report.partitions[topic.name] ?? [:]
            for (partition, end) in startOffsets[topic.name] ?? [:] where written[partition] == nil {
                var empty = DeliveryReport.Partition()
                empty.firstOffset = end
                empty.lastOffset = end - 1
                written[partition] = empty
            }
            let partitions = written.sorted { $0.key < $1.key }.map { partition, entry in
                JSONValue.object([
                    ("partition", .int(Int64(partition))),
                    ("first_offset", .int(entry.firstOffset)),
                    ("last_offset", .int(entry.lastOffset)),
                    ("count", .int(Int64(entry.delivered))),
                    ("id_digest", topic.idField == nil ? .null : .string(hex(entry.idDigest))),
                    ("payload_digest", .string(hex(entry.payloadDigest))),
                ])
            }
            return (topic.name, .object([
                ("key_field", .string(topic.keyField)),
                ("id_field", topic.idField.map { .string($0) } ?? .null),
                ("sent", .int(Int64(topic.sent))),
                ("delivered", .int(Int64(report.delivered[topic.name] ?? 0))),
                ("failed", .int(Int64(report.failed[topic.name] ?? 0))),
                ("last_error", report.lastError[topic.name].map { .string($0) } ?? .null),
            ] + topic.extra + [("partition_count", partitionCounts[topic.name].map { .int(Int64($0)) } ?? .null),
                               ("partitions", .array(partitions))]))
        }
        return .object([
            ("format", .string("ecomdata.manifest/v1")),
            ("kind", .string(kind)),
            ("digest_method", .string("per partition: wrapping sum mod 2^64 of a 64-bit hash of each record's ID value and of its payload bytes; hash = FNV-1a 64 over little-endian 8-byte words (last zero-padded), then xor the byte length and multiply by the FNV prime")),
            ("run_id", .string(runID)),
            ("tool_version", .string(EcomVersion.current)),
        ] + generation + [
            ("brokers", .string(brokers)),
            ("started", .string(formatter.string(from: started))),
            ("finished", .string(formatter.string(from: finished))),
            ("stopped", stopReason.map { .string($0) } ?? .null),
            ("topics", .object(topicMembers)),
        ])
    }

    /// Each partition's end offset (high watermark) of those of `topics` that exist, for ``startOffsets``: asked before
    /// a run sends anything. Empty for a topic the cluster does not know yet (created by the run: it starts at 0) or
    /// when it does not answer within `timeout` (the manifest then lists the partitions written to only).
    public static func endOffsets(on configuration: KafkaConfiguration, topics: [String], timeout: Double = 3) -> [String: [Int32: Int64]] {
        guard let admin = try? KafkaAdmin(configuration: configuration), let metadata = try? admin.metadata(timeout: timeout),
              let consumer = try? KafkaConsumer(configuration: configuration) else { return [:] }
        let wanted = Set(topics)
        let partitions = metadata.topics.filter { wanted.contains($0.name) && $0.error == nil && $0.partitions > 0 }
            .flatMap { topic in (0..<Int32(topic.partitions)).map { (topic: topic.name, partition: $0) } }
        return (try? consumer.watermarks(partitions, high: true, timeout: timeout)) ?? [:]
    }

    /// Each topic's partition count on the cluster, for the manifest; empty when it does not answer within `timeout`.
    public static func partitionCounts(on configuration: KafkaConfiguration, timeout: Double = 3) -> [String: Int] {
        guard let admin = try? KafkaAdmin(configuration: configuration), let metadata = try? admin.metadata(timeout: timeout) else { return [:] }
        var counts: [String: Int] = [:]
        for topic in metadata.topics where topic.error == nil && topic.partitions > 0 { counts[topic.name] = topic.partitions }
        return counts
    }

    /// Writes `document` to `path`, creating the directory.
    public static func write(_ document: JSONValue, to path: String) -> Bool {
        Paths.write(document.encoded(pretty: true) + "\n", to: path) == nil
    }
}
