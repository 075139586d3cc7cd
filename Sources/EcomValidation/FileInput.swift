import EcomModel
import Foundation

/// Feeds NDJSON files (or stdin) to a ``Validator`` line by line, with file and line as each record's location.
public enum FileInput {
    /// The files under `path`: the path itself, or the `.ndjson`/`.json`/`.jsonl` files below a directory in
    /// name order (catalog files left out).
    public static func files(at path: String) throws(ValidationError) -> [String] {
        if path == "-" { return ["-"] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .unreadable(path, "no such file or directory") }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { throw .unreadable(path, "cannot list the directory") }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard [".ndjson", ".jsonl", ".json"].contains(where: { name.hasSuffix($0) }),
                  !relative.split(separator: "/").contains("catalog"), name != "manifest.json" else { continue }
            found.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
        }
        return found.sorted()
    }

    /// The record type a path's layout names: a directory or file named after a type or its topic
    /// (`out/transactions/date=.../part-0.ndjson`, `user-events.ndjson`), else nil.
    public static func recordType(of path: String) -> RecordType? {
        for component in path.split(separator: "/").reversed() {
            let stem = component.split(separator: ".").first.map(String.init) ?? ""
            for type in RecordType.allCases where stem == type.rawValue || stem == type.topic || stem.hasPrefix(type.rawValue + "-") || stem.hasPrefix(type.topic + "-") {
                return type
            }
        }
        return nil
    }

    /// Validates every line of `path` (`-` for stdin). Lines are split on `\n`; a trailing `\r` is dropped;
    /// empty lines are skipped. `progress` is told the records validated so far in all inputs, every 64 MB or so.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` when the file cannot be opened or read.
    /// With `threads` above 1, a regular file is read by that many shards in parallel (not with a quarantine,
    /// which writes records in read order); the report is the same whatever the thread count.
    public static func validate(_ path: String, with validator: Validator, type: RecordType? = nil, threads: Int = 1,
                                chunkBytes: Int = 4 << 20, progress: ((Int) -> Void)? = nil) throws(ValidationError) {
        var size: Int?
        var info = stat()
        if path != "-", stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { size = Int(info.st_size) }
        let source = validator.addSource(path, type: type ?? recordType(of: path), bytes: size)
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        defer { if path != "-" { close(descriptor) } }
        var status = stat()
        if path != "-", fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
            let size = Int(status.st_size)
            if size == 0 { return }
            guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
                throw .unreadable(path, "cannot map the file into memory")
            }
            defer { munmap(address, size) }
            madvise(address, size, MADV_SEQUENTIAL)
            let bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
            if threads > 1 && validator.quarantine == nil {
                ParallelRun(bytes: bytes, path: path, source: source, whole: validator, threads: threads, chunkBytes: chunkBytes,
                            progress: progress).run()
                return
            }
            // In windows of 64 MB: the pages of a window are let go once it is read, so memory does not grow
            // with the file (the validator keeps nothing that points into it).
            let window = 64 << 20
            var start = 0, line = 1
            while start < size {
                let stop = min(size, start + window)
                var end = stop
                if stop < size {
                    var cursor = stop - 1
                    while cursor >= start && bytes[cursor] != 0x0A { cursor -= 1 }
                    // A line longer than the window: take the rest at once.
                    end = cursor >= start ? cursor + 1 : size
                }
                let chunk = UnsafeBufferPointer(rebasing: bytes[start..<end])
                let done = lines(in: chunk, path: path, firstLine: line, source: source, validator: validator, readable: size - start)
                line = done.line
                if done.offset < chunk.count {
                    validator.validate(trimmed(UnsafeBufferPointer(rebasing: chunk[done.offset...])), readable: size - start - done.offset,
                                       at: .file(path, line: line), source: source)
                }
                let page = Int(sysconf(Int32(_SC_PAGESIZE)))
                let release = (end / page) * page - (start / page) * page
                if release > 0 { madvise(address + (start / page) * page, release, MADV_DONTNEED) }
                start = end
                progress?(validator.records)
            }
            return
        }
        // A pipe: read into a growing buffer, validate the complete lines, keep the partial one.
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var filled = 0, line = 1
        while true {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path, String(cString: strerror(errno)))
            }
            if count == 0 { break }
            filled += count
            let end = buffer.withUnsafeBufferPointer { lines(in: UnsafeBufferPointer(rebasing: $0[..<filled]), path: path, firstLine: line, source: source, validator: validator) }
            line = end.line
            buffer.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: $0.baseAddress! + end.offset, count: filled - end.offset) }
            filled -= end.offset
            progress?(validator.records)
        }
        if filled > 0 {
            buffer.withUnsafeBufferPointer { all in
                validator.validate(trimmed(UnsafeBufferPointer(rebasing: all[..<filled])), readable: all.count, at: .file(path, line: line), source: source)
            }
        }
    }

    /// Validates the newline-terminated lines of `bytes`; returns where the unterminated rest starts and its line number.
    private static func lines(in bytes: UnsafeBufferPointer<UInt8>, path: String, firstLine: Int, source: Int, validator: Validator,
                              readable: Int? = nil) -> (offset: Int, line: Int) {
        guard let base = bytes.baseAddress else { return (0, firstLine) }
        var start = 0, line = firstLine
        while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let record = trimmed(UnsafeBufferPointer(start: base + start, count: end - start))
            if !record.isEmpty { validator.validate(record, readable: (readable ?? bytes.count) - start, at: .file(path, line: line), source: source) }
            line += 1
            start = end + 1
        }
        return (start, line)
    }

    static func trimmed(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        line.last == 0x0D ? UnsafeBufferPointer(rebasing: line.dropLast()) : line
    }
}

/// One file validated by several shards: each takes the next chunk of whole lines (with the number of its
/// first line) and checks its records; the facts that need the records before them (unique IDs, file order,
/// sessions) are applied by one merger to the whole run's validator in chunk order; at the end the shards'
/// counts, tallies and checkers are added to it. The result is the one a single thread gets.
private final class ParallelRun: @unchecked Sendable {
    // The chunk cursor, the finished chunks waiting for their turn and the merger role are guarded by `lock`;
    // each shard is used by one worker; the whole run's validator by the merger only, and by the caller after
    // the workers have finished.
    private let bytes: UnsafeBufferPointer<UInt8>
    private let path: String
    private let source: Int
    private let whole: Validator
    private let threads: Int
    private let chunkBytes: Int
    private let progress: ((Int) -> Void)?
    private let lock = NSLock()
    private var cursor = 0, cursorLine = 1, cursorIndex = 0
    private var waiting: [Int: Finished] = [:]
    private var nextToApply = 0
    private var merging = false
    private var released = 0
    private var applied = 0, reported = 0

    private struct Chunk {
        let index: Int
        let range: Range<Int>
        let firstLine: Int
    }

    private struct Finished {
        let range: Range<Int>
        let facts: [Validator.RecordFact]
        let sessionEvents: [UserEventChecker.SessionEvent]
    }

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, source: Int, whole: Validator, threads: Int, chunkBytes: Int,
         progress: ((Int) -> Void)?) {
        self.bytes = bytes
        self.path = path
        self.source = source
        self.whole = whole
        self.threads = threads
        self.chunkBytes = max(1, chunkBytes)
        self.progress = progress
    }

    func run() {
        let type = whole.sources[source].type
        let shards = Shards((0..<threads).map { _ in
            let shard = Validator(shardOf: whole.settings)
            // A copy of the name of its own: a string shared by all threads would have its reference count
            // bounced between the cores with every record's location.
            let name = String(decoding: Array(path.utf8), as: UTF8.self)
            _ = shard.addSource(name, type: type, bytes: bytes.count)
            return shard
        })
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let shard = shards.all[worker]
            let name = shard.sources[0].name
            while let chunk = nextChunk() {
                validateLines(of: chunk, name: name, with: shard)
                let events = (shard.checkers[.userEvents] as? UserEventChecker)?.takeDeferred() ?? []
                let finished = Finished(range: chunk.range, facts: shard.facts, sessionEvents: events)
                shard.facts = []
                finish(chunk.index, finished)
            }
        }
        for shard in shards.all { whole.absorb(shard, sourceMap: [source]) }
    }

    /// The shards, each used by one worker.
    private final class Shards: @unchecked Sendable {
        let all: [Validator]
        init(_ all: [Validator]) { self.all = all }
    }

    /// The next chunk: about `chunkBytes` up to the end of a line, with the number of its first line.
    private func nextChunk() -> Chunk? {
        lock.lock()
        defer { lock.unlock() }
        guard cursor < bytes.count, let base = bytes.baseAddress else { return nil }
        var end = min(bytes.count, cursor + chunkBytes)
        if end < bytes.count {
            // To the end of the line the chunk's end falls in (a line longer than a chunk makes a longer chunk).
            if let found = memchr(base + end, 0x0A, bytes.count - end) {
                end = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
            } else {
                end = bytes.count
            }
        }
        let chunk = Chunk(index: cursorIndex, range: cursor..<end, firstLine: cursorLine)
        var position = cursor
        while position < end, let found = memchr(base + position, 0x0A, end - position) {
            cursorLine += 1
            position = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        cursor = end
        cursorIndex += 1
        return chunk
    }

    private func validateLines(of chunk: Chunk, name: String, with shard: Validator) {
        guard let base = bytes.baseAddress else { return }
        var start = chunk.range.lowerBound, line = chunk.firstLine
        while start < chunk.range.upperBound {
            let end = memchr(base + start, 0x0A, chunk.range.upperBound - start)
                .map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? chunk.range.upperBound
            let record = FileInput.trimmed(UnsafeBufferPointer(start: base + start, count: end - start))
            if !record.isEmpty { shard.validate(record, readable: bytes.count - start, at: .file(name, line: line), source: 0) }
            line += 1
            start = end + 1
        }
    }

    /// Hands a finished chunk over; whoever finds the next chunk in order ready applies it and those after it.
    private func finish(_ index: Int, _ finished: Finished) {
        lock.lock()
        waiting[index] = finished
        guard !merging else { return lock.unlock() }
        merging = true
        while let next = waiting.removeValue(forKey: nextToApply) {
            nextToApply += 1
            lock.unlock()
            apply(next)
            lock.lock()
        }
        merging = false
        lock.unlock()
    }

    private func apply(_ finished: Finished) {
        let facts = finished.facts
        for index in facts.indices {
            // The ID sets are large and read at random: their slots are fetched a few facts ahead.
            if index + 8 < facts.count { whole.prefetch(facts[index + 8]) }
            whole.apply(facts[index], source: source, at: .file(path, line: facts[index].line))
        }
        if !finished.sessionEvents.isEmpty { whole.applySessionEvents(finished.sessionEvents) }
        applied += finished.facts.count
        // The chunk's pages are not needed again: let them go, so memory does not grow with the file.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let upTo = (finished.range.upperBound / page) * page
        if upTo > released, let base = bytes.baseAddress {
            madvise(UnsafeMutableRawPointer(mutating: base + released), upTo - released, MADV_DONTNEED)
            released = upTo
        }
        if let progress, finished.range.upperBound - reported >= 64 << 20 {
            reported = finished.range.upperBound
            progress(whole.records + applied)
        }
    }
}
