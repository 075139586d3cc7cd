import EcomJSON
import EcomModel

/// The family a check belongs to.
public enum CheckFamily: String, Sendable, CaseIterable {
    case schema, referential, temporal, coordinates, distribution, business
}

/// The outcome of a check.
public enum CheckStatus: String, Sendable, Comparable {
    case pass, warn, fail, inconclusive

    /// Severity order: pass < inconclusive < warn < fail.
    var rank: Int {
        switch self {
        case .pass: 0
        case .inconclusive: 1
        case .warn: 2
        case .fail: 3
        }
    }

    public static func < (a: CheckStatus, b: CheckStatus) -> Bool { a.rank < b.rank }
}

/// Where a record was read.
public enum RecordLocation: Sendable, Hashable {
    /// A line of a file (1-based).
    case file(String, line: Int)
    /// A message of a topic partition.
    case topic(String, partition: Int32, offset: Int64)

    /// `file:line` or `topic/partition@offset`.
    public var description: String {
        switch self {
        case let .file(path, line): "\(path):\(line)"
        case let .topic(topic, partition, offset): "\(topic)/\(partition)@\(offset)"
        }
    }

    /// Whether it is a message of a topic (not a file's line).
    var isTopic: Bool {
        if case .topic = self { return true }
        return false
    }

    /// The line, or the offset, of the location.
    var line: Int {
        switch self {
        case let .file(_, line): line
        case let .topic(_, _, offset): Int(offset)
        }
    }

    var json: JSONValue {
        switch self {
        case let .file(path, line): .object([("file", .string(path)), ("line", .int(Int64(line)))])
        case let .topic(topic, partition, offset):
            .object([("topic", .string(topic)), ("partition", .int(Int64(partition))), ("offset", .int(offset))])
        }
    }
}

/// A record's place in the order records were read: its input, then its line (or offset).
typealias ReadOrder = (source: Int, position: Int)

/// Ranks `a` before `b` in read order.
func < (a: ReadOrder, b: ReadOrder) -> Bool { a.source != b.source ? a.source < b.source : a.position < b.position }

/// One violating record, as a report shows it.
public struct Example: Sendable {
    /// Where the record is.
    public let location: RecordLocation
    /// The record's ID, when it has one.
    public let id: String?
    /// What is wrong with it.
    public let message: String
}

/// The statistic of a distribution check.
public struct CheckStatistic: Sendable {
    /// One category of a split.
    public struct Category: Sendable {
        public let name: String
        public let count: Int
        public let observed: Double
        public let expected: Double
        public let interval: (low: Double, high: Double)
        /// The margin its share is judged within, when it is judged on one.
        public var tolerance: Double? = nil
    }

    public var observed: Double
    public var expected: Double
    public var tolerance: Double
    public var interval: (low: Double, high: Double)
    public var test: String
    public var value: Double
    public var pValue: Double
    public var effectSize: Double
    public var effect: String
    public var categories: [Category] = []

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("observed", .double(observed)), ("expected", .double(expected)), ("tolerance", .double(tolerance)),
            ("interval", .array([.double(interval.low), .double(interval.high)])), ("test", .string(test)),
            ("value", .double(value)), ("p_value", .double(pValue)), ("effect_size", .double(effectSize)),
            ("effect", .string(effect)),
        ]
        if !categories.isEmpty {
            members.append(("categories", .array(categories.map { c in
                .object([("name", .string(c.name)), ("observed_count", .int(Int64(c.count))), ("observed", .double(c.observed)),
                         ("expected", .double(c.expected)), ("interval", .array([.double(c.interval.low), .double(c.interval.high)]))]
                        + (c.tolerance.map { [("tolerance", .double($0))] } ?? []))
            })))
        }
        return .object(members)
    }
}

/// A finished check.
public struct CheckResult: Sendable {
    /// `family.name`.
    public let id: String
    public let family: CheckFamily
    /// The record type it looked at, if one.
    public let recordType: RecordType?
    /// One line for a reviewer.
    public let title: String
    public var status: CheckStatus
    /// Why, for inconclusive (always), warn and fail.
    public var reason: String?
    /// Whether a failure fails the run.
    public var gating: Bool
    /// Records or values looked at.
    public var checked: Int
    /// Records that broke it.
    public var violations: Int
    /// Violations allowed before it fails.
    public var maxViolations: Int
    public var statistic: CheckStatistic?
    /// Up to ``Tally/exampleLimit`` violating records.
    public var examples: [Example]

    var json: JSONValue {
        .object([
            ("id", .string(id)), ("family", .string(family.rawValue)),
            ("record_type", recordType.map { .string($0.rawValue) } ?? .null), ("title", .string(title)),
            ("status", .string(status.rawValue)), ("reason", reason.map { .string($0) } ?? .null), ("gating", .bool(gating)),
            ("checked", .int(Int64(checked))), ("violations", .int(Int64(violations))),
            ("max_violations", .int(Int64(maxViolations))), ("statistic", statistic?.json ?? .null),
            ("examples", .array(examples.map { e in
                .object([("location", e.location.json), ("id", e.id.map { .string($0) } ?? .null), ("message", .string(e.message))])
            })),
        ])
    }
}

/// Counts what a record-level check saw: records checked, violations and the first examples.
public struct Tally: Sendable {
    /// Examples kept per check.
    public static let exampleLimit = 20

    public let id: String
    public let family: CheckFamily
    public let recordType: RecordType?
    public let title: String
    public internal(set) var checked = 0
    public internal(set) var violations = 0
    public internal(set) var examples: [Example] = []
    /// With a quarantine (``keepsLastFailure``), the last failure once the examples are full: the quarantine says
    /// why each record it holds broke its checks.
    private var lastFailure: Example?
    /// Set for the process when a quarantine is made: failures past the kept examples then still build their
    /// message, once, for the record's quarantine entry. (Off, a check that fails on every record formats nothing.)
    nonisolated(unsafe) static var keepsLastFailure = false

    public init(_ id: String, _ family: CheckFamily, _ recordType: RecordType?, _ title: String) {
        self.id = id
        self.family = family
        self.recordType = recordType
        self.title = title
    }

    /// One record passed.
    public mutating func pass() { checked += 1 }

    /// One record broke the check; `message` is built only for kept examples.
    public mutating func fail(at location: RecordLocation, id: @autoclosure () -> String?, _ message: @autoclosure () -> String) {
        checked += 1
        violations += 1
        keep(location, id(), message())
    }

    /// Keeps a failure as an example while there are fewer than the limit, else as the last failure for the
    /// quarantine; the ID and message are built only then.
    private mutating func keep(_ location: RecordLocation, _ id: @autoclosure () -> String?, _ message: @autoclosure () -> String) {
        guard examples.count < Tally.exampleLimit || Tally.keepsLastFailure else { return }
        let example = Example(location: location, id: id().map(Tally.bounded), message: Tally.bounded(message()))
        if examples.count < Tally.exampleLimit { examples.append(example) } else { lastFailure = example }
    }

    /// A message or ID from the data cut to its first 500 characters (a megabyte-long field would otherwise be
    /// copied into every report and line of output that shows the example).
    static func bounded(_ text: String) -> String {
        guard text.utf8.count > 500 else { return text }
        let count = text.count
        guard count > 500 else { return text }
        return String(text.prefix(500)) + "… (\(count) characters in all)"
    }

    /// The message of the failure last recorded at `location`, when it is kept (the quarantine's "why").
    func lastMessage(at location: RecordLocation) -> String? {
        if let lastFailure, lastFailure.location == location { return lastFailure.message }
        return examples.last { $0.location == location }?.message
    }

    /// A record already counted as passing turned out to break the check (found at the end of the run).
    public mutating func failCounted(at location: RecordLocation, id: String?, _ message: String) {
        violations += 1
        keep(location, id, message)
    }

    /// Records a result: pass, or fail when a record broke the check.
    public mutating func record(_ ok: Bool, at location: RecordLocation, id: @autoclosure () -> String?, _ message: @autoclosure () -> String) {
        if ok { pass() } else { fail(at: location, id: id(), message()) }
    }

    /// Adds another part of the same run's tally (a shard of the input): counts add up, and the examples are
    /// the first ones in read order, as `order` ranks locations.
    mutating func merge(_ other: Tally, order: (RecordLocation) -> ReadOrder) {
        checked += other.checked
        violations += other.violations
        guard !other.examples.isEmpty else { return }
        examples = Array((examples + other.examples).sorted { order($0.location) < order($1.location) }.prefix(Tally.exampleLimit))
    }

    /// Puts the examples in read order, as `order` ranks locations.
    mutating func sortExamples(_ order: (RecordLocation) -> ReadOrder) {
        examples.sort { order($0.location) < order($1.location) }
    }

    /// The result, decided against `maxViolations`; nothing checked is inconclusive with `emptyReason`.
    func result(maxViolations: Int, gating: Bool, emptyReason: String) -> CheckResult {
        var status: CheckStatus = violations > maxViolations ? .fail : .pass
        var reason: String? = violations > maxViolations ? "\(violations) of \(checked) records break it (at most \(maxViolations) allowed)" : nil
        if checked == 0 {
            status = .inconclusive
            reason = emptyReason
        }
        return CheckResult(id: id, family: family, recordType: recordType, title: title, status: status, reason: reason,
                           gating: gating, checked: checked, violations: violations, maxViolations: maxViolations,
                           statistic: nil, examples: examples)
    }
}
