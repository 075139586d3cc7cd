import Foundation
import Testing

@Test func reportRendersTheSampleReportInEveryFormat() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let sample = CLI.root.appendingPathComponent("fixtures/reports/sample-report.json").path
    let paths = ["html", "xml", "md"].map { dir.appendingPathComponent("report.\($0)").path }
    let result = try CLI.run(["report", sample, "--html", paths[0], "--junit", paths[1], "--markdown", paths[2]])
    #expect(result.status == 0, "\(result.stderr)")
    let html = try String(contentsOfFile: paths[0], encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("verdict-fail"))
    #expect(try String(contentsOfFile: paths[1], encoding: .utf8).contains("<testsuite name=\"ecomdata.schema\""))
    #expect(try String(contentsOfFile: paths[2], encoding: .utf8).hasPrefix("## ❌ ecomdata validation: FAIL"))
    // With no format flag, the Markdown summary goes to standard output.
    let summary = try CLI.run(["report", sample])
    #expect(summary.status == 0 && summary.text.contains("| referential.user\\_id | fail (gating) |"))
}

@Test func reportRejectsADocumentThatIsNotAReport() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("manifest.json")
    try Data(#"{"format": "ecomdata.manifest/v1"}"#.utf8).write(to: manifest)
    let result = try CLI.run(["report", manifest.path, "--html", dir.appendingPathComponent("out.html").path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("not an ecomdata.report/v1 document"))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.html").path))
    let missing = try CLI.run(["report", dir.appendingPathComponent("nope.json").path])
    #expect(missing.status == 3)
}

/// A document that says it is a report but lacks what one holds, or whose verdict its checks contradict (edited to pass
/// above a failing gating check), is refused: the views would say what the data does not.
@Test func reportRefusesADocumentThatIsNoWholeReport() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let bare = dir.appendingPathComponent("bare.json")
    try Data(#"{"format": "ecomdata.report/v1"}"#.utf8).write(to: bare)
    let empty = try CLI.run(["report", bare.path])
    #expect(empty.status == 2 && empty.stderr.contains("no \"run\" object"), "\(empty.stderr)")
    let sample = CLI.root.appendingPathComponent("fixtures/reports/sample-report.json").path
    let text = try String(contentsOfFile: sample, encoding: .utf8)
    let edited = dir.appendingPathComponent("edited.json")
    try Data(text.replacingOccurrences(of: #""verdict": "fail""#, with: #""verdict": "pass""#).utf8).write(to: edited)
    let contradicted = try CLI.run(["report", edited.path])
    #expect(contradicted.status == 2 && contradicted.stderr.contains("its verdict is pass but a gating check failed"), "\(contradicted.stderr)")
}

/// `validate`'s views and `report`'s of the JSON it wrote are the same text (a p-value the JSON holds as null showed as
/// "p —" in one and not at all in the other).
@Test func validatesViewsAreTheOnesReportRendersFromItsJSON() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "3000", "--seed", "42", "--out", file]).status == 0)
    let paths = ["json", "md", "html"].map { dir.appendingPathComponent("a.\($0)").path }
    #expect(try CLI.run(["validate", file, "--seed", "42", "--json", paths[0], "--markdown", paths[1], "--report", paths[2]]).status == 0)
    let again = ["md", "html"].map { dir.appendingPathComponent("b.\($0)").path }
    #expect(try CLI.run(["report", paths[0], "--markdown", again[0], "--html", again[1]]).status == 0)
    #expect(try String(contentsOfFile: paths[1], encoding: .utf8) == String(contentsOfFile: again[0], encoding: .utf8))
    #expect(try String(contentsOfFile: paths[2], encoding: .utf8) == String(contentsOfFile: again[1], encoding: .utf8))
}
