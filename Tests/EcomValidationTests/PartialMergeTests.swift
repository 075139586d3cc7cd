import EcomGeneration
import EcomJSON
import EcomModel
import EcomValidation
import Foundation
import Testing

/// Settings as `validate --seed 42` has them, with a fixed `now` so that runs at different times agree.
private func settings(seed: UInt64 = 42, overrides: [String] = []) throws -> ValidationSettings {
    let config = try ConfigLoader.load(text: "", file: nil, overrides: overrides)
    return ValidationSettings(generator: ECommerceDataGenerator(config: config, seed: seed), seedKnown: true, now: 1_900_000_000_000)
}

/// The JSON report without what legitimately differs between two runs over the same inputs: `run.started`,
/// `run.finished`, `run.seconds` (timings) and `run.command` (the command line). Everything else (inputs with
/// their counts, configuration digest, seed, window, catalog, gates, every check and distribution) is compared.
func comparable(_ report: ValidationReport) -> String {
    let document = report.json()
    let members = document.objectValue!.map { name, value -> (String, JSONValue) in
        guard name == "run", let run = value.objectValue else { return (name, value) }
        return (name, .object(run.filter { !["started", "finished", "seconds", "command"].contains($0.0) }))
    }
    return JSONValue.object(members).encoded(pretty: true)
}

/// One validator over `paths`, in order, on one thread.
private func singleReport(_ paths: [String], settings: ValidationSettings) throws -> ValidationReport {
    let validator = Validator(settings: settings)
    // As `validate` does when user events are among its inputs, and partials always do.
    validator.keepsPurchaseLinks = true
    for path in paths { try FileInput.validate(path, with: validator, threads: 1) }
    return validator.finish()
}

/// One partial per group of paths, each written to bytes as a file and read back, then merged.
private func mergedReport(_ groups: [[String]], settings: ValidationSettings,
                          sourceOrder: ((PartialSource, PartialSource) -> Bool)? = nil) throws -> ValidationReport {
    var sections: [PartialSection] = []
    for (index, group) in groups.enumerated() {
        let partial = Validator(partialOf: settings)
        for path in group { try FileInput.validate(path, with: partial, threads: 2) }
        let file = PartialFile.encode([try partial.partialSection()])
        sections += try PartialFile.decode(file, name: "part\(index).part")
    }
    return try Validator.merging(sections, settings: settings, sourceOrder: sourceOrder).finish()
}

/// A temporary directory, removed by the caller.
private func scratchDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-partial-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Splits the file at `path` before its line `line` (1-based) into `a` and `b` (bytes as they are).
private func split(_ path: String, beforeLine line: Int, into a: URL, _ b: URL) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var newlines = 0, cut = data.count
    for (offset, byte) in data.enumerated() where byte == 0x0A {
        newlines += 1
        if newlines == line - 1 { cut = offset + 1; break }
    }
    try data.prefix(cut).write(to: a)
    try data.dropFirst(cut).write(to: b)
}

/// The defect fixtures, each cut in two (the user events inside a session, so that it spans two inputs), grouped
/// into 2 and 3 partials in several ways: the merged report is the single validator's over the same inputs in the
/// same order, examples, locations and messages included.
@Test(arguments: [
    [[0, 2], [1, 3]], [[0], [1, 2, 3]], [[0, 1, 2], [3]], [[0], [2, 1], [3]], [[2], [3], [0, 1]],
])
func mergedFixturePartialsGiveTheSingleReport(groups: [[Int]]) throws {
    let directory = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let pieces = ["transactions-a", "transactions-b", "user_events-a", "user_events-b"].map { directory.appendingPathComponent("\($0).ndjson") }
    try split(fixtures.appendingPathComponent("validation/transactions.ndjson").path, beforeLine: 1001, into: pieces[0], pieces[1])
    // Lines 481 and 482 are events of one session.
    try split(fixtures.appendingPathComponent("validation/user_events.ndjson").path, beforeLine: 482, into: pieces[2], pieces[3])
    let settings = try settings()
    let paths = groups.map { $0.map { pieces[$0].path } }
    let single = try singleReport(paths.flatMap { $0 }, settings: settings)
    #expect(single.checks.contains { $0.violations > 0 && $0.id == "referential.unique_id" }, "the fixtures' duplicates must be found")
    let merged = try mergedReport(paths, settings: settings)
    #expect(comparable(merged) == comparable(single), "groups \(groups)")
}

/// All five types generated, with a transaction and a user event of the first partial's files repeated in the
/// second's, and a session whose events are cut across the two: the duplicates are found at the later copy with
/// their text and location, the session is judged as one, and the reports are the same.
@Test func generatedDataAcrossPartialsFindsDuplicatesAndSessionsAsOneProcess() throws {
    let directory = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let settings = try settings()
    let generator = settings.generator
    var first: [String] = [], second: [String] = []
    for type in RecordType.allCases {
        let path = directory.appendingPathComponent("\(type.rawValue).ndjson").path
        let sink = try RecordSink(path: path)
        try generator.write(type: type, count: 3_000, start: generator.window.start, end: generator.window.end, to: sink, threads: 2)
        try sink.flush()
        let a = directory.appendingPathComponent("\(type.rawValue)-1.ndjson"), b = directory.appendingPathComponent("\(type.rawValue)-2.ndjson")
        try split(path, beforeLine: 1_501, into: a, b)
        try FileManager.default.removeItem(atPath: path)
        first.append(a.path)
        second.append(b.path)
    }
    // The first transaction and the first user event again at the end of the second partial's files.
    var planted: [String] = []
    for index in [0, 1] {
        let line = String(decoding: try Data(contentsOf: URL(fileURLWithPath: first[index])).prefix { $0 != 0x0A }, as: UTF8.self)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: second[index]))
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try handle.close()
        planted.append(try #require(JSONValue.parse(line)[RecordType.allCases[index].idField]?.stringValue))
    }
    // A session of the last event before the cut goes on after it.
    let events = try String(contentsOfFile: first[1], encoding: .utf8).split(separator: "\n")
    let lastSession = try #require(JSONValue.parse(String(events.last!))["session_id"]?.stringValue)
    let after = try String(contentsOfFile: second[1], encoding: .utf8)
    #expect(after.contains(lastSession), "the cut must fall inside a session for the test to mean something")

    let single = try singleReport(first + second, settings: settings)
    for (index, id) in planted.enumerated() {
        let unique = try #require(single.check("referential.unique_id", RecordType.allCases[index]))
        #expect(unique.violations == 1)
        let example = try #require(unique.examples.first)
        #expect(example.id == id && example.message.contains(id) && example.location == .file(second[index], line: 1_501))
    }
    let merged = try mergedReport([first, second], settings: settings)
    #expect(comparable(merged) == comparable(single))
    #expect(merged.check("distribution.funnel")?.checked == single.check("distribution.funnel")?.checked)
    // Three partials, the types spread over them.
    let three = try mergedReport([Array(first[0..<3]), Array(first[3...]) + Array(second[0..<2]), Array(second[2...])], settings: settings)
    #expect(comparable(three) == comparable(single))
}

/// The caller orders the inputs (as the audit will, by topic then partition): the merge reads them in that order,
/// so the report is the single one over the inputs in that order; the duplicate is named at whichever copy comes later.
@Test func aSourceOrderDecidesWhichCopyIsTheDuplicate() throws {
    let directory = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let a = directory.appendingPathComponent("transactions-a.ndjson"), b = directory.appendingPathComponent("transactions-b.ndjson")
    try split(fixtures.appendingPathComponent("validation/transactions.ndjson").path, beforeLine: 1001, into: a, b)
    let settings = try settings()
    let byNameDescending = { (x: PartialSource, y: PartialSource) in x.name > y.name }
    let merged = try mergedReport([[a.path], [b.path]], settings: settings, sourceOrder: byNameDescending)
    let single = try singleReport([b.path, a.path], settings: settings)
    #expect(comparable(merged) == comparable(single))
    #expect(comparable(merged) != comparable(try singleReport([a.path, b.path], settings: settings)), "the order must matter for this test to mean something")
}

/// Records checked from buffers that are overwritten right after `validate` (as a Kafka message is freed), with
/// topic locations: the partials own what they need, so the merge gives the report of one validator over the
/// same messages.
@Test func partialsOwnTheirBytesSoMessagesCanBeFreed() throws {
    let lines = try String(contentsOf: fixtures.appendingPathComponent("validation/user_events.ndjson"), encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { Array($0.utf8) }
    let settings = try settings()
    let single = Validator(settings: settings)
    let partials = [Validator(partialOf: settings), Validator(partialOf: settings)]
    var sources: [[Int]] = [[], []]
    for partition in 0..<4 {
        let owner = partition % 2
        sources[owner].append(partials[owner].addSource("user-events/\(partition)", type: .userEvents))
        _ = single.addSource("user-events/\(partition)", type: .userEvents)
    }
    for (index, line) in lines.enumerated() {
        let partition = index * 4 / lines.count, offset = Int64(index - partition * lines.count / 4)
        let location = RecordLocation.topic("user-events", partition: Int32(partition), offset: offset)
        let message = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: line.count)
        _ = message.initialize(from: line)
        single.validate(UnsafeBufferPointer(message), readable: line.count, at: location, source: partition)
        partials[partition % 2].validate(UnsafeBufferPointer(message), readable: line.count, at: location, source: sources[partition % 2][partition / 2])
        // Scribbled over and freed: nothing may point into it any more.
        message.update(repeating: UInt8(ascii: "#"))
        message.deallocate()
    }
    let sections = try partials.enumerated().map { index, partial in
        var section = try partial.partialSection()
        section.name = "consumer-\(index).part"
        return section
    }
    let byTopicPartition = { (a: PartialSource, b: PartialSource) in
        let key = { (s: PartialSource) in (s.name.split(separator: "/").first.map(String.init) ?? "", Int(s.name.split(separator: "/").last ?? "") ?? 0) }
        return key(a) < key(b)
    }
    let merged = try Validator.merging(sections, settings: settings, sourceOrder: byTopicPartition).finish()
    let expected = single.finish()
    #expect(expected.checks.contains { $0.id == "referential.session_user" && $0.violations > 0 }, "the fixture's session defects must be there")
    #expect(comparable(merged) == comparable(expected))
}

/// A partial of another seed or configuration is refused, naming its file and what differs; so are two
/// partials with different gates.
@Test func partialsOfOtherSettingsAreRefused() throws {
    let path = fixtures.appendingPathComponent("validation/transactions.ndjson").path
    func section(_ settings: ValidationSettings, name: String) throws -> PartialSection {
        let partial = Validator(partialOf: settings)
        try FileInput.validate(path, with: partial)
        var section = try partial.partialSection()
        section.name = name
        return section
    }
    let base = try settings()
    let seven = try section(try settings(seed: 7), name: "seed7.part")
    #expect {
        _ = try Validator.merging([try section(base, name: "a.part"), seven], settings: base)
    } throws: { error in
        guard let error = error as? PartialError, case .mismatch = error else { return false }
        return error.description.contains("seed7.part") && error.description.contains("seed 7") && error.exitCode == 2
    }
    let otherConfig = try section(try settings(overrides: ["fraud_rate=0.01"]), name: "fraud.part")
    #expect(throws: PartialError.self) { _ = try Validator.merging([otherConfig], settings: base) }
    var gated = base
    gated.gates = Gates(["regions": Gate(tolerance: 0.5)])
    let gatedSection = try section(gated, name: "gated.part")
    #expect {
        _ = try Validator.merging([try section(base, name: "a.part"), gatedSection], settings: base)
    } throws: { error in
        (error as? PartialError)?.description.contains("gated.part: made with gates") ?? false
    }
}

/// A partial cut short anywhere, or with a byte changed, is refused with its name; never read as something else.
@Test func truncatedOrDamagedPartialsAreRefusedByName() throws {
    let partial = Validator(partialOf: try settings())
    try FileInput.validate(fixtures.appendingPathComponent("validation/transactions.ndjson").path, with: partial)
    let bytes = PartialFile.encode([try partial.partialSection()])
    for length in [0, 3, 8, 9, 40, bytes.count / 2, bytes.count - 9, bytes.count - 1] {
        #expect {
            _ = try PartialFile.decode(Array(bytes.prefix(length)), name: "cut.part")
        } throws: { error in
            guard let error = error as? PartialError, case .truncated = error else { return false }
            return error.description.hasPrefix("cut.part: truncated")
        }
    }
    var damaged = bytes
    damaged[bytes.count / 2] ^= 0x40
    #expect(throws: PartialError.self) { _ = try PartialFile.decode(damaged, name: "damaged.part") }
    #expect(throws: PartialError.self) { _ = try PartialFile.decode(Array("{\"not\": \"a partial\"}".utf8), name: "x.json") }
    // A whole validator's facts point into inputs that are gone: it has no partial to give.
    #expect(throws: PartialError.self) { _ = try Validator(settings: try settings()).partialSection() }
}
