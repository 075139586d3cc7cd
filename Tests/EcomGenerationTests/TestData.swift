import EcomGeneration
import EcomJSON
import EcomModel
import Foundation
import Testing

/// Samples shared by the test files. Every sample is a lazily initialised static, so it is generated once
/// per test run (the first test that needs it pays, concurrent readers wait) and then only read.
/// All samples use the default config and the default window: 28 days from Monday 2024-09-02, whole weeks,
/// no seasonal event.
enum TestData {
    static let config = DataGenerationConfig()

    /// Seed 42, normal traffic (fraud rate 0.1%).
    static let standard = ECommerceDataGenerator(config: config, seed: 42)

    /// 100,000 transactions of `standard` over the window.
    static let transactions: [JSONValue] = parse(lines(standard, type: .transactions, count: 100_000))

    /// 50,000 user events of `standard` over the window.
    static let userEvents: [JSONValue] = parse(lines(standard, type: .userEvents, count: 50_000))

    /// Seed 42 under `fraud_testing` (10% fraud).
    static let fraudGenerator = ECommerceDataGenerator(config: config, seed: 42, scenario: .fraudTesting)

    /// 50,000 `fraud_testing` transactions and the alerts they raised, from one `write(type: .transactions, alerts:)`.
    static let fraud: (transactions: [JSONValue], alerts: [JSONValue]) = {
        let transactions = RecordCollector()
        let alerts = RecordCollector()
        let generator = fraudGenerator
        try! generator.write(type: .transactions, count: 50_000, start: generator.window.start, end: generator.window.end,
                             to: transactions, alerts: alerts)
        return (parse(transactions.lines), parse(alerts.lines))
    }()

    /// Records per type in the determinism reference.
    static let referenceCount = 20_000

    /// `referenceCount` records of every type from `standard`, written single-threaded: the reference bytes for
    /// the determinism tests, and (parsed) the samples of the types without a bigger sample above.
    /// (The five single-threaded runs are independent, so they run side by side.)
    static let referenceLines: [RecordType: [String]] = {
        let types = RecordType.allCases
        let results = WorkerResults<[String]>(types.count)
        DispatchQueue.concurrentPerform(iterations: types.count) { index in
            results.store(index, lines(standard, type: types[index], count: referenceCount, threads: 1))
        }
        return Dictionary(uniqueKeysWithValues: zip(types, results.values))
    }()

    /// Writes `count` records of `type` over the generator's window and returns the lines.
    static func lines(_ generator: ECommerceDataGenerator, type: RecordType, count: Int,
                      threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [String] {
        let collector = RecordCollector()
        try! generator.write(type: type, count: count, start: generator.window.start, end: generator.window.end,
                             to: collector, threads: threads)
        return collector.lines
    }

    /// Parses NDJSON lines with libjansson (`JSONValue.parse`), on all cores, keeping their order.
    static func parse(_ lines: [String]) -> [JSONValue] {
        let chunks = 16
        let parts = WorkerResults<[JSONValue]>(chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let slice = lines[(lines.count * chunk / chunks)..<(lines.count * (chunk + 1) / chunks)]
            parts.store(chunk, slice.map { line in
                do { return try JSONValue.parse(line) } catch { fatalError("unparsable record \(error): \(line)") }
            })
        }
        return parts.values.flatMap { $0 }
    }
}

// MARK: - Helpers

extension JSONValue {
    /// A string member, or nil.
    func string(_ key: String) -> String? { self[key]?.stringValue }

    /// A numeric member in integer cents (rounded), or nil.
    func cents(_ key: String) -> Int64? { self[key]?.doubleValue.map { Int64(($0 * 100).rounded()) } }

    /// The `timestamp` member parsed with `Timestamp(parsing:)`.
    var timestamp: Timestamp? { string("timestamp").flatMap(Timestamp.init(parsing:)) }

    /// The `location.city` + `location.country` of a record, looked up in `City.all`.
    var city: City? {
        guard let location = self["location"], let name = location.string("city"), let country = location.string("country")
        else { return nil }
        return Geography.city(name: name, country: country)
    }
}

/// Catalog positions from IDs such as `user_000123` (position 122) or `prod_000007`.
func catalogIndex(_ id: String?, prefix: String) -> Int? {
    guard let id, id.hasPrefix(prefix), let number = Int(id.dropFirst(prefix.count)), number >= 1 else { return nil }
    return number - 1
}

enum Geography {
    /// `City.all` by name and country.
    static let cities: [String: City] = Dictionary(uniqueKeysWithValues: City.all.map { ("\($0.name)|\($0.country)", $0) })

    static func city(name: String, country: String) -> City? { cities["\(name)|\(country)"] }

    /// Every time zone of `City.all`.
    static let zones: [String: ZoneOffsets] = {
        var zones: [String: ZoneOffsets] = [:]
        for city in City.all where zones[city.timeZone] == nil {
            if let offsets = ZoneOffsets(identifier: city.timeZone) { zones[city.timeZone] = offsets }
        }
        return zones
    }()

    /// Local wall-clock milliseconds of `instant` in `zone` (nil for an unknown zone).
    static func local(_ instant: Timestamp, zone: String) -> Int64? {
        guard let offsets = zones[zone] ?? ZoneOffsets(identifier: zone) else { return nil }
        return instant.milliseconds + offsets.offsetMilliseconds(at: instant)
    }

    /// Local date (days since the epoch) and hour of a record, from its `location.timezone` at its timestamp.
    static func localDayAndHour(of record: JSONValue) -> (day: Int64, hour: Int)? {
        guard let instant = record.timestamp, let zone = record["location"]?.string("timezone"),
              let local = local(instant, zone: zone) else { return nil }
        let day = Timestamp.floorDiv(local, Timestamp.millisecondsPerDay)
        return (day, Int((local - day * Timestamp.millisecondsPerDay) / Timestamp.millisecondsPerHour))
    }
}

/// `dev_` + 12 lowercase hex digits, as records print `Device.id`.
func deviceID(_ id: UInt64) -> String {
    let hex = String(id, radix: 16)
    return "dev_" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
}

/// A share rounded to 4 decimals, for messages.
func percent(_ value: Double) -> String {
    let scaled = (value * 10_000).rounded() / 100
    return "\(scaled)%"
}

/// The first few items of a list of problems, for failure messages.
func sample(_ problems: [String], _ limit: Int = 5) -> String {
    "\(problems.count) problem(s), e.g. " + problems.prefix(limit).joined(separator: "; ")
}

/// Expects an empty list of problems; on failure reports how many and the first few (not the whole list).
func expectNoProblems(_ problems: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let count = problems.count
    #expect(count == 0, Comment(rawValue: "\(what): \(sample(problems))"), sourceLocation: sourceLocation)
}
