import EcomModel

/// Where and when traffic happens: users grouped by IANA zone, a local-hour profile, weekend and seasonal
/// multipliers, all evaluated in each zone's local time.
public struct TemporalPattern: Sendable {
    /// Length of a leaf slot. Every UTC offset in use is a multiple of 15 minutes, so local hour, weekday
    /// and event state are constant within a leaf.
    public static let leafMilliseconds: Int64 = 15 * 60_000

    /// One IANA zone with the share of traffic of its users.
    struct Zone: Sendable {
        let offsets: ZoneOffsets
        /// Share of all traffic (region weight x the zone's share of the region's active users).
        let weight: Double
        /// Cities of the zone and their shares of its traffic.
        let cities: [Int]
        let cityWeights: [Double]
    }

    let zones: [Zone]
    /// Relative traffic per local hour, mean 1 over a day.
    public let hourlyProfile: [Double]
    let weekendMultiplier: Double
    /// Events as (local start ms in the wall-clock frame, local end, multiplier, boosted categories).
    let events: [(start: Int64, end: Int64, multiplier: Double, categories: [Int])]

    /// Builds the pattern of a catalog.
    public init(catalog: Catalog) {
        self.init(config: catalog.config, cities: catalog.cities, activeByCity: catalog.activeUsersByCity.map(\.count))
    }

    /// Builds the pattern of users who are `activeByCity[city]` active users in each of `cities` (``City/all``, by
    /// position): a catalog read from files has its own, which weigh its zones (a validator's model of that catalog's
    /// traffic).
    public init(config: DataGenerationConfig, cities allCities: [City], activeByCity: [Int]) {
        var activeByRegion: [Region: Int] = [:]
        for city in allCities { activeByRegion[city.region, default: 0] += activeByCity[city.index] }
        var byZone: [String: [Int]] = [:]
        for city in allCities where activeByCity[city.index] > 0 { byZone[city.timeZone, default: []].append(city.index) }
        var zones: [Zone] = []
        for identifier in byZone.keys.sorted() {
            guard let offsets = ZoneOffsets(identifier: identifier) else { continue }
            let cities = byZone[identifier]!
            let cityWeights = cities.map { index -> Double in
                let city = allCities[index]
                let regionActive = Double(activeByRegion[city.region] ?? 1)
                return (config.regions[city.region]?.weight ?? 0) * Double(activeByCity[index]) / regionActive
            }
            let weight = cityWeights.reduce(0, +)
            guard weight > 0 else { continue }
            zones.append(Zone(offsets: offsets, weight: weight, cities: cities, cityWeights: cityWeights))
        }
        self.zones = zones

        var profile = [Double](repeating: 0, count: 24)
        let shoulder: [Int: Double] = [6: 0.25, 7: 0.4, 8: 0.7, 22: 0.6, 23: 0.3]
        for hour in 0..<24 {
            var weight: Double
            if hour >= config.businessHoursStart && hour <= config.businessHoursEnd {
                weight = 1
            } else if hour < 6 {
                weight = config.nightWeight
            } else {
                weight = max(config.nightWeight, shoulder[hour] ?? config.nightWeight)
            }
            if config.peakHours.contains(hour) { weight *= config.peakHourMultiplier }
            profile[hour] = weight
        }
        let mean = profile.reduce(0, +) / 24
        hourlyProfile = profile.map { $0 / mean }
        weekendMultiplier = config.weekendMultiplier
        events = config.sortedSeasonalEvents.map { _, event in
            let start = event.date.daysSinceEpoch * Timestamp.millisecondsPerDay
            return (start, start + Int64(event.durationHours * 3_600_000), event.multiplier,
                    event.categories.compactMap { config.categories.firstIndex(of: $0) })
        }
    }

    /// Local wall-clock milliseconds of zone `zone` at UTC `instant`.
    @inline(__always)
    func local(_ instant: Int64, zone: Int) -> Int64 {
        instant + zones[zone].offsets.offsetMilliseconds(at: Timestamp(milliseconds: instant))
    }

    /// Index of the seasonal event active at a local wall-clock time, or nil.
    func event(atLocal local: Int64) -> Int? {
        events.firstIndex { local >= $0.start && local < $0.end }
    }

    /// The position (in ``DataGenerationConfig/sortedSeasonalEvents``) of the seasonal event running at a local wall-clock
    /// time, or nil.
    public func seasonalEvent(atLocal local: Int64) -> Int? { event(atLocal: local) }

    /// Whether seasonal event number `event` (``seasonalEvent(atLocal:)``) boosts categories: a basket started while it
    /// runs in the basket's zone may be of a boosted category rather than of its user's.
    public func boostsCategories(event: Int) -> Bool { !events[event].categories.isEmpty }

    /// Relative intensity at a local wall-clock time: hour profile x weekend x event.
    func intensity(atLocal local: Int64) -> Double {
        let day = Timestamp.floorDiv(local, Timestamp.millisecondsPerDay)
        let hour = Int((local - day * Timestamp.millisecondsPerDay) / 3_600_000)
        var value = hourlyProfile[hour]
        if CivilDate.weekday(daysSinceEpoch: day) >= 5 { value *= weekendMultiplier }
        if let event = event(atLocal: local) { value *= events[event].multiplier }
        return value
    }
}

/// The fixed blocks of one generation run: the window cut into 15-minute leaves, the record count of each
/// leaf drawn as a multinomial over the leaves' intensities, and busy leaves split further so that no block
/// holds more than ``maximumBlockSize`` records. Output depends on this plan only, never on threads.
public struct GenerationPlan: Sendable {
    /// Largest number of records in one block.
    public static let maximumBlockSize = 1024

    /// A 15-minute slot with the traffic weight of each zone during it.
    struct Leaf: Sendable {
        let start: Int64
        let end: Int64
        /// Per zone: weight x local intensity.
        let zoneWeights: [Double]
        /// Per zone: the local offset in milliseconds during the leaf.
        let zoneOffsets: [Int64]
        /// Per zone: the active seasonal event, or -1.
        let zoneEvents: [Int]
        let total: Double

        /// The local hour (0-23) of zone `zone` at the leaf's start.
        func localHour(_ zone: Int) -> Int {
            Int((Timestamp.floorDiv(start + zoneOffsets[zone], 3_600_000) % 24 + 24) % 24)
        }

        /// Whether zone `zone` is at 02:00-04:00 local time at the leaf's start, where a time fraud can be.
        func isNight(_ zone: Int) -> Bool { (2..<4).contains(localHour(zone)) }
    }

    /// A unit of work with its own random stream.
    public struct Block: Sendable {
        /// Start of the block, ms since the epoch.
        public let start: Int64
        /// End (exclusive).
        public let end: Int64
        /// Records in the block.
        public let count: Int
        /// Serial number of the block's first record within the run.
        public let firstSerial: Int64
        let leaf: Int
        /// Position of the block within its leaf.
        let part: Int
    }

    let leaves: [Leaf]
    /// End of the window (exclusive): no record is placed at or after it.
    public let end: Int64
    /// Blocks in time order.
    public let blocks: [Block]
    /// Total records.
    public var count: Int { blocks.reduce(0) { $0 + $1.count } }

    /// Expected number of records for `baseRatePerHour` over a window, following the pattern.
    public static func expectedCount(pattern: TemporalPattern, start: Int64, end: Int64, baseRatePerHour: Double, uniform: Bool = false) -> Double {
        let leaves = makeLeaves(pattern: pattern, start: start, end: end, uniform: uniform)
        return leaves.reduce(0) { sum, leaf in sum + leaf.total * Double(leaf.end - leaf.start) / 3_600_000 } * baseRatePerHour
    }

    /// Plans `count` records over [start, end). With `uniform`, time weights are flat (scheduled output).
    public init(pattern: TemporalPattern, start: Int64, end: Int64, count: Int, seed: UInt64, stream streamKey: UInt64,
                firstSerial: Int64 = 0, uniform: Bool = false) {
        leaves = GenerationPlan.makeLeaves(pattern: pattern, start: start, end: end, uniform: uniform)
        self.end = end
        var prefix = [0.0]
        for leaf in leaves { prefix.append(prefix.last! + leaf.total * Double(leaf.end - leaf.start)) }
        var counts = [Int](repeating: 0, count: leaves.count)
        var stream = RandomStream(key: seed, streamKey, 0x91A7, UInt64(bitPattern: start), UInt64(bitPattern: end))
        func split(_ lo: Int, _ hi: Int, _ n: Int) {
            guard n > 0, lo < hi else { return }
            if hi - lo == 1 { counts[lo] = n; return }
            let mid = (lo + hi) / 2
            let total = prefix[hi] - prefix[lo]
            let left = total > 0 ? stream.binomial(n, (prefix[mid] - prefix[lo]) / total) : stream.binomial(n, Double(mid - lo) / Double(hi - lo))
            split(lo, mid, left)
            split(mid, hi, n - left)
        }
        split(0, leaves.count, count)
        var blocks: [Block] = []
        var serial = firstSerial
        for (index, leaf) in leaves.enumerated() where counts[index] > 0 {
            let parts = (counts[index] + GenerationPlan.maximumBlockSize - 1) / GenerationPlan.maximumBlockSize
            var remaining = counts[index]
            for part in 0..<parts {
                let partStart = leaf.start + (leaf.end - leaf.start) * Int64(part) / Int64(parts)
                let partEnd = leaf.start + (leaf.end - leaf.start) * Int64(part + 1) / Int64(parts)
                let n = part == parts - 1 ? remaining : min(GenerationPlan.maximumBlockSize, stream.binomial(remaining, 1 / Double(parts - part)))
                remaining -= n
                if n > 0 {
                    blocks.append(Block(start: partStart, end: partEnd, count: n, firstSerial: serial, leaf: index, part: part))
                    serial += Int64(n)
                }
            }
        }
        self.blocks = blocks
    }

    static func makeLeaves(pattern: TemporalPattern, start: Int64, end: Int64, uniform: Bool) -> [Leaf] {
        var leaves: [Leaf] = []
        let step = TemporalPattern.leafMilliseconds
        var cursor = start
        let zoneCount = pattern.zones.count
        // Offsets per zone and UTC day: read at the day's two ends and, only on a day with a daylight-saving
        // change, leaf by leaf (tz database lookups are slow; a day has at most one change per zone).
        var dayCache: (day: Int64, offsets: [[Int64]]) = (Int64.min, [])
        func offsets(at instant: Int64) -> [Int64] {
            let day = Timestamp.floorDiv(instant, Timestamp.millisecondsPerDay)
            if dayCache.day != day {
                let dayStart = day * Timestamp.millisecondsPerDay
                dayCache = (day, pattern.zones.map { zone in
                    let first = zone.offsets.offsetMilliseconds(at: Timestamp(milliseconds: dayStart))
                    let last = zone.offsets.offsetMilliseconds(at: Timestamp(milliseconds: dayStart + Timestamp.millisecondsPerDay - 1))
                    if first == last { return [first] }
                    return (0..<96).map { slot in
                        zone.offsets.offsetMilliseconds(at: Timestamp(milliseconds: dayStart + Int64(slot) * step))
                    }
                })
            }
            let slot = Int((instant - day * Timestamp.millisecondsPerDay) / step)
            return dayCache.offsets.map { $0.count == 1 ? $0[0] : $0[slot] }
        }
        while cursor < end {
            let next = min(end, (Timestamp.floorDiv(cursor, step) + 1) * step)
            let zoneOffsets = offsets(at: cursor)
            var weights = [Double](repeating: 0, count: zoneCount)
            var events = [Int](repeating: -1, count: zoneCount)
            var total = 0.0
            for zone in 0..<zoneCount {
                let local = cursor + zoneOffsets[zone]
                let intensity = uniform ? 1 : pattern.intensity(atLocal: local)
                events[zone] = pattern.event(atLocal: local) ?? -1
                weights[zone] = pattern.zones[zone].weight * intensity
                total += weights[zone]
            }
            leaves.append(Leaf(start: cursor, end: next, zoneWeights: weights, zoneOffsets: zoneOffsets, zoneEvents: events, total: total))
            cursor = next
        }
        return leaves
    }
}
