import EcomModel
import Foundation

/// The JSON Schema of a record type (``RecordSchema``), compiled for checking parsed records: field names
/// as bytes, patterns as small matchers, enums as byte strings. It records, per record, which schema rules
/// the record broke, and where each field's value is (its slot) for the checks that follow.
final class SchemaMatcher: @unchecked Sendable {
    // Immutable after init.
    /// The schema rules a record can break, one check each.
    enum Rule: Int, CaseIterable {
        case required, types, formats, enums, ranges, unknownFields

        var id: String {
            switch self {
            case .required: "schema.required"
            case .types: "schema.types"
            case .formats: "schema.formats"
            case .enums: "schema.enums"
            case .ranges: "schema.ranges"
            case .unknownFields: "schema.unknown_fields"
            }
        }

        var title: String {
            switch self {
            case .required: "every required field is present"
            case .types: "every field has its type (string, number, integer, boolean, object, array; null only where allowed)"
            case .formats: "IDs, timestamps (ISO-8601 UTC with milliseconds), country codes and paths match their formats"
            case .enums: "enumerated fields hold one of their values"
            case .ranges: "numbers are inside their ranges and arrays are not shorter than allowed"
            case .unknownFields: "no field the schema does not define"
            }
        }
    }

    enum Pattern {
        case idPrefix([UInt8])
        case timestamp
        case upperLetters(Int)
        case leadingSlash
        case resolution
        case regex(NSRegularExpression)

        init(_ pattern: String) {
            if pattern.hasPrefix("^"), pattern.hasSuffix("[0-9a-f]+$") {
                self = .idPrefix(Array(pattern.dropFirst().dropLast("[0-9a-f]+$".count).utf8))
            } else if pattern == "^[A-Z]{2}$" {
                self = .upperLetters(2)
            } else if pattern == "^/" {
                self = .leadingSlash
            } else if pattern == "^\\d+x\\d+$" {
                self = .resolution
            } else if pattern.contains("T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z") {
                self = .timestamp
            } else {
                self = .regex(try! NSRegularExpression(pattern: pattern))
            }
        }

        func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            switch self {
            case let .idPrefix(prefix):
                guard bytes.count > prefix.count,
                      prefix.withUnsafeBufferPointer({ sameBytes(UnsafeBufferPointer(rebasing: bytes[..<$0.count]), $0) }) else { return false }
                var index = prefix.count
                while index < bytes.count {
                    let byte = bytes[index]
                    guard (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) else { return false }
                    index += 1
                }
                return true
            case .timestamp:
                return ISOTimestamp.parse(bytes) != nil
            case let .upperLetters(count):
                return bytes.count == count && bytes.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
            case .leadingSlash:
                return bytes.first == UInt8(ascii: "/")
            case .resolution:
                guard let x = bytes.firstIndex(of: UInt8(ascii: "x")), x > 0, x < bytes.count - 1 else { return false }
                return bytes[..<x].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && bytes[(x + 1)...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            case let .regex(expression):
                let text = bytes.text
                return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            }
        }
    }

    /// One field of an object, compiled.
    final class Node: @unchecked Sendable {
        // Immutable after init.
        enum Kind { case string, integer, number, boolean, object, array }
        let name: UnsafeBufferPointer<UInt8>
        let path: String
        /// Position in the matcher's node list (findings refer to nodes by it).
        let number: Int
        /// Whether the numeric range is left to the coordinates family.
        let rangeExempt: Bool
        let kind: Kind
        let nullable: Bool
        let required: Bool
        let pattern: Pattern?
        let values: [UnsafeBufferPointer<UInt8>]?
        let minimum: Double?
        let maximum: Double?
        let minItems: Int
        let fields: [Node]
        let element: Node?
        /// Where the value's token index is kept for the record checks (top-level and nested object fields).
        let slot: Int

        init(name: String, path: String, type: FieldType, nullable: Bool, required: Bool = true, slots: inout Int, inArray: Bool,
             store: ByteStore, nodes: inout [Node], exempt: Set<String>) {
            self.name = store.intern(name.utf8)
            self.path = path
            rangeExempt = exempt.contains(path)
            self.nullable = nullable
            self.required = required
            if inArray {
                slot = -1
            } else {
                slot = slots
                slots += 1
            }
            var pattern: Pattern?, values: [UnsafeBufferPointer<UInt8>]?, minimum: Double?, maximum: Double?, minItems = 0
            var fields: [Node] = [], element: Node?
            switch type {
            case let .string(format, patternText, enumValues):
                kind = .string
                if let patternText { pattern = Pattern(patternText) } else if format == "date-time" { pattern = .timestamp }
                values = enumValues.map { $0.map { store.intern($0.utf8) } }
            case let .integer(min):
                kind = .integer
                minimum = min.map(Double.init)
            case let .number(min, max):
                kind = .number
                minimum = min
                maximum = max
            case .boolean:
                kind = .boolean
            case let .object(children):
                kind = .object
                for child in children {
                    fields.append(Node(name: child.name, path: path + "." + child.name, type: child.type, nullable: child.nullable,
                                       required: child.required, slots: &slots, inArray: inArray, store: store, nodes: &nodes, exempt: exempt))
                }
            case let .array(elementType, min):
                kind = .array
                minItems = min
                element = Node(name: "", path: path + "[]", type: elementType, nullable: false, slots: &slots, inArray: true,
                               store: store, nodes: &nodes, exempt: exempt)
            }
            self.pattern = pattern
            self.values = values
            self.minimum = minimum
            self.maximum = maximum
            self.minItems = minItems
            self.fields = fields
            self.element = element
            number = nodes.count
            nodes.append(self)
        }
    }

    let type: RecordType
    let root: Node
    let slotCount: Int
    private let store = ByteStore()
    /// Every node, by ``Node/number``.
    private(set) var nodes: [Node] = []

    /// Compiles the schema of `type`; the numeric ranges of `rangeExempt` paths (`.location.latitude`) are left
    /// to another check.
    init(type: RecordType, rangeExempt: Set<String> = []) {
        self.type = type
        var slots = 0
        var nodes: [Node] = []
        root = Node(name: "", path: "", type: .object(RecordSchema.fields(of: type)), nullable: false, slots: &slots, inArray: false,
                    store: store, nodes: &nodes, exempt: rangeExempt)
        slotCount = slots
        self.nodes = nodes.sorted { $0.number < $1.number }
    }

    /// The slot of a field path such as `location.latitude` (without a leading dot).
    func slot(_ path: String) -> Int {
        func find(_ node: Node) -> Int? {
            if node.path == "." + path { return node.slot }
            for field in node.fields { if let slot = find(field) { return slot } }
            return nil
        }
        guard let slot = find(root) else { preconditionFailure("no field \(path) in the \(type.rawValue) schema") }
        return slot
    }

    /// What a record broke: per rule, the first problem (a kind, the node and the token), turned into a
    /// message only when a report keeps it.
    struct Findings {
        enum Problem: UInt8 {
            case missing, null, notString, notInteger, notNumber, notBoolean, notObject, notArray
            case notInEnum, badFormat, belowMinimum, aboveMaximum, tooFewItems, unknownField
        }

        var problems: [(problem: Problem, node: Int32, token: Int32)?] = Array(repeating: nil, count: Rule.allCases.count)
        var any = false

        @inline(__always)
        mutating func add(_ rule: Rule, _ problem: Problem, _ node: Node, _ token: Int) {
            if problems[rule.rawValue] == nil { problems[rule.rawValue] = (problem, Int32(node.number), Int32(token)) }
            any = true
        }
    }

    /// The message of a finding; `tokens` must be the record's (valid until the next parse).
    func message(_ finding: (problem: Findings.Problem, node: Int32, token: Int32), tokens: Tokens) -> String {
        let node = nodes[Int(finding.node)]
        let path = node.path.isEmpty ? "(record)" : String(node.path.dropFirst())
        let token = Int(finding.token)
        func value() -> String {
            switch tokens.kind(token) {
            case .string: "\"\(tokens.string(token).text)\""
            default: tokens.number(token).map { "\($0)" } ?? "\(tokens.kind(token))"
            }
        }
        switch finding.problem {
        case .missing: return "missing \(path)"
        case .null: return "\(path) is null"
        case .notString: return "\(path) is not a string"
        case .notInteger: return "\(path) is not an integer"
        case .notNumber: return "\(path) is not a number"
        case .notBoolean: return "\(path) is not a boolean"
        case .notObject: return "\(path) is not an object"
        case .notArray: return "\(path) is not an array"
        case .notInEnum:
            return "\(path) is \(value()), not one of \((node.values ?? []).map(\.text).joined(separator: ", "))"
        case .badFormat: return "\(path) \(value()) does not match its format"
        case .belowMinimum: return "\(path) is \(value()), below \(node.minimum ?? 0)"
        case .aboveMaximum: return "\(path) is \(value()), above \(node.maximum ?? 0)"
        case .tooFewItems: return "\(path) has \(tokens.base[token].count) items, at least \(node.minItems) required"
        case .unknownField: return "unknown field \(path.isEmpty || path == "(record)" ? "" : path + ".")\(tokens.key(token).text)"
        }
    }

    /// Checks the record whose root object is token 0; fills `slots` with token indexes (-1 when absent).
    func check(_ tokens: Tokens, slots: inout [Int32], findings: inout Findings) {
        for index in slots.indices { slots[index] = -1 }
        checkObject(root, tokens, 0, &slots, &findings)
    }

    private func checkObject(_ node: Node, _ tokens: Tokens, _ index: Int, _ slots: inout [Int32], _ findings: inout Findings) {
        var seen = 0 as UInt64
        var child = index + 1
        let stop = tokens.end(index)
        var position = 0
        while child < stop {
            let key = tokens.key(child)
            // Records are usually in schema order: try the field at this position first.
            var fieldIndex: Int?
            if position < node.fields.count, sameBytes(key, node.fields[position].name) {
                fieldIndex = position
            } else {
                fieldIndex = node.fields.firstIndex { sameBytes(key, $0.name) }
            }
            if let fieldIndex {
                let field = node.fields[fieldIndex]
                if fieldIndex < 64 { seen |= 1 << UInt64(fieldIndex) }
                if field.slot >= 0 { slots[field.slot] = Int32(child) }
                checkValue(field, tokens, child, &slots, &findings)
            } else {
                findings.add(.unknownFields, .unknownField, node, child)
            }
            position += 1
            child = tokens.end(child)
        }
        if seen != (node.fields.count >= 64 ? UInt64.max : (1 << UInt64(node.fields.count)) - 1) {
            for (fieldIndex, field) in node.fields.enumerated() where field.required && seen & (1 << UInt64(fieldIndex)) == 0 {
                findings.add(.required, .missing, field, index)
                break
            }
        }
    }

    private func checkValue(_ node: Node, _ tokens: Tokens, _ index: Int, _ slots: inout [Int32], _ findings: inout Findings) {
        let kind = tokens.kind(index)
        if kind == .null {
            if !node.nullable { findings.add(.types, .null, node, index) }
            return
        }
        switch node.kind {
        case .string:
            guard kind == .string else { return findings.add(.types, .notString, node, index) }
            let bytes = tokens.string(index)
            if let values = node.values {
                if !values.contains(where: { sameBytes(bytes, $0) }) { findings.add(.enums, .notInEnum, node, index) }
            } else if let pattern = node.pattern, !pattern.matches(bytes) {
                findings.add(.formats, .badFormat, node, index)
            }
        case .integer:
            guard let value = tokens.integer(index) else { return findings.add(.types, .notInteger, node, index) }
            checkRange(node, Double(value), index, &findings)
        case .number:
            guard let value = tokens.number(index) else { return findings.add(.types, .notNumber, node, index) }
            checkRange(node, value, index, &findings)
        case .boolean:
            if kind != .true && kind != .false { findings.add(.types, .notBoolean, node, index) }
        case .object:
            guard kind == .object else { return findings.add(.types, .notObject, node, index) }
            checkObject(node, tokens, index, &slots, &findings)
        case .array:
            guard kind == .array, let element = node.element else { return findings.add(.types, .notArray, node, index) }
            var child = index + 1, items = 0
            let stop = tokens.end(index)
            while child < stop {
                checkValue(element, tokens, child, &slots, &findings)
                items += 1
                child = tokens.end(child)
            }
            if items < node.minItems { findings.add(.ranges, .tooFewItems, node, index) }
        }
    }

    @inline(__always)
    private func checkRange(_ node: Node, _ value: Double, _ index: Int, _ findings: inout Findings) {
        if node.rangeExempt { return }
        if let minimum = node.minimum, value < minimum { findings.add(.ranges, .belowMinimum, node, index) }
        if let maximum = node.maximum, value > maximum { findings.add(.ranges, .aboveMaximum, node, index) }
    }
}

/// Reads the timestamps records carry: `YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC.
enum ISOTimestamp {
    /// Milliseconds since the epoch, or nil when the text is not exactly that shape or not a real time.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
              bytes[16] == 0x3A, bytes[19] == 0x2E, bytes[23] == 0x5A else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for index in from..<(from + count) {
                let digit = Int(bytes[index]) - 0x30
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
              let minute = digits(14, 2), let second = digits(17, 2), let millisecond = digits(20, 3),
              (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }
}
