import EcomJSON
import EcomModel
import Foundation

/// The outcome of a validation run: every check, the distributions and the verdict, as the JSON report
/// (`ecomdata.report/v1`, see docs/report-format.md) holds them.
public struct ValidationReport: Sendable {
    /// The format written in every report.
    public static let format = "ecomdata.report/v1"

    public let settings: ValidationSettings
    public let sources: [Validator.Source]
    public let checks: [CheckResult]
    public let distributions: JSONValue
    public let started: Date
    public let finished: Date
    public let command: [String]

    /// `fail` when a gating check failed; `warn` when a check warned or a non-gating check failed; else `pass`.
    public var verdict: CheckStatus {
        if checks.contains(where: { $0.status == .fail && $0.gating }) { return .fail }
        if checks.contains(where: { $0.status == .warn || ($0.status == .fail && !$0.gating) }) { return .warn }
        return .pass
    }

    /// Records read.
    public var records: Int { sources.reduce(0) { $0 + $1.records } }

    /// The exit status: 0 when every gate passed (and, with `failOnWarn`, nothing warned), else 1.
    public func exitStatus(failOnWarn: Bool) -> Int32 {
        switch verdict {
        case .fail: 1
        case .warn: failOnWarn ? 1 : 0
        default: 0
        }
    }

    /// The JSON report.
    public func json(failOnWarn: Bool = false, gatesFile: String? = nil) -> JSONValue {
        let iso = { (date: Date) in Timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded())).description }
        func count(_ status: CheckStatus) -> JSONValue { .int(Int64(checks.filter { $0.status == status }.count)) }
        let generator = settings.generator
        return .object([
            ("format", .string(Self.format)),
            ("run", .object([
                ("tool", .string("ecomdata")), ("tool_version", .string(EcomVersion.current)),
                ("started", .string(iso(started))), ("finished", .string(iso(finished))),
                ("seconds", .double(finished.timeIntervalSince(started))),
                ("command", .array(command.map { .string($0) })),
                ("inputs", .array(sources.map { source in
                    .object([("source", .string(source.name)), ("type", source.type.map { .string($0.rawValue) } ?? .null),
                             ("records", .int(Int64(source.records))), ("bytes", .int(Int64(source.bytes))),
                             ("unparseable", .int(Int64(source.unparseable))), ("blank_lines", .int(Int64(source.blankLines))),
                             ("crlf_lines", .int(Int64(source.crlfLines))), ("bom", .bool(source.bom))])
                })),
                ("config_sha256", .string(generator.config.digest)),
                ("scenario", .string(generator.scenario.rawValue)),
                ("seed", settings.seedKnown ? .int(Int64(bitPattern: generator.seed)) : .null),
                ("catalog", .string(settings.catalog.source)),
                ("window", .object([("start", .string(Timestamp(milliseconds: settings.window.start).description)),
                                    ("end", .string(Timestamp(milliseconds: settings.window.end).description))])),
                ("gates", gatesFile.map { .string($0) } ?? .null),
                ("fail_on", .string(failOnWarn ? "warn" : "fail")),
            ])),
            ("verdict", .string(verdict.rawValue)),
            ("summary", .object([
                ("records", .int(Int64(records))), ("checks", .int(Int64(checks.count))),
                ("pass", count(.pass)), ("warn", count(.warn)), ("fail", count(.fail)), ("inconclusive", count(.inconclusive)),
                ("gates_failed", .int(Int64(checks.filter { $0.status == .fail && $0.gating }.count))),
            ])),
            ("checks", .array(checks.map(\.json))),
            ("distributions", distributions),
        ])
    }
}
