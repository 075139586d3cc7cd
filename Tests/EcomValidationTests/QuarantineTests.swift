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
    // Besides it, only the alerts whose transactions are not among the 40 read (judged at the end).
    let unmatched = try #require(report.check("referential.alert_transaction", .fraudAlerts)?.violations)
    #expect(entries.count == 1 + unmatched, "\(entries.map { $0.encoded() })")
    let others = entries.filter { $0["checks"]?.arrayValue != [.string("referential.alert_transaction")] }
    #expect(others.count == 1 && others.first?["location"]?["line"]?.intValue == 16)
    #expect(others.first?["location"]?["file"]?.stringValue?.hasSuffix("product_updates.ndjson") == true)
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

/// The checks decided at the end (a purchase event's or an alert's transaction) quarantine every record they find
/// broken, as read, past the examples a report keeps; a record that also broke a check as it was read is one entry.
@Test func recordsJudgedAtTheEndAreQuarantinedToo() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let transactions = try generatedLines(.transactions, count: 50, generator: generator)
    var events = try generatedLines(.userEvents, count: 2000, generator: generator)
    let purchases = events.indices.filter { events[$0].contains(#""event_type":"purchase""#) }
    try #require(purchases.count >= 25)
    for (number, index) in purchases.prefix(25).enumerated() {
        events[index] = events[index].replacingOccurrences(of: #""transaction_id":"txn_"#, with: #""transaction_id":"txn_9\#(number)"#)
    }
    // The first also names an unknown user: one entry with both checks.
    events[purchases[0]] = events[purchases[0]].replacingOccurrences(of: #""user_id":"user_"#, with: #""user_id":"user_9"#)
    let alerts = try generatedLines(.fraudAlerts, count: 5, generator: generator)
    let (report, entries) = try quarantined([("transactions.ndjson", transactions), ("user_events.ndjson", events), ("fraud_alerts.ndjson", alerts)],
                                            generator: generator)
    func entriesOf(_ check: String) -> [JSONValue] { entries.filter { $0["checks"]?.arrayValue?.contains(.string(check)) == true } }
    let purchase = try #require(report.check("referential.purchase_transaction", .userEvents))
    #expect(purchase.violations >= 25 && purchase.examples.count == 20)
    #expect(entriesOf("referential.purchase_transaction").count == purchase.violations)
    let planted = Set(purchases.prefix(25).map { Int64($0 + 1) })
    let lines = Set(entriesOf("referential.purchase_transaction").compactMap { $0["location"]?["line"]?.intValue })
    #expect(planted.isSubset(of: lines))
    let first = try #require(entries.first { $0["location"]?["line"]?.intValue == Int64(purchases[0] + 1) && $0["location"]?["file"]?.stringValue?.hasSuffix("user_events.ndjson") == true })
    #expect(first["checks"]?.arrayValue?.count == 2 && first["record"]?.stringValue == events[purchases[0]], "\(first.encoded())")
    let alert = try #require(report.check("referential.alert_transaction", .fraudAlerts))
    #expect(alert.violations > 0 && entriesOf("referential.alert_transaction").count == alert.violations)
    #expect(entries.allSatisfy { ($0["checks"]?.arrayValue?.count ?? 0) == ($0["messages"]?.arrayValue?.count ?? -1) })
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
