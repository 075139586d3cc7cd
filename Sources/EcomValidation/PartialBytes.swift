import EcomModel

/// Why a partial could not be written, read or merged. Each case names the file (or the label the caller gave a
/// section) and says what to do.
public enum PartialError: Error, CustomStringConvertible, Sendable {
    /// The file cannot be opened, read or written (the system's reason).
    case unreadable(String, String)
    /// The file does not start with a partial's magic number.
    case notAPartial(String)
    /// A partial of a format version this build does not read (found, supported).
    case unsupportedVersion(String, found: Int, supported: Int)
    /// The file ends before its data does (the offset where more was expected).
    case truncated(String, at: Int)
    /// The bytes are there but do not make sense (a checksum or a value is wrong).
    case corrupt(String, String)
    /// The partial was made with other settings than the ones it is merged with (what differs).
    case mismatch(String, String)
    /// The partial holds an input (a file, a topic partition) another partial (the second name) holds too.
    case sharedInput(String, input: String, other: String)
    /// The partial has no section this command can merge.
    case noSection(String, String)
    /// Asked of a validator that is not a partial one (a programming error of the caller).
    case notPartial
    /// The partials given do not hold all of what was to be read, or hold some of it twice (what, and what to do).
    case incomplete(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): "\(path): \(why); check the path and permissions"
        case let .notAPartial(path): "\(path): not an ecomdata partial (no ECOMPART header); pass the files `ecomdata validate --partial` wrote"
        case let .unsupportedVersion(path, found, supported):
            "\(path): a partial of format version \(found), this ecomdata reads version \(supported); write the partials again with this ecomdata"
        case let .truncated(path, offset):
            "\(path): truncated (it ends at byte \(offset), before its data does); the run that wrote it may have been stopped: run it again"
        case let .corrupt(path, why): "\(path): corrupt partial (\(why)); write it again"
        case let .mismatch(path, why): "\(path): \(why); partials can only be merged when made with the same configuration, seed, scenario, window, catalog and gates"
        case let .sharedInput(path, input, other):
            "\(path): holds \(input), which \(other) holds too; validate each input in one partial (a file read twice would have every record reported as its own duplicate)"
        case let .noSection(path, what): "\(path): the partial has no \(what) section; pass partials written by `ecomdata validate --partial`"
        case let .incomplete(path, why): "\(path): \(why)"
        case .notPartial: "the validator was not made with Validator(partialOf:), so its facts point into inputs that are gone"
        }
    }

    /// The exit code the commands use: 2 when the partials do not go together (a configuration error), 3 when a
    /// file cannot be read or is damaged.
    public var exitCode: Int32 {
        switch self {
        case .mismatch, .sharedInput, .unsupportedVersion, .notPartial: 2
        default: 3
        }
    }
}

/// Appends the values of a partial to bytes: unsigned LEB128 varints, zigzag varints for signed values, 8 bytes
/// little-endian for doubles and hashes, length-prefixed UTF-8 for strings.
public struct PartialWriter {
    public private(set) var bytes: [UInt8] = []
    /// File names already written, by their number (locations name them by number after the first time).
    private var names: [String: Int] = [:]

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func uint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public mutating func count(_ value: Int) { uint(UInt64(value)) }

    public mutating func int(_ value: Int64) { uint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func fixed(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func double(_ value: Double) { fixed(value.bitPattern) }

    public mutating func raw(_ data: some Collection<UInt8>) {
        count(data.count)
        bytes.append(contentsOf: data)
    }

    public mutating func string(_ text: String) { raw(Array(text.utf8)) }

    public mutating func optional(_ text: String?) { optional(text) { $0.string($1) } }

    /// A value that may be absent: a flag, then the value (written by `write`) when there is one.
    public mutating func optional<T>(_ value: T?, _ write: (inout PartialWriter, T) -> Void) {
        bool(value != nil)
        if let value { write(&self, value) }
    }

    /// Appends bytes as they are (another writer's output, a section).
    public mutating func append(_ data: some Collection<UInt8>) { bytes.append(contentsOf: data) }

    /// A string written once in full, then by its number.
    public mutating func shortName(_ text: String) {
        if let number = names[text] {
            count(number + 1)
        } else {
            names[text] = names.count
            count(0)
            string(text)
        }
    }

    public mutating func location(_ location: RecordLocation) {
        switch location {
        case let .file(name, line):
            byte(0)
            self.shortName(name)
            count(line)
        case let .topic(name, partition, offset):
            byte(1)
            self.shortName(name)
            int(Int64(partition))
            int(offset)
        }
    }
}

/// Reads what ``PartialWriter`` wrote; every read is bounds-checked and throws ``PartialError`` naming the file.
public struct PartialReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The file or label, for errors.
    public let name: String
    var offset: Int
    let end: Int
    private var names: [String] = []

    public init(_ bytes: UnsafeBufferPointer<UInt8>, name: String, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.name = name
        offset = start
        self.end = end ?? bytes.count
    }

    public var atEnd: Bool { offset >= end }

    public mutating func byte() throws(PartialError) -> UInt8 {
        guard offset < end else { throw .truncated(name, at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func uint() throws(PartialError) -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw .corrupt(name, "a number longer than 64 bits at byte \(offset)") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    /// A count of items of at least `minimumSize` bytes each: more than the bytes left could hold means the data
    /// was cut short (and would otherwise make a huge allocation). With `minimumSize` 0 it is a plain number (a
    /// count of records), only bounded by `Int`.
    public mutating func count(minimumSize: Int = 1) throws(PartialError) -> Int {
        let value = try uint()
        if minimumSize > 0, value > UInt64(max(0, end - offset) / minimumSize) { throw .truncated(name, at: end) }
        guard value <= UInt64(Int.max) else { throw .corrupt(name, "a count of \(value) at byte \(offset)") }
        return Int(value)
    }

    public mutating func int() throws(PartialError) -> Int64 {
        let value = try uint()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    public mutating func integer() throws(PartialError) -> Int {
        let value = try int()
        return Int(value)
    }

    public mutating func bool() throws(PartialError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw .corrupt(name, "\(other) where a flag should be, at byte \(offset - 1)")
        }
    }

    public mutating func fixed() throws(PartialError) -> UInt64 {
        guard end - offset >= 8 else { throw .truncated(name, at: end) }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        offset += 8
        return value
    }

    public mutating func double() throws(PartialError) -> Double { Double(bitPattern: try fixed()) }

    /// The next length-prefixed bytes, in place.
    public mutating func raw() throws(PartialError) -> UnsafeBufferPointer<UInt8> {
        let length = try count()
        defer { offset += length }
        return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    public mutating func string() throws(PartialError) -> String { try raw().text }

    public mutating func optionalString() throws(PartialError) -> String? { try optional { (reader) throws(PartialError) in try reader.string() } }

    /// A value written by ``PartialWriter/optional(_:_:)-(T?,_)``: nil, or the value `read` reads after the flag.
    public mutating func optional<T>(_ read: (inout PartialReader) throws(PartialError) -> T) throws(PartialError) -> T? {
        try bool() ? try read(&self) : nil
    }

    public mutating func shortName() throws(PartialError) -> String {
        let number = try count(minimumSize: 0)
        if number == 0 {
            let text = try string()
            names.append(text)
            return text
        }
        guard number <= names.count else { throw .corrupt(name, "name number \(number) before it was defined, at byte \(offset)") }
        return names[number - 1]
    }

    public mutating func location() throws(PartialError) -> RecordLocation {
        switch try byte() {
        case 0:
            let file = try shortName()
            return .file(file, line: Int(try uint()))
        case 1:
            let topic = try shortName()
            let partition = try int()
            guard let narrow = Int32(exactly: partition) else { throw .corrupt(name, "partition \(partition) out of range") }
            return .topic(topic, partition: narrow, offset: try int())
        case let other:
            throw .corrupt(name, "location kind \(other) at byte \(offset - 1)")
        }
    }

    /// Throws unless `condition`, with `what` as the reason.
    public func expect(_ condition: Bool, _ what: @autoclosure () -> String) throws(PartialError) {
        if !condition { throw .corrupt(name, what()) }
    }
}

/// FNV-1a over bytes: the checksum of a section (catches damage, not tampering).
func partialChecksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 { fnv1a(bytes) }
