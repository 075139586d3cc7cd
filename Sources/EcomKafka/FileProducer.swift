import EcomModel
import Foundation

/// Sends the records of NDJSON files to a topic, keyed by a field of each record (`ecomdata produce`).
public struct FileProducer {
    let producer: KafkaProducer
    let topic: String
    let keys: KeyExtractor
    let keyField: String

    /// Produces to `topic`, keying each record by `keyField`.
    public init(producer: KafkaProducer, topic: String, keyField: String) {
        self.producer = producer
        self.topic = topic
        self.keyField = keyField
        keys = KeyExtractor(field: keyField)
    }

    /// Sends every line of `path` (empty lines skipped); a line without the key field stops the run with
    /// its file and line, nothing after it is sent.
    ///
    /// A regular file is mapped into memory and its records are handed to librdkafka without a copy (the
    /// mapping lives as long as the producer); anything else (a pipe, stdin) is read into a buffer and copied.
    /// - Throws: ``FileProducerError``.
    public func send(path: String, stop: StopSignal? = nil, progress: ((Int) -> Void)? = nil) throws -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileProducerError.unreadable(path) }
        defer { close(descriptor) }
        var lines = LineSender(producer: producer, topic: producer.topic(topic), keys: keys, keyField: keyField,
                               path: path, stop: stop, progress: progress)
        if let mapping = FileMapping(descriptor: descriptor, path: path) {
            producer.keepAlive(mapping)
            lines.mapping = mapping
            defer { lines.sealSegments(through: mapping.segment(of: mapping.bytes.count) + 1) }
            let end = try lines.sendLines(in: mapping.bytes, copy: false)
            if end < mapping.bytes.count { try lines.sendLine(UnsafeBufferPointer(rebasing: mapping.bytes[end...]), copy: false) }
            return lines.sent
        }
        // One reusable buffer: read into its free tail, send the complete lines, move the partial one to the front.
        var capacity = 4 << 20
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            if filled == capacity {
                // A line longer than the buffer: grow it.
                let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                grown.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = grown
                capacity *= 2
            }
            let count = read(descriptor, buffer + filled, capacity - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileProducerError.unreadable(path)
            }
            if count == 0 { break }
            filled += count
            let start = try lines.sendLines(in: UnsafeBufferPointer(start: buffer, count: filled), copy: true)
            if start > 0 {
                buffer.update(from: buffer + start, count: filled - start)
                filled -= start
            }
        }
        if filled > 0 { try lines.sendLine(UnsafeBufferPointer(start: buffer, count: filled), copy: true) }
        return lines.sent
    }
}

/// Turns the lines of a file into records of one topic, counting lines for error messages.
private struct LineSender {
    let producer: KafkaProducer
    let topic: KafkaProducer.Topic
    let keys: KeyExtractor
    let keyField: String
    let path: String
    let stop: StopSignal?
    let progress: ((Int) -> Void)?
    var lineNumber = 0
    var sent = 0
    /// The mapped file the lines are sent from without a copy, its current segment and the records sent from it.
    var mapping: FileMapping?
    var segment = 0
    var sentInSegment = 0

    /// Sends every complete (newline-terminated) line of `bytes`; returns where the incomplete rest begins.
    mutating func sendLines(in bytes: UnsafeBufferPointer<UInt8>, copy: Bool) throws -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var start = 0
        while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            try sendLine(UnsafeBufferPointer(start: base + start, count: index - start), copy: copy)
            start = index + 1
        }
        return start
    }

    /// Tells the mapping that the sender is done with every segment before `last`.
    mutating func sealSegments(through last: Int) {
        guard let mapping else { return }
        while segment < last {
            mapping.seal(segment, sent: sentInSegment)
            segment += 1
            sentInSegment = 0
        }
    }

    mutating func sendLine(_ line: UnsafeBufferPointer<UInt8>, copy: Bool) throws {
        lineNumber += 1
        var trimmed = line
        // A UTF-8 byte order mark at the start of the file is skipped, as validate skips it.
        if lineNumber == 1, trimmed.starts(with: [0xEF, 0xBB, 0xBF]) { trimmed = UnsafeBufferPointer(rebasing: trimmed.dropFirst(3)) }
        while let last = trimmed.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") {
            trimmed = UnsafeBufferPointer(rebasing: trimmed.dropLast())
        }
        if trimmed.isEmpty { return }
        guard trimmed.first == UInt8(ascii: "{"), trimmed.last == UInt8(ascii: "}") else {
            throw FileProducerError.notARecord(path: path, line: lineNumber)
        }
        try keys.withKey(in: trimmed) { key in
            guard let key else { throw FileProducerError.missingKey(path: path, line: lineNumber, field: keyField, topic: topic.name) }
            if let reason = stop?.stopReason { throw FileProducerError.stopped(reason) }
            if let mapping {
                let lineSegment = mapping.segment(of: mapping.bytes.baseAddress!.distance(to: trimmed.baseAddress!))
                if lineSegment != segment { sealSegments(through: lineSegment) }
            }
            try producer.send(to: topic, key: key, value: trimmed, copy: copy)
        }
        if mapping != nil { sentInSegment += 1 }
        sent += 1
        if sent % 100_000 == 0 { progress?(sent) }
    }
}

/// A regular file mapped read-only into memory for sending without a copy, unmapped when the producer goes.
///
/// So that producing a large file does not hold all of it in the process's memory, the file is split into
/// segments: once the sender has moved past a segment and every record starting in it is delivered (or
/// failed), its pages are dropped from the process (MADV_DONTNEED; a later read would fault them back from
/// the file, never see other bytes).
final class FileMapping: PayloadOwner, @unchecked Sendable {
    // `bytes` is immutable after init; the counters are only touched under `lock`.
    let bytes: UnsafeBufferPointer<UInt8>
    private let segmentShift = 23
    private let lock = NSLock()
    private var sent: [Int?]
    private var released: [Int]

    /// Maps the file `path` open as `descriptor`, or nil when it is not a non-empty regular file or cannot be mapped.
    init?(descriptor: Int32, path: String) {
        MappedInput.reading(path)
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
              let address = mmap(nil, Int(status.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED
        else { return nil }
        madvise(address, Int(status.st_size), MADV_SEQUENTIAL)
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: Int(status.st_size))
        let segments = (bytes.count >> segmentShift) + 1
        sent = Array(repeating: nil, count: segments)
        released = Array(repeating: 0, count: segments)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }

    /// The segment holding byte `offset`.
    func segment(of offset: Int) -> Int { offset >> segmentShift }

    func owns(_ payload: UnsafeRawPointer) -> Bool {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        return payload >= base && payload < base + bytes.count
    }

    func released(_ payload: UnsafeRawPointer) {
        let segment = segment(of: UnsafeRawPointer(bytes.baseAddress!).distance(to: payload))
        lock.lock()
        defer { lock.unlock() }
        released[segment] += 1
        dropIfDone(segment)
    }

    /// The sender has moved past `segment`, having sent `count` records that start in it.
    func seal(_ segment: Int, sent count: Int) {
        lock.lock()
        defer { lock.unlock() }
        sent[segment] = count
        dropIfDone(segment)
    }

    private func dropIfDone(_ segment: Int) {
        guard let count = sent[segment], released[segment] == count else { return }
        // Pages of the segment (a record may run on into the next segment; those pages are the next one's).
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (segment << segmentShift) / page * page
        let end = min((segment + 1) << segmentShift, bytes.count)
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: bytes.baseAddress! + start), end - start, MADV_DONTNEED)
    }
}

/// A file that cannot be produced as it is.
public enum FileProducerError: Error, CustomStringConvertible {
    case unreadable(String)
    case notARecord(path: String, line: Int)
    case missingKey(path: String, line: Int, field: String, topic: String)
    case stopped(String)

    public var description: String {
        switch self {
        case let .unreadable(path): "cannot read \(path); check the path and permissions"
        case let .notARecord(path, line): "\(path):\(line): not a JSON object on one line; the file must be NDJSON"
        case let .missingKey(path, line, field, topic):
            "\(path):\(line): no string field \"\(field)\", the key of topic \(topic); fix the record or pass --key-field"
        case let .stopped(reason): reason
        }
    }
}
