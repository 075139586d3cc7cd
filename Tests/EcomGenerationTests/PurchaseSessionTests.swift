import EcomGeneration
import EcomJSON
import EcomModel
import Foundation
import Testing

/// User events and transactions of the same seed, window and transaction count are one dataset: every
/// transaction is the purchase that ends a session of the events, and every purchase event is a transaction.
@Suite("Purchase sessions")
struct PurchaseSessionTests {
    /// Transactions and the user events that hold their sessions, written separately over the same window.
    struct Linked {
        let transactions: [JSONValue]
        let events: [JSONValue]
        let eventCount: Int
        let windowStart: Timestamp
    }

    /// `events` user events of `generator` over its window, and the transactions they belong to.
    static func linked(_ generator: ECommerceDataGenerator, events: Int, sample: [JSONValue]? = nil) -> Linked {
        let window = generator.window
        let count = generator.transactionCount(forEvents: events, start: window.start, end: window.end)
        return Linked(transactions: TestData.parse(TestData.lines(generator, type: .transactions, count: count)),
                      events: sample ?? TestData.parse(TestData.lines(generator, type: .userEvents, count: events)),
                      eventCount: events, windowStart: window.start)
    }

    /// Normal traffic (50,000 events, the shared sample) and fraud testing (10 % fraud: velocity bursts, new devices).
    static let datasets: [String: Linked] = [
        "normal_traffic": linked(TestData.standard, events: 50_000, sample: TestData.userEvents),
        "fraud_testing": linked(TestData.fraudGenerator, events: 30_000),
    ]

    @Test(arguments: ["normal_traffic", "fraud_testing"])
    func everyPurchaseEventIsATransactionOfTheSameUserSessionTimeAndDevice(_ name: String) throws {
        let data = try #require(Self.datasets[name])
        #expect(data.events.count == data.eventCount)
        var transactions: [String: JSONValue] = [:]
        for transaction in data.transactions { transactions[transaction.string("transaction_id") ?? "?"] = transaction }
        var named: [String: Int] = [:]
        var problems: [String] = []
        for event in data.events where event.string("event_type") == "purchase" {
            let id = event.string("event_id") ?? "?"
            guard let reference = event.string("transaction_id"), let transaction = transactions[reference] else {
                problems.append("\(id): transaction \(event.string("transaction_id") ?? "nil") is not among the transactions")
                continue
            }
            named[reference, default: 0] += 1
            for field in ["user_id", "session_id", "timestamp"] where event.string(field) != transaction.string(field) {
                problems.append("\(id): \(field) \(event.string(field) ?? "nil"), its transaction \(reference) has \(transaction.string(field) ?? "nil")")
            }
            if event["device_info"]?.string("device_id") != transaction["device_info"]?.string("device_id") {
                problems.append("\(id): another device than its transaction \(reference)")
            }
            let basket = (transaction["products"]?.arrayValue ?? []).compactMap { $0.string("product_id") }
            if let product = event.string("product_id"), !basket.contains(product) {
                problems.append("\(id): product \(product) is not in the basket of \(reference)")
            }
        }
        expectNoProblems(problems, "\(name): purchase events")
        #expect(named.count == data.transactions.count, "\(name): \(named.count) of \(data.transactions.count) transactions have a purchase event")
        #expect(named.values.allSatisfy { $0 == 1 }, "\(name): a transaction named by several purchase events")
    }

    @Test(arguments: ["normal_traffic", "fraud_testing"])
    func everyTransactionEndsASessionOfItsUserThatCartedItsBasket(_ name: String) throws {
        let data = try #require(Self.datasets[name])
        var sessions: [String: [JSONValue]] = [:]
        for event in data.events { sessions[event.string("session_id") ?? "?", default: []].append(event) }
        let windowStart = data.windowStart
        var problems: [String] = []
        for transaction in data.transactions {
            let id = transaction.string("transaction_id") ?? "?"
            guard let events = sessions[transaction.string("session_id") ?? "?"], let time = transaction.timestamp else {
                problems.append("\(id): session \(transaction.string("session_id") ?? "nil") has no events")
                continue
            }
            if events.contains(where: { $0.string("user_id") != transaction.string("user_id") }) { problems.append("\(id): another user in its session") }
            if events.last?.string("event_type") != "purchase" || events.last?.timestamp != time {
                problems.append("\(id): its session does not end with the purchase at \(time)")
            }
            // Every line was viewed and carted before checkout, the first sessions of the window included.
            let kinds = events.map { ($0.string("event_type") ?? "", $0.string("product_id") ?? "") }
            if let first = events.first?.timestamp, first < windowStart { problems.append("\(id): its session begins before the window") }
            for product in (transaction["products"]?.arrayValue ?? []).compactMap({ $0.string("product_id") }) {
                guard let cart = kinds.firstIndex(where: { $0 == ("add_to_cart", product) }),
                      kinds[..<cart].contains(where: { $0 == ("product_view", product) }),
                      let checkout = kinds.firstIndex(where: { $0.0 == "checkout" }), cart < checkout
                else { problems.append("\(id): \(product) not viewed and carted before checkout (\(kinds.map(\.0)))"); continue }
            }
            let bot = transaction.string("fraud_type") == "velocity"
            let span = time.milliseconds - (events.first?.timestamp?.milliseconds ?? 0)
            if bot {
                // A card-testing bot: no landing page, paid within seconds of arriving.
                if kinds.first?.0 == "page_view" || span > 60_000 { problems.append("\(id): velocity session of \(span) ms starting with \(kinds.first?.0 ?? "")") }
            } else if kinds.first?.0 != "page_view" {
                problems.append("\(id): session starts with \(kinds.first?.0 ?? "nothing")")
            }
        }
        expectNoProblems(problems, "\(name): sessions of transactions")
    }

    /// Purchases are the transactions' sessions; the other sessions browse, cart and abandon.
    @Test(arguments: ["normal_traffic", "fraud_testing"])
    func sessionsWithoutATransactionNeverPurchaseAndTheFunnelNarrows(_ name: String) throws {
        let data = try #require(Self.datasets[name])
        let transactionSessions = Set(data.transactions.compactMap { $0.string("session_id") })
        var reached: [String: Set<String>] = [:]
        for event in data.events {
            guard let session = event.string("session_id"), let kind = event.string("event_type") else { continue }
            reached[kind, default: []].insert(session)
        }
        #expect(reached["purchase"] == transactionSessions)
        let funnel = ["product_view", "add_to_cart", "checkout", "purchase"].map { reached[$0]?.count ?? 0 }
        #expect(zip(funnel, funnel.dropFirst()).allSatisfy { $0 > $1 }, "\(name): funnel \(funnel)")
        // Browsing sessions are there too: at least a quarter of the sessions buy nothing.
        let sessions = reached.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(sessions.count - transactionSessions.count > sessions.count / 4, "\(name): \(sessions.count) sessions, \(transactionSessions.count) buy")
    }

    @Test(arguments: ["normal_traffic", "fraud_testing"])
    func deviceFraudSessionsUseTheNewDevice(_ name: String) throws {
        let data = try #require(Self.datasets[name])
        let devices = Dictionary(data.transactions.map { ($0.string("session_id") ?? "?", $0["device_info"]) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        var newDevices = 0
        for event in data.events {
            guard let session = event.string("session_id"), let device = devices[session] ?? nil else { continue }
            if device["is_new_device"]?.boolValue == true { newDevices += 1 }
            for field in ["device_id", "device_type", "os"] where event["device_info"]?.string(field) != device.string(field) {
                problems.append("\(event.string("event_id") ?? "?"): \(field) \(event["device_info"]?.string(field) ?? "nil"), the transaction's \(device.string(field) ?? "nil")")
            }
        }
        expectNoProblems(problems, "\(name): devices of purchase sessions")
        if name == "fraud_testing" { #expect(newDevices > 0, "no device fraud among \(data.transactions.count) transactions") }
    }

    /// Three minutes from midnight: the sessions of its first transactions would begin before the window; they
    /// are squeezed in after its start, whole, so the funnel narrows even here (cut sessions would reach purchase
    /// without their checkout).
    @Test func theFirstMinutesOfAWindowHoldWholeSessions() throws {
        let generator = TestData.standard
        let start = try #require(Timestamp(parsing: "2024-09-04T00:00:00Z"))
        let end = start.adding(milliseconds: 180_000)
        let collector = RecordCollector()
        try generator.write(type: .userEvents, count: generator.expectedCount(type: .userEvents, start: start, end: end),
                            start: start, end: end, to: collector)
        let events = TestData.parse(collector.lines)
        var kinds: [String: [String]] = [:]
        var problems: [String] = []
        for event in events {
            if let time = event.timestamp, time < start || time >= end { problems.append("\(event.string("event_id") ?? "?") at \(time)") }
            kinds[event.string("session_id") ?? "?", default: []].append(event.string("event_type") ?? "")
        }
        var reached = [0, 0, 0, 0]
        for (session, steps) in kinds {
            for (index, step) in ["product_view", "add_to_cart", "checkout", "purchase"].enumerated() where steps.contains(step) { reached[index] += 1 }
            if let purchase = steps.firstIndex(of: "purchase"), !steps[..<purchase].contains("checkout") || !steps[..<purchase].contains("add_to_cart") {
                problems.append("\(session): \(steps)")
            }
        }
        expectNoProblems(problems, "sessions of the window's first minutes")
        #expect(reached[3] > 50, "\(reached)")
        #expect(zip(reached, reached.dropFirst()).allSatisfy { $0 >= $1 }, "funnel \(reached)")
        // Squeezed in, those sessions begin at different moments: not a pile of events at the window's first millisecond.
        let atStart = events.filter { $0.timestamp == start }.count
        #expect(atStart <= 2, "\(atStart) events stamped at the window's start")
        let secondsUsed = Set(events.compactMap { $0.timestamp.map { ($0.milliseconds - start.milliseconds) / 1000 } })
        #expect(secondsUsed.count > 100, "the events of 3 minutes fall on \(secondsUsed.count) different seconds")
    }

    /// `generate --type user_events --count N` alone holds the sessions of the transactions `historical` writes
    /// beside N events: the expected event count gets the expected transaction count.
    @Test(arguments: [("2024-09-02T00:00:00Z", "2024-09-03T00:00:00Z"), ("2024-09-02T10:00:00Z", "2024-09-02T11:00:00Z"),
                      ("2024-09-02T00:00:00Z", "2024-09-30T00:00:00Z"), ("2024-09-07T13:15:00Z", "2024-09-09T02:00:00Z")])
    func theExpectedEventsHoldTheExpectedTransactions(_ window: (String, String)) throws {
        let generator = TestData.standard
        let start = try #require(Timestamp(parsing: window.0)), end = try #require(Timestamp(parsing: window.1))
        let events = generator.expectedCount(type: .userEvents, start: start, end: end)
        #expect(generator.transactionCount(forEvents: events, start: start, end: end)
                == generator.expectedCount(type: .transactions, start: start, end: end))
    }

    @Test func tooFewEventsForThePurchaseSessionsIsAnError() throws {
        let generator = TestData.standard
        #expect(throws: GenerationError.self) {
            try generator.write(type: .userEvents, count: 100, start: generator.window.start, end: generator.window.end,
                                to: RecordCollector(), transactions: 100)
        }
    }
}
