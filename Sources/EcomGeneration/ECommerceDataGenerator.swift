import EcomJSON
import EcomModel
import Foundation

/// The seed's data generator: catalogs plus the five record streams, deterministic for a seed and config
/// whatever the thread count.
public final class ECommerceDataGenerator: Sendable {
    /// The configuration in use.
    public let config: DataGenerationConfig
    /// The run seed.
    public let seed: UInt64
    /// The scenario in use.
    public let scenario: Scenario
    /// The default window (from config and scenario) and the catalog's reference instant.
    public let window: (start: Timestamp, end: Timestamp)
    /// Users, products and cities.
    public let catalog: Catalog
    let context: GenerationContext

    /// The fraud rate in force (the configured one, or the scenario's).
    public var fraudRate: Double { context.fraudRate }
    /// The median basket (sum of a legitimate transaction's lines) in cents; amount fraud is several times it.
    public var medianBasketCents: Int64 { context.medianBasketCents }
    /// The time patterns: hourly profile, weekends, seasonal events.
    public var temporalPattern: TemporalPattern { context.pattern }

    /// The shares of traffic the model gives each region and each local hour over [start, end): the configured
    /// region weights and hourly profile as the zones' local times, weekends and events weigh them in this
    /// window (over whole weeks they are the configured ones; over a single UTC day they are not).
    ///
    /// `zones` is each time zone's share of that traffic (by position in the pattern's zones), for what depends on
    /// where users are: ``expectedShares(ofCityCounts:zones:)``.
    /// `night` is the share of the traffic in slots where some zone is at 02:00-04:00, where time frauds can be.
    /// `pattern` (default: the generator's own) is another catalog's users' (``TemporalPattern/init(config:cities:activeByCity:)``).
    ///
    /// `events` is each seasonal event's share of that traffic (its zones' slots while it runs there, at its multiplier),
    /// in ``DataGenerationConfig/sortedSeasonalEvents`` order.
    public func expectedShares(start: Int64, end: Int64, pattern: TemporalPattern? = nil)
        -> (regions: [Region: Double], localHours: [Double], zones: [Double], night: Double, events: [Double]) {
        let pattern = pattern ?? context.pattern
        let cities = catalog.cities
        let allRegions = Region.allCases
        // Each zone's traffic split over regions (by position in `Region.allCases`), by its cities' weights, and
        // the regions each zone has cities in.
        var zoneRegions: [[Double]] = []
        var zoneHas: [[Int]] = []
        for zone in pattern.zones {
            var shares = [Double](repeating: 0, count: allRegions.count)
            var has: [Int] = []
            for (city, weight) in zip(zone.cities, zone.cityWeights) {
                let region = allRegions.firstIndex(of: cities[city].region)!
                if !has.contains(region) { has.append(region) }
                shares[region] += weight / zone.weight
            }
            zoneRegions.append(shares)
            zoneHas.append(has)
        }
        var regions = [Double](repeating: 0, count: allRegions.count)
        var reached = [Bool](repeating: false, count: allRegions.count)
        var hours = [Double](repeating: 0, count: 24)
        var zones = [Double](repeating: 0, count: pattern.zones.count)
        var total = 0.0, night = 0.0
        var events = [Double](repeating: 0, count: pattern.events.count)
        for leaf in GenerationPlan.makeLeaves(pattern: pattern, start: start, end: end, uniform: false) {
            let duration = Double(leaf.end - leaf.start)
            let atNight = leaf.zoneOffsets.indices.contains { leaf.isNight($0) && pattern.zones[$0].weight > 0 }
            if atNight { night += leaf.zoneWeights.reduce(0, +) * duration }
            for zone in leaf.zoneWeights.indices where leaf.zoneWeights[zone] > 0 {
                let weight = leaf.zoneWeights[zone] * duration
                total += weight
                zones[zone] += weight
                for region in zoneHas[zone] {
                    regions[region] += weight * zoneRegions[zone][region]
                    reached[region] = true
                }
                hours[leaf.localHour(zone)] += weight
                if leaf.zoneEvents[zone] >= 0 { events[leaf.zoneEvents[zone]] += weight }
            }
        }
        guard total > 0 else { return ([:], hours, zones, 1, events) }
        var shares: [Region: Double] = [:]
        for (index, region) in allRegions.enumerated() where reached[index] { shares[region] = regions[index] / total }
        return (shares, hours.map { $0 / total }, zones.map { $0 / total }, night / total, events.map { $0 / total })
    }

    /// The fraud-kind mix the generator gives when `night` of the traffic is in slots that can hold a time fraud (see
    /// ``expectedShares(start:end:)``): the configured one, unless night slots are too few to take the time share,
    /// which the other single kinds then take in proportion (with no night at all, amount frauds take it).
    public func expectedFraudMix(night: Double) -> [FraudType: Double] {
        let mix = FraudType.allCases.map { config.fraudPatterns[$0] ?? 0 }
        let velocity = config.fraudPatterns[.velocity] ?? 0, time = config.fraudPatterns[.time] ?? 0
        let singles = 1 - velocity
        guard singles > 0, time > 0, time < singles, night < time / singles else {
            return Dictionary(uniqueKeysWithValues: zip(FraudType.allCases, mix))
        }
        var result = Dictionary(uniqueKeysWithValues: zip(FraudType.allCases, mix))
        if night <= 0 {
            result[.amount, default: 0] += time
            result[.time] = 0
            return result
        }
        // Time frauds in night slots at most: a share `night` of the single frauds; the others in proportion.
        let reached = night * singles
        let scale = (singles - reached) / (singles - time)
        for kind in FraudType.allCases where kind != .velocity && kind != .time { result[kind] = (result[kind] ?? 0) * scale }
        result[.time] = reached
        return result
    }

    /// The shares of legitimate transactions whose user is of each kind, when `counts[city]` counts each city's active
    /// users by kind (user types, say): as the generator picks a user, a zone by its traffic (`zones`, from
    /// ``expectedShares(start:end:)``), a city of it by its active users, one of those uniformly. With few users a city's
    /// mix is far from the catalog's, and the busy zones' cities weigh more.
    public func expectedShares(ofCityCounts counts: [[Int]], zones: [Double], pattern: TemporalPattern? = nil) -> [Double] {
        expectedShares(ofCityMasses: counts.map { $0.map(Double.init) }, zones: zones, pattern: pattern)
    }

    /// As ``expectedShares(ofCityCounts:zones:)``, with each active user's unit shared among kinds: `masses[city][kind]`
    /// sums, over the city's active users, the share of kind in each (a user whose baskets start in one of three
    /// preferred categories gives each a third).
    public func expectedShares(ofCityMasses masses: [[Double]], zones: [Double], pattern: TemporalPattern? = nil) -> [Double] {
        let kinds = masses.first?.count ?? 0
        var shares = [Double](repeating: 0, count: kinds)
        for (index, zone) in (pattern ?? context.pattern).zones.enumerated() where index < zones.count && zones[index] > 0 && zone.weight > 0 {
            for (city, weight) in zip(zone.cities, zone.cityWeights) where city < masses.count {
                let active = masses[city].reduce(0, +)
                guard active > 0 else { continue }
                for kind in 0..<kinds { shares[kind] += zones[index] * weight / zone.weight * masses[city][kind] / active }
            }
        }
        let total = shares.reduce(0, +)
        return total > 0 ? shares.map { $0 / total } : shares
    }

    /// How many of a user's preferred categories a basket starts in, the first ones (uniformly among them).
    public static let basketCategories = 3

    /// Builds catalogs and patterns. `window` overrides the scenario's default window. A generator with `writes`
    /// false only describes the data (catalogs, patterns, expectations: what a validator needs) and starts faster;
    /// asking it to write records stops the process.
    public init(config: DataGenerationConfig, seed: UInt64 = 42, scenario: Scenario = .normalTraffic,
                window: (start: Timestamp, end: Timestamp)? = nil, writes: Bool = true) {
        self.config = config
        self.seed = seed
        self.scenario = scenario
        let window = window ?? scenario.defaultWindow(config)
        self.window = window
        catalog = Catalog(config: config, seed: seed, reference: window.start)
        context = GenerationContext(catalog: catalog, seed: seed, fraudRate: scenario.fraudRate(config), writes: writes)
    }

    /// What a run wrote.
    public struct RunSummary: Sendable {
        /// Records written per type.
        public var records: [RecordType: Int] = [:]
        /// Bytes written per type.
        public var bytes: [RecordType: Int] = [:]
    }

    /// Progress of a run: records written so far and the total planned.
    public typealias Progress = (_ written: Int, _ planned: Int) -> Void

    /// Plans `count` records of `type` over [start, end).
    public func plan(type: RecordType, count: Int, start: Timestamp, end: Timestamp, firstSerial: Int64 = 0) -> GenerationPlan {
        GenerationPlan(pattern: context.pattern, start: start.milliseconds, end: end.milliseconds, count: count, seed: seed,
                       stream: UInt64(RecordType.allCases.firstIndex(of: type)!), firstSerial: firstSerial,
                       uniform: type == .analyticsResults)
    }

    /// The number of records of `type` the configured rates give over [start, end) under the scenario.
    /// Under a `rateMultiplier` other than 1, transactions are those the expected user events hold the purchase
    /// sessions of by default (``transactionCount(forEvents:start:end:)``, within a record of the rate's), so
    /// that a scaled stream or historical run links its two streams however the events are generated again.
    public func expectedCount(type: RecordType, start: Timestamp, end: Timestamp, rateMultiplier: Double = 1) -> Int {
        if type == .transactions, rateMultiplier != 1 {
            let events = expectedCount(type: .userEvents, start: start, end: end, rateMultiplier: rateMultiplier)
            if events > 0 { return transactionCount(forEvents: events, start: start, end: end) }
        }
        var rate = type.baseRate(in: config) * scenario.rateMultiplier * rateMultiplier
        if type == .fraudAlerts {
            // Alerts follow transactions: every fraud plus the model's false positives.
            let txnRate = config.baseTransactionRate * scenario.rateMultiplier * rateMultiplier
            rate = txnRate * (context.fraudRate + (1 - context.fraudRate) * context.falsePositiveRate)
        }
        let expected = GenerationPlan.expectedCount(pattern: context.pattern, start: start.milliseconds, end: end.milliseconds,
                                                    baseRatePerHour: rate, uniform: type == .analyticsResults)
        return Int(expected.rounded())
    }

    /// The number of transactions whose purchase sessions `events` user events over [start, end) hold when no
    /// number is given: the transactions the configured rates give over the window, in the proportion of the
    /// events asked for to the events the rates give (so the expected event count gets the expected transaction
    /// count, the one `historical` writes).
    public func transactionCount(forEvents events: Int, start: Timestamp, end: Timestamp) -> Int {
        let expectedEvents = expectedCount(type: .userEvents, start: start, end: end)
        guard expectedEvents > 0 else {
            // A window too short for one expected event: the configured ratio.
            guard config.baseEventRate > 0 else { return 0 }
            return Int((Double(events) * config.baseTransactionRate / config.baseEventRate).rounded())
        }
        let expectedTransactions = expectedCount(type: .transactions, start: start, end: end)
        return Int((Double(expectedTransactions) * Double(events) / Double(expectedEvents)).rounded())
    }

    /// Writes `count` records of `type` over [start, end) to `target`, in timestamp order.
    /// With `alerts` (transactions only), the alerts raised by the transactions go there, each block's
    /// alerts (up to the next block's start) before the block's transactions.
    /// User events hold the purchase session of each of the `transactions` transactions that
    /// `write(type: .transactions, count: transactions)` writes over the same window (nil: as many as
    /// ``transactionCount(forEvents:start:end:)`` says), and browsing sessions for the rest of `count`.
    /// Analytics results describe traffic at the configured rates x the scenario's x `rateMultiplier`.
    /// - Throws: ``GenerationError/invalidRequest`` for an empty window, or user events too few for the purchase sessions.
    @discardableResult
    public func write(type: RecordType, count: Int, start: Timestamp, end: Timestamp, to target: RecordTarget,
                      alerts: RecordTarget? = nil, transactions: Int? = nil, rateMultiplier: Double = 1,
                      threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                      progress: Progress? = nil) throws(GenerationError) -> Int {
        guard end > start else { throw .invalidRequest("the window is empty: --end must be after --start") }
        if type == .userEvents {
            let linked = transactions ?? transactionCount(forEvents: count, start: start, end: end)
            let transactionPlan = plan(type: .transactions, count: linked, start: start, end: end)
            let (sessions, blocks) = try SessionGenerator.plan(
                context: context, transactions: TransactionGenerator(context: context, plan: transactionPlan), count: count,
                windowStart: start.milliseconds, threads: threads) { rest in self.plan(type: .userEvents, count: rest, start: start, end: end) }
            return try run(blocks: blocks, start: { $0.start }, count: count, to: target, alerts: nil, threads: threads,
                           progress: progress) { (block: SessionGenerator.Block) in [sessions.generate(block)] }
        }
        let plan = plan(type: type, count: count, start: start, end: end)
        let context = self.context
        let generate: @Sendable (GenerationPlan.Block) -> [BlockOutput]
        switch type {
        case .transactions:
            let generator = TransactionGenerator(context: context, plan: plan)
            generate = { block in let out = generator.generate(block); return [out.transactions, out.alerts] }
        case .fraudAlerts:
            let generator = TransactionGenerator(context: context, plan: plan, alertsOnly: true)
            generate = { block in [generator.generate(block).alerts] }
        case .userEvents:
            preconditionFailure("user events are planned with their transactions above")
        case .productUpdates:
            let generator = ProductUpdateGenerator(context: context, plan: plan)
            generate = { block in [generator.generate(block)] }
        case .analyticsResults:
            // The metrics describe the traffic of the run: the configured transaction rate under the scenario and the
            // run's multiplier (historical's, a stream's), as the traffic pattern weighs each moment.
            let generator = AnalyticsGenerator(context: context, plan: plan,
                                               transactionsPerHour: config.baseTransactionRate * scenario.rateMultiplier * rateMultiplier)
            generate = { block in [generator.generate(block)] }
        }
        return try run(blocks: plan.blocks, start: { $0.start }, count: count, to: target, alerts: alerts, threads: threads,
                       progress: progress, generate: generate)
    }

    private func run<Block: Sendable>(blocks: [Block], start: (Block) -> Int64, count: Int, to target: RecordTarget, alerts: RecordTarget?,
                                      threads: Int, progress: Progress?,
                                      generate: @escaping @Sendable (Block) -> [BlockOutput]) throws(GenerationError) -> Int {
        let merger = OrderedMerger(sink: target)
        let alertMerger = alerts.map(OrderedMerger.init(sink:))
        var lastReport = 0
        try BlockRunner.run(blocks: blocks, start: start, threads: threads, generate: generate) { (outputs, horizon) throws(GenerationError) in
            // A block's alerts go first, so that a target pacing the transactions can send each alert at its
            // time between them rather than after the whole block.
            if let alertMerger, outputs.count > 1 { try alertMerger.add(outputs[1], horizon: horizon) }
            try merger.add(outputs[0], horizon: horizon)
            if let progress, merger.written - lastReport >= 100_000 {
                lastReport = merger.written
                progress(merger.written, count)
            }
        }
        if blocks.isEmpty, let alertMerger { try alertMerger.add(BlockOutput(), horizon: nil) }
        progress?(merger.written, count)
        return merger.written
    }

    /// Generates records in memory and parses them with libjansson: the seed's `generate_transactions`
    /// for programmatic use and tests. Prefer ``write(type:count:start:end:to:alerts:transactions:threads:progress:)`` for volume.
    public func generateRecords(type: RecordType, count: Int, startTime: Timestamp? = nil, endTime: Timestamp? = nil) throws -> [JSONValue] {
        let collector = RecordCollector()
        try write(type: type, count: count, start: startTime ?? window.start, end: endTime ?? window.end, to: collector)
        return try collector.lines.map { try JSONValue.parse($0) }
    }

    /// `count` transactions over the window (default: the configured one).
    public func generateTransactions(count: Int, startTime: Timestamp? = nil, endTime: Timestamp? = nil) throws -> [JSONValue] {
        try generateRecords(type: .transactions, count: count, startTime: startTime, endTime: endTime)
    }

    /// `count` user events over the window.
    public func generateUserEvents(count: Int, startTime: Timestamp? = nil, endTime: Timestamp? = nil) throws -> [JSONValue] {
        try generateRecords(type: .userEvents, count: count, startTime: startTime, endTime: endTime)
    }

    /// `count` product updates over the window.
    public func generateProductUpdates(count: Int, startTime: Timestamp? = nil, endTime: Timestamp? = nil) throws -> [JSONValue] {
        try generateRecords(type: .productUpdates, count: count, startTime: startTime, endTime: endTime)
    }
}

/// Keeps records as lines in memory (small runs and tests).
public final class RecordCollector: RecordTarget {
    /// The records, without their newlines.
    public private(set) var lines: [String] = []
    /// An empty collector.
    public init() {}
    public func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
        lines.append(String(decoding: UnsafeBufferPointer(rebasing: record.dropLast()), as: UTF8.self))
    }
}
