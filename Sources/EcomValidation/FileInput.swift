import EcomModel
internal import CSimdJSON
import Foundation

/// Feeds NDJSON files (or stdin) to a ``Validator`` line by line, with file and line as each record's location.
public enum FileInput {
    /// The files under `path`: the path itself, or the `.ndjson`/`.json`/`.jsonl` files below a directory in
    /// name order (catalog files left out). Links to directories below it are not followed; a directory below it
    /// that cannot be listed is an error, not a part of the data left out.
    public static func files(at path: String) throws(ValidationError) -> [String] {
        if path == "-" { return ["-"] }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        var found: [String] = [], compressed: [String] = []
        try walk(path.hasSuffix("/") ? String(path.dropLast()) : path, into: &found, compressed: &compressed)
        // Compressed data files would be left out in silence, the data passing without them: refuse, naming one.
        if let first = compressed.min() {
            let rest = compressed.count > 1 ? " and \(compressed.count - 1) more" : ""
            throw .unreadable(path, "holds compressed data files this does not read (\(first)\(rest)); decompress them first, e.g. "
                + "`find \(path) -name '*.gz' -exec gzip -dk {} +`, or pipe them in: `gzip -dc \(first) | ecomdata validate -`")
        }
        // An empty directory (or one of other files) would pass with nothing checked: say so instead.
        guard !found.isEmpty else { throw .unreadable(path, "a directory with no .ndjson, .jsonl or .json files below it (catalog files and manifest.json are not records)") }
        return found.sorted()
    }

    /// Adds the data files below `directory` to `found`.
    private static func walk(_ directory: String, into found: inout [String], compressed: inout [String]) throws(ValidationError) {
        guard let stream = opendir(directory) else { throw .unreadable(directory, "cannot list the directory (\(String(cString: strerror(errno))))") }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let full = directory + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0 else { throw .unreadable(full, String(cString: strerror(errno))) }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                if name != "catalog" { try walk(full, into: &found, compressed: &compressed) }
                continue
            }
            var target = info
            if (info.st_mode & S_IFMT) == S_IFLNK, stat(full, &target) == 0, (target.st_mode & S_IFMT) == S_IFDIR { continue }
            guard [".ndjson", ".jsonl", ".json"].contains(where: { name.hasSuffix($0) }), name != "manifest.json" else {
                let data = [".ndjson", ".jsonl", ".json"].contains { name.contains($0 + ".") }
                if data && [".gz", ".zst", ".bz2", ".xz", ".zip"].contains(where: { name.hasSuffix($0) }) { compressed.append(full) }
                continue
            }
            // A pipe found in a directory would block the run until something writes to it.
            if (info.st_mode & S_IFMT) == S_IFLNK, stat(full, &target) != 0 { throw .unreadable(full, String(cString: strerror(errno))) }
            guard (target.st_mode & S_IFMT) == S_IFREG else {
                throw .unreadable(full, "not a regular file (a pipe, socket or device) in a directory input; name it on its own if it is meant to be read")
            }
            found.append(full)
        }
    }

    /// The files under every one of `paths`, in order, each once: a file named twice (`out/` and
    /// `out/transactions.ndjson`, or through a link) is read once, and returned in `repeated` instead, since reading it
    /// again would only report each of its records as a duplicate of itself.
    ///
    /// `outputs` are the run's own files (its quarantine, reports and partial): one found below a directory input (a
    /// report written into the data's directory, read again by the next run) is left out and returned in `left`.
    public static func files(at paths: [String], outputs: [String] = []) throws(ValidationError) -> (files: [String], repeated: [String], left: [String]) {
        var found: [String] = [], repeated: [String] = [], left: [String] = []
        var seen = Set<String>()
        // A regular file is known by its device and inode (hard links too); anything else by its resolved path.
        func key(_ file: String) -> String {
            var info = stat()
            var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            return file == "-" ? "-"
                : stat(file, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? "inode \(info.st_dev) \(info.st_ino)"
                : realpath(file, &resolved) != nil ? String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : file
        }
        let own = Set(outputs.filter { $0 != "-" && FileManager.default.fileExists(atPath: $0) }.map(key))
        for path in paths {
            for file in try Self.files(at: path) {
                let identity = key(file)
                if file != path && own.contains(identity) {
                    left.append(file)
                    continue
                }
                if seen.insert(identity).inserted { found.append(file) } else { repeated.append(file) }
            }
        }
        return (found, repeated, left)
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

    /// Validates every line of `path` (`-` for stdin). Lines are split on `\n`; a trailing `\r` is dropped (and the
    /// line counted in the input's `crlfLines`); blank lines (empty or only spaces, tabs and `\r`) are counted in
    /// `blankLines`, not validated, but keep their line number; a UTF-8 byte order mark at the very start of the
    /// input is skipped and noted (`bom`). `progress` is told the records validated so far in all inputs, every 64 MB
    /// or so.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` when the file cannot be opened or read,
    ///   ``ValidationError/compressed(_:_:)`` for a gzip, zstd, bzip2, xz or zip file, ``ValidationError/notUTF8(_:_:)``
    ///   for UTF-16 or UTF-32 text.
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
            MappedInput.reading(path)
            guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
                throw .unreadable(path, "cannot map the file into memory")
            }
            defer { munmap(address, size) }
            madvise(address, size, MADV_SEQUENTIAL)
            let bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
            try refuse(Array(bytes.prefix(8)), path: path)
            let first = startsWithBOM(bytes) ? 3 : 0
            if first > 0 { validator.noteBOM(source: source) }
            // Lines stay readable where they are while the file is read (see `Validator.linesStay`).
            validator.linesStay = true
            defer { validator.linesStay = false }
            // A partial keeps its facts in read order of its own: it reads on one thread.
            if threads > 1 && validator.quarantine == nil && validator.owned == nil {
                ParallelRun(bytes: bytes, first: first, path: path, source: source, whole: validator, threads: threads, chunkBytes: chunkBytes,
                            progress: progress).run()
                return
            }
            // In windows of 64 MB: the pages of a window are let go once it is read, so memory does not grow
            // with the file (the validator keeps nothing that points into it).
            let window = 64 << 20
            var start = first, line = 1
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
                    take(UnsafeBufferPointer(rebasing: chunk[done.offset...]), unterminated: true, readable: size - start - done.offset,
                         at: .file(path, line: line), source: source, validator: validator)
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
        // The first bytes are looked at once there are enough of them (or the input ended).
        var sniffed = false
        func sniff() throws(ValidationError) {
            guard !sniffed else { return }
            sniffed = true
            try refuse(Array(buffer[..<min(filled, 8)]), path: path)
            if buffer.withUnsafeBufferPointer({ startsWithBOM(UnsafeBufferPointer(rebasing: $0[..<filled])) }) {
                validator.noteBOM(source: source)
                buffer.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: $0.baseAddress! + 3, count: filled - 3) }
                filled -= 3
            }
        }
        while true {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path, String(cString: strerror(errno)))
            }
            if count == 0 { break }
            filled += count
            if filled < 8 { continue }
            try sniff()
            let end = buffer.withUnsafeBufferPointer { lines(in: UnsafeBufferPointer(rebasing: $0[..<filled]), path: path, firstLine: line, source: source, validator: validator) }
            line = end.line
            buffer.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: $0.baseAddress! + end.offset, count: filled - end.offset) }
            filled -= end.offset
            progress?(validator.records)
        }
        try sniff()
        if filled > 0 {
            let end = buffer.withUnsafeBufferPointer { lines(in: UnsafeBufferPointer(rebasing: $0[..<filled]), path: path, firstLine: line, source: source, validator: validator) }
            line = end.line
            if end.offset < filled {
                buffer.withUnsafeBufferPointer { all in
                    take(UnsafeBufferPointer(rebasing: all[end.offset..<filled]), unterminated: true, readable: all.count - end.offset,
                         at: .file(path, line: line), source: source, validator: validator)
                }
            }
        }
    }

    /// Validates one line (without its `\n`): a trailing `\r` is dropped and counted, a blank line counted and skipped.
    /// `unterminated` tells that it is the input's last line and has no newline.
    @inline(__always)
    static func take(_ raw: UnsafeBufferPointer<UInt8>, unterminated: Bool = false, readable: Int, at location: @autoclosure () -> RecordLocation,
                     source: Int, validator: Validator) {
        let record = trimmed(raw)
        let crlf = record.count < raw.count
        if isBlank(record) {
            validator.countLine(source: source, blank: true, crlf: crlf)
            return
        }
        if crlf { validator.countLine(source: source, blank: false, crlf: true) }
        validator.validate(record, readable: readable, at: location(), source: source, unterminated: unterminated)
    }

    /// Whether a line holds nothing but JSON whitespace (spaces, tabs, carriage returns), or nothing.
    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        // Records start with `{`: the loop ends at the first byte for them.
        for byte in line where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }

    static func startsWithBOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// Throws when an input's first bytes show it is not UTF-8 text: compressed, or UTF-16 or UTF-32 encoded.
    static func refuse(_ head: [UInt8], path: String) throws(ValidationError) {
        if let format = compression(of: head) { throw .compressed(path, format) }
        if let encoding = encoding(of: head) { throw .notUTF8(path, encoding) }
    }

    /// The UTF-16 or UTF-32 encoding `head` shows by its byte order mark, or by the NUL bytes around a first `{`.
    static func encoding(of head: [UInt8]) -> String? {
        let brace = UInt8(ascii: "{")
        if head.starts(with: [0xFF, 0xFE, 0, 0]) || head.starts(with: [brace, 0, 0, 0]) { return "UTF-32LE" }
        if head.starts(with: [0, 0, 0xFE, 0xFF]) || head.starts(with: [0, 0, 0, brace]) { return "UTF-32BE" }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [brace, 0]) { return "UTF-16LE" }
        if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0, brace]) { return "UTF-16BE" }
        return nil
    }

    /// The compression format whose magic number `head` (the first bytes of an input) starts with, if any.
    static func compression(of head: [UInt8]) -> String? {
        let magics: [(String, [UInt8])] = [("gzip", [0x1F, 0x8B]), ("zstd", [0x28, 0xB5, 0x2F, 0xFD]), ("bzip2", [0x42, 0x5A, 0x68]),
                                           ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("zip", [0x50, 0x4B, 0x03, 0x04])]
        return magics.first { head.starts(with: $0.1) }?.0
    }

    /// Validates the newline-terminated lines of `bytes`; returns where the unterminated rest starts and its line number.
    private static func lines(in bytes: UnsafeBufferPointer<UInt8>, path: String, firstLine: Int, source: Int, validator: Validator,
                              readable: Int? = nil) -> (offset: Int, line: Int) {
        guard let base = bytes.baseAddress else { return (0, firstLine) }
        var start = 0, line = firstLine
        while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            take(UnsafeBufferPointer(start: base + start, count: end - start), readable: (readable ?? bytes.count) - start,
                 at: .file(path, line: line), source: source, validator: validator)
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
    private let lock = NSCondition()
    /// How many chunks the readers may be ahead of the merger: a reader that would go further waits for it, so that a
    /// worker held up (by the machine) does not let the others fill memory with finished chunks and their pages.
    private let maxAhead: Int
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

    init(bytes: UnsafeBufferPointer<UInt8>, first: Int, path: String, source: Int, whole: Validator, threads: Int, chunkBytes: Int,
         progress: ((Int) -> Void)?) {
        self.bytes = bytes
        cursor = first
        self.path = path
        self.source = source
        self.whole = whole
        self.threads = threads
        self.chunkBytes = max(1, chunkBytes)
        maxAhead = 4 * threads
        self.progress = progress
    }

    func run() {
        let type = whole.sources[source].type
        let shards = Shards((0..<threads).map { _ in
            let shard = Validator(shardOf: whole.settings)
            shard.keepsPurchaseLinks = whole.keepsPurchaseLinks
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
        // The chunk at `nextToApply` is being read by another worker (this one has handed in all of its own).
        while cursorIndex - nextToApply >= maxAhead && cursor < bytes.count { lock.wait() }
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
        // Counted 32 bytes a step, not found line by line: this runs under the lock, the other workers waiting on it.
        cursorLine += ecj_count_byte(base + cursor, end - cursor, 0x0A)
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
            FileInput.take(UnsafeBufferPointer(start: base + start, count: end - start), unterminated: end == bytes.count,
                           readable: bytes.count - start, at: .file(name, line: line), source: 0, validator: shard)
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
        lock.broadcast()
        lock.unlock()
    }

    private func apply(_ finished: Finished) {
        let facts = finished.facts
        var duplicates: Set<Int> = []
        for index in facts.indices {
            // The ID sets are large and read at random: their slots are fetched a few facts ahead.
            if index + 8 < facts.count { whole.prefetch(facts[index + 8]) }
            if whole.apply(facts[index], source: source, at: .file(path, line: facts[index].line)), facts[index].type == .userEvents {
                duplicates.insert(facts[index].line)
            }
        }
        if !finished.sessionEvents.isEmpty { whole.applySessionEvents(finished.sessionEvents, duplicates: duplicates) }
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
