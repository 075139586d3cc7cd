internal import CSimdJSON

/// A parsed record as the checks read it: simdjson's tokens in pre-order, the root object first. Valid until
/// the parser reads the next record.
struct Tokens {
    /// A token's kind: simdjson's `ecj_kind` byte as it is (building an enum from it costs a range check per read).
    struct Kind: Equatable, CustomStringConvertible {
        let rawValue: UInt8

        static let object = Kind(rawValue: 1), array = Kind(rawValue: 2), string = Kind(rawValue: 3)
        static let int64 = Kind(rawValue: 4), uint64 = Kind(rawValue: 5), double = Kind(rawValue: 6)
        static let `true` = Kind(rawValue: 7), `false` = Kind(rawValue: 8), null = Kind(rawValue: 9)

        /// The kind's name, as messages show a value that has no text of its own.
        var description: String {
            switch rawValue {
            case 1: "object"
            case 2: "array"
            case 3: "string"
            case 4: "int64"
            case 5: "uint64"
            case 6: "double"
            case 7: "true"
            case 8: "false"
            default: "null"
            }
        }
    }

    let base: UnsafePointer<ecj_token>
    let count: Int

    init(_ base: UnsafePointer<ecj_token>, count: Int) {
        self.base = base
        self.count = count
    }

    @inline(__always) func kind(_ index: Int) -> Kind { Kind(rawValue: base[index].kind) }
    /// One past the last descendant of `index`.
    @inline(__always) func end(_ index: Int) -> Int { Int(base[index].end) }
    /// The member name of `index` (empty for array elements).
    @inline(__always) func key(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafeRawPointer(base[index].key)?.assumingMemoryBound(to: UInt8.self), count: Int(base[index].key_length))
    }
    /// The unescaped bytes of a string token.
    @inline(__always) func string(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafeRawPointer(base[index].string)?.assumingMemoryBound(to: UInt8.self), count: Int(base[index].string_length))
    }
    /// A number token as a double (nil for other kinds).
    @inline(__always) func number(_ index: Int) -> Double? {
        switch kind(index) {
        case .double: base[index].d
        case .int64: Double(base[index].i)
        case .uint64: Double(base[index].u)
        default: nil
        }
    }
    /// An integer token (nil for fractions, other kinds and integers beyond Int64).
    @inline(__always) func integer(_ index: Int) -> Int64? {
        switch kind(index) {
        case .int64: base[index].i
        case .uint64: base[index].u <= UInt64(Int64.max) ? Int64(base[index].u) : nil
        default: nil
        }
    }

    /// The child of object `index` whose name is the bytes `wanted`, or nil. With a duplicate name the last one,
    /// as jansson keeps it and as the schema's slots see it.
    func member(_ index: Int, _ wanted: some Collection<UInt8>) -> Int? {
        var child = index + 1, found: Int?
        let stop = end(index)
        while child < stop {
            if key(child).elementsEqual(wanted) { found = child }
            child = end(child)
        }
        return found
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes as a String (for messages and examples, not for hot paths).
    var text: String { String(decoding: self, as: UTF8.self) }
}
