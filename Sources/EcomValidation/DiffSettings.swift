import EcomJSON
import EcomModel
import Foundation
import Yams

/// How much a figure may move between two reports before `ecomdata diff` calls it drift: a number of
/// standard errors of the difference (the sampling noise of both samples) plus an effect-size floor.
public struct DiffTolerance: Sendable, Equatable {
    /// Standard errors of the difference allowed (k).
    public var sigmas: Double?
    /// The effect-size floor added to k standard errors: share points for splits (0.005 is half a point),
    /// a fraction of the pooled rate for rates, a fraction of the pooled standard deviation for amounts,
    /// a fraction of the larger count for counts.
    public var floor: Double?
    /// Whether drift here fails the diff (exit 1); false reports it only.
    public var gating: Bool?

    /// A tolerance; nil members fall back to the defaults of the comparison's kind.
    public init(sigmas: Double? = nil, floor: Double? = nil, gating: Bool? = nil) {
        self.sigmas = sigmas
        self.floor = floor
        self.gating = gating
    }

    func merged(with other: DiffTolerance) -> DiffTolerance {
        DiffTolerance(sigmas: other.sigmas ?? sigmas, floor: other.floor ?? floor, gating: other.gating ?? gating)
    }
}

/// The tolerances of a diff: defaults per kind of comparison, overridden by a gates file whose keys are a
/// kind (`split`, `rate`, `amounts`, `count`), a comparison's short name (`regions`, `fraud_rate`) or its
/// full id (`transactions.regions`, `transactions.regions.Europe` for one category).
public struct DiffSettings: Sendable, Equatable {
    /// The kinds of comparison.
    public enum Kind: String, Sendable, CaseIterable {
        case split, rate, amounts, count, check
    }

    /// Defaults: 4 standard errors everywhere (about 1 in 16,000 for one figure of clean data), plus half a
    /// share point for splits, a tenth of the rate for rates, a twentieth of a standard deviation for
    /// amounts, and 2 % for counts.
    public static let defaults: [Kind: (sigmas: Double, floor: Double)] = [
        .split: (4, 0.005), .rate: (4, 0.1), .amounts: (4, 0.05), .count: (0, 0.02), .check: (0, 0),
    ]

    /// A split whose noise allowance (k standard errors, without the floor) exceeds this share cannot show a
    /// meaningful shift: inconclusive.
    public static let largestUsefulShareTolerance = 0.05

    public private(set) var entries: [String: DiffTolerance] = [:]

    /// Settings with `entries` over the defaults.
    public init(_ entries: [String: DiffTolerance] = [:]) { self.entries = entries }

    /// The tolerance of comparison `id` (`type.name`, or `type.name.category`) of `kind`.
    public func tolerance(for id: String, kind: Kind) -> (sigmas: Double, floor: Double, gating: Bool) {
        let defaults = Self.defaults[kind]!
        var tolerance = DiffTolerance(sigmas: defaults.sigmas, floor: defaults.floor, gating: true)
        for name in Self.names(for: id, kind: kind) { if let entry = entries[name] { tolerance = tolerance.merged(with: entry) } }
        return (tolerance.sigmas!, tolerance.floor!, tolerance.gating!)
    }

    /// The names that set comparison `id` of `kind`, the widest first: the kind, the split, the type's split, the
    /// split's category, the comparison.
    private static func names(for id: String, kind: Kind) -> [String] {
        var names = [kind.rawValue]
        let parts = id.split(separator: ".").map(String.init)
        if parts.count >= 2 { names.append(parts[1]) }
        names.append(parts.prefix(2).joined(separator: "."))
        if parts.count > 2 { names += ["\(parts[1]).\(parts[2...].joined(separator: "."))", id] }
        return names
    }

    /// The names of these settings that set none of `comparisons` (ids and kinds): a misspelt name (`regionz`)
    /// would change nothing, in silence.
    public func unmatched(_ comparisons: [(id: String, kind: Kind)]) -> [String] {
        let used = Set(comparisons.flatMap { Self.names(for: $0.id, kind: $0.kind) })
        return entries.keys.filter { !used.contains($0) }.sorted()
    }

    /// Reads a gates file for `diff` (YAML or JSON): a mapping of names to `{sigmas, floor, gating}`.
    /// - Throws: ``ConfigError`` with every problem and its line.
    public static func load(path: String) throws(ConfigError) -> DiffSettings {
        var file = try SettingsFile(path: path, shape: "{sigmas, floor, gating}", example: "names (split, regions, transactions.fraud_rate, ...)")
        var settings = DiffSettings()
        for entry in file.entries {
            var tolerance = DiffTolerance()
            for setting in entry.settings {
                switch setting.name {
                case "sigmas": tolerance.sigmas = file.number(setting, of: entry, minimum: 0)
                case "floor": tolerance.floor = file.number(setting, of: entry, minimum: 0)
                case "gating": tolerance.gating = file.bool(setting, of: entry)
                default: file.problem(setting, of: entry, "unknown setting; use sigmas, floor or gating")
                }
            }
            settings.entries[entry.name] = (settings.entries[entry.name] ?? DiffTolerance()).merged(with: tolerance)
        }
        try file.finish()
        return settings
    }

    /// The settings as the diff document records them.
    var json: JSONValue {
        .object([
            ("defaults", .object(Kind.allCases.filter { $0 != .check }.map { kind in
                let value = Self.defaults[kind]!
                return (kind.rawValue, .object([("sigmas", .double(value.sigmas)), ("floor", .double(value.floor))]))
            })),
            ("overrides", .object(entries.sorted { $0.key < $1.key }.map { name, tolerance in
                (name, .object([("sigmas", tolerance.sigmas.map { .double($0) } ?? .null),
                                ("floor", tolerance.floor.map { .double($0) } ?? .null),
                                ("gating", tolerance.gating.map { .bool($0) } ?? .null)]))
            })),
        ])
    }
}
