import EcomModel
import Foundation
import Yams

/// What a gates file or an `--expect` flag sets for one check (or one category of a split).
public struct Gate: Sendable, Equatable {
    /// The expected value (a share or rate), replacing the configured one.
    public var expected: Double?
    /// The equivalence margin around the expected value.
    public var tolerance: Double?
    /// Violations allowed before a record-level check fails.
    public var maxViolations: Int?
    /// Whether a failure fails the run; false reports it as a warning only.
    public var gating: Bool?
    /// Below this many records a distribution check is inconclusive.
    public var minimumSample: Int?

    public init(expected: Double? = nil, tolerance: Double? = nil, maxViolations: Int? = nil, gating: Bool? = nil, minimumSample: Int? = nil) {
        self.expected = expected
        self.tolerance = tolerance
        self.maxViolations = maxViolations
        self.gating = gating
        self.minimumSample = minimumSample
    }

    /// `other`'s settings over these.
    func merged(with other: Gate) -> Gate {
        Gate(expected: other.expected ?? expected, tolerance: other.tolerance ?? tolerance,
             maxViolations: other.maxViolations ?? maxViolations, gating: other.gating ?? gating,
             minimumSample: other.minimumSample ?? minimumSample)
    }
}

/// The gates of a run, by name: a check id (`referential.user_id`, `distribution.regions`), a split's
/// short name (`regions`, `fraud_rate`) or one category of a split (`regions.North America`).
public struct Gates: Sendable, Equatable {
    public private(set) var entries: [String: Gate] = [:]

    public init(_ entries: [String: Gate] = [:]) { self.entries = entries }

    /// The gate of check `id` (`family.name`), or of category `category` of it.
    public func gate(for id: String, category: String? = nil) -> Gate {
        let short = id.split(separator: ".", maxSplits: 1).last.map(String.init) ?? id
        var gate = entries[short] ?? Gate()
        if let exact = entries[id] { gate = gate.merged(with: exact) }
        if let category {
            if let entry = entries["\(short).\(category)"] { gate = gate.merged(with: entry) }
            if let entry = entries["\(id).\(category)"] { gate = gate.merged(with: entry) }
        }
        return gate
    }

    /// Sets (or overlays) the gate of `name`.
    public mutating func set(_ name: String, _ gate: Gate) {
        entries[name] = (entries[name] ?? Gate()).merged(with: gate)
    }

    /// The names of these gates that match no check of a run: neither a check's id or short name (`regions` of
    /// `distribution.regions`), nor one of those followed by a category of the run's splits (`regions.Europe`).
    /// A misspelt name (`schema.enumz`, `regions.Europa`) would set nothing, in silence.
    public func unmatched(checks: [String], categories: Set<String>) -> [String] {
        var names = Set<String>()
        for id in checks { names.formUnion([id, id.split(separator: ".", maxSplits: 1).last.map(String.init) ?? id]) }
        return entries.keys.filter { name in
            if names.contains(name) { return false }
            // `regions.North America`: a check name, a dot, a category (which may hold dots of its own).
            return !names.contains { name.hasPrefix($0 + ".") && categories.contains(String(name.dropFirst($0.count + 1))) }
        }.sorted()
    }

    /// Whether an expected value of gate `name` may exceed 1: the weekend/weekday ratio's; every other expected
    /// value is a share, a rate or an AUC.
    private static func ratioAboveOne(_ name: String) -> Bool { name == "weekend_ratio" || name == "distribution.weekend_ratio" }

    /// The splits whose categories take an `expected` share each (`regions.Europe`), and the checks that take one value.
    private static let splits: Set<String> = ["regions", "user_types", "devices", "payment_methods", "fraud_types", "local_hours", "event_devices"]
    private static let oneValue: Set<String> = ["fraud_rate", "weekend_ratio", "fraud_score"]

    /// What is wrong with an expected value for gate `name`, if anything: its range, or a name it means nothing for.
    static func expectedProblem(_ value: Double, name: String) -> String? {
        guard value.isFinite, value >= 0 else { return "expected must be a finite number, 0 or more, got \(value)" }
        if value > 1 && !ratioAboveOne(name) { return "expected is a share, rate or AUC, between 0 and 1, got \(value)" }
        var short = Substring(name)
        for family in ["distribution.", "business."] where short.hasPrefix(family) { short = short.dropFirst(family.count) }
        if splits.contains(String(short)) {
            return "a split's expected shares are set per category, e.g. \(name).<category>: {expected: \(value)} (one value for the whole split would be every category's share)"
        }
        let split = short.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        guard (splits.contains(split) && short.count > split.count) || oneValue.contains(String(short)) else {
            return "expected sets a split category's share (regions.Europe), fraud_rate, weekend_ratio or fraud_score's AUC; for \(name) it means nothing (a check of records is gated by max_violations)"
        }
        return nil
    }

    /// What is wrong with a tolerance for gate `name`, if anything: a share, a rate or an AUC lies between 0 and 1, so a
    /// tolerance of a split, a split's category, the fraud rate or the AUC above 1 would pass every value, in silence.
    static func toleranceProblem(_ value: Double, name: String) -> String? {
        guard value.isFinite, value >= 0 else { return "tolerance must be a finite number, 0 or more, got \(value)" }
        var short = Substring(name)
        for family in ["distribution.", "business."] where short.hasPrefix(family) { short = short.dropFirst(family.count) }
        let split = short.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        guard value > 1, splits.contains(split) || short == "fraud_rate" || short == "fraud_score" else { return nil }
        return "\(name) is a share, rate or AUC, between 0 and 1: a tolerance of \(value) passes every value; write it as a fraction (0.01 is one percentage point)"
    }

    /// What is wrong with `max_violations` for gate `name`: a split or a rate is judged by its share, not by records
    /// that break it, so a count would change nothing.
    static func maxViolationsProblem(name: String) -> String? {
        var short = Substring(name)
        for family in ["distribution.", "business."] where short.hasPrefix(family) { short = short.dropFirst(family.count) }
        let split = short.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        guard splits.contains(split) || oneValue.contains(String(short)) else { return nil }
        return "max_violations counts records that break a check of records; \(name) is judged by its share or value: set tolerance (or expected) instead"
    }

    /// A count from the file, held within 0...2^53 (a huge number is read as that bound, not a trap).
    private static func count(_ value: Double) -> Int { value.isNaN ? 0 : Int(min(max(value, 0), 9_007_199_254_740_992)) }

    /// Reads a gates file (YAML or JSON): a mapping of names to `{expected, tolerance, max_violations,
    /// gating, min_sample}`.
    /// - Throws: ``ConfigError`` with every problem and its line.

    public static func load(path: String) throws(ConfigError) -> Gates {
        var file = try SettingsFile(path: path, shape: "{expected, tolerance, max_violations, gating, min_sample}", example: "check names")
        var gates = Gates()
        for entry in file.entries {
            var gate = Gate()
            for setting in entry.settings {
                switch setting.name {
                case "expected":
                    gate.expected = file.number(setting, of: entry)
                    if let expected = gate.expected, let problem = expectedProblem(expected, name: entry.name) { file.problem(setting, of: entry, problem) }
                case "tolerance":
                    gate.tolerance = file.number(setting, of: entry)
                    if let tolerance = gate.tolerance, tolerance < 0 { file.problem(setting, of: entry, "must not be negative") }
                    if let tolerance = gate.tolerance, tolerance >= 0, let problem = toleranceProblem(tolerance, name: entry.name) {
                        file.problem(setting, of: entry, problem)
                    }
                case "max_violations", "min_sample":
                    // Counts: whole numbers (1.5 or 1e30 is no count of records).
                    guard let number = file.number(setting, of: entry, minimum: 0) else { break }
                    guard number == number.rounded(.down), number <= 1e15 else {
                        file.problem(setting, of: entry, "expected a whole number of records, 0 or more, got \(setting.value.string ?? "")")
                        break
                    }
                    if setting.name == "max_violations" {
                        if let problem = maxViolationsProblem(name: entry.name) { file.problem(setting, of: entry, problem) }
                        gate.maxViolations = Self.count(number)
                    } else {
                        gate.minimumSample = Self.count(number)
                    }
                case "gating": gate.gating = file.bool(setting, of: entry)
                default:
                    file.problem(setting, of: entry, "unknown gate setting; use expected, tolerance, max_violations, gating or min_sample")
                }
            }
            gates.set(entry.name, gate)
        }
        try file.finish()
        return gates
    }

    /// Parses `name=value+-tolerance` (or `name=value±tolerance`, or `name=value` alone).
    /// - Throws: ``ConfigError`` naming the flag.
    public static func expectation(_ text: String) throws(ConfigError) -> (String, Gate) {
        let problem = ConfigError(file: "--expect", problems: [ConfigProblem(path: text, message: "write name=value+-tolerance, e.g. fraud_rate=0.001+-0.0003")])
        guard let equals = text.lastIndex(of: "="), equals != text.startIndex else { throw problem }
        let name = String(text[..<equals])
        let rest = text[text.index(after: equals)...].replacingOccurrences(of: "±", with: "+-")
        let parts = rest.components(separatedBy: "+-")
        guard let value = Double(parts[0]), parts.count <= 2 else { throw problem }
        if let wrong = expectedProblem(value, name: name) {
            throw ConfigError(file: "--expect", problems: [ConfigProblem(path: text, message: wrong)])
        }
        var gate = Gate(expected: value)
        if parts.count == 2 {
            guard let tolerance = Double(parts[1]), tolerance.isFinite, tolerance >= 0 else { throw problem }
            if let wrong = toleranceProblem(tolerance, name: name) {
                throw ConfigError(file: "--expect", problems: [ConfigProblem(path: text, message: wrong)])
            }
            gate.tolerance = tolerance
        }
        return (name, gate)
    }
}
