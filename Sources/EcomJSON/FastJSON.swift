internal import CSimdJSON

/// A validating JSON reader for hot paths: simdjson's DOM parser, its result read as a flat array of
/// tokens in document order.
///
/// In the default `.jansson` dialect it accepts exactly the documents `JSONValue.parse` (libjansson)
/// accepts, and a member lookup sees what jansson would keep. A parser is for one thread at a time; a
/// parse allocates nothing once the parser has seen a document as big, and its `FastDocument` is valid
/// until the next parse.
///
/// ```swift
/// let parser = FastJSONParser()
/// switch parser.parse(line) {
/// case .success(let document): if let amount = document.member("amount") { use(document[amount].double) }
/// case .failure(let error): report(error.message)
/// }
/// ```
public final class FastJSONParser {
    /// Which documents a parser accepts.
    public enum Dialect: Sendable {
        /// What libjansson 2.14 accepts with `JSON_DECODE_ANY | JSON_ALLOW_NUL`, the reference: simdjson's
        /// validation, and integers above `Int64.max`, `\u0000` in member names, and nesting deeper than
        /// 2048 values are errors.
        case jansson
        /// simdjson's own rules: integers up to `UInt64.max` (kind `.uint64`), any member name, 1024 levels.
        case simdjson
    }

    /// How many readable bytes past a document let simdjson parse it where it lies (`SIMDJSON_PADDING`).
    public static let padding = ecj_padding()

    private let parser: OpaquePointer

    /// A parser for `dialect`.
    public init(dialect: Dialect = .jansson) {
        guard let parser = ecj_parser_new(dialect == .jansson ? ECJ_DIALECT_JANSSON : ECJ_DIALECT_SIMDJSON) else {
            fatalError("simdjson could not allocate a parser (out of memory)")
        }
        self.parser = parser
    }

    deinit { ecj_parser_free(parser) }

    /// Parses the JSON document in `line`, of which `readable` bytes from its start may be read: with
    /// `readable >= line.count + FastJSONParser.padding` simdjson parses in place, otherwise it copies the
    /// line into a buffer the parser keeps.
    public func parse(_ line: UnsafeBufferPointer<UInt8>, readable: Int) -> FastJSONResult {
        var tokens: UnsafePointer<ecj_token>?
        let count = ecj_parse(parser, line.baseAddress, line.count, max(readable, 0), &tokens)
        guard count > 0, let tokens else { return .failure(FastJSONError(code: Int(count))) }
        return .success(FastDocument(tokens: UnsafeRawPointer(tokens), count: Int(count)))
    }

    /// Parses the JSON document in `line`, copying it because nothing past it may be read.
    public func parse(_ line: UnsafeBufferPointer<UInt8>) -> FastJSONResult {
        parse(line, readable: line.count)
    }
}

/// A parsed document, or why the text is not JSON.
public typealias FastJSONResult = Result<FastDocument, FastJSONError>

/// A text that `FastJSONParser` rejected.
public struct FastJSONError: Error, Sendable, CustomStringConvertible {
    /// The parser's code: a negated `simdjson::error_code`, or below -1000 a rule of the `.jansson` dialect.
    public let code: Int

    /// simdjson's own words for the problem (or the dialect's, for the rules it adds).
    public var message: String { String(cString: ecj_error_message(Int64(code))) }

    public var description: String { message }
}

/// The kind of a JSON value.
public enum FastJSONKind: UInt8, Sendable {
    case object = 1
    case array
    case string
    case int64
    /// An integer above `Int64.max`; only the `.simdjson` dialect accepts these.
    case uint64
    case double
    case `true`
    case `false`
    case null
}

/// A parsed JSON document: its values in document order (pre-order), the root first. A view into its
/// parser, valid until that parser's next parse.
///
/// A container's descendants follow it up to its `end`; its children are found by starting at its index
/// plus one and jumping from each child to that child's `end`.
public struct FastDocument: RandomAccessCollection {
    private let tokens: UnsafeRawPointer
    /// The number of values in the document, the root included.
    public let count: Int
    /// The first of the `count` tokens (C `ecj_token`s), for readers that walk them directly.
    public var rawTokens: UnsafeRawPointer { tokens }

    init(tokens: UnsafeRawPointer, count: Int) {
        self.tokens = tokens
        self.count = count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// The value at `index` (0 is the root).
    public subscript(index: Int) -> FastJSONToken {
        precondition(index >= 0 && index < count, "token index out of range")
        return FastJSONToken(raw: tokens + index * MemoryLayout<ecj_token>.stride)
    }

    /// The document's top-level value.
    public var root: FastJSONToken { self[0] }

    /// The indices of the direct children of the container at `index` (none for a scalar).
    public func children(of index: Int) -> FastChildren {
        let container = self[index]
        let isContainer = container.kind == .object || container.kind == .array
        return FastChildren(document: self, first: index + 1, end: isContainer ? container.end : index + 1)
    }

    /// The index of the value of member `name` of the object at `object` (the root by default), or nil
    /// when there is none or `object` is not an object. With duplicate names the last one wins, as in jansson.
    public func member(_ name: String, of object: Int = 0) -> Int? {
        precondition(object >= 0 && object < count, "token index out of range")
        var name = name
        let found = name.withUTF8 { name in
            name.withMemoryRebound(to: CChar.self) { name in
                ecj_member(tokens.assumingMemoryBound(to: ecj_token.self), UInt32(object), name.baseAddress, name.count)
            }
        }
        return found < 0 ? nil : Int(found)
    }

    /// The document as a `JSONValue`, as `JSONValue.parse` would return it: a duplicate member name keeps
    /// its first position and its last value, and (`.simdjson` dialect only) a `.uint64` becomes a `.double`.
    /// For tests and debugging; it allocates.
    public func toJSONValue() -> JSONValue { value(at: 0) }

    private func value(at index: Int) -> JSONValue {
        let token = self[index]
        switch token.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .int64: return .int(token.int64)
        case .uint64: return .double(Double(token.uint64))
        case .double: return .double(token.double)
        case .string: return .string(String(decoding: token.string, as: UTF8.self))
        case .array: return .array(children(of: index).map { value(at: $0) })
        case .object:
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(token.count)
            for child in children(of: index) {
                let name = String(decoding: self[child].key!, as: UTF8.self)
                let member = value(at: child)
                if let existing = members.firstIndex(where: { $0.0 == name }) {
                    members[existing].1 = member
                } else {
                    members.append((name, member))
                }
            }
            return .object(members)
        }
    }
}

/// The indices of a container's direct children in a `FastDocument`.
public struct FastChildren: Sequence, IteratorProtocol {
    private let document: FastDocument
    private var position: Int
    private let end: Int

    init(document: FastDocument, first: Int, end: Int) {
        self.document = document
        self.position = first
        self.end = end
    }

    public mutating func next() -> Int? {
        guard position < end else { return nil }
        defer { position = document[position].end }
        return position
    }
}

/// One value of a `FastDocument`, read in place. Its bytes are valid as long as the document.
public struct FastJSONToken {
    private let raw: UnsafeRawPointer

    init(raw: UnsafeRawPointer) { self.raw = raw }

    private var token: UnsafePointer<ecj_token> { raw.assumingMemoryBound(to: ecj_token.self) }

    /// What the value is.
    public var kind: FastJSONKind { FastJSONKind(rawValue: token.pointee.kind)! }

    /// The member name (unescaped UTF-8) when the value is a member of an object, else nil.
    public var key: UnsafeBufferPointer<UInt8>? {
        guard let key = token.pointee.key else { return nil }
        return UnsafeBufferPointer(start: UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self),
                                   count: Int(token.pointee.key_length))
    }

    /// A string's unescaped UTF-8 bytes (which may include NUL); empty for other kinds.
    public var string: UnsafeBufferPointer<UInt8> {
        guard let string = token.pointee.string else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: UnsafeRawPointer(string).assumingMemoryBound(to: UInt8.self),
                                   count: Int(token.pointee.string_length))
    }

    /// An `.int64`'s value; 0 for other kinds.
    public var int64: Int64 { token.pointee.i }

    /// A `.uint64`'s value; 0 for other kinds.
    public var uint64: UInt64 { token.pointee.u }

    /// A `.double`'s value; 0 for other kinds.
    public var double: Double { token.pointee.d }

    /// The number as a Double, for `.int64`, `.uint64` and `.double`; nil for other kinds.
    public var number: Double? {
        switch kind {
        case .int64: return Double(int64)
        case .uint64: return Double(uint64)
        case .double: return double
        default: return nil
        }
    }

    /// The index one past the value's last descendant (its own index plus one for a scalar).
    public var end: Int { Int(token.pointee.end) }

    /// A container's number of direct children; 0 for scalars.
    public var count: Int { Int(token.pointee.count) }

    /// Whether the value's member name is `name` (UTF-8 bytes).
    public func keyEquals(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let key = token.pointee.key, Int(token.pointee.key_length) == name.count else { return false }
        let bytes = UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self)
        for offset in 0..<name.count where bytes[offset] != name[offset] { return false }
        return true
    }
}

/// Parses every document of an NDJSON file with simdjson alone (full validation, no tokens), the baseline
/// for benchmarks: `parse_many` over the whole file, or one parse per line with `perLine`. The file is first
/// loaded into a padded buffer. Returns the documents parsed, the file's size and the seconds spent parsing
/// (the load excluded), or nil when the file cannot be read or a document is not JSON.
public func simdjsonCountDocuments(path: String, perLine: Bool = false) -> (documents: Int, bytes: Int, seconds: Double)? {
    var bytes = 0
    var nanoseconds: UInt64 = 0
    let mode = perLine ? ECJ_COUNT_PER_LINE : ECJ_COUNT_PARSE_MANY
    let documents = ecj_count_documents(path, mode, &bytes, &nanoseconds)
    guard documents >= 0 else { return nil }
    return (Int(documents), bytes, Double(nanoseconds) / 1e9)
}
