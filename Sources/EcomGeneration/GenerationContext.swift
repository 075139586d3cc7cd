import EcomModel
import Foundation

/// Everything a block generator reads: catalog, time pattern, mixes and precomputed JSON fragments.
/// Immutable and shared by all workers.
final class GenerationContext: Sendable {
    let seed: UInt64
    let catalog: Catalog
    let pattern: TemporalPattern
    let fraudRate: Double
    /// Probability that a legitimate transaction is flagged by the fraud model (false-positive alert),
    /// chosen so that alerts arrive at the configured alert rate.
    let falsePositiveRate: Double
    let paymentTable: AliasTable
    /// Index in `PaymentMethod.allCases` of each outcome of `paymentTable`.
    let paymentIndexes: [Int]
    let deviceTable: AliasTable
    /// Index in `DeviceType.allCases` of each outcome of `deviceTable`.
    let deviceIndexes: [Int]
    /// Share of transactions in velocity bursts, and of each other fraud kind.
    let velocityShare: Double
    let singleFraud: [(FraudType, Double)]
    /// Cities on another continent than each city, farther than 2,000 km.
    let foreignCities: [[Int]]
    /// The JSON the writers copy, nil in a context that only describes the data (``init(catalog:seed:fraudRate:writes:)``).
    private let fragments: Fragments?
    /// Time-zone names and regions by city, and `"location":{...,"latitude":` prefixes.
    var locationPrefix: FragmentTable { writable.locationPrefix }
    var productLinePrefix: FragmentTable { writable.productLinePrefix }
    var productPagePath: FragmentTable { writable.productPagePath }
    /// Per user and device position: `"device_info":{...}` for transactions, and with screen for events.
    var transactionDevice: FragmentTable { writable.transactionDevice }
    var eventDevice: FragmentTable { writable.eventDevice }
    var categoryNames: FragmentTable { writable.categoryNames }
    let categorySlugs: [String]

    @inline(__always)
    private var writable: Fragments {
        guard let fragments else { preconditionFailure("a generator made with writes: false describes data; it cannot write records") }
        return fragments
    }

    /// Cities of each zone by active users (the zone's `TemporalPattern.Zone.cityTable`, flat).
    let zoneCities: FlatAliasTables
    /// City centres and regions (index in `Region.allCases`), and the jitter radius.
    let cityLatitudes: [Double]
    let cityLongitudes: [Double]
    /// Kilometres per degree of longitude at each city's latitude.
    let cityKmPerLongitudeDegree: [Double]
    let cityRegions: [Int]
    let jitterKm: Double
    /// Median subtotal of a legitimate basket, estimated once from the catalog: the reference of amount fraud.
    let medianBasketCents: Int64
    /// Products by ascending price, to find one whose price makes a given total.
    let productsByPrice: [(cents: Int64, product: Int)]

    /// A context for `catalog`; with `writes` false the JSON fragments the writers copy are not built (a tenth of a
    /// second of start-up a validator does not need), and writing records stops the process.
    init(catalog: Catalog, seed: UInt64, fraudRate: Double, writes: Bool = true) {
        self.seed = seed
        self.catalog = catalog
        let config = catalog.config
        pattern = TemporalPattern(catalog: catalog)
        let pattern = self.pattern
        zoneCities = FlatAliasTables(groups: pattern.zones.map { zone in
            zip(zone.cities, zone.cityWeights).map { (Int32($0), $1) }
        })
        cityLatitudes = catalog.cities.map(\.latitude)
        cityLongitudes = catalog.cities.map(\.longitude)
        cityKmPerLongitudeDegree = catalog.cities.map { 111.32 * max(0.05, cos($0.latitude * Double.pi / 180)) }
        cityRegions = catalog.cities.map { Region.allCases.firstIndex(of: $0.region)! }
        jitterKm = catalog.config.locationJitterKm
        self.fraudRate = fraudRate
        let alertShare = config.baseTransactionRate > 0 ? config.baseFraudAlertRate / config.baseTransactionRate : 0
        falsePositiveRate = fraudRate < 1 ? min(0.5, max(0, alertShare - fraudRate) / (1 - fraudRate)) : 0
        let paymentNames = PaymentMethod.allCases.filter { (config.paymentMethods[$0] ?? 0) > 0 }
        paymentTable = AliasTable(weights: paymentNames.map { config.paymentMethods[$0]! })
        paymentIndexes = paymentNames.map { PaymentMethod.allCases.firstIndex(of: $0)! }
        let deviceTypes = DeviceType.allCases.filter { (config.devices[$0] ?? 0) > 0 }
        deviceTable = AliasTable(weights: deviceTypes.map { config.devices[$0]! })
        deviceIndexes = deviceTypes.map { DeviceType.allCases.firstIndex(of: $0)! }

        velocityShare = fraudRate * (config.fraudPatterns[.velocity] ?? 0)
        singleFraud = FraudType.allCases.filter { $0 != .velocity }.map { kind in (kind, fraudRate * (config.fraudPatterns[kind] ?? 0)) }

        // Baskets drawn as the transaction generator draws legitimate ones (1-3 lines of 1-3 units from the
        // user's categories), from a fixed stream, so the reference is part of the seed's world.
        var basketStream = RandomStream(key: seed, 0xBA5C_E7)
        var baskets: [Int64] = []
        for _ in 0..<20_000 {
            let index = basketStream.below(catalog.users.count)
            let user = catalog.users[index], type = catalog.userTypes[index]
            var total: Int64 = 0
            for _ in 0..<BasketModel.lines(type, &basketStream) {
                let category = user.preferredCategories[basketStream.below(user.preferredCategories.count)]
                let product = BasketModel.product(type, category: category, catalog: catalog, &basketStream)
                total += catalog.products[product].priceCents * BasketModel.quantity(type, &basketStream)
            }
            baskets.append(total)
        }
        baskets.sort()
        medianBasketCents = baskets[baskets.count / 2]
        productsByPrice = catalog.products.map { ($0.priceCents, $0.index) }.sorted { ($0.cents, $0.product) < ($1.cents, $1.product) }

        let cities = catalog.cities
        foreignCities = cities.map { home in
            cities.filter { $0.continent != home.continent && $0.distanceKm(to: home) > 2_000 }.map(\.index)
        }
        let slugs = config.categories.map { name in
            String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }).replacingOccurrences(of: "--", with: "-")
                .replacingOccurrences(of: "--", with: "-")
        }
        categorySlugs = slugs
        fragments = writes ? Fragments(catalog: catalog, slugs: slugs) : nil
    }

    /// The product and quantity whose total comes nearest `total`, buying at least `quantity` units
    /// (more when no product is expensive enough).
    /// The share of amount frauds that are micro-transactions (the framework: "5-20x normal amounts or micro-transactions").
    static let microShare = 0.3

    /// The most a micro-transaction's basket costs: a tenth of the median legitimate basket.
    var microCeilingCents: Int64 { medianBasketCents / 10 }

    /// One of the cheapest products (the cheapest 2 %, each at most ``microCeilingCents``), or nil when none is that cheap.
    func microProduct(_ stream: inout RandomStream) -> Int? {
        let cheap = productsByPrice.prefix(max(1, productsByPrice.count / 50)).prefix { $0.cents <= microCeilingCents }
        guard !cheap.isEmpty else { return nil }
        return cheap[stream.below(cheap.count)].product
    }

    func productNear(total: Int64, quantity: Int64) -> (product: Int, quantity: Int64) {
        let maxPrice = productsByPrice.last!.cents
        let units = max(quantity, (total + maxPrice - 1) / maxPrice)
        let want = total / units
        var low = 0, high = productsByPrice.count - 1
        while low < high {
            let mid = (low + high) / 2
            if productsByPrice[mid].cents < want { low = mid + 1 } else { high = mid }
        }
        if low > 0, want - productsByPrice[low - 1].cents < productsByPrice[low].cents - want { low -= 1 }
        return (productsByPrice[low].product, units)
    }

    /// Fragment index of a user's device of `type`.
    @inline(__always)
    func deviceFragment(user: Int, deviceIndex: Int) -> Int { user * DeviceProfiles.perUser + deviceIndex }

    /// Picks a zone of a leaf by its weight, then a city of the zone and an active user of the city.
    @inline(__always)
    func pickUser(zoneTable: AliasTable, stream: inout RandomStream) -> (user: Int, zone: Int) {
        let zone = zoneTable.sample(&stream)
        let city = Int(zoneCities.sample(zone, &stream))
        return (catalog.activeUser(inCity: city, stream: &stream), zone)
    }

    /// Writes `"latitude":..,"longitude":..}` for a point within the jitter radius of a city's centre.
    @inline(__always)
    func writeLocation(city: Int, to buffer: ByteBuffer, stream: inout RandomStream) {
        locationPrefix.write(city, to: buffer)
        // A uniform point in the disc of radius jitterKm, by rejection from the square (no trigonometry).
        var dx = 0.0, dy = 0.0
        repeat {
            dx = stream.unit() * 2 - 1
            dy = stream.unit() * 2 - 1
        } while dx * dx + dy * dy > 1
        let latitude = cityLatitudes[city] + jitterKm * dy / 111.32
        let longitude = cityLongitudes[city] + jitterKm * dx / cityKmPerLongitudeDegree[city]
        buffer.appendFixed(Int64((latitude * 10_000).rounded()), decimals: 4)
        buffer.append(",\"longitude\":")
        buffer.appendFixed(Int64((min(180, max(-180, longitude)) * 10_000).rounded()), decimals: 4)
        buffer.append(UInt8(ascii: "}"))
    }
}

/// The vocabulary enums as JSON string bodies, in `allCases` order, copied without reference counting.
enum Vocabulary {
    static let payments = table(PaymentMethod.allCases.map(\.rawValue))
    static let devices = table(DeviceType.allCases.map(\.rawValue))
    static let userTypes = table(UserType.allCases.map(\.rawValue))
    static let fraudTypes = table(FraudType.allCases.map(\.rawValue))

    private static func table(_ names: [String]) -> FragmentTable {
        let table = FragmentTable()
        for name in names { table.add { $0.appendEscaped(name) } }
        return table
    }
}

extension GenerationContext {
    /// Pre-written JSON of catalog entries (cities, products, devices, categories), built once for the writers.
    final class Fragments: Sendable {
        let locationPrefix: FragmentTable
        let productLinePrefix: FragmentTable
        let productPagePath: FragmentTable
        let transactionDevice: FragmentTable
        let eventDevice: FragmentTable
        let categoryNames: FragmentTable

        init(catalog: Catalog, slugs: [String]) {
            let config = catalog.config
            let cities = catalog.cities
            let locations = FragmentTable()
            for city in cities {
                locations.add { b in
                    b.append("\"location\":{\"country\":"); b.appendJSONString(city.country)
                    b.append(",\"state\":"); b.appendJSONString(city.state)
                    b.append(",\"city\":"); b.appendJSONString(city.name)
                    b.append(",\"timezone\":"); b.appendJSONString(city.timeZone)
                    b.append(",\"region\":"); b.appendJSONString(city.region.rawValue)
                    b.append(",\"latitude\":")
                }
            }
            locationPrefix = locations
            let categoryTable = FragmentTable()
            for name in config.categories { categoryTable.add { $0.appendJSONString(name) } }
            categoryNames = categoryTable
            let lines = FragmentTable()
            let pages = FragmentTable()
            for product in catalog.products {
                lines.add { b in
                    b.append("{\"product_id\":"); b.appendID("prod_", UInt64(product.index + 1), digits: catalog.productDigits)
                    b.append(",\"name\":"); b.appendJSONString(product.name)
                    b.append(",\"category\":"); b.appendJSONString(config.categories[product.category])
                    b.append(",\"price\":"); b.appendFixed(product.priceCents, decimals: 2)
                    b.append(",\"quantity\":")
                }
                pages.add { b in
                    b.append("\"/products/"); b.appendEscaped(slugs[product.category])
                    b.append("/prod_"); b.appendUnsigned(UInt64(product.index + 1), minimumDigits: catalog.productDigits)
                    b.append("\"")
                }
            }
            productLinePrefix = lines
            productPagePath = pages
            let transactionDevices = FragmentTable()
            let eventDevices = FragmentTable()
            for user in catalog.users {
                for device in user.devices {
                    transactionDevices.add { b in
                        b.append("\"device_info\":{\"device_id\":"); b.appendHexID("dev_", device.id, digits: 12)
                        b.append(",\"device_type\":\""); b.append(Array(device.type.rawValue.utf8))
                        b.append("\",\"os\":"); b.appendJSONString(device.os)
                        b.append(",\"browser\":"); b.appendJSONString(device.browser)
                        b.append("}")
                    }
                    eventDevices.add { b in
                        b.append("\"device_info\":{\"device_id\":"); b.appendHexID("dev_", device.id, digits: 12)
                        b.append(",\"device_type\":\""); b.append(Array(device.type.rawValue.utf8))
                        b.append("\",\"os\":"); b.appendJSONString(device.os)
                        b.append(",\"screen_resolution\":"); b.appendJSONString(device.screenResolution)
                        b.append("}")
                    }
                }
            }
            transactionDevice = transactionDevices
            eventDevice = eventDevices
        }
    }
}
