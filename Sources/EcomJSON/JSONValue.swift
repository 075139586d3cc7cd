internal import CJansson

/// A JSON document as a Swift value, written and read through libjansson.
///
/// Objects keep their keys in insertion order so that what the project writes (manifests,
/// schemas, reports) is stable and diffable.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The element at `index` of an array, or nil.
    public subscript(index: Int) -> JSONValue? {
        guard case let .array(items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The string payload, or nil.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The numeric payload as a Double (integers included), or nil.
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }

    /// The integer payload, or nil.
    public var intValue: Int64? {
        if case let .int(i) = self { return i }
        return nil
    }

    /// The boolean payload, or nil.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The elements of an array, or nil.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// The members of an object in document order, or nil.
    public var objectValue: [(String, JSONValue)]? {
        if case let .object(o) = self { return o }
        return nil
    }
}

/// A JSON text that libjansson could not parse.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    /// 1-based line of the problem within the text.
    public let line: Int
    /// 1-based column of the problem.
    public let column: Int
    /// libjansson's own words.
    public let message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSONValue {
    /// Serialises with libjansson: compact on one line, or indented by two spaces when `pretty`.
    public func encoded(pretty: Bool = false) -> String {
        let root = makeJansson()
        defer { json_decref(root) }
        var flags = cjansson_flag_preserve_order() | cjansson_flag_encode_any() | cjansson_real_precision(15)
        flags |= pretty ? cjansson_indent(2) : cjansson_flag_compact()
        guard let text = json_dumps(root, flags) else { return "null" }
        defer { free(text) }
        return String(cString: text)
    }

    /// Parses one JSON document with libjansson (`JSON_DECODE_ANY`, so scalars are accepted too).
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(bytes)) } }.get()
    }

    /// Parses one JSON document from raw bytes with libjansson, which checks the UTF-8 itself (a `String`
    /// would already have replaced invalid sequences).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var error = json_error_t()
        let flags = cjansson_flag_decode_any() | cjansson_flag_allow_nul()
        // jansson refuses a NULL buffer even when empty; "" makes it report the empty document instead.
        let parsed: UnsafeMutablePointer<json_t>? = bytes.isEmpty
            ? json_loadb("", 0, flags, &error)
            : json_loadb(bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count, flags, &error)
        guard let root = parsed else {
            let message = withUnsafeBytes(of: error.text) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw JSONParseError(line: Int(error.line), column: Int(error.column), message: message)
        }
        defer { json_decref(root) }
        return JSONValue(jansson: root)
    }

    private func makeJansson() -> UnsafeMutablePointer<json_t> {
        switch self {
        case .null: return json_null()
        case let .bool(b): return b ? json_true() : json_false()
        case let .int(i): return json_integer(json_int_t(i))
        case let .double(d): return d.isFinite ? json_real(d) : json_null()
        case let .string(s):
            return s.withCString { pointer in json_stringn_nocheck(pointer, s.utf8.count) }
        case let .array(items):
            let array = json_array()!
            for item in items { json_array_append_new(array, item.makeJansson()) }
            return array
        case let .object(members):
            let object = json_object()!
            for (key, value) in members { json_object_set_new_nocheck(object, key, value.makeJansson()) }
            return object
        }
    }

    private init(jansson value: UnsafeMutablePointer<json_t>) {
        switch value.pointee.type {
        case JSON_NULL: self = .null
        case JSON_TRUE: self = .bool(true)
        case JSON_FALSE: self = .bool(false)
        case JSON_INTEGER: self = .int(Int64(json_integer_value(value)))
        case JSON_REAL: self = .double(json_real_value(value))
        case JSON_STRING:
            let length = json_string_length(value)
            let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(json_string_value(value)), count: length)
            self = .string(String(decoding: bytes, as: UTF8.self))
        case JSON_ARRAY:
            var items: [JSONValue] = []
            let count = json_array_size(value)
            items.reserveCapacity(count)
            for index in 0..<count { items.append(JSONValue(jansson: json_array_get(value, index))) }
            self = .array(items)
        case JSON_OBJECT:
            var members: [(String, JSONValue)] = []
            var iterator = json_object_iter(value)
            while let current = iterator {
                let key = String(cString: json_object_iter_key(current))
                members.append((key, JSONValue(jansson: json_object_iter_value(current))))
                iterator = json_object_iter_next(value, current)
            }
            self = .object(members)
        default: self = .null
        }
    }
}
