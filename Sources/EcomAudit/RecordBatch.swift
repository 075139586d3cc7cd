import EcomJSON
import EcomValidation
import Foundation

/// Records copied out of the consumer's messages (payloads and keys back to back in one buffer, their places in
/// an index), so that the reading thread can go on polling while other threads validate and check them.
final class RecordBatch {
    /// One record's place and metadata.
    struct Record {
        /// The topic's index in the audit's topics.
        var topic: Int
        var partition: Int32
        var offset: Int64
        /// CreateTime in milliseconds since the epoch, when the message has one.
        var timestamp: Int64?
        /// When it was read, in milliseconds since the epoch (a coarse clock: a few milliseconds).
        var readAt: Int64
        var valueStart: Int
        var valueCount: Int
        /// The key follows the value; nil for a message without one.
        var keyCount: Int?
        var valueIsNull: Bool
        /// What the reading thread found in the payload.
        var facts: Facts
    }

    /// A payload's hash and where its key field, ID field and `timestamp` string values are.
    struct Facts {
        /// ``EcomKafka/fnv1a(_:)`` of the payload.
        var payloadHash: UInt64 = 0
        /// ``EcomKafka/fnv1a(_:)`` of the ID, when there is one.
        var idHash: UInt64 = 0
        var payloadKey: Span?
        var id: Span?
        var timestamp: Span?
        /// A field was not found while a member name written with escapes was: the checker reads the payload again.
        var escapedNames = false
        /// The partition the message key belongs on (murmur2, among the partitions the run wrote to); -1 for a message
        /// without a key or with an empty one. Found where the key is in cache, for the validating and checking threads.
        var keyHome: Int32 = -1
        /// Whether the message key is the payload's key field's text.
        var keyMatchesPayload = false
        /// The partition a producer keying by the payload's key field sent it to (the message key's when they are the
        /// same or the payload has none; nil without either).
        var producerHome: Int32?
        /// ``Audit/digits(_:)`` of the timestamp, and ``EcomKafka/fnv1a(_:)`` of the message key (the payload's key
        /// field without one), when there are both: the key's order is judged by them.
        var stamp: Int64 = 0
        var keyHash: UInt64?
        /// The ID's text, when it has up to 16 bytes (copied here, where it is in cache: the key's order keeps it).
        var shortID: ShortID?
    }

    /// Bytes of a payload, from its start.
    struct Span {
        var start: Int32
        var count: Int32
    }

    /// A batch is handed on when it holds this many records or bytes.
    static let recordLimit = 2048
    static let byteLimit = 2 << 20

    private(set) var records: [Record] = []
    /// Per record, whether the validator could parse its payload (bit 0), found a member name in it twice (bit 1) and
    /// found it of another type than its topic's (bit 2):
    /// each validating thread writes the flags of its records (distinct elements, so a plain buffer rather than an
    /// array that would be copied on a shared write).
    private let parsedFlags: UnsafeMutableBufferPointer<UInt8>
    /// Validating threads still working on the batch (touched under ``ValidatedBatches``' lock only).
    var validating = 0
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var used = 0

    init() {
        capacity = Self.byteLimit + 64 * 1024
        // Left uninitialised (bytes need none), so that memory is taken only as records fill the batch.
        storage = .allocate(capacity: capacity)
        records.reserveCapacity(Self.recordLimit)
        parsedFlags = .allocate(capacity: Self.recordLimit)
        parsedFlags.initialize(repeating: 0)
    }

    deinit {
        storage.deallocate()
        parsedFlags.deallocate()
    }

    var isFull: Bool { records.count >= Self.recordLimit || used >= Self.byteLimit }
    var isEmpty: Bool { records.isEmpty }

    /// Copies a message's payload and key.
    func append(topic: Int, partition: Int32, offset: Int64, timestamp: Int64?, readAt: Int64,
                value: UnsafeBufferPointer<UInt8>, key: UnsafeBufferPointer<UInt8>?, valueIsNull: Bool, facts: Facts) {
        let size = value.count + (key?.count ?? 0)
        // simdjson reads up to `padding` bytes past a payload: keeping them inside the buffer lets it parse in place.
        if used + size + FastJSONParser.padding > capacity { grow(to: used + size + FastJSONParser.padding) }
        let start = used
        if let base = value.baseAddress { (storage + used).initialize(from: base, count: value.count) }
        used += value.count
        if let key, let base = key.baseAddress { (storage + used).initialize(from: base, count: key.count) }
        used += key?.count ?? 0
        records.append(Record(topic: topic, partition: partition, offset: offset, timestamp: timestamp, readAt: readAt,
                              valueStart: start, valueCount: value.count, keyCount: key?.count, valueIsNull: valueIsNull, facts: facts))
    }

    /// A record's payload; valid until the batch is cleared.
    func value(_ record: Record) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage + record.valueStart, count: record.valueCount)
    }

    /// Bytes of a record's payload; valid until the batch is cleared.
    func bytes(_ record: Record, _ span: Span?) -> UnsafeBufferPointer<UInt8>? {
        span.map { UnsafeBufferPointer(start: storage + record.valueStart + Int($0.start), count: Int($0.count)) }
    }

    /// A record's key; valid until the batch is cleared.
    func key(_ record: Record) -> UnsafeBufferPointer<UInt8>? {
        record.keyCount.map { UnsafeBufferPointer(start: storage + record.valueStart + record.valueCount, count: $0) }
    }

    /// Bytes that may be read from the start of a record's payload (its padding included).
    func readable(_ record: Record) -> Int { capacity - record.valueStart }

    /// Clears the parse flags of the batch's records, before it is handed to the validating threads.
    func expectParsed() {
        precondition(records.count <= Self.recordLimit)
        for index in records.indices { parsedFlags[index] = 0 }
    }

    /// Notes whether the validator could parse record `index`'s payload, and whether it names a member twice (on the
    /// thread validating that record).
    func setParsed(_ index: Int, _ parsed: Bool, repeatedNames: Bool, otherType: Bool) {
        parsedFlags[index] = (parsed ? 1 : 0) | (repeatedNames ? 2 : 0) | (otherType ? 4 : 0)
    }

    /// Whether the validator could parse record `index`'s payload (once every validating thread is done with the batch).
    func parsed(_ index: Int) -> Bool { parsedFlags[index] & 1 != 0 }

    /// Whether record `index`'s payload names a member twice (its last value is the one the checks read).
    func repeatedNames(_ index: Int) -> Bool { parsedFlags[index] & 2 != 0 }

    /// Whether record `index` is of another type than its topic's (it starts with another type's ID field).
    func otherType(_ index: Int) -> Bool { parsedFlags[index] & 4 != 0 }

    func removeAll() {
        records.removeAll(keepingCapacity: true)
        used = 0
    }

    private func grow(to size: Int) {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        larger.initialize(from: storage, count: used)
        storage.deallocate()
        storage = larger
        capacity = size
    }
}

/// Batches handed from one thread to the next in the order they were put: the reading thread fills empty batches
/// for the validating thread, which hands them to the checking thread, which gives them back empty. A few batches
/// circulate, so that memory stays bounded when a later thread is slower than the reader.
final class BatchQueue: @unchecked Sendable {
    // `batches` and `closed` are only touched under `condition`'s lock.
    private let condition = NSCondition()
    private var batches: [RecordBatch]
    private var closed = false

    init(_ batches: [RecordBatch] = []) { self.batches = batches }

    func put(_ batch: RecordBatch) {
        condition.lock()
        batches.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// No more batches come: ``take()`` answers nil once the ones put are taken.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The first batch put and not taken yet, waiting for one; nil once the queue is closed and drained.
    func take() -> RecordBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !closed { condition.wait() }
        return batches.isEmpty ? nil : batches.removeFirst()
    }
}

/// Hands a batch to the checking thread once every validating thread is done with it. Each validating thread takes
/// the batches in the order they were read, so they are done in that order too, and the checker gets them in it.
final class ValidatedBatches: @unchecked Sendable {
    // `running` and each batch's `validating` are only touched under `lock`.
    private let lock = NSLock()
    private let shards: Int
    private var running: Int
    private let next: BatchQueue

    init(shards: Int, to next: BatchQueue) {
        self.shards = shards
        running = shards
        self.next = next
    }

    /// One validating thread is done with `batch`; the last one hands it on.
    func done(_ batch: RecordBatch) {
        lock.lock()
        defer { lock.unlock() }
        if batch.validating == 0 { batch.validating = shards }
        batch.validating -= 1
        if batch.validating == 0 { next.put(batch) }
    }

    /// One validating thread has ended; the last one closes the checker's queue.
    func finished() {
        lock.lock()
        defer { lock.unlock() }
        running -= 1
        if running == 0 { next.close() }
    }
}
