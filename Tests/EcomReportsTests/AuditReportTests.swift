import EcomJSON
@testable import EcomReports
import Foundation
import Testing

/// A minimal audit report: one topic named by the data (hostile), its findings and latency, and one audit check.
private func auditReport(topic: String) -> JSONValue {
    let findings: [(String, JSONValue)] = HTMLPage.auditKinds.map { ($0, .int($0 == "missing" ? 3 : 0)) }
    return .object([
        ("format", .string("ecomdata.report/v1")), ("run", .object([])), ("verdict", .string("fail")),
        ("summary", .object([("records", .int(10)), ("checks", .int(1)), ("pass", .int(0)), ("warn", .int(0)), ("fail", .int(1)),
                             ("inconclusive", .int(0)), ("gates_failed", .int(1))])),
        ("checks", .array([.object([
            ("id", .string("audit.missing")), ("family", .string("audit")), ("record_type", .null), ("title", .string("\(topic): missing")),
            ("status", .string("fail")), ("reason", .string("3 records delivered were not read")), ("gating", .bool(true)),
            ("checked", .int(13)), ("violations", .int(3)), ("max_violations", .int(0)), ("statistic", .null),
            ("examples", .array([.object([("location", .object([("topic", .string(topic)), ("partition", .int(2)), ("offset", .null)])),
                                          ("id", .string("txn_1")), ("message", .string("txn_1 was sent and not read"))])])),
        ])])),
        ("distributions", .object([])),
        ("audit", .object([
            ("brokers", .string("127.0.0.1:9092")), ("manifest", .null), ("from", .string("beginning")), ("records_named", .bool(true)),
            ("records", .int(10)), ("seconds", .double(0.5)), ("records_per_second", .double(20)),
            ("latency_ms", .object([("count", .int(10)), ("p50_ms", .int(41)), ("p90_ms", .int(50)), ("p99_ms", .int(77)), ("max_ms", .int(80))])),
            ("topics", .array([.object([("topic", .string(topic)), ("exists", .bool(true)), ("records", .int(10)), ("expected", .int(13)),
                                        ("findings", .object(findings)), ("latency_ms", .object([("p50_ms", .int(41)), ("p99_ms", .int(77))]))])])),
        ])),
    ])
}

@Test func auditReportsShowWhatWasReadBackWithTheDataEscaped() throws {
    let report = auditReport(topic: SampleReport.script)
    let html = try ReportRenderer.html(report)
    #expect(html.contains("ecomdata audit and validation report"))
    #expect(html.contains("Read back from Kafka"))
    #expect(html.contains("p50 41 ms"))
    #expect(!html.contains(SampleReport.script) && html.contains(SampleReport.scriptEscaped))
    // The audit family comes first, and a missing record's location has no offset.
    #expect(html.contains("data-family=\"audit\""))
    #expect(html.contains("@?"))
    let markdown = ReportRenderer.markdown(report)
    #expect(markdown.hasPrefix("## ❌ ecomdata audit and validation: FAIL"))
    #expect(markdown.contains("| 10 | 13 | 3 | 0 |"))
    #expect(!markdown.contains(SampleReport.script))
    #expect(ReportRenderer.junit(report).contains("classname=\"ecomdata.audit\""))
}

/// A check the report holds once per topic is named with its topic in the JUnit test cases and the Markdown rows,
/// so that CI tells them apart; one held once keeps its bare ID.
@Test func aCheckOfSeveralTopicsIsNamedWithItsTopic() throws {
    var report = auditReport(topic: "transactions")
    var checks = try #require(report["checks"]?.arrayValue)
    checks.append(SampleReport.replacing(checks[0], "title", .string("fraud-alerts: missing")))
    report = SampleReport.replacing(report, "checks", .array(checks))
    let junit = ReportRenderer.junit(report)
    #expect(junit.contains("name=\"audit.missing [transactions]\"") && junit.contains("name=\"audit.missing [fraud-alerts]\""), "\(junit)")
    let markdown = ReportRenderer.markdown(report)
    #expect(markdown.contains("| audit.missing \\[transactions\\] | fail (gating) |") && markdown.contains("| audit.missing \\[fraud-alerts\\] |"), "\(markdown)")
    #expect(ReportRenderer.junit(auditReport(topic: "transactions")).contains("name=\"audit.missing\""))
}
