import EcomModel
import Foundation

/// Writes product updates: stock, price, promotion, availability and description changes of catalog
/// products, more often for popular ones.
struct ProductUpdateGenerator {
    let context: GenerationContext
    let plan: GenerationPlan
    static let recordStream: UInt64 = 0x9D47

    static let kinds: [(name: StaticString, weight: Double)] = [
        ("stock_update", 0.50), ("price_change", 0.25), ("promotion", 0.10), ("availability_change", 0.10), ("description_update", 0.05),
    ]
    static let kindTable = AliasTable(weights: kinds.map(\.weight))

    func generate(_ block: GenerationPlan.Block) -> BlockOutput {
        var stream = RandomStream(key: context.seed, ProductUpdateGenerator.recordStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let catalog = context.catalog
        var times = (0..<block.count).map { _ in block.start + Int64(stream.unit() * Double(block.end - block.start)) }
        times.sort()
        let output = BlockOutput(records: block.count, bytesPerRecord: 320)
        let b = output.buffer
        let categoryCount = catalog.config.categories.count
        for (offset, time) in times.enumerated() {
            let product = catalog.products[catalog.product(inCategory: stream.below(categoryCount), stream: &stream)]
            let kind = ProductUpdateGenerator.kindTable.sample(&stream)
            var newPrice = product.priceCents
            var discount: Int64 = 0
            var stock = Int64(stream.below(500))
            var available = stock > 0
            switch kind {
            case 1: newPrice = PriceChange.cents(from: product.priceCents, percent: Int64(80 + stream.below(41)))
            case 2:
                discount = Int64([10, 15, 20, 25, 30, 40, 50][stream.below(7)])
                newPrice = max(1, product.priceCents * (100 - discount) / 100)
            case 3:
                available = stream.chance(0.5)
                // Nothing out of stock is available: a product made available has at least one unit.
                if !available { stock = 0 } else if stock == 0 { stock = 1 }
            default: break
            }
            let start = output.begin()
            b.append("{\"update_id\":"); b.appendID("upd_", UInt64(block.firstSerial) + UInt64(offset) + 1, digits: 9)
            b.append(",\"product_id\":"); b.appendID("prod_", UInt64(product.index + 1), digits: catalog.productDigits)
            b.append(",\"timestamp\":"); b.appendQuotedTimestamp(time)
            b.append(",\"update_type\":\""); b.append(ProductUpdateGenerator.kinds[kind].name)
            b.append("\",\"name\":"); b.appendJSONString(product.name)
            b.append(",\"category\":"); context.categoryNames.write(product.category, to: b)
            b.append(",\"old_price\":"); b.appendFixed(product.priceCents, decimals: 2)
            b.append(",\"new_price\":"); b.appendFixed(newPrice, decimals: 2)
            b.append(",\"discount_percent\":"); b.appendInt(discount)
            b.append(",\"stock_quantity\":"); b.appendInt(stock)
            b.append(available ? ",\"is_available\":true" : ",\"is_available\":false")
            b.append(product.isSeasonal ? ",\"seasonal\":true}" : ",\"seasonal\":false}")
            output.end(start, timestamp: time)
        }
        return output
    }
}

/// A price change as the generator makes one (the validator holds updates to the same rule): the list price times
/// `percent` % (80 to 120), cut to whole units, plus .99.
public enum PriceChange {
    public static let percents: ClosedRange<Int64> = 80...120

    public static func cents(from old: Int64, percent: Int64) -> Int64 { max(1, old * percent / 100 / 100 * 100 + 99) }
}

/// Writes analytics results: 5-minute windowed metrics per region, category or globally, with values that
/// follow the traffic pattern at that time: orders are the transactions the model gives the window (the transaction
/// rate of the run times the traffic's intensity then, the region's share of it for a region), within 10 %.
struct AnalyticsGenerator {
    let context: GenerationContext
    let plan: GenerationPlan
    /// The run's transaction rate (configured x scenario x multiplier) at an intensity of 1.
    let transactionsPerHour: Double
    /// Per zone of the pattern, its traffic's split over the regions (by position in `Region.allCases`).
    private let zoneRegions: [[Double]]
    static let recordStream: UInt64 = 0xA7A1

    init(context: GenerationContext, plan: GenerationPlan, transactionsPerHour: Double) {
        self.context = context
        self.plan = plan
        self.transactionsPerHour = transactionsPerHour
        let cities = context.catalog.cities
        zoneRegions = context.pattern.zones.map { zone in
            var shares = [Double](repeating: 0, count: Region.allCases.count)
            for (city, weight) in zip(zone.cities, zone.cityWeights) { shares[Region.allCases.firstIndex(of: cities[city].region)!] += weight / zone.weight }
            return shares
        }
    }

    static let metrics: [(name: StaticString, unit: StaticString)] = [
        ("revenue", "USD"), ("order_count", "orders"), ("average_order_value", "USD"), ("conversion_rate", "ratio"),
        ("active_users", "users"), ("fraud_rate", "ratio"),
    ]

    func generate(_ block: GenerationPlan.Block) -> BlockOutput {
        var stream = RandomStream(key: context.seed, AnalyticsGenerator.recordStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let catalog = context.catalog
        let config = catalog.config
        let leaf = plan.leaves[block.leaf]
        var times = (0..<block.count).map { _ in block.start + Int64(stream.unit() * Double(block.end - block.start)) }
        times.sort()
        let averageItemCents = Double(catalog.products.reduce(Int64(0)) { $0 + $1.priceCents }) / Double(max(1, catalog.products.count))
        // The traffic's intensity in the block's slot, overall and per region (the plan of results is flat in time: its
        // leaves carry the zones' offsets, not their traffic).
        let pattern = context.pattern
        var regionIntensity = [Double](repeating: 0, count: Region.allCases.count)
        for (zone, offset) in leaf.zoneOffsets.enumerated() where zone < pattern.zones.count {
            let traffic = pattern.zones[zone].weight * pattern.intensity(atLocal: leaf.start + offset)
            for region in regionIntensity.indices { regionIntensity[region] += traffic * zoneRegions[zone][region] }
        }
        let intensity = regionIntensity.reduce(0, +)
        let regions = config.activeRegions
        let output = BlockOutput(records: block.count, bytesPerRecord: 290)
        let b = output.buffer
        for (offset, time) in times.enumerated() {
            let metric = stream.below(AnalyticsGenerator.metrics.count)
            let windowEnd = Timestamp.floorDiv(time, 300_000) * 300_000
            var share = 1.0
            let start = output.begin()
            b.append("{\"result_id\":"); b.appendID("res_", UInt64(block.firstSerial) + UInt64(offset) + 1, digits: 9)
            b.append(",\"metric_type\":\""); b.append(AnalyticsGenerator.metrics[metric].name)
            b.append("\",\"timestamp\":"); b.appendQuotedTimestamp(time)
            b.append(",\"window_start\":"); b.appendQuotedTimestamp(windowEnd - 300_000)
            b.append(",\"window_end\":"); b.appendQuotedTimestamp(windowEnd)
            switch stream.below(3) {
            case 0:
                let region = regions[stream.below(regions.count)]
                share = intensity > 0 ? regionIntensity[Region.allCases.firstIndex(of: region)!] / intensity : 0
                b.append(",\"dimension\":\"region\",\"dimension_value\":"); b.appendJSONString(region.rawValue)
            case 1:
                let category = stream.below(config.categories.count)
                share = 1 / Double(config.categories.count)
                b.append(",\"dimension\":\"category\",\"dimension_value\":"); context.categoryNames.write(category, to: b)
            default:
                b.append(",\"dimension\":\"global\",\"dimension_value\":\"all\"")
            }
            let orders = transactionsPerHour / 12 * intensity * share * stream.double(0.9, 1.1)
            let value: Int64 = switch metric {
            case 0: Int64(orders * averageItemCents * 1.77 * stream.double(0.9, 1.1))
            case 1: Int64(orders.rounded()) * 100
            case 2: Int64(averageItemCents * 1.77 * stream.double(0.85, 1.15))
            case 3: Int64(stream.double(0.02, 0.05) * 10_000) // basis points shown as ratio below
            case 4: Int64(Double(catalog.users.count) * config.activeUserRatio * share * min(1, intensity / 3) * stream.double(0.1, 0.3)) * 100
            default: Int64(context.fraudRate * stream.double(0.5, 1.5) * 10_000)
            }
            b.append(",\"value\":")
            if metric == 3 || metric == 5 { b.appendFixed(value, decimals: 4) } else { b.appendFixed(value, decimals: 2) }
            b.append(",\"unit\":\""); b.append(AnalyticsGenerator.metrics[metric].unit)
            b.append("\"}")
            output.end(start, timestamp: time)
        }
        return output
    }
}
