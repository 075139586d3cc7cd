internal import CRdKafka

/// Cluster metadata and topic creation over one `rd_kafka_t`.
public final class KafkaAdmin: @unchecked Sendable {
    // One handle, created in init and destroyed in deinit; librdkafka's metadata and admin calls are thread-safe.
    private let handle: OpaquePointer
    private let brokers: String

    /// A broker as metadata describes it.
    public struct Broker: Sendable, Equatable {
        public let id: Int32
        public let host: String
        public let port: Int32
    }

    /// A topic with its partition count (and the error the broker gave for it, if any).
    public struct Topic: Sendable, Equatable {
        public let name: String
        public let partitions: Int
        public let error: String?
    }

    /// Cluster metadata.
    public struct Metadata: Sendable {
        public let brokers: [Broker]
        public let topics: [Topic]
    }

    /// Creates a client for `configuration.brokers`.
    /// - Throws: ``KafkaError`` (configuration) naming a rejected property.
    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: [("log_level", "3")])
        handle = try KafkaConfiguration.newHandle(RD_KAFKA_PRODUCER, conf: conf, role: "a client")
        brokers = configuration.brokers
    }

    deinit { rd_kafka_destroy(handle) }

    /// Brokers and topics, within `timeout` seconds.
    /// - Throws: ``KafkaError`` (timeout or broker) naming the bootstrap servers tried.
    public func metadata(timeout: Double = 10) throws(KafkaError) -> Metadata {
        var pointer: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &pointer, Int32(timeout * 1000))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata = pointer else {
            let kind: KafkaError.Kind = result == RD_KAFKA_RESP_ERR__TRANSPORT || result == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : .broker
            throw KafkaError(kind, "no metadata from \(brokers) within \(timeout) s: \(String(cString: rd_kafka_err2str(result))); check --brokers and that the cluster is up")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let info = metadata.pointee
        let brokerList = (0..<Int(info.broker_cnt)).map { index in
            let broker = info.brokers[index]
            return Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        let topicList = (0..<Int(info.topic_cnt)).map { index in
            let topic = info.topics[index]
            let error = topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(topic.err))
            return Topic(name: String(cString: topic.topic), partitions: Int(topic.partition_cnt), error: error)
        }
        return Metadata(brokers: brokerList, topics: topicList.sorted { $0.name < $1.name })
    }

    /// Creates topics with the Admin API (real clusters; the embedded broker uses
    /// ``EmbeddedBroker/createTopic(_:partitions:replicationFactor:)``). A topic that exists already is not an error.
    /// - Throws: ``KafkaError`` with the broker's words for the first topic that failed.
    public func createTopics(_ names: [String], partitions: Int, replicationFactor: Int, timeout: Double = 30) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for name in names {
            guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &errorText, errorText.count) else {
                throw KafkaError(.configuration, "topic \(name): \(cString(errorText))")
            }
            newTopics.append(topic)
        }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, Int32(timeout * 1000), &errorText, errorText.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, Int32((timeout + 5) * 1000)) else {
            throw KafkaError(.timeout, "creating topics on \(brokers): no answer within \(timeout) s")
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.broker, "creating topics on \(brokers): \(String(cString: rd_kafka_event_error_string(event)))")
        }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
              let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let error = rd_kafka_topic_result_error(topicResult)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(error))
                throw KafkaError(.broker, "cannot create topic \(name): \(message)")
            }
        }
    }
}
