import CSimdJSON
import EcomJSON
import Foundation

/// Finds the value of a top-level string field in an NDJSON record without parsing the whole record:
/// the Kafka key of a line (`"user_id":"user_000123"` -> `user_000123`).
public struct KeyExtractor: Sendable {
    /// The field's name in quotes, as a record writes it without escapes.
    private let name: [UInt8]

    /// Extracts `field`.
    public init(field: String) { name = Array("\"\(field)\"".utf8) }

    /// The raw bytes of the field's string value (escapes kept as written), or nil when absent or not a string: the
    /// value of the record's last top-level member of that name, names written with escapes (`"user\u005fid"`)
    /// included, as jansson and the validator read a record that names a field twice.
    public func key(in line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard line.count > name.count else { return nil }
        return name.withUnsafeBufferPointer { pattern in
            var first: Int?
            Self.scanTopLevelNames(of: line) { index, _ in
                guard let value = Self.member(line, at: index, pattern) else { return false }
                first = value
                return true
            }
            // Almost every record names the field once, without escapes anywhere: then the first is the last.
            if let first, !Self.contains(line, UInt8(ascii: "\\")), !Self.contains(UnsafeBufferPointer(rebasing: line[first...]), pattern) {
                return Self.stringValue(in: line, from: first)
            }
            var last: Int?
            Self.scanTopLevelNames(of: line) { index, escaped in
                if let value = escaped ? Self.escapedMember(line, at: index, pattern) : Self.member(line, at: index, pattern) { last = value }
                return false
            }
            return last.flatMap { Self.stringValue(in: line, from: $0) }
        }
    }

    /// `body` of the field's value as text (``key(in:)`` with its escapes decoded), or of nil: what a producer keys
    /// the record by, so that `"user_id":"user\u005f1"` is sent with the key `user_1` its readers see.
    public func withKey<T>(in line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        guard let raw = key(in: line) else { return try body(nil) }
        guard Self.contains(raw, UInt8(ascii: "\\")) else { return try body(raw) }
        return try Self.unescaped(raw) { try body($0) }
    }

    /// `body` of a JSON string's contents with their escapes decoded (the bytes as they are when they do not decode).
    public static func unescaped<T>(_ json: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        guard let text = try? JSONValue.parse("\"" + String(decoding: json, as: UTF8.self) + "\"").stringValue else { return try body(json) }
        return try Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// Whether `byte` is among `bytes` (memchr).
    @inline(__always)
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ byte: UInt8) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        return memchr(base, Int32(byte), bytes.count) != nil
    }

    /// Whether `pattern` occurs among `bytes` (memmem).
    @inline(__always)
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, let needle = pattern.baseAddress, bytes.count >= pattern.count else { return false }
        return ecj_contains_bytes(base, bytes.count, needle, pattern.count)
    }

    /// Calls `atName` with the index of the opening quote of each string at the record's top level (member names
    /// and string values) and whether it holds an escape, until it returns true.
    @inline(__always)
    static func scanTopLevelNames(of line: UnsafeBufferPointer<UInt8>, _ atName: (Int, Bool) -> Bool) {
        var index = 0
        var depth = 0
        // Track nesting so a field of the same name inside a nested object is not taken for the key.
        while index < line.count {
            let byte = line[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "\""):
                // To the closing quote, noting escapes; the string is handed over once its end is known.
                let start = index
                var escaped = false
                index += 1
                while index < line.count && line[index] != UInt8(ascii: "\"") {
                    if line[index] == UInt8(ascii: "\\") {
                        escaped = true
                        index += 1
                    }
                    index += 1
                }
                if depth == 1 && atName(start, escaped) { return }
            default: break
            }
            index += 1
        }
    }

    /// The index after the colon when the string at `index` is the member name `pattern` (in quotes, as written),
    /// JSON whitespace allowed before the colon; else nil.
    @inline(__always)
    static func member(_ line: UnsafeBufferPointer<UInt8>, at index: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Int? {
        guard matches(line, at: index, pattern) else { return nil }
        return colon(in: line, after: index + pattern.count)
    }

    /// As ``member(_:at:_:)`` for a name written with escapes: its text unescaped is compared.
    static func escapedMember(_ line: UnsafeBufferPointer<UInt8>, at index: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Int? {
        var end = index + 1
        while end < line.count && line[end] != UInt8(ascii: "\"") { end += line[end] == UInt8(ascii: "\\") ? 2 : 1 }
        guard end < line.count,
              let text = try? JSONValue.parse(String(decoding: UnsafeBufferPointer(rebasing: line[index...end]), as: UTF8.self)).stringValue,
              Array(text.utf8) == Array(pattern.dropFirst().dropLast()) else { return nil }
        return colon(in: line, after: end + 1)
    }

    /// The index after a colon at `start`, JSON whitespace skipped before it; nil when there is none.
    @inline(__always)
    private static func colon(in line: UnsafeBufferPointer<UInt8>, after start: Int) -> Int? {
        var index = start
        while index < line.count && isWhitespace(line[index]) { index += 1 }
        guard index < line.count, line[index] == UInt8(ascii: ":") else { return nil }
        return index + 1
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// The string value after a member name's colon at `start` (JSON whitespace allowed before it), without its
    /// quotes; nil when the value is not a string or is cut short.
    @inline(__always)
    static func stringValue(in line: UnsafeBufferPointer<UInt8>, from start: Int) -> UnsafeBufferPointer<UInt8>? {
        var start = start
        while start < line.count && isWhitespace(line[start]) { start += 1 }
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
    /// `"field"` of every field, back to back, and where each ends.
    private let needles: [UInt8]
    private let ends: [Int]

    /// Extracts `fields` (at most 64).
    public init(fields: [String]) {
        precondition(fields.count <= 64, "at most 64 fields")
        var needles: [UInt8] = []
        var ends: [Int] = []
        for field in fields {
            needles += Array("\"\(field)\"".utf8)
            ends.append(needles.count)
        }
        self.needles = needles
        self.ends = ends
    }

    /// Calls `found` with each field's index (in the order given) and the raw bytes of its string value, for the
    /// fields whose first top-level occurrence has a string value; it returns whether a field was not found while
    /// a name written with escapes was seen (``lastValues(in:_:)`` reads those).
    @discardableResult
    public func values(in line: UnsafeBufferPointer<UInt8>, _ found: (Int, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        let fields = ends.count
        guard fields > 0 else { return false }
        var decided: UInt64 = 0
        var escapedNames = false
        let all: UInt64 = fields == 64 ? ~0 : (1 << UInt64(fields)) - 1
        needles.withUnsafeBufferPointer { needles in
            KeyExtractor.scanTopLevelNames(of: line) { index, escaped in
                escapedNames = escapedNames || escaped
                var start = 0
                for field in 0..<fields {
                    let end = ends[field]
                    defer { start = end }
                    guard decided & (1 << UInt64(field)) == 0,
                          let value = KeyExtractor.member(line, at: index, UnsafeBufferPointer(rebasing: needles[start..<end])) else { continue }
                    decided |= 1 << UInt64(field)
                    if let value = KeyExtractor.stringValue(in: line, from: value) { found(field, value) }
                    break
                }
                return decided == all
            }
        }
        return decided != all && escapedNames
    }

    /// As ``values(in:_:)``, but of each field's last top-level member (as jansson and the validator read a record
    /// that names a field twice), names written with escapes included: the whole record is read. Calls `found`
    /// once per field whose last member has a string value.
    public func lastValues(in line: UnsafeBufferPointer<UInt8>, _ found: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        let fields = ends.count
        guard fields > 0 else { return }
        var latest = [UnsafeBufferPointer<UInt8>?](repeating: nil, count: fields)
        needles.withUnsafeBufferPointer { needles in
            KeyExtractor.scanTopLevelNames(of: line) { index, escaped in
                var start = 0
                for field in 0..<fields {
                    let end = ends[field]
                    defer { start = end }
                    let pattern = UnsafeBufferPointer(rebasing: needles[start..<end])
                    guard let value = escaped ? KeyExtractor.escapedMember(line, at: index, pattern) : KeyExtractor.member(line, at: index, pattern) else { continue }
                    latest[field] = KeyExtractor.stringValue(in: line, from: value)
                    break
                }
                return false
            }
        }
        for (field, value) in latest.enumerated() { if let value { found(field, value) } }
    }
}
