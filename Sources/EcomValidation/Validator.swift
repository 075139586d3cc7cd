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
    /// Records must be inside [start, end) (alerts may follow their transaction past the end).
    public var window: (start: Int64, end: Int64)
    /// Tolerances, severities and which checks gate.
    public var gates: Gates
    /// Later timestamps are in the future.
    public var now: Int64

    public init(generator: ECommerceDataGenerator, seedKnown: Bool, catalog: ReferenceCatalog? = nil,
                window: (start: Int64, end: Int64)? = nil, gates: Gates = Gates(), now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        self.generator = generator
        self.seedKnown = seedKnown
        self.catalog = catalog ?? ReferenceCatalog(generator: generator)
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
        var lastTimestamp: Int64?
        var lastLocation: RecordLocation?
    }

    let settings: ValidationSettings
    let context: CheckContext
    private let parser = RecordParser()
    private(set) var checkers: [RecordType: TypeChecker] = [:]
    public private(set) var sources: [Source] = []
    private var slots: [Int32] = []
    private var findings = SchemaMatcher.Findings()
    private var lastParseError: String?
    private var parse = Tally("schema.parse", .schema, nil, "every line is one JSON object (valid UTF-8, valid JSON)")
    private var recognised = Tally("schema.record_type", .schema, nil, "every record is of a known type (by its file or its ID field)")
    private var schemaTallies: [RecordType: [Tally]] = [:]
    private var unique: [RecordType: Tally] = [:]
    private var window: [RecordType: Tally] = [:]
    private var future: [RecordType: Tally] = [:]
    private var order: [RecordType: Tally] = [:]
    private let started = Date()
    private let idFieldNames = RecordType.allCases.map { ($0, Array($0.idField.utf8)) }
    /// Records that break a record-level check are written here, when set.
    public var quarantine: Quarantine?

    public init(settings: ValidationSettings) {
        self.settings = settings
        context = CheckContext(settings: settings)
    }

    /// Registers an input; records of it are passed with its index. `type` is the record type its layout
    /// says (a `transactions/` directory, a topic), or nil to recognise each record by its fields.
    public func addSource(_ name: String, type: RecordType?) -> Int {
        sources.append(Source(name: name, type: type))
        return sources.count - 1
    }

    private func checker(_ type: RecordType) -> TypeChecker {
        if let existing = checkers[type] { return existing }
        let created: TypeChecker = switch type {
        case .transactions: TransactionChecker(context: context)
        case .userEvents: UserEventChecker(context: context)
        case .productUpdates: ProductUpdateChecker(context: context)
        case .fraudAlerts: AlertChecker(context: context)
        case .analyticsResults: AnalyticsChecker(context: context)
        }
        checkers[type] = created
        schemaTallies[type] = SchemaMatcher.Rule.allCases.map { Tally($0.id, .schema, type, $0.title) }
        unique[type] = Tally("referential.unique_id", .referential, type, "no \(type.idField) appears twice")
        window[type] = Tally("temporal.window", .temporal, type, "timestamps inside the window")
        future[type] = Tally("temporal.future", .temporal, type, "no timestamp in the future")
        order[type] = Tally("temporal.file_order", .temporal, type, "timestamps never go back in the order records were read")
        return created
    }

    /// The record type of a record from its first field (`transaction_id`, `event_id`, ...).
    private func recognise(_ tokens: Tokens) -> RecordType? {
        guard tokens.count > 1 else { return nil }
        for (type, name) in idFieldNames where tokens.member(0, name) != nil { return type }
        return nil
    }

    /// Checks one record. `line` is the record's bytes without the newline; `readable` how many bytes may be
    /// read from its start (a larger buffer lets the parser skip a copy).
    public func validate(_ line: UnsafeBufferPointer<UInt8>, readable: Int, at location: RecordLocation, source: Int) {
        guard let quarantine else { return check(line, readable: readable, at: location, source: source) }
        let before = allTallies.map(\.violations)
        check(line, readable: readable, at: location, source: source)
        let after = allTallies
        guard after.count != before.count || zip(before, after).contains(where: { $0 != $1.violations }) else { return }
        var broken: [String] = []
        for (index, tally) in after.enumerated() where index >= before.count ? tally.violations > 0 : tally.violations > before[index] {
            broken.append(tally.id)
        }
        if broken.isEmpty { return }
        quarantine.add(line, at: location, checks: broken, messages: findings.messages.compactMap { $0 } + (lastParseError.map { [$0] } ?? []))
    }

    /// Every record-level tally, in a stable order (for the quarantine's before-and-after comparison).
    private var allTallies: [Tally] {
        var tallies = [parse, recognised]
        for type in RecordType.allCases {
            guard let checker = checkers[type] else { continue }
            tallies += schemaTallies[type]! + [unique[type]!, window[type]!, future[type]!, order[type]!] + checker.tallies
        }
        return tallies
    }

    private func check(_ line: UnsafeBufferPointer<UInt8>, readable: Int, at location: RecordLocation, source: Int) {
        lastParseError = nil
        findings = SchemaMatcher.Findings()
        sources[source].records += 1
        sources[source].bytes += line.count + 1
        let tokens: Tokens
        switch parser.parse(line, readable: readable) {
        case let .failure(message):
            sources[source].unparseable += 1
            parse.fail(at: location, id: nil, message)
            lastParseError = message
            return
        case let .success(parsed):
            tokens = parsed
        }
        guard tokens.kind(0) == .object else {
            sources[source].unparseable += 1
            parse.fail(at: location, id: nil, "a JSON value that is not an object")
            return
        }
        parse.pass()
        guard let type = sources[source].type ?? recognise(tokens) else {
            recognised.fail(at: location, id: nil, "no transaction_id, event_id, update_id, alert_id or result_id: not a record ecomdata knows")
            return
        }
        recognised.pass()
        let checker = checker(type)
        let matcher = checker.matcher
        if slots.count < matcher.slotCount { slots = Array(repeating: -1, count: matcher.slotCount) }
        matcher.check(tokens, slots: &slots, findings: &findings)
        let id = tokens.string(slot: slots, checker.idSlot)
        let idText = { id?.text }
        for (rule, message) in findings.messages.enumerated() {
            if let message { schemaTallies[type]![rule].fail(at: location, id: idText(), message) } else { schemaTallies[type]![rule].pass() }
        }
        if let id {
            unique[type]!.record(checker.insertID(idHash(id)), at: location, id: idText(), "\(type.idField) \(id.text) appeared before")
        }
        let timestamp = tokens.string(slot: slots, checker.timestampSlot).flatMap(ISOTimestamp.parse)
        if let timestamp {
            let window = settings.window
            let late = type == .fraudAlerts ? 3_600_000 as Int64 : 0
            let inside = timestamp >= window.start && timestamp < window.end + late
            self.window[type]!.record(inside, at: location, id: idText(),
                                      "\(Timestamp(milliseconds: timestamp)) is outside \(Timestamp(milliseconds: window.start)) - \(Timestamp(milliseconds: window.end))")
            future[type]!.record(timestamp <= settings.now, at: location, id: idText(), "\(Timestamp(milliseconds: timestamp)) is in the future")
            // Order is judged among records inside the window, so that one stray timestamp is one finding, not a cascade.
            if inside && timestamp <= settings.now {
                if let last = sources[source].lastTimestamp {
                    order[type]!.record(timestamp >= last, at: location, id: idText(),
                                        "\(Timestamp(milliseconds: timestamp)) comes after \(Timestamp(milliseconds: last)) (\(sources[source].lastLocation?.description ?? ""))")
                } else {
                    order[type]!.pass()
                }
                if timestamp >= sources[source].lastTimestamp ?? .min {
                    sources[source].lastTimestamp = timestamp
                    sources[source].lastLocation = location
                }
            }
        }
        checker.check(tokens, slots, timestamp: timestamp, at: location, id: id)
    }

    /// A source that could not be read to its end (an I/O error): reported as a finding of `schema.parse`.
    public func unreadable(_ location: RecordLocation, _ why: String) {
        parse.fail(at: location, id: nil, why)
    }

    /// Every check, decided; then the report.
    public func finish(inputs: [String] = [], command: [String] = []) -> ValidationReport {
        let gates = settings.gates
        var results: [CheckResult] = []
        results += tallyResults([parse, recognised], gates: gates, empty: "no input records")
        for type in RecordType.allCases {
            guard let checker = checkers[type] else { continue }
            results += tallyResults(schemaTallies[type]! + [unique[type]!, window[type]!, future[type]!, order[type]!],
                                    gates: gates, empty: "no \(type.rawValue) with the fields this check reads")
            results += checker.results(gates: gates, all: checkers)
        }
        let families = CheckFamily.allCases
        results.sort { (families.firstIndex(of: $0.family)!, $0.id, $0.recordType?.rawValue ?? "") < (families.firstIndex(of: $1.family)!, $1.id, $1.recordType?.rawValue ?? "") }
        var distributions: [(String, JSONValue)] = []
        for type in RecordType.allCases { if let checker = checkers[type] { distributions.append((type.rawValue, checker.distributions())) } }
        return ValidationReport(settings: settings, sources: sources, checks: results, distributions: .object(distributions),
                                started: started, finished: Date(), command: command)
    }
}

extension TypeChecker {
    /// Adds a record ID to the type's set; false when it was there.
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
}
