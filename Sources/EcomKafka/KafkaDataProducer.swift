import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

/// A flag set from a signal handler or another thread to end a stream early.
public final class StopSignal: @unchecked Sendable {
    // `reason` is only touched under `lock`.
    private let lock = NSLock()
    private var reason: String?
    private var at: Date?
    /// The latest timestamp a paced sender was let send before the stop, and its value when the stop came.
    private var admittedUpTo = Int64.min
    private var admittedAtStop = Int64.min

    /// Not stopped.
    public init() {}

    /// Asks the stream to stop.
    public func stop(_ why: String) {
        lock.lock()
        if reason == nil {
            reason = why
            at = Date()
            admittedAtStop = admittedUpTo
        }
        lock.unlock()
    }

    /// Whether a record stamped `timestamp` may be sent; nil when it may, else why the stream stopped. Before the stop every
    /// record may (and is noted); after it, with `cut` (the simulated instant of a wall-clock moment, for a paced stream),
    /// those stamped before the instant the stop came at, and before none already let through, so that every topic stops
    /// at one instant: a record let through just before the stop has its twins on the other topics (a purchase event and
    /// its transaction, stamped alike) let through after it.
    func admit(_ timestamp: Int64, cut: ((Date) -> Int64)?) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let reason, let at else {
            admittedUpTo = max(admittedUpTo, timestamp)
            return nil
        }
        guard let cut else { return reason }
        return timestamp < max(cut(at), admittedAtStop &+ 1) ? nil : reason
    }

    /// Why the stream was asked to stop, or nil.
    public var stopReason: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
}

/// The seed's `KafkaDataProducer`: streams a generator's records to the five topics, each paced so that
/// records leave at their (simulated) timestamps, or sends batches.
public final class KafkaDataProducer: @unchecked Sendable {
    // Immutable after init; the producer is thread-safe.
    /// The generator the records come from.
    public let generator: ECommerceDataGenerator
    /// The Kafka producer.
    public let producer: KafkaProducer
    let configuration: KafkaConfiguration

    /// Connects a producer for the generator's records; IDs per topic are digested for the manifest.
    public init(generator: ECommerceDataGenerator, configuration: KafkaConfiguration) throws(KafkaError) {
        self.generator = generator
        self.configuration = configuration
        producer = try KafkaProducer(
            configuration: configuration,
            idFields: Dictionary(uniqueKeysWithValues: RecordType.allCases.map { ($0.topic, $0.idField) }))
    }

    /// What one topic of a stream did.
    public struct TopicResult: Sendable {
        public let type: RecordType
        /// Records the schedule held.
        public let planned: Int
        /// Records handed to the producer.
        public var sent = 0
        /// Wall-clock seconds the topic streamed.
        public var seconds = 0.0
        /// Planned records per wall-clock second.
        public var targetRate: Double
        /// True for alerts raised by the streamed transactions: their number follows the transactions, it
        /// is not paced to a target.
        public var derived = false
        /// Sent records per wall-clock second.
        public var achievedRate: Double { seconds > 0 ? Double(sent) / seconds : 0 }
    }

    /// A finished (or stopped) stream.
    public struct StreamResult: Sendable {
        public var topics: [TopicResult]
        public var started: Date
        public var finished: Date
        public var simulatedStart: Timestamp
        public var simulatedEnd: Timestamp
        public var stopReason: String?
        public var report: DeliveryReport
        /// Each partition's end offset before anything was sent (``RunManifest/startOffsets``).
        public var startOffsets: [String: [Int32: Int64]] = [:]
        /// The rates' multiplier (beside the scenario's): analytics results describe traffic at it.
        public var rateMultiplier: Double = 1
    }

    /// Streams `topics` for `durationHours` of simulated time from `simulatedStart`, `speedup` times faster
    /// than the wall clock, at the configured rates x `rateMultiplier` (x the scenario's); with `max`,
    /// as fast as the broker takes them. Ends early when `stop` is set. Waits for delivery reports.
    public func startStreaming(
        topics: [RecordType], durationHours: Double, rateMultiplier: Double = 1, speedup: Double = 1,
        max: Bool = false, simulatedStart: Timestamp, stop: StopSignal = StopSignal(), brokerTimeout: Double = 30,
        progress: ((_ deliveries: DeliveryReport, _ elapsed: Double) -> Void)? = nil
    ) -> StreamResult {
        let simulatedMs = Int64(durationHours * 3_600_000)
        let simulatedEnd = simulatedStart.adding(milliseconds: simulatedMs)
        let wallSeconds = Double(simulatedMs) / 1000 / speedup
        let startOffsets = RunManifest.endOffsets(on: configuration, topics: topics.map(\.topic))
        let started = Date()
        let group = DispatchGroup()
        let results = ResultBox(topics.map { type in
            let planned = generator.expectedCount(type: type, start: simulatedStart, end: simulatedEnd, rateMultiplier: rateMultiplier)
            return TopicResult(type: type, planned: planned, targetRate: Double(planned) / wallSeconds)
        })
        // Alerts follow the streamed transactions (their transaction_id exists in the transactions topic);
        // only without transactions are they generated on their own.
        let derivedAlerts = topics.contains(.transactions) && topics.contains(.fraudAlerts)
        // User events hold the purchase sessions of the transactions the rates give, streamed or not, so the
        // two topics link whenever both are streamed (and the events are the same when they are not).
        let transactions = generator.expectedCount(type: .transactions, start: simulatedStart, end: simulatedEnd, rateMultiplier: rateMultiplier)
        let alertIndex = topics.firstIndex(of: .fraudAlerts)
        if derivedAlerts, let alertIndex { results.markDerived(alertIndex) }
        for (index, type) in topics.enumerated() where !(derivedAlerts && type == .fraudAlerts) {
            group.enter()
            let thread = Thread { [self] in
                func pacedSender(_ type: RecordType) -> PacedSender {
                    PacedSender(producer: producer, topic: type.topic, keyField: type.keyField, stop: stop,
                                simulatedStart: simulatedStart.milliseconds, speedup: max ? 0 : speedup, wallStart: started)
                }
                let pacer = pacedSender(type)
                // The transactions' thread sends their alerts too, each at its time, after its transaction.
                let alerts = type == .transactions && derivedAlerts ? FollowerQueue(sender: pacedSender(.fraudAlerts)) : nil
                pacer.followers = alerts
                do {
                    try generator.write(type: type, count: results.planned(index), start: simulatedStart, end: simulatedEnd,
                                        to: pacer, alerts: alerts, transactions: transactions, rateMultiplier: rateMultiplier, threads: 1)
                    // Alerts raised near the end fall after it: they are sent at their time too.
                    try alerts?.send(upTo: Int64.max)
                    if !max { pacer.sleep(untilSimulated: simulatedEnd.milliseconds) }
                } catch {
                    stop.stop("\(error)")
                }
                results.finish(index, sent: pacer.sent, seconds: Date().timeIntervalSince(started))
                if let alerts, let alertIndex {
                    results.finish(alertIndex, sent: alerts.sender.sent, seconds: Date().timeIntervalSince(started))
                }
                group.leave()
            }
            thread.name = "ecomdata.stream.\(type.topic)"
            thread.start()
        }
        // A send waiting for room in a full queue gives up when the run stops; the run stops when every broker has been down
        // for `brokerTimeout` seconds (the records queued then fail, and the run exits as a broker failure).
        producer.stopSignal = stop
        var lastProgress = Date()
        while group.wait(timeout: .now() + 0.25) == .timedOut {
            if let since = producer.brokersDownSince, Date().timeIntervalSince(since) > brokerTimeout {
                stop.stop("no broker at \(configuration.brokers) answered for \(Int(brokerTimeout)) s (all broker connections down)")
            }
            if let progress, Date().timeIntervalSince(lastProgress) >= 2 {
                lastProgress = Date()
                progress(producer.deliveryReport, Date().timeIntervalSince(started))
            }
        }
        // Stopped early, the records still queued get as long as a broker may take to come back, not a minute; with every
        // broker down, nothing (they are counted as not delivered).
        producer.flush(timeout: producer.brokersDownSince != nil ? 0 : stop.stopReason == nil ? 60 : Swift.min(60, brokerTimeout))
        return StreamResult(topics: results.all, started: started, finished: Date(), simulatedStart: simulatedStart,
                            simulatedEnd: simulatedEnd, stopReason: stop.stopReason, report: producer.deliveryReport, startOffsets: startOffsets,
                            rateMultiplier: rateMultiplier)
    }

    /// Sends NDJSON records (one per string) to `topic`, keyed by the topic's key field, and waits for
    /// their delivery reports.
    /// - Throws: ``KafkaError``, or ``FileProducerError`` for a record without its key.
    public func sendBatch(topic: String, records: [String]) throws {
        let keyField = RecordType.allCases.first { $0.topic == topic }?.keyField ?? "id"
        let keys = KeyExtractor(field: keyField)
        for (index, record) in records.enumerated() {
            var copy = record
            try copy.withUTF8 { bytes in
                try keys.withKey(in: bytes) { key in
                    guard let key else { throw FileProducerError.missingKey(path: "batch", line: index + 1, field: keyField, topic: topic) }
                    try producer.send(topic: topic, key: key, value: bytes)
                }
            }
        }
        producer.flush(timeout: 60)
    }

    /// The run's manifest: run id, tool version, seed, config digest, times, and per topic and partition
    /// the offsets, counts and order-independent digests of IDs and payloads from the delivery reports.
    public func manifest(for result: StreamResult, runID: String = UUID().uuidString.lowercased()) -> JSONValue {
        var manifest = RunManifest(
            kind: "stream", brokers: configuration.brokers, started: result.started, finished: result.finished,
            report: result.report, stopReason: result.stopReason,
            generation: [
                ("seed", .int(Int64(bitPattern: generator.seed))),
                ("scenario", .string(generator.scenario.rawValue)),
                ("config_sha256", .string(generator.config.digest)),
                ("simulated_start", .string(result.simulatedStart.description)),
                ("simulated_end", .string(result.simulatedEnd.description)),
                ("rate_multiplier", .double(result.rateMultiplier)),
            ],
            topics: result.topics.map { topic in
                RunManifest.Topic(name: topic.type.topic, keyField: topic.type.keyField, idField: topic.type.idField, sent: topic.sent,
                                  extra: [("planned", .int(Int64(topic.planned))), ("target_rate", .double(topic.targetRate)),
                                          ("achieved_rate", .double(topic.achievedRate)), ("derived_from_transactions", .bool(topic.derived))])
            })
        manifest.partitionCounts = RunManifest.partitionCounts(on: configuration)
        manifest.startOffsets = result.startOffsets
        return manifest.json(runID: runID)
    }
}

/// Per-topic results shared between stream threads.
final class ResultBox: @unchecked Sendable {
    // Every access is under `lock`.
    private let lock = NSLock()
    private var results: [KafkaDataProducer.TopicResult]

    init(_ results: [KafkaDataProducer.TopicResult]) { self.results = results }

    func planned(_ index: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        return results[index].planned
    }

    func markDerived(_ index: Int) {
        lock.lock(); defer { lock.unlock() }
        results[index].derived = true
    }

    func finish(_ index: Int, sent: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        results[index].sent = sent
        results[index].seconds = seconds
    }

    var all: [KafkaDataProducer.TopicResult] {
        lock.lock(); defer { lock.unlock() }
        return results
    }
}

/// Receives a topic's records in timestamp order and sends each when its simulated time comes.
final class PacedSender: RecordTarget {
    let producer: KafkaProducer
    let topic: String
    let topicHandle: KafkaProducer.Topic
    let keys: KeyExtractor
    let keyField: String
    let stop: StopSignal
    let simulatedStart: Int64
    /// Simulated milliseconds per wall millisecond; 0 sends as fast as possible.
    let speedup: Double
    let wallStart: Date
    /// Records of another topic sent from this thread in timestamp order with this topic's (derived alerts).
    var followers: FollowerQueue?
    private(set) var sent = 0

    init(producer: KafkaProducer, topic: String, keyField: String, stop: StopSignal, simulatedStart: Int64, speedup: Double, wallStart: Date) {
        self.producer = producer
        self.topic = topic
        topicHandle = producer.topic(topic)
        self.keyField = keyField
        keys = KeyExtractor(field: keyField)
        self.stop = stop
        self.simulatedStart = simulatedStart
        self.speedup = speedup
        self.wallStart = wallStart
    }

    /// Sleeps until the wall-clock moment of a simulated instant (returns early when stopped).
    func sleep(untilSimulated timestamp: Int64) {
        guard speedup > 0 else { return }
        let due = Double(timestamp - simulatedStart) / 1000 / speedup
        while stop.stopReason == nil {
            let wait = due - Date().timeIntervalSince(wallStart)
            if wait <= 0 { return }
            Thread.sleep(forTimeInterval: min(wait, 0.2))
        }
    }

    func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
        try followers?.send(upTo: timestamp)
        if speedup > 0 && stop.stopReason == nil {
            let due = Double(timestamp - simulatedStart) / 1000 / speedup
            let wait = due - Date().timeIntervalSince(wallStart)
            // Records due within a millisecond go together; a longer wait sleeps (until due, or stopped).
            if wait > 0.001 { sleep(untilSimulated: timestamp) }
        }
        // A paced stream stops at one simulated instant for every topic (see StopSignal.admit): records stamped before it
        // were due and are sent (at once), later ones are not. So a purchase event and its transaction, stamped alike but
        // sent by two threads, are both sent or neither.
        let cut: ((Date) -> Int64)? = speedup > 0 ? { [simulatedStart, wallStart, speedup] at in
            simulatedStart + Int64(at.timeIntervalSince(wallStart) * 1000 * speedup)
        } : nil
        if let reason = stop.admit(timestamp, cut: cut) { throw .stopped(reason: reason) }
        let value = UnsafeBufferPointer(rebasing: record.dropLast()) // without the newline
        let failure = keys.withKey(in: value) { key -> String? in
            guard let key else { return "a \(topic) record has no \(keyField), its key: \(String(decoding: value.prefix(200), as: UTF8.self))" }
            do {
                try producer.send(to: topicHandle, key: key, value: value)
                return nil
            } catch {
                return String(describing: error)
            }
        }
        if let failure { throw .stopped(reason: failure) }
        sent += 1
    }
}

/// The alerts raised by the transactions being streamed, queued in timestamp order as each block is
/// generated and sent by the transactions' own thread: each at its time, so after the transaction that
/// raised it, whatever the speed.
final class FollowerQueue: RecordTarget {
    private var queue: [(timestamp: Int64, bytes: [UInt8])] = []
    private var head = 0
    /// Sends the alerts (and counts them).
    let sender: PacedSender

    init(sender: PacedSender) { self.sender = sender }

    func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
        queue.append((timestamp, Array(record)))
    }

    /// Sends, each at its time, the queued records stamped at or before `timestamp`.
    func send(upTo timestamp: Int64) throws(GenerationError) {
        while head < queue.count, queue[head].timestamp <= timestamp {
            let (due, bytes) = queue[head]
            head += 1
            try bytes.withUnsafeBufferPointer { (record) throws(GenerationError) in try sender.write(record, timestamp: due) }
        }
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
