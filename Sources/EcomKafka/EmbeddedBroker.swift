internal import CRdKafka

/// librdkafka's mock cluster: real Kafka protocol on loopback TCP, data kept in memory, for local work and
/// tests only. Other processes (kcat, another `ecomdata`) can use it through ``bootstrapServers`` while it lives.
public final class EmbeddedBroker: @unchecked Sendable {
    // The cluster and the handle that owns its threads are created once and destroyed in deinit; the mock
    // API is thread-safe.
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,...` of the mock brokers.
    public let bootstrapServers: String
    /// Number of brokers.
    public let brokerCount: Int

    /// Starts a cluster of `brokers` brokers on ephemeral loopback ports.
    /// - Throws: ``KafkaError`` when librdkafka cannot start it.
    public init(brokers: Int = 1) throws(KafkaError) {
        let conf = try KafkaConfiguration(brokers: "").makeConf(defaults: [("log_level", "3")])
        let handle = try KafkaConfiguration.newHandle(RD_KAFKA_PRODUCER, conf: conf, role: "the embedded broker's client")
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw KafkaError(.broker, "cannot start the embedded broker (rd_kafka_mock_cluster_new failed)")
        }
        owner = handle
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    /// Creates a topic (the mock cluster's Admin API does not create topics, this does).
    /// - Throws: ``KafkaError`` with librdkafka's words.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws(KafkaError) {
        let result = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.broker, "cannot create topic \(name): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Makes the next `count` Produce requests fail with retriable errors (not leader, request timed out),
    /// before anything is appended, for fault-injection tests.
    ///
    /// librdkafka's mock checks no sequence numbers of an idempotent producer without a transactional.id: it
    /// still appends the partition's next batch if that one was already in flight, and librdkafka then acks the
    /// failed batch implicitly, so a record can be reported delivered and never be stored (see
    /// Tests/EcomKafkaTests/FaultInjectionTests.swift).
    public func failNextProduceRequests(_ count: Int) {
        var errors = (0..<count).map { $0 % 2 == 0 ? RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION : RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT }
        rd_kafka_mock_push_request_errors_array(cluster, 0 /* Produce */, errors.count, &errors)
    }

    /// Delays every response of broker `id` (1-based; -1 for all) by `milliseconds` (the request itself is
    /// handled, a Produce appended, as soon as it arrives), for fault-injection tests.
    public func setRoundTripTime(_ id: Int32, milliseconds: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, id, milliseconds)
    }

    /// Takes broker `id` (1-based) down or brings it back, for fault-injection tests.
    ///
    /// Going down closes the broker's connections and drops the responses not yet written; the mock appends the
    /// producer's retry of such a batch again (no sequence check, as above), so records can be stored twice.
    public func setBroker(_ id: Int32, up: Bool) {
        if up { _ = rd_kafka_mock_broker_set_up(cluster, id) } else { _ = rd_kafka_mock_broker_set_down(cluster, id) }
    }
}
