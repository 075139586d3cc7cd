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
