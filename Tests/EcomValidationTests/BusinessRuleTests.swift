import EcomGeneration
import EcomJSON
import EcomModel
@testable import EcomValidation
import Foundation
import Testing

// The generator's rules of each type's numbers and fields, as a held-out damage set would break them: each broken
// record is one finding of its check at its line, and clean records of every type pass.

/// `count` records of `type` (seed 42), their JSON objects edited by `edit`, validated; the report.
private func validated(_ type: RecordType, count: Int,
                       edit: (inout [[(String, JSONValue)]]) throws -> Void) throws -> ValidationReport {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var records = try generatedLines(type, count: count, generator: generator).map { line -> [(String, JSONValue)] in
        guard case let .object(members) = try JSONValue.parse(line) else { throw CocoaError(.coderInvalidValue) }
        return members
    }
    try edit(&records)
    return try validateLines(records.map { JSONValue.object($0).encoded() }, name: "\(type.rawValue).ndjson", generator: generator)
}

private func get(_ record: [(String, JSONValue)], _ name: String) -> JSONValue? { record.first { $0.0 == name }?.1 }

private func set(_ record: inout [(String, JSONValue)], _ name: String, _ value: JSONValue) {
    record[record.firstIndex { $0.0 == name }!].1 = value
}

/// 300 transactions (seed 42) and 3,000 user events holding their purchase sessions, written to a directory of their own.
private func linkedFiles() throws -> (generator: ECommerceDataGenerator, directory: URL, transactions: String, events: String) {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-linked-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let transactionsPath = directory.appendingPathComponent("transactions.ndjson").path
    let eventsPath = directory.appendingPathComponent("user_events.ndjson").path
    let transactions = try RecordSink(path: transactionsPath)
    try generator.write(type: .transactions, count: 300, start: generator.window.start, end: generator.window.end, to: transactions, threads: 1)
    try transactions.flush()
    let events = try RecordSink(path: eventsPath)
    try generator.write(type: .userEvents, count: 3000, start: generator.window.start, end: generator.window.end, to: events,
                        transactions: 300, threads: 1)
    try events.flush()
    return (generator, directory, transactionsPath, eventsPath)
}

/// The lines of a check's findings, and the check's whole count.
private func found(_ report: ValidationReport, _ id: String, _ type: RecordType) throws -> (lines: [Int], violations: Int) {
    let check = try #require(report.check(id, type), "no \(id)")
    return (check.examples.map(\.location.line), check.violations)
}

@Test func taxAndShippingFollowTheRegionsRateAndTheFreeShippingThreshold() throws {
    var lines: [Int] = []
    let report = try validated(.transactions, count: 400) { records in
        // A tax one cent high with the total raised to match (the totals still add up).
        let taxed = 4
        let tax = try #require(get(records[taxed], "tax")?.doubleValue), total = try #require(get(records[taxed], "total_amount")?.doubleValue)
        set(&records[taxed], "tax", .double(tax + 0.01))
        set(&records[taxed], "total_amount", .double(((total + 0.01) * 100).rounded() / 100))
        // Free shipping on a small basket, its total lowered to match.
        let small = try #require(records.indices.first { $0 > 10 && (get(records[$0], "subtotal")?.doubleValue ?? 99) < 50 })
        let smallTotal = try #require(get(records[small], "total_amount")?.doubleValue)
        set(&records[small], "shipping", .double(0))
        set(&records[small], "total_amount", .double(((smallTotal - 5.99) * 100).rounded() / 100))
        lines = [taxed + 1, small + 1]
    }
    #expect(try found(report, "business.tax_shipping", .transactions) == (lines, 2))
    #expect(try found(report, "business.totals", .transactions).violations == 0, "the totals were kept adding up")
}

@Test func productUpdatesAgreeWithTheirType() throws {
    var lines: [Int] = []
    let report = try validated(.productUpdates, count: 1500) { records in
        func first(_ kind: String, after: Int) throws -> Int {
            try #require(records.indices.first { $0 > after && get(records[$0], "update_type")?.stringValue == kind })
        }
        let promotion = try first("promotion", after: 0), doubled = try first("promotion", after: promotion)
        set(&records[promotion], "discount_percent", .int(150))
        set(&records[doubled], "new_price", .double((get(records[doubled], "old_price")?.doubleValue ?? 1) * 2))
        let stock = try first("stock_update", after: 0)
        set(&records[stock], "is_available", .bool(false))
        set(&records[stock], "stock_quantity", .int(500))
        let description = try first("description_update", after: 0)
        set(&records[description], "new_price", .double((get(records[description], "old_price")?.doubleValue ?? 1) + 1))
        // A price change to 5,000 (the generator sets the price times 0.80 to 1.20, cut to whole units, plus .99), and one of
        // +50 % ending in .99.
        let absurd = try first("price_change", after: 0), steep = try first("price_change", after: absurd)
        set(&records[absurd], "new_price", .double(5000))
        let old = get(records[steep], "old_price")?.doubleValue ?? 10
        set(&records[steep], "new_price", .double((old * 1.5).rounded(.down) + 0.99))
        lines = [promotion + 1, doubled + 1, stock + 1, description + 1, absurd + 1, steep + 1].sorted()
    }
    #expect(try found(report, "business.update_consistency", .productUpdates) == (lines, 6))
}

/// An update repeats its product's seasonal flag from the catalog: one flipped is a `referential.product_details` finding.
@Test func anUpdateOfAnotherSeasonalFlagIsNamed() throws {
    var line = 0
    let report = try validated(.productUpdates, count: 300) { records in
        line = 17
        set(&records[line - 1], "seasonal", .bool(!(get(records[line - 1], "seasonal")?.boolValue ?? false)))
    }
    let details = try #require(report.check("referential.product_details", .productUpdates))
    #expect(details.violations == 1 && details.examples.map(\.location.line) == [line], "\(details.examples.map(\.message))")
    #expect(details.examples.first?.message.contains("seasonal") == true)
}

/// An update whose numbers cannot be read (one missing, one mistyped) is a schema finding and is not counted as
/// checked for consistency, neither passing nor failing it.
@Test func anUpdateWithoutItsNumbersIsNotJudgedForConsistency() throws {
    let report = try validated(.productUpdates, count: 200) { records in
        records[3].removeAll { $0.0 == "stock_quantity" }
        set(&records[7], "new_price", .string("12.00"))
    }
    let consistency = try #require(report.check("business.update_consistency", .productUpdates))
    #expect(consistency.checked == 198 && consistency.violations == 0)
    #expect(try found(report, "schema.required", .productUpdates) == ([4], 1))
    #expect(try found(report, "schema.types", .productUpdates) == ([8], 1))
}

@Test func analyticsResultsHaveTheirMetricsUnit() throws {
    var lines: [Int] = []
    let report = try validated(.analyticsResults, count: 600) { records in
        let rate = try #require(records.indices.first { get(records[$0], "metric_type")?.stringValue == "conversion_rate" })
        set(&records[rate], "value", .double(7.5))
        let revenue = try #require(records.indices.first { get(records[$0], "metric_type")?.stringValue == "revenue" })
        set(&records[revenue], "unit", .string("users"))
        // Counts are whole, amounts to the cent.
        let orders = try #require(records.indices.first { get(records[$0], "metric_type")?.stringValue == "order_count" })
        set(&records[orders], "value", .double(2.5))
        let average = try #require(records.indices.first { get(records[$0], "metric_type")?.stringValue == "average_order_value" })
        set(&records[average], "value", .double(12.345))
        lines = [rate + 1, revenue + 1, orders + 1, average + 1].sorted()
    }
    #expect(try found(report, "business.analytics_units", .analyticsResults) == (lines, 4))
}

@Test func alertsHaveTheirScoresBandAndAKnownCity() throws {
    var lines: [Int] = []
    let report = try validated(.fraudAlerts, count: 300) { records in
        let medium = try #require(records.indices.first { get(records[$0], "risk_level")?.stringValue == "medium" })
        set(&records[medium], "risk_level", .string("critical"))
        set(&records[medium + 1], "city", .string("Atlantis"))
        lines = [medium + 1, medium + 2]
    }
    #expect(try found(report, "business.alert_risk", .fraudAlerts) == ([lines[0]], 1))
    #expect(try found(report, "coordinates.consistency", .fraudAlerts) == ([lines[1]], 1))
}

@Test func eventsCarryTheirStepsFields() throws {
    var lines: [Int] = []
    let report = try validated(.userEvents, count: 1000) { records in
        let view = try #require(records.indices.first { get(records[$0], "event_type")?.stringValue == "page_view" })
        set(&records[view], "transaction_id", .string("txn_000000001"))
        let cart = try #require(records.indices.first { get(records[$0], "event_type")?.stringValue == "add_to_cart" })
        set(&records[cart], "product_id", .null)
        set(&records[cart], "category", .null)
        lines = [view + 1, cart + 1].sorted()
    }
    #expect(try found(report, "business.event_fields", .userEvents) == (lines, 2))
}

@Test func aTransactionsUserTypeIsItsUsers() throws {
    var line = 0
    let report = try validated(.transactions, count: 300) { records in
        let regular = try #require(records.indices.first { $0 > 20 && get(records[$0], "user_type")?.stringValue == "regular" })
        set(&records[regular], "user_type", .string("vip"))
        line = regular + 1
    }
    #expect(try found(report, "referential.user_details", .transactions) == ([line], 1))
}

/// One event with another user is one `referential.session_user` finding at its own line, also when it is the
/// session's first event (its next two agree on the session's user) or the second of a session of two.
@Test func anEventWithAnotherUserIsTheOneFindingOfItsSession() throws {
    var lines: [Int] = [], ids: [String] = []
    let report = try validated(.userEvents, count: 4000) { records in
        var bySession: [String: [Int]] = [:]
        for index in records.indices { bySession[get(records[index], "session_id")?.stringValue ?? "", default: []].append(index) }
        let sessions = bySession.values.sorted { $0[0] < $1[0] }
        let long = try #require(sessions.filter { $0.count >= 4 }.prefix(2))
        let pair = try #require(sessions.first { $0.count == 2 })
        let stranger = JSONValue.string("user_000001")
        for index in [long.first![0], long.last!.last!, pair[1]] {
            try #require(get(records[index], "user_id") != stranger)
            set(&records[index], "user_id", stranger)
        }
        lines = [long.first![0] + 1, long.last!.last! + 1, pair[1] + 1].sorted()
        ids = lines.map { get(records[$0 - 1], "event_id")?.stringValue ?? "" }
    }
    #expect(try found(report, "referential.session_user", .userEvents) == (lines, 3))
    // Each finding names its event, the session's first one too (held until the next two settle the user).
    #expect(report.check("referential.session_user", .userEvents)?.examples.map(\.id) == ids)
    let first = try #require(report.check("referential.session_user", .userEvents)?.examples.first)
    #expect(first.message.contains("user_000001 here"), "\(first.message)")
    #expect(report.check("referential.session_user", .userEvents)?.checked == 4000)
}

/// Two or three events with different wrong users at a session's start are one finding each: the session's user is the
/// one a later event agrees with, not the first event's (which would make every later event a finding).
@Test func differentWrongUsersAtASessionsStartAreOneFindingEach() throws {
    var lines: [Int] = [], ids: [String] = []
    let report = try validated(.userEvents, count: 4000) { records in
        var bySession: [String: [Int]] = [:]
        for index in records.indices { bySession[get(records[index], "session_id")?.stringValue ?? "", default: []].append(index) }
        let long = bySession.values.filter { $0.count >= 5 }.sorted { $0[0] < $1[0] }
        try #require(long.count >= 2)
        // Two strangers at the start of one session, three at the start of another.
        for (session, strangers) in [(long[0], ["user_000001", "user_000002"]), (long[1], ["user_000003", "user_000004", "user_000005"])] {
            for (index, stranger) in zip(session, strangers) {
                try #require(get(records[index], "user_id")?.stringValue != stranger)
                set(&records[index], "user_id", .string(stranger))
                lines.append(index + 1)
            }
        }
        lines.sort()
        ids = lines.map { get(records[$0 - 1], "event_id")?.stringValue ?? "" }
    }
    #expect(try found(report, "referential.session_user", .userEvents) == (lines, 5))
    #expect(report.check("referential.session_user", .userEvents)?.examples.map(\.id) == ids)
}

/// Amounts are whole cents: a total a fraction of a cent off is a `business.totals` finding though it rounds to the
/// right cent, and a price a fraction of a cent off the catalog's a `referential.product_details` one.
@Test func amountsAreWholeCents() throws {
    var totalLine = 0, priceLine = 0
    let report = try validated(.transactions, count: 300) { records in
        let total = try #require(get(records[10], "total_amount")?.doubleValue)
        set(&records[10], "total_amount", .double(total + 0.004))
        guard case var .array(products) = try #require(get(records[20], "products")), case var .object(line) = products[0] else { return }
        let price = try #require(line.first { $0.0 == "price" }?.1.doubleValue)
        line[line.firstIndex { $0.0 == "price" }!].1 = .double(price + 0.004)
        products[0] = .object(line)
        set(&records[20], "products", .array(products))
        (totalLine, priceLine) = (11, 21)
    }
    #expect(try found(report, "business.totals", .transactions) == ([totalLine], 1))
    #expect(report.check("business.totals", .transactions)?.examples.first?.message.contains("is not a whole number of cents") == true)
    #expect(try found(report, "referential.product_details", .transactions) == ([priceLine], 1))
}

/// With no transaction's user in the catalog, the user_type check has nothing to compare with, and says so.
@Test func userDetailsSayWhyTheyCouldNotBeCompared() throws {
    let report = try validated(.transactions, count: 50) { records in
        for index in records.indices {
            let user = get(records[index], "user_id")?.stringValue ?? ""
            set(&records[index], "user_id", .string(user.replacingOccurrences(of: "user_0", with: "user_9")))
        }
    }
    let details = try #require(report.check("referential.user_details", .transactions))
    #expect(details.status == .inconclusive && details.reason?.hasPrefix("no transaction's user_id is in the catalog") == true, "\(details.reason ?? "")")
}

/// A promotion's list price far beyond any real one is a finding (its price is not the catalog's), not an arithmetic
/// trap: the discount is taken in 128 bits.
@Test func aHugeListPriceOnAPromotionIsAFinding() throws {
    var line = 0
    let report = try validated(.productUpdates, count: 600) { records in
        let promotion = try #require(records.indices.first { $0 > 5 && get(records[$0], "update_type")?.stringValue == "promotion" })
        set(&records[promotion], "old_price", .double(1e17))
        line = promotion + 1
    }
    #expect(try found(report, "referential.product_details", .productUpdates) == ([line], 1))
}

/// A value the schema rejects (an unknown enum value, a number out of its range) is the schema's one finding: the
/// business rules that read it do not judge it again.
@Test func aValueTheSchemaRejectsIsNotAlsoABrokenBusinessRule() throws {
    var updateLines: [Int] = []
    let updates = try validated(.productUpdates, count: 600) { records in
        let change = try #require(records.indices.first { $0 > 5 && get(records[$0], "update_type")?.stringValue == "price_change" })
        set(&records[change], "update_type", .string("clearance"))
        let stocked = try #require(records.indices.first { $0 > change && (get(records[$0], "stock_quantity")?.intValue ?? 0) > 0 })
        set(&records[stocked], "stock_quantity", .int(-56))
        updateLines = [change + 1, stocked + 1]
    }
    #expect(try found(updates, "schema.enums", .productUpdates) == ([updateLines[0]], 1))
    #expect(try found(updates, "schema.ranges", .productUpdates) == ([updateLines[1]], 1))
    #expect(try found(updates, "business.update_consistency", .productUpdates).violations == 0)
    let message = try #require(updates.check("schema.ranges", .productUpdates)?.examples.first?.message)
    #expect(message.contains("is -56,"), "an integer is shown as one: \(message)")
    var alertLine = 0
    let alerts = try validated(.fraudAlerts, count: 60) { records in
        set(&records[3], "risk_level", .string("low"))
        alertLine = 4
    }
    #expect(try found(alerts, "schema.enums", .fraudAlerts) == ([alertLine], 1))
    #expect(try found(alerts, "business.alert_risk", .fraudAlerts).violations == 0)
    let results = try validated(.analyticsResults, count: 200) { records in
        let revenue = try #require(records.indices.first { get(records[$0], "metric_type")?.stringValue == "revenue" })
        set(&records[revenue], "unit", .string("EUR"))
    }
    #expect(try found(results, "schema.enums", .analyticsResults).violations == 1)
    #expect(try found(results, "business.analytics_units", .analyticsResults).violations == 0)
}

/// In a transaction, a line item's negative price or quantity of 0, an empty products array, a negative tax and a
/// country in lower case are each the schema's one finding: the totals, charges, catalog and price-range checks and
/// the city look-up leave the rejected values out.
@Test func aTransactionsRejectedAmountsAreNotAlsoBrokenTotals() throws {
    var lines: [String: Int] = [:]
    let report = try validated(.transactions, count: 400) { records in
        func line(_ record: Int, _ name: String, _ value: JSONValue) throws {
            guard case var .array(items) = try #require(get(records[record], "products")), case var .object(item) = items[0] else {
                throw CocoaError(.coderInvalidValue)
            }
            set(&item, name, value)
            items[0] = .object(item)
            set(&records[record], "products", .array(items))
        }
        try line(9, "quantity", .int(0))
        try line(19, "price", .double(-5))
        set(&records[29], "products", .array([]))
        set(&records[39], "tax", .double(-1))
        guard case var .object(place) = try #require(get(records[49], "location")) else { throw CocoaError(.coderInvalidValue) }
        set(&place, "country", .string(get(place, "country")!.stringValue!.lowercased()))
        set(&records[49], "location", .object(place))
        lines = ["quantity": 10, "price": 20, "empty": 30, "tax": 40, "country": 50]
    }
    #expect(try found(report, "schema.ranges", .transactions) == ([lines["quantity"]!, lines["price"]!, lines["empty"]!, lines["tax"]!], 4))
    #expect(try found(report, "schema.formats", .transactions) == ([lines["country"]!], 1))
    for id in ["business.totals", "business.tax_shipping", "referential.product_details", "distribution.amount_ranges",
               "coordinates.consistency"] {
        let check = try #require(report.check(id, .transactions))
        #expect(check.violations == 0, "\(id): \(check.examples.map(\.message))")
    }
}

/// A transaction line cut short is schema.parse's finding: the purchase event and the alert that name its transaction
/// (its ID read off the line's start) are not also findings of a transaction missing from the data.
@Test(arguments: [1, 2]) func anUnparseableTransactionIsNotAlsoAMissingOne(threads: Int) throws {
    let (generator, directory, transactionsPath, eventsPath) = try linkedFiles()
    defer { try? FileManager.default.removeItem(at: directory) }
    let alertsPath = directory.appendingPathComponent("fraud_alerts.ndjson").path
    var transactionLines = try String(contentsOfFile: transactionsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    let eventLines = try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    func field(_ name: String, _ line: String) -> String { line.components(separatedBy: "\"\(name)\":\"")[1].components(separatedBy: "\"")[0] }
    // A purchased transaction, cut short, and an alert naming it (written as the transaction's alert would be).
    let cut = try #require(transactionLines.indices.first { index in
        eventLines.contains { $0.contains("\"transaction_id\":\"\(field("transaction_id", transactionLines[index]))\"") }
    })
    let id = field("transaction_id", transactionLines[cut])
    let alert = JSONValue.object([
        ("alert_id", .string("alert_000000001")), ("transaction_id", .string(id)), ("user_id", .string(field("user_id", transactionLines[cut]))),
        ("timestamp", .string(field("timestamp", transactionLines[cut]))), ("transaction_timestamp", .string(field("timestamp", transactionLines[cut]))),
        ("alert_type", .string("velocity")), ("fraud_score", .double(0.95)), ("risk_level", .string("critical")), ("amount", .double(10)),
        ("currency", .string("USD")), ("country", .string("US")), ("city", .string("Boston")), ("is_fraud", .bool(true)), ("status", .string("open")),
    ])
    try Data((alert.encoded() + "\n").utf8).write(to: URL(fileURLWithPath: alertsPath))
    transactionLines[cut] = String(transactionLines[cut].prefix(100))
    try Data((transactionLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: transactionsPath))
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
    validator.keepsPurchaseLinks = true
    for path in [transactionsPath, eventsPath, alertsPath] { try FileInput.validate(path, with: validator, threads: threads, chunkBytes: 16 << 10) }
    let report = validator.finish()
    let parse = try #require(report.checks.first { $0.id == "schema.parse" })
    #expect(parse.violations == 1 && parse.examples.first?.id == id && parse.examples.first?.location.line == cut + 1)
    let purchase = try #require(report.check("referential.purchase_transaction", .userEvents))
    #expect(purchase.violations == 0 && purchase.checked > 10, "\(purchase.examples.map(\.message))")
    let named = try #require(report.check("referential.alert_transaction", .fraudAlerts))
    #expect(named.violations == 0, "\(named.examples.map(\.message))")
}

/// A user_id or product_id of another shape (`USER_…`), or a negative old_price, is the schema's one finding: not also a
/// user or product the catalog lacks, a wrong session user or a price the catalog disagrees with.
@Test func anIDOfAnotherShapeIsNotAlsoAnUnknownOne() throws {
    var eventLines: [Int] = []
    let events = try validated(.userEvents, count: 600) { records in
        let view = try #require(records.indices.first { $0 > 5 && get(records[$0], "event_type")?.stringValue == "product_view" })
        set(&records[view], "product_id", .string(get(records[view], "product_id")!.stringValue!.uppercased()))
        let other = try #require(records.indices.first { $0 > view && get(records[$0], "session_id") == get(records[$0 - 1], "session_id") })
        set(&records[other], "user_id", .string(get(records[other], "user_id")!.stringValue!.uppercased()))
        eventLines = [view + 1, other + 1]
    }
    #expect(try found(events, "schema.formats", .userEvents) == (eventLines.sorted(), 2))
    for id in ["referential.user_id", "referential.product_id", "referential.session_user"] {
        #expect(try found(events, id, .userEvents).violations == 0, "\(id)")
    }
    var updateLines: [Int] = []
    let updates = try validated(.productUpdates, count: 300) { records in
        set(&records[3], "product_id", .string(get(records[3], "product_id")!.stringValue!.uppercased()))
        set(&records[7], "old_price", .double(-(get(records[7], "old_price")?.doubleValue ?? 1)))
        updateLines = [4, 8]
    }
    #expect(try found(updates, "schema.formats", .productUpdates) == ([updateLines[0]], 1))
    #expect(try found(updates, "schema.ranges", .productUpdates) == ([updateLines[1]], 1))
    #expect(try found(updates, "referential.product_id", .productUpdates).violations == 0)
    #expect(try found(updates, "referential.product_details", .productUpdates).violations == 0)
}

/// An availability change that makes a product with nothing in stock available breaks the update rules.
@Test func nothingOutOfStockIsAvailable() throws {
    var line = 0
    let report = try validated(.productUpdates, count: 1500) { records in
        let change = try #require(records.indices.first {
            get(records[$0], "update_type")?.stringValue == "availability_change" && get(records[$0], "is_available") == .bool(false)
        })
        set(&records[change], "is_available", .bool(true))
        line = change + 1
    }
    #expect(try found(report, "business.update_consistency", .productUpdates) == ([line], 1))
}

/// A product step whose product_id has the wrong type is a `schema.types` finding, not also a step without its product.
@Test func aMistypedFieldIsNotAMissingOne() throws {
    var line = 0
    let report = try validated(.userEvents, count: 400) { records in
        let view = try #require(records.indices.first { $0 > 5 && get(records[$0], "event_type")?.stringValue == "product_view" })
        set(&records[view], "product_id", .int(123))
        line = view + 1
    }
    #expect(try found(report, "schema.types", .userEvents) == ([line], 1))
    #expect(try found(report, "business.event_fields", .userEvents).violations == 0)
}

/// A step's product_id, category or transaction_id left out is the schema's one finding (the three are required, null
/// where the step has none), not also a step without its fields.
@Test func aFieldLeftOutIsTheSchemasFindingOnly() throws {
    var lines: [Int] = []
    let report = try validated(.userEvents, count: 1000) { records in
        let view = try #require(records.indices.first { get(records[$0], "event_type")?.stringValue == "product_view" })
        records[view].removeAll { $0.0 == "category" }
        let purchase = try #require(records.indices.first { get(records[$0], "event_type")?.stringValue == "purchase" })
        records[purchase].removeAll { $0.0 == "transaction_id" }
        lines = [view + 1, purchase + 1].sorted()
    }
    #expect(try found(report, "schema.required", .userEvents) == (lines, 2))
    #expect(try found(report, "business.event_fields", .userEvents).violations == 0)
}

/// In an input whose name gives no type, a record that lost its own ID is still recognised by its fields: a purchase
/// event without its event_id (its transaction_id a reference) is a user event missing a field, not a transaction.
@Test func aRecordThatLostItsIDIsRecognisedByItsFields() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var events = try generatedLines(.userEvents, count: 600, generator: generator).map { line -> [(String, JSONValue)] in
        guard case let .object(members) = try JSONValue.parse(line) else { throw CocoaError(.coderInvalidValue) }
        return members
    }
    let purchase = try #require(events.indices.first { get(events[$0], "event_type")?.stringValue == "purchase" })
    events[purchase].removeAll { $0.0 == "event_id" }
    let report = try validateLines(events.map { JSONValue.object($0).encoded() }, name: "sample.ndjson", generator: generator)
    #expect(try found(report, "schema.required", .userEvents) == ([purchase + 1], 1))
    #expect(!report.checks.contains { $0.recordType == .transactions }, "\(report.problems)")
    #expect(report.check("referential.purchase_transaction", .userEvents)?.status == .inconclusive)
}

/// An event hours away from the rest of its session, put where its time belongs in the file (so the file stays in
/// order), is outside the session: one `temporal.session_order` finding at its own line, whether it was the session's
/// last event moved later, its first moved earlier, or the second of a session of two.
@Test func anEventHoursAwayFromItsSessionIsOutsideIt() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var records = try generatedLines(.userEvents, count: 4000, generator: generator).map { line -> [(String, JSONValue)] in
        guard case let .object(members) = try JSONValue.parse(line) else { throw CocoaError(.coderInvalidValue) }
        return members
    }
    func time(_ record: [(String, JSONValue)]) throws -> Int64 { try #require(Timestamp(parsing: get(record, "timestamp")?.stringValue ?? "")).milliseconds }
    var bySession: [String: [Int]] = [:]
    for index in records.indices { bySession[get(records[index], "session_id")?.stringValue ?? "", default: []].append(index) }
    let middle = bySession.values.filter { $0[0] > 1500 && $0[0] < 2500 }.sorted { $0[0] < $1[0] }
    let long = middle.filter { $0.count >= 4 }
    let pair = try #require(middle.first { $0.count == 2 })
    try #require(long.count >= 2)
    let hour: Int64 = 3_600_000
    // (record index, shift): the last event of one session 3 hours later, the first of another 2 hours earlier, the
    // second of a pair 3 hours later.
    let moves = [(long[0].last!, 3 * hour), (long[1][0], -2 * hour), (pair[1], 3 * hour)]
    var moved: [[(String, JSONValue)]] = []
    for (index, shift) in moves {
        var record = records[index]
        set(&record, "timestamp", .string(Timestamp(milliseconds: try time(record) + shift).description))
        moved.append(record)
    }
    for index in moves.map(\.0).sorted(by: >) { records.remove(at: index) }
    var lines: [Int] = []
    for record in moved {
        let at = try time(record)
        var position = records.count
        for index in records.indices where try time(records[index]) > at { position = index; break }
        records.insert(record, at: position)
        lines = lines.map { $0 > position ? $0 + 1 : $0 } + [position + 1]
    }
    let report = try validateLines(records.map { JSONValue.object($0).encoded() }, name: "user_events.ndjson", generator: generator)
    #expect(try found(report, "temporal.file_order", .userEvents).violations == 0)
    let order = try #require(report.check("temporal.session_order", .userEvents))
    #expect(order.violations == 3, "\(order.examples.map(\.message))")
    #expect(Set(order.examples.map(\.location.line)) == Set(lines))
    #expect(order.examples.contains { $0.message.contains("before the rest of session") })
    for example in order.examples {
        #expect(example.id == get(records[example.location.line - 1], "event_id")?.stringValue, "\(example)")
    }
    #expect(order.checked == 4000)
}

/// A redelivered event (a copy of one read before) is the unique-ID check's one finding: it is left out of its
/// session, which stays in order, on one thread and across the chunks of a parallel read.
@Test(arguments: [1, 2]) func aRedeliveredEventIsADuplicateNotASessionOutOfOrder(threads: Int) throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var lines = try generatedLines(.userEvents, count: 3000, generator: generator)
    func session(_ line: String) -> String { line.components(separatedBy: #""session_id":""#)[1].components(separatedBy: "\"")[0] }
    var bySession: [String: [Int]] = [:]
    for index in lines.indices { bySession[session(lines[index]), default: []].append(index) }
    let long = try #require(bySession.values.filter { $0.count >= 6 }.min { $0[0] < $1[0] })
    // A copy of the session's fifth event right after its last one.
    let copyLine = long.last! + 2
    lines.insert(lines[long[4]], at: long.last! + 1)
    let report = try validateLines(lines, name: "user_events.ndjson", generator: generator, threads: threads, chunkBytes: 64 << 10)
    #expect(try found(report, "referential.unique_id", .userEvents) == ([copyLine], 1))
    #expect(try found(report, "temporal.session_order", .userEvents).violations == 0, "\(report.problems)")
}

/// An event stamped in the future or outside the window is that check's one finding, wherever it is in its session:
/// it is not judged for the session's order, as file order does not judge it either.
@Test func aStrayTimeIsNotAlsoASessionOutOfOrder() throws {
    var lines: [Int] = []
    let report = try validated(.userEvents, count: 3000) { records in
        var bySession: [String: [Int]] = [:]
        for index in records.indices { bySession[get(records[index], "session_id")?.stringValue ?? "", default: []].append(index) }
        let long = bySession.values.filter { $0.count >= 5 && $0[0] > 100 }.sorted { $0[0] < $1[0] }
        try #require(long.count >= 2)
        for index in [long[0][0], long[0][2], long[1].last!] {
            set(&records[index], "timestamp", .string("2099-01-01T00:00:00.000Z"))
            lines.append(index + 1)
        }
    }
    #expect(try found(report, "temporal.future", .userEvents) == (lines.sorted(), 3))
    #expect(try found(report, "temporal.session_order", .userEvents).violations == 0, "\(report.problems)")
    #expect(try found(report, "temporal.file_order", .userEvents).violations == 0)
}

/// A transaction's user_type or fraud_type the schema rejects is its one `schema.enums` finding: the user's type in the
/// catalog and the fraud label are not judged against it.
@Test func aTransactionsUnknownEnumValueIsOneFinding() throws {
    var lines: [Int] = []
    let report = try validated(.transactions, count: 400) { records in
        set(&records[5], "user_type", .string("alien"))
        set(&records[9], "fraud_type", .string("foo"))
        lines = [6, 10]
    }
    #expect(try found(report, "schema.enums", .transactions) == (lines, 2))
    #expect(try found(report, "referential.user_details", .transactions).violations == 0)
    #expect(try found(report, "business.fraud_labels", .transactions).violations == 0)
}

/// A purchase event names the transaction its session ends: one naming another transaction of the data (one that
/// exists) is a `referential.purchase_transaction` finding, when the validator keeps the transactions' sessions.
@Test func aPurchaseEventNamingAnotherSessionsTransactionIsNamed() throws {
    let (generator, directory, transactionsPath, eventsPath) = try linkedFiles()
    defer { try? FileManager.default.removeItem(at: directory) }
    var lines = try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    let purchases = lines.indices.filter { lines[$0].contains(#""event_type":"purchase""#) }
    try #require(purchases.count > 10)
    func transaction(_ line: String) -> String { line.components(separatedBy: #""transaction_id":""#)[1].components(separatedBy: "\"")[0] }
    // The third purchase names the fourth's transaction (which exists, but ends another session).
    let swapped = purchases[2]
    lines[swapped] = lines[swapped].replacingOccurrences(of: transaction(lines[swapped]), with: transaction(lines[purchases[3]]))
    // The eighth purchase event alone names another user: the session's other events and the transaction agree on
    // theirs, so the event is referential.session_user's one finding, not also a purchase of another user's transaction.
    let lone = purchases[7]
    let loneOwner = field("user_id", lines[lone])
    let loneStranger = try #require(lines.map { field("user_id", $0) }.first { $0 != loneOwner })
    try #require(lines.indices.contains { $0 != lone && field("session_id", lines[$0]) == field("session_id", lines[lone]) })
    lines[lone] = lines[lone].replacingOccurrences(of: "\"user_id\":\"\(loneOwner)\"", with: "\"user_id\":\"\(loneStranger)\"")
    // Every event of the sixth purchase's session names another user (consistent for the session, but the purchase is
    // not that user's transaction).
    func field(_ name: String, _ line: String) -> String { line.components(separatedBy: "\"\(name)\":\"")[1].components(separatedBy: "\"")[0] }
    let session = field("session_id", lines[purchases[5]]), owner = field("user_id", lines[purchases[5]])
    let stranger = try #require(lines.map { field("user_id", $0) }.first { $0 != owner })
    for index in lines.indices where field("session_id", lines[index]) == session {
        lines[index] = lines[index].replacingOccurrences(of: "\"user_id\":\"\(owner)\"", with: "\"user_id\":\"\(stranger)\"")
    }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: eventsPath))
    // The transaction of the tenth purchase names a user the catalog lacks: that is its referential.user_id finding, not
    // also a purchase event of another user's transaction.
    var transactionLines = try String(contentsOfFile: transactionsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    let strange = try #require(transactionLines.firstIndex { $0.contains("\"transaction_id\":\"\(transaction(lines[purchases[9]]))\"") })
    transactionLines[strange] = transactionLines[strange].replacing(/"user_id":"user_[0-9]+"/, with: "\"user_id\":\"user_999999\"")
    try Data((transactionLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: transactionsPath))
    func validate(keepingLinks: Bool) throws -> ValidationReport {
        let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
        validator.keepsPurchaseLinks = keepingLinks
        try FileInput.validate(transactionsPath, with: validator)
        try FileInput.validate(eventsPath, with: validator, threads: 2, chunkBytes: 64 << 10)
        return validator.finish()
    }
    let report = try validate(keepingLinks: true)
    let check = try #require(report.check("referential.purchase_transaction", .userEvents))
    #expect(check.violations == 2 && check.examples.map(\.location.line) == [swapped + 1, purchases[5] + 1], "\(check.examples.map(\.message))")
    #expect(check.examples.allSatisfy { $0.message.contains("ends another session, or is another user's") })
    #expect(report.check("referential.user_id", .transactions)?.examples.map(\.location.line) == [strange + 1])
    let sessionUser = try #require(report.check("referential.session_user", .userEvents))
    #expect(sessionUser.violations == 1 && sessionUser.examples.map(\.location.line) == [lone + 1], "\(sessionUser.examples.map(\.message))")
    // Without the transactions' sessions kept, existence is checked, and that no two events buy one transaction: the
    // later of the two naming the fourth's is the finding then (which one is wrong cannot be told).
    let unlinked = try #require(try validate(keepingLinks: false).check("referential.purchase_transaction", .userEvents))
    #expect(unlinked.violations == 1 && unlinked.examples.map(\.location.line) == [purchases[3] + 1], "\(unlinked.examples.map(\.message))")
}

/// A purchase event is at its transaction's own time: one a millisecond later (still in file and session order) is a
/// `referential.purchase_transaction` finding at its line, in one process and across merged partials. A time another
/// check rejects (a transaction, or an event, in the future) is that check's finding, not also a disagreement.
@Test func aPurchaseEventAtAnotherTimeThanItsTransactionIsNamed() throws {
    let (generator, directory, transactionsPath, eventsPath) = try linkedFiles()
    defer { try? FileManager.default.removeItem(at: directory) }
    var lines = try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    func time(_ line: String) -> String { line.components(separatedBy: #""timestamp":""#)[1].components(separatedBy: "\"")[0] }
    func transaction(_ line: String) -> String { line.components(separatedBy: #""transaction_id":""#)[1].components(separatedBy: "\"")[0] }
    func milliseconds(_ text: String) throws -> Int64 { try #require(Array(text.utf8).withUnsafeBufferPointer(ISOTimestamp.parse)) }
    // Purchases with room after them: the next line is at least 2 ms later, so a millisecond later keeps the file's order.
    let roomy = try lines.indices.dropLast().filter { index in
        guard lines[index].contains(#""event_type":"purchase""#) else { return false }
        return try milliseconds(time(lines[index + 1])) - milliseconds(time(lines[index])) >= 2
    }
    try #require(roomy.count > 10)
    let moved = roomy[3], future = roomy[8]
    let late = Timestamp(milliseconds: try milliseconds(time(lines[moved])) + 1).description
    lines[moved] = lines[moved].replacingOccurrences(of: time(lines[moved]), with: late)
    lines[future] = lines[future].replacingOccurrences(of: time(lines[future]), with: "2099-01-01T00:00:00.000Z")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: eventsPath))
    // The transaction of the sixth roomy purchase is moved to the future: that event is not judged by it.
    var transactionLines = try String(contentsOfFile: transactionsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    let strange = try #require(transactionLines.firstIndex { $0.contains("\"transaction_id\":\"\(transaction(lines[roomy[5]]))\"") })
    transactionLines[strange] = transactionLines[strange].replacingOccurrences(of: time(transactionLines[strange]), with: "2099-01-01T00:00:00.000Z")
    try Data((transactionLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: transactionsPath))
    let settings = ValidationSettings(generator: generator, seedKnown: true)
    let validator = Validator(settings: settings)
    validator.keepsPurchaseLinks = true
    try FileInput.validate(transactionsPath, with: validator)
    try FileInput.validate(eventsPath, with: validator, threads: 2, chunkBytes: 64 << 10)
    let report = validator.finish()
    let check = try #require(report.check("referential.purchase_transaction", .userEvents))
    #expect(check.violations == 1 && check.examples.map(\.location.line) == [moved + 1], "\(check.examples.map(\.message))")
    #expect(check.examples.first?.message == "purchase at \(late), not at the time of its transaction \(transaction(lines[moved]))")
    #expect(try found(report, "temporal.future", .userEvents) == ([future + 1], 1))
    #expect(try found(report, "temporal.future", .transactions) == ([strange + 1], 1))
    // The same from two partials, one per file, merged.
    var sections: [PartialSection] = []
    for (index, path) in [transactionsPath, eventsPath].enumerated() {
        let partial = Validator(partialOf: settings)
        try FileInput.validate(path, with: partial, threads: 2)
        sections += try PartialFile.decode(PartialFile.encode([try partial.partialSection()]), name: "part\(index).part")
    }
    let merged = try Validator.merging(sections, settings: settings).finish()
    let fromPartials = try #require(merged.check("referential.purchase_transaction", .userEvents))
    #expect(fromPartials.violations == 1 && fromPartials.examples.map(\.location.line) == [moved + 1])
}

/// A transaction is bought once: a second purchase event naming it (another event_id) is a
/// `referential.purchase_transaction` finding at its line, with the transactions read or without them; the same event
/// read twice is `referential.unique_id`'s finding alone.
@Test func aSecondPurchaseOfOneTransactionIsNamed() throws {
    let (generator, directory, transactionsPath, eventsPath) = try linkedFiles()
    defer { try? FileManager.default.removeItem(at: directory) }
    var lines = try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
    let purchases = lines.indices.filter { lines[$0].contains(#""event_type":"purchase""#) }
    try #require(purchases.count > 10)
    func eventID(_ line: String) -> String { line.components(separatedBy: #""event_id":""#)[1].components(separatedBy: "\"")[0] }
    // Inserted from the last down, so that the earlier indexes hold: the eighth purchase copied as itself (a duplicate
    // record), the third with another event_id (a second purchase).
    lines.insert(lines[purchases[7]], at: purchases[7] + 1)
    let second = lines[purchases[2]].replacingOccurrences(of: eventID(lines[purchases[2]]), with: "evt_00000fffff01")
    lines.insert(second, at: purchases[2] + 1)
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: eventsPath))
    let copyLine = purchases[7] + 3, secondLine = purchases[2] + 2
    func validate(_ paths: [String]) throws -> ValidationReport {
        let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true))
        validator.keepsPurchaseLinks = true
        for path in paths { try FileInput.validate(path, with: validator, threads: 2, chunkBytes: 64 << 10) }
        return validator.finish()
    }
    for paths in [[transactionsPath, eventsPath], [eventsPath]] {
        let report = try validate(paths)
        let check = try #require(report.check("referential.purchase_transaction", .userEvents))
        #expect(check.status == .fail && check.violations == 1 && check.examples.map(\.location.line) == [secondLine],
                "\(paths.count) inputs: \(check.examples.map(\.message))")
        #expect(check.examples.first?.message.hasPrefix("a second purchase of transaction txn_") == true)
        #expect(check.checked == purchases.count + 1, "the copy read again is not judged")
        #expect(try found(report, "referential.unique_id", .userEvents) == ([copyLine], 1))
    }
}

/// A velocity burst cut by the data's end (a stream stopped early, a day's file) is not judged: with the data ending
/// after a burst's second transaction, those two are no finding; the same two in the middle of the data, their burst's
/// others removed, are.
@Test func aVelocityBurstCutByTheDatasEndIsNotJudged() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 11, scenario: .fraudTesting)
    let lines = try generatedLines(.transactions, count: 20_000, generator: generator)
    func user(_ line: String) -> String { line.components(separatedBy: #""user_id":""#)[1].components(separatedBy: "\"")[0] }
    let velocity = lines.indices.filter { lines[$0].contains(#""fraud_type":"velocity""#) }
    try #require(velocity.count > 40)
    // A burst in the middle (its user's only velocity frauds): its first two members kept, its others removed.
    let middle = velocity[velocity.count / 2]
    let burst = velocity.filter { user(lines[$0]) == user(lines[middle]) }
    try #require(burst.count >= 5 && burst.count <= 15 && burst.first! > 1_000 && burst.last! < lines.count - 1_000)
    let removed = Set(burst.dropFirst(2))
    var cutInside = lines.indices.filter { !removed.contains($0) }.map { lines[$0] }
    let inside = try validateLines(cutInside, name: "transactions.ndjson", generator: generator)
    #expect(inside.check("business.fraud_labels")?.violations == 2, "\(inside.check("business.fraud_labels")?.examples.map(\.message) ?? [])")
    // The data ending right after the second: nothing to say of a burst the end may have cut.
    cutInside = Array(lines[...burst[1]])
    let atTheEnd = try validateLines(cutInside, name: "transactions.ndjson", generator: generator)
    #expect(atTheEnd.check("business.fraud_labels")?.violations == 0, "\(atTheEnd.check("business.fraud_labels")?.examples.map(\.message) ?? [])")
}

/// Sessions that reach no step of the funnel (page views and searches alone) leave it nothing to judge: inconclusive,
/// not a pass.
@Test func aFunnelNoSessionReachesIsInconclusive() throws {
    let report = try validated(.userEvents, count: 1000) { records in
        records.removeAll { ["page_view", "search"].contains(get($0, "event_type")?.stringValue ?? "") == false }
    }
    let funnel = try #require(report.check("distribution.funnel", .userEvents))
    #expect(funnel.status == .inconclusive && funnel.reason?.contains("reaches a step of the funnel") == true, "\(funnel.reason ?? "")")
}

/// A line in a category none of the configured ones is a finding at its record, with an example (it was a count with
/// no location, which the quarantine could not hold); its product's catalog entry disagrees too.
@Test func aLineOfAnUnconfiguredCategoryIsNamedAtItsRecord() throws {
    var line = 0
    let report = try validated(.transactions, count: 300) { records in
        let index = 120
        guard case var .array(products) = try #require(get(records[index], "products")), case var .object(first) = products[0] else {
            throw CocoaError(.coderInvalidValue)
        }
        set(&first, "category", .string("Gadgets"))
        products[0] = .object(first)
        set(&records[index], "products", .array(products))
        line = index + 1
    }
    #expect(try found(report, "distribution.categories", .transactions) == ([line], 1))
    #expect(try found(report, "referential.product_details", .transactions) == ([line], 1))
    #expect(report.check("distribution.categories", .transactions)?.examples.first?.message.contains("category Gadgets is none of the configured ones") == true)
}
