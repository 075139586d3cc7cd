import ArgumentParser
import EcomAudit
import EcomJSON
import EcomKafka
import EcomValidation
import EcomReports
import Foundation

/// Prints the audit's verdict table (a row per topic), then every check of the report that did not pass with
/// its first examples, then the counts and the verdict.
func printAuditSummary(_ audit: AuditResult, report: JSONValue, examples: Int) {
    func column(_ text: String, _ width: Int, left: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + pad : pad + text
    }
    print(column("topic", 18, left: true) + column("read", 9) + column("expected", 10) + column("missing", 9) + column("dup", 6)
          + column("altered", 9) + column("unexpected", 12) + column("misplaced", 11) + column("key!=", 7) + column("unparsed", 10)
          + column("order", 7) + column("p50 ms", 8) + column("p99 ms", 8) + "  audit")
    for topic in audit.topics {
        let latency = { (name: String) in topic.latency.value(name).map(String.init) ?? "-" }
        print(column(Console.shown(topic.topic), 18, left: true) + column(topic.exists ? "\(topic.read)" : "absent", 9)
              + column(topic.expected.map(String.init) ?? "-", 10) + column("\(topic.missing)", 9) + column("\(topic.duplicated)", 6)
              + column("\(topic.altered)", 9) + column("\(topic.unexpected)", 12) + column("\(topic.misplaced)", 11)
              + column("\(topic.keyMismatches)", 7) + column("\(topic.unparseable)", 10) + column("\(topic.orderBreaks)", 7)
              + column(latency("p50"), 8) + column(latency("p99"), 8) + "  " + topic.status.rawValue.uppercased())
    }
    let checks = report["checks"]?.arrayValue ?? []
    let rank = ["fail": 0, "warn": 1, "inconclusive": 2]
    let notPassing = checks.enumerated().filter { $0.element["status"]?.stringValue != "pass" }
        .sorted { (rank[$0.element["status"]?.stringValue ?? ""] ?? 3, $0.offset) < (rank[$1.element["status"]?.stringValue ?? ""] ?? 3, $1.offset) }
        .map(\.element)
    for check in notPassing {
        let status = check["status"]?.stringValue ?? "?"
        let id = check["id"]?.stringValue ?? "?"
        let type = check["record_type"]?.stringValue.map { " [\($0)]" } ?? ""
        let violations = check["violations"]?.intValue ?? 0
        let counts = violations > 0 ? " \(violations) of \(check["checked"]?.intValue ?? 0)" : ""
        let reason = check["reason"]?.stringValue ?? ""
        let why = violations > 0 && id.hasPrefix("audit.") == false ? "" : ": \(Console.shown(reason))"
        let gating = check["gating"]?.boolValue == false && status == "fail" ? " (not gating)" : ""
        print("  \(status.padding(toLength: 12, withPad: " ", startingAt: 0)) \(Console.shown(id))\(type)\(counts)\(gating)\(why)")
        // A validator's reason that says more than the counts above it (the hint for data of another seed), as
        // `validate` prints it.
        if why.isEmpty, !reason.isEmpty, !reason.hasPrefix("\(violations) of \(check["checked"]?.intValue ?? 0) records break it") {
            print("      \(Console.shown(reason))")
        }
        for example in (check["examples"]?.arrayValue ?? []).prefix(examples) {
            print("      \(Console.shown(describe(example["location"]))): \(Console.shown(example["message"]?.stringValue ?? ""))")
        }
    }
    let summary = report["summary"]
    let number = { (key: String) in summary?[key]?.intValue ?? 0 }
    print("\(number("checks")) checks: \(number("pass")) pass, \(number("warn")) warn, \(number("fail")) fail, \(number("inconclusive")) inconclusive")
    let latency = audit.latency
    if let p50 = latency.value("p50"), let p99 = latency.value("p99"), let max = latency.value("max") {
        print("end-to-end latency (CreateTime to read) over \(latency.count) records: p50 \(p50) ms, p99 \(p99) ms, max \(max) ms")
    }
    print(String(format: "audit read %d records in %.1f s", audit.records, audit.seconds))
    print("verdict: \((report["verdict"]?.stringValue ?? "?").uppercased())")
}

/// `topic/partition@offset` (`@?` for a record that was never read), or `file:line`.
private func describe(_ location: JSONValue?) -> String {
    guard let location else { return "" }
    if let topic = location["topic"]?.stringValue {
        return "\(topic)/\(location["partition"]?.intValue ?? 0)@\(location["offset"]?.intValue.map(String.init) ?? "?")"
    }
    return "\(location["file"]?.stringValue ?? ""):\(location["line"]?.intValue ?? 0)"
}

/// The report of an audit whose validators were kept as partials: the validators' checks judged together in offset
/// order (so that the report depends neither on the order partitions arrived in nor on how many validating threads
/// shared them), the audit's checks merged in.
func auditReport(_ result: AuditResult, validators: [Validator], gatesFile: String?, failOnWarn: Bool = false) throws -> JSONValue {
    do {
        let judged = try Validator.judgedInPositionOrder(validators)
        let document = result.merged(into: judged.finish(command: KafkaConfiguration.redactingSecrets(CommandLine.arguments))
            .json(failOnWarn: failOnWarn, gatesFile: gatesFile))
        noteUnmatchedGates(judged.settings.gates, in: document)
        return document
    } catch {
        Console.error(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// Whether a report's verdict makes the run exit 1: a failed gate, or with `--fail-on warn` a warning too.
func exitsOne(verdict: String?, failOn: String) -> Bool {
    verdict == "fail" || (verdict == "warn" && failOn == "warn")
}

/// Says on stderr which gates (of the gates file or `--expect`) match no check of the report: a misspelt name
/// sets nothing, and would otherwise do so in silence.
func noteUnmatchedGates(_ gates: Gates, in document: JSONValue) {
    let checks = (document["checks"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    // The categories of every split: those judged, and those counted or expected (a split below its minimum sample
    // has no judged categories).
    var categories = Set<String>()
    for check in document["checks"]?.arrayValue ?? [] {
        for category in check["statistic"]?["categories"]?.arrayValue ?? [] { if let name = category["name"]?.stringValue { categories.insert(name) } }
    }
    if case let .object(types)? = document["distributions"] {
        for (_, type) in types {
            guard case let .object(splits)? = type["categorical"] else { continue }
            for (_, split) in splits {
                for part in ["counts", "expected"] {
                    if case let .object(members)? = split[part] { categories.formUnion(members.map(\.0)) }
                }
            }
        }
    }
    for name in gates.unmatched(checks: checks, categories: categories) {
        Console.error("warning: the gate '\(name)' (of --gates or --expect) matches no check of this run, so it sets nothing; "
            + "name a check id (referential.user_id), a split (regions) or a split's category (regions.Europe) of the report")
    }
}
