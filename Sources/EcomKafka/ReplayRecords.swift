import EcomJSON
import EcomModel
import Foundation

/// The records a replay sends, in the order it sends them: read from NDJSON files (or a topic), each line
/// checked to be a JSON object with the topic's key and, when the replay needs it, a timestamp, and kept
/// when its timestamp lies inside `[since, until)`.
///
/// Files are mapped into memory and indexed (24 bytes per record), so a bad line is found before anything
/// is sent: either the load stops with its file and line, or (with `skipInvalid`) the line is counted and
/// reported in ``skipped``, never dropped silently.
public struct ReplayRecords {
    /// One record: where its bytes are and its timestamp (milliseconds since the epoch, 0 when not read).
    struct Entry {
        var source: Int32
        var length: Int32
        var offset: Int
        var timestamp: Int64
    }

    /// What a load needs to know of the records.
    public struct Requirements: Sendable {
        /// The field each record must have as its Kafka key.
        public var keyField: String
        /// The topic the records go to (for error messages).
        public var topic: String
        /// Whether each record must carry a parseable `timestamp` (pacing by timestamps, rebasing, filtering).
        public var timestamps: Bool
        /// Records before this instant (milliseconds) are left out.
        public var since: Int64?
        /// Records at or after this instant are left out.
        public var until: Int64?
        /// Count and report bad lines instead of stopping at the first.
        public var skipInvalid: Bool
        /// Whether timestamps will be rewritten: every timestamp field a record has must then be readable.
        public var rebasing = false
        /// Whether `keyField` was given on the command line (`--key-field`), rather than the topic's.
        public var keyFieldGiven = false

        /// Requirements of a replay to `topic` keyed by `keyField`.
        public init(keyField: String, topic: String, timestamps: Bool, since: Int64? = nil, until: Int64? = nil, skipInvalid: Bool = false) {
            self.keyField = keyField
            self.topic = topic
            self.timestamps = timestamps
            self.since = since
            self.until = until
            self.skipInvalid = skipInvalid
        }
    }

    /// A line left out because it was not a record the replay could send.
    public struct Skipped: Sendable {
        /// `file:line` or `topic/partition@offset`.
        public var location: String
        /// What is wrong with it.
        public var problem: String
    }

    var buffers: [ReplayBuffer] = []
    var entries: [Entry] = []
    /// Bad lines left out (with `skipInvalid`), the first 20 of them kept with their location.
    public private(set) var skipped: [Skipped] = []
    /// How many bad lines were left out.
    public private(set) var skippedCount = 0
    /// Records left out by `since`/`until`.
    public private(set) var outsideWindow = 0
    /// Where the records came from (paths, or `topic` for a topic).
    public private(set) var sources: [String] = []
    /// When timestamps will be rewritten: the earliest and latest of the records' other timestamp fields
    /// (`transaction_timestamp`, `window_start`, `window_end`), which move with `timestamp`.
    public private(set) var otherTimeRange: (first: Int64, last: Int64)?
    /// The other timestamp fields of the record being checked, folded into ``otherTimeRange`` when it is kept.
    private var pendingOtherTimes: (first: Int64, last: Int64)?
    let requirements: Requirements
    private let keys: KeyExtractor
    private let timestampField = KeyExtractor(field: "timestamp")
    private let parser = FastJSONParser()

    /// An empty set of records for `requirements`; add files or a topic.
    public init(requirements: Requirements) {
        self.requirements = requirements
        keys = KeyExtractor(field: requirements.keyField)
    }

    /// Records kept.
    public var count: Int { entries.count }

    /// The timestamp of the first record to send (milliseconds), when timestamps were read.
    public var firstTimestamp: Int64? { requirements.timestamps ? entries.first?.timestamp : nil }

    /// The earliest and latest record timestamps (milliseconds), or nil without records or timestamps.
    public var timeRange: (first: Int64, last: Int64)? {
        guard requirements.timestamps, let first = entries.first else { return nil }
        var low = first.timestamp, high = first.timestamp
        for entry in entries {
            low = min(low, entry.timestamp)
            high = max(high, entry.timestamp)
        }
        return (low, high)
    }

    /// Adds the lines of the NDJSON file at `path` (`-` for stdin), in file order.
    /// - Throws: ``ReplayError``.
    public mutating func addFile(_ path: String) throws(ReplayError) {
        let buffer: ReplayBuffer
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { if path != "-" { close(descriptor) } }
        // Stdin redirected from a file is mapped only when nothing has read from it yet (a mapping starts at 0).
        if path != "-" || lseek(descriptor, 0, SEEK_CUR) == 0, let mapping = FileMapping(descriptor: descriptor, path: path) {
            buffer = ReplayBuffer(mapping: mapping)
        } else {
            // A pipe (stdin too), or an empty file: spooled to a file and mapped, as a topic is.
            let spool = try Spool(holding: path == "-" ? "stdin" : path)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .unreadable(path: path, reason: String(cString: strerror(errno)))
                }
                if count == 0 { break }
                _ = try spool.append(chunk[0..<count])
            }
            buffer = try spool.mapped()
        }
        let source = Int32(buffers.count)
        buffers.append(buffer)
        sources.append(path)
        let bytes = buffer.bytes
        guard let base = bytes.baseAddress else { return }
        // A UTF-8 byte order mark at the start of the file is skipped, as validate skips it.
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 0
        while start < bytes.count {
            let found = memchr(base + start, 0x0A, bytes.count - start)
            let end = found.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? bytes.count
            line += 1
            var length = end - start
            while length > 0, base[start + length - 1] == UInt8(ascii: "\r") || base[start + length - 1] == UInt8(ascii: " ") { length -= 1 }
            if length > 0 {
                try add(UnsafeBufferPointer(start: base + start, count: length), source: source, offset: start,
                        location: { "\(path):\(line)" })
            }
            start = end + 1
        }
    }

    private mutating func add(_ line: UnsafeBufferPointer<UInt8>, source: Int32, offset: Int, location: () -> String) throws(ReplayError) {
        do throws(ReplayError) {
            pendingOtherTimes = nil
            let timestamp = try check(line, location: location)
            if let since = requirements.since, timestamp < since { outsideWindow += 1; return }
            if let until = requirements.until, timestamp >= until { outsideWindow += 1; return }
            guard line.count <= Int(Int32.max) else { throw .invalid(location: location(), problem: "a record over 2 GB") }
            entries.append(Entry(source: source, length: Int32(line.count), offset: offset, timestamp: timestamp))
            if let times = pendingOtherTimes {
                otherTimeRange = (min(otherTimeRange?.first ?? .max, times.first), max(otherTimeRange?.last ?? .min, times.last))
            }
        } catch {
            guard requirements.skipInvalid, case let .invalid(place, problem) = error else { throw error }
            skippedCount += 1
            if skipped.count < 20 { skipped.append(Skipped(location: place, problem: problem)) }
        }
    }

    /// The record's timestamp (0 when not required), after checking it is a JSON object with its key.
    private mutating func check(_ line: UnsafeBufferPointer<UInt8>, location: () -> String) throws(ReplayError) -> Int64 {
        // An empty value: a topic's tombstone (a record that deletes its key), or an empty line of a file.
        if line.isEmpty { throw .invalid(location: location(), problem: "an empty record (on a topic, a tombstone: a key with no value); each record must be one JSON object") }
        let document: FastDocument
        switch parser.parse(line) {
        case let .success(parsed): document = parsed
        case let .failure(error):
            throw .invalid(location: location(), problem: "not valid JSON (\(error.message)); each line must be one JSON record")
        }
        guard document.root.kind == .object else {
            throw .invalid(location: location(), problem: "a JSON value that is not an object; each line must be one JSON record")
        }
        guard keys.key(in: line) != nil else {
            throw .invalid(location: location(), problem: requirements.keyFieldGiven
                ? "no string field \"\(requirements.keyField)\", the --key-field given; fix the record or name another field"
                : "no string field \"\(requirements.keyField)\", the key of topic \(requirements.topic); fix the record or pass --key-field")
        }
        guard requirements.timestamps else { return 0 }
        guard let raw = timestampField.key(in: line) else {
            throw .invalid(location: location(), problem: "no string field \"timestamp\", which pacing by the records' time, --rebase, --loop, --since and --until need (--rate and --max do without)")
        }
        guard let milliseconds = parseTimestamp(raw) else {
            throw .invalid(location: location(), problem: "timestamp \"\(String(decoding: raw.prefix(40), as: UTF8.self))\" is not a UTC ISO-8601 time like 2024-09-02T10:00:00.000Z")
        }
        if requirements.rebasing {
            for (name, extractor) in zip(Replayer.timestampFields, Replayer.timestampExtractors) where name != "timestamp" {
                guard let value = extractor.key(in: line) else { continue }
                guard let time = parseTimestamp(value) else {
                    throw .invalid(location: location(), problem: "\(name) \"\(String(decoding: value.prefix(40), as: UTF8.self))\" is not a UTC ISO-8601 time, so --rebase and --loop cannot move it")
                }
                pendingOtherTimes = (min(pendingOtherTimes?.first ?? .max, time), max(pendingOtherTimes?.last ?? .min, time))
            }
        }
        return milliseconds
    }

    /// The bytes of record `index`.
    func record(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let entry = entries[index]
        return UnsafeBufferPointer(start: buffers[Int(entry.source)].bytes.baseAddress! + entry.offset, count: Int(entry.length))
    }

    /// The timestamp of record `index` (milliseconds).
    func timestamp(_ index: Int) -> Int64 { entries[index].timestamp }
}

/// Parses a timestamp value: `YYYY-MM-DDTHH:MM:SS.mmmZ` without allocating, anything else `Timestamp(parsing:)` reads.
func parseTimestamp(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
    if raw.count == 24, raw[4] == UInt8(ascii: "-"), raw[7] == UInt8(ascii: "-"), raw[10] == UInt8(ascii: "T"),
       raw[13] == UInt8(ascii: ":"), raw[16] == UInt8(ascii: ":"), raw[19] == UInt8(ascii: "."), raw[23] == UInt8(ascii: "Z") {
        func number(_ from: Int, _ digits: Int) -> Int? {
            var value = 0
            for index in from..<(from + digits) {
                let digit = Int(raw[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        if let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
           let minute = number(14, 2), let second = number(17, 2), let millis = number(20, 3),
           (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year), hour < 24, minute < 60, second < 60 {
            let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
            return days * Timestamp.millisecondsPerDay + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + millis)
        }
        return nil
    }
    return Timestamp(parsing: String(decoding: raw, as: UTF8.self))?.milliseconds
}

/// Bytes records are replayed from: a mapped file, or a copy in memory. Lives as long as the replay.
final class ReplayBuffer: @unchecked Sendable {
    // Immutable after init.
    private let mapping: FileMapping?
    private let owned: UnsafeMutableBufferPointer<UInt8>?
    let bytes: UnsafeBufferPointer<UInt8>

    init(mapping: FileMapping) {
        self.mapping = mapping
        owned = nil
        bytes = mapping.bytes
    }

    init(copying array: [UInt8]) {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(array.count, 1))
        _ = storage.initialize(from: array)
        owned = storage
        mapping = nil
        bytes = UnsafeBufferPointer(start: storage.baseAddress, count: array.count)
    }

    deinit { owned?.deallocate() }
}

/// Why a replay cannot go on.
public enum ReplayError: Error, CustomStringConvertible {
    /// A file that cannot be read.
    case unreadable(path: String, reason: String)
    /// A line that is not a record the replay can send: where and what.
    case invalid(location: String, problem: String)
    /// Nothing to replay.
    case empty(String)
    /// A broker or consumer failure, in librdkafka's words.
    case kafka(String)
    /// Stopped by a signal.
    case stopped(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read \(path): \(reason); check the path and permissions"
        case let .invalid(location, problem): "\(location): \(problem); nothing was sent (--skip-invalid counts and lists such lines and replays the rest)"
        case let .empty(why): why
        case let .kafka(message): message
        case let .stopped(reason): reason
        }
    }
}

extension ReplayRecords {
    /// Adds the records of topic `name`, every partition read from its first offset to the end it had when
    /// the read began, ordered by record timestamp (records without one after the rest), ties in partition
    /// and offset order.
    /// - Throws: ``ReplayError`` (`kafka` for the broker, `invalid` with `topic/partition@offset`).
    public mutating func addTopic(_ name: String, configuration: KafkaConfiguration, timeout: Double = 30) throws(ReplayError) {
        let partitions: Int
        let consumer: KafkaConsumer
        var ends: [Int32: (low: Int64, high: Int64)] = [:]
        do throws(KafkaError) {
            let admin = try KafkaAdmin(configuration: configuration)
            guard let topic = try admin.metadata(timeout: timeout).topics.first(where: { $0.name == name }), topic.error == nil, topic.partitions > 0 else {
                throw KafkaError(.broker, "topic \(name) does not exist on \(configuration.brokers); check --from-topic")
            }
            partitions = topic.partitions
            consumer = try KafkaConsumer(configuration: configuration)
            // Asked for all partitions at once (one partition at a time, librdkafka waits past the timeout for a
            // leader when the broker has gone meanwhile).
            let all = (0..<Int32(partitions)).map { (topic: name, partition: $0) }
            let lows = try consumer.watermarks(all, high: false, timeout: timeout)[name] ?? [:]
            let highs = try consumer.watermarks(all, high: true, timeout: timeout)[name] ?? [:]
            for partition in 0..<Int32(partitions) { ends[partition] = (low: lows[partition] ?? 0, high: highs[partition] ?? 0) }
            try consumer.assign(ends.filter { $0.value.high > $0.value.low }.map { (name, $0.key, $0.value.low) })
        } catch {
            throw .kafka(error.description)
        }
        // Records go to a spool file as they come and are mapped from it afterwards: the heap holds 32 bytes a
        // record whatever the topic's size (a topic held in memory took about three times its size).
        struct Read { var partition: Int32; var length: Int32; var offset: Int64; var timestamp: Int64; var position: Int }
        var read: [Read] = []
        let spool = try Spool(holding: "topic \(name)")
        var remaining = ends.values.reduce(0) { $0 + Int($1.high - $1.low) }
        var lastProgress = Date()
        while remaining > 0 {
            let record: ConsumedRecord?
            do throws(KafkaError) {
                record = try consumer.poll(timeout: 1)
            } catch {
                throw .kafka(error.description)
            }
            guard let record else {
                if Date().timeIntervalSince(lastProgress) > timeout {
                    throw .kafka("\(name): no record within \(timeout) s with \(remaining) still to read up to the end offsets; check the brokers")
                }
                continue
            }
            lastProgress = Date()
            guard let end = ends[record.partition], record.offset < end.high else { continue }
            guard record.value.count <= Int(Int32.max) else {
                throw .invalid(location: "\(name)/\(record.partition)@\(record.offset)", problem: "a record over 2 GB")
            }
            let timestamp = record.value.withUnsafeBufferPointer { bytes in timestampField.key(in: bytes).flatMap(parseTimestamp) } ?? Int64.max
            let position = try spool.append(record.value)
            read.append(Read(partition: record.partition, length: Int32(record.value.count), offset: record.offset, timestamp: timestamp, position: position))
            remaining -= 1
        }
        read.sort { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
        let buffer = try spool.mapped()
        let source = Int32(buffers.count)
        buffers.append(buffer)
        sources.append(name)
        guard let base = buffer.bytes.baseAddress else { return }
        for record in read {
            try add(UnsafeBufferPointer(start: base + record.position, count: Int(record.length)), source: source, offset: record.position,
                    location: { "\(name)/\(record.partition)@\(record.offset)" })
        }
    }
}

/// A temporary file, unlinked at once, that a topic's records are appended to and then mapped from.
private final class Spool {
    private let descriptor: Int32
    private let what: String
    private let directory: String
    private var pending: [UInt8] = []
    private var size = 0

    /// A spool for `what` (a topic, or a file or stdin that cannot be mapped), named so in errors.
    init(holding what: String) throws(ReplayError) {
        self.what = what
        directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/ecomdata-replay-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .unreadable(path: directory, reason: "cannot create a file to hold \(what) while it is read (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        pending.reserveCapacity(1 << 20)
    }

    deinit { close(descriptor) }

    /// Appends `bytes`, returning where they start in the file.
    func append(_ bytes: some Collection<UInt8>) throws(ReplayError) -> Int {
        let position = size
        pending.append(contentsOf: bytes)
        size += bytes.count
        if pending.count >= 1 << 20 { try flush() }
        return position
    }

    private func flush() throws(ReplayError) {
        var written = 0
        while written < pending.count {
            let count = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: directory, reason: "cannot write \(what) to a file there while it is read (\(String(cString: strerror(errno)))); free some space or set TMPDIR to another directory")
            }
            written += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Everything appended, mapped (an empty buffer when nothing was).
    func mapped() throws(ReplayError) -> ReplayBuffer {
        try flush()
        guard size > 0 else { return ReplayBuffer(copying: []) }
        guard let mapping = FileMapping(descriptor: descriptor, path: "the copy of \(what) in \(directory)") else {
            throw .unreadable(path: directory, reason: "cannot map the copy of \(what) written there (\(String(cString: strerror(errno))))")
        }
        return ReplayBuffer(mapping: mapping)
    }
}
