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

/// A consumer with explicit partition assignment (no group, no commits) over one `rd_kafka_t`: reads
/// partitions from given offsets; watermarks tell where they end.
public final class KafkaConsumer: @unchecked Sendable {
    // One handle, created in init and closed and destroyed in deinit; used from one thread at a time.
    private let handle: OpaquePointer
    private let brokers: String
    private var topicIndexes: [OpaquePointer: Int] = [:]
    private var topicNames: [String] = []

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
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
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
