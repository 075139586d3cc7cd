import EcomGeneration
import EcomJSON
import EcomModel
import Testing

/// Record-level invariants: money adds up, catalog fields are copied faithfully, IDs are unique, streams are
/// in time order, coordinates sit at the city, sessions are well formed.
@Suite("Record integrity")
struct RecordIntegrityTests {
    /// The parsed sample of each type: the big transaction and event samples, the reference lines for the others.
    static let samples: [RecordType: [JSONValue]] = {
        var samples: [RecordType: [JSONValue]] = [.transactions: TestData.transactions, .userEvents: TestData.userEvents]
        for type in [RecordType.productUpdates, .fraudAlerts, .analyticsResults] {
            samples[type] = TestData.referenceLines[type]!.map { try! JSONValue.parse($0) }
        }
        return samples
    }()

    // MARK: Money and catalog

    @Test func subtotalIsTheSumOfLinesAndTotalAddsTaxAndShipping() {
        var problems: [String] = []
        for record in TestData.transactions + TestData.fraud.transactions {
            let id = record.string("transaction_id") ?? "?"
            guard let products = record["products"]?.arrayValue, !products.isEmpty,
                  let subtotal = record.cents("subtotal"), let tax = record.cents("tax"),
                  let shipping = record.cents("shipping"), let total = record.cents("total_amount")
            else { problems.append("\(id): missing money fields"); continue }
            var sum: Int64 = 0
            for product in products {
                guard let price = product.cents("price"), let quantity = product["quantity"]?.intValue, quantity > 0 else {
                    problems.append("\(id): bad product line"); continue
                }
                sum += price * quantity
            }
            if subtotal != sum { problems.append("\(id): subtotal \(subtotal) != lines \(sum) (cents)") }
            if total != subtotal + tax + shipping { problems.append("\(id): total \(total) != \(subtotal) + \(tax) + \(shipping) (cents)") }
        }
        expectNoProblems(problems, "money does not add up")
    }

    @Test func productLinesCopyTheCatalogProduct() {
        let catalog = TestData.standard.catalog
        let categories = TestData.config.categories
        var problems: [String] = []
        for record in TestData.transactions {
            let id = record.string("transaction_id") ?? "?"
            for line in record["products"]?.arrayValue ?? [] {
                guard let index = catalogIndex(line.string("product_id"), prefix: "prod_"), catalog.products.indices.contains(index) else {
                    problems.append("\(id): unknown product \(line.string("product_id") ?? "nil")"); continue
                }
                let product = catalog.products[index]
                if line.cents("price") != product.priceCents { problems.append("\(id): price of prod \(index + 1)") }
                if line.string("category") != categories[product.category] { problems.append("\(id): category of prod \(index + 1)") }
                if line.string("name") != product.name { problems.append("\(id): name of prod \(index + 1)") }
            }
        }
        expectNoProblems(problems, "product lines differ from the catalog")
    }

    // MARK: IDs and order

    @Test(arguments: RecordType.allCases)
    func idsAreUnique(_ type: RecordType) throws {
        let records = try #require(Self.samples[type])
        let ids = records.compactMap { $0.string(type.idField) }
        #expect(ids.count == records.count, "\(records.count - ids.count) records without \(type.idField)")
        #expect(Set(ids).count == ids.count, "\(ids.count - Set(ids).count) repeated \(type.idField) values in \(records.count) \(type.rawValue)")
    }

    @Test(arguments: RecordType.allCases)
    func timestampsNeverDecreaseInFileOrder(_ type: RecordType) throws {
        let records = try #require(Self.samples[type])
        #expect(records.count == (type == .transactions ? 100_000 : type == .userEvents ? 50_000 : TestData.referenceCount))
        var problems: [String] = []
        var previous: Timestamp?
        for (line, record) in records.enumerated() {
            guard let instant = record.timestamp else { problems.append("line \(line + 1): unparsable timestamp"); continue }
            if let previous, instant < previous { problems.append("line \(line + 1): \(instant) after \(previous)") }
            previous = instant
        }
        expectNoProblems(problems, "\(type.rawValue)")
    }

    @Test func alertsRaisedByTransactionsAreInTimeOrder() {
        var problems: [String] = []
        var previous: Timestamp?
        for (line, alert) in TestData.fraud.alerts.enumerated() {
            guard let instant = alert.timestamp else { problems.append("line \(line + 1): unparsable timestamp"); continue }
            if let previous, instant < previous { problems.append("line \(line + 1): \(instant) after \(previous)") }
            previous = instant
        }
        expectNoProblems(problems, "alerts out of time order")
        let transactionIDs = TestData.fraud.transactions.compactMap { $0.string("transaction_id") }
        #expect(Set(transactionIDs).count == transactionIDs.count, "fraud_testing transaction IDs repeat")
    }

    // MARK: Geography

    @Test func coordinatesAreWithinTheJitterRadiusOfTheCityAndTheZoneIsTheCitys() {
        let limit = TestData.config.locationJitterKm + 0.1
        var problems: [String] = []
        var farthest = 0.0
        for record in TestData.transactions + TestData.fraud.transactions {
            let id = record.string("transaction_id") ?? "?"
            guard let location = record["location"], let city = record.city,
                  let latitude = location["latitude"]?.doubleValue, let longitude = location["longitude"]?.doubleValue
            else { problems.append("\(id): unknown city or missing coordinates"); continue }
            let distance = City.distanceKm(latitude1: latitude, longitude1: longitude, latitude2: city.latitude, longitude2: city.longitude)
            farthest = max(farthest, distance)
            if distance > limit { problems.append("\(id): \(distance) km from \(city.name)") }
            if location.string("timezone") != city.timeZone { problems.append("\(id): zone \(location.string("timezone") ?? "nil") in \(city.name)") }
            if location.string("region") != city.region.rawValue { problems.append("\(id): region \(location.string("region") ?? "nil") in \(city.name)") }
        }
        expectNoProblems(problems, "coordinates or zone off (farthest \(farthest) km)")
    }

    // MARK: Sessions

    @Test func sessionsAreOneUsersOrderedFunnel() throws {
        var sessions: [String: [JSONValue]] = [:]
        for event in TestData.userEvents { sessions[event.string("session_id") ?? "<none>", default: []].append(event) }
        #expect(sessions["<none>"] == nil, "events without session_id")
        var problems: [String] = []
        var purchases = 0
        for (session, events) in sessions {
            if Set(events.map { $0.string("user_id") ?? "" }).count != 1 { problems.append("\(session): several users") }
            let times = events.compactMap(\.timestamp)
            if times.count != events.count || zip(times, times.dropFirst()).contains(where: { $1 < $0 }) {
                problems.append("\(session): timestamps decrease or do not parse")
            }
            let kinds = events.map { $0.string("event_type") ?? "" }
            // A session starts on a landing page, unless it is a card-testing bot's (straight to the product,
            // paid within a minute).
            let bot = kinds.first == "product_view" && kinds.last == "purchase" && times.count == events.count
                && times.last!.milliseconds - times.first!.milliseconds < 60_000
            if kinds.first != "page_view" && !bot { problems.append("\(session): starts with \(kinds.first ?? "nil")") }
            if kinds.filter({ $0 == "purchase" }).count > 1 { problems.append("\(session): several purchases") }
            for (position, kind) in kinds.enumerated() where kind == "purchase" {
                purchases += 1
                let before = kinds[..<position]
                guard let checkout = before.lastIndex(of: "checkout") else { problems.append("\(session): purchase without checkout"); continue }
                if !kinds[..<checkout].contains("add_to_cart") { problems.append("\(session): checkout without add_to_cart") }
            }
        }
        expectNoProblems(problems, "\(sessions.count) sessions")
        #expect(purchases > 0)
    }

    @Test func onlyPurchaseEventsCarryATransactionID() {
        var problems: [String] = []
        for event in TestData.userEvents {
            let id = event.string("event_id") ?? "?"
            let transaction = event["transaction_id"]
            if event.string("event_type") == "purchase" {
                if transaction?.stringValue?.isEmpty ?? true { problems.append("\(id): purchase without transaction_id") }
            } else if transaction != .null {
                problems.append("\(id): \(event.string("event_type") ?? "?") with transaction_id \(String(describing: transaction))")
            }
        }
        expectNoProblems(problems, "transaction_id on events")
    }
}
