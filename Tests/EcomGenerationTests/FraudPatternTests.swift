import EcomGeneration
import EcomJSON
import EcomModel
import Testing

/// Every fraud kind true to its pattern, on 50,000 `fraud_testing` transactions (10% fraud), and the alerts
/// those transactions raise.
@Suite("Fraud patterns under fraud_testing")
struct FraudPatternTests {
    static var transactions: [JSONValue] { TestData.fraud.transactions }
    static var catalog: Catalog { TestData.fraudGenerator.catalog }

    /// Fraudulent records of one kind.
    static func records(of kind: FraudType) -> [JSONValue] {
        transactions.filter { $0["is_fraud"]?.boolValue == true && $0.string("fraud_type") == kind.rawValue }
    }

    /// The catalog user of a record.
    static func user(of record: JSONValue) -> User? {
        guard let index = catalogIndex(record.string("user_id"), prefix: "user_"), catalog.users.indices.contains(index)
        else { return nil }
        return catalog.users[index]
    }

    @Test(arguments: FraudType.allCases)
    func everyFraudKindIsPresent(_ kind: FraudType) {
        #expect(Self.records(of: kind).count >= 100, "\(kind.rawValue): \(Self.records(of: kind).count) records")
    }

    @Test func velocityFraudComesInBurstsOfFiveToFifteenWithinFiveMinutes() throws {
        let velocity = Self.records(of: .velocity)
        try #require(!velocity.isEmpty)
        var byUser: [String: [Int64]] = [:]
        for record in velocity {
            let instant = try #require(record.timestamp)
            byUser[record.string("user_id") ?? "?", default: []].append(instant.milliseconds)
        }
        var isolated: [String] = []
        var badBursts: [String] = []
        for (user, unsorted) in byUser {
            let times = unsorted.sorted()
            // Each record has at least 4 other velocity records of the same user within 5 minutes.
            for time in times {
                let neighbours = times.filter { abs($0 - time) <= 300_000 }.count - 1
                if neighbours < 4 { isolated.append("\(user) at \(Timestamp(milliseconds: time)): \(neighbours) neighbours") }
            }
            // Bursts: runs of the user's velocity records with gaps under 5 minutes; 5-15 records within 300 s.
            var burst: [Int64] = []
            func close() {
                guard let first = burst.first, let last = burst.last else { return }
                if !(5...15).contains(burst.count) || last - first > 300_000 {
                    badBursts.append("\(user) burst of \(burst.count) over \((last - first) / 1000) s from \(Timestamp(milliseconds: first))")
                }
                burst = []
            }
            for time in times {
                if let last = burst.last, time - last > 300_000 { close() }
                burst.append(time)
            }
            close()
        }
        expectNoProblems(isolated, "velocity records without 4 same-user velocity records within 5 min")
        expectNoProblems(badBursts, "velocity bursts not of 5-15 records within 300 s")
    }

    @Test func timeFraudHappensAtTwoOrThreeLocalTime() throws {
        let time = Self.records(of: .time)
        try #require(!time.isEmpty)
        var problems: [String] = []
        for record in time {
            let hour = Geography.localDayAndHour(of: record)?.hour
            if hour != 2 && hour != 3 {
                problems.append("\(record.string("transaction_id") ?? "?") local hour \(hour.map(String.init) ?? "unknown")")
            }
        }
        expectNoProblems(problems, "time fraud outside 02:00-03:59 local")
    }

    @Test func locationFraudIsOnAnotherContinentMoreThan2000KmFromHome() throws {
        let location = Self.records(of: .location)
        try #require(!location.isEmpty)
        var problems: [String] = []
        for record in location {
            let id = record.string("transaction_id") ?? "?"
            guard let user = Self.user(of: record), let city = record.city else { problems.append("\(id): unknown user or city"); continue }
            let home = City.all[user.homeCity]
            let distance = city.distanceKm(to: home)
            if city.continent == home.continent || distance <= 2_000 {
                problems.append("\(id): \(city.name) (\(city.continent)) vs home \(home.name) (\(home.continent)), \(Int(distance)) km")
            }
        }
        expectNoProblems(problems, "location fraud near home")
    }

    /// The framework: "5-20x normal amounts or micro-transactions". About 30 % are a card tester's micro-transaction (one
    /// unit of one of the cheapest products, a subtotal under a tenth of the median basket), the rest at least 3 times it.
    @Test func amountFraudIsFarAboveTheMedianOrAMicroTransaction() throws {
        let legitimate = Self.transactions.filter { $0["is_fraud"]?.boolValue == false }.compactMap { $0.cents("total_amount") }.sorted()
        try #require(!legitimate.isEmpty)
        let median = legitimate[legitimate.count / 2]
        let amounts = Self.records(of: .amount)
        try #require(!amounts.isEmpty)
        var problems: [String] = []
        var micro = 0
        for record in amounts {
            let total = record.cents("total_amount") ?? 0, subtotal = record.cents("subtotal") ?? 0
            let units = (record["products"]?.arrayValue ?? []).compactMap { $0["quantity"]?.intValue }
            if subtotal * 10 <= median && units == [1] {
                micro += 1
            } else if total < 3 * median {
                problems.append("\(record.string("transaction_id") ?? "?"): \(Double(total) / 100) USD")
            }
        }
        expectNoProblems(problems, "amount fraud neither 3x the legitimate median of \(Double(median) / 100) USD nor a micro-transaction")
        let share = Double(micro) / Double(amounts.count)
        #expect(abs(share - 0.3) < 0.05, "\(micro) of \(amounts.count) amount frauds are micro-transactions: \(percent(share))")
    }

    /// The framework: "User Types: Regular (70%), VIP (5%), New (25%) with different patterns". VIP customers buy more
    /// and dearer (median basket above twice the regular one's), new customers less.
    @Test func userTypesBuyDifferently() throws {
        var totals: [String: [Int64]] = [:]
        for record in Self.transactions where record["is_fraud"]?.boolValue == false {
            totals[record.string("user_type") ?? "?", default: []].append(record.cents("total_amount") ?? 0)
        }
        func median(_ type: UserType) throws -> Int64 {
            let values = try #require(totals[type.rawValue]).sorted()
            return values[values.count / 2]
        }
        let (regular, vip, new) = (try median(.regular), try median(.vip), try median(.new))
        #expect(vip > 2 * regular && new < regular, "median baskets: regular \(regular), VIP \(vip), new \(new) cents")
    }

    @Test func deviceFraudUsesANewDeviceTheUserDoesNotOwn() throws {
        let device = Self.records(of: .device)
        try #require(!device.isEmpty)
        var problems: [String] = []
        for record in device {
            let id = record.string("transaction_id") ?? "?"
            guard let user = Self.user(of: record), let info = record["device_info"] else { problems.append("\(id): no user or device"); continue }
            let owned = Set(user.devices.map { deviceID($0.id) })
            let used = info.string("device_id") ?? ""
            if owned.contains(used) { problems.append("\(id): \(used) is one of the user's devices") }
            if info["is_new_device"]?.boolValue != true { problems.append("\(id): is_new_device is not true") }
        }
        expectNoProblems(problems, "device fraud")
    }

    @Test func legitimateTransactionsUseOneOfTheUsersDevices() {
        var problems: [String] = []
        for record in Self.transactions where record["is_fraud"]?.boolValue == false {
            let id = record.string("transaction_id") ?? "?"
            guard let user = Self.user(of: record) else { problems.append("\(id): unknown user"); continue }
            let used = record["device_info"]?.string("device_id") ?? ""
            if !user.devices.contains(where: { deviceID($0.id) == used }) { problems.append("\(id): \(used) not owned") }
        }
        expectNoProblems(problems, "legitimate transactions on unknown devices")
    }

    @Test func patternFraudBuysOnlyOutsideThePreferredCategories() throws {
        let pattern = Self.records(of: .pattern)
        try #require(!pattern.isEmpty)
        let names = TestData.config.categories
        var problems: [String] = []
        for record in pattern {
            let id = record.string("transaction_id") ?? "?"
            guard let user = Self.user(of: record), let products = record["products"]?.arrayValue, !products.isEmpty
            else { problems.append("\(id): no user or products"); continue }
            let preferred = Set(user.preferredCategories.map { names[$0] })
            for product in products where preferred.contains(product.string("category") ?? "") {
                problems.append("\(id): \(product.string("category") ?? "?") is preferred")
            }
        }
        expectNoProblems(problems, "pattern fraud in preferred categories")
    }

    @Test func fraudFlagsTypeAndScoreAgree() {
        var problems: [String] = []
        for record in Self.transactions {
            let id = record.string("transaction_id") ?? "?"
            switch record["is_fraud"]?.boolValue {
            case true?:
                if record.string("fraud_type").flatMap(FraudType.init(rawValue:)) == nil { problems.append("\(id): fraud without a fraud_type") }
                let score = record["fraud_score"]?.doubleValue ?? -1
                if score < 0.65 { problems.append("\(id): fraud with score \(score)") }
            case false?:
                if record["fraud_type"] != .null { problems.append("\(id): legitimate with fraud_type \(String(describing: record["fraud_type"]))") }
            case nil:
                problems.append("\(id): is_fraud missing")
            }
        }
        expectNoProblems(problems, "fraud flags, types and scores disagree")
    }

    @Test func fraudRateIsTenPercentAndTheKindMixFollowsConfig() throws {
        let fraud = Self.transactions.filter { $0["is_fraud"]?.boolValue == true }
        let rate = Double(fraud.count) / Double(Self.transactions.count)
        #expect(abs(rate - 0.10) <= 0.01, "fraud rate \(percent(rate)) of \(Self.transactions.count)")
        try #require(!fraud.isEmpty)
        var counts: [String: Int] = [:]
        for record in fraud { counts[record.string("fraud_type") ?? "<none>", default: 0] += 1 }
        for kind in FraudType.allCases {
            let share = Double(counts[kind.rawValue] ?? 0) / Double(fraud.count)
            let configured = TestData.config.fraudPatterns[kind] ?? 0
            #expect(abs(share - configured) <= 0.03,
                    "\(kind.rawValue): \(counts[kind.rawValue] ?? 0) of \(fraud.count) fraud records = \(percent(share)), configured \(percent(configured))")
        }
    }

    // MARK: Alerts raised by transactions

    @Test func everyAlertFollowsAnExistingTransactionAndAgreesWithIt() throws {
        let alerts = TestData.fraud.alerts
        try #require(!alerts.isEmpty)
        var byID: [String: JSONValue] = [:]
        for record in Self.transactions { byID[record.string("transaction_id") ?? ""] = record }
        var problems: [String] = []
        for alert in alerts {
            let id = alert.string("transaction_id") ?? "?"
            guard let transaction = byID[id] else { problems.append("\(alert.string("alert_id") ?? "?"): unknown \(id)"); continue }
            guard let raised = alert.timestamp, let happened = transaction.timestamp else { problems.append("\(id): bad timestamps"); continue }
            if raised <= happened { problems.append("\(id): alert at \(raised) not after transaction at \(happened)") }
            if alert["is_fraud"]?.boolValue != transaction["is_fraud"]?.boolValue { problems.append("\(id): is_fraud disagrees") }
            if alert.string("user_id") != transaction.string("user_id") { problems.append("\(id): user_id disagrees") }
            if alert.cents("amount") != transaction.cents("total_amount") { problems.append("\(id): amount disagrees") }
        }
        expectNoProblems(problems, "alerts disagree with their transactions")
    }

    @Test func everyFraudulentTransactionRaisesAnAlert() {
        let alerted = Set(TestData.fraud.alerts.compactMap { $0.string("transaction_id") })
        let missing = Self.transactions
            .filter { $0["is_fraud"]?.boolValue == true && !alerted.contains($0.string("transaction_id") ?? "") }
            .map { $0.string("transaction_id") ?? "?" }
        expectNoProblems(missing, "fraudulent transactions without an alert")
        #expect(Set(TestData.fraud.alerts.compactMap { $0.string("alert_id") }).count == TestData.fraud.alerts.count, "alert IDs repeat")
    }
}

/// At a fraud rate where a block of the plan holds less than one burst's worth of velocity records (2% over 28 days:
/// about 0.8 per hour's block), bursts still take every size from 5 to 15, 10 on average, as they do when frauds are
/// many: a block's velocity count cut into bursts gave bursts of 5 and nothing else.
@Test func velocityBurstsAreOfFiveToFifteenRecordsWhenFraudIsRare() throws {
    let config = try ConfigLoader.load(path: nil, overrides: ["fraud_rate=0.02"])
    let generator = ECommerceDataGenerator(config: config, seed: 42)
    let velocity = TestData.parse(TestData.lines(generator, type: .transactions, count: 100_000))
        .filter { $0["is_fraud"]?.boolValue == true && $0.string("fraud_type") == FraudType.velocity.rawValue }
    var byUser: [String: [Int64]] = [:]
    for record in velocity {
        byUser[record.string("user_id") ?? "?", default: []].append(try #require(record.timestamp).milliseconds)
    }
    // Bursts: runs of a user's velocity records with gaps under 5 minutes.
    var sizes: [Int] = []
    for times in byUser.values {
        var size = 0, last = Int64.min
        for time in times.sorted() {
            if size > 0 && time - last > 300_000 {
                sizes.append(size)
                size = 0
            }
            size += 1
            last = time
        }
        sizes.append(size)
    }
    try #require(sizes.count >= 30, "\(sizes.count) bursts")
    #expect(sizes.allSatisfy { (5...15).contains($0) }, "\(sizes.sorted())")
    let mean = Double(sizes.reduce(0, +)) / Double(sizes.count)
    #expect((8.5...11.5).contains(mean), "mean burst \(mean): \(sizes.sorted())")
    #expect(Set(sizes).count >= 8, "burst sizes \(Set(sizes).sorted())")
}

/// With cities in America and Europe only, most 15-minute slots have no zone at 02:00-04:00, where a time fraud must
/// be: the slots that have one take more time frauds, so that the kind mix is the configured one over the run (time
/// frauds had become amount frauds: 6.7 % time and 27.6 % amount against 15 % and 20 %), each still at night locally.
@Test func theFraudMixHoldsWhenFewSlotsHaveANight() throws {
    let config = try ConfigLoader.load(text: "regions:\n  North America: {weight: 0.5}\n  Europe: {weight: 0.5}\n", file: "two-regions.yaml")
    let generator = ECommerceDataGenerator(config: config, seed: 3, scenario: .fraudTesting)
    let fraud = TestData.parse(TestData.lines(generator, type: .transactions, count: 50_000)).filter { $0["is_fraud"]?.boolValue == true }
    try #require(fraud.count > 3_000)
    for kind in [FraudType.time, .amount] {
        let share = Double(fraud.filter { $0.string("fraud_type") == kind.rawValue }.count) / Double(fraud.count)
        let configured = config.fraudPatterns[kind] ?? 0
        #expect(abs(share - configured) <= 0.025, "\(kind.rawValue): \(percent(share)) of \(fraud.count) frauds, configured \(percent(configured))")
    }
}

/// With three categories a user prefers two at most, so a pattern fraud always has a category outside them (a user
/// preferring all three made one buy from its own).
@Test func aUserLeavesACategoryUnpreferred() throws {
    let config = try ConfigLoader.load(text: "categories: [Electronics, Fashion, Home]\nprice_ranges: {Electronics: [50, 2000], Fashion: [20, 500], Home: [10, 1000]}\n",
                                       file: "three.yaml")
    let generator = ECommerceDataGenerator(config: config, seed: 4, scenario: .fraudTesting)
    #expect(generator.catalog.users.allSatisfy { (1...2).contains($0.preferredCategories.count) })
    let patterns = TestData.parse(TestData.lines(generator, type: .transactions, count: 20_000))
        .filter { $0.string("fraud_type") == FraudType.pattern.rawValue }
    try #require(patterns.count > 50)
    for record in patterns {
        let user = try #require(catalogIndex(record.string("user_id"), prefix: "user_").map { generator.catalog.users[$0] })
        let preferred = Set(user.preferredCategories.map { config.categories[$0] })
        let bought = (record["products"]?.arrayValue ?? []).compactMap { $0.string("category") }
        #expect(!bought.contains(where: preferred.contains), "\(record.string("transaction_id") ?? ""): \(bought) of \(preferred)")
    }
}
