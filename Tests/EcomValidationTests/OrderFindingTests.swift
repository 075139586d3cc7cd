import EcomGeneration
import EcomJSON
import EcomModel
@testable import EcomValidation
import Foundation
import Testing

// One record moved in time is one finding, at its own line: a record moved later is later than the records on both
// sides of it, and is counted, not every record after it that it seems to make early.

/// `count` generated records of `type`, seed 42, one line each.
private func lines(_ type: RecordType, count: Int) throws -> [String] {
    try generatedLines(type, count: count, generator: ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42))
}

private func value(_ field: String, _ line: String) -> String {
    String(line.components(separatedBy: "\"\(field)\":\"")[1].prefix { $0 != "\"" })
}

/// The line with its timestamp set to `time`.
private func retimed(_ line: String, _ time: String) -> String {
    line.replacingOccurrences(of: "\"timestamp\":\"\(value("timestamp", line))\"", with: "\"timestamp\":\"\(time)\"")
}

/// The report of `lines` validated as `name`, on `threads` threads (chunks of 4 KB, so that two threads share them).
private func report(_ lines: [String], name: String, threads: Int) throws -> ValidationReport {
    try validateLines(lines, name: name, generator: ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42), threads: threads, chunkBytes: 4096)
}

private func lineNumbers(_ check: CheckResult?) -> [Int] { check?.examples.map(\.location.line) ?? [] }

@Test(arguments: [1, 2])
func aRecordMovedLaterOrEarlierIsOneFindingAtItsLine(threads: Int) throws {
    var records = try lines(.transactions, count: 400)
    // Line 100 takes the time of line 105 (later than the four after it); line 300 that of line 290 (earlier than
    // the nine before it); lines 201 and 251 swap places (one far too late, one far too early).
    records[99] = retimed(records[99], value("timestamp", records[104]))
    records[299] = retimed(records[299], value("timestamp", records[289]))
    records.swapAt(200, 250)
    let order = try #require(try report(records, name: "transactions.ndjson", threads: threads).check("temporal.file_order", .transactions))
    #expect(order.status == .fail)
    #expect(order.checked == 400)
    #expect(order.violations == 4, "\(order.examples.map(\.message))")
    #expect(lineNumbers(order) == [100, 201, 251, 300])
    #expect(order.examples.first?.message.contains("is later than the next record's") == true, "\(order.examples.map(\.message))")
    #expect(order.examples.last?.message.contains("comes after") == true, "\(order.examples.map(\.message))")
}

/// A line copied further down is read again: its ID's finding, not also a step back in time (as a redelivery on a
/// topic is not held against its key's order).
@Test(arguments: [1, 2])
func aCopiedLineIsAUniqueIDFindingOnly(threads: Int) throws {
    var records = try lines(.transactions, count: 300)
    records.insert(records[50], at: 200)
    let result = try report(records, name: "transactions.ndjson", threads: threads)
    let unique = try #require(result.check("referential.unique_id", .transactions))
    #expect(unique.violations == 1 && lineNumbers(unique) == [201])
    let order = try #require(result.check("temporal.file_order", .transactions))
    #expect(order.violations == 0, "\(order.examples.map(\.message))")
    #expect(order.checked == 300)
}

@Test func theFirstRecordMovedLaterIsTheOneFinding() throws {
    var records = try lines(.transactions, count: 50)
    records[0] = retimed(records[0], value("timestamp", records[10]))
    let order = try #require(try report(records, name: "transactions.ndjson", threads: 1).check("temporal.file_order", .transactions))
    #expect(order.violations == 1)
    #expect(lineNumbers(order) == [1])
}

@Test(arguments: [1, 2])
func aSessionEventMovedPastTheSessionsEndIsOneFindingAtItsLine(threads: Int) throws {
    var events = try lines(.userEvents, count: 3000)
    var bySession: [String: [Int]] = [:]
    for (index, line) in events.enumerated() { bySession[value("session_id", line), default: []].append(index) }
    let long = try #require(bySession.values.filter { $0.count >= 6 }.min { $0[0] < $1[0] })
    let other = try #require(bySession.values.filter { $0.count >= 6 && $0[0] != long[0] }.min { $0[0] < $1[0] })
    // The second event of one session goes after the session's last event (in time; it stays on its line), the
    // fourth of another before the session's first: one finding each, at the moved event's line.
    let last = value("timestamp", events[long.last!])
    events[long[1]] = retimed(events[long[1]], String(last.dropLast(4)) + "999Z")
    let first = value("timestamp", events[other[0]])
    events[other[3]] = retimed(events[other[3]], String(first.dropLast(4)) + "000Z")
    try #require(value("timestamp", events[other[3]]) <= first)
    let report = try report(events, name: "user_events.ndjson", threads: threads)
    let sessions = try #require(report.check("temporal.session_order"))
    #expect(sessions.checked == 3000)
    #expect(sessions.violations == 2, "\(sessions.examples.map(\.message))")
    #expect(lineNumbers(sessions) == [long[1] + 1, other[3] + 1].sorted())
    // Each names its event, the one held until the next showed it out of place too.
    for example in sessions.examples { #expect(example.id == value("event_id", events[example.location.line - 1]), "\(example)") }
}

// The fraud scores' AUC is judged only on enough frauds: with five, one mislabelled record moves it by a fifth.

/// `count` transactions made with fraud rate `rate`, their lines changed by `edit`, validated.
private func scoreCheck(count: Int, rate: Double, edit: (inout [String]) -> Void = { _ in }) throws -> CheckResult {
    var config = DataGenerationConfig()
    config.fraudRate = rate
    let generator = ECommerceDataGenerator(config: config, seed: 8)
    var lines = try generatedLines(.transactions, count: count, generator: generator)
    edit(&lines)
    return try #require(try validateLines(lines, name: "transactions.ndjson", generator: generator).check("business.fraud_score"))
}

@Test func theScoresAUCOfAFewFraudsIsInconclusiveAndOfManyIsJudged() throws {
    // A few frauds, one legitimate transaction among them labelled a fraud (its score stays low).
    let few = try scoreCheck(count: 5000, rate: 0.001) { lines in
        let index = lines.firstIndex { $0.contains("\"is_fraud\":false") && $0.contains("\"fraud_score\":0.0") }!
        lines[index] = lines[index].replacingOccurrences(of: "\"is_fraud\":false", with: "\"is_fraud\":true")
    }
    #expect(few.status == .inconclusive, "\(few.reason ?? "")")
    #expect(few.reason?.contains("at least \(TransactionChecker.minimumScoredFrauds) of each") == true, "\(few.reason ?? "")")
    let interval = try #require(few.statistic?.interval)
    #expect(interval.0 < interval.1)
    // Many frauds, scored as they were made: judged, and passing; with the frauds' scores made the lowest, failing.
    let many = try scoreCheck(count: 5000, rate: 0.05)
    #expect(many.status == .pass, "\(many.reason ?? "")")
    #expect(many.checked == 5000)
    let inverted = try scoreCheck(count: 5000, rate: 0.05) { lines in
        for index in lines.indices where lines[index].contains("\"is_fraud\":true") {
            let score = String(lines[index].components(separatedBy: "\"fraud_score\":")[1].prefix { $0 != "," && $0 != "}" })
            lines[index] = lines[index].replacingOccurrences(of: "\"fraud_score\":\(score)", with: "\"fraud_score\":0.000")
        }
    }
    #expect(inverted.status == .fail, "\(inverted.reason ?? "")")
    #expect((inverted.statistic?.observed ?? 1) < 0.5)
}

/// The AUC's gate: `expected` is the least AUC, less its `tolerance` when it sets one.
@Test func theScoresAUCGateHonoursItsTolerance() throws {
    var config = DataGenerationConfig()
    config.fraudRate = 0.05
    let generator = ECommerceDataGenerator(config: config, seed: 8)
    let lines = try generatedLines(.transactions, count: 5000, generator: generator)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-auc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("transactions.ndjson").path
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    func check(_ gate: Gate) throws -> CheckResult {
        let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true, gates: Gates(["business.fraud_score": gate])))
        try FileInput.validate(path, with: validator)
        return try #require(validator.finish().check("business.fraud_score"))
    }
    let auc = try #require(try check(Gate()).statistic?.observed)
    // A least AUC just above the observed one fails; with a tolerance that reaches the observed one, it passes.
    let above = auc + 0.0005
    let strict = try check(Gate(expected: above))
    #expect(strict.status == .fail && strict.reason?.hasPrefix(String(format: "AUC %.4f, below ", auc)) == true, "\(strict.reason ?? "")")
    let tolerant = try check(Gate(expected: above, tolerance: 0.001))
    #expect(tolerant.status == .pass && tolerant.statistic?.tolerance == 0.001, "\(tolerant.reason ?? "")")
}

/// With a quarantine, the record judged out of place when the next one came is the one quarantined, verbatim, with
/// the order check; the next record, in order, is not, also when it is read through a pipe-like buffer that is
/// reused (the held line is copied).
@Test func theQuarantineHoldsTheRecordOutOfPlaceNotTheOneAfterIt() throws {
    var records = try lines(.transactions, count: 60)
    records[19] = retimed(records[19], value("timestamp", records[25]))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-order-q-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let validator = Validator(settings: ValidationSettings(generator: ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42), seedKnown: true))
    validator.quarantine = try Quarantine(directory: directory.path)
    let source = validator.addSource("transactions.ndjson", type: .transactions)
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 8192)
    defer { buffer.deallocate() }
    for (index, record) in records.enumerated() {
        let bytes = Array(record.utf8)
        _ = buffer.initialize(from: bytes)
        validator.validate(UnsafeBufferPointer(rebasing: buffer[..<bytes.count]), readable: 8192, at: .file("transactions.ndjson", line: index + 1), source: source)
        buffer.update(repeating: UInt8(ascii: "#"))
    }
    let order = try #require(validator.finish().check("temporal.file_order", .transactions))
    #expect(order.violations == 1 && lineNumbers(order) == [20])
    let entries = try String(contentsOfFile: directory.appendingPathComponent("quarantine.ndjson").path, encoding: .utf8)
        .split(separator: "\n").map { try JSONValue.parse(String($0)) }
    let ordered = entries.filter { $0["checks"]?.arrayValue?.contains(.string("temporal.file_order")) == true }
    #expect(ordered.count == 1)
    #expect(ordered.first?["location"]?["line"]?.intValue == 20)
    #expect(ordered.first?["record"]?.stringValue == records[19])
    #expect(!entries.contains { $0["location"]?["line"]?.intValue == 21 })
}

/// A record quarantined for a check of its own and then, when the next one came, judged out of place has one entry
/// with both checks and both messages once the quarantine is consolidated, in the place of its first; the count
/// is of records, not entries.
@Test func aRecordQuarantinedTwiceHasOneEntryWithBothChecks() throws {
    var records = try lines(.transactions, count: 60)
    records[19] = retimed(records[19], value("timestamp", records[25])).replacingOccurrences(of: "\"currency\":\"USD\"", with: "\"currency\":\"USD\",\"coupon\":\"X\"")
    records[40] = records[40].replacingOccurrences(of: "\"currency\":\"USD\"", with: "\"currency\":\"USD\",\"coupon\":\"Y\"")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-order-q2-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let validator = Validator(settings: ValidationSettings(generator: ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42), seedKnown: true))
    let quarantine = try Quarantine(directory: directory.path)
    validator.quarantine = quarantine
    let source = validator.addSource("transactions.ndjson", type: .transactions)
    for (index, record) in records.enumerated() {
        let bytes = Array(record.utf8)
        bytes.withUnsafeBufferPointer { validator.validate($0, readable: $0.count, at: .file("transactions.ndjson", line: index + 1), source: source) }
    }
    _ = validator.finish()
    let file = directory.appendingPathComponent("quarantine.ndjson").path
    let before = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
    #expect(before.count == 3, "line 20 twice (unknown field, then order), line 41 once")
    #expect(quarantine.count == 2)
    try quarantine.consolidate()
    let entries = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(entries.map { $0["location"]?["line"]?.intValue } == [20, 41])
    #expect(entries[0]["checks"] == .array([.string("schema.unknown_fields"), .string("temporal.file_order")]))
    #expect(entries[0]["messages"]?.arrayValue?.count == 2)
    #expect(entries[0]["record"]?.stringValue == records[19])
    #expect(entries[1]["checks"] == .array([.string("schema.unknown_fields")]))
    #expect(quarantine.count == 2)
}
