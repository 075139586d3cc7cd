import EcomModel

/// The NDJSON records one block produced, in timestamp order, with each record's position in the buffer.
public final class BlockOutput {
    /// One record: its timestamp and byte range (newline included).
    public struct Entry: Sendable {
        public let timestamp: Int64
        public let start: Int32
        public let end: Int32
    }

    /// The serialised records.
    public let buffer: ByteBuffer
    /// The records in timestamp order.
    public private(set) var entries: [Entry] = []

    /// An empty output with room for `records` records of about `bytesPerRecord` bytes, so that the buffer
    /// is not copied while it grows.
    public init(records: Int = 0, bytesPerRecord: Int = 512) {
        buffer = ByteBuffer(capacity: max(4096, records * bytesPerRecord))
        entries.reserveCapacity(records)
    }

    /// Marks the start of a record.
    @inline(__always)
    func begin() -> Int32 { Int32(buffer.count) }

    /// Ends a record started at `start`, appending the newline.
    @inline(__always)
    func end(_ start: Int32, timestamp: Int64) {
        buffer.append(UInt8(ascii: "\n"))
        entries.append(Entry(timestamp: timestamp, start: start, end: Int32(buffer.count)))
    }

    /// Sorts the entries by timestamp (stable), for outputs written out of order such as alerts.
    func sortEntries() {
        let indexed = entries.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
        entries = indexed.map(\.element)
    }

    /// The bytes of one entry.
    public func bytes(of entry: Entry) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buffer.bytes[Int(entry.start)..<Int(entry.end)])
    }
}

/// Precomputed JSON fragments (catalog fields that never change), stored back to back in one allocation
/// so that copying one out costs no reference counting.
final class FragmentTable: @unchecked Sendable {
    // Written only while the table is built, before it is shared; read-only afterwards.
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var used = 0
    private var offsets: [Int] = [0]

    init() {
        capacity = 1 << 16
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    private let scratch = ByteBuffer(capacity: 1024)

    func add(_ build: (ByteBuffer) -> Void) {
        scratch.removeAll()
        build(scratch)
        if used + scratch.count > capacity {
            while used + scratch.count > capacity { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: storage, count: used)
            storage.deallocate()
            storage = grown
        }
        (storage + used).update(from: scratch.bytes.baseAddress!, count: scratch.count)
        used += scratch.count
        offsets.append(used)
    }

    @inline(__always)
    func write(_ index: Int, to buffer: ByteBuffer) {
        let start = offsets[index]
        buffer.append(UnsafeBufferPointer(start: storage + start, count: offsets[index + 1] - start))
    }
}

extension Array {
    /// The elements ordered by timestamp, ties in their current order. Sorts packed integer keys
    /// (timestamp x 2^16 + position), which is several times faster than a stable sort with a closure.
    func sortedByTime(_ timestamp: (Element) -> Int64) -> [Element] {
        precondition(count < 1 << 16, "a block holds fewer than 65,536 records")
        var keys = [Int64]()
        keys.reserveCapacity(count)
        for (position, element) in enumerated() { keys.append(timestamp(element) << 16 | Int64(position)) }
        keys.sort()
        return keys.map { self[Int($0 & 0xFFFF)] }
    }
}
