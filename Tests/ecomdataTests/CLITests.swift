import EcomJSON
import Foundation
import Testing

/// Runs the built `ecomdata` executable as a process.
struct CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var executable: URL {
        let candidates = [".build/debug/ecomdata", ".build/release/ecomdata"].map { root.appendingPathComponent($0) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs the tool with `arguments`; `stdin`, when given, is written to it through a pipe (not a file it could map);
    /// `stdout`, when given, is where its standard output goes (the result's `stdout` is then empty).
    static func run(_ arguments: [String], stdin: Data? = nil, stdout standardOutput: FileHandle? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = stdin.map { _ in Pipe() }
        if let input { process.standardInput = input }
        let out = Pipe()
        let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = standardOutput ?? out
        process.standardError = errorHandle
        try process.run()
        if standardOutput != nil { try out.fileHandleForWriting.close() }
        if let input, let stdin {
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(stdin)
                try? writer.close()
            }
        }
        // Read stdout to the end before waiting, so a large output cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let stderr = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Test func generateWritesTheSameRecordsToAFileAndToStdout() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("txns.ndjson")
    let arguments = ["generate", "--type", "transactions", "--count", "500", "--seed", "7"]
    let toFile = try CLI.run(arguments + ["--out", file.path, "--catalog-out", dir.appendingPathComponent("catalog").path])
    #expect(toFile.status == 0, "\(toFile.stderr)")
    let toStdout = try CLI.run(arguments + ["--out", "-"])
    #expect(toStdout.status == 0)
    let written = try Data(contentsOf: file)
    #expect(written == toStdout.stdout)
    let lines = toStdout.text.split(separator: "\n")
    #expect(lines.count == 500)
    for line in lines { #expect(try JSONValue.parse(String(line))["transaction_id"]?.stringValue?.hasPrefix("txn_") == true) }
    for name in ["users", "products", "cities"] {
        let catalog = try String(contentsOf: dir.appendingPathComponent("catalog/\(name).ndjson"), encoding: .utf8)
        #expect(!catalog.isEmpty, "\(name).ndjson is empty")
    }
    let users = try String(contentsOf: dir.appendingPathComponent("catalog/users.ndjson"), encoding: .utf8).split(separator: "\n")
    #expect(users.count == 10_000)
}

@Test(arguments: [
    ["generate", "--type", "nonsense", "--count", "5"],
    ["generate", "--type", "transactions"],
    ["generate", "--type", "transactions", "--count", "5", "--no-such-flag"],
    ["generate", "--type", "transactions", "--count", "5", "--start", "2024-02-30"],
    ["generate", "--type", "transactions", "--count", "5", "--scenario", "tuesday"],
    ["generate", "--type", "transactions", "--count", "5", "--set", "fraud_rate=2"],
    ["config", "--validate", CLI.root.appendingPathComponent("fixtures/configs/invalid.yaml").path],
    ["stream", "--duration", "5x", "--max", "--brokers", "127.0.0.1:1"],
    ["roundtrip", "--duration", "0s", "--brokers", "127.0.0.1:1"],
])
func badUsageExitsWithTwo(arguments: [String]) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 2, "\(arguments): \(result.stderr)")
    #expect(!result.stderr.isEmpty)
}

/// `--start now-1d --end now` (the framework's last-week example, shorter) puts every record in the day before the
/// command ran; a malformed span is a usage error.
@Test func aWindowRelativeToNowEndsWhenTheCommandRan() throws {
    let before = Date().timeIntervalSince1970
    let result = try CLI.run(["generate", "--type", "transactions", "--count", "200", "--seed", "3", "--start", "now-1d", "--end", "now"])
    let after = Date().timeIntervalSince1970
    #expect(result.status == 0, "\(result.stderr)")
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let times = try result.text.split(separator: "\n").map { line in
        try #require(JSONValue.parse(String(line))["timestamp"]?.stringValue.flatMap { formatter.date(from: $0) })
    }
    #expect(times.count == 200)
    #expect(times.allSatisfy { $0.timeIntervalSince1970 >= before - 86_401 && $0.timeIntervalSince1970 <= after })
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "2", "--start", "now-7x"]).status == 2)
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "2", "--start", "now+1d"]).status == 2)
}

@Test func unwritablePathExitsWithThreeAndNamesIt() throws {
    let result = try CLI.run(["generate", "--type", "transactions", "--count", "5", "--out", "/nonexistent-dir/x/txns.ndjson"])
    #expect(result.status == 3)
    #expect(result.stderr.contains("/nonexistent-dir/x/txns.ndjson"))
}

@Test func historicalPartitionsByDayWithAManifest() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try CLI.run(["historical", "--days", "2", "--start", "2024-09-02", "--out", dir.path, "--seed", "3",
                              "--rate-multiplier", "0.01"])
    #expect(result.status == 0, "\(result.stderr)")
    let manifest = try JSONValue.parse(String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8))
    #expect(manifest["seed"]?.intValue == 3)
    for type in ["transactions", "user_events", "product_updates", "fraud_alerts", "analytics_results"] {
        let days = try #require(manifest["types"]?[type]?["days"]?.arrayValue)
        #expect(days.compactMap { $0["date"]?.stringValue } == ["2024-09-02", "2024-09-03"], "\(type): records outside the window")
        for day in days {
            let path = dir.appendingPathComponent(day["path"]!.stringValue!)
            let data = try Data(contentsOf: path)
            let lines = data.split(separator: UInt8(ascii: "\n"))
            #expect(lines.count == Int(day["records"]?.intValue ?? -1), "\(path.path)")
            let prefix = day["date"]!.stringValue!
            for line in lines.prefix(50) {
                let timestamp = try JSONValue.parse(String(decoding: line, as: UTF8.self))["timestamp"]?.stringValue ?? ""
                #expect(timestamp.hasPrefix(prefix), "\(path.path): \(timestamp) is not on \(prefix)")
            }
        }
    }
    #expect((manifest["types"]?["transactions"]?["records"]?.intValue ?? 0) > 3_000)
}

/// `generate --type T` alone writes the bytes `historical` writes for T over the same day, so user events hold
/// the sessions of the same transactions whether or not these are written beside them, at the configured rates
/// and scaled by a multiplier; `--transactions` with historical's count writes the same bytes.
@Test(arguments: [[String](), ["--rate-multiplier", "0.5"]])
func generateAloneWritesWhatHistoricalWrites(_ extra: [String]) throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let common = ["--seed", "5", "--set", "base_transaction_rate=300", "--set", "base_event_rate=3000"]
    let historical = try CLI.run(["historical", "--days", "1", "--start", "2024-09-02", "--out", dir.path] + common + extra)
    #expect(historical.status == 0, "\(historical.stderr)")
    let manifest = try JSONValue.parse(String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8))
    let transactions = try #require(manifest["types"]?["transactions"]?["records"]?.intValue)
    for type in ["transactions", "user_events"] {
        let day = try #require(manifest["types"]?[type]?["days"]?[0])
        let count = try #require(day["records"]?.intValue)
        let written = try Data(contentsOf: dir.appendingPathComponent(try #require(day["path"]?.stringValue)))
        let links: [[String]] = type == "user_events" ? [[], ["--transactions", "\(transactions)"]] : [[]]
        for link in links {
            let alone = try CLI.run(["generate", "--type", type, "--count", "\(count)", "--start", "2024-09-02", "--end", "2024-09-03",
                                     "--threads", "1"] + common + link)
            #expect(alone.status == 0, "\(alone.stderr)")
            #expect(alone.stdout == written, "\(type) \(extra) \(link): generate alone differs from historical")
        }
    }
}

@Test func schemaCommandPrintsJSONSchemaAndSparkStructType() throws {
    let schemaOutput = try CLI.run(["schema", "--type", "transactions"])
    let jsonSchema = try JSONValue.parse(schemaOutput.text)
    #expect(jsonSchema["properties"]?["total_amount"]?["type"]?.stringValue == "number")
    #expect(jsonSchema["required"]?.arrayValue?.contains(.string("fraud_score")) == true)
    let sparkOutput = try CLI.run(["schema", "--type", "user_events", "--format", "spark"])
    let spark = try JSONValue.parse(sparkOutput.text)
    #expect(spark["type"]?.stringValue == "struct")
    let timestamp = spark["fields"]?.arrayValue?.first { $0["name"]?.stringValue == "timestamp" }
    #expect(timestamp?["type"]?.stringValue == "timestamp")
}

@Test func goldenDigestsMatch() throws {
    let golden = try JSONValue.parse(String(contentsOf: CLI.root.appendingPathComponent("fixtures/golden/digests.json"), encoding: .utf8))
    let argumentValues = try #require(golden["arguments"]?.arrayValue)
    let arguments = argumentValues.compactMap(\.stringValue)
    let digests = try #require(golden["digests"]?.objectValue)
    for (type, expected) in digests {
        let result = try CLI.run(["generate", "--type", type] + arguments)
        #expect(result.status == 0)
        let digest = sha256(result.stdout)
        #expect(digest == expected.stringValue, "\(type): output changed (got \(digest)); if deliberate, run `make golden` and review the diff")
    }
}

/// sha256sum of bytes, through the system tool so the test does not trust the project's own digest code.
func sha256(_ data: Data) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    DispatchQueue.global().async {
        input.fileHandleForWriting.write(data)
        try? input.fileHandleForWriting.close()
    }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
}

/// `--verbose` is global: accepted after any subcommand too, not a usage error (exit 2) for those without a flag of their own.
@Test func verboseIsAcceptedAfterEverySubcommand() throws {
    let fixture = CLI.root.appendingPathComponent("fixtures/validation/transactions.ndjson").path
    let quiet = try CLI.run(["validate", fixture, "--seed", "42"])
    let loud = try CLI.run(["validate", fixture, "--seed", "42", "--verbose"])
    #expect(quiet.status == 1 && loud.status == 1, "\(loud.stderr)")
    #expect(loud.text == quiet.text, "the report's text does not change")
    for command in [["schema", "--type", "transactions"], ["config"]] {
        let result = try CLI.run(command + ["--verbose"])
        #expect(result.status == 0, "\(command): \(result.stderr)")
    }
}

/// A file truncated by another process while `validate` reads it through its mapping is named, with exit 3, not a
/// crash (the kernel raises SIGBUS on the pages past its new end).
@Test func aFileTruncatedWhileItIsReadIsNamedNotACrash() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("transactions.ndjson")
    let line = Array("{\"transaction_id\":\"txn_000000001\",\"note\":\"a line that is read slowly enough\"}\n".utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(96 << 20)
    while bytes.count < 96 << 20 { bytes += line }
    try Data(bytes).write(to: file)
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = ["validate", file.path, "--threads", "1"]
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    // Truncated once it is mapped (it shows in the process's maps), so that the reading meets the missing pages.
    let deadline = Date().addingTimeInterval(30)
    var mapped = false
    while !mapped && process.isRunning && Date() < deadline {
        mapped = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/maps", encoding: .utf8))?.contains(file.path) ?? false
        if !mapped { usleep(1_000) }
    }
    try #require(mapped, "validate ended (or took 30 s) before its input was seen mapped")
    #expect(truncate(file.path, 0) == 0)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 3, "\(process.terminationReason) \(process.terminationStatus): \(message)")
    #expect(message.contains("\(file.path) shrank while it was being read"), "\(message)")
}

/// Output that cannot be written (a full disk: /dev/full) ends a command with exit 3 and the reason, whether it goes to
/// standard output or to a report's path; a report path is written through, so a symbolic link there is followed.
@Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full to stand for a full disk"))
func outputThatCannotBeWrittenExitsThree() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, json = dir.appendingPathComponent("r.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "300", "--seed", "42", "--out", file]).status == 0)
    #expect(try CLI.run(["validate", file, "--seed", "42", "--json", json]).status == 0)
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    defer { try? full.close() }
    for arguments in [["schema", "--type", "transactions"], ["config"], ["validate", file, "--seed", "42"], ["report", json]] {
        let result = try CLI.run(arguments, stdout: full)
        #expect(result.status == 3 && result.stderr.contains("cannot write standard output: No space left on device"),
                "\(arguments): \(result.status) \(result.stderr)")
    }
    let toFull = try CLI.run(["validate", file, "--seed", "42", "--json", "/dev/full"])
    #expect(toFull.status == 3 && toFull.stderr.contains("/dev/full (No space left on device)"), "\(toFull.stderr)")
    let target = dir.appendingPathComponent("target.json").path, link = dir.appendingPathComponent("link.json").path
    try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    #expect(try CLI.run(["validate", file, "--seed", "42", "--json", link]).status == 0)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target, "the link is still a link")
    #expect(try String(contentsOfFile: target, encoding: .utf8).contains("ecomdata.report/v1"), "the report went through the link")
    // The report to the process's own standard output, redirected to a file: written where the output stands, the
    // summary after it (opened again, it was written from the file's start and the summary overwrote it).
    let redirected = dir.appendingPathComponent("out.txt").path
    #expect(FileManager.default.createFile(atPath: redirected, contents: nil))
    let handle = try #require(FileHandle(forWritingAtPath: redirected))
    #expect(try CLI.run(["validate", file, "--seed", "42", "--json", "/dev/stdout"], stdout: handle).status == 0)
    try handle.close()
    let written = try String(contentsOfFile: redirected, encoding: .utf8)
    let end = try #require(written.range(of: "\n}\n"))
    #expect(try JSONValue.parse(String(written[..<end.upperBound]))["format"]?.stringValue == "ecomdata.report/v1")
    #expect(written[end.upperBound...].contains("records from 1 input(s): PASS"), "\(written.suffix(300))")
    // `-` is standard output too (it wrote a file named `-`).
    let dash = try CLI.run(["validate", file, "--seed", "42", "--json", "-"])
    #expect(dash.status == 0 && dash.text.hasPrefix("{\n  \"format\": \"ecomdata.report/v1\"") && dash.text.contains("records from 1 input(s): PASS"))
    #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/-"))
}

/// A window of centuries would take the generator's calendar gigabytes: past 3660 days it is a usage error.
@Test func aWindowOfCenturiesIsRefused() throws {
    let result = try CLI.run(["generate", "--type", "transactions", "--count", "3", "--start", "2024-09-02", "--end", "2200-01-01", "--out", "/dev/null"])
    #expect(result.status == 2 && result.stderr.contains("a window is at most 3660 days"), "\(result.stderr)")
    #expect(try CLI.run(["stream", "--duration", "4000d", "--max", "--brokers", "127.0.0.1:1"]).status == 2)
}

/// `historical` into the directory of an earlier dataset replaces it (none of its days outlives the new manifest); into a
/// directory holding anything else it refuses, and writes nothing.
@Test func historicalReplacesItsEarlierDatasetAndRefusesOtherDirectories() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("history").path
    func parts() -> [String] {
        (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".ndjson") && !$0.hasPrefix("catalog") }.sorted()
    }
    #expect(try CLI.run(["historical", "--days", "3", "--rate-multiplier", "0.01", "--seed", "5", "--out", out]).status == 0)
    #expect(parts().count == 15)
    let again = try CLI.run(["historical", "--days", "1", "--rate-multiplier", "0.01", "--seed", "5", "--out", out])
    #expect(again.status == 0 && again.stderr.contains("replaced the dataset that was in"), "\(again.stderr)")
    #expect(parts().count == 5 && parts().allSatisfy { $0.contains("date=2024-09-02") }, "\(parts())")
    #expect(try CLI.run(["validate", out, "--seed", "5"]).status == 0)
    try "notes\n".write(toFile: out + "/notes.txt", atomically: false, encoding: .utf8)
    let refused = try CLI.run(["historical", "--days", "1", "--rate-multiplier", "0.01", "--seed", "6", "--out", out])
    #expect(refused.status == 2 && refused.stderr.contains("holds notes.txt, not a dataset historical wrote"), "\(refused.stderr)")
    #expect(parts().count == 5)
}
