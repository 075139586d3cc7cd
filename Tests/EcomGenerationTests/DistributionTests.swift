import EcomGeneration
import EcomJSON
import EcomModel
import Testing

/// Mixes and time patterns of 100,000 normal-traffic transactions over the default window.
@Suite("Distributions of 100k transactions")
struct DistributionTests {
    /// Promised tolerance on a share, in absolute terms (1 percentage point).
    static let shareTolerance = 0.01

    /// Local date and hour of every transaction of the sample, in its `location.timezone` at its timestamp.
    static let localTimes: [(day: Int64, hour: Int)?] = TestData.transactions.map(Geography.localDayAndHour(of:))

    /// Shares of each value of `field` among `records`.
    static func shares(_ records: [JSONValue], _ value: (JSONValue) -> String?) -> [String: Double] {
        var counts: [String: Int] = [:]
        for record in records { counts[value(record) ?? "<missing>", default: 0] += 1 }
        return counts.mapValues { Double($0) / Double(records.count) }
    }

    /// Checks every expected share (and that nothing unexpected appears) within the tolerance.
    static func expectShares(_ measured: [String: Double], _ expected: [String: Double], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
            let got = measured[key] ?? 0
            #expect(abs(got - want) <= shareTolerance,
                    "\(what) \(key): measured \(percent(got)), configured \(percent(want))", sourceLocation: sourceLocation)
        }
        let unexpected = measured.keys.filter { expected[$0] == nil }.sorted()
        #expect(unexpected.isEmpty, "\(what): unexpected values \(unexpected)", sourceLocation: sourceLocation)
    }

    @Test func sampleHasTheRequestedSize() {
        #expect(TestData.transactions.count == 100_000)
    }

    @Test func regionSharesOfLegitimateTransactionsMatchConfiguredWeights() {
        let legitimate = TestData.transactions.filter { $0["is_fraud"]?.boolValue == false }
        #expect(legitimate.count > 99_000)
        let measured = Self.shares(legitimate) { $0["location"]?.string("region") }
        let expected = Dictionary(uniqueKeysWithValues: TestData.config.regions.map { ($0.key.rawValue, $0.value.weight) })
        Self.expectShares(measured, expected, "region")
    }

    @Test func deviceTypeSharesMatchConfiguredMix() {
        let measured = Self.shares(TestData.transactions) { $0["device_info"]?.string("device_type") }
        let expected = Dictionary(uniqueKeysWithValues: TestData.config.devices.map { ($0.key.rawValue, $0.value) })
        Self.expectShares(measured, expected, "device type")
    }

    @Test func userTypeSharesAreSeventyRegularFiveVipTwentyFiveNew() {
        let measured = Self.shares(TestData.transactions) { $0.string("user_type") }
        Self.expectShares(measured, ["regular": 0.70, "vip": 0.05, "new": 0.25], "user type")
    }

    @Test func paymentMethodSharesMatchConfiguredMix() {
        let measured = Self.shares(TestData.transactions) { $0.string("payment_method") }
        let expected = Dictionary(uniqueKeysWithValues: TestData.config.paymentMethods.map { ($0.key.rawValue, $0.value) })
        Self.expectShares(measured, expected, "payment method")
    }

    @Test func weekendDaysCarryOneAndAHalfTimesAWeekdayInLocalTime() throws {
        var perDay: [Int64: Int] = [:]
        var unplaced = 0
        for local in Self.localTimes {
            guard let local else { unplaced += 1; continue }
            perDay[local.day, default: 0] += 1
        }
        #expect(unplaced == 0)
        // The first and last local dates are partial (time zones on either side of UTC).
        let days = perDay.keys.sorted().dropFirst().dropLast()
        let weekend = days.filter { CivilDate.weekday(daysSinceEpoch: $0) >= 5 }
        let weekdays = days.filter { CivilDate.weekday(daysSinceEpoch: $0) < 5 }
        try #require(!weekend.isEmpty && !weekdays.isEmpty)
        let weekendMean = Double(weekend.reduce(0) { $0 + perDay[$1]! }) / Double(weekend.count)
        let weekdayMean = Double(weekdays.reduce(0) { $0 + perDay[$1]! }) / Double(weekdays.count)
        let ratio = weekendMean / weekdayMean
        #expect(abs(ratio - TestData.config.weekendMultiplier) <= 0.1,
                "weekend/weekday per-day ratio \(ratio) (weekend mean \(weekendMean) over \(weekend.count) days, weekday mean \(weekdayMean) over \(weekdays.count) days)")
    }

    @Test func businessHoursHoldMostActivityAndNightsLittle() {
        var business = 0, night = 0, placed = 0
        for local in Self.localTimes {
            guard let hour = local?.hour else { continue }
            placed += 1
            if (9...21).contains(hour) { business += 1 }
            if (0...5).contains(hour) { night += 1 }
        }
        #expect(placed == TestData.transactions.count)
        let businessShare = Double(business) / Double(placed)
        let nightShare = Double(night) / Double(placed)
        #expect(businessShare > 0.75, "share at local 09:00-21:59 is \(percent(businessShare))")
        #expect(nightShare < 0.10, "share at local 00:00-05:59 is \(percent(nightShare))")
    }
}

/// The framework's "User Demographics: Age groups" and "category preferences based on demographics": users' age bands
/// follow the configured mix, and a band prefers its categories more often than another band does (Books among the
/// over-55s, Clothing among the 18-24s); `age_groups` reweights the bands.
@Test func ageGroupsFollowTheirMixAndLeanPreferences() throws {
    let catalog = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42).catalog
    let config = DataGenerationConfig()
    var counts: [AgeGroup: Int] = [:]
    var prefers: [AgeGroup: [String: Int]] = [:]
    for user in catalog.users {
        counts[user.ageGroup, default: 0] += 1
        for category in user.preferredCategories { prefers[user.ageGroup, default: [:]][config.categories[category], default: 0] += 1 }
    }
    for group in AgeGroup.allCases {
        let share = Double(counts[group] ?? 0) / Double(catalog.users.count)
        #expect(abs(share - (config.ageGroups[group] ?? 0)) < 0.015, "\(group.rawValue): \(share)")
    }
    func rate(_ group: AgeGroup, _ category: String) -> Double { Double(prefers[group]?[category] ?? 0) / Double(counts[group] ?? 1) }
    #expect(rate(.from55, "Books") > 1.3 * rate(.from18To24, "Books"))
    #expect(rate(.from18To24, "Clothing") > 1.5 * rate(.from55, "Clothing"))
    let young = try ConfigLoader.load(path: nil, overrides: ["age_groups={18-24: 0.9, 25-34: 0.1, 35-44: 0, 45-54: 0, 55+: 0}"])
    let users = ECommerceDataGenerator(config: young, seed: 42).catalog.users
    #expect(users.allSatisfy { $0.ageGroup == .from18To24 || $0.ageGroup == .from25To34 })
    #expect(Double(users.filter { $0.ageGroup == .from18To24 }.count) / Double(users.count) > 0.87)
}

/// Analytics results describe the run's traffic: over a day, the global order counts add up to the transactions written
/// over their windows (within 10 %), under each scenario and rate multiplier, as `historical` writes them; they followed
/// the configured rate alone (828 orders a window whatever the scenario, against 5 to 191 transactions there).
@Test(arguments: [(Scenario.normalTraffic, 0.05), (.peakTraffic, 0.05), (.maintenanceMode, 1.0), (.normalTraffic, 0.2)])
func analyticsOrdersAreTheRunsTransactions(scenario: Scenario, multiplier: Double) throws {
    let day = (start: Timestamp(civil: CivilDate(year: 2024, month: 9, day: 2)), end: Timestamp(civil: CivilDate(year: 2024, month: 9, day: 3)))
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 5, scenario: scenario, window: day)
    func lines(_ type: RecordType) throws -> [JSONValue] {
        let collector = RecordCollector()
        let count = generator.expectedCount(type: type, start: day.start, end: day.end, rateMultiplier: multiplier)
        try generator.write(type: type, count: count, start: day.start, end: day.end, to: collector, rateMultiplier: multiplier, threads: 1)
        return try collector.lines.map { try JSONValue.parse($0) }
    }
    var perWindow: [Int64: Int] = [:]
    for transaction in try lines(.transactions) {
        let time = try #require(Timestamp(parsing: transaction["timestamp"]?.stringValue ?? ""))
        perWindow[time.milliseconds / 300_000, default: 0] += 1
    }
    var reported = 0.0, actual = 0
    for result in try lines(.analyticsResults) where result["metric_type"]?.stringValue == "order_count" && result["dimension"]?.stringValue == "global" {
        let start = try #require(Timestamp(parsing: result["window_start"]?.stringValue ?? ""))
        reported += result["value"]?.doubleValue ?? 0
        actual += perWindow[start.milliseconds / 300_000] ?? 0
    }
    try #require(actual > 200, "too few transactions in the results' windows to compare: \(actual)")
    #expect(abs(reported / Double(actual) - 1) < 0.1, "\(scenario) x\(multiplier): orders reported \(reported), transactions \(actual)")
}
