import EcomJSON
import EcomReports
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Test func junitParsesAsXMLWithOneSuitePerFamilyAndRightCounts() throws {
    let report = SampleReport.make()
    let document = try XMLDocument(xmlString: ReportRenderer.junit(report), options: [])
    let root = try #require(document.rootElement())
    #expect(root.name == "testsuites")
    let checks = report["checks"]!.arrayValue!
    func count(_ status: String, _ family: String? = nil) -> Int {
        checks.filter { $0["status"]?.stringValue == status && (family == nil || $0["family"]?.stringValue == family) }.count
    }
    #expect(root.attribute(forName: "tests")?.stringValue == "\(checks.count)")
    #expect(root.attribute(forName: "failures")?.stringValue == "\(count("fail"))")
    #expect(root.attribute(forName: "skipped")?.stringValue == "\(count("inconclusive"))")

    let suites = root.elements(forName: "testsuite")
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue ?? "" }
        == ["schema", "referential", "temporal", "coordinates", "distribution", "business"].map { "ecomdata.\($0)" })
    for suite in suites {
        let family = String(suite.attribute(forName: "name")!.stringValue!.dropFirst("ecomdata.".count))
        let cases = suite.elements(forName: "testcase")
        #expect(suite.attribute(forName: "tests")?.stringValue == "\(cases.count)")
        #expect(cases.count == checks.filter { $0["family"]?.stringValue == family }.count)
        #expect(suite.attribute(forName: "failures")?.stringValue == "\(count("fail", family))")
        #expect(suite.attribute(forName: "skipped")?.stringValue == "\(count("inconclusive", family))")
        #expect(cases.filter { !$0.elements(forName: "failure").isEmpty }.count == count("fail", family))
        #expect(cases.filter { !$0.elements(forName: "skipped").isEmpty }.count == count("inconclusive", family))
        for testcase in cases {
            #expect(testcase.attribute(forName: "classname")?.stringValue == "ecomdata.\(family)")
            #expect(testcase.attribute(forName: "name")?.stringValue?.hasPrefix(family + ".") == true)
        }
    }
}

@Test func junitCarriesReasonsExamplesAndWarningsIntact() throws {
    let document = try XMLDocument(xmlString: ReportRenderer.junit(SampleReport.make()), options: [])
    func testcase(_ name: String) throws -> XMLElement {
        try #require(document.rootElement()?.elements(forName: "testsuite").flatMap { $0.elements(forName: "testcase") }
            .first { $0.attribute(forName: "name")?.stringValue == name })
    }
    // The hostile reason survives escaping and parsing byte for byte.
    let regions = try #require(try testcase("distribution.regions").elements(forName: "failure").first)
    #expect(regions.attribute(forName: "message")?.stringValue
        == "EU is 4.2 percentage points below its configured share of 30 %. First bad value: \(SampleReport.script) \(SampleReport.quotes)")
    let radius = try #require(try testcase("coordinates.in_city_radius").elements(forName: "failure").first)
    #expect(radius.stringValue?.contains("out/transactions.ndjson:310 [txn_200310]: 83.40 km from \(SampleReport.script)") == true)
    #expect(radius.stringValue?.contains("near \(SampleReport.script) \(SampleReport.quotes)") == true)
    let nonGating = try #require(try testcase("schema.types").elements(forName: "failure").first)
    #expect(nonGating.attribute(forName: "message")?.stringValue?.hasPrefix("non-gating: ") == true)
    let skipped = try #require(try testcase("temporal.weekday_profile").elements(forName: "skipped").first)
    #expect(skipped.attribute(forName: "message")?.stringValue?.hasPrefix("inconclusive: The window holds 4 of each weekday") == true)
    let warned = try testcase("business.amount_in_category_range")
    #expect(warned.elements(forName: "failure").isEmpty && warned.elements(forName: "skipped").isEmpty)
    #expect(warned.elements(forName: "system-out").first?.stringValue?.hasPrefix("warned: 37 amounts") == true)
    #expect(try testcase("referential.product_id").children?.contains { $0.kind == .element } != true, "a pass is an empty testcase")
}

@Test func junitReplacesCharactersXMLCannotCarry() throws {
    var report = SampleReport.make()
    var checks = report["checks"]!.arrayValue!
    checks[2] = SampleReport.replacing(checks[2], "reason", .string("bell \u{7} and NUL \u{0} in a reason"))
    report = SampleReport.replacing(report, "checks", .array(checks))
    let document = try XMLDocument(xmlString: ReportRenderer.junit(report), options: [])
    let failure = document.rootElement()?.elements(forName: "testsuite").flatMap { $0.elements(forName: "testcase") }
        .first { $0.attribute(forName: "name")?.stringValue == "coordinates.in_city_radius" }?.elements(forName: "failure").first
    #expect(failure?.attribute(forName: "message")?.stringValue == "bell \u{FFFD} and NUL \u{FFFD} in a reason")
}

/// With `--fail-on warn` a gating check that warned fails the run: the test view says so (a failure), as the exit
/// status does; a warning that does not gate stays a passing test case with its note.
@Test func withFailOnWarnAGatingWarningIsAFailure() throws {
    var report = SampleReport.make()
    report = SampleReport.replacing(report, "run", SampleReport.replacing(report["run"]!, "fail_on", .string("warn")))
    var checks = report["checks"]!.arrayValue!
    let warned = try #require(checks.firstIndex { $0["status"]?.stringValue == "warn" && $0["gating"]?.boolValue == false })
    let gating = SampleReport.replacing(checks[warned], "gating", .bool(true))
    checks.append(SampleReport.replacing(gating, "id", .string("business.gating_warning")))
    report = SampleReport.replacing(report, "checks", .array(checks))
    let document = try XMLDocument(xmlString: ReportRenderer.junit(report), options: [])
    let cases = document.rootElement()?.elements(forName: "testsuite").flatMap { $0.elements(forName: "testcase") } ?? []
    let failing = try #require(cases.first { $0.attribute(forName: "name")?.stringValue == "business.gating_warning" })
    #expect(failing.elements(forName: "failure").first?.attribute(forName: "message")?.stringValue?.hasPrefix("warned, failing with --fail-on warn") == true)
    let name = checks[warned]["id"]?.stringValue
    let notGating = try #require(cases.first { $0.attribute(forName: "name")?.stringValue == name })
    #expect(notGating.elements(forName: "failure").isEmpty)
    let plain = try XMLDocument(xmlString: ReportRenderer.junit(SampleReport.make()), options: [])
    let total = { (doc: XMLDocument) in Int(doc.rootElement()?.attribute(forName: "failures")?.stringValue ?? "") ?? -1 }
    #expect(total(document) == total(plain) + 1)
}
