import EcomModel
import Foundation

/// The JSON Schema of a record type (``RecordSchema``), compiled for checking parsed records: field names
/// as bytes, patterns as small matchers, enums as byte strings. It records, per record, which schema rules
/// the record broke, and where each field's value is (its slot) for the checks that follow.
final class SchemaMatcher: @unchecked Sendable {
    // Immutable after init; the buffers are only read, and freed in deinit.
    /// The schema rules a record can break, one check each.
    enum Rule: Int, CaseIterable {
        case required, types, formats, enums, ranges, unknownFields, duplicateFields

        var id: String {
            switch self {
            case .required: "schema.required"
            case .types: "schema.types"
            case .formats: "schema.formats"
            case .enums: "schema.enums"
            case .ranges: "schema.ranges"
            case .unknownFields: "schema.unknown_fields"
            case .duplicateFields: "schema.duplicate_fields"
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
            case .duplicateFields: "no field appears twice in one object (readers disagree on which value counts)"
            }
        }
    }

    /// How a string field's format is checked: the schema's patterns, each with a matcher of its own.
    enum Format: UInt8 {
        case none, idPrefix, timestamp, upperLetters, leadingSlash, resolution, regex
    }

    /// One field of the schema, compiled into a plain value. Nodes live in one buffer and refer to each other by
    /// index, so that walking a record touches no reference counts.
    struct Node {
        enum Kind: UInt8 { case string, integer, number, boolean, object, array }
        var name: UnsafeBufferPointer<UInt8>
        var kind: Kind
        var nullable: Bool
        var required: Bool
        /// Whether the numeric range is left to the coordinates family.
        var rangeExempt = false
        var format = Format.none
        /// `.idPrefix`: the prefix.
        var prefix = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        /// `.upperLetters`: how many; `.regex`: the position in the matcher's regexes.
        var formatArgument = 0
        /// Enum values: `valueCount` of the matcher's values from `firstValue` (`valueCount` -1: no enum).
        var firstValue: Int32 = 0
        var valueCount: Int32 = -1
        /// The range (infinite bounds when the schema sets none, so the comparisons need no optionals).
        var minimum = -Double.infinity
        var maximum = Double.infinity
        var minItems = 0
        /// Object fields: `childCount` of the matcher's children from `firstChild`, in schema order.
        var firstChild: Int32 = 0
        var childCount: Int32 = 0
        /// The array element's node, or -1.
        var element: Int32 = -1
        /// Where the value's token index is kept for the record checks (top-level and nested object fields; -1 in arrays).
        var slot: Int32 = -1
        /// How deep the field is (1 for a top-level field).
        var depth: UInt8 = 0
    }

    /// Builds the node buffers from a record type's fields.
    private struct Builder {
        let store: ByteStore
        let exempt: Set<String>
        var nodes: [Node] = []
        var paths: [String] = []
        var children: [Int32] = []
        var values: [UnsafeBufferPointer<UInt8>] = []
        var regexes: [NSRegularExpression] = []
        var slots = 0

        /// Adds the node of a field (after its descendants) and returns its index.
        mutating func add(name: String, path: String, type: FieldType, nullable: Bool, required: Bool = true, inArray: Bool) -> Int32 {
            var node = Node(name: store.intern(name.utf8), kind: .string, nullable: nullable, required: required)
            node.rangeExempt = exempt.contains(path)
            node.depth = UInt8(min(255, path.filter { $0 == "." }.count))
            if !inArray {
                node.slot = Int32(slots)
                slots += 1
            }
            switch type {
            case let .string(format, patternText, enumValues):
                node.kind = .string
                if let patternText { setFormat(&node, patternText) } else if format == "date-time" { node.format = .timestamp }
                if let enumValues {
                    node.firstValue = Int32(values.count)
                    node.valueCount = Int32(enumValues.count)
                    values += enumValues.map { store.intern($0.utf8) }
                }
            case let .integer(min):
                node.kind = .integer
                if let min { node.minimum = Double(min) }
            case let .number(min, max):
                node.kind = .number
                if let min { node.minimum = min }
                if let max { node.maximum = max }
            case .boolean:
                node.kind = .boolean
            case let .object(fields):
                node.kind = .object
                let indexes = fields.map { child in
                    add(name: child.name, path: path + "." + child.name, type: child.type, nullable: child.nullable,
                        required: child.required, inArray: inArray)
                }
                node.firstChild = Int32(children.count)
                node.childCount = Int32(indexes.count)
                children += indexes
            case let .array(elementType, min):
                node.kind = .array
                node.minItems = min
                node.element = add(name: "", path: path + "[]", type: elementType, nullable: false, inArray: true)
            }
            nodes.append(node)
            paths.append(path)
            return Int32(nodes.count - 1)
        }

        private mutating func setFormat(_ node: inout Node, _ pattern: String) {
            if pattern.hasPrefix("^"), pattern.hasSuffix("[0-9a-f]+$") {
                node.format = .idPrefix
                node.prefix = store.intern(pattern.dropFirst().dropLast("[0-9a-f]+$".count).utf8)
            } else if pattern == "^[A-Z]{2}$" {
                node.format = .upperLetters
                node.formatArgument = 2
            } else if pattern == "^/" {
                node.format = .leadingSlash
            } else if pattern == "^\\d+x\\d+$" {
                node.format = .resolution
            } else if pattern.contains("T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z") {
                node.format = .timestamp
            } else {
                node.format = .regex
                node.formatArgument = regexes.count
                regexes.append(try! NSRegularExpression(pattern: pattern))
            }
        }
    }

    let type: RecordType
    let slotCount: Int
    private let store = ByteStore()
    private let nodes: UnsafeMutableBufferPointer<Node>
    private let children: UnsafeMutableBufferPointer<Int32>
    /// Per entry of `children`, that child's name (the walk compares names without going through the node).
    private let childNames: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>
    private let values: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>
    private let root: Int
    /// Per node, its path (`.location.city`, `.products[].price`), for messages and slot look-ups.
    private let paths: [String]
    private let regexes: [NSRegularExpression]
    /// Per slot, its node.
    private let slotNodes: [Int32]

    /// Compiles the schema of `type`; the numeric ranges of `rangeExempt` paths (`.location.latitude`) are left
    /// to another check.
    init(type: RecordType, rangeExempt: Set<String> = []) {
        self.type = type
        var builder = Builder(store: store, exempt: rangeExempt)
        root = Int(builder.add(name: "", path: "", type: .object(RecordSchema.fields(of: type)), nullable: false, inArray: false))
        slotCount = builder.slots
        var slotNodes = Array(repeating: Int32(-1), count: builder.slots)
        for (index, node) in builder.nodes.enumerated() where node.slot >= 0 { slotNodes[Int(node.slot)] = Int32(index) }
        self.slotNodes = slotNodes
        paths = builder.paths
        regexes = builder.regexes
        nodes = .allocate(capacity: builder.nodes.count)
        _ = nodes.initialize(from: builder.nodes)
        children = .allocate(capacity: max(1, builder.children.count))
        _ = children.initialize(from: builder.children)
        childNames = .allocate(capacity: max(1, builder.children.count))
        _ = childNames.initialize(from: builder.children.map { builder.nodes[Int($0)].name })
        values = .allocate(capacity: max(1, builder.values.count))
        _ = values.initialize(from: builder.values)
    }

    deinit {
        nodes.deallocate()
        children.deallocate()
        childNames.deallocate()
        values.deallocate()
    }

    /// The slot of a field path such as `location.latitude` (without a leading dot).
    func slot(_ path: String) -> Int {
        guard let index = paths.firstIndex(of: "." + path), nodes[index].slot >= 0 else {
            preconditionFailure("no field \(path) in the \(type.rawValue) schema")
        }
        return Int(nodes[index].slot)
    }

    /// What a record broke: per rule, the first problem (a kind, the node and the token), turned into a
    /// message only when a report keeps it. A fixed-size value, reset per record without allocating.
    struct Findings {
        enum Problem: UInt8 {
            case missing, null, notString, notInteger, notNumber, notBoolean, notObject, notArray
            case notInEnum, badFormat, belowMinimum, aboveMaximum, tooFewItems, unknownField, duplicateField
        }

        typealias Finding = (problem: Problem, node: Int32, token: Int32)

        private static let none: Finding = (.missing, -1, -1)
        private var entries: (Finding, Finding, Finding, Finding, Finding, Finding, Finding) = (none, none, none, none, none, none, none)
        /// Bit `rule` is set when the rule has a finding.
        private(set) var broken: UInt8 = 0
        /// The next findings of rules already broken (a second enum value none of its field's), the first few kept with
        /// their rule, so that a record's message names every problem of a rule and the record is still one finding.
        private var extras: (Finding, Finding, Finding, Finding) = (none, none, none, none)
        private var extraRules: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        private var extraCount = 0
        /// Per rule, 8 bits of this word: how many findings it had after its first (up to 255).
        private var extraCounts: UInt64 = 0
        private static let extraLimit = 4

        var any: Bool { broken != 0 }

        /// The finding of rule number `rule` (a ``Rule`` raw value), if the record broke it.
        subscript(rule: Int) -> Finding? {
            guard broken & (1 << UInt8(rule)) != 0 else { return nil }
            return withUnsafeBytes(of: entries) { $0.load(fromByteOffset: rule * MemoryLayout<Finding>.stride, as: Finding.self) }
        }

        // Only records that break a rule get here: kept out of line, so the walk stays small enough to be inlined into.
        @inline(never)
        mutating func add(_ rule: Rule, _ problem: Problem, _ node: Int, _ token: Int) {
            let bit: UInt8 = 1 << UInt8(rule.rawValue)
            if broken & bit == 0 {
                withUnsafeMutableBytes(of: &entries) {
                    $0.storeBytes(of: (problem, Int32(node), Int32(token)), toByteOffset: rule.rawValue * MemoryLayout<Finding>.stride, as: Finding.self)
                }
                broken |= bit
            } else {
                if extraCount < Self.extraLimit {
                    withUnsafeMutableBytes(of: &extras) {
                        $0.storeBytes(of: (problem, Int32(node), Int32(token)), toByteOffset: extraCount * MemoryLayout<Finding>.stride, as: Finding.self)
                    }
                    withUnsafeMutableBytes(of: &extraRules) { $0[extraCount] = UInt8(rule.rawValue) }
                    extraCount += 1
                }
                let shift = UInt64(8 * rule.rawValue)
                if (extraCounts >> shift) & 0xFF < 0xFF { extraCounts &+= 1 << shift }
            }
        }

        /// The findings of rule number `rule` after its first (those kept), and how many more there were.
        func others(of rule: Int) -> (kept: [Finding], more: Int) {
            var kept: [Finding] = []
            for index in 0..<extraCount where withUnsafeBytes(of: extraRules, { Int($0[index]) }) == rule {
                kept.append(withUnsafeBytes(of: extras) { $0.load(fromByteOffset: index * MemoryLayout<Finding>.stride, as: Finding.self) })
            }
            return (kept, Int((extraCounts >> UInt64(8 * rule)) & 0xFF) - kept.count)
        }

        /// Puts this finding in the place of the rule's first.
        mutating func replace(_ rule: Rule, _ problem: Problem, _ node: Int, _ token: Int) {
            broken &= ~(1 << UInt8(rule.rawValue))
            add(rule, problem, node, token)
        }

        mutating func removeAll() {
            broken = 0
            extraCount = 0
            extraCounts = 0
        }
    }

    /// The message of the findings of rule number `rule` in a record: its first, then the others the record has
    /// (`tokens` must be the record's, valid until the next parse).
    func message(rule: Int, _ findings: Findings, tokens: Tokens) -> String {
        guard let first = findings[rule] else { return "" }
        let (others, more) = findings.others(of: rule)
        guard !others.isEmpty || more > 0 else { return message(first, tokens: tokens) }
        return ([first] + others).map { message($0, tokens: tokens) }.joined(separator: "; ") + (more > 0 ? "; and \(more) more" : "")
    }

    /// The message of a finding; `tokens` must be the record's (valid until the next parse).
    func message(_ finding: Findings.Finding, tokens: Tokens) -> String {
        let node = nodes[Int(finding.node)]
        let nodePath = paths[Int(finding.node)]
        let path = nodePath.isEmpty ? "(record)" : String(nodePath.dropFirst())
        let token = Int(finding.token)
        func value() -> String {
            switch tokens.kind(token) {
            case .string: "\"\(tokens.string(token).text)\""
            default: tokens.integer(token).map { "\($0)" } ?? tokens.number(token).map { "\($0)" } ?? "\(tokens.kind(token))"
            }
        }
        switch finding.problem {
        case .missing:
            // The other required fields the same object lacks, so that a record missing many says so (its finding is one).
            let others = missingSiblings(of: Int(finding.node), in: token, tokens)
            guard !others.isEmpty else { return "missing \(path)" }
            let shown = others.prefix(5).joined(separator: ", ")
            return "missing \(path) and \(others.count) more: \(shown)\(others.count > 5 ? ", ..." : "")"
        case .null: return "\(path) is null"
        case .notString: return "\(path) is not a string"
        case .notInteger:
            // 2.0 and 2e0 are integers to JSON Schema, not to Spark's LongType or most typed readers: say which it is.
            guard tokens.kind(token) == .double else { return "\(path) is not an integer" }
            return "\(path) is \(value()), written with a fraction or an exponent, not as an integer"
        case .notNumber: return "\(path) is not a number"
        case .notBoolean: return "\(path) is not a boolean"
        case .notObject: return "\(path) is not an object"
        case .notArray: return "\(path) is not an array"
        case .notInEnum:
            let allowed = (0..<max(0, Int(node.valueCount))).map { values[Int(node.firstValue) + $0].text }
            return "\(path) is \(value()), not one of \(allowed.joined(separator: ", "))"
        case .badFormat: return "\(path) \(value()) does not match its format"
        case .belowMinimum: return "\(path) is \(value()), below \(node.minimum)"
        case .aboveMaximum: return "\(path) is \(value()), above \(node.maximum)"
        case .tooFewItems: return "\(path) has \(tokens.childCount(token)) items, at least \(node.minItems) required"
        case .unknownField: return "unknown field \(path.isEmpty || path == "(record)" ? "" : path + ".")\(tokens.key(token).text)"
        case .duplicateField:
            return "field \(path.isEmpty || path == "(record)" ? "" : path + ".")\(tokens.key(token).text) appears more than once (this check and jansson read the last value, other readers the first)"
        }
    }

    /// The paths of the required fields other than `field` that the object at `object` (whose member `field` is missing)
    /// lacks too, in schema order. For messages only: it looks the parent node up among all nodes.
    private func missingSiblings(of field: Int, in object: Int, _ tokens: Tokens) -> [String] {
        guard tokens.kind(object) == .object,
              let parent = (0..<paths.count).first(where: { node in
                  nodes[node].kind == .object && (0..<Int(nodes[node].childCount)).contains { children[Int(nodes[node].firstChild) + $0] == Int32(field) }
              }) else { return [] }
        var present = Set<String>()
        var member = tokens.firstChild(object)
        let stop = tokens.childrenEnd(object)
        while member < stop {
            present.insert(tokens.key(member).text)
            member = tokens.next(member, inObject: true)
        }
        return (0..<Int(nodes[parent].childCount)).compactMap { offset -> String? in
            let child = Int(children[Int(nodes[parent].firstChild) + offset])
            guard child != field, nodes[child].required, !present.contains(nodes[child].name.text) else { return nil }
            return String(paths[child].dropFirst())
        }
    }

    /// Checks the record whose root object is value 0; fills the first ``slotCount`` of `slots` with token
    /// indexes (-1 when absent), and the next ``slotCount`` with the position among its enum's values of the value
    /// of each enumerated field (-1 when absent, not a string or none of them), so that the checks count values
    /// without matching them again.
    func check(_ tokens: Tokens, slots: UnsafeMutableBufferPointer<Int32>, findings: inout Findings) {
        precondition(slots.count >= 2 * slotCount)
        UnsafeMutableBufferPointer(rebasing: slots[..<(2 * slotCount)]).update(repeating: -1)
        checkChildren(of: root, tokens, 0, slots, &findings, EveryMember.self)
        if findings[Rule.duplicateFields.rawValue] != nil {
            // jansson and most readers keep the last of a member's values: judge those alone (the duplicate is the
            // finding), so that `"quantity":2.0,"quantity":1` is a duplicate, not also a mistyped quantity.
            findings.removeAll()
            UnsafeMutableBufferPointer(rebasing: slots[..<(2 * slotCount)]).update(repeating: -1)
            checkChildren(of: root, tokens, 0, slots, &findings, LastOfEachName.self)
        }
    }

    /// Whether the value at `slot` of a checked record is there and breaks none of its field's rules (type, enum,
    /// range, format): the checks beyond the schema judge such values only, so that a value the schema rejects is one
    /// finding, not also a broken business rule.
    func accepts(_ tokens: Tokens, _ slots: Slots, _ slot: Int) -> Bool {
        let token = Int(slots[slot])
        guard token >= 0 else { return false }
        return accepts(tokens, token, node: Int(slotNodes[slot]), enumPosition: slots[slotCount + slot])
    }

    /// The node of a field path such as `products[].price` (without a leading dot), for ``accepts(_:_:node:)``: the
    /// fields inside arrays have no slot.
    func node(_ path: String) -> Int {
        guard let index = paths.firstIndex(of: "." + path) else { preconditionFailure("no field \(path) in the \(type.rawValue) schema") }
        return index
    }

    /// Whether the value at `token` breaks none of the rules of the field `node` (``node(_:)``), as ``accepts(_:_:_:)``.
    func accepts(_ tokens: Tokens, _ token: Int, node: Int) -> Bool { accepts(tokens, token, node: node, enumPosition: nil) }

    /// `enumPosition`: the walk's position of the value among the enum's values, when the field has a slot.
    private func accepts(_ tokens: Tokens, _ token: Int, node index: Int, enumPosition: Int32?) -> Bool {
        let node = nodes.baseAddress! + index
        let kind = tokens.kind(token)
        func inRange(_ value: Double) -> Bool {
            node.pointee.rangeExempt || (value >= node.pointee.minimum && value <= node.pointee.maximum)
        }
        if kind == .null { return false }
        switch node.pointee.kind {
        case .string:
            guard kind == .string else { return false }
            if node.pointee.valueCount >= 0 {
                if let enumPosition { return enumPosition >= 0 }
                let bytes = tokens.string(token), first = Int(node.pointee.firstValue)
                return (first..<(first + Int(node.pointee.valueCount))).contains { sameBytes(bytes, values[$0]) }
            }
            return node.pointee.format == .none || matches(node, tokens.string(token))
        case .integer: return tokens.integer(token).map { inRange(Double($0)) } ?? false
        case .number: return tokens.number(token).map(inRange) ?? false
        case .boolean: return kind == .true || kind == .false
        case .object: return kind == .object
        case .array: return kind == .array && tokens.childCount(token) >= node.pointee.minItems
        }
    }

    /// The values of the enumerated field at `slot`, in the schema's order (the order of ``check``'s positions).
    func enumValues(slot: Int) -> [String] {
        guard let node = (0..<paths.count).first(where: { nodes[$0].slot == Int32(slot) }), nodes[node].valueCount >= 0 else { return [] }
        return (0..<Int(nodes[node].valueCount)).map { values[Int(nodes[node].firstValue) + $0].text }
    }

    /// Checks the members of the object, or the elements of the array, at `index` against the schema node
    /// `container`, going down into the containers among them. One loop for both, with the scalar checks in it,
    /// so that a record's walk makes a call per container, not per value.
    private func checkChildren<Walk: MemberWalk>(of container: Int, _ tokens: Tokens, _ index: Int, _ slots: UnsafeMutableBufferPointer<Int32>,
                                                 _ findings: inout Findings, _ walk: Walk.Type) {
        let nodes = self.nodes.baseAddress!, children = self.children.baseAddress!, names = childNames.baseAddress!
        let inObject = nodes[container].kind == .object
        let first = Int(nodes[container].firstChild), count = Int(nodes[container].childCount)
        var seen = 0 as UInt64
        var position = 0, items = 0
        var next = tokens.firstChild(index)
        let stop = tokens.childrenEnd(index)
        while next < stop {
            let child = next
            next = tokens.next(child, inObject: inObject)
            let field: Int
            if inObject {
                let key = tokens.key(child)
                // Records are usually in schema order: try the field at this position first.
                var fieldIndex = -1
                if position < count, sameBytes(key, names[first &+ position]) {
                    fieldIndex = position
                } else {
                    for candidate in 0..<count where sameBytes(key, names[first &+ candidate]) {
                        fieldIndex = candidate
                        break
                    }
                }
                position &+= 1
                guard fieldIndex >= 0 else {
                    findings.add(.unknownFields, .unknownField, container, child)
                    continue
                }
                field = Int(children[first &+ fieldIndex])
                if fieldIndex < 64 {
                    if seen & (1 << UInt64(fieldIndex)) != 0 { findings.add(.duplicateFields, .duplicateField, container, child) }
                    seen |= 1 << UInt64(fieldIndex)
                }
                // A member another of the same name follows is not read (see `check`).
                if Walk.lastOnly && Self.repeated(key, after: next, before: stop, tokens) { continue }
                let slot = Int(nodes[field].slot)
                if slot >= 0 { slots[slot] = Int32(truncatingIfNeeded: child) }
            } else {
                field = Int(nodes[container].element)
                items &+= 1
            }
            let node = nodes + field
            let kind = tokens.kind(child)
            if kind == .null {
                if !node.pointee.nullable { findings.add(.types, .null, field, child) }
                continue
            }
            switch node.pointee.kind {
            case .string:
                guard kind == .string else {
                    findings.add(.types, .notString, field, child)
                    continue
                }
                let bytes = tokens.string(child)
                if node.pointee.valueCount >= 0 {
                    let firstValue = Int(node.pointee.firstValue)
                    var found = -1
                    for value in firstValue..<(firstValue &+ Int(node.pointee.valueCount)) where sameBytes(bytes, values[value]) {
                        found = value &- firstValue
                        break
                    }
                    if found < 0 {
                        findings.add(.enums, .notInEnum, field, child)
                    } else if node.pointee.slot >= 0 {
                        slots[slotCount &+ Int(node.pointee.slot)] = Int32(truncatingIfNeeded: found)
                    }
                } else if node.pointee.format != .none, !matches(node, bytes) {
                    findings.add(.formats, .badFormat, field, child)
                }
            case .integer:
                guard let value = tokens.integer(child) else {
                    findings.add(.types, .notInteger, field, child)
                    continue
                }
                checkRange(node, field, Double(value), child, &findings)
            case .number:
                guard let value = tokens.number(child) else {
                    findings.add(.types, .notNumber, field, child)
                    continue
                }
                checkRange(node, field, value, child, &findings)
            case .boolean:
                if kind != .true && kind != .false { findings.add(.types, .notBoolean, field, child) }
            case .object:
                guard kind == .object else {
                    findings.add(.types, .notObject, field, child)
                    continue
                }
                checkChildren(of: field, tokens, child, slots, &findings, walk)
            case .array:
                guard kind == .array, node.pointee.element >= 0 else {
                    findings.add(.types, .notArray, field, child)
                    continue
                }
                checkChildren(of: field, tokens, child, slots, &findings, walk)
            }
        }
        if inObject {
            if seen != seenFirst(count) {
                for fieldIndex in 0..<count {
                    let field = Int(children[first + fieldIndex])
                    if nodes[field].required && seen & (1 << UInt64(fieldIndex)) == 0 {
                        // An object's members are checked before its own missing fields: a missing field of the record
                        // is named before one missing inside a nested object.
                        if let inside = findings[Rule.required.rawValue], nodes[Int(inside.node)].depth > nodes[field].depth {
                            findings.replace(.required, .missing, field, index)
                        } else {
                            findings.add(.required, .missing, field, index)
                        }
                        break
                    }
                }
            }
        } else if items < nodes[container].minItems {
            findings.add(.ranges, .tooFewItems, container, index)
        }
    }

    /// Which members of an object the walk reads: a type, so that the walk of every record is compiled without the
    /// test that only records with a repeated member need.
    private protocol MemberWalk { static var lastOnly: Bool { get } }
    private enum EveryMember: MemberWalk { static var lastOnly: Bool { false } }
    private enum LastOfEachName: MemberWalk { static var lastOnly: Bool { true } }

    /// Whether an object member from `member` to `stop` (the object's closing word) has the name `key`.
    private static func repeated(_ key: UnsafeBufferPointer<UInt8>, after member: Int, before stop: Int, _ tokens: Tokens) -> Bool {
        var other = member
        while other < stop {
            if sameBytes(tokens.key(other), key) { return true }
            other = tokens.next(other, inObject: true)
        }
        return false
    }

    /// The `seen` bits of the first `count` fields of an object.
    @inline(__always)
    private func seenFirst(_ count: Int) -> UInt64 { count >= 64 ? UInt64.max : (1 << UInt64(count)) &- 1 }

    @inline(__always)
    private func checkRange(_ node: UnsafePointer<Node>, _ field: Int, _ value: Double, _ index: Int, _ findings: inout Findings) {
        if node.pointee.rangeExempt { return }
        if value < node.pointee.minimum { findings.add(.ranges, .belowMinimum, field, index) }
        if value > node.pointee.maximum { findings.add(.ranges, .aboveMaximum, field, index) }
    }

    /// Whether a string matches its node's format.
    private func matches(_ node: UnsafePointer<Node>, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch node.pointee.format {
        case .none:
            return true
        case .idPrefix:
            let prefix = node.pointee.prefix
            guard bytes.count > prefix.count, sameBytes(UnsafeBufferPointer(rebasing: bytes[..<prefix.count]), prefix) else { return false }
            return isLowerHex(bytes, from: prefix.count)
        case .timestamp:
            return ISOTimestamp.isValid(bytes)
        case .upperLetters:
            return bytes.count == node.pointee.formatArgument && bytes.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
        case .leadingSlash:
            return bytes.first == UInt8(ascii: "/")
        case .resolution:
            guard let x = bytes.firstIndex(of: UInt8(ascii: "x")), x > 0, x < bytes.count - 1 else { return false }
            return bytes[..<x].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && bytes[(x + 1)...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        case .regex:
            let text = bytes.text
            return regexes[node.pointee.formatArgument].firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}

/// Whether `bytes[from...]` are all `0`-`9` or `a`-`f`: 8 bytes at a time when the string has 8, the last word
/// overlapping the bytes before `from`, which are taken as `0` for it.
@inline(__always)
func isLowerHex(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Bool {
    let count = bytes.count
    guard count >= 8, let base = bytes.baseAddress else {
        for byte in bytes[from...] where !((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)) { return false }
        return true
    }
    let raw = UnsafeRawPointer(base)
    var offset = from
    while offset + 8 <= count {
        guard lowerHex(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) else { return false }
        offset += 8
    }
    guard offset < count else { return true }
    let skipped = 8 - (count - offset)
    let low = skipped == 0 ? 0 : ~UInt64(0) >> UInt64(64 - 8 * skipped)
    let word = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    return lowerHex((word & ~low) | (0x3030_3030_3030_3030 & low))
}

/// Whether the 8 bytes of `word` are all `0`-`9` or `a`-`f` (per byte, without a carry between bytes: the
/// "has between" test of the Bit Twiddling Hacks).
@inline(__always)
private func lowerHex(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
    guard word & high == 0 else { return false }
    // High bit of each byte set when m < byte < n.
    func between(_ m: UInt64, _ n: UInt64) -> UInt64 {
        ((ones &* (127 + n)) &- word) & (word &+ ones &* (127 - m)) & high
    }
    return between(0x2F, 0x3A) | between(0x60, 0x67) == high
}

/// Reads the timestamps records carry: `YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC.
enum ISOTimestamp {
    /// Milliseconds since the epoch, or nil when the text is not exactly that shape or not a real time.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let (year, month, day, hour, minute, second, millisecond) = fields(bytes) else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }

    /// Whether ``parse(_:)`` would read a time (without the arithmetic to the epoch: the schema's format check).
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { fields(bytes) != nil }

    /// Year, month, day, hour, minute, second and millisecond, checked for range.
    @inline(__always)
    private static func fields(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int, Int, Int, Int, Int, Int)? {
        guard bytes.count == 24, let p = bytes.baseAddress, p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x54, p[13] == 0x3A,
              p[16] == 0x3A, p[19] == 0x2E, p[23] == 0x5A else { return nil }
        let year = digits(p, 0, 4), month = digits(p, 5, 2), day = digits(p, 8, 2), hour = digits(p, 11, 2)
        let minute = digits(p, 14, 2), second = digits(p, 17, 2), millisecond = digits(p, 20, 3)
        // A field that is not all digits is negative, so one test rejects them all.
        guard year | month | day | hour | minute | second | millisecond >= 0,
              (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        return (year, month, day, hour, minute, second, millisecond)
    }

    /// The decimal number in the `count` bytes from `from`, or -1 when one of them is not a digit.
    @inline(__always)
    private static func digits(_ p: UnsafePointer<UInt8>, _ from: Int, _ count: Int) -> Int {
        var value = 0, notDigit = false
        for index in from..<(from + count) {
            let digit = p[index] &- 0x30
            notDigit = notDigit || digit > 9
            value = value * 10 + Int(digit)
        }
        return notDigit ? -1 : value
    }
}
