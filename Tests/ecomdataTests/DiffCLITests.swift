import EcomJSON
import Foundation
import Testing

/// Validation reports of 100,000 generated transactions, made once for the diff tests: two clean seeds, a
/// two-point regional shift, a doubled fraud rate. The records are deleted once validated; the reports stay.
private struct DiffInputs: Sendable {
    let directory: URL
    let clean7: String, clean8: String, shifted: String, doubledFraud: String

    static let shared: Result<DiffInputs, Error> = Result { try DiffInputs() }

    private init() throws {
        let directory = try CLI.temporaryDirectory()
        self.directory = directory
        func report(_ name: String, seed: Int, _ overrides: [String] = []) throws -> String {
            let data = directory.appendingPathComponent("\(name).ndjson").path, json = directory.appendingPathComponent("\(name).json").path
            let generated = try CLI.run(["generate", "--type", "transactions", "--count", "100000", "--seed", "\(seed)", "--out", data]
                + overrides.flatMap { ["--set", $0] })
            guard generated.status == 0 else { throw CLIFailure(message: generated.stderr) }
            // The shifted and doubled data fail validation against the default configuration (exit 1); the report is written all the same.
            let validated = try CLI.run(["validate", data, "--seed", "\(seed)", "--json", json])
            guard FileManager.default.fileExists(atPath: json) else { throw CLIFailure(message: "validate wrote no report (\(validated.status)): \(validated.stderr)") }
            try? FileManager.default.removeItem(atPath: data)
            return json
        }
        clean7 = try report("clean7", seed: 7)
        clean8 = try report("clean8", seed: 8)
        shifted = try report("shifted", seed: 8, ["regions.Europe.weight=0.32", "regions.North America.weight=0.43"])
        doubledFraud = try report("fraud", seed: 8, ["fraud_rate=0.002"])
    }
}

private struct CLIFailure: Error { let message: String }

private func inputs() throws -> DiffInputs { try DiffInputs.shared.get() }

/// The comparison `id` of a diff document.
private func comparison(_ document: JSONValue, _ id: String) throws -> JSONValue {
    try #require(document["comparisons"]?.arrayValue?.first { $0["id"]?.stringValue == id }, "no comparison \(id)")
}

private func diff(_ arguments: [String]) throws -> (result: CLI.Result, document: JSONValue) {
    let out = try CLI.temporaryDirectory().appendingPathComponent("diff.json").path
    let result = try CLI.run(["diff"] + arguments + ["--json", out])
    let document = (try? JSONValue.parse(String(contentsOfFile: out, encoding: .utf8))) ?? .null
    return (result, document)
}

/// Reports that share no record type are a usage mistake, exit 2, not drift in every count.
@Test func reportsOfOtherRecordTypesAreNotCompared() throws {
    let reports = try inputs()
    let events = reports.directory.appendingPathComponent("events.json").path
    let validated = try CLI.run(["validate", CLI.root.appendingPathComponent("fixtures/validation/user_events.ndjson").path, "--json", events])
    try #require(FileManager.default.fileExists(atPath: events), "\(validated.stderr)")
    let (result, _) = try diff([reports.clean7, events])
    #expect(result.status == 2 && result.stderr.contains("they share no record type"), "\(result.text)\(result.stderr)")
}

@Test func reseededCleanRunsDoNotDrift() throws {
    let reports = try inputs()
    let (result, document) = try diff([reports.clean7, reports.clean8])
    #expect(result.status == 0, "\(result.text)\(result.stderr)")
    #expect(document["verdict"]?.stringValue == "pass")
    for id in ["transactions.regions", "transactions.user_types", "transactions.devices", "transactions.payment_methods",
               "transactions.local_hour", "transactions.weekday", "transactions.fraud_rate", "transactions.count"] {
        #expect(try comparison(document, id)["status"]?.stringValue == "ok", "\(id)")
    }
    // Prices follow the catalog, which another seed draws anew: shown, but not judged.
    let electronics = try comparison(document, "transactions.amounts.Electronics")
    #expect(electronics["status"]?.stringValue == "inconclusive")
    #expect(electronics["reason"]?.stringValue?.contains("seeds 7 and 8") == true)
}

@Test func aTwoPointRegionalShiftDriftsNamingTheRegion() throws {
    let reports = try inputs()
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let html = dir.appendingPathComponent("diff.html").path, markdown = dir.appendingPathComponent("diff.md").path
    let (result, document) = try diff([reports.clean7, reports.shifted, "--report", html, "--markdown", markdown])
    #expect(result.status == 1, "\(result.text)\(result.stderr)")
    #expect(result.text.contains("drift transactions.regions") && result.text.contains("Europe"), "\(result.text)")
    let regions = try comparison(document, "transactions.regions")
    #expect(regions["status"]?.stringValue == "drift")
    let europe = try #require(regions["categories"]?.arrayValue?.first { $0["name"]?.stringValue == "Europe" })
    #expect(europe["moved"]?.boolValue == true)
    #expect((europe["difference"]?.doubleValue ?? 0) > 0.015)
    // Asia and Others were not shifted.
    for name in ["Asia", "Others"] {
        #expect(regions["categories"]?.arrayValue?.first { $0["name"]?.stringValue == name }?["moved"]?.boolValue == false, "\(name)")
    }
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("What moved") && page.contains("transactions.regions") && page.contains("Europe"))
    #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"), "the page must be self-contained")
    // Each split compared is charted, base and current side by side, and the bars of the categories that moved are marked.
    let comparisons = document["comparisons"]?.arrayValue ?? []
    let charted = comparisons.filter { !($0["categories"]?.arrayValue ?? []).isEmpty }.count
    let moved = comparisons.flatMap { $0["categories"]?.arrayValue ?? [] }.filter { $0["moved"]?.boolValue == true }.count
    #expect(charted >= 5 && page.components(separatedBy: "<svg").count - 1 == charted)
    #expect(moved >= 2 && page.components(separatedBy: "class=\"obs moved\"").count - 1 == moved)
    let summary = try String(contentsOfFile: markdown, encoding: .utf8)
    #expect(summary.contains("DRIFT") && summary.contains("transactions.regions") && summary.contains("Europe"), "\(summary)")

    // A gates file can loosen the split: then nothing gating drifts but the check that failed.
    let gates = dir.appendingPathComponent("gates.yaml")
    try "regions:\n  floor: 0.05\ncheck:\n  gating: false\n".write(to: gates, atomically: true, encoding: .utf8)
    let loosened = try diff([reports.clean7, reports.shifted, "--gates", gates.path])
    #expect(loosened.result.status == 0, "\(loosened.result.text)")
    #expect(try comparison(loosened.document, "transactions.regions")["status"]?.stringValue == "ok")
    // A split's floor is in shares: 5 (500 points) would pass every shift, and is a usage error.
    try "regions:\n  floor: 5\n".write(to: gates, atomically: true, encoding: .utf8)
    let loose = try diff([reports.clean7, reports.shifted, "--gates", gates.path])
    #expect(loose.result.status == 2 && loose.result.stderr.contains("above 1"), "\(loose.result.stderr)")
}

@Test func aDoubledFraudRateDrifts() throws {
    let reports = try inputs()
    let (result, document) = try diff([reports.clean7, reports.doubledFraud])
    #expect(result.status == 1, "\(result.text)")
    let rate = try comparison(document, "transactions.fraud_rate")
    #expect(rate["status"]?.stringValue == "drift")
    #expect((rate["current"]?.doubleValue ?? 0) > 1.7 * (rate["base"]?.doubleValue ?? 1))
    let interval = (rate["difference_interval"]?.arrayValue ?? []).compactMap { $0.doubleValue }
    #expect(interval.count == 2 && interval[0] > 0, "the difference's interval must exclude 0: \(interval)")
    #expect(try comparison(document, "transactions.regions")["status"]?.stringValue == "ok")
}

/// The committed baseline was approved from `generate --type transactions --count 100000 --seed 7` validated
/// with `--seed 7`; today's generator must reproduce it: no drift, and every split identical.
@Test func todaysGeneratorDiffsCleanAgainstTheCommittedBaseline() throws {
    let reports = try inputs()
    let baseline = CLI.root.appendingPathComponent("fixtures/baseline/transactions-seed7-100k.json").path
    let (result, document) = try diff([baseline, reports.clean7])
    #expect(result.status == 0, "\(result.text)\(result.stderr)")
    for entry in document["comparisons"]?.arrayValue ?? [] where entry["kind"]?.stringValue == "split" {
        #expect(entry["value"]?.doubleValue == 0, "\(entry["id"]?.stringValue ?? ""): the same seed gave other shares")
    }
    #expect(try comparison(document, "transactions.order_totals")["value"]?.doubleValue == 0)
}

/// Approving keeps what diff compares and leaves out what changes between runs, so approving the same data
/// again (from another path, at another time) writes the same bytes.
@Test func baselineApproveIsRepeatableAndStripsRunSpecifics() throws {
    let reports = try inputs()
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let copy = dir.appendingPathComponent("elsewhere.json").path
    try FileManager.default.copyItem(atPath: reports.clean7, toPath: copy)
    let first = dir.appendingPathComponent("a/base.json").path, second = dir.appendingPathComponent("b.json").path
    #expect(try CLI.run(["baseline", "approve", reports.clean7, "--to", first]).status == 0)
    #expect(try CLI.run(["baseline", "approve", copy, "--to", second]).status == 0)
    let text = try String(contentsOfFile: first, encoding: .utf8)
    #expect(text == (try String(contentsOfFile: second, encoding: .utf8)))
    let baseline = try JSONValue.parse(text)
    #expect(baseline["format"]?.stringValue == "ecomdata.baseline/v1")
    for member in ["started", "finished", "seconds", "command", "gates"] { #expect(baseline["run"]?[member] == nil, "\(member) kept") }
    #expect(baseline["run"]?["inputs"]?[0]?["source"] == nil)
    #expect(!text.contains(dir.path) && !text.contains(reports.directory.path), "a path was kept")
    #expect(baseline["run"]?["seed"]?.intValue == 7)
    #expect(baseline["distributions"]?["transactions"]?["regions"] == nil && baseline["distributions"]?["transactions"]?["categorical"]?["regions"] != nil)
    // A baseline compares as its report does.
    #expect(try CLI.run(["diff", first, reports.clean7]).status == 0)
    #expect(try CLI.run(["diff", first, reports.shifted]).status == 1)
}

@Test func diffExitCodesForBadInput() throws {
    let reports = try inputs()
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let missing = try CLI.run(["diff", dir.appendingPathComponent("nope.json").path, reports.clean7])
    #expect(missing.status == 3 && missing.stderr.contains("nope.json"), "\(missing.stderr)")
    let notJSON = dir.appendingPathComponent("x.json")
    try "{\"format\": ".write(to: notJSON, atomically: true, encoding: .utf8)
    let garbled = try CLI.run(["diff", reports.clean7, notJSON.path])
    #expect(garbled.status == 3 && garbled.stderr.contains("x.json"), "\(garbled.stderr)")
    let other = dir.appendingPathComponent("manifest.json")
    try "{\"format\": \"ecomdata.manifest/v1\"}".write(to: other, atomically: true, encoding: .utf8)
    let wrongKind = try CLI.run(["diff", reports.clean7, other.path])
    #expect(wrongKind.status == 3 && wrongKind.stderr.contains("ecomdata.manifest/v1"), "\(wrongKind.stderr)")
    // A report edited into another shape compares as empty and would pass: refused, naming the field.
    let clean = try JSONValue.parse(String(contentsOfFile: reports.clean7, encoding: .utf8))
    guard case let .object(members) = clean else { Issue.record("not an object"); return }
    func edited(_ name: String, _ value: JSONValue?) -> JSONValue {
        .object(value.map { value in members.map { $0.0 == name ? ($0.0, value) : $0 } } ?? members.filter { $0.0 != name })
    }
    let transactions = try #require(clean["distributions"]?["transactions"])
    guard case let .object(typeMembers) = transactions, case let .object(splits)? = transactions["categorical"],
          case let .object(regionMembers)? = transactions["categorical"]?["regions"] else { Issue.record("no regions"); return }
    let negativeRegions = JSONValue.object(regionMembers.map { $0.0 == "counts" ? ($0.0, .object([("Europe", .int(-5))])) : $0 })
    let negative = JSONValue.object(typeMembers.map { $0.0 == "categorical" ? ($0.0, .object(splits.map { $0.0 == "regions" ? ($0.0, negativeRegions) : $0 })) : $0 })
    let damaged: [(String, JSONValue, String)] = [
        ("no-checks", edited("checks", nil), "\"checks\" is missing"),
        ("oops", edited("distributions", .string("oops")), "\"distributions\" is not an object"),
        ("bogus", edited("checks", .array([.object([("id", .string("schema.types")), ("status", .string("bogus"))])])), "bogus"),
        ("negative", edited("distributions", .object([("transactions", negative)])), "counts.Europe is not a count"),
    ]
    for (name, document, words) in damaged {
        let file = dir.appendingPathComponent("\(name).json")
        try document.encoded().write(to: file, atomically: true, encoding: .utf8)
        let result = try CLI.run(["diff", reports.clean7, file.path])
        #expect(result.status == 3 && result.stderr.contains("\(name).json") && result.stderr.contains(words), "\(name): \(result.status) \(result.stderr)")
    }
    let gates = dir.appendingPathComponent("gates.yaml")
    try "regions:\n  floor: wide\n  sigma: 3\n".write(to: gates, atomically: true, encoding: .utf8)
    let badGates = try CLI.run(["diff", reports.clean7, reports.clean8, "--gates", gates.path])
    #expect(badGates.status == 2, "\(badGates.stderr)")
    #expect(badGates.stderr.contains("gates.yaml:2") && badGates.stderr.contains("gates.yaml:3"), "every problem with its line: \(badGates.stderr)")
    // A setting that names no comparison is named on stderr (it would change nothing in silence).
    // A split's category is a name it sets (no warning); a category no split has is named.
    try "regionz: {sigmas: 100}\nregions: {sigmas: 5}\ntransactions.regions.Europe: {floor: 0.05}\ntransactions.regions.Atlantis: {floor: 0.05}\n"
        .write(to: gates, atomically: true, encoding: .utf8)
    let misspelt = try CLI.run(["diff", reports.clean7, reports.clean8, "--gates", gates.path])
    #expect(misspelt.status == 0 && misspelt.stderr.contains("the setting 'regionz'") && !misspelt.stderr.contains("'regions'"), "\(misspelt.stderr)")
    #expect(!misspelt.stderr.contains("'transactions.regions.Europe'") && misspelt.stderr.contains("'transactions.regions.Atlantis'"), "\(misspelt.stderr)")
    #expect(try CLI.run(["diff", reports.clean7]).status == 2)
    #expect(try CLI.run(["baseline", "approve", other.path, "--to", dir.appendingPathComponent("b.json").path]).status == 3)
    // A directory is no file to write (`.` and `./` trapped in Foundation's path handling); an empty name is a usage error.
    for directory in [".", "./", dir.path] {
        let refused = try CLI.run(["baseline", "approve", reports.clean7, "--to", directory])
        #expect(refused.status == 3 && refused.stderr.contains("it is a directory"), "\(directory): \(refused.status) \(refused.stderr)")
    }
    let empty = try CLI.run(["baseline", "approve", reports.clean7, "--to", ""])
    #expect(empty.status == 2 && empty.stderr.contains("--to is empty"), "\(empty.stderr)")
}

/// Category names come from the data: the HTML and Markdown views escape them.
@Test func diffViewsEscapeEveryStringFromTheReports() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let sample = CLI.root.appendingPathComponent("fixtures/reports/sample-report.json").path
    // The sample has categories named <script>alert(1)</script> and "quoted" & 'apos'; move their shares.
    var text = try String(contentsOfFile: sample, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"<script>alert(1)</script>\": 6930", with: "\"<script>alert(1)</script>\": 16930")
    let moved = dir.appendingPathComponent("moved.json")
    try text.write(to: moved, atomically: true, encoding: .utf8)
    let html = dir.appendingPathComponent("d.html").path, markdown = dir.appendingPathComponent("d.md").path
    let result = try CLI.run(["diff", sample, moved.path, "--report", html, "--markdown", markdown])
    #expect(result.status == 1, "\(result.text)\(result.stderr)")
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(!page.contains("<script"), "unescaped markup in the HTML view")
    #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    let summary = try String(contentsOfFile: markdown, encoding: .utf8)
    #expect(!summary.contains("<script"), "unescaped markup in the Markdown view: \(summary)")
}

/// A record type one report has and the other has not at all is gone (or new) in full: its count drifts, exit 1,
/// rather than an inconclusive comparison that lets the diff pass. (Reports that share no type at all are not compared.)
@Test func aRecordTypeGoneFromTheCurrentReportDrifts() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let events = dir.appendingPathComponent("user_events.ndjson").path, transactions = dir.appendingPathComponent("transactions.ndjson").path
    let both = dir.appendingPathComponent("both.json").path, json = dir.appendingPathComponent("transactions.json").path
    #expect(try CLI.run(["generate", "--type", "user_events", "--count", "2000", "--seed", "7", "--out", events]).status == 0)
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "2000", "--seed", "7", "--out", transactions]).status == 0)
    _ = try CLI.run(["validate", transactions, events, "--seed", "7", "--json", both])
    _ = try CLI.run(["validate", transactions, "--seed", "7", "--json", json])
    let (result, document) = try diff([both, json])
    #expect(result.status == 1, "\(result.text)\(result.stderr)")
    let gone = try comparison(document, "user_events.count")
    #expect(gone["status"]?.stringValue == "drift" && gone["reason"]?.stringValue?.contains("no user_events here") == true, "\(gone)")
    #expect(try comparison(document, "transactions.count")["status"]?.stringValue == "ok")
}
