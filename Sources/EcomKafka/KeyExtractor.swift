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
                if depth == 1 && index + n <= line.count && needle.withUnsafeBufferPointer({ memcmpEqual(line, index, $0) }) {
                    var start = index + n
                    while start < line.count && line[start] == UInt8(ascii: " ") { start += 1 }
                    guard start < line.count, line[start] == UInt8(ascii: "\"") else { return nil }
                    var end = start + 1
                    while end < line.count && line[end] != UInt8(ascii: "\"") {
                        end += line[end] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard end < line.count else { return nil }
                    return UnsafeBufferPointer(rebasing: line[(start + 1)..<end])
                }
                inString = true
            default: break
            }
            index += 1
        }
        return nil
    }

    private func memcmpEqual(_ line: UnsafeBufferPointer<UInt8>, _ offset: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<pattern.count where line[offset + i] != pattern[i] { return false }
        return true
    }
}
