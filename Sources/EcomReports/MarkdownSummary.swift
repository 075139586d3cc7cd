/// The Markdown summary of a report for CI job pages (GitHub step summaries, GitLab, PR comments).
struct MarkdownSummary {
    /// Rows past this are counted, not listed, so the summary stays short.
    static let maxRows = 50

    let text: String

    init(_ report: Report) {
        let summary = report.summary
        let marker = switch report.verdict {
        case "pass": "✅"
        case "warn": "⚠️"
        case "fail": "❌"
        default: "❔"
        }
        var lines = ["## \(marker) ecomdata \(report.audit == nil ? "validation" : "audit and validation"): \(Self.escape(report.verdict.uppercased()))", ""]
        lines.append("\(Format.integer(summary.records)) records, \(summary.checks) checks: **\(summary.fail) fail** "
            + "(\(summary.gatesFailed) gating), \(summary.warn) warn, \(summary.inconclusive) inconclusive, \(summary.pass) pass.")
        if let audit = report.audit, let topics = audit["topics"]?.arrayValue, !topics.isEmpty {
            lines += ["", "| topic | read | expected | missing | duplicate | altered | unexpected | misplaced | key ≠ payload | unparseable | order | p50 ms | p99 ms |",
                      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            for topic in topics.prefix(Self.maxRows) {
                let counts = HTMLPage.auditKinds.map { Format.integer(topic["findings"]?[$0]?.intValue ?? 0) }
                let latency = ["p50_ms", "p99_ms"].map { Report.describe(topic["latency_ms"]?[$0]) }
                let read = topic["exists"]?.boolValue == false ? "absent" : Report.describe(topic["records"])
                lines.append("| " + ([Report.describe(topic["topic"]), read, Report.describe(topic["expected"])] + counts + latency)
                    .map(Self.escape).joined(separator: " | ") + " |")
            }
        }
        let notPassing = report.checks.enumerated().filter { $0.element.status != "pass" }
            .sorted { ($0.element.severityRank, $0.offset) < ($1.element.severityRank, $1.offset) }.map(\.element)
        if notPassing.isEmpty {
            lines.append("")
            lines.append("Every check passed.")
        } else {
            lines += ["", "| check | status | observed vs expected / violations | reason |", "| --- | --- | --- | --- |"]
            for check in notPassing.prefix(Self.maxRows) {
                let status = check.status + (check.status == "fail" ? (check.gating ? " (gating)" : " (non-gating)") : "")
                lines.append("| \(Self.escape(check.label)) | \(Self.escape(status)) | \(Self.escape(Self.measure(check))) "
                    + "| \(Self.escape(Format.truncated(check.reason ?? "", 300))) |")
            }
            if notPassing.count > Self.maxRows {
                lines.append("")
                lines.append("… and \(notPassing.count - Self.maxRows) more checks that did not pass; see the HTML report.")
            }
        }
        text = lines.joined(separator: "\n") + "\n"
    }

    /// Observed against expected for a statistical check, the violations against the gate otherwise.
    private static func measure(_ check: Report.Check) -> String {
        if let statistic = check.statistic, let observed = statistic["observed"]?.doubleValue,
           let expected = statistic["expected"]?.doubleValue
        {
            var text = "\(Format.number(observed)) vs \(Format.number(expected))"
            if let tolerance = statistic["tolerance"]?.doubleValue { text += " ± \(Format.number(tolerance))" }
            if let p = statistic["p_value"]?.doubleValue { text += " (p \(Format.pValue(p)))" }
            return text
        }
        if check.violations == 0, check.status == "inconclusive" { return "—" }
        return "\(Format.integer(check.violations)) of \(Format.integer(check.checked)) (allowed \(Format.integer(check.maxViolations)))"
    }

    /// Text that stays inside one table cell and shows literally: pipes and Markdown punctuation backslashed,
    /// HTML metacharacters as entities, line breaks as `<br>`, other control characters as U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\", "|", "`", "*", "_", "[", "]", "#", "~": out += "\\" + String(character)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\r\n", "\r", "\n": out += "<br>"
            // Other control characters (escape sequences a terminal would act on, NUL) as U+FFFD.
            case _ where character.unicodeScalars.contains(where: \.isControlCharacter): out += "\u{FFFD}"
            default: out.append(character)
            }
        }
        return out
    }
}
