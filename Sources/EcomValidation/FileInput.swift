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
    public static func validate(_ path: String, with validator: Validator, type: RecordType? = nil,
                                progress: ((Int) -> Void)? = nil) throws(ValidationError) {
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

    private static func trimmed(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        line.last == 0x0D ? UnsafeBufferPointer(rebasing: line.dropLast()) : line
    }
}
