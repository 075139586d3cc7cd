/// Finds the value of a top-level string field in an NDJSON record without parsing the whole record:
/// the Kafka key of a line (`"user_id":"user_000123"` -> `user_000123`).
public struct KeyExtractor: Sendable {
    private let needle: [UInt8]

    /// Extracts `field`.
    public init(field: String) { needle = Array("\"\(field)\":".utf8) }

    /// The raw bytes of the field's string value (escapes kept as written), or nil when absent or not a string.
    public func key(in line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let n = needle.count
        guard line.count > n else { return nil }
        var found: UnsafeBufferPointer<UInt8>?
        needle.withUnsafeBufferPointer { pattern in
            Self.scanTopLevelNames(of: line) { index in
                guard Self.matches(line, at: index, pattern) else { return false }
                found = Self.stringValue(in: line, from: index + n)
                return true
            }
        }
        return found
    }

    /// Calls `atName` with the index of the opening quote of each string at the record's top level (member names
    /// and string values), until it returns true.
    @inline(__always)
    static func scanTopLevelNames(of line: UnsafeBufferPointer<UInt8>, _ atName: (Int) -> Bool) {
        var index = 0
        var depth = 0
        var inString = false
        // Track nesting so a field of the same name inside a nested object is not taken for the key.
        while index < line.count {
            let byte = line[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "\""):
                if depth == 1 && atName(index) { return }
                inString = true
            default: break
            }
            index += 1
        }
    }

    /// The string value after a member name that ends at `start` (spaces allowed before it), without its quotes;
    /// nil when the value is not a string or is cut short.
    @inline(__always)
    static func stringValue(in line: UnsafeBufferPointer<UInt8>, from start: Int) -> UnsafeBufferPointer<UInt8>? {
        var start = start
        while start < line.count && line[start] == UInt8(ascii: " ") { start += 1 }
        guard start < line.count, line[start] == UInt8(ascii: "\"") else { return nil }
        var end = start + 1
        while end < line.count && line[end] != UInt8(ascii: "\"") {
            end += line[end] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard end < line.count else { return nil }
        return UnsafeBufferPointer(rebasing: line[(start + 1)..<end])
    }

    @inline(__always)
    static func matches(_ line: UnsafeBufferPointer<UInt8>, at offset: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset + pattern.count <= line.count else { return false }
        for i in 0..<pattern.count where line[offset + i] != pattern[i] { return false }
        return true
    }
}

/// Finds the values of several top-level string fields of an NDJSON record in one pass: for each field, what a
/// ``KeyExtractor`` for it finds.
public struct FieldExtractor: Sendable {
    /// `"field":` of every field, back to back, and where each ends.
    private let needles: [UInt8]
    private let ends: [Int]

    /// Extracts `fields` (at most 64).
    public init(fields: [String]) {
        precondition(fields.count <= 64, "at most 64 fields")
        var needles: [UInt8] = []
        var ends: [Int] = []
        for field in fields {
            needles += Array("\"\(field)\":".utf8)
            ends.append(needles.count)
        }
        self.needles = needles
        self.ends = ends
    }

    /// Calls `found` with each field's index (in the order given) and the raw bytes of its string value, for the
    /// fields whose first top-level occurrence has a string value.
    public func values(in line: UnsafeBufferPointer<UInt8>, _ found: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        let fields = ends.count
        guard fields > 0 else { return }
        var decided: UInt64 = 0
        let all: UInt64 = fields == 64 ? ~0 : (1 << UInt64(fields)) - 1
        needles.withUnsafeBufferPointer { needles in
            KeyExtractor.scanTopLevelNames(of: line) { index in
                var start = 0
                for field in 0..<fields {
                    let end = ends[field]
                    defer { start = end }
                    guard decided & (1 << UInt64(field)) == 0,
                          KeyExtractor.matches(line, at: index, UnsafeBufferPointer(rebasing: needles[start..<end])) else { continue }
                    decided |= 1 << UInt64(field)
                    if let value = KeyExtractor.stringValue(in: line, from: index + end - start) { found(field, value) }
                    break
                }
                return decided == all
            }
        }
    }
}
