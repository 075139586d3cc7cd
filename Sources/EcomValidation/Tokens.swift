/// A parsed record as the checks read it: simdjson's tape as it is (simdjson 3's doc/tape.md), without a conversion
/// to another layout. A value is the index of its first tape word, the root value at 0; a member of an object is
/// its value's index, its name the string word just before it. Valid until the parser reads the next record.
struct Tokens {
    /// A value's kind: its tape word's type character (`{`, `[`, `"`, `l`, `u`, `d`, `t`, `f`, `n`).
    struct Kind: Equatable, CustomStringConvertible {
        let rawValue: UInt8

        static let object = Kind(rawValue: UInt8(ascii: "{")), array = Kind(rawValue: UInt8(ascii: "["))
        static let string = Kind(rawValue: UInt8(ascii: "\""))
        static let int64 = Kind(rawValue: UInt8(ascii: "l")), uint64 = Kind(rawValue: UInt8(ascii: "u"))
        static let double = Kind(rawValue: UInt8(ascii: "d"))
        static let `true` = Kind(rawValue: UInt8(ascii: "t")), `false` = Kind(rawValue: UInt8(ascii: "f"))
        static let null = Kind(rawValue: UInt8(ascii: "n"))

        /// The kind's name, as messages show a value that has no text of its own.
        var description: String {
            switch self {
            case .object: "object"
            case .array: "array"
            case .string: "string"
            case .int64: "int64"
            case .uint64: "uint64"
            case .double: "double"
            case .true: "true"
            case .false: "false"
            default: "null"
            }
        }
    }

    /// The root value's tape word, then the rest of the document's.
    let tape: UnsafePointer<UInt64>
    /// simdjson's string buffer: per string, a 32-bit length, the unescaped bytes and a NUL.
    let strings: UnsafePointer<UInt8>
    /// The document's tape words.
    let count: Int

    init(tape: UnsafePointer<UInt64>, strings: UnsafePointer<UInt8>, count: Int) {
        self.tape = tape
        self.strings = strings
        self.count = count
    }

    @inline(__always) func kind(_ index: Int) -> Kind { Kind(rawValue: UInt8(truncatingIfNeeded: tape[index] >> 56)) }

    /// One past the last word of the value at `index`: past its closing word for a container, past its number's
    /// second word for a number.
    @inline(__always) func end(_ index: Int) -> Int {
        let word = tape[index]
        switch UInt8(truncatingIfNeeded: word >> 56) {
        // The payload is the absolute index past the closing word; the root's word is not in `tape`.
        case UInt8(ascii: "{"), UInt8(ascii: "["): return Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: word)) &- 1
        case UInt8(ascii: "l"), UInt8(ascii: "u"), UInt8(ascii: "d"): return index &+ 2
        default: return index &+ 1
        }
    }

    /// The first child of the container at `index` (the first member's value for an object); it is a child while it
    /// is below ``childrenEnd(_:)``.
    @inline(__always) func firstChild(_ index: Int) -> Int { kind(index) == .object ? index &+ 2 : index &+ 1 }

    /// The index of the closing word of the container at `index`.
    @inline(__always) func childrenEnd(_ index: Int) -> Int { end(index) &- 1 }

    /// The child after `child` in its container (in an object, the value after the next member name).
    @inline(__always) func next(_ child: Int, inObject: Bool) -> Int { end(child) &+ (inObject ? 1 : 0) }

    /// The number of children of the container at `index`.
    func childCount(_ index: Int) -> Int {
        let inObject = kind(index) == .object
        var child = firstChild(index), count = 0
        let stop = childrenEnd(index)
        while child < stop {
            count += 1
            child = next(child, inObject: inObject)
        }
        return count
    }

    /// The bytes of the string word `word`.
    @inline(__always) private func string(word: UInt64) -> UnsafeBufferPointer<UInt8> {
        let entry = strings + Int(truncatingIfNeeded: word & 0x00FF_FFFF_FFFF_FFFF)
        let length = UnsafeRawPointer(entry).loadUnaligned(as: UInt32.self)
        return UnsafeBufferPointer(start: entry + 4, count: Int(truncatingIfNeeded: length))
    }

    /// The member name of the object member at `index` (only members of objects have one).
    @inline(__always) func key(_ index: Int) -> UnsafeBufferPointer<UInt8> { string(word: tape[index &- 1]) }

    /// The unescaped bytes of a string value.
    @inline(__always) func string(_ index: Int) -> UnsafeBufferPointer<UInt8> { string(word: tape[index]) }

    /// A number as a double (nil for other kinds).
    @inline(__always) func number(_ index: Int) -> Double? {
        switch kind(index) {
        case .double: Double(bitPattern: tape[index &+ 1])
        case .int64: Double(Int64(bitPattern: tape[index &+ 1]))
        case .uint64: Double(tape[index &+ 1])
        default: nil
        }
    }

    /// An integer (nil for fractions, other kinds and integers beyond Int64).
    @inline(__always) func integer(_ index: Int) -> Int64? {
        switch kind(index) {
        case .int64: Int64(bitPattern: tape[index &+ 1])
        case .uint64: tape[index &+ 1] <= UInt64(Int64.max) ? Int64(tape[index &+ 1]) : nil
        default: nil
        }
    }

    /// The value of the root object's first member, or nil when the root is not an object or is empty.
    var firstMember: Int? { kind(0) == .object && end(0) > 2 ? 2 : nil }

    /// The member of object `index` whose name is the bytes `wanted`, or nil. With a duplicate name the last one,
    /// as jansson keeps it and as the schema's slots see it.
    func member(_ index: Int, _ wanted: some Collection<UInt8>) -> Int? {
        var child = index + 2, found: Int?
        let stop = childrenEnd(index)
        while child < stop {
            if key(child).elementsEqual(wanted) { found = child }
            child = next(child, inObject: true)
        }
        return found
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes as a String (for messages and examples, not for hot paths).
    var text: String { String(decoding: self, as: UTF8.self) }
}
