import EcomModel
import Foundation

/// Receives records in timestamp order.
public protocol RecordTarget: AnyObject {
    /// Takes one record (its bytes end with a newline).
    func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError)
    /// Takes consecutive records of one block at once: `entries` locate them in `output`.
    func write(_ output: BlockOutput, entries: ArraySlice<BlockOutput.Entry>) throws(GenerationError)
}

extension RecordTarget {
    /// Writes the records one by one.
    public func write(_ output: BlockOutput, entries: ArraySlice<BlockOutput.Entry>) throws(GenerationError) {
        for entry in entries { try write(output.bytes(of: entry), timestamp: entry.timestamp) }
    }
}

/// Where NDJSON goes: a file descriptor (a file, or stdout) written in large chunks.
public final class RecordSink: RecordTarget {
    /// Where the sink writes, for error messages (`-` for stdout).
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let chunk = ByteBuffer(capacity: 1 << 20)
    private var digest: SHA256?
    /// Records written.
    public private(set) var records = 0
    /// Bytes written.
    public private(set) var bytes = 0

    /// Opens `path` for writing (created or truncated), or stdout for `-`.
    /// - Throws: ``GenerationError/io`` naming the path.
    public init(path: String, computeDigest: Bool = false) throws(GenerationError) {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
            descriptor = fd
            ownsDescriptor = true
        }
        if computeDigest { digest = SHA256() }
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// Appends one record (its bytes end with a newline).
    @inline(__always)
    public func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
        chunk.append(record)
        records += 1
        if chunk.count >= (1 << 20) - 8192 { try flush() }
    }

    /// Writes a contiguous run of records; large runs go straight to the descriptor without a copy.
    public func write(_ output: BlockOutput, entries: ArraySlice<BlockOutput.Entry>) throws(GenerationError) {
        guard let first = entries.first, let last = entries.last else { return }
        let run = UnsafeBufferPointer(rebasing: output.buffer.bytes[Int(first.start)..<Int(last.end)])
        records += entries.count
        if run.count < 65_536 {
            chunk.append(run)
            if chunk.count >= (1 << 20) - 8192 { try flush() }
            return
        }
        try flush()
        try writeOut(run)
    }

    /// Writes buffered bytes out.
    public func flush() throws(GenerationError) {
        try writeOut(chunk.bytes)
        chunk.removeAll()
    }

    private func writeOut(_ data: UnsafeBufferPointer<UInt8>) throws(GenerationError) {
        var offset = 0
        digest?.update(data)
        while offset < data.count {
            let written = Glibc.write(descriptor, data.baseAddress! + offset, data.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        bytes += data.count
    }

    /// Flushes and returns the SHA-256 of everything written (when requested at creation).
    public func finish() throws(GenerationError) -> String? {
        try flush()
        return digest?.finalizeHex()
    }
}

/// Merges blocks into one timestamp-ordered stream. A block's records are ordered, and records that spill
/// past the next block's start (late fraud alerts, sessions running on, purchase sessions that began before
/// their block of transactions) wait in a heap until their turn. Waiting records are copied into one arena
/// and the heap holds plain values, so a record that waits costs a copy and no reference counting.
final class OrderedMerger {
    private struct Waiting {
        var timestamp: Int64
        var sequence: Int
        var start: Int
        var count: Int
    }

    private var heap: [Waiting] = []
    private var arena: [UInt8] = []
    /// Bytes of the arena still waiting; the rest is garbage, reclaimed when the heap empties or by compaction.
    private var waitingBytes = 0
    private var sequence = 0
    private let sink: RecordTarget
    /// Records written so far.
    private(set) var written = 0

    init(sink: RecordTarget) { self.sink = sink }

    /// Writes what can be written of `output`; `horizon` is the start of the next block (nil: the end).
    func add(_ output: BlockOutput, horizon: Int64?) throws(GenerationError) {
        let limit = horizon ?? Int64.max
        let entries = output.entries
        var index = 0
        while index < entries.count {
            let entry = entries[index]
            if heap.isEmpty || heap[0].timestamp > entry.timestamp {
                // Nothing waiting goes first: write the longest contiguous run below the horizon in one piece.
                var end = index
                let ceiling = heap.isEmpty ? limit : min(limit, heap[0].timestamp)
                while end < entries.count, entries[end].timestamp < ceiling,
                      end == index || entries[end].start == entries[end - 1].end {
                    end += 1
                }
                if end > index {
                    try sink.write(output, entries: entries[index..<end])
                    written += end - index
                    index = end
                    continue
                }
            }
            index += 1
            try drain(upTo: min(entry.timestamp, limit - 1), inclusive: true)
            let record = output.bytes(of: entry)
            if entry.timestamp >= limit {
                push(entry.timestamp, record)
            } else {
                written += 1
                try sink.write(record, timestamp: entry.timestamp)
            }
        }
        if horizon == nil {
            try drain(upTo: Int64.max, inclusive: true)
        } else {
            try drain(upTo: limit, inclusive: false)
        }
    }

    private func drain(upTo limit: Int64, inclusive: Bool) throws(GenerationError) {
        while let top = heap.first, inclusive ? top.timestamp <= limit : top.timestamp < limit {
            let item = pop()
            try arena.withUnsafeBufferPointer { (bytes) throws(GenerationError) in
                written += 1
                try sink.write(UnsafeBufferPointer(rebasing: bytes[item.start..<item.start + item.count]), timestamp: item.timestamp)
            }
            waitingBytes -= item.count
        }
        if heap.isEmpty { arena.removeAll(keepingCapacity: true) }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (heap[a].timestamp, heap[a].sequence) < (heap[b].timestamp, heap[b].sequence)
    }

    private func push(_ timestamp: Int64, _ record: UnsafeBufferPointer<UInt8>) {
        if arena.count >= 1 << 23 && waitingBytes * 2 < arena.count { compact() }
        heap.append(Waiting(timestamp: timestamp, sequence: sequence, start: arena.count, count: record.count))
        arena.append(contentsOf: record)
        waitingBytes += record.count
        sequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Moves the waiting records to the front of the arena, in place (their heap order does not change).
    private func compact() {
        let order = heap.indices.sorted { heap[$0].start < heap[$1].start }
        var cursor = 0
        arena.withUnsafeMutableBufferPointer { bytes in
            for index in order {
                let start = heap[index].start, count = heap[index].count
                if start != cursor { memmove(bytes.baseAddress! + cursor, bytes.baseAddress! + start, count) }
                heap[index].start = cursor
                cursor += count
            }
        }
        arena.removeSubrange(cursor...)
    }

    private func pop() -> Waiting {
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, less(left, smallest) { smallest = left }
            if right < heap.count, less(right, smallest) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// Runs the blocks of a plan on `threads` workers and hands their outputs over in block order, so the
/// result never depends on the thread count. Workers run ahead of the writer by a bounded window of
/// blocks (memory stays bounded), with no barrier between batches.
enum BlockRunner {
    final class Pipeline: @unchecked Sendable {
        // Every field is read and written under `condition`'s lock.
        private let condition = NSCondition()
        private var outputs: [Int: [BlockOutput]] = [:]
        private var nextToClaim = 0
        private var consumed = 0
        private var cancelled = false
        private var running: Int
        let count: Int
        let window: Int

        init(count: Int, window: Int, workers: Int) {
            self.count = count
            self.window = window
            running = workers
        }

        /// The next block index a worker should generate, or nil when done or cancelled.
        func claim() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while !cancelled && nextToClaim < count && nextToClaim >= consumed + window { condition.wait() }
            guard !cancelled && nextToClaim < count else { return nil }
            nextToClaim += 1
            return nextToClaim - 1
        }

        func store(_ index: Int, _ value: [BlockOutput]) {
            condition.lock()
            outputs[index] = value
            condition.broadcast()
            condition.unlock()
        }

        /// Takes the outputs of block `index`; while they are not ready, the caller generates unclaimed
        /// blocks itself rather than wait.
        func take(_ index: Int, generate: (Int) -> [BlockOutput]) -> [BlockOutput] {
            condition.lock()
            defer { condition.unlock() }
            while outputs[index] == nil {
                if !cancelled && nextToClaim < count && nextToClaim < consumed + window {
                    let claimed = nextToClaim
                    nextToClaim += 1
                    condition.unlock()
                    let value = generate(claimed)
                    condition.lock()
                    outputs[claimed] = value
                    condition.broadcast()
                } else {
                    condition.wait()
                }
            }
            consumed = index + 1
            condition.broadcast()
            return outputs.removeValue(forKey: index)!
        }

        func workerFinished() {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }

        /// Stops the workers and waits until they have.
        func cancelAndWait() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            while running > 0 { condition.wait() }
            condition.unlock()
        }
    }

    /// Generates `blocks` (ordered by `start`, no record of a block before its start) and hands each block's
    /// outputs to `consume` in order, with the next block's start as the horizon (nil for the last).
    static func run<Block: Sendable>(
        blocks: [Block], start: (Block) -> Int64, threads: Int,
        generate: @escaping @Sendable (Block) -> [BlockOutput],
        consume: (_ outputs: [BlockOutput], _ horizon: Int64?) throws(GenerationError) -> Void
    ) throws(GenerationError) {
        guard !blocks.isEmpty else { return }
        // The writer generates too while it waits, so `threads` counts it: threads - 1 more workers.
        let workers = min(max(0, threads - 1), blocks.count)
        let pipeline = Pipeline(count: blocks.count, window: (workers + 1) * 6, workers: workers)
        // Dedicated threads, since workers block while they are a window ahead of the writer.
        for _ in 0..<workers {
            let worker = Thread {
                while let index = pipeline.claim() { pipeline.store(index, generate(blocks[index])) }
                pipeline.workerFinished()
            }
            worker.stackSize = 1 << 21
            worker.start()
        }
        for index in blocks.indices {
            let outputs = pipeline.take(index) { generate(blocks[$0]) }
            do {
                try consume(outputs, index + 1 < blocks.count ? start(blocks[index + 1]) : nil)
            } catch {
                pipeline.cancelAndWait()
                throw error
            }
        }
        pipeline.cancelAndWait()
    }
}

/// A failure while generating or writing.
public enum GenerationError: Error, CustomStringConvertible, Sendable {
    /// Writing or creating `path` failed.
    case io(path: String, reason: String)
    /// Arguments that cannot be honoured.
    case invalidRequest(String)
    /// The run was stopped (a signal, or the consumer of the records gave up); `reason` says why.
    case stopped(reason: String)

    public var description: String {
        switch self {
        case let .io(path, reason): "cannot write \(path): \(reason); check that the directory exists and is writable"
        case let .invalidRequest(message): message
        case let .stopped(reason): reason
        }
    }
}
