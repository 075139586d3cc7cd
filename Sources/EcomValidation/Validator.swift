import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

/// What a validation run checks against.
public struct ValidationSettings: Sendable {
    /// The generator whose configuration (and seed, when known) sets the expectations.
    public var generator: ECommerceDataGenerator
    /// Whether the seed is the one the data was made with (it is reported, and the catalog rebuilt from it).
    public var seedKnown: Bool
    /// Users, products and cities the references must resolve to.
    public var catalog: ReferenceCatalog
    /// Whether the catalog was given (`--catalog`), rather than rebuilt from the generator's seed.
    public var catalogGiven: Bool
    /// Records must be inside [start, end), alerts too (the generator raises them inside the window).
    public var window: (start: Int64, end: Int64)
    /// Tolerances, severities and which checks gate.
    public var gates: Gates
    /// Later timestamps are in the future.
    public var now: Int64
    /// Why the records' timestamps are not the times they were made at (a replay rebased them, or looped them on in
    /// time), or nil: then their local hours, weekdays and dates say nothing of the configured profiles, and the
    /// checks of those are inconclusive, a time fraud's hour is not judged.
    public var timesMoved: String?

    /// Settings for data from `generator`'s configuration; the catalog defaults to the generator's, the window to
    /// its default one, `now` to the current time.
    public init(generator: ECommerceDataGenerator, seedKnown: Bool, catalog: ReferenceCatalog? = nil,
                window: (start: Int64, end: Int64)? = nil, gates: Gates = Gates(), now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        self.generator = generator
        self.seedKnown = seedKnown
        self.catalog = catalog ?? ReferenceCatalog(generator: generator)
        catalogGiven = catalog != nil
        self.window = window ?? (generator.window.start.milliseconds, generator.window.end.milliseconds)
        self.gates = gates
        self.now = now
    }
}

/// The validator engine: takes records one at a time with their location (a file line, or a topic
/// partition offset), checks each as it comes with memory bounded by the catalogs and per-key state, and
/// reports every check at the end.
public final class Validator {
    /// One input: a file, stdin or a topic partition.
    public struct Source: Sendable {
        public let name: String
        public var type: RecordType?
        public var records = 0
        public var bytes = 0
        public var unparseable = 0
        /// Lines that were empty or held only spaces, tabs and carriage returns: not records, not validated.
        public var blankLines = 0
        /// Lines that ended in `\r\n` (the `\r` is dropped), blank ones included.
        public var crlfLines = 0
        /// Whether the input started with a UTF-8 byte order mark (skipped).
        public var bom = false
        /// The input's size when known in advance (a file), to size the ID sets once.
        var expectedBytes: Int?
        /// For a file below a `date=YYYY-MM-DD` directory (the layout `historical` writes), that UTC day (days since the
        /// epoch): its records are stamped on it.
        var partitionDay: Int64?
        /// A topic partition: records of many keys interleave on it, and their order is judged per key by the audit
        /// (`audit.order_per_key`), not by file order.
        public var keyed = false
        /// Per record type (by ordinal), the file order so far: a file that mixes types is in order when each type is.
        var order = [TimeOrder](repeating: TimeOrder(), count: RecordType.allCases.count)
        /// Records and bytes whose order-dependent facts were judged (they lag behind `records` in a parallel run).
        var applied = 0, appliedBytes = 0
    }

    /// An input's file order for one record type: the latest record in order, held until the next record judges
    /// it, and the time of the record in order before it. (Unchecked: `record` points into the validator's input,
    /// used only by the thread that judges the order.)
    struct TimeOrder: @unchecked Sendable {
        private(set) var time: Int64?
        private(set) var location: RecordLocation?
        var before: Int64?
        /// The held record's ID: copied when the fact has it parsed, else read again from `record` (a file's mapping,
        /// valid while the run lasts) when a finding needs it.
        private var id: [UInt8] = []
        private var idCopied = false, hasID = false
        private var record = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        /// The held record's line, kept only for a quarantine (its buffer may be reused by then).
        private(set) var line: [UInt8] = []

        mutating func hold(_ time: Int64, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?, record: UnsafeBufferPointer<UInt8>,
                           hasID: Bool, line: UnsafeBufferPointer<UInt8>?) {
            self.time = time
            self.location = location
            self.hasID = hasID
            idCopied = id != nil
            if let id {
                self.id.removeAll(keepingCapacity: true)
                self.id.append(contentsOf: id)
            } else {
                self.record = record
            }
            if let line {
                self.line.removeAll(keepingCapacity: true)
                self.line.append(contentsOf: line)
            }
        }

        func idText(_ context: CheckContext, _ type: RecordType) -> String? {
            guard hasID else { return nil }
            return idCopied ? String(decoding: id, as: UTF8.self) : context.field(type.idField, of: record)
        }
    }

    /// What one record contributes to the checks that need the records read before it (unique IDs, file order):
    /// judged at once in a whole run, or kept for the merger in a shard. `record` is the record's line in its
    /// input (a file's mapping, valid until the merger is done with it); `id` the parsed ID, valid only while
    /// the record is being checked, so nil in a shard (the merger reads it again from the line when needed).
    struct RecordFact {
        var type: RecordType
        var record: UnsafeBufferPointer<UInt8>
        var hasID = false
        var hash: UInt64 = 0
        var id: UnsafeBufferPointer<UInt8>?
        /// The timestamp when it is inside the window and not in the future, else nil (not judged for order).
        var timestamp: Int64?
        var bytes: Int
        /// The record's line.
        var line: Int
        /// Read off its key's partition (the audit): a copy of its ID on a key's own partition is the record, this one
        /// the duplicate, whatever their order (see ``validate(_:readable:at:source:unterminated:stray:)``).
        var stray = false
    }

    public let settings: ValidationSettings
    let context: CheckContext
    private let parser = RecordParser()
    /// Per record type (by ``RecordType/ordinal``): its checker and tallies, created with its first record.
    var byType: [TypeState?] = Array(repeating: nil, count: RecordType.allCases.count)
    /// The ordinals of `byType`'s states in the order they were made (a new type's tallies come after those before).
    private var creationOrder: [Int] = []
    /// The checkers created so far.
    var checkers: [RecordType: TypeChecker] {
        Dictionary(uniqueKeysWithValues: byType.compactMap { $0.map { ($0.checker.type, $0.checker) } })
    }
    public internal(set) var sources: [Source] = []
    /// Records read so far, in every input.
    public var records: Int { sources.reduce(0) { $0 + $1.records } }
    /// Token indexes of the current record's fields by slot, then the positions of its enumerated fields' values
    /// (reused for every record; see ``SchemaMatcher/check(_:slots:findings:)``).
    private var slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 0)
    private var findings = SchemaMatcher.Findings()
    /// Whether the lines given stay readable at their address until the input is done (a mapped file), so that the
    /// record held for file order need not have its ID copied.
    var linesStay = false
    /// With a quarantine, the held record a record just judged out of file order (see ``apply(_:source:at:)``).
    private var heldOrderFailure: (line: [UInt8], location: RecordLocation, message: String)?
    var parse = Tally("schema.parse", .schema, nil, "every line is one JSON object (valid UTF-8, valid JSON)")
    var recognised = Tally("schema.record_type", .schema, nil, "every record is of a known type (by its file or its ID field), the type its input's name gives when it gives one")

    /// A type's checker and the tallies every type has.
    final class TypeState {
        let checker: TypeChecker
        /// The checker's schema and the slots of its ID and timestamp, kept here: read for every record without
        /// going through the protocol (a getter call and a retain each).
        let matcher: SchemaMatcher
        let idSlot: Int, timestampSlot: Int
        var schema: [Tally]
        var unique: Tally
        var window: Tally
        var future: Tally
        var order: Tally

        init(_ checker: TypeChecker) {
            let type = checker.type
            self.checker = checker
            matcher = checker.matcher
            idSlot = checker.idSlot
            timestampSlot = checker.timestampSlot
            schema = SchemaMatcher.Rule.allCases.map { Tally($0.id, .schema, type, $0.title) }
            unique = Tally("referential.unique_id", .referential, type, "no \(type.idField) appears twice")
            window = Tally("temporal.window", .temporal, type, "timestamps inside the window, and on the UTC day of their date= partition")
            future = Tally("temporal.future", .temporal, type, "no timestamp in the future")
            order = Tally(orderCheckID, .temporal, type, "timestamps never go back in the order records were read")
        }

        var tallies: [Tally] { schema + [unique, window, future, order] }

        /// Counts a record that broke no schema rule.
        func passSchema() {
            schema.withUnsafeMutableBufferPointer { tallies in
                for rule in tallies.indices { tallies[rule].pass() }
            }
        }
    }
    /// When the run began: this validator's making, or for partials judged together the earliest of theirs (the audit's
    /// start, not the moment its records were judged).
    var started = Date()
    /// ID fields, the ones other types also carry (transaction_id on events and alerts) last.
    private static let idFieldOrder = [RecordType.userEvents, .fraudAlerts, .productUpdates, .analyticsResults, .transactions]
    /// The same names at stable addresses, for the comparison with each record's first key (a constant: read for
    /// every record without a retain).
    private let idFieldBytes: [(RecordType, UnsafeBufferPointer<UInt8>)]
    private let idFieldStore: ByteStore

    /// The ID field names in ``idFieldOrder``, kept in `store`.
    private static func idFieldBytes(in store: ByteStore) -> [(RecordType, UnsafeBufferPointer<UInt8>)] {
        idFieldOrder.map { ($0, store.intern(Array($0.idField.utf8))) }
    }
    /// Records that break a record-level check are written here, when set (those of checks decided at the end too).
    public var quarantine: Quarantine? {
        didSet { context.endLines = quarantine == nil ? nil : [:] }
    }

    /// The files a run's manifest lists (`manifest.json` of a `historical` directory given as an input), with the records
    /// it says each holds: `referential.manifest` compares them with what was read.
    public var manifestFiles: [(manifest: String, file: String, records: Int)] = []

    /// Whether a purchase event's transaction is checked to be the one the event's session ends (set before the first
    /// record when user events may be among the inputs: it keeps 16 bytes a transaction).
    public var keepsPurchaseLinks: Bool {
        get { context.keepsPurchaseLinks }
        set { context.keepsPurchaseLinks = newValue }
    }

    /// Whether the record being checked was read off its key's partition (see ``validate(_:readable:at:source:unterminated:stray:)``).
    private var strayRecord = false

    /// Records read that name a member of an object twice (the checks read its last value, as jansson does).
    public private(set) var recordsWithRepeatedNames = 0
    /// Records of another type than their input's (they start with another type's ID field): checked as what they are.
    public private(set) var recordsOfOtherType = 0

    /// The hashes of the IDs of transactions whose lines could not be parsed (read off the line's start): a purchase
    /// event or alert that names one is not judged, as the transaction is the parse finding's, not a missing one.
    var unreadableTransactions = HashSet64()

    /// In a shard of a parallel run, the facts for the merger, in read order, since it last took them.
    var facts: [RecordFact] = []
    /// In a partial (``init(partialOf:)``), the facts and session events with the bytes they need, copied out of
    /// the input, so that the input can be let go once a record is checked.
    var owned: OwnedFacts?

    public init(settings: ValidationSettings) {
        self.settings = settings
        context = CheckContext(settings: settings)
        idFieldStore = ByteStore()
        idFieldBytes = Self.idFieldBytes(in: idFieldStore)
    }

    /// A shard of a parallel run: checks what it can judge record by record, and keeps the facts that need the
    /// records before them for the merger (``apply(_:source:at:)`` on the whole run's validator, in read order).
    init(shardOf settings: ValidationSettings) {
        self.settings = settings
        context = CheckContext(settings: settings, deferred: true)
        idFieldStore = ByteStore()
        idFieldBytes = Self.idFieldBytes(in: idFieldStore)
    }

    deinit { slots.deallocate() }

    /// Registers an input; records of it are passed with its index. `type` is the record type its layout
    /// says (a `transactions/` directory, a topic), or nil to recognise each record by its fields.
    public func addSource(_ name: String, type: RecordType?, bytes: Int? = nil) -> Int {
        var source = Source(name: name, type: type)
        source.expectedBytes = bytes
        source.partitionDay = Self.partitionDay(of: name)
        sources.append(source)
        return sources.count - 1
    }

    /// The UTC day of the innermost `date=YYYY-MM-DD` directory of a path, if it has one.
    static func partitionDay(of path: String) -> Int64? {
        for component in path.split(separator: "/").dropLast().reversed() where component.hasPrefix("date=") {
            guard let day = Timestamp(parsing: String(component.dropFirst(5)) + "T00:00:00.000Z") else { return nil }
            return Timestamp.floorDiv(day.milliseconds, Timestamp.millisecondsPerDay)
        }
        return nil
    }

    /// Adds a topic partition as an input (named `topic/partition`): known as a topic's from the start, so that one the
    /// audit reads nothing from is still a topic's (its emptiness is `audit.count`'s finding, not the validator's).
    public func addTopicSource(_ topic: String, partition: Int32, type: RecordType?) -> Int {
        let index = addSource("\(topic)/\(partition)", type: type)
        sources[index].keyed = true
        owned?.noteTemplate(index, .topic(topic, partition: partition))
        return index
    }

    func state(_ type: RecordType) -> TypeState {
        if let existing = byType[type.ordinal] { return existing }
        let checker: TypeChecker = switch type {
        case .transactions: TransactionChecker(context: context)
        case .userEvents:
            { let events = UserEventChecker(context: context); events.keepsLines = quarantine != nil; return events }()
        case .productUpdates: ProductUpdateChecker(context: context)
        case .fraudAlerts: AlertChecker(context: context)
        case .analyticsResults: AnalyticsChecker(context: context)
        }
        let created = TypeState(checker)
        byType[type.ordinal] = created
        creationOrder.append(type.ordinal)
        return created
    }

    /// Per record type, per other type, whether the first has the second's ID field among its own fields.
    private let carriedIDs: [[Bool]] = RecordType.allCases.map { type in
        let names = Set(RecordSchema.fields(of: type).map(\.name))
        return RecordType.allCases.map { names.contains($0.idField) }
    }

    /// The type of a record that starts with another type's ID field, one `type` does not have, or nil.
    private func otherType(_ tokens: Tokens, than type: RecordType) -> RecordType? {
        guard let member = tokens.firstMember else { return nil }
        let first = tokens.key(member)
        // Every record of the input's type starts so: one comparison of interned bytes (a String's UTF-8 view here cost
        // about 1 % of an audit).
        var other: RecordType?
        for (candidate, name) in idFieldBytes where sameBytes(first, name) {
            if candidate == type { return nil }
            other = candidate
            break
        }
        guard let other else { return nil }
        // An ID field the input's type does not carry tells another type: a transaction never has an event_id.
        guard carriedIDs[type.ordinal][other.ordinal] else { return other }
        // One it carries may be the record's reference (a user event may start with its transaction_id when a pipeline
        // reorders keys): it is another type's record only when it has no ID field of the input's type and more of the
        // other type's field names than of its own (a whole transaction written to user-events).
        if tokens.member(0, type.idField.utf8) != nil { return nil }
        let shared = sharedNames(tokens)
        return shared[other.ordinal] > shared[type.ordinal] ? other : nil
    }

    /// Per record type (by ordinal), how many of the root object's member names are among its top-level fields.
    private func sharedNames(_ tokens: Tokens) -> [Int] {
        var shared = Array(repeating: 0, count: RecordType.allCases.count)
        guard var child = tokens.firstMember else { return shared }
        let stop = tokens.childrenEnd(0)
        while child < stop {
            let key = tokens.key(child)
            for type in RecordType.allCases where topLevelNames[type.ordinal].contains(where: { key.elementsEqual($0) }) { shared[type.ordinal] += 1 }
            child = tokens.next(child, inObject: true)
        }
        return shared
    }

    /// The record type of a record from its ID field (`transaction_id`, `event_id`, ...).
    private func recognise(_ tokens: Tokens) -> RecordType? {
        guard let member = tokens.firstMember else { return nil }
        // Records start with their own ID, and no other type carries the ID of an event, update, alert or result.
        let first = tokens.key(member)
        for (type, name) in idFieldBytes where sameBytes(first, name) { return type }
        // Else the ID fields the record has: a type whose ID no other type carries is the record's; a transaction_id
        // alone may be an event's or an alert's reference (their own ID lost), so the field names tell then.
        var present: [RecordType] = []
        var child = member
        let stop = tokens.childrenEnd(0)
        while child < stop {
            let key = tokens.key(child)
            for (type, name) in idFieldBytes where sameBytes(key, name) && !present.contains(type) { present.append(type) }
            child = tokens.next(child, inObject: true)
        }
        let carriedByNone = present.filter { type in !RecordType.allCases.contains { $0 != type && carriedIDs[$0.ordinal][type.ordinal] } }
        if let type = carriedByNone.first { return type }
        // The type whose top-level field names the record shares most (an event that lost its event_id is still an event,
        // with its transaction_id a reference, not a transaction's ID).
        let shared = sharedNames(tokens)
        guard let best = shared.max(), best >= 2, shared.filter({ $0 == best }).count == 1 else { return nil }
        return RecordType.allCases[shared.firstIndex(of: best)!]
    }

    /// Per record type (by ordinal), the names of its top-level fields.
    private let topLevelNames: [[[UInt8]]] = RecordType.allCases.map { type in RecordSchema.fields(of: type).map { Array($0.name.utf8) } }

    /// Counts a line of input `source` that is not a record (`blank`), or a record's line that ended in `\r\n`.
    func countLine(source: Int, blank: Bool, crlf: Bool) {
        if blank { sources[source].blankLines += 1 }
        if crlf { sources[source].crlfLines += 1 }
    }

    /// Notes that input `source` started with a UTF-8 byte order mark.
    func noteBOM(source: Int) { sources[source].bom = true }

    /// Checks one record. `line` is the record's bytes without the newline; `readable` how many bytes may be
    /// read from its start (a larger buffer lets the parser skip a copy); `unterminated` tells that it is the last
    /// line of a file and has no newline (a message about a record cut short then says the file looks truncated).
    ///
    /// `stray`: a topic's record read on another partition than its key's (or without a key). In a merge, a copy of its
    /// ID on its key's partition counts first and this one is the duplicate, as the audit's `audit.duplicate` ranks them.
    public func validate(_ line: UnsafeBufferPointer<UInt8>, readable: Int, at location: RecordLocation, source: Int, unterminated: Bool = false,
                         stray: Bool = false) {
        strayRecord = stray
        guard let quarantine else { return check(line, readable: readable, at: location, source: source, unterminated: unterminated) }
        let before = allTallies.map(\.violations)
        check(line, readable: readable, at: location, source: source, unterminated: unterminated)
        // A record judged out of order only now, as this one came after it, is quarantined on its own; the tally
        // that counted it says nothing of this record (which is held in its place, not out of order).
        var heldFailures = heldOrderFailure.map { [($0.line, $0.location, orderCheckID, $0.message)] } ?? []
        heldOrderFailure = nil
        if let sessions = byType[RecordType.userEvents.ordinal]?.checker as? UserEventChecker {
            heldFailures += sessions.heldFailures
            sessions.heldFailures.removeAll()
        }
        for failure in heldFailures {
            failure.0.withUnsafeBufferPointer { quarantine.add($0, at: failure.1, checks: [failure.2], messages: [failure.3]) }
        }
        let after = allTallies
        guard after.count != before.count || zip(before, after).contains(where: { $0 != $1.violations }) else { return }
        var broken: [String] = [], messages: [String] = []
        for (index, tally) in after.enumerated() {
            // The violations this record added, less those of earlier records judged only now (quarantined above).
            let added = tally.violations - (index < before.count ? before[index] : 0) - heldFailures.count(where: { $0.2 == tally.id })
            if added <= 0 { continue }
            broken.append(tally.id)
            if let message = tally.lastMessage(at: location) { messages.append(message) }
        }
        if broken.isEmpty { return }
        quarantine.add(line, at: location, checks: broken, messages: messages)
    }

    /// Every record-level tally, in a stable order (for the quarantine's before-and-after comparison).
    private var allTallies: [Tally] {
        var tallies = [parse, recognised]
        // In the order the types were met, so that a record of a new type adds tallies after those of the record before.
        for ordinal in creationOrder {
            if let state = byType[ordinal] { tallies += state.tallies + state.checker.tallies }
        }
        return tallies
    }

    private func check(_ line: UnsafeBufferPointer<UInt8>, readable: Int, at location: RecordLocation, source: Int, unterminated: Bool) {
        findings.removeAll()
        sources[source].records += 1
        if sources[source].records == 1, case .topic = location { sources[source].keyed = true }
        sources[source].bytes += line.count + 1
        let tokens: Tokens
        switch parser.parse(line, readable: readable) {
        case let .failure(message):
            sources[source].unparseable += 1
            let explained = {
                ParseHint.explain(line, unterminated: unterminated, message: location.isTopic).map { "\(message.hasSuffix(".") ? String(message.dropLast()) : message); \($0)" } ?? message
            }
            let leading = ParseHint.leadingRecord(line)
            if let leading, leading.type == .transactions {
                _ = Array(leading.id.utf8).withUnsafeBufferPointer { unreadableTransactions.insert(idHash($0)) }
            }
            parse.fail(at: location, id: leading?.id, explained())
            return
        case let .success(parsed):
            tokens = parsed
        }
        guard tokens.kind(0) == .object else {
            sources[source].unparseable += 1
            let kind = tokens.kind(0)
            let what = switch kind {
            case .array: "an array"
            case .string: "a string"
            case .int64, .uint64, .double: "a number"
            case .null: "null"
            default: "a boolean"
            }
            parse.fail(at: location, id: nil, "a JSON value that is not an object: \(what), where a record should be")
            return
        }
        parse.pass()
        guard var type = sources[source].type ?? recognise(tokens) else {
            recognised.fail(at: location, id: nil, "no transaction_id, event_id, update_id, alert_id or result_id: not a record ecomdata knows")
            return
        }
        if sources[source].type != nil, let other = otherType(tokens, than: type) {
            // A record of another type in an input named for one (a mixed-up export): said once, as what it is,
            // and checked as the record it is rather than as a broken one of the input's type.
            recognised.fail(at: location, id: tokens.firstMember.flatMap { tokens.kind($0) == .string ? tokens.string($0).text : nil },
                            "a \(other.rawValue) record (it starts with \(other.idField)) in an input of \(type.rawValue)")
            type = other
            recordsOfOtherType += 1
        } else {
            recognised.pass()
        }
        let state = state(type)
        let checker = state.checker
        let matcher = state.matcher
        // The ID is usually the first member: its place in the ID set (a random one, rarely cached) is fetched
        // while the schema is checked.
        var firstHash = (token: -1, hash: UInt64(0))
        if !context.deferred, let member = tokens.firstMember, tokens.kind(member) == .string {
            firstHash = (member, idHash(tokens.string(member)))
            checker.prefetchID(firstHash.hash)
        }
        if slots.count < 2 * matcher.slotCount {
            slots.deallocate()
            slots = .allocate(capacity: 2 * matcher.slotCount)
        }
        matcher.check(tokens, slots: slots, findings: &findings)
        let slots = Slots(self.slots)
        checker.prefetch(tokens, slots)
        let id = tokens.string(slot: slots, state.idSlot)
        func idText() -> String? { id?.text }
        // A record that broke no rule passes them all in one go (one uniqueness check of the tallies, not one per rule).
        if !findings.any { state.passSchema() } else if findings[SchemaMatcher.Rule.duplicateFields.rawValue] != nil { recordsWithRepeatedNames += 1 }
        for rule in 0..<SchemaMatcher.Rule.allCases.count where findings.any {
            if findings[rule] != nil {
                state.schema[rule].fail(at: location, id: idText(), matcher.message(rule: rule, findings, tokens: tokens))
            } else {
                state.schema[rule].pass()
            }
        }
        var fact = RecordFact(type: type, record: line, id: context.deferred ? nil : id, bytes: line.count + 1, line: location.line)
        if let id {
            fact.hasID = true
            fact.hash = Int(slots[state.idSlot]) == firstHash.token ? firstHash.hash : idHash(id)
        }
        let timestamp = tokens.string(slot: slots, state.timestampSlot).flatMap(ISOTimestamp.parse)
        if let timestamp {
            let window = settings.window
            // Alerts too: the generator raises an alert inside the window, even for a transaction in its last seconds.
            var inside = timestamp >= window.start && timestamp < window.end
            if inside, let day = sources[source].partitionDay, Timestamp.floorDiv(timestamp, Timestamp.millisecondsPerDay) != day {
                // A record in another day's partition: outside that file's window (and not judged for its order).
                inside = false
                state.window.fail(at: location, id: idText(),
                                  "\(Timestamp(milliseconds: timestamp)) is in the partition of \(Timestamp(milliseconds: day * Timestamp.millisecondsPerDay).description.prefix(10)), another UTC day")
            } else {
                state.window.record(inside, at: location, id: idText(),
                                    "\(Timestamp(milliseconds: timestamp)) is outside \(Timestamp(milliseconds: window.start)) - \(Timestamp(milliseconds: window.end))")
            }
            state.future.record(timestamp <= settings.now, at: location, id: idText(), "\(Timestamp(milliseconds: timestamp)) is in the future")
            // Order is judged among records inside the window, so that one stray timestamp is one finding, not a cascade.
            if inside && timestamp <= settings.now { fact.timestamp = timestamp }
        }
        if let owned {
            fact.stray = strayRecord
            owned.keep(fact, id: id, source: source, at: location)
        } else if context.deferred {
            facts.append(fact)
        } else {
            context.duplicate = apply(fact, state: state, source: source, at: location)
        }
        context.record = line
        context.schemaClean = !findings.any
        checker.check(tokens, slots, timestamp: timestamp, at: location, id: id)
        if let owned, type == .userEvents { owned.keepSessionEvents(of: checker, tokens: tokens, source: source) }
    }

    /// Starts loading the place of a fact's ID in its type's ID set (the merger looks a few facts ahead).
    @inline(__always)
    func prefetch(_ fact: RecordFact) {
        if fact.hasID { prefetchID(fact.type, fact.hash) }
    }

    /// Starts loading the place of the ID hashed `hash` in the ID set of `type`.
    @inline(__always)
    func prefetchID(_ type: RecordType, _ hash: UInt64) {
        if let state = byType[type.ordinal] { state.checker.prefetchID(hash) }
    }

    /// Judges a record's order-dependent facts: its ID against the IDs before it, its time against the latest
    /// time before it. Called in read order: for each record as it comes, or by the merger of a parallel run.
    /// Returns whether the record's ID was read before (a duplicate: its session events are left out of the session checks).
    @discardableResult
    func apply(_ fact: RecordFact, source: Int, at location: @autoclosure () -> RecordLocation) -> Bool {
        apply(fact, state: state(fact.type), source: source, at: location())
    }

    /// ``apply(_:source:at:)`` with the fact's type state at hand.
    @discardableResult
    private func apply(_ fact: RecordFact, state: TypeState, source: Int, at location: @autoclosure () -> RecordLocation) -> Bool {
        let checker = state.checker
        sources[source].applied += 1
        sources[source].appliedBytes += fact.bytes
        if sources[source].applied == 1024, let total = sources[source].expectedBytes {
            // The first records tell the size of one: make room for the whole input's IDs in one step.
            checker.ids.reserve(checker.ids.count + total / max(1, sources[source].appliedBytes / 1024))
        }
        func idText() -> String? { fact.id?.text ?? (fact.hasID ? context.field(fact.type.idField, of: fact.record) : nil) }
        var duplicate = false
        if fact.hasID {
            duplicate = !checker.insertID(fact.hash)
            state.unique.record(!duplicate, at: location(), id: idText(), "\(fact.type.idField) \(idText() ?? "") appeared before")
        }
        // A record read again (its ID seen before) is the unique-ID check's finding, not a step back in file order.
        guard let timestamp = fact.timestamp, !sources[source].keyed, !duplicate else { return duplicate }
        // The latest record in order is judged when the next one comes: a record that goes back in time is out of
        // place when it is earlier than the two in order before it, else the one before it is (later than the
        // records on both sides). So one record moved later or earlier is one finding, at its own line.
        let ordinal = fact.type.ordinal
        // (The held record is read in place: a copy would share its ID buffer, and the next `hold` allocate one.)
        if let pending = sources[source].order[ordinal].time {
            let before = sources[source].order[ordinal].before
            if timestamp >= pending {
                state.order.pass()
                sources[source].order[ordinal].before = pending
            } else if let before, timestamp < before {
                let heldAt = sources[source].order[ordinal].location?.description ?? ""
                state.order.fail(at: location(), id: idText(),
                                 "\(Timestamp(milliseconds: timestamp)) comes after \(Timestamp(milliseconds: pending)) (\(heldAt))")
                return duplicate
            } else {
                let message = "\(Timestamp(milliseconds: pending)) is later than the next record's \(Timestamp(milliseconds: timestamp)) (\(location().description))"
                    + (before.map { " and the one before's \(Timestamp(milliseconds: $0))" } ?? "")
                let heldAt = sources[source].order[ordinal].location!
                state.order.fail(at: heldAt, id: sources[source].order[ordinal].idText(context, fact.type), message)
                if quarantine != nil { heldOrderFailure = (sources[source].order[ordinal].line, heldAt, message) }
            }
        }
        sources[source].order[ordinal].hold(timestamp, at: location(), id: linesStay ? nil : fact.id, record: fact.record, hasID: fact.hasID,
                                            line: quarantine == nil ? nil : fact.record)
        return duplicate
    }

    /// Judges the last record of each input's file order, in order when nothing came after it.
    private func judgeLastInOrder() {
        for source in sources.indices {
            for type in RecordType.allCases where sources[source].order[type.ordinal].time != nil {
                state(type).order.pass()
                sources[source].order[type.ordinal] = TimeOrder()
            }
        }
    }

    /// Judges session events a shard kept, in read order.
    /// Judges session events a shard kept, in read order, but those of the `duplicates` (by line): a record read
    /// again is the unique-ID check's finding, not a step of its session.
    func applySessionEvents(_ events: [UserEventChecker.SessionEvent], duplicates: Set<Int> = []) {
        guard let sessions = state(.userEvents).checker as? UserEventChecker else { return }
        for event in events where duplicates.isEmpty || !duplicates.contains(event.location!.line) { sessions.apply(event, at: event.location!) }
    }

    /// Adds a shard's counts, tallies and checkers once all its facts were applied; `sourceMap` gives, for each
    /// of the shard's inputs, the index of the same input here.
    func absorb(_ shard: Validator, sourceMap: [Int]) {
        let order = readOrder()
        for (index, part) in shard.sources.enumerated() {
            sources[sourceMap[index]].records += part.records
            sources[sourceMap[index]].bytes += part.bytes
            sources[sourceMap[index]].unparseable += part.unparseable
            sources[sourceMap[index]].blankLines += part.blankLines
            sources[sourceMap[index]].crlfLines += part.crlfLines
        }
        parse.merge(shard.parse, order: order)
        recognised.merge(shard.recognised, order: order)
        for hash in shard.unreadableTransactions.values { _ = unreadableTransactions.insert(hash) }
        for part in shard.byType.compactMap({ $0 }) {
            let state = state(part.checker.type)
            for rule in state.schema.indices { state.schema[rule].merge(part.schema[rule], order: order) }
            state.unique.merge(part.unique, order: order)
            state.window.merge(part.window, order: order)
            state.future.merge(part.future, order: order)
            state.order.merge(part.order, order: order)
            state.checker.merge(part.checker, order: order)
        }
    }

    /// Ranks locations in read order: by input, then line or offset.
    private func readOrder() -> (RecordLocation) -> ReadOrder {
        var names: [String: Int] = [:]
        for (index, source) in sources.enumerated() where names[source.name] == nil { names[source.name] = index }
        return { location in
            switch location {
            case let .file(name, line): (names[name] ?? Int.max, line)
            // A topic partition is its own input, named `topic/partition` (as the audit adds them).
            case let .topic(name, partition, offset): (names["\(name)/\(partition)"] ?? names[name] ?? Int.max, Int(offset))
            }
        }
    }

    /// Every check, decided; then the report.
    public func finish(command: [String] = []) -> ValidationReport {
        judgeLastInOrder()
        let gates = settings.gates
        var results: [CheckResult] = []
        results += tallyResults([parse, recognised], gates: gates, empty: "no input records")
        if records == 0 && !sources.isEmpty && sources.allSatisfy(\.keyed) {
            // Topics with nothing read: the audit's audit.count is the finding (and a gate there may allow it); there is
            // nothing for the validator to judge.
            results[0].status = .inconclusive
            results[0].reason = "no records were read from the \(sources.count) topic partition(s) (audit.count says why)"
        } else if records == 0 {
            // Nothing read is not data that passed: a gate on an empty export must not be green.
            let blank = sources.reduce(0) { $0 + $1.blankLines }
            results[0].status = .fail
            results[0].reason = "no records in \(sources.count) input(s)\(blank > 0 ? " (\(blank) blank lines)" : ""): nothing was validated; check that the export wrote its data"
            results[0].gating = gates.gate(for: parse.id).gating ?? true
        } else if sources.allSatisfy({ $0.records == $0.unparseable }) {
            // Nor is nothing readable, whatever number of unparseable lines a gate allows.
            results[0].status = .fail
            results[0].reason = "none of the \(records) \(sources.allSatisfy(\.keyed) ? "payloads" : "lines") read is a JSON object: nothing was validated"
            results[0].gating = gates.gate(for: parse.id).gating ?? true
        }
        let all = checkers
        context.unreadableTransactions = unreadableTransactions
        // Topic partitions hold many keys' records interleaved: their order is the audit's, per key.
        let read = sources.filter { $0.records > 0 }
        let keyedOnly = !read.isEmpty && read.allSatisfy(\.keyed)
        let order = readOrder()
        for state in byType.compactMap({ $0 }) {
            // A record held for file order is judged one record late: its example may follow a later record's.
            state.order.sortExamples(order)
            let tallies = state.tallies.filter { !(keyedOnly && $0.id == orderCheckID && $0.checked == 0) }
            var typeResults = tallyResults(tallies, gates: gates, empty: "no \(state.checker.type.rawValue) with the fields this check reads")
            // Order is judged among the records inside the window: with none there, say so (the records have their fields).
            if let index = typeResults.firstIndex(where: { $0.id == orderCheckID && $0.checked == 0 }), state.window.violations > 0,
               state.window.violations == state.window.checked {
                typeResults[index].reason = "none of the \(state.window.checked) \(state.checker.type.rawValue) is inside the window "
                    + "(see temporal.window): their order is judged among the records inside it"
            }
            results += typeResults
            // A session's held event is judged when the session's next event comes, its first event's user with the
            // next two, an alert against its transaction at the end: their examples may follow later ones.
            results += state.checker.results(gates: gates, all: all).map { result in
                guard ["temporal.session_order", "temporal.alert_after_transaction", "referential.session_user"].contains(result.id) else { return result }
                var sorted = result
                sorted.examples.sort { order($0.location) < order($1.location) }
                return sorted
            }
        }
        // The records the checks decided at the end found broken, kept for the quarantine as they were read.
        if let quarantine, let lines = context.endLines {
            for failure in context.endFailures {
                lines[failure.location]?.withUnsafeBufferPointer { quarantine.add($0, at: failure.location, checks: [failure.check], messages: [failure.message]) }
            }
            context.endFailures.removeAll()
        }
        if !settings.seedKnown && !settings.catalogGiven {
            // Nearly every record disagreeing with a catalog rebuilt from the default seed is most likely data made
            // with another seed: say so, and what to pass, where the examples alone would only list mismatches. Three in
            // four: a user event's product is judged by its category alone, which another seed's matches by chance
            // about one time in eight.
            let catalogChecks: Set<String> = ["referential.user_id", "referential.product_id", "referential.product_details"]
            for index in results.indices where catalogChecks.contains(results[index].id) && results[index].status == .fail
                && results[index].checked >= 20
                && results[index].violations * 4 >= results[index].checked * 3 {
                results[index].reason = "\(results[index].violations) of \(results[index].checked) records disagree with the catalog, "
                    + "which was rebuilt from seed \(settings.generator.seed) as neither --seed nor --catalog was given: data made with "
                    + "another seed fails so; pass the seed the data was generated with (--seed N) or its catalog (--catalog DIR)"
            }
        }
        if !manifestFiles.isEmpty { results += tallyResults([manifestTally()], gates: gates, empty: "") }
        let families = CheckFamily.allCases
        results.sort { (families.firstIndex(of: $0.family)!, $0.id, $0.recordType?.rawValue ?? "") < (families.firstIndex(of: $1.family)!, $1.id, $1.recordType?.rawValue ?? "") }
        var distributions: [(String, JSONValue)] = []
        for state in byType.compactMap({ $0 }) { distributions.append((state.checker.type.rawValue, state.checker.distributions())) }
        return ValidationReport(settings: settings, sources: sources, checks: results, distributions: .object(distributions),
                                started: started, finished: Date(), command: command)
    }
}

private let orderCheckID = "temporal.file_order"

extension Validator {
    /// Each file a manifest lists holds the records it says: fewer were lost since the run wrote them (no record-level
    /// check can see a record that is not there), more were added; a file not read is missing.
    func manifestTally() -> Tally {
        var tally = Tally("referential.manifest", .referential, nil, "the files a historical run's manifest.json lists hold the records it counts")
        func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var read: [String: Source] = [:]
        for source in sources { read[standard(source.name)] = source }
        for entry in manifestFiles {
            guard let source = read[standard(entry.file)] else {
                tally.fail(at: .file(entry.manifest, line: 1), id: nil, "\(entry.file) is listed with \(entry.records) records but was not read (missing)")
                continue
            }
            let (held, listed) = (source.records, entry.records)
            tally.record(held == listed, at: .file(source.name, line: max(1, held)), id: nil,
                         "holds \(held) records, the manifest lists \(listed): \(held < listed ? "\(listed - held) lost" : "\(held - listed) added") since the run wrote it")
        }
        return tally
    }
}

extension RecordType {
    /// Position in ``RecordType/allCases``.
    var ordinal: Int {
        switch self {
        case .transactions: 0
        case .userEvents: 1
        case .productUpdates: 2
        case .fraudAlerts: 3
        case .analyticsResults: 4
        }
    }
}
