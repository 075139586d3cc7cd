import EcomJSON
import Foundation
import Testing

/// A JSON report without what differs between two runs over the same inputs: `run.started`, `run.finished`,
/// `run.seconds` (timings) and `run.command` (the command line).
private func comparableReport(_ path: String) throws -> String {
    let document = try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
    let members = document.objectValue!.map { name, value -> (String, JSONValue) in
        guard name == "run", let run = value.objectValue else { return (name, value) }
        return (name, .object(run.filter { !["started", "finished", "seconds", "command"].contains($0.0) }))
    }
    return JSONValue.object(members).encoded(pretty: true)
}

/// `validate --partial` on each fixture, then `merge`, writes the report (and exit code) `validate` over both
/// files does, with and without a gates file given to both.
@Test func validatePartialsThenMergeEqualsOneValidate() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = { (name: String) in dir.appendingPathComponent(name).path }
    let files = ["transactions", "user_events"].map { CLI.root.appendingPathComponent("fixtures/validation/\($0).ndjson").path }
    for (file, part) in zip(files, ["a.part", "b.part"]) {
        let result = try CLI.run(["validate", file, "--seed", "42", "--partial", out(part)])
        #expect(result.status == 0, "a partial alone has no verdict: \(result.stderr)")
        #expect(result.text.hasPrefix("partial: "), "\(result.text)")
    }
    let single = try CLI.run(["validate"] + files + ["--seed", "42", "--json", out("single.json")])
    let merged = try CLI.run(["merge", out("a.part"), out("b.part"), "--json", out("merged.json"), "--report", out("merged.html"),
                              "--junit", out("merged.xml"), "--markdown", out("merged.md")])
    #expect(single.status == 1, "the fixtures' defects fail the gates: \(single.stderr)")
    #expect(merged.status == single.status, "\(merged.stderr)")
    #expect(merged.text == single.text, "the same summary")
    #expect(try comparableReport(out("merged.json")) == comparableReport(out("single.json")))
    for name in ["merged.html", "merged.xml", "merged.md"] { #expect(FileManager.default.fileExists(atPath: out(name)), "\(name)") }
    // Gates given to the merge decide as they do for validate.
    try "referential:\n  max_violations: 1000\nschema:\n  max_violations: 1000\n".write(toFile: out("gates.yaml"), atomically: true, encoding: .utf8)
    let gatedSingle = try CLI.run(["validate"] + files + ["--seed", "42", "--gates", out("gates.yaml"), "--json", out("gated-single.json")])
    let gatedMerged = try CLI.run(["merge", out("a.part"), out("b.part"), "--gates", out("gates.yaml"), "--json", out("gated-merged.json")])
    #expect(gatedMerged.status == gatedSingle.status)
    #expect(try comparableReport(out("gated-merged.json")) == comparableReport(out("gated-single.json")))
    #expect(try comparableReport(out("gated-merged.json")) != comparableReport(out("merged.json")), "the gates must change something")
}

/// A partial that is cut short, of another seed, not a partial, missing, or named twice is refused with its name,
/// exit 3 for what cannot be read and 2 for what does not go together; no report is written.
@Test func mergeRefusesBadPartialsByName() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = { (name: String) in dir.appendingPathComponent(name).path }
    let fixture = CLI.root.appendingPathComponent("fixtures/validation/transactions.ndjson").path
    let events = CLI.root.appendingPathComponent("fixtures/validation/user_events.ndjson").path
    #expect(try CLI.run(["validate", fixture, "--seed", "42", "--partial", out("a.part")]).status == 0)
    #expect(try CLI.run(["validate", events, "--seed", "7", "--partial", out("seven.part")]).status == 0)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: out("a.part")))
    try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: out("cut.part")))
    try Data("{}\n".utf8).write(to: URL(fileURLWithPath: out("report.json")))
    let cases: [([String], Int32, String)] = [
        ([out("cut.part")], 3, "cut.part: truncated"),
        ([out("a.part"), out("seven.part")], 2, "seven.part: made with seed 7"),
        ([out("report.json")], 3, "report.json: not an ecomdata partial"),
        ([out("missing.part")], 3, "missing.part: no such file"),
        ([out("a.part"), out("a.part")], 2, "which \(out("a.part")) holds too"),
    ]
    for (partials, status, message) in cases {
        let result = try CLI.run(["merge"] + partials + ["--json", out("never.json")])
        #expect(result.status == status, "\(partials): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(partials): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out("never.json")))
    }
}
