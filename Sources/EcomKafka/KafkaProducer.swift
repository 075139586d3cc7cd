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
    // Everything mutable is only touched under `lock`; `idFields` is set before the producer exists.
    // Reports are kept per topic handle in arrays (no string hashing per delivery) and turned into a
    // DeliveryReport on demand.
    private let lock = NSLock()
    private var topicIndex: [UnsafeRawPointer: Int] = [:]
    private var names: [String] = []
    private var extractors: [KeyExtractor?] = []
    private var delivered: [Int] = []
    private var failed: [Int] = []
    private var lastError: [String?] = []
    private var partitions: [[DeliveryReport.Partition]] = []
    private var lastTopic: (pointer: UnsafeRawPointer, index: Int)?
    private var owners: [PayloadOwner] = []
    /// Since when librdkafka has said every broker connection is down, until a record is delivered again.
    private var downSince: Date?
    let idFields: [String: KeyExtractor]

    /// Since when every broker connection has been down (nil while one is up, as far as deliveries tell).
    var brokersDownSince: Date? {
        lock.lock()
        defer { lock.unlock() }
        return downSince
    }

    /// librdkafka said every broker connection is down.
    func brokersDown() {
        lock.lock()
        if downSince == nil { downSince = Date() }
        lock.unlock()
    }

    init(idFields: [String: KeyExtractor]) { self.idFields = idFields }

    /// The ledger index of a topic handle (under `lock`).
    private func index(of topic: UnsafeRawPointer, name: () -> String) -> Int {
        if let lastTopic, lastTopic.pointer == topic { return lastTopic.index }
        let index: Int
        if let known = topicIndex[topic] {
            index = known
        } else {
            index = names.count
            let topicName = name()
            topicIndex[topic] = index
            names.append(topicName)
            extractors.append(idFields[topicName])
            delivered.append(0)
            failed.append(0)
            lastError.append(nil)
            partitions.append([])
        }
        lastTopic = (topic, index)
        return index
    }

    /// Counts one delivery report; `payloadHash` is the payload's ``fnv1a(_:)``, taken when it was sent.
    func record(topic: UnsafeRawPointer, name: () -> String, partition: Int32, offset: Int64,
                payload: UnsafeBufferPointer<UInt8>, payloadHash: UInt64, error: (() -> String)?) {
        lock.lock()
        defer { lock.unlock() }
        if let base = payload.baseAddress, let owner = owners.first(where: { $0.owns(base) }) { owner.released(base) }
        let index = index(of: topic, name: name)
        if let error {
            failed[index] += 1
            lastError[index] = error()
            return
        }
        downSince = nil
        // The ID as its readers see it (the last member of its name, escapes decoded), hashed as the audit hashes it.
        let idHash = extractors[index].map { $0.withKey(in: payload) { $0.map(fnv1a) ?? 0 } } ?? 0
        delivered[index] += 1
        let slot = Int(partition)
        while partitions[index].count <= slot { partitions[index].append(DeliveryReport.Partition()) }
        partitions[index][slot].delivered += 1
        partitions[index][slot].firstOffset = min(partitions[index][slot].firstOffset, offset)
        partitions[index][slot].lastOffset = max(partitions[index][slot].lastOffset, offset)
        partitions[index][slot].idDigest &+= idHash
        partitions[index][slot].payloadDigest &+= payloadHash
    }

    /// Tells `owner` of every payload of its memory that librdkafka is done with (delivered or failed).
    func watch(_ owner: PayloadOwner) {
        lock.lock()
        defer { lock.unlock() }
        owners.append(owner)
    }

    var snapshot: DeliveryReport {
        lock.lock()
        defer { lock.unlock() }
        var report = DeliveryReport()
        for (index, name) in names.enumerated() {
            if delivered[index] > 0 { report.delivered[name] = delivered[index] }
            if failed[index] > 0 { report.failed[name] = failed[index] }
            if let error = lastError[index] { report.lastError[name] = error }
            var byPartition: [Int32: DeliveryReport.Partition] = [:]
            for (partition, entry) in partitions[index].enumerated() where entry.delivered > 0 { byPartition[Int32(partition)] = entry }
            if !byPartition.isEmpty { report.partitions[name] = byPartition }
        }
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
    private var retained: [PayloadOwner] = []
    private let poller: PollLoop

    /// The defaults the seed's design asks for; any `-X` property given later overrides them.
    public static let defaults: [(String, String)] = [
        ("enable.idempotence", "true"), ("acks", "all"), ("partitioner", "murmur2_random"),
        ("linger.ms", "5"), ("compression.type", "lz4"),
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
            let m = message.pointee
            guard let rkt = m.rkt else { return }
            let error: (() -> String)? = m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : { String(cString: rd_kafka_err2str(m.err)) }
            let payload = UnsafeBufferPointer(start: m.payload?.assumingMemoryBound(to: UInt8.self), count: m.len)
            // The message opaque carries the payload's hash, taken by send() while the bytes were in cache.
            let payloadHash = UInt64(UInt(bitPattern: m._private))
            ledger.record(topic: UnsafeRawPointer(rkt), name: { String(cString: rd_kafka_topic_name(rkt)) },
                          partition: m.partition, offset: m.offset, payload: payload, payloadHash: payloadHash,
                          error: error)
        }
        // Errors are still written to stderr as librdkafka would log them; "all brokers down" is also noted, so that a
        // run whose broker went away can stop within its timeout instead of waiting on a full queue.
        rd_kafka_conf_set_error_cb(conf) { handle, error, reason, opaque in
            if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue, let opaque {
                Unmanaged<DeliveryLedger>.fromOpaque(opaque).takeUnretainedValue().brokersDown()
            }
            let name = handle.map { String(cString: rd_kafka_name($0)) } ?? "rdkafka"
            FileHandle.standardError.write(Data("%3|ERROR|\(name)| \(reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: error)))))\n".utf8))
        }
        let created: OpaquePointer
        do {
            created = try KafkaConfiguration.newHandle(RD_KAFKA_PRODUCER, conf: conf, role: "the producer")
        } catch {
            ledgerReference.release()
            throw error
        }
        handle = created
        poller = PollLoop(handle: created)
    }

    deinit {
        poller.stop()
        // With every broker down there is nothing to wait for (the run has said what was not delivered).
        rd_kafka_flush(handle, ledger.brokersDownSince == nil ? 10_000 : 0)
        for topic in topics.values { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
        ledgerReference.release()
    }

    /// Delivery counts so far.
    public var deliveryReport: DeliveryReport { ledger.snapshot }

    /// Messages handed over but not yet delivered or failed.
    public var inFlight: Int { Int(rd_kafka_outq_len(handle)) }

    /// Since when every broker connection has been down (librdkafka's "all brokers down"), until a record is delivered
    /// again; nil while the cluster answers.
    public var brokersDownSince: Date? { ledger.brokersDownSince }

    /// When set, a send waiting for room in a full queue gives up once this is stopped (a signal, or a broker gone for
    /// good), instead of waiting for deliveries that may never come.
    public var stopSignal: StopSignal? {
        get { lock.withLock { stop } }
        set { lock.withLock { stop = newValue } }
    }
    private var stop: StopSignal?

    private func topicHandle(_ name: String) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let existing = topics[name] { return existing }
        let created = rd_kafka_topic_new(handle, name, nil)!
        topics[name] = created
        return created
    }

    /// A topic to send to, resolved once (sending by name looks the topic up on every record).
    public struct Topic: @unchecked Sendable {
        // The rd_kafka_topic_t lives as long as its producer.
        fileprivate let handle: OpaquePointer
        /// The topic's name.
        public let name: String
    }

    /// The handle of topic `name`, for ``send(to:key:value:)``.
    public func topic(_ name: String) -> Topic { Topic(handle: topicHandle(name), name: name) }

    /// Queues one record (librdkafka copies it); when the local queue is full, waits for deliveries to make room.
    /// - Throws: ``KafkaError`` (broker) when librdkafka refuses the message.
    public func send(topic: String, key: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>) throws(KafkaError) {
        try send(to: self.topic(topic), key: key, value: value)
    }

    /// Queues one record to a resolved topic; when the local queue is full, waits for deliveries.
    ///
    /// With `copy` false librdkafka keeps a pointer to `value` instead of a copy: the bytes must stay valid
    /// until the producer is gone, which `keepAlive(_:)` arranges.
    /// - Throws: ``KafkaError`` (broker) when librdkafka refuses the message.
    public func send(to topic: Topic, key: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>,
                     copy: Bool = true) throws(KafkaError) {
        let topicHandle = topic.handle
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(fnv1a(value)))
        let flags = copy ? crdkafka_msg_f_copy() : 0
        while true {
            let result = rd_kafka_produce(
                topicHandle, crdkafka_partition_ua(), flags,
                UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                key?.baseAddress, key?.count ?? 0, opaque)
            if result == 0 { return }
            let error = rd_kafka_last_error()
            if error == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                if let reason = stopSignal?.stopReason { throw KafkaError(.broker, "not sent to \(topic.name): \(reason)") }
                rd_kafka_poll(handle, 10)
                continue
            }
            throw KafkaError(.broker, "cannot produce to \(topic.name): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Keeps `owner`, the memory behind records sent without a copy, alive until the producer is destroyed,
    /// and tells it of each of its payloads that librdkafka is done with.
    func keepAlive(_ owner: PayloadOwner) {
        lock.lock()
        retained.append(owner)
        lock.unlock()
        ledger.watch(owner)
    }

    /// Waits until every queued record is delivered or failed, at most `timeout` seconds.
    /// - Returns: the records still in flight (0 when all were reported).
    @discardableResult
    public func flush(timeout: Double) -> Int {
        rd_kafka_flush(handle, Int32(timeout * 1000))
        return inFlight
    }
}

/// Memory that records are sent from without a copy (a mapped file), told as librdkafka lets go of them.
protocol PayloadOwner: AnyObject, Sendable {
    /// Whether `payload` points into this memory.
    func owns(_ payload: UnsafeRawPointer) -> Bool
    /// librdkafka no longer needs the record at `payload`.
    func released(_ payload: UnsafeRawPointer)
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
            while isRunning { rd_kafka_poll(self.handle, 10) }
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

    /// Ends the loop and waits for its thread (waking a poll in progress rather than waiting it out).
    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        rd_kafka_yield(handle)
        finished.wait()
    }
}

/// The per-record hash summed into the manifest's order-independent digests: FNV-1a 64 taken over
/// little-endian 8-byte words (the last one zero-padded), then the length, which is eight times faster than
/// byte-wise FNV-1a on this path. The audit recomputes it exactly so.
public func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01B3
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    guard let base = bytes.baseAddress else { return (hash ^ 0) &* prime }
    let words = bytes.count / 8
    var cursor = UnsafeRawPointer(base)
    let end = cursor + words * 8
    while cursor < end {
        hash ^= UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self))
        hash &*= prime
        cursor += 8
    }
    let tail = bytes.count - words * 8
    if tail > 0 {
        var word: UInt64 = 0
        for offset in 0..<tail { word |= UInt64(base[words * 8 + offset]) << (8 * UInt64(offset)) }
        hash ^= word
        hash &*= prime
    }
    hash ^= UInt64(bytes.count)
    return hash &* prime
}
