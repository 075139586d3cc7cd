import EcomJSON
import Foundation

/// A realistic `ecomdata.report/v1` document built in code: every family, every status, distributions of every
/// kind, and hostile strings where data reaches the report (a city, a category, an example message, a reason).
/// `fixtures/reports/sample-report.json` is this document, pretty-printed; `fixtureMatchesSampleReport` keeps
/// the two equal (run with `ECOMDATA_UPDATE_FIXTURES=1` to rewrite the file after a deliberate change).
enum SampleReport {
    static let script = "<script>alert(1)</script>"
    static let quotes = "\"quoted\" & 'apos'"
    static let scriptEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    static let quotesEscaped = "&quot;quoted&quot; &amp; &#39;apos&#39;"

    /// Where a hostile string can enter the report from the data.
    enum Place: String, CaseIterable, Sendable {
        case city, category, exampleMessage, reason
    }

    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/reports/sample-report.json")

    static let repositoryRoot = fixtureURL.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The sample; `hostileIn` limits the hostile strings to those places (all of them by default),
    /// `examplesPerCheck` gives every check that many examples (the format caps them at 20; more tests the renderer's
    /// cap), and `oversized` puts more in the distributions than the format allows (2,500 points, 1,500 days, 120
    /// categories, 400 bins) to test the renderer's own caps.
    static func make(hostileIn places: Set<Place> = Set(Place.allCases), examplesPerCheck: Int? = nil,
                     oversized: Bool = false) -> JSONValue
    {
        let checks = checks(hostileIn: places, examplesPerCheck: examplesPerCheck)
        func tally(_ status: String) -> JSONValue { .int(Int64(checks.filter { $0["status"]?.stringValue == status }.count)) }
        let gatesFailed = checks.filter { $0["status"]?.stringValue == "fail" && $0["gating"]?.boolValue == true }.count
        return object(
            ("format", "ecomdata.report/v1"),
            ("run", run),
            ("verdict", gatesFailed > 0 ? "fail" : "warn"),
            ("summary", object(
                ("records", .int(150_110)), ("checks", .int(Int64(checks.count))), ("pass", tally("pass")),
                ("warn", tally("warn")), ("fail", tally("fail")), ("inconclusive", tally("inconclusive")),
                ("gates_failed", .int(Int64(gatesFailed))))),
            ("checks", .array(checks)),
            ("distributions", distributions(hostileIn: places, oversized: oversized)))
    }

    // MARK: Run

    static let run = object(
        ("tool", "ecomdata"), ("tool_version", "0.9.0"),
        ("started", "2024-09-30T10:15:02.123Z"), ("finished", "2024-09-30T10:15:14.607Z"), ("seconds", .double(12.484)),
        ("command", .array(["ecomdata", "validate", "out/", "--json", "reports/validation.json", "--seed", "42"])),
        ("inputs", .array([
            input("out/transactions.ndjson", "transactions", 100_000, 61_234_880, 0),
            input("out/user_events.ndjson", "user_events", 50_000, 19_872_311, 2),
            input("ecommerce.fraud_alerts/0", "fraud_alerts", 110, 48_220, 0),
        ])),
        ("config_sha256", "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"),
        ("seed", .int(42)),
        ("window", object(("start", "2024-09-02T00:00:00.000Z"), ("end", "2024-09-30T00:00:00.000Z"))),
        ("gates", .null), ("fail_on", "fail"))

    private static func input(_ source: String, _ type: String, _ records: Int64, _ bytes: Int64, _ bad: Int64) -> JSONValue {
        object(("source", .string(source)), ("type", .string(type)), ("records", .int(records)), ("bytes", .int(bytes)),
               ("unparseable", .int(bad)))
    }

    // MARK: Checks

    static func checks(hostileIn places: Set<Place>, examplesPerCheck: Int?) -> [JSONValue] {
        let hostileCity = places.contains(.city) ? script : "Springfield"
        let hostileMessage = places.contains(.exampleMessage) ? " near \(script) \(quotes)" : ""
        let hostileReason = places.contains(.reason) ? " First bad value: \(script) \(quotes)" : ""
        var checks: [JSONValue] = [
            check("business.amount_in_category_range", "transactions", "Amounts lie in their category's price range",
                  status: "warn", reason: "37 amounts lie outside their category's price range; the gate allows 0 but the check does not gate.",
                  gating: false, checked: 100_000, violations: 37,
                  examples: (0..<5).map { i in
                      example(file: "out/transactions.ndjson", line: 1_204 + i * 977, id: "txn_\(100_482 + i * 977)",
                              message: "amount \(twoDecimals(2_890.5 + Double(i) * 13.25)) outside electronics range 5.00–2,500.00")
                  }),
            check("business.fraud_rate", "transactions", "Fraud rate matches the scenario",
                  status: "pass", checked: 100_000,
                  statistic: statistic(observed: 0.0011, expected: 0.001, tolerance: 0.0005, interval: [0.00091, 0.00133],
                                       test: "binomial", value: 110, p: 0.3124, effect: 0.0031, effectName: "cohens_h")),
            check("coordinates.in_city_radius", "transactions", "Coordinates lie within 50 km of the record's city",
                  status: "fail", reason: "12 transactions lie farther than 50 km from their city.", gating: true,
                  checked: 100_000, violations: 12,
                  examples: (0..<12).map { i in
                      example(file: "out/transactions.ndjson", line: 310 + i * 7_919, id: "txn_\(200_310 + i * 7_919)",
                              message: "\(twoDecimals(83.4 + Double(i) * 11.2)) km from \(i == 0 ? hostileCity : "Lyon")\(i == 1 ? hostileMessage : "")")
                  }),
            check("coordinates.valid_range", "transactions", "Latitude and longitude are in range", status: "pass", checked: 100_000),
            check("distribution.categories", "transactions", "Category split matches the catalog weights",
                  status: "inconclusive",
                  reason: "3 categories expect fewer than 5 records each; the chi-square test needs at least 5.", checked: 100_000),
            check("distribution.local_hour", "transactions", "Hour-of-day profile matches the temporal pattern",
                  status: "warn", reason: "The 14:00 share is 0.8 percentage points above the expected curve, within the gate but past the warning line.",
                  gating: false, checked: 100_000,
                  statistic: statistic(observed: 0.0081, expected: 0, tolerance: 0.01, interval: nil, test: "chi-square",
                                       value: 61.2, p: 0.00002, effect: 0.0081, effectName: "max_abs_share_difference")),
            check("distribution.regions", "transactions", "Region split matches the configured shares",
                  status: "fail", reason: "EU is 4.2 percentage points below its configured share of 30 %.\(hostileReason)",
                  gating: true, checked: 100_000,
                  statistic: statistic(observed: 0.042, expected: 0, tolerance: 0.02, interval: nil, test: "chi-square",
                                       value: 912.4, p: 0.0, effect: 0.042, effectName: "max_abs_share_difference",
                                       categories: [
                                           category("NA", 44_100, 0.441, 0.40, [0.4379, 0.4441]),
                                           category("EU", 25_800, 0.258, 0.30, [0.2553, 0.2607]),
                                           category("APAC", 24_100, 0.241, 0.25, [0.2384, 0.2436]),
                                           category("LATAM", 6_000, 0.06, 0.05, [0.0586, 0.0615]),
                                       ])),
            check("distribution.user_types", "transactions", "User type split matches the configured shares",
                  status: "pass", checked: 100_000,
                  statistic: statistic(observed: 0.004, expected: 0, tolerance: 0.02, interval: nil, test: "chi-square",
                                       value: 7.9, p: 0.048, effect: 0.004, effectName: "max_abs_share_difference",
                                       categories: [
                                           category("new", 19_800, 0.198, 0.20, [0.1955, 0.2005]),
                                           category("returning", 60_400, 0.604, 0.60, [0.601, 0.607]),
                                           category("vip", 19_800, 0.198, 0.20, [0.1955, 0.2005]),
                                       ])),
            check("referential.product_id", "transactions", "Every product_id is in the product catalog", status: "pass", checked: 100_000),
            check("referential.user_id", "transactions", "Every user_id is in the user catalog",
                  status: "fail", reason: "3 transactions name users the catalog does not have.", gating: true,
                  checked: 100_000, violations: 3,
                  examples: (0..<3).map { i in
                      example(topic: "ecommerce.transactions", partition: i, offset: 88_231 + Int64(i) * 4_101,
                              id: "txn_\(300_000 + i)", message: "user_id usr_9999\(i) is not in users.ndjson")
                  }),
            check("schema.required_fields", nil, "Every record has its type's required fields", status: "pass", checked: 150_110),
            check("schema.types", "user_events", "Every field has its schema type",
                  status: "fail", reason: "2 user events could not be parsed as JSON.", gating: false,
                  checked: 50_000, violations: 2,
                  examples: [
                      example(file: "out/user_events.ndjson", line: 7, id: nil, message: "unterminated string at column 181"),
                      example(file: "out/user_events.ndjson", line: 40_112, id: "evt_40112", message: "timestamp is a number, expected a string"),
                  ]),
            check("temporal.weekday_profile", "user_events", "Weekday profile matches the temporal pattern",
                  status: "inconclusive", reason: "The window holds 4 of each weekday; at least 8 weeks are needed to judge the profile.",
                  checked: 50_000),
            check("temporal.within_window", nil, "Timestamps lie inside the generation window", status: "pass", checked: 150_110),
        ]
        if let examplesPerCheck {
            checks = checks.map { check in
                replacing(check, "examples", .array((0..<examplesPerCheck).map { i in
                    example(file: "out/transactions.ndjson", line: i + 1, id: "txn_\(i)",
                            message: String(repeating: "a long message about what is wrong with this record \(script) ", count: 12))
                }))
            }
        }
        return checks
    }

    static func check(_ id: String, _ recordType: String?, _ title: String, status: String, reason: String? = nil,
                      gating: Bool = true, checked: Int64, violations: Int64 = 0, statistic: JSONValue = .null,
                      examples: [JSONValue] = []) -> JSONValue
    {
        object(("id", .string(id)), ("family", .string(String(id.prefix { $0 != "." }))),
               ("record_type", recordType.map(JSONValue.string) ?? .null), ("title", .string(title)),
               ("status", .string(status)), ("reason", reason.map(JSONValue.string) ?? .null), ("gating", .bool(gating)),
               ("checked", .int(checked)), ("violations", .int(violations)), ("max_violations", .int(0)),
               ("statistic", statistic), ("examples", .array(examples)))
    }

    static func statistic(observed: Double, expected: Double, tolerance: Double, interval: [Double]?, test: String,
                          value: Double, p: Double, effect: Double, effectName: String, categories: [JSONValue]? = nil) -> JSONValue
    {
        var members: [(String, JSONValue)] = [
            ("observed", .double(observed)), ("expected", .double(expected)), ("tolerance", .double(tolerance)),
            ("interval", interval.map { .array($0.map(JSONValue.double)) } ?? .null), ("test", .string(test)),
            ("value", .double(value)), ("p_value", .double(p)), ("effect_size", .double(effect)), ("effect", .string(effectName)),
        ]
        if let categories { members.append(("categories", .array(categories))) }
        return .object(members)
    }

    static func category(_ name: String, _ count: Int64, _ observed: Double, _ expected: Double, _ interval: [Double]) -> JSONValue {
        object(("name", .string(name)), ("observed_count", .int(count)), ("observed", .double(observed)),
               ("expected", .double(expected)), ("interval", .array(interval.map(JSONValue.double))))
    }

    static func example(file: String, line: Int, id: String?, message: String) -> JSONValue {
        object(("location", object(("file", .string(file)), ("line", .int(Int64(line))))),
               ("id", id.map(JSONValue.string) ?? .null), ("message", .string(message)))
    }

    static func example(topic: String, partition: Int, offset: Int64, id: String?, message: String) -> JSONValue {
        object(("location", object(("topic", .string(topic)), ("partition", .int(Int64(partition))), ("offset", .int(offset)))),
               ("id", id.map(JSONValue.string) ?? .null), ("message", .string(message)))
    }

    // MARK: Distributions

    static func distributions(hostileIn places: Set<Place>, oversized: Bool) -> JSONValue {
        let hostileCategory = places.contains(.category)
        let hostileCity = places.contains(.city)
        var random = SampleRandom(seed: 42)
        let hourShape: [Double] = [0.8, 0.5, 0.35, 0.3, 0.3, 0.45, 0.9, 1.8, 3.2, 4.6, 5.4, 6.0,
                                   6.6, 6.9, 7.2, 6.8, 6.3, 6.0, 6.2, 6.8, 7.0, 5.9, 3.9, 2.1]
        let hourTotal = hourShape.reduce(0, +)
        let hourExpected = hourShape.map { rounded($0 / hourTotal) }
        let hourCounts = hourExpected.enumerated().map { Int64(Double(100_000) * $0.element * ($0.offset == 14 ? 1.12 : 1.0)) }
        let weekdayExpected = [0.138, 0.136, 0.137, 0.14, 0.149, 0.153, 0.147]
        let weekdayCounts: [Int64] = [13_950, 13_480, 13_790, 14_120, 14_770, 15_400, 14_490]

        let categories: [(String, Double, Double, Double)] = [
            ("electronics", 0.25, 5, 2_500), ("clothing", 0.2, 3, 400), ("home_garden", 0.15, 4, 1_200),
            ("books", 0.1, 2, 120), ("sports", 0.1, 5, 900), ("beauty", 0.08, 2, 250),
            (hostileCategory ? script : "toys", 0.07, 3, 300), (hostileCategory ? quotes : "grocery", 0.05, 1, 150),
        ]
        var categoryCounts: [(String, JSONValue)] = []
        var categoryExpected: [(String, JSONValue)] = []
        var amounts: [(String, JSONValue)] = []
        for (name, share, low, high) in categories {
            let count = Int64(100_000 * share * (name == "electronics" ? 1.04 : 0.99))
            categoryCounts.append((name, .int(count)))
            categoryExpected.append((name, .double(share)))
            let top = high * 1.3
            let bins = 20
            let edges = (0...bins).map { rounded(Double($0) * top / Double(bins), 2) }
            var counts: [Int64] = (0..<bins).map { bin in
                let mid = (Double(bin) + 0.5) * top / Double(bins)
                let density = exp(-pow(log(max(mid, 0.5)) - log(high / 6), 2) / 1.4)
                return mid > high ? 0 : Int64(Double(count) * density / 6)
            }
            if name == "electronics" { counts[bins - 2] = 25; counts[bins - 1] = 12 }
            amounts.append((name, object(("edges", .array(edges.map(JSONValue.double))), ("counts", .array(counts.map(JSONValue.int))),
                                         ("min", .double(low)), ("max", .double(name == "electronics" ? 3_197.5 : rounded(high * 0.97, 2))),
                                         ("expected_range", .array([.double(low), .double(high)])))))
        }

        if oversized {
            let edges = (0...400).map { JSONValue.double(Double($0)) }
            let counts = (0..<400).map { JSONValue.int(Int64(1_000 + $0 % 37)) }
            amounts.append(("every_bin", object(("edges", .array(edges)), ("counts", .array(counts)), ("min", .double(0)),
                                                ("max", .double(400)), ("expected_range", .array([.double(10), .double(390)])))))
            for index in 0..<40 { amounts.append(("category_\(index)", amounts[0].1)) }
        }

        let cities: [(String, Double, Double)] = [
            ("New York", 40.71, -74.01), ("Chicago", 41.88, -87.63), ("Los Angeles", 34.05, -118.24),
            ("São Paulo", -23.55, -46.63), ("Mexico City", 19.43, -99.13), ("London", 51.51, -0.13), ("Paris", 48.86, 2.35),
            ("Berlin", 52.52, 13.40), ("Tokyo", 35.68, 139.69), ("Singapore", 1.35, 103.82), ("Sydney", -33.87, 151.21),
            ("Mumbai", 19.08, 72.88), (hostileCity ? script : "Lyon", 45.76, 4.84), (hostileCity ? quotes : "Toronto", 43.65, -79.38),
        ]
        let pointCount = oversized ? 2_500 : 600
        let sample: [JSONValue] = (0..<pointCount).map { index in
            let city = cities[Int(random.next() % UInt64(cities.count))]
            let lat = rounded(city.1 + (random.unit() - 0.5) * 1.2, 4)
            let lon = rounded(city.2 + (random.unit() - 0.5) * 1.6, 4)
            return .array([.double(lat), .double(lon), .bool(index % 97 == 5)])
        }
        let cityCounts = cities.map { ($0.0, JSONValue.int(Int64(3_000 + Int(random.next() % 9_000)))) }

        var daily: [JSONValue] = []
        for day in 0..<(oversized ? 1_500 : 28) {
            let date = Calendar.iso.date(byAdding: .day, value: day, to: Calendar.start)!
            let weekday = (day % 7)
            var count = 3_400 + (weekday >= 4 ? 350 : 0) + Int(random.next() % 200)
            var event: JSONValue = .null
            if (10...12).contains(day % 28) { event = "back_to_school"; count = Int(Double(count) * 1.45) }
            if day % 28 == 20 { event = "flash_sale"; count *= 2 }
            daily.append(object(("date", .string(Calendar.format(date))), ("count", .int(Int64(count))), ("event", event)))
        }

        let fraudEdges = (0...20).map { JSONValue.double(rounded(Double($0) * 0.05, 2)) }
        let legitimateScores: [Int64] = [21_004, 24_880, 18_300, 11_902, 8_020, 5_410, 3_330, 2_180, 1_512, 1_013,
                                         701, 488, 302, 221, 150, 101, 70, 41, 27, 15]
        let fraudScores: [Int64] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 7, 8, 9, 10, 11, 10, 12]

        let transactions = object(
            ("count", .int(100_000)),
            ("categorical", object(
                ("regions", split([("NA", 44_100), ("EU", 25_800), ("APAC", 24_100), ("LATAM", 6_000)],
                                  expected: [("NA", 0.4), ("EU", 0.3), ("APAC", 0.25), ("LATAM", 0.05)])),
                ("payment_methods", split([("credit_card", 45_120), ("debit_card", 24_870), ("paypal", 15_030),
                                           ("apple_pay", 8_010), ("google_pay", 4_980), ("crypto", 1_990)],
                                          expected: [("credit_card", 0.45), ("debit_card", 0.25), ("paypal", 0.15),
                                                     ("apple_pay", 0.08), ("google_pay", 0.05), ("crypto", 0.02)])),
                ("categories", .object([("counts", .object(categoryCounts)), ("expected", .object(categoryExpected))])),
                ("cities", .object([("counts", .object(cityCounts)), ("expected", .null)])))),
            ("local_hour", object(("counts", .array(hourCounts.map(JSONValue.int))), ("expected", .array(hourExpected.map(JSONValue.double))))),
            ("weekday", object(("counts", .array(weekdayCounts.map(JSONValue.int))), ("expected", .array(weekdayExpected.map(JSONValue.double))))),
            ("daily", .array(daily)),
            ("amounts", .object(amounts)),
            ("coordinates", object(("sample", .array(sample)))),
            ("fraud", object(
                ("rate", .double(0.0011)), ("expected_rate", .double(0.001)),
                ("scores", object(
                    ("fraud", object(("edges", .array(fraudEdges)), ("counts", .array(fraudScores.map(JSONValue.int))))),
                    ("legitimate", object(("edges", .array(fraudEdges)), ("counts", .array(legitimateScores.map(JSONValue.int))))))),
                ("auc", .double(0.962)))))

        let userEvents = object(
            ("count", .int(50_000)),
            ("categorical", object(
                ("event_types", split([("page_view", 24_500), ("product_view", 14_800), ("add_to_cart", 5_150),
                                       ("remove_from_cart", 1_020), ("checkout_start", 2_480), ("purchase", 1_050), ("search", 1_000)],
                                      expected: nil)),
                ("devices", split([("mobile", 29_400), ("desktop", 15_300), ("tablet", 5_300)],
                                  expected: [("mobile", 0.6), ("desktop", 0.3), ("tablet", 0.1)])))),
            ("local_hour", object(("counts", .array(hourExpected.map { JSONValue.int(Int64(50_000 * $0)) })), ("expected", .null))),
            ("weekday", object(("counts", .array(weekdayCounts.map { JSONValue.int($0 / 2) })), ("expected", .array(weekdayExpected.map(JSONValue.double))))),
            ("funnel", object(("steps", .array([
                funnelStep("session_start", 12_000), funnelStep("product_view", 8_640), funnelStep("add_to_cart", 3_110),
                funnelStep("checkout_start", 1_720), funnelStep("purchase", 1_050),
            ])))))

        var alertSplits: [(String, JSONValue)] = [
            ("fraud_types", split([("card_testing", 31), ("account_takeover", 24), ("velocity", 29), ("location_mismatch", 26)],
                                  expected: [("card_testing", 0.25), ("account_takeover", 0.25), ("velocity", 0.25),
                                             ("location_mismatch", 0.25)])),
        ]
        if oversized {
            alertSplits.append(("merchants", split((0..<120).map { ("merchant_\($0)", Int64(100 + $0)) },
                                                   expected: (0..<120).map { ("merchant_\($0)", 1.0 / 120) })))
        }
        let fraudAlerts = object(("count", .int(110)), ("categorical", .object(alertSplits)))

        return object(("transactions", transactions), ("user_events", userEvents), ("fraud_alerts", fraudAlerts))
    }

    static func split(_ counts: [(String, Int64)], expected: [(String, Double)]?) -> JSONValue {
        object(("counts", .object(counts.map { ($0.0, .int($0.1)) })),
               ("expected", expected.map { .object($0.map { ($0.0, .double($0.1)) }) } ?? .null))
    }

    static func funnelStep(_ name: String, _ sessions: Int64) -> JSONValue {
        object(("name", .string(name)), ("sessions", .int(sessions)))
    }

    // MARK: Building blocks

    static func object(_ members: (String, JSONValue)...) -> JSONValue { .object(members) }

    static func replacing(_ value: JSONValue, _ key: String, _ replacement: JSONValue) -> JSONValue {
        .object((value.objectValue ?? []).map { $0.0 == key ? ($0.0, replacement) : $0 })
    }

    static func twoDecimals(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Rounded to `digits` decimals, so that the value survives the 15-digit JSON round trip unchanged.
    static func rounded(_ value: Double, _ digits: Int = 5) -> Double {
        let factor = pow(10, Double(digits))
        return (value * factor).rounded() / factor
    }
}

/// SplitMix64, so the sample is the same on every run and platform.
struct SampleRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}


extension Calendar {
    static let iso: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static let start = iso.date(from: DateComponents(year: 2024, month: 9, day: 2))!

    static func format(_ date: Date) -> String {
        let parts = iso.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
