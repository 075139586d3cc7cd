/// The JUnit XML view of a report, the dialect Jenkins, GitLab and GitHub test reporters read.
struct JUnitDocument {
    let xml: String

    init(_ report: Report) {
        let groups = report.checksByFamily
        let all = groups.flatMap(\.checks)
        // With `--fail-on warn` a gating check that warned fails the run (exit 1): a failure here too, so the test view
        // and the exit status agree.
        let warnFails = report.run["fail_on"]?.stringValue == "warn"
        func failed(_ check: Report.Check) -> Bool { check.status == "fail" || (warnFails && check.status == "warn" && check.gating) }
        func failures(_ checks: [Report.Check]) -> Int { checks.filter(failed).count }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let seconds = Format.fixed(report.run["seconds"]?.doubleValue ?? 0, 3)
        out += "<testsuites name=\"ecomdata validate\" tests=\"\(all.count)\" failures=\"\(failures(all))\""
            + " errors=\"0\" skipped=\"\(Self.skipped(all))\" time=\"\(seconds)\">\n"
        for (family, checks) in groups {
            let suite = Self.escape("ecomdata.\(family)")
            out += "  <testsuite name=\"\(suite)\" tests=\"\(checks.count)\" failures=\"\(failures(checks))\""
                + " errors=\"0\" skipped=\"\(Self.skipped(checks))\" time=\"0\">\n"
            for check in checks {
                out += "    <testcase classname=\"\(suite)\" name=\"\(Self.escape(check.label))\" time=\"0\">\n"
                switch check.status {
                case "fail":
                    let message = (check.gating ? "" : "non-gating: ") + (check.reason ?? "failed")
                    out += "      <failure message=\"\(Self.escape(message))\" type=\"\(check.gating ? "gating" : "non-gating")\">"
                    out += Self.escape(Self.details(check)) + "</failure>\n"
                case "inconclusive":
                    out += "      <skipped message=\"\(Self.escape("inconclusive: " + (check.reason ?? "no reason given")))\"/>\n"
                case "warn" where failed(check):
                    out += "      <failure message=\"\(Self.escape("warned, failing with --fail-on warn: " + (check.reason ?? "warned")))\" type=\"gating\">"
                    out += Self.escape(Self.details(check)) + "</failure>\n"
                case "warn":
                    out += "      <system-out>\(Self.escape("warned: " + (check.reason ?? "no reason given") + "\n" + Self.details(check)))</system-out>\n"
                case "pass":
                    break
                default:
                    out += "      <system-out>\(Self.escape("unknown status '\(check.status)'"))</system-out>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        xml = out
    }

    private static func skipped(_ checks: [Report.Check]) -> Int { checks.filter { $0.status == "inconclusive" }.count }

    /// The body of a failure: what was checked, the statistic, and the examples one per line.
    private static func details(_ check: Report.Check) -> String {
        var lines = [check.title, "checked \(check.checked), violations \(check.violations) (allowed \(check.maxViolations))"]
        if let statistic = check.statistic {
            var parts: [String] = []
            for key in ["observed", "expected", "tolerance", "p_value", "effect_size"] {
                if let value = statistic[key]?.doubleValue { parts.append("\(key) \(Format.number(value))") }
            }
            if let test = statistic["test"]?.stringValue { parts.append("test \(test)") }
            if !parts.isEmpty { lines.append(parts.joined(separator: ", ")) }
        }
        let examples = check.examples.prefix(Report.maxExamples)
        if !examples.isEmpty {
            lines.append("examples:")
            for example in examples {
                let id = Report.describe(example["id"])
                lines.append("  \(Report.describeLocation(example["location"]))\(id.isEmpty ? "" : " [\(id)]"): \(Report.describe(example["message"]))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Text safe in XML content and in double- or single-quoted attributes. Characters XML 1.0 cannot carry
    /// at all (most C0 controls, lone surrogates are impossible in Swift strings) become U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && !(0xFFFE...0xFFFF).contains(value)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
