internal import CRdKafka
import Foundation

/// A record read back from Kafka.
public struct ConsumedRecord: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
}

/// A consumer with explicit partition assignment (no group, no commits) over one `rd_kafka_t`: reads
/// partitions from given offsets; watermarks tell where they end.
public final class KafkaConsumer: @unchecked Sendable {
    // One handle, created in init and closed and destroyed in deinit; used from one thread at a time.
    private let handle: OpaquePointer
    private let brokers: String

    /// Creates a consumer for `configuration.brokers`.
    /// - Throws: ``KafkaError`` (configuration) naming a rejected property.
    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: [
            ("enable.auto.commit", "false"), ("enable.partition.eof", "false"), ("log_level", "3"),
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
        return ConsumedRecord(topic: topic, partition: m.partition, offset: m.offset, key: key, value: value)
    }
}
