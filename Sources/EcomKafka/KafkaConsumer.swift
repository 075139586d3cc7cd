internal import CRdKafka
import Foundation

/// A record read back from Kafka.
public struct ConsumedRecord: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    /// The message's CreateTime (milliseconds since the epoch) as the producer stamped it, when it has one.
    public var timestamp: Int64? = nil
}

/// A record as ``KafkaConsumer/consume(timeout:_:)`` lends it: its bytes are valid only inside the call.
public struct ConsumedMessage {
    /// The topic's index in the order topics were first seen by this consumer (see ``KafkaConsumer/topicName(_:)``).
    public let topicIndex: Int
    /// The partition it was read from.
    public let partition: Int32
    /// Its offset in the partition.
    public let offset: Int64
    /// The message key, nil for a record without one.
    public let key: UnsafeBufferPointer<UInt8>?
    /// The payload (empty for a null value).
    public let value: UnsafeBufferPointer<UInt8>
    /// Whether the value is null (a tombstone), not merely empty.
    public let valueIsNull: Bool
    /// CreateTime in milliseconds since the epoch, when the message has one.
    public let timestamp: Int64?
}

/// What one ``KafkaConsumer/consume(timeout:_:)`` call saw.
public enum ConsumeOutcome: Sendable, Equatable {
    /// A record was handed to the body.
    case record
    /// A partition has no more records for now: the next offset it would return is `offset`.
    case endOfPartition(topic: String, partition: Int32, offset: Int64)
    /// Nothing arrived within the timeout.
    case idle
}

/// A change to a group member's partitions, as ``KafkaConsumer/init(configuration:group:partitionEOF:rebalance:)``
/// reports it.
public enum GroupRebalance {
    /// Partitions given to this member: the handler answers where to read each from (nil for the committed offset,
    /// or the start `auto.offset.reset` gives when none is committed).
    case assigned([(topic: String, partition: Int32)])
    /// Partitions taken away (`lost` when the member was thrown out of the group rather than asked to let go):
    /// records of them after this are not this member's.
    case revoked([(topic: String, partition: Int32)], lost: Bool)
}

/// A consumer over one `rd_kafka_t`: with explicit partition assignment (no group, no commits), reading
/// partitions from given offsets, watermarks telling where they end; or a member of a consumer group, which
/// subscribes and is handed partitions by the group.
public final class KafkaConsumer: @unchecked Sendable {
    // One handle, created in init and closed and destroyed in deinit (or `leaveGroup`); used from one thread at a time.
    private let handle: OpaquePointer
    private let brokers: String
    private var topicIndexes: [OpaquePointer: Int] = [:]
    private var topicNames: [String] = []
    /// The group member's rebalance handler, reached from librdkafka's callback through the handle's opaque.
    private let rebalance: RebalanceHandler?
    private var closed = false

    /// What the rebalance callback calls; it runs inside ``consume(timeout:_:)`` on the consuming thread.
    final class RebalanceHandler {
        let body: (GroupRebalance) -> [Int64?]
        /// An assign or unassign librdkafka refused, thrown by the next ``consume(timeout:_:)``.
        var failure: String?
        /// Set by ``KafkaConsumer/holdAssignment()`` while partitions are being given: they are paused once assigned.
        var hold = false

        init(_ body: @escaping (GroupRebalance) -> [Int64?]) { self.body = body }
    }

    /// Creates a consumer for `configuration.brokers`.
    /// - Throws: ``KafkaError`` (configuration) naming a rejected property.
    /// With `partitionEOF`, ``consume(timeout:_:)`` reports each partition's end as it reaches it.
    public init(configuration: KafkaConfiguration, partitionEOF: Bool = false) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: [
            ("enable.auto.commit", "false"), ("enable.partition.eof", partitionEOF ? "true" : "false"), ("log_level", "3"),
            ("group.id", "ecomdata-reader"),
        ])
        handle = try KafkaConfiguration.newHandle(RD_KAFKA_CONSUMER, conf: conf, role: "a consumer")
        brokers = configuration.brokers
        rebalance = nil
        rd_kafka_poll_set_consumer(handle)
    }

    /// A member of consumer group `group` (round-robin assignment, no automatic commits): call
    /// ``subscribe(_:)``, then ``consume(timeout:_:)``, inside which `rebalance` is told of partitions given and
    /// taken, and answers, for partitions given, where to read each from.
    /// - Throws: ``KafkaError`` (configuration) naming a rejected property.
    public init(configuration: KafkaConfiguration, group: String, partitionEOF: Bool = false,
                rebalance: @escaping (GroupRebalance) -> [Int64?]) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: [
            ("enable.auto.commit", "false"), ("enable.partition.eof", partitionEOF ? "true" : "false"), ("log_level", "3"),
            ("auto.offset.reset", "earliest"), ("partition.assignment.strategy", "roundrobin"), ("group.id", group),
            // A member that leaves while another commits can leave the group waiting for a session to time out (on the
            // embedded broker 3 runs in 5, measured): 10 s (Kafka's classic default, above brokers' 6 s minimum), not
            // librdkafka's 45 s, bounds that wait. Heartbeats come from librdkafka's own thread, so validating a batch
            // does not end a session; -X session.timeout.ms sets another.
            ("session.timeout.ms", "10000"),
        ])
        let handler = RebalanceHandler(rebalance)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(handler).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { handle, error, partitions, opaque in
            guard let handle, let partitions, let opaque else { return }
            Unmanaged<RebalanceHandler>.fromOpaque(opaque).takeUnretainedValue().rebalance(handle, error, partitions)
        }
        handle = try KafkaConfiguration.newHandle(RD_KAFKA_CONSUMER, conf: conf, role: "a group consumer")
        brokers = configuration.brokers
        self.rebalance = handler
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        if !closed { rd_kafka_consumer_close(handle) }
        rd_kafka_destroy(handle)
    }

    /// Joins the group's subscription to `topics` (a group consumer only); partitions come in ``consume(timeout:_:)``.
    /// - Throws: ``KafkaError`` with librdkafka's reason.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, crdkafka_partition_ua()) }
        let result = rd_kafka_subscribe(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "cannot subscribe to \(topics.joined(separator: ", ")) on \(brokers): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Commits the next offset to read of each partition for the group, waiting for the broker's answer.
    /// - Throws: ``KafkaError`` naming the first partition the broker refused.
    public func commit(_ offsets: [(topic: String, partition: Int32, offset: Int64)]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in offsets { rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition).pointee.offset = entry.offset }
        let result = rd_kafka_commit(handle, list, 0)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "cannot commit offsets on \(brokers): \(String(cString: rd_kafka_err2str(result)))")
        }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let entry = list.pointee.elems[index]
            throw KafkaError(.broker, "cannot commit \(String(cString: entry.topic))/\(entry.partition) at offset \(entry.offset) on \(brokers): \(String(cString: rd_kafka_err2str(entry.err)))")
        }
    }

    /// The group's committed offset of each partition, nil where none is committed.
    /// - Throws: ``KafkaError`` when the broker does not answer within `timeout` seconds.
    public func committed(_ partitions: [(topic: String, partition: Int32)], timeout: Double = 10) throws(KafkaError) -> [Int64?] {
        guard !partitions.isEmpty else { return [] }
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in partitions { rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition) }
        let result = rd_kafka_committed(handle, list, Int32(timeout * 1000))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "no committed offsets from \(brokers) within \(timeout) s: \(String(cString: rd_kafka_err2str(result)))")
        }
        // The list keeps the order partitions were added in; a partition without an answer is not one without a commit.
        var offsets: [Int64?] = []
        for index in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[index]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(.broker, "no committed offset for \(String(cString: entry.topic))/\(entry.partition) from \(brokers): \(String(cString: rd_kafka_err2str(entry.err)))")
            }
            offsets.append(entry.offset >= 0 ? entry.offset : nil)
        }
        return offsets
    }

    /// Called from the rebalance handler while partitions are being given: they are assigned but not fetched (the
    /// member waits for the group to settle); partitions given without it are fetched.
    public func holdAssignment() { rebalance?.hold = true }

    /// Leaves the group (its partitions are revoked through the handler first, then given to the other members).
    public func leaveGroup() {
        guard !closed else { return }
        closed = true
        rd_kafka_consumer_close(handle)
    }

    /// Low and high watermarks (first offset, and the offset after the last record) of a partition.
    /// - Throws: ``KafkaError`` naming topic and partition.
    public func watermarks(topic: String, partition: Int32, timeout: Double = 10) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0, high: Int64 = 0
        let result = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, Int32(timeout * 1000))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "\(topic)/\(partition) on \(brokers): no watermarks: \(String(cString: rd_kafka_err2str(result)))")
        }
        return (low, high)
    }

    /// Reads partitions from the given offsets; call ``poll(timeout:)`` for records.
    public func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in partitions {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition).pointee.offset = entry.offset
        }
        let result = rd_kafka_assign(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "cannot assign partitions on \(brokers): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// The next record, or nil when none arrived within `timeout` seconds.
    /// - Throws: ``KafkaError`` for a consumer error, with topic, partition and offset when known.
    public func poll(timeout: Double) throws(KafkaError) -> ConsumedRecord? {
        guard let message = rd_kafka_consumer_poll(handle, Int32(timeout * 1000)) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
            throw KafkaError(.broker, "\(topic)/\(m.partition) offset \(m.offset): \(String(cString: rd_kafka_err2str(m.err)))")
        }
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        return ConsumedRecord(topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
                              timestamp: Self.createTime(message))
    }

    private static func createTime(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let stamp = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_CREATE_TIME && stamp >= 0 ? stamp : nil
    }

    /// The name of the topic ``ConsumedMessage/topicIndex`` refers to.
    public func topicName(_ index: Int) -> String { topicNames[index] }

    /// Waits up to `timeout` seconds for the next record and lends it to `body` without copying it.
    /// - Throws: ``KafkaError`` for a consumer error, with topic, partition and offset when known.
    public func consume(timeout: Double, _ body: (ConsumedMessage) -> Void) throws(KafkaError) -> ConsumeOutcome {
        guard let message = rd_kafka_consumer_poll(handle, Int32(timeout * 1000)) else { return .idle }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if let failure = rebalance?.failure {
            rebalance?.failure = nil
            throw KafkaError(.broker, failure)
        }
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Named only here: a String for every record would be an allocation per record.
            let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) }
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                return .endOfPartition(topic: topic ?? "?", partition: m.partition, offset: m.offset)
            }
            throw KafkaError(.broker, "\(topic ?? "?")/\(m.partition) offset \(m.offset): \(String(cString: rd_kafka_err2str(m.err)))")
        }
        guard let rkt = m.rkt else { return .idle }
        let index: Int
        if let known = topicIndexes[rkt] {
            index = known
        } else {
            index = topicNames.count
            topicIndexes[rkt] = index
            topicNames.append(String(cString: rd_kafka_topic_name(rkt)))
        }
        let value = UnsafeBufferPointer(start: m.payload?.assumingMemoryBound(to: UInt8.self), count: m.payload == nil ? 0 : m.len)
        let key = m.key.map { UnsafeBufferPointer(start: $0.assumingMemoryBound(to: UInt8.self), count: m.key_len) }
        body(ConsumedMessage(topicIndex: index, partition: m.partition, offset: m.offset, key: key, value: value,
                             valueIsNull: m.payload == nil, timestamp: Self.createTime(message)))
        return .record
    }

    /// The low or high watermark of many partitions in one request per broker (querying them one by one waits
    /// behind the consumer's fetches, half a second each on the embedded broker).
    /// - Throws: ``KafkaError`` naming the first partition without an answer.
    public func watermarks(_ partitions: [(topic: String, partition: Int32)], high: Bool, timeout: Double = 10) throws(KafkaError) -> [String: [Int32: Int64]] {
        guard !partitions.isEmpty else { return [:] }
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in partitions {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition).pointee.offset = high ? crdkafka_offset_end() : crdkafka_offset_beginning()
        }
        let result = rd_kafka_offsets_for_times(handle, list, Int32(timeout * 1000))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError(.broker, "no watermarks from \(brokers) within \(timeout) s: \(String(cString: rd_kafka_err2str(result)))")
        }
        var offsets: [String: [Int32: Int64]] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[index]
            let topic = String(cString: entry.topic)
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.offset >= 0 else {
                throw KafkaError(.broker, "\(topic)/\(entry.partition) on \(brokers): no watermark: \(String(cString: rd_kafka_err2str(entry.err)))")
            }
            offsets[topic, default: [:]][entry.partition] = entry.offset
        }
        return offsets
    }

    /// Per partition of `topic`, the earliest offset whose record's timestamp is at or after `timestamp`
    /// (milliseconds since the epoch), or -1 when the broker knows none (or cannot look offsets up by time, as
    /// the embedded broker).
    /// - Throws: ``KafkaError`` naming the topic.
    public func offsets(topic: String, partitions: [Int32], atOrAfter timestamp: Int64, timeout: Double = 10) throws(KafkaError) -> [Int32: Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = timestamp }
        let result = rd_kafka_offsets_for_times(handle, list, Int32(timeout * 1000))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError(.broker, "\(topic) on \(brokers): no offsets for time \(timestamp): \(String(cString: rd_kafka_err2str(result)))")
        }
        var offsets: [Int32: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[index]
            offsets[entry.partition] = entry.offset
        }
        return offsets
    }
}

extension KafkaConsumer.RebalanceHandler {
    /// librdkafka's rebalance callback: tells the body, sets the start offsets it answers, and assigns or unassigns
    /// as the group's protocol (cooperative or eager) wants.
    func rebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let count = Int(partitions.pointee.cnt)
        let list = (0..<count).map { (String(cString: partitions.pointee.elems[$0].topic), partitions.pointee.elems[$0].partition) }
        func settle(_ outcome: OpaquePointer?, _ what: String) {
            guard let outcome else { return }
            failure = "cannot \(what) partitions: \(String(cString: rd_kafka_error_string(outcome)))"
            rd_kafka_error_destroy(outcome)
        }
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            hold = false
            let starts = body(.assigned(list))
            for (index, start) in starts.enumerated() where index < count {
                if let start { partitions.pointee.elems[index].offset = start }
            }
            if cooperative {
                settle(rd_kafka_incremental_assign(handle, partitions), "assign")
            } else if rd_kafka_assign(handle, partitions) != RD_KAFKA_RESP_ERR_NO_ERROR {
                failure = "cannot assign partitions"
            }
            // A pause outlives an assignment: partitions given to be read are resumed.
            if hold {
                rd_kafka_pause_partitions(handle, partitions)
            } else {
                rd_kafka_resume_partitions(handle, partitions)
            }
            hold = false
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            _ = body(.revoked(list, lost: rd_kafka_assignment_lost(handle) != 0))
            if cooperative {
                settle(rd_kafka_incremental_unassign(handle, partitions), "unassign")
            } else {
                rd_kafka_assign(handle, nil)
            }
        default:
            failure = "the group's rebalance failed: \(String(cString: rd_kafka_err2str(error)))"
            _ = body(.revoked(list, lost: true))
            rd_kafka_assign(handle, nil)
        }
    }
}
