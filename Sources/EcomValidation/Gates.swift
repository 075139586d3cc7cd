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

    /// Reads a gates file (YAML or JSON): a mapping of names to `{expected, tolerance, max_violations,
    /// gating, min_sample}`.
    /// - Throws: ``ConfigError`` with every problem and its line.
    public static func load(path: String) throws(ConfigError) -> Gates {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "cannot read the gates file; check the path")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "not valid YAML or JSON: \(error)")])
        }
        guard let root else { return Gates() }
        guard let mapping = root.mapping else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", line: root.mark.map { $0.line }, message: "expected a mapping of check names to gates")])
        }
        var gates = Gates()
        var problems: [ConfigProblem] = []
        for (keyNode, valueNode) in mapping {
            let name = keyNode.string ?? ""
            let line = keyNode.mark?.line
            guard let fields = valueNode.mapping else {
                problems.append(ConfigProblem(path: name, line: line, message: "expected {expected, tolerance, max_violations, gating, min_sample}"))
                continue
            }
            var gate = Gate()
            for (fieldNode, value) in fields {
                let field = fieldNode.string ?? ""
                let fieldLine = fieldNode.mark?.line
                func number() -> Double? {
                    guard let text = value.string, let number = Double(text), number.isFinite else {
                        problems.append(ConfigProblem(path: "\(name).\(field)", line: fieldLine, message: "expected a number, got \(value.string ?? "a collection")"))
                        return nil
                    }
                    return number
                }
                switch field {
                case "expected": gate.expected = number()
                case "tolerance":
                    gate.tolerance = number()
                    if let tolerance = gate.tolerance, tolerance < 0 {
                        problems.append(ConfigProblem(path: "\(name).tolerance", line: fieldLine, message: "must not be negative"))
                    }
                case "max_violations": gate.maxViolations = number().map { Int($0) }
                case "min_sample": gate.minimumSample = number().map { Int($0) }
                case "gating":
                    switch value.string {
                    case "true": gate.gating = true
                    case "false": gate.gating = false
                    default: problems.append(ConfigProblem(path: "\(name).gating", line: fieldLine, message: "expected true or false"))
                    }
                default:
                    problems.append(ConfigProblem(path: "\(name).\(field)", line: fieldLine,
                                                  message: "unknown gate setting; use expected, tolerance, max_violations, gating or min_sample"))
                }
            }
            gates.set(name, gate)
        }
        if !problems.isEmpty { throw ConfigError(file: path, problems: problems) }
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
        var gate = Gate(expected: value)
        if parts.count == 2 {
            guard let tolerance = Double(parts[1]), tolerance >= 0 else { throw problem }
            gate.tolerance = tolerance
        }
        return (name, gate)
    }
}
