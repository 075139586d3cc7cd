import EcomJSON
import EcomReports
import Foundation
import Testing

@Test func markdownSummaryListsTheNonPassingChecksFailuresFirst() {
    let text = ReportRenderer.markdown(SampleReport.make())
    #expect(text.hasPrefix("## ❌ ecomdata validation: FAIL\n"))
    #expect(text.contains("150,110 records, 14 checks: **4 fail** (3 gating), 2 warn, 2 inconclusive, 6 pass."))
    let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") }.dropFirst(2)
    #expect(rows.count == 8)
    let statuses = rows.map { $0.split(separator: "|")[1].trimmingCharacters(in: .whitespaces) }
    #expect(statuses.map { $0.split(separator: " ")[0] } == ["fail", "fail", "fail", "fail", "warn", "warn", "inconclusive", "inconclusive"])
    #expect(text.contains("| referential.user\\_id | fail (gating) | 3 of 100,000 (allowed 0) |"))
    #expect(text.contains("| distribution.regions | fail (gating) | 0.042 vs 0 ± 0.02 (p &lt; 0.0001) |"))
    #expect(!text.contains(SampleReport.script), "HTML from the data is shown as text")
    #expect(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
}

@Test func markdownTableCellsEscapePipesAndLineBreaks() {
    var report = SampleReport.make()
    var checks = report["checks"]!.arrayValue!
    checks[2] = SampleReport.replacing(checks[2], "reason", .string("left | right\nsecond line\r\nthird `code` *bold*"))
    report = SampleReport.replacing(report, "checks", .array(checks))
    let text = ReportRenderer.markdown(report)
    let row = text.components(separatedBy: "\n").first { $0.contains("coordinates.in\\_city\\_radius") }
    #expect(row == "| coordinates.in\\_city\\_radius | fail (gating) | 12 of 100,000 (allowed 0) "
        + "| left \\| right<br>second line<br>third \\`code\\` \\*bold\\* |")
    // Every row has exactly the five unescaped pipes of four cells.
    for line in text.split(separator: "\n") where line.hasPrefix("|") {
        let unescaped = line.replacingOccurrences(of: "\\\\", with: "").replacingOccurrences(of: "\\|", with: "")
        #expect(unescaped.filter { $0 == "|" }.count == 5, "\(line)")
    }
}

@Test func markdownSaysSoWhenEverythingPassed() {
    let report = JSONValue.object([
        ("format", .string("ecomdata.report/v1")), ("verdict", .string("pass")),
        ("summary", .object([("records", .int(10)), ("checks", .int(1)), ("pass", .int(1))])),
        ("checks", .array([SampleReport.check("schema.types", nil, "Types", status: "pass", checked: 10)])),
    ])
    let text = ReportRenderer.markdown(report)
    #expect(text.hasPrefix("## ✅ ecomdata validation: PASS"))
    #expect(text.contains("Every check passed."))
    #expect(!text.contains("| check |"))
}
