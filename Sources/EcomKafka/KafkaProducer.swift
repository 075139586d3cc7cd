internal import CRdKafka
import Foundation

/// Delivery reports of a producer, counted per topic and partition.
public struct DeliveryReport: Sendable {
    /// Per partition: records delivered, the first and last offset the broker assigned, and
    /// order-independent digests (wrapping sums of 64-bit FNV-1a hashes) of the record IDs and payloads.
    public struct Partition: Sendable {
        public var delivered = 0
        public var firstOffset = Int64.max
        public var lastOffset = Int64.min
        public var idDigest: UInt64 = 0
        public var payloadDigest: UInt64 = 0
    }

    /// Records delivered per topic.
    public var delivered: [String: Int] = [:]
    /// Records that failed per topic.
    public var failed: [String: Int] = [:]
    /// The last delivery error per topic, in librdkafka's words.
    public var lastError: [String: String] = [:]
    /// Per topic, per partition.
    public var partitions: [String: [Int32: Partition]] = [:]

    /// All records delivered.
    public var totalDelivered: Int { delivered.values.reduce(0, +) }
    /// All records failed.
    public var totalFailed: Int { failed.values.reduce(0, +) }
}

/// Receives delivery callbacks on librdkafka's polling thread.
final class DeliveryLedger: @unchecked Sendable {
    // `report` is only touched under `lock`; `idFields` is set before the producer exists.
    private let lock = NSLock()
    private var report = DeliveryReport()
    let idFields: [String: KeyExtractor]

    init(idFields: [String: KeyExtractor]) { self.idFields = idFields }

    func record(topic: String, partition: Int32, offset: Int64, payload: UnsafeBufferPointer<UInt8>, error: String?) {
        let payloadHash = fnv1a(payload)
        let idHash = idFields[topic].flatMap { $0.key(in: payload) }.map(fnv1a) ?? 0
        lock.lock()
        defer { lock.unlock() }
        if let error {
            report.failed[topic, default: 0] += 1
            report.lastError[topic] = error
            return
        }
        report.delivered[topic, default: 0] += 1
        var entry = report.partitions[topic, default: [:]][partition, default: DeliveryReport.Partition()]
        entry.delivered += 1
        entry.firstOffset = min(entry.firstOffset, offset)
        entry.lastOffset = max(entry.lastOffset, offset)
        entry.idDigest &+= idHash
        entry.payloadDigest &+= payloadHash
        report.partitions[topic, default: [:]][partition] = entry
    }

    var snapshot: DeliveryReport {
        lock.lock()
        defer { lock.unlock() }
        return report
    }
}

/// An idempotent Kafka producer (acks=all, murmur2 partitioning as the Java client) over one
/// `rd_kafka_t`, polled on its own thread; delivery reports are counted in ``deliveryReport``.
public final class KafkaProducer: @unchecked Sendable {
    // The rd_kafka_t is thread-safe for produce/poll/flush; topic handles are created under `lock`.
    private let handle: OpaquePointer
    private let ledger: DeliveryLedger
    private let ledgerReference: Unmanaged<DeliveryLedger>
    private let lock = NSLock()
    private var topics: [String: OpaquePointer] = [:]
    private let poller: PollLoop

    /// The defaults the seed's design asks for; any `-X` property given later overrides them.
    public static let defaults: [(String, String)] = [
        ("enable.idempotence", "true"), ("acks", "all"), ("partitioner", "murmur2_random"),
        ("linger.ms", "5"), ("compression.type", "lz4"), ("queue.buffering.max.messages", "500000"),
        ("message.timeout.ms", "120000"),
    ]

    /// Connects lazily to `configuration.brokers`.
    /// - Throws: ``KafkaError`` (configuration) naming a rejected property.
    /// `idFields` names, per topic, the record field whose values the manifest digests (IDs).
    public init(configuration: KafkaConfiguration, idFields: [String: String] = [:]) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: KafkaProducer.defaults)
        ledger = DeliveryLedger(idFields: idFields.mapValues(KeyExtractor.init(field:)))
        ledgerReference = Unmanaged.passRetained(ledger)
        rd_kafka_conf_set_opaque(conf, ledgerReference.toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let ledger = Unmanaged<DeliveryLedger>.fromOpaque(opaque).takeUnretainedValue()
            let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
            let error = message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(message.pointee.err))
            let payload = UnsafeBufferPointer(start: message.pointee.payload?.assumingMemoryBound(to: UInt8.self), count: message.pointee.len)
            ledger.record(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset, payload: payload, error: error)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let created = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            ledgerReference.release()
            throw KafkaError(.configuration, "cannot create the producer: \(cString(errorText))")
        }
        handle = created
        poller = PollLoop(handle: created)
    }

    deinit {
        poller.stop()
        rd_kafka_flush(handle, 10_000)
        for topic in topics.values { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
        ledgerReference.release()
    }

    /// Delivery counts so far.
    public var deliveryReport: DeliveryReport { ledger.snapshot }

    /// Messages handed over but not yet delivered or failed.
    public var inFlight: Int { Int(rd_kafka_outq_len(handle)) }

    private func topicHandle(_ name: String) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let existing = topics[name] { return existing }
        let created = rd_kafka_topic_new(handle, name, nil)!
        topics[name] = created
        return created
    }

    /// Queues one record; when the local queue is full, waits for deliveries to make room.
    /// - Throws: ``KafkaError`` (broker) when librdkafka refuses the message.
    public func send(topic: String, key: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>) throws(KafkaError) {
        let topicHandle = topicHandle(topic)
        while true {
            let result = rd_kafka_produce(
                topicHandle, crdkafka_partition_ua(), crdkafka_msg_f_copy(),
                UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                key?.baseAddress, key?.count ?? 0, nil)
            if result == 0 { return }
            let error = rd_kafka_last_error()
            if error == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 10)
                continue
            }
            throw KafkaError(.broker, "cannot produce to \(topic): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Waits until every queued record is delivered or failed, at most `timeout` seconds.
    /// - Returns: the records still in flight (0 when all were reported).
    @discardableResult
    public func flush(timeout: Double) -> Int {
        rd_kafka_flush(handle, Int32(timeout * 1000))
        return inFlight
    }
}

/// Serves a handle's callbacks (delivery reports) on a thread of its own until stopped.
final class PollLoop: @unchecked Sendable {
    // `running` is only touched under `lock`; the handle outlives the loop (stop() waits for it).
    private let handle: OpaquePointer
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    init(handle: OpaquePointer) {
        self.handle = handle
        let thread = Thread { [self] in
            while isRunning { rd_kafka_poll(self.handle, 100) }
            finished.signal()
        }
        thread.name = "ecomdata.kafka.poll"
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Ends the loop and waits for its thread.
    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
    }
}

/// 64-bit FNV-1a of bytes: the per-record hash summed into the manifest's order-independent digests.
public func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
