import EcomJSON

/// The parts of an `ecomdata.report/v1` document that the renderers read, with neutral defaults for what is
/// missing, so that a partial or newer report still renders (v1 only ever adds fields).
struct Report {
    /// The check families in the order the reports show them; families the format may add later come after.
    static let familyOrder = ["audit", "schema", "referential", "temporal", "coordinates", "distribution", "business"]

    /// The most examples any check shows, as the format promises.
    static let maxExamples = 20

    let format: String
    let verdict: String
    let run: JSONValue
    let summary: Summary
    let checks: [Check]
    let distributions: [(recordType: String, value: JSONValue)]
    /// The `audit` member of audit and roundtrip reports.
    let audit: JSONValue?

    struct Summary {
        let records: Int64
        let checks: Int64
        let pass: Int64
        let warn: Int64
        let fail: Int64
        let inconclusive: Int64
        let gatesFailed: Int64
    }

    struct Check {
        let id: String
        let family: String
        let recordType: String?
        let title: String
        let status: String
        let reason: String?
        let gating: Bool
        let checked: Int64
        let violations: Int64
        let maxViolations: Int64
        let statistic: JSONValue?
        let examples: [JSONValue]
        /// The check's ID, with its topic (an audit check) or record type when the report holds it more than once:
        /// `audit.altered [fraud-alerts]` (a JUnit test case's name, a Markdown row's first cell).
        var label: String

        /// Where the check sorts within its family: failures first, passes last.
        var severityRank: Int { Report.severityRank(status) }
    }

    /// Sort key of a status: `fail`, `warn`, `inconclusive`, then anything unknown, then `pass`.
    static func severityRank(_ status: String) -> Int {
        switch status {
        case "fail": 0
        case "warn": 1
        case "inconclusive": 2
        case "pass": 4
        default: 3
        }
    }

    init(_ json: JSONValue) {
        format = json["format"]?.stringValue ?? ""
        verdict = json["verdict"]?.stringValue ?? "unknown"
        run = json["run"] ?? .object([])
        let summary = json["summary"] ?? .object([])
        func count(_ key: String) -> Int64 { summary[key]?.intValue ?? 0 }
        self.summary = Summary(records: count("records"), checks: count("checks"), pass: count("pass"),
                               warn: count("warn"), fail: count("fail"), inconclusive: count("inconclusive"),
                               gatesFailed: count("gates_failed"))
        var checks = (json["checks"]?.arrayValue ?? []).map { check in
            let id = check["id"]?.stringValue ?? "?"
            let family = check["family"]?.stringValue ?? String(id.prefix { $0 != "." })
            return Check(
                id: id, family: family, recordType: check["record_type"]?.stringValue,
                title: check["title"]?.stringValue ?? "", status: check["status"]?.stringValue ?? "unknown",
                reason: check["reason"]?.stringValue, gating: check["gating"]?.boolValue ?? false,
                checked: check["checked"]?.intValue ?? 0, violations: check["violations"]?.intValue ?? 0,
                maxViolations: check["max_violations"]?.intValue ?? 0,
                statistic: check["statistic"].flatMap { $0 == .null ? nil : $0 },
                examples: check["examples"]?.arrayValue ?? [], label: id)
        }
        // An ID the report holds more than once (per topic, per record type) is told apart by what it is about.
        var uses: [String: Int] = [:]
        for check in checks { uses[check.id, default: 0] += 1 }
        for index in checks.indices where uses[checks[index].id, default: 0] > 1 {
            let check = checks[index]
            let topic = check.family == "audit" ? check.title.firstRange(of: ": ").map { String(check.title[..<$0.lowerBound]) } : nil
            if let about = topic ?? check.recordType { checks[index].label = "\(check.id) [\(about)]" }
        }
        self.checks = checks
        distributions = (json["distributions"]?.objectValue ?? []).map { (recordType: $0.0, value: $0.1) }
        audit = json["audit"].flatMap { $0 == .null ? nil : $0 }
    }

    /// The checks grouped by family in `familyOrder` (unknown families after, in document order), each family's
    /// checks by severity and then in document order.
    var checksByFamily: [(family: String, checks: [Check])] {
        var families = Report.familyOrder.filter { family in checks.contains { $0.family == family } }
        for check in checks where !families.contains(check.family) { families.append(check.family) }
        return families.map { family in
            let members = checks.enumerated().filter { $0.element.family == family }
            let sorted = members.sorted { ($0.element.severityRank, $0.offset) < ($1.element.severityRank, $1.offset) }
            return (family, sorted.map(\.element))
        }
    }

    /// `file:line`, `topic/partition@offset`, or the location's JSON when it is neither.
    static func describeLocation(_ location: JSONValue?) -> String {
        guard let location, location != .null else { return "" }
        if let file = location["file"]?.stringValue {
            if let line = location["line"]?.intValue { return "\(file):\(line)" }
            return file
        }
        if let topic = location["topic"]?.stringValue {
            let partition = location["partition"]?.intValue.map(String.init) ?? "?"
            let offset = location["offset"]?.intValue.map(String.init) ?? "?"
            return "\(topic)/\(partition)@\(offset)"
        }
        return location.encoded()
    }

    /// A scalar member as text: strings as they are, numbers formatted, anything else as JSON.
    static func describe(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case let .string(s)?: s
        case let .int(i)?: Format.integer(i)
        case let .double(d)?: Format.number(d)
        case let .bool(b)?: b ? "true" : "false"
        case let other?: other.encoded()
        }
    }
}
