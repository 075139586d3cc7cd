import EcomJSON
@testable import EcomReports
import Foundation
import Testing

/// The sample rendered once per test run; the tests only read it.
private let sampleHTML: String = try! ReportRenderer.html(SampleReport.make())

@Test(arguments: SampleReport.Place.allCases)
func hostileStringsAreEscapedWhereverTheyEnter(_ place: SampleReport.Place) throws {
    let html = try ReportRenderer.html(SampleReport.make(hostileIn: [place]))
    #expect(!html.contains(SampleReport.script), "raw <script> from the \(place) reached the page")
    #expect(html.contains(SampleReport.scriptEscaped), "the \(place)'s <script> is not shown as text")
    #expect(!html.contains(SampleReport.quotes), "raw quotes from the \(place) reached the page")
    #expect(html.contains(SampleReport.quotesEscaped), "the \(place)'s quotes are not shown as text")
    #expect(!html.contains("alert(1)</"), "a closing tag from the data survived")
}

@Test func hostileStringsInAttributesAndSVGTextAreEscaped() throws {
    let html = sampleHTML
    // Tooltips (<title> inside SVG) and the axis labels of the category chart carry the category and city names.
    #expect(html.contains("<title>\(SampleReport.scriptEscaped): observed"))
    #expect(html.contains("class=\"cat\">\(SampleReport.scriptEscaped)</text>"))
    // No attribute value is broken out of: every `"` from the data is an entity, so no `' onload=` or `" onmouseover=` appears.
    #expect(!html.contains("\"quoted\""))
    #expect(!html.contains("'apos'"))
}

@Test func htmlIsSelfContained() {
    let html = sampleHTML.lowercased()
    for forbidden in ["http://", "https://", "<script", "src=", "@import", "url(", "<link", "<iframe", "<object", "<embed", " on"] {
        if forbidden == " on" {
            // No event handler attribute anywhere (`onload=`, `onclick=`, ...).
            #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)
        } else {
            #expect(!html.contains(forbidden), "the page references \(forbidden)")
        }
    }
    #expect(html.hasPrefix("<!doctype html>"))
    #expect(html.contains("<style>"))
}

@Test func verdictComesFirstThenSummaryThenFamilies() throws {
    let html = sampleHTML
    let verdict = try #require(html.range(of: "class=\"verdict verdict-fail\""))
    let summary = try #require(html.range(of: "class=\"summary\""))
    let schema = try #require(html.range(of: "data-family=\"schema\""))
    let distributions = try #require(html.range(of: "class=\"distributions\""))
    #expect(verdict.lowerBound < summary.lowerBound)
    #expect(summary.lowerBound < schema.lowerBound)
    #expect(schema.lowerBound < distributions.lowerBound)
    // Families in the format's order.
    let order = ["schema", "referential", "temporal", "coordinates", "distribution", "business"].map {
        html.range(of: "data-family=\"\($0)\"")!.lowerBound
    }
    #expect(order == order.sorted())
}

@Test func failuresAreListedBeforePassesWithinEachFamily() throws {
    let families = sampleHTML.components(separatedBy: "<section class=\"family\"").dropFirst()
    #expect(families.count == 6)
    let rank = ["fail": 0, "warn": 1, "inconclusive": 2, "pass": 4]
    var sawMixedFamily = false
    for family in families {
        let statuses = matches(of: #"data-status="([a-z]+)""#, in: family)
        let ranks = statuses.map { rank[$0] ?? 3 }
        #expect(ranks == ranks.sorted(), "checks out of order: \(statuses)")
        if Set(statuses).count > 1 { sawMixedFamily = true }
    }
    #expect(sawMixedFamily, "the sample should have a family mixing statuses")
    // `distribution` has, in document order, inconclusive, warn, fail, pass: it must come out fail, warn, inconclusive, pass.
    let distribution = try #require(families.first { $0.contains("data-family=\"distribution\"") })
    #expect(matches(of: #"data-status="([a-z]+)""#, in: distribution) == ["fail", "warn", "inconclusive", "pass"])
}

@Test func checksShowStatusCountsReasonStatisticAndExamples() throws {
    let html = sampleHTML
    let regions = try #require(section(of: "distribution.regions", in: html))
    #expect(regions.contains("<span class=\"pill fail\">FAIL</span>"))
    #expect(regions.contains(" open>"), "a failed check is expanded")
    #expect(regions.contains("chi-square = 912.4"))
    #expect(regions.contains("< 0.0001".replacingOccurrences(of: "<", with: "&lt;")))
    #expect(regions.contains("max_abs_share_difference"))
    #expect(regions.contains("<tr class=\"off\"><td>EU</td>"), "a category whose expected share is outside the interval is marked")
    let userId = try #require(section(of: "referential.user_id", in: html))
    #expect(userId.contains("ecommerce.transactions/1@92332"), "Kafka locations are shown as topic/partition@offset")
    let radius = try #require(section(of: "coordinates.in_city_radius", in: html))
    #expect(radius.contains("out/transactions.ndjson:310"))
    #expect(occurrences(of: "<td class=\"loc\">", in: radius) == 12)
    let passed = try #require(section(of: "referential.product_id", in: html))
    #expect(!passed.contains(" open>"), "a passed check is collapsed")
}

@Test func examplesAreCappedAtTwentyAndTheRestCounted() throws {
    let html = try ReportRenderer.html(SampleReport.make(examplesPerCheck: 50))
    let radius = try #require(section(of: "coordinates.in_city_radius", in: html))
    #expect(occurrences(of: "<td class=\"loc\">", in: radius) == 20)
    #expect(radius.contains("30 more not shown"))
}

@Test func everyKindOfChartIsDrawnFromTheDistributions() {
    let html = sampleHTML
    let kinds = ["chart-categorical": 7, "chart-hour": 2, "chart-weekday": 2, "chart-daily": 1, "chart-amounts": 8,
                 "chart-map": 1, "chart-funnel": 1, "chart-fraud": 1]
    for (kind, count) in kinds {
        #expect(occurrences(of: "<figure class=\"chart \(kind)\">", in: html) == count, "\(kind)")
    }
    #expect(occurrences(of: "<svg ", in: html) == kinds.values.reduce(0, +))
    // The daily chart shades both events and names them; the amount charts mark the expected range.
    #expect(html.contains("class=\"event\"><title>back_to_school: 2024-09-12 to 2024-09-14</title>"))
    #expect(html.contains(">flash_sale</text>"))
    #expect(occurrences(of: "class=\"range-edge\"", in: html) == 16)
    // 600 sampled points, 7 of them fraudulent (index % 97 == 5), drawn in their own class.
    #expect(occurrences(of: "class=\"pt fraud\"", in: html) == 7)
    #expect(occurrences(of: "class=\"pt\"", in: html) == 593)
    // Axes carry labels: percent ticks on the splits, hours 00-23, weekdays, latitudes.
    for label in [">30 %</text>", ">00</text>", ">23</text>", ">Mon</text>", ">Sun</text>", ">60°N</text>", ">120°W</text>"] {
        #expect(html.contains(label), "missing axis label \(label)")
    }
}

@Test func numbersInSVGHaveFixedDecimals() {
    let attributes = matches(of: #" (?:x|y|width|height|x1|x2|y1|y2|cx|cy|r)="([^"]*)""#, in: sampleHTML)
    #expect(attributes.count > 1000)
    for value in attributes {
        #expect(value.range(of: #"^-?[0-9]+(\.[0-9]{1,2})?$"#, options: .regularExpression) != nil, "\(value)")
    }
}

@Test func sizeStaysBoundedForTheLargestReport() throws {
    let html = try ReportRenderer.html(SampleReport.make(examplesPerCheck: 200, oversized: true))
    #expect(html.utf8.count < 1_500_000, "the page is \(html.utf8.count) bytes")
    #expect(occurrences(of: "<circle", in: html) <= 2_000 + 24 + 24)
    #expect(html.contains("500 beyond 2000 not drawn"))
    #expect(html.contains("1500 days"))
    #expect(html.contains("4 days per bar"))
    #expect(occurrences(of: "<figure class=\"chart chart-amounts\">", in: html) == 24)
    #expect(html.contains("91 others"), "120 merchants fold into 29 shown and one row for the rest")
    // Each example message is cut to 600 characters.
    #expect(!html.contains(String(repeating: "a long message about what is wrong with this record ", count: 12)))
}

@Test func unknownVerdictFormatAndStatusStillRender() throws {
    let report = JSONValue.object([
        ("format", .string("ecomdata.report/v2")), ("verdict", .string("maybe")),
        ("checks", .array([.object([("id", .string("custom.thing")), ("status", .string("skipped"))])])),
    ])
    let html = try ReportRenderer.html(report)
    #expect(html.contains("verdict-unknown"))
    #expect(html.contains("declares format “ecomdata.report/v2”"))
    #expect(html.contains("data-family=\"custom\""))
    #expect(html.contains("SKIPPED"))
}

// MARK: Helpers

/// The `<details>` element of one check.
func section(of checkId: String, in html: String) -> String? {
    guard let start = html.range(of: "<code class=\"id\">\(checkId)</code>") else { return nil }
    let end = html.range(of: "</details>", range: start.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
    let open = html.range(of: "<details", options: .backwards, range: html.startIndex..<start.lowerBound)?.lowerBound ?? start.lowerBound
    return String(html[open..<end])
}

func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// The first capture group of every match.
func matches(of pattern: String, in text: some StringProtocol) -> [String] {
    let regex = try! NSRegularExpression(pattern: pattern)
    let string = String(text)
    return regex.matches(in: string, range: NSRange(string.startIndex..., in: string)).map {
        String(string[Range($0.range(at: 1), in: string)!])
    }
}

/// A category row is marked as the check judges it: its interval not inside expected +- tolerance. A passing split's
/// rows are not marked for a difference that is significant but inside the tolerance (returning users, 60.4 % in
/// [60.1, 60.7] % against 60 +- 2 %), and in a failing one only the categories outside are.
@Test func categoryRowsAreMarkedByTheTolerance() throws {
    func marked(_ name: String) -> Bool? {
        guard let cell = sampleHTML.range(of: "<td>\(name)</td>") else { return nil }
        let rowStart = sampleHTML[..<cell.lowerBound].range(of: "<tr class=\"", options: .backwards)!.upperBound
        return sampleHTML[rowStart...].hasPrefix("off\"")
    }
    #expect(marked("returning") == false && marked("new") == false)
    #expect(marked("NA") == true && marked("EU") == true && marked("APAC") == false && marked("LATAM") == false)
}

/// Small figures keep four significant digits (a rate of 0.152 % is not shown as the 0.15 % edge of its tolerance), and
/// a violation rate that is not zero never reads as zero.
@Test func smallFiguresKeepTheirDigits() {
    #expect(Format.number(0.00152) == "0.00152" && Format.number(0.00115) == "0.00115" && Format.number(0.0005) == "0.0005")
    #expect(Format.number(0.001084) == "0.001084" && Format.number(0.4512) == "0.4512" && Format.number(5.5) == "5.5")
    #expect(Format.number(2.5e-8) == "2.500e-08" && Format.number(12.345) == "12.35" && Format.number(-0.000982) == "-0.000982")
    #expect(Format.rate(1.0 / 300_000) == "< 0.001 %" && Format.rate(0) == "0.000 %" && Format.rate(0.0123) == "1.230 %")
}

/// Control characters and Unicode's noncharacters from the data (HTML allows neither) reach the page as U+FFFD.
@Test func charactersHTMLDoesNotAllowAreReplaced() throws {
    var report = SampleReport.make()
    var checks = report["checks"]!.arrayValue!
    // Swift string literals may not hold noncharacters: built from their scalars.
    func scalar(_ value: UInt32) -> String { String(String.UnicodeScalarView([Unicode.Scalar(value)!])) }
    let reason = "bell \u{7}, reversed \(scalar(0xFFFE)), \(scalar(0xFDD0)) and \(scalar(0x10FFFF)) here"
    checks[2] = SampleReport.replacing(checks[2], "reason", .string(reason))
    report = SampleReport.replacing(report, "checks", .array(checks))
    let html = try ReportRenderer.html(report)
    #expect(html.contains("bell \u{FFFD}, reversed \u{FFFD}, \u{FFFD} and \u{FFFD} here"))
    #expect(!html.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0x7 || $0.value == 0xFDD0 || $0.value == 0x10FFFF })
}
