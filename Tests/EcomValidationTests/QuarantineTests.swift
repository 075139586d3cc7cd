import EcomGeneration
import EcomJSON
import EcomModel
@testable import EcomValidation
import Foundation
import Testing

// The quarantine holds each violating record once, with every check it broke and why, and nothing else.

/// Validates `files` (name and lines, in that order) with a quarantine; the report and the quarantine's entries.
private func quarantined(_ files: [(String, [String])], generator: ECommerceDataGenerator) throws -> (ValidationReport, [JSONValue]) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-quarantine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
    let quarantine = try Quarantine(directory: directory.appendingPathComponent("q").path)
    validator.quarantine = quarantine
    for (name, lines) in files {
        let path = directory.appendingPathComponent(name).path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try FileInput.validate(path, with: validator)
    }
    let report = validator.finish()
    try quarantine.consolidate()
    let entries = try String(contentsOfFile: quarantine.path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(quarantine.count == entries.count)
    return (report, entries)
}

/// A type met after another whose tallies come later in type order (product updates, then transactions) does not
/// make the first records of the new type look broken: one damaged update is the quarantine's one entry.
@Test func aNewTypeOfRecordAddsNoEntriesOfItsOwn() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var updates = try generatedLines(.productUpdates, count: 40, generator: generator)
    updates[15] = updates[15].replacingOccurrences(of: #""stock_quantity":"#, with: #""stock_quantity":-"#)
    let transactions = try generatedLines(.transactions, count: 40, generator: generator)
    let alerts = try generatedLines(.fraudAlerts, count: 5, generator: generator)
    let (report, entries) = try quarantined([("product_updates.ndjson", updates), ("transactions.ndjson", transactions),
                                             ("fraud_alerts.ndjson", alerts)], generator: generator)
    #expect(report.check("schema.ranges", .productUpdates)?.violations == 1)
    #expect(entries.count == 1, "\(entries.map { $0.encoded() })")
    #expect(entries.first?["location"]?["line"]?.intValue == 16)
    #expect(entries.first?["location"]?["file"]?.stringValue?.hasSuffix("product_updates.ndjson") == true)
}

/// Every check a record broke has its message in the entry, the record-level referential and business checks as the
/// schema's, also past the examples a report keeps (the 25 records with an unknown user).
@Test func everyCheckARecordBrokeSaysWhyInItsEntry() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var transactions = try generatedLines(.transactions, count: 60, generator: generator)
    for index in 0..<25 {
        transactions[index] = transactions[index].replacingOccurrences(of: #""user_id":"user_"#, with: #""user_id":"user_9"#)
    }
    // A currency none of the schema's and a subtotal a dollar high: an enum, and totals that no longer add up.
    let twice = 40
    let subtotal = String(transactions[twice].components(separatedBy: #""subtotal":"#)[1].prefix { $0 != "," })
    let raised = ((Double(subtotal)! + 1) * 100).rounded() / 100
    transactions[twice] = transactions[twice].replacingOccurrences(of: #""subtotal":\#(subtotal)"#, with: #""subtotal":\#(raised)"#)
        .replacingOccurrences(of: #""currency":"USD""#, with: #""currency":"EUR""#)
    let (report, entries) = try quarantined([("transactions.ndjson", transactions)], generator: generator)
    #expect(report.check("referential.user_id", .transactions)?.violations == 25)
    #expect(entries.count == 26)
    for entry in entries {
        let checks = entry["checks"]?.arrayValue ?? [], messages = entry["messages"]?.arrayValue ?? []
        #expect(checks.count == messages.count, "\(entry.encoded())")
    }
    let last = try #require(entries.first { $0["location"]?["line"]?.intValue == 25 })
    #expect(last["messages"]?[0]?.stringValue?.contains("is not in the catalog") == true, "\(last.encoded())")
    let broken = try #require(entries.first { $0["location"]?["line"]?.intValue == Int64(twice + 1) })
    #expect(broken["checks"]?.arrayValue?.contains(JSONValue.string("business.totals")) == true)
    #expect(broken["checks"]?.arrayValue?.contains(JSONValue.string("schema.enums")) == true)
    #expect(broken["messages"]?.arrayValue?.contains { $0.stringValue?.hasPrefix("subtotal \(raised), the lines add up to") == true } == true,
            "\(broken.encoded())")
}

/// A session's first event with another user is judged when the third event comes: the quarantine holds that first
/// event, not the third one that settled it.
@Test func anOddSessionUserIsQuarantinedAtItsOwnLine() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var events = try generatedLines(.userEvents, count: 600, generator: generator)
    func session(_ line: String) -> String { line.components(separatedBy: #""session_id":""#)[1].components(separatedBy: "\"")[0] }
    let long = try #require(events.indices.first { index in events.filter { session($0) == session(events[index]) }.count >= 4 })
    let user = events[long].components(separatedBy: #""user_id":""#)[1].components(separatedBy: "\"")[0]
    let stranger = user == "user_000001" ? "user_000002" : "user_000001"
    events[long] = events[long].replacingOccurrences(of: #""user_id":"\#(user)""#, with: #""user_id":"\#(stranger)""#)
    let (report, entries) = try quarantined([("user_events.ndjson", events)], generator: generator)
    #expect(report.check("referential.session_user", .userEvents)?.violations == 1)
    #expect(entries.count == 1, "\(entries.map { $0.encoded() })")
    #expect(entries.first?["location"]?["line"]?.intValue == Int64(long + 1))
    #expect(entries.first?["checks"]?.arrayValue?.first?.stringValue == "referential.session_user")
    #expect(entries.first?["messages"]?.arrayValue?.count == 1)
}
