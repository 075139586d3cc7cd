import EcomModel

/// Says in a user's words what is wrong with a line the JSON parser rejected, when the line's shape shows it: a
/// byte order mark or a NUL byte, two records on one line, a record cut short or split over lines. Runs only for
/// rejected lines, so it may take its time.
enum ParseHint {
    /// The ID of a rejected line when it starts as records do, with its ID field and a plain string value
    /// (`{"transaction_id":"txn_000000042",...`): the finding then names the record as the audit's `audit.parse` does.
    static func leadingID(_ line: UnsafeBufferPointer<UInt8>) -> String? { leadingRecord(line)?.id }

    /// The type and ID of a rejected line that starts as ``leadingID(_:)`` reads it.
    static func leadingRecord(_ line: UnsafeBufferPointer<UInt8>) -> (type: RecordType, id: String)? {
        var index = 0
        func skipSpace() { while index < line.count, [0x20, 0x09, 0x0D, 0x0A].contains(line[index]) { index += 1 } }
        func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < line.count, line[index] == byte else { return false }
            index += 1
            return true
        }
        /// The bytes up to the next quote (none escaped, at most 128).
        func plainString() -> UnsafeBufferPointer<UInt8>? {
            let start = index
            while index < line.count, index - start <= 128 {
                switch line[index] {
                case UInt8(ascii: "\""):
                    defer { index += 1 }
                    return UnsafeBufferPointer(rebasing: line[start..<index])
                case UInt8(ascii: "\\"), 0..<0x20: return nil
                default: index += 1
                }
            }
            return nil
        }
        guard expect(UInt8(ascii: "{")), expect(UInt8(ascii: "\"")), let name = plainString(),
              let type = RecordType.allCases.first(where: { name.elementsEqual($0.idField.utf8) }),
              expect(UInt8(ascii: ":")), expect(UInt8(ascii: "\"")), let value = plainString(), !value.isEmpty,
              let id = String(validating: value, as: UTF8.self) else { return nil }
        return (type, id)
    }

    /// A sentence to add to the parser's message, or nil when the shape says nothing more. `unterminated` tells
    /// that the line is the last of its file and has no newline; `message`, that it is a Kafka message's payload
    /// (one record each, whatever its lines: no file's shapes apply).
    static func explain(_ line: UnsafeBufferPointer<UInt8>, unterminated: Bool, message: Bool = false) -> String? {
        let what = message ? "payload" : "line"
        if FileInput.startsWithBOM(line) {
            return "the \(what) starts with a UTF-8 byte order mark (EF BB BF)" + (message ? "" : ", which is only skipped at the start of a file")
        }
        if let nul = line.firstIndex(of: 0) {
            return "byte \(nul + 1) of the \(what) is a NUL (0x00): binary data or a damaged write"
        }
        let shape = Shape(line)
        guard let first = shape.firstByte else { return nil }
        if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") {
            return message ? "the payload does not start with `{`: not a JSON record"
                : "the line does not start with `{`: the rest of a record split over lines (pretty-printed JSON?), or not JSON"
        }
        if let end = shape.firstValueEnd, shape.valuesAfterFirst == 0, shape.trailingComma {
            return "a comma follows the record (byte \(end + 1))" + (message ? "" : ": the lines of a JSON array, not NDJSON?")
        }
        if let end = shape.firstValueEnd, shape.valuesAfterFirst > 0 {
            if message {
                return "the payload holds \(shape.valuesAfterFirst + 1) JSON values (the first ends at byte \(end)): a message carries one record"
            }
            if end < line.count, line[end] == UInt8(ascii: "\r") {
                return "the line holds \(shape.valuesAfterFirst + 1) JSON values separated by carriage returns alone (old Mac line endings): convert the file with tr '\\r' '\\n'"
            }
            return "the line holds \(shape.valuesAfterFirst + 1) JSON values (the first ends at byte \(end)): records must be separated by a newline"
        }
        if shape.firstValueEnd == nil {
            let cut = "the record ends before its \(first == UInt8(ascii: "{") ? "object" : "array") is closed"
            if message { return "\(cut): a payload cut short" }
            return unterminated ? "\(cut), and the file's last line has no newline: the file looks truncated"
                : "\(cut): a record cut short, or the start of a record split over lines"
        }
        return nil
    }

    /// The bracket structure of a line, strings skipped.
    private struct Shape {
        var firstByte: UInt8?
        /// The byte (1-based) where the first top-level value closes, nil when it never does.
        var firstValueEnd: Int?
        /// Top-level values that start after the first one closed.
        var valuesAfterFirst = 0
        /// Whether a comma follows the first value at the top level.
        var trailingComma = false

        init(_ line: UnsafeBufferPointer<UInt8>) {
            var depth = 0, inString = false, escaped = false, inScalar = false
            for (offset, byte) in line.enumerated() {
                if inString {
                    if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                    continue
                }
                let isSpace = byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
                if firstByte == nil {
                    if isSpace { continue }
                    firstByte = byte
                }
                switch byte {
                case 0x22:
                    if depth == 0 && !inScalar && firstValueEnd != nil { valuesAfterFirst += 1 }
                    inString = true
                    inScalar = false
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth == 0 && firstValueEnd != nil { valuesAfterFirst += 1 }
                    depth += 1
                    inScalar = false
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    inScalar = false
                    if depth == 0 && firstValueEnd == nil { firstValueEnd = offset + 1 }
                    if depth < 0 { return }
                default:
                    if depth == 0 && firstValueEnd != nil && byte == UInt8(ascii: ",") { trailingComma = true }
                    if depth == 0 && firstValueEnd != nil && !isSpace && byte != UInt8(ascii: ",") {
                        if !inScalar { valuesAfterFirst += 1 }
                        inScalar = true
                    } else {
                        inScalar = false
                    }
                }
            }
        }
    }
}
