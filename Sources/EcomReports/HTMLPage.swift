import EcomJSON

/// What `report.mustache` renders: every string still raw (the template escapes it), every number formatted.
///
/// The template reads these by reflection, which sees stored properties only, so every flag it tests is a
/// stored `let`; and no member is optional, because a missing member would make the template look it up in
/// the enclosing object instead.
struct HTMLPage {
    let title: String
    let heading: String
    let verdict: String
    let verdictLabel: String
    let verdictSentence: String
    let formatNote: String
    let hasFormatNote: Bool
    let facts: [Fact]
    let commandLine: String
    let hasCommandLine: Bool
    let inputs: [InputRow]
    let hasInputs: Bool
    let cards: [Card]
    let families: [FamilySection]
    let hasFamilies: Bool
    let recordTypes: [RecordTypeSection]
    let hasRecordTypes: Bool
    /// Audit and roundtrip reports: a row per topic read back from Kafka, and the latency and reading facts.
    let auditRows: [AuditRow]
    let auditFacts: [Fact]
    let hasAudit: Bool

    struct Fact {
        let label: String
        let value: String
    }

    struct InputRow {
        let source: String
        let inputType: String
        let inputRecords: String
        let inputBytes: String
        let unparseable: String
        let unparseableStyle: String
        /// What was read but is not a record, or was tolerated: a byte order mark, blank lines, CRLF endings.
        let inputNotes: String
    }

    struct Card {
        let cardLabel: String
        let cardValue: String
        let cardStyle: String
    }

    struct FamilySection {
        let familyName: String
        let familyAnchor: String
        let tallies: [Tally]
        let checks: [CheckView]
    }

    struct Tally {
        let tallyStatus: String
        let tallyText: String
    }

    struct CheckView {
        let checkAnchor: String
        let checkId: String
        let checkTitle: String
        let status: String
        let statusLabel: String
        let isOpen: Bool
        let gatingLabel: String
        let recordType: String
        let hasRecordType: Bool
        let reason: String
        let hasReason: Bool
        let counts: [Fact]
        let statistic: [Fact]
        let hasStatistic: Bool
        let categories: [CategoryRow]
        let hasCategories: Bool
        let examples: [ExampleRow]
        let hasExamples: Bool
        let examplesNote: String
        let hasExamplesNote: Bool
    }

    struct CategoryRow {
        let categoryName: String
        let observedCount: String
        let observedShare: String
        let expectedShare: String
        let interval: String
        let rowStyle: String
    }

    struct ExampleRow {
        let location: String
        let recordId: String
        let message: String
    }

    struct AuditRow {
        let auditTopic: String
        let auditCells: [AuditCell]
    }

    struct AuditCell {
        let cellText: String
        let cellStyle: String
    }

    struct RecordTypeSection {
        let recordTypeName: String
        let recordTypeAnchor: String
        let recordCount: String
        let wide: [Chart]
        let small: [Chart]
        let hasSmall: Bool
        let hasNoCharts: Bool
    }
}

extension HTMLPage {
    /// The most categories a check's statistic table lists.
    static let maxCategoryRows = 40
    /// The longest reason, message or name shown, in characters; longer ones are cut with `…`.
    static let maxTextLength = 600

    init(_ report: Report) {
        let verdict = report.verdict
        self.verdict = ["pass", "warn", "fail"].contains(verdict) ? verdict : "unknown"
        verdictLabel = verdict.uppercased()
        title = "ecomdata report: \(verdictLabel)"
        heading = report.audit == nil ? "ecomdata validation report" : "ecomdata audit and validation report"
        let summary = report.summary
        verdictSentence = switch verdict {
        case "fail": "\(summary.gatesFailed) gating check\(summary.gatesFailed == 1 ? "" : "s") failed."
        case "warn": "No gating check failed; \(summary.warn) warned and \(summary.fail) non-gating failed."
        case "pass": "Every check passed or was inconclusive."
        default: "The report gives no known verdict."
        }
        hasFormatNote = report.format != "ecomdata.report/v1"
        formatNote = "This document declares format “\(report.format)”; it was rendered as ecomdata.report/v1."

        let run = report.run
        var facts: [Fact] = []
        func fact(_ label: String, _ value: JSONValue?) {
            let text = Report.describe(value)
            if !text.isEmpty { facts.append(Fact(label: label, value: Format.truncated(text, 200))) }
        }
        if let tool = run["tool"]?.stringValue {
            facts.append(Fact(label: "tool", value: tool + (run["tool_version"]?.stringValue.map { " " + $0 } ?? "")))
        }
        fact("started", run["started"])
        fact("finished", run["finished"])
        if let seconds = run["seconds"]?.doubleValue { facts.append(Fact(label: "duration", value: Format.fixed(seconds, 1) + " s")) }
        if let start = run["window"]?["start"]?.stringValue, let end = run["window"]?["end"]?.stringValue {
            facts.append(Fact(label: "window", value: "\(start) → \(end)"))
        }
        fact("seed", run["seed"])
        fact("config sha256", run["config_sha256"])
        fact("gates", run["gates"])
        fact("fails on", run["fail_on"])
        self.facts = facts
        commandLine = Format.truncated((run["command"]?.arrayValue ?? []).map { Report.describe($0) }.joined(separator: " "), 1000)
        hasCommandLine = !commandLine.isEmpty
        inputs = (run["inputs"]?.arrayValue ?? []).prefix(100).map { input in
            let unparseable = input["unparseable"]?.intValue ?? 0
            var notes: [String] = []
            if input["bom"] == .bool(true) { notes.append("byte order mark skipped") }
            if let blank = input["blank_lines"]?.intValue, blank > 0 { notes.append("\(Format.integer(blank)) blank lines") }
            if let crlf = input["crlf_lines"]?.intValue, crlf > 0 { notes.append("\(Format.integer(crlf)) CRLF lines") }
            return InputRow(source: Format.truncated(Report.describe(input["source"]), 200),
                            inputType: Report.describe(input["type"]), inputRecords: Report.describe(input["records"]),
                            inputBytes: Report.describe(input["bytes"]), unparseable: Format.integer(unparseable),
                            unparseableStyle: unparseable > 0 ? "bad" : "", inputNotes: notes.joined(separator: "; "))
        }
        hasInputs = !inputs.isEmpty

        cards = [
            Card(cardLabel: "records", cardValue: Format.integer(summary.records), cardStyle: "neutral"),
            Card(cardLabel: "checks", cardValue: Format.integer(summary.checks), cardStyle: "neutral"),
            Card(cardLabel: "fail", cardValue: Format.integer(summary.fail), cardStyle: summary.fail > 0 ? "fail" : "zero"),
            Card(cardLabel: "gates failed", cardValue: Format.integer(summary.gatesFailed), cardStyle: summary.gatesFailed > 0 ? "fail" : "zero"),
            Card(cardLabel: "warn", cardValue: Format.integer(summary.warn), cardStyle: summary.warn > 0 ? "warn" : "zero"),
            Card(cardLabel: "inconclusive", cardValue: Format.integer(summary.inconclusive), cardStyle: summary.inconclusive > 0 ? "inconclusive" : "zero"),
            Card(cardLabel: "pass", cardValue: Format.integer(summary.pass), cardStyle: "pass"),
        ]

        families = report.checksByFamily.enumerated().map { index, group in
            let statuses = ["fail", "warn", "inconclusive", "pass"]
            var tallies = statuses.compactMap { status -> Tally? in
                let count = group.checks.filter { $0.status == status }.count
                return count == 0 ? nil : Tally(tallyStatus: status, tallyText: "\(count) \(status)")
            }
            let others = group.checks.filter { !statuses.contains($0.status) }.count
            if others > 0 { tallies.append(Tally(tallyStatus: "unknown", tallyText: "\(others) unknown")) }
            return FamilySection(familyName: group.family, familyAnchor: "family-\(HTMLPage.anchor(group.family, index))",
                                 tallies: tallies, checks: group.checks.enumerated().map { HTMLPage.checkView($1, index: index * 1000 + $0) })
        }
        hasFamilies = !families.isEmpty

        recordTypes = report.distributions.enumerated().map { index, entry in
            let charts = DistributionCharts.charts(for: entry.value)
            let count = entry.value["count"]?.intValue
            return RecordTypeSection(
                recordTypeName: entry.recordType, recordTypeAnchor: "dist-\(HTMLPage.anchor(entry.recordType, index))",
                recordCount: count.map { "\(Format.integer($0)) records" } ?? "", wide: charts.wide, small: charts.small,
                hasSmall: !charts.small.isEmpty, hasNoCharts: charts.wide.isEmpty && charts.small.isEmpty)
        }
        hasRecordTypes = !recordTypes.isEmpty

        let audit = report.audit ?? .null
        auditRows = (audit["topics"]?.arrayValue ?? []).prefix(100).map { topic in
            let exists = topic["exists"]?.boolValue ?? true
            var cells = [AuditCell(cellText: exists ? Report.describe(topic["records"]) : "absent", cellStyle: exists ? "" : "bad"),
                         AuditCell(cellText: Report.describe(topic["expected"]), cellStyle: "")]
            for kind in HTMLPage.auditKinds {
                let count = topic["findings"]?[kind]?.intValue ?? 0
                cells.append(AuditCell(cellText: Format.integer(count), cellStyle: count > 0 ? "bad" : ""))
            }
            for percentile in ["p50_ms", "p99_ms"] { cells.append(AuditCell(cellText: Report.describe(topic["latency_ms"]?[percentile]), cellStyle: "")) }
            return AuditRow(auditTopic: Format.truncated(Report.describe(topic["topic"]), 200), auditCells: cells)
        }
        var auditFacts: [Fact] = []
        func auditFact(_ label: String, _ value: JSONValue?) {
            let text = Report.describe(value)
            if !text.isEmpty { auditFacts.append(Fact(label: label, value: Format.truncated(text, 300))) }
        }
        auditFact("brokers", audit["brokers"])
        auditFact("manifest", audit["manifest"])
        auditFact("read from", audit["from"])
        if let named = audit["records_named"]?.boolValue {
            auditFacts.append(Fact(label: "records compared", value: named ? "one by one, regenerated from the seed"
                                   : Format.truncated("by count and digest: " + Report.describe(audit["records_named_note"]), 300)))
        }
        if let latency = audit["latency_ms"], let p50 = latency["p50_ms"]?.intValue {
            auditFacts.append(Fact(label: "latency (CreateTime to read)",
                                   value: "p50 \(Format.integer(p50)) ms, p90 \(Report.describe(latency["p90_ms"])) ms, p99 \(Report.describe(latency["p99_ms"])) ms, max \(Report.describe(latency["max_ms"])) ms over \(Report.describe(latency["count"])) records"))
        }
        if let rate = audit["records_per_second"]?.doubleValue {
            auditFacts.append(Fact(label: "read", value: "\(Report.describe(audit["records"])) records in \(Format.fixed(audit["seconds"]?.doubleValue ?? 0, 1)) s (\(Format.integer(Int64(rate))) records/s)"))
        }
        self.auditFacts = auditFacts
        hasAudit = report.audit != nil
    }

    /// The finding kinds of the audit table, in its column order.
    static let auditKinds = ["missing", "duplicate", "altered", "unexpected", "misplaced", "key_mismatch", "unparseable", "order"]

    /// A fragment identifier made of `[a-z0-9_-]` only, so that no data reaches an `id` or `href` unvetted;
    /// falls back to the position when the name has nothing usable.
    static func anchor(_ name: String, _ index: Int) -> String {
        let cleaned = String(name.lowercased().unicodeScalars.map { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" ? Character(scalar) : "-"
        }.prefix(60))
        return cleaned.contains(where: { $0 != "-" }) ? cleaned : "\(index)"
    }

    static func checkView(_ check: Report.Check, index: Int) -> CheckView {
        let reason = Format.truncated(check.reason ?? "", maxTextLength)
        var counts = [Fact(label: "checked", value: Format.integer(check.checked))]
        if check.statistic == nil || check.violations > 0 {
            counts.append(Fact(label: "violations", value: Format.integer(check.violations)))
            counts.append(Fact(label: "allowed", value: Format.integer(check.maxViolations)))
            if check.checked > 0 {
                counts.append(Fact(label: "violation rate", value: Format.rate(Double(check.violations) / Double(check.checked))))
            }
        }
        var statistic: [Fact] = []
        var categories: [CategoryRow] = []
        if let stat = check.statistic {
            func add(_ label: String, _ key: String, _ format: (Double) -> String = Format.number) {
                if let value = stat[key]?.doubleValue { statistic.append(Fact(label: label, value: format(value))) }
            }
            add("observed", "observed")
            add("expected", "expected")
            add("tolerance", "tolerance")
            if let interval = intervalText(stat["interval"]) { statistic.append(Fact(label: "95 % interval", value: interval)) }
            if let test = stat["test"]?.stringValue {
                var text = test
                if let value = stat["value"]?.doubleValue { text += " = \(Format.number(value))" }
                statistic.append(Fact(label: "test", value: text))
            }
            add("p-value", "p_value", Format.pValue)
            if let effect = stat["effect_size"]?.doubleValue {
                let name = stat["effect"]?.stringValue.map { " (\($0))" } ?? ""
                statistic.append(Fact(label: "effect size", value: Format.number(effect) + name))
            }
            categories = (stat["categories"]?.arrayValue ?? []).prefix(maxCategoryRows).map { category in
                let expected = category["expected"]?.doubleValue
                let bounds = category["interval"]?.arrayValue?.compactMap(\.doubleValue)
                // Marked as the check judges it: the interval not inside expected +- tolerance (the category's, else the
                // check's), not merely a significant difference, which a large sample shows for a trivial one.
                let tolerance = category["tolerance"]?.doubleValue ?? stat["tolerance"]?.doubleValue
                let outside = expected.flatMap { value in
                    bounds.flatMap { bounds in
                        guard bounds.count == 2 else { return nil }
                        guard let tolerance else { return value < bounds[0] || value > bounds[1] }
                        return bounds[0] < value - tolerance || bounds[1] > value + tolerance
                    }
                } ?? false
                return CategoryRow(
                    categoryName: Format.truncated(Report.describe(category["name"]), 200),
                    observedCount: Report.describe(category["observed_count"]),
                    observedShare: category["observed"]?.doubleValue.map { Format.percent($0, 2) } ?? "",
                    expectedShare: expected.map { Format.percent($0, 2) } ?? "",
                    interval: intervalText(category["interval"], percent: true) ?? "", rowStyle: outside ? "off" : "")
            }
        }
        let examples = check.examples.prefix(Report.maxExamples).map { example in
            ExampleRow(location: Format.truncated(Report.describeLocation(example["location"]), 200),
                       recordId: Format.truncated(Report.describe(example["id"]), 120),
                       message: Format.truncated(Report.describe(example["message"]), maxTextLength))
        }
        let hidden = max(check.examples.count - examples.count, Int(clamping: check.violations) - examples.count)
        let statusLabel = switch check.status {
        case "fail": "FAIL"
        case "warn": "WARN"
        case "inconclusive": "INCONCLUSIVE"
        case "pass": "PASS"
        default: check.status.uppercased()
        }
        return CheckView(
            checkAnchor: "check-\(anchor(check.id, index))", checkId: check.id, checkTitle: check.title,
            status: ["pass", "warn", "fail", "inconclusive"].contains(check.status) ? check.status : "unknown",
            statusLabel: statusLabel, isOpen: check.status != "pass", gatingLabel: check.gating ? "gating" : "non-gating",
            recordType: check.recordType ?? "", hasRecordType: check.recordType != nil, reason: reason, hasReason: !reason.isEmpty,
            counts: counts, statistic: statistic, hasStatistic: !statistic.isEmpty, categories: categories,
            hasCategories: !categories.isEmpty, examples: Array(examples), hasExamples: !examples.isEmpty,
            examplesNote: examples.isEmpty ? "" : "\(Format.integer(Int64(hidden))) more not shown",
            hasExamplesNote: hidden > 0 && !examples.isEmpty)
    }

    private static func intervalText(_ value: JSONValue?, percent: Bool = false) -> String? {
        guard let bounds = value?.arrayValue, bounds.count == 2,
              let low = bounds[0].doubleValue, let high = bounds[1].doubleValue else { return nil }
        return percent ? "\(Format.percent(low, 2)) – \(Format.percent(high, 2))" : "[\(Format.number(low)), \(Format.number(high))]"
    }
}
