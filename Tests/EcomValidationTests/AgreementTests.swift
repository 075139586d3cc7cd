import EcomGeneration
import EcomJSON
import EcomModel
@testable import EcomValidation
import Foundation
import Testing

// An alert names a transaction the generator flagged (a fraud, or scored 0.5 or more) and repeats its time, user,
// amount and score; each disagreement is one finding at the alert's line, and an alert raised before the transaction
// it names is late even when its own transaction_timestamp was moved with it.

/// Transactions (2 % frauds, seed 21) and the alerts they raised, written to a directory of their own.
private struct AlertRun {
    let generator: ECommerceDataGenerator
    let directory: URL
    let transactionsPath: String, alertsPath: String

    init() throws {
        var config = DataGenerationConfig()
        config.fraudRate = 0.02
        generator = ECommerceDataGenerator(config: config, seed: 21)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        transactionsPath = directory.appendingPathComponent("transactions.ndjson").path
        alertsPath = directory.appendingPathComponent("fraud_alerts.ndjson").path
        let transactions = try RecordSink(path: transactionsPath), alerts = try RecordSink(path: alertsPath)
        _ = try generator.write(type: .transactions, count: 3000, start: generator.window.start, end: generator.window.end, to: transactions,
                                alerts: alerts, threads: 1)
        try transactions.flush()
        try alerts.flush()
    }

    func validate() throws -> ValidationReport {
        let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
        try FileInput.validate(transactionsPath, with: validator)
        try FileInput.validate(alertsPath, with: validator)
        return validator.finish()
    }

    func lines(_ path: String) throws -> [String] { try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) }
}

@Test func alertsThatDisagreeWithTheirTransactionAreNamed() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    let (transactionsPath, alertsPath) = (run.transactionsPath, run.alertsPath)
    func validate() throws -> ValidationReport { try run.validate() }
    let clean = try validate()
    let cleanLinks = try #require(clean.check("referential.alert_transaction"))
    #expect(cleanLinks.status == .pass && cleanLinks.checked > 20, "\(clean.problems)")

    let transactionLines = try String(contentsOfFile: transactionsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    var alertLines = try String(contentsOfFile: alertsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    func members(_ line: String) throws -> [(String, JSONValue)] {
        guard case let .object(members) = try JSONValue.parse(line) else { throw CocoaError(.coderInvalidValue) }
        return members
    }
    func edit(_ index: Int, _ change: (inout [(String, JSONValue)]) throws -> Void) throws {
        var fields = try members(alertLines[index])
        try change(&fields)
        alertLines[index] = JSONValue.object(fields).encoded()
    }
    func set(_ fields: inout [(String, JSONValue)], _ name: String, _ value: JSONValue) {
        fields[fields.firstIndex { $0.0 == name }!].1 = value
    }
    // Line 2 names a transaction nobody flagged; line 3 says ten times the amount; line 4 another user; line 5 another
    // score; line 6 was raised a minute before its transaction, its transaction_timestamp moved back with it.
    let quiet = try #require(transactionLines.first { $0.contains("\"is_fraud\":false") && $0.contains("\"fraud_score\":0.0") })
    let quietID = try #require(try members(quiet).first { $0.0 == "transaction_id" }?.1.stringValue)
    try edit(1) { set(&$0, "transaction_id", .string(quietID)) }
    try edit(2) { fields in set(&fields, "amount", .double((fields.first { $0.0 == "amount" }!.1.doubleValue ?? 0) * 10)) }
    try edit(3) { set(&$0, "user_id", .string("user_000001")) }
    try edit(4) { set(&$0, "fraud_score", .double(0.123)) }
    try edit(5) { fields in
        let time = try #require(Timestamp(parsing: fields.first { $0.0 == "transaction_timestamp" }!.1.stringValue ?? ""))
        set(&fields, "timestamp", .string(Timestamp(milliseconds: time.milliseconds - 60_000).description))
        set(&fields, "transaction_timestamp", .string(Timestamp(milliseconds: time.milliseconds - 61_000).description))
    }
    // Line 7 says its transaction came a day later than it did: a disagreement, not a reason to call the alert early
    // (the transaction's own time is read).
    try edit(6) { fields in
        let time = try #require(Timestamp(parsing: fields.first { $0.0 == "transaction_timestamp" }!.1.stringValue ?? ""))
        set(&fields, "transaction_timestamp", .string(Timestamp(milliseconds: time.milliseconds + 86_400_000).description))
    }
    // Line 8 moves the alert to another city of the fixture (Berlin, or Tokyo for an alert already there); line 9 names
    // a user the catalog does not have: that is `referential.user_id`'s one finding, not also a disagreement.
    try edit(7) { fields in
        let berlin = fields.first { $0.0 == "city" }?.1.stringValue == "Berlin"
        set(&fields, "country", .string(berlin ? "JP" : "DE"))
        set(&fields, "city", .string(berlin ? "Tokyo" : "Berlin"))
    }
    try edit(8) { set(&$0, "user_id", .string("user_999999")) }
    // The last line is a second alert (another alert_id) for the transaction of line 1; line 1 read again is only a
    // duplicate ID, not a second alert.
    var second = try members(alertLines[0])
    set(&second, "alert_id", .string("alert_999999999"))
    alertLines += [alertLines[0], JSONValue.object(second).encoded()]
    try Data((alertLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: alertsPath))
    let damaged = try validate()
    let links = try #require(damaged.check("referential.alert_transaction"))
    #expect(links.violations == 8, "\(links.examples.map(\.message))")
    #expect(links.examples.map(\.location.line) == [2, 3, 4, 5, 6, 7, 8, alertLines.count])
    #expect(links.examples.last?.message.contains("a second alert for transaction") == true, "\(links.examples.last?.message ?? "")")
    #expect(damaged.check("referential.unique_id", .fraudAlerts)?.examples.map(\.location.line) == [alertLines.count - 1])
    #expect(links.examples.first?.message.contains("neither labelled a fraud nor scored 0.5") == true)
    #expect(links.examples[6].message.contains(", the transaction's is ") == true, "\(links.examples[6].message)")
    let unknownUser = try #require(damaged.check("referential.user_id", .fraudAlerts))
    #expect(unknownUser.violations == 1 && unknownUser.examples.map(\.location.line) == [9])
    #expect(damaged.check("coordinates.consistency", .fraudAlerts)?.violations == 0)
    let late = try #require(damaged.check("temporal.alert_after_transaction"))
    #expect(late.violations == 1 && late.examples.map(\.location.line) == [6], "\(late.examples.map(\.message))")
}

/// A fraud's alert names its kind: an alert_type other than the transaction's fraud_type is a disagreement at the alert's
/// line; a false positive's alert (the model's guess on a legitimate transaction) may name any kind.
@Test func aFraudsAlertOfAnotherKindIsNamed() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    var lines = try run.lines(run.alertsPath)
    func retyped(_ line: String) throws -> String {
        guard case var .object(fields) = try JSONValue.parse(line) else { throw CocoaError(.coderInvalidValue) }
        let index = fields.firstIndex { $0.0 == "alert_type" }!
        fields[index].1 = .string(fields[index].1.stringValue == "velocity" ? "location" : "velocity")
        return JSONValue.object(fields).encoded()
    }
    let fraud = try #require(lines.indices.first { lines[$0].contains(#""is_fraud":true"#) })
    lines[fraud] = try retyped(lines[fraud])
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: run.alertsPath))
    let links = try #require(try run.validate().check("referential.alert_transaction"))
    #expect(links.violations == 1 && links.examples.map(\.location.line) == [fraud + 1], "\(links.examples.map(\.message))")
    #expect(links.examples.first?.message.contains(", the transaction's fraud_type is ") == true, "\(links.examples.first?.message ?? "")")
    // The default configuration raises false positives (its alert rate is above its fraud rate): one retyped passes.
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let transactions = try RecordSink(path: run.transactionsPath), alerts = try RecordSink(path: run.alertsPath)
    _ = try generator.write(type: .transactions, count: 20_000, start: generator.window.start, end: generator.window.end, to: transactions,
                            alerts: alerts, threads: 1)
    try transactions.flush()
    try alerts.flush()
    lines = try run.lines(run.alertsPath)
    let falsePositive = try #require(lines.indices.first { lines[$0].contains(#""is_fraud":false"#) })
    lines[falsePositive] = try retyped(lines[falsePositive])
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: run.alertsPath))
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
    try FileInput.validate(run.transactionsPath, with: validator)
    try FileInput.validate(run.alertsPath, with: validator)
    let guessed = try #require(validator.finish().check("referential.alert_transaction"))
    #expect(guessed.status == .pass && guessed.checked == lines.count, "\(guessed.examples.map(\.message))")
}

/// Every fraud gets an alert: with the alerts read, a fraud no alert names (two alerts dropped) is a
/// `referential.fraud_alert` finding at the transaction's line; without alerts read the check is not made.
@Test func aFraudWithoutItsAlertIsNamed() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    let clean = try #require(try run.validate().check("referential.fraud_alert"))
    #expect(clean.status == .pass && clean.checked > 20, "\(clean.reason ?? "")")
    var alerts = try run.lines(run.alertsPath)
    let transactions = try run.lines(run.transactionsPath)
    func transaction(_ line: String) -> String { line.components(separatedBy: #""transaction_id":""#)[1].components(separatedBy: "\"")[0] }
    let dropped = try [3, 7].map { index -> Int in
        let id = transaction(alerts[index])
        try #require(alerts[index].contains(#""is_fraud":true"#))
        return try #require(transactions.firstIndex { $0.contains("\"transaction_id\":\"\(id)\"") }) + 1
    }
    alerts.remove(at: 7)
    alerts.remove(at: 3)
    try Data((alerts.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: run.alertsPath))
    let check = try #require(try run.validate().check("referential.fraud_alert"))
    #expect(check.violations == 2 && check.examples.map(\.location.line) == dropped.sorted(), "\(check.examples.map(\.message))")
    #expect(check.examples.first?.message.hasSuffix("has no alert among the alerts read") == true)
    // Transactions alone: nothing says which alerts there are.
    let validator = Validator(settings: ValidationSettings(generator: run.generator, seedKnown: true))
    try FileInput.validate(run.transactionsPath, with: validator)
    #expect(validator.finish().check("referential.fraud_alert") == nil)
}

/// An alert of a transaction before the first transaction read is not judged against the transactions: raised seconds
/// after it, such an alert is in the next day's file of a historical run while its transaction is in the day before's
/// (validating one day failed clean data). An alert of a missing transaction inside the data is still named.
@Test func anAlertOfATransactionBeforeTheDataIsNotJudged() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    let alerts = try run.lines(run.alertsPath)
    var transactions = try run.lines(run.transactionsPath)
    func transaction(_ line: String) -> String { line.components(separatedBy: #""transaction_id":""#)[1].components(separatedBy: "\"")[0] }
    // The day starts after the third alert's transaction: it and every transaction before it are the day before's.
    let cut = try #require(transactions.firstIndex { $0.contains("\"transaction_id\":\"\(transaction(alerts[2]))\"") })
    transactions.removeFirst(cut + 1)
    // And one alerted transaction well inside the data is gone.
    let gone = try #require(transactions.firstIndex { $0.contains("\"transaction_id\":\"\(transaction(alerts[40]))\"") })
    transactions.remove(at: gone)
    try Data((transactions.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: run.transactionsPath))
    let links = try #require(try run.validate().check("referential.alert_transaction"))
    #expect(links.violations == 1 && links.examples.map(\.location.line) == [41], "\(links.examples.map(\.message))")
}

/// An alert's value the schema rejects (a user_id or transaction_id of another shape, a negative amount, a score
/// above 1) is the schema's one finding, not also an unknown user or a disagreement with the transaction; an alert read
/// again with another transaction_id is a duplicate alert_id only, and the alert of the transaction it names is no
/// second alert.
@Test func anAlertsRejectedValuesAndCopiesAreOneFindingEach() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    var lines = try run.lines(run.alertsPath)
    try #require(lines.count > 12)
    func edit(_ index: Int, _ name: String, _ value: JSONValue) throws {
        guard case var .object(fields) = try JSONValue.parse(lines[index]) else { throw CocoaError(.coderInvalidValue) }
        fields[fields.firstIndex { $0.0 == name }!].1 = value
        lines[index] = JSONValue.object(fields).encoded()
    }
    func field(_ index: Int, _ name: String) throws -> JSONValue { try #require(JSONValue.parse(lines[index])[name]) }
    try edit(1, "user_id", .string(try field(1, "user_id").stringValue!.uppercased()))
    try edit(2, "amount", .double(-(try field(2, "amount").doubleValue!)))
    try edit(3, "fraud_score", .double(1.5))
    try edit(4, "transaction_id", .string(try field(4, "transaction_id").stringValue! + "z"))
    // A copy of line 6 naming line 11's transaction, put after line 11.
    guard case var .object(copy) = try JSONValue.parse(lines[5]) else { throw CocoaError(.coderInvalidValue) }
    copy[copy.firstIndex { $0.0 == "transaction_id" }!].1 = try field(10, "transaction_id")
    lines.insert(JSONValue.object(copy).encoded(), at: 11)
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: run.alertsPath))
    let report = try run.validate()
    func found(_ id: String) -> [Int] { report.check(id, .fraudAlerts)?.examples.map(\.location.line) ?? [-1] }
    #expect(found("schema.formats") == [2, 5])
    #expect(found("schema.ranges") == [3, 4])
    #expect(found("referential.unique_id") == [12])
    for id in ["referential.user_id", "referential.alert_transaction", "temporal.alert_after_transaction"] {
        let check = try #require(report.check(id, .fraudAlerts))
        #expect(check.violations == 0, "\(id): \(check.examples.map { "\($0.location.line): \($0.message)" })")
    }
}

/// A user event's category is its product's in the catalog: one event given another category is one finding.
@Test func anEventWhoseCategoryIsNotItsProductsIsNamed() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var lines = try generatedLines(.userEvents, count: 2000, generator: generator)
    let categorised = lines.indices.filter { lines[$0].contains("\"category\":\"Electronics\"") }
    try #require(categorised.count > 10)
    let index = categorised[5]
    lines[index] = lines[index].replacingOccurrences(of: "\"category\":\"Electronics\"", with: "\"category\":\"Books\"")
    let details = try #require(try validateLines(lines, name: "user_events.ndjson", generator: generator).check("referential.product_details", .userEvents))
    #expect(details.checked >= categorised.count)
    #expect(details.violations == 1 && details.examples.map(\.location.line) == [index + 1], "\(details.examples.map(\.message))")
    #expect(details.examples.first?.message.contains("category Books, the catalog says Electronics") == true)
}

/// Damage to an alerted transaction is the transaction's one finding, not also its alert's: an alert is not compared
/// with a user the catalog lacks, nor with a label, score or time the schema rejects (the alert is then not judged).
@Test func anAlertedTransactionsDamageIsItsOwnFindingOnly() throws {
    let run = try AlertRun()
    defer { try? FileManager.default.removeItem(at: run.directory) }
    var transactions = try run.lines(run.transactionsPath)
    let alerted = Set(try run.lines(run.alertsPath).compactMap { try JSONValue.parse($0)["transaction_id"]?.stringValue })
    let indexes = transactions.indices.filter { index in
        alerted.contains { transactions[index].contains("\"transaction_id\":\"\($0)\"") }
    }
    try #require(indexes.count >= 4)
    func replace(_ index: Int, _ pattern: String, _ replacement: String) throws {
        let range = try #require(transactions[index].range(of: pattern, options: .regularExpression))
        transactions[index].replaceSubrange(range, with: replacement)
    }
    try replace(indexes[0], #""user_id":"user_[0-9]+""#, #""user_id":"user_999999""#)
    try replace(indexes[1], #""is_fraud":(true|false)"#, #""is_fraud":"false""#)
    try replace(indexes[2], #""timestamp":"([^".]+)\.[0-9]{3}Z""#, #""timestamp":"2024-09-03T10:00:00Z""#)
    try replace(indexes[3], #""fraud_score":[0-9.]+"#, #""fraud_score":"0.9""#)
    try (transactions.joined(separator: "\n") + "\n").write(toFile: run.transactionsPath, atomically: true, encoding: .utf8)
    let report = try run.validate()
    #expect(report.check("referential.user_id", .transactions)?.violations == 1)
    #expect(report.check("schema.types", .transactions)?.violations == 2)
    #expect(report.check("schema.formats", .transactions)?.violations == 1)
    let links = try #require(report.check("referential.alert_transaction"))
    #expect(links.violations == 0, "\(links.examples.map(\.message))")
}
