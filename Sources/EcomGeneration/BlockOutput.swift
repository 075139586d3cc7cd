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
    public let buffer = ByteBuffer(capacity: 1 << 16)
    /// The records in timestamp order.
    public private(set) var entries: [Entry] = []

    /// An empty output.
    public init() {}

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

/// Precomputed JSON fragments (catalog fields that never change), stored back to back.
struct FragmentTable: Sendable {
    private var bytes: [UInt8] = []
    private var offsets: [Int] = [0]

    mutating func add(_ build: (ByteBuffer) -> Void) {
        let scratch = ByteBuffer(capacity: 256)
        build(scratch)
        bytes.append(contentsOf: scratch.bytes)
        offsets.append(bytes.count)
    }

    @inline(__always)
    func write(_ index: Int, to buffer: ByteBuffer) {
        bytes.withUnsafeBufferPointer { all in
            buffer.append(UnsafeBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]]))
        }
    }
}
