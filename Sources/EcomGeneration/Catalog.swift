import EcomModel
import Foundation

/// A device a user owns.
public struct Device: Sendable {
    /// Stable identifier, `dev_` + 12 hex digits.
    public let id: UInt64
    /// Class of the device.
    public let type: DeviceType
    /// Operating system.
    public let os: String
    /// Browser or app.
    public let browser: String
    /// Screen size, `WIDTHxHEIGHT`.
    public let screenResolution: String
}

/// A user of the catalog.
public struct User: Sendable {
    /// Position in the catalog; the ID is `user_` + `index + 1`.
    public let index: Int
    /// Segment.
    public let type: UserType
    /// Index of the home city in ``City/all``.
    public let homeCity: Int
    /// One device per device type, in ``DeviceType`` order.
    public let devices: [Device]
    /// Indexes into the config's categories, most preferred first.
    public let preferredCategories: [Int]
    /// Age band; it leans the preferred categories.
    public let ageGroup: AgeGroup
    /// Signup instant.
    public let signupDate: Timestamp
    /// Whether the user appears in generated traffic.
    public let isActive: Bool
}

/// A product of the catalog.
public struct Product: Sendable {
    /// Position in the catalog; the ID is `prod_` + `index + 1`.
    public let index: Int
    /// Display name.
    public let name: String
    /// Index into the config's categories.
    public let category: Int
    /// List price in cents.
    public let priceCents: Int64
    /// Whether the product is seasonal.
    public let isSeasonal: Bool
    /// Zipf popularity weight (rank 1 has weight 1).
    public let popularity: Double
}

/// Users, products and cities generated from seed and config, with lookup tables for the generators.
public final class Catalog: Sendable {
    /// The ID of the `number`th user or product: `prefix` and `number` zero-padded to `digits` (`user_000123`).
    public static func id(prefix: String, _ number: Int, digits: Int) -> String {
        let text = String(number)
        return prefix + String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The configuration the catalog was built from.
    public let config: DataGenerationConfig
    /// All users.
    public let users: [User]
    /// All products.
    public let products: [Product]
    /// Cities of the regions with a weight, by ``City/index``.
    public let cities: [City]
    /// Width of the numeric part of user IDs.
    public let userDigits: Int
    /// Width of the numeric part of product IDs.
    public let productDigits: Int
    /// Active users of each city, by city index.
    let activeUsersByCity: [[Int32]]
    /// The same, flat: the active users of city `c` are `activeUsers[activeUsersStart[c]..<activeUsersStart[c + 1]]`.
    let activeUsers: [Int32]
    let activeUsersStart: [Int32]
    /// Products of each category by popularity.
    let productsByPopularity: FlatAliasTables
    /// Per user, plain values read on the hot path (no reference counting).
    let homeCities: [Int32]
    /// Per user, the index of its type in `UserType.allCases`.
    let userTypes: [UInt8]
    let preferences: [PreferenceSet]
    /// Per product, its price in cents and category.
    let prices: [Int64]
    let productCategories: [Int32]

    /// Builds the catalog; signup dates are before `reference` (the window start).
    public init(config: DataGenerationConfig, seed: UInt64, reference: Timestamp) {
        self.config = config
        userDigits = max(6, String(config.totalUsers).count)
        productDigits = max(6, String(config.totalProducts).count)
        cities = City.all

        // Products: log-uniform prices in the category range ending in .99, Zipf popularity by shuffled rank.
        var stream = RandomStream(key: seed, 0xCA7A_1060, 1)
        let categoryCount = config.categories.count
        var ranks = Array(1...config.totalProducts)
        for i in stride(from: ranks.count - 1, to: 0, by: -1) { ranks.swapAt(i, stream.below(i + 1)) }
        var products: [Product] = []
        products.reserveCapacity(config.totalProducts)
        for index in 0..<config.totalProducts {
            // Round-robin first so every category has products, then by the stream.
            let category = index < categoryCount ? index : stream.below(categoryCount)
            let name = config.categories[category]
            let range = config.priceRanges[name] ?? PriceRange(min: 1, max: 100)
            let logPrice = stream.double(log(range.min), log(range.max))
            var cents = Int64((exp(logPrice) * 100).rounded())
            cents = max(Int64((range.min * 100).rounded()), (cents / 100) * 100 + 99)
            cents = min(cents, Int64((range.max * 100).rounded()))
            products.append(Product(
                index: index, name: ProductNames.name(category: name, stream: &stream), category: category,
                priceCents: cents, isSeasonal: stream.chance(config.seasonalProductRatio),
                popularity: 1 / pow(Double(ranks[index]), config.popularityZipfExponent)))
        }
        self.products = products
        var byCategory = [[(value: Int32, weight: Double)]](repeating: [], count: categoryCount)
        for product in products { byCategory[product.category].append((Int32(product.index), product.popularity)) }
        productsByPopularity = FlatAliasTables(groups: byCategory)
        prices = products.map(\.priceCents)
        productCategories = products.map { Int32($0.category) }

        // Users: region by weight, a city of the region uniformly, exact type shares shuffled over users.
        stream = RandomStream(key: seed, 0xCA7A_1060, 2)
        let regionOrder = config.activeRegions
        let regionTable = AliasTable(weights: regionOrder.map { config.regions[$0]!.weight })
        let citiesByRegion = Dictionary(grouping: City.all.map(\.index), by: { City.all[$0].region })
        let total = config.totalUsers
        let vipCount = Int((Double(total) * config.vipUserRatio).rounded())
        let newCount = min(total - vipCount, Int((Double(total) * config.newUserRatio).rounded()))
        var types = [UserType](repeating: .regular, count: total)
        for i in 0..<vipCount { types[i] = .vip }
        for i in vipCount..<(vipCount + newCount) { types[i] = .new }
        for i in stride(from: total - 1, to: 0, by: -1) { types.swapAt(i, stream.below(i + 1)) }
        let activeCount = max(1, Int((Double(total) * config.activeUserRatio).rounded()))
        var active = [Bool](repeating: false, count: total)
        for i in 0..<activeCount { active[i] = true }
        for i in stride(from: total - 1, to: 0, by: -1) { active.swapAt(i, stream.below(i + 1)) }
        var users: [User] = []
        users.reserveCapacity(total)
        // Age bands from a stream of their own; each band weighs the categories by its affinity for them.
        var ageStream = RandomStream(key: seed, 0xCA7A_1060, 3)
        let ageTable = AliasTable(weights: AgeGroup.allCases.map { config.ageGroups[$0] ?? 0 })
        let affinities = AgeGroup.allCases.map { group in config.categories.map { group.affinity($0) } }
        var activeByCity = [[Int32]](repeating: [], count: City.all.count)
        let dayMs = Timestamp.millisecondsPerDay
        for index in 0..<total {
            let region = regionOrder[regionTable.sample(&stream)]
            let regionCities = citiesByRegion[region] ?? [0]
            let city = regionCities[stream.below(regionCities.count)]
            let devices = DeviceType.allCases.enumerated().map { position, type in
                DeviceProfiles.device(type: type, id: SplitMix64.mix(seed, UInt64(index), UInt64(position)) & 0xFFFF_FFFF_FFFF, stream: &stream)
            }
            let ageGroup = AgeGroup.allCases[ageTable.sample(&ageStream)]
            var preferences: [Int] = []
            // At least one category is left unpreferred, so that a pattern fraud (a category the user never prefers) has
            // one to buy from with as few as two categories. Drawn without replacement, by the band's affinities.
            let wanted = min(max(1, categoryCount - 1), 2 + stream.below(2))
            var weights = affinities[AgeGroup.allCases.firstIndex(of: ageGroup)!]
            while preferences.count < wanted {
                var pick = stream.unit() * weights.reduce(0, +)
                var candidate = 0
                while candidate < categoryCount - 1 && (weights[candidate] == 0 || pick >= weights[candidate]) {
                    pick -= weights[candidate]
                    candidate += 1
                }
                if weights[candidate] == 0 { candidate = weights.firstIndex { $0 > 0 } ?? candidate }
                preferences.append(candidate)
                weights[candidate] = 0
            }
            let type = types[index]
            let ageDays: Int64 = switch type {
            case .new: Int64(1 + stream.below(30))
            case .regular: Int64(31 + stream.below(4 * 365))
            case .vip: Int64(365 + stream.below(5 * 365))
            }
            let signup = reference.milliseconds - ageDays * dayMs + Int64(stream.below(Int(dayMs)))
            users.append(User(
                index: index, type: type, homeCity: city, devices: devices, preferredCategories: preferences, ageGroup: ageGroup,
                signupDate: Timestamp(milliseconds: min(signup, reference.milliseconds - 1)), isActive: active[index]))
            if active[index] { activeByCity[city].append(Int32(index)) }
        }
        self.users = users
        activeUsersByCity = activeByCity
        activeUsers = activeByCity.flatMap { $0 }
        var starts: [Int32] = [0]
        for list in activeByCity { starts.append(starts.last! + Int32(list.count)) }
        activeUsersStart = starts
        homeCities = users.map { Int32($0.homeCity) }
        userTypes = users.map { UInt8(UserType.allCases.firstIndex(of: $0.type)!) }
        preferences = users.map { PreferenceSet($0.preferredCategories) }
    }

    /// Picks a product of `category` by popularity.
    @inline(__always)
    func product(inCategory category: Int, stream: inout RandomStream) -> Int {
        Int(productsByPopularity.sample(category, &stream))
    }

    /// Picks an active user of city `city` uniformly.
    @inline(__always)
    func activeUser(inCity city: Int, stream: inout RandomStream) -> Int {
        let base = Int(activeUsersStart[city])
        return Int(activeUsers[base + stream.below(Int(activeUsersStart[city + 1]) - base)])
    }
}

/// Up to three preferred categories as plain values.
struct PreferenceSet: Sendable {
    let count: Int
    let first: Int16, second: Int16, third: Int16

    init(_ categories: [Int]) {
        count = min(ECommerceDataGenerator.basketCategories, categories.count)
        first = Int16(categories.first ?? 0)
        second = Int16(categories.count > 1 ? categories[1] : 0)
        third = Int16(categories.count > 2 ? categories[2] : 0)
    }

    @inline(__always)
    subscript(index: Int) -> Int { Int(index == 0 ? first : index == 1 ? second : third) }

    @inline(__always)
    func random(_ stream: inout RandomStream) -> Int { self[stream.below(count)] }

    func contains(_ category: Int) -> Bool { (0..<count).contains { self[$0] == category } }
}

/// Device signatures by class, and suspicious ones for device fraud.
enum DeviceProfiles {
    /// Devices per user: one of each type.
    static let perUser = DeviceType.allCases.count
    static let signatures: [DeviceType: [(os: String, browser: String, screen: String)]] = [
        .mobile: [("iOS", "Safari", "1170x2532"), ("Android", "Chrome", "1080x2400"), ("iOS", "App", "1179x2556"),
                  ("Android", "App", "1080x2340"), ("Android", "Samsung Internet", "1440x3088")],
        .desktop: [("Windows", "Chrome", "1920x1080"), ("macOS", "Safari", "2560x1600"), ("macOS", "Chrome", "1440x900"),
                   ("Windows", "Edge", "1920x1080"), ("Windows", "Firefox", "1366x768"), ("Linux", "Firefox", "1920x1080")],
        .tablet: [("iPadOS", "Safari", "2048x2732"), ("Android", "Chrome", "1200x1920"), ("iPadOS", "App", "1640x2360")],
    ]
    static let suspicious: [(os: String, browser: String, screen: String)] = [
        ("Linux", "HeadlessChrome", "800x600"), ("Android", "Emulator WebView", "720x1280"),
        ("Windows", "Tor Browser", "1000x900"), ("Unknown", "curl", "0x0"),
    ]

    static func device(type: DeviceType, id: UInt64, stream: inout RandomStream) -> Device {
        let options = signatures[type]!
        let pick = options[stream.below(options.count)]
        return Device(id: id, type: type, os: pick.os, browser: pick.browser, screenResolution: pick.screen)
    }
}

/// Product names built from category vocabularies.
enum ProductNames {
    static let adjectives = ["Premium", "Classic", "Essential", "Ultra", "Compact", "Deluxe", "Eco", "Smart", "Pro",
                             "Vintage", "Modern", "Lightweight", "Heavy-Duty", "Signature", "Everyday", "Travel"]
    static let nouns: [String: [String]] = [
        "Electronics": ["Monitor", "Headphones", "Laptop", "Smartphone", "Tablet", "Speaker", "Camera", "Smartwatch", "Router", "Keyboard"],
        "Clothing": ["Jacket", "T-Shirt", "Jeans", "Sneakers", "Dress", "Hoodie", "Scarf", "Boots", "Sweater", "Shorts"],
        "Home & Garden": ["Lamp", "Cookware Set", "Garden Hose", "Bedding Set", "Vacuum", "Planter", "Rug", "Blender", "Chair", "Shelf"],
        "Books": ["Novel", "Cookbook", "Biography", "Travel Guide", "Textbook", "Comic", "Poetry Collection", "Atlas"],
        "Sports & Outdoors": ["Tent", "Yoga Mat", "Bicycle Helmet", "Dumbbells", "Backpack", "Running Shoes", "Water Bottle", "Sleeping Bag"],
        "Toys & Games": ["Puzzle", "Board Game", "Building Set", "Doll", "RC Car", "Plush Toy", "Card Game", "Science Kit"],
        "Beauty & Personal Care": ["Face Cream", "Shampoo", "Perfume", "Hair Dryer", "Lipstick", "Serum", "Razor", "Sunscreen"],
        "Grocery": ["Coffee Beans", "Olive Oil", "Green Tea", "Dark Chocolate", "Granola", "Pasta", "Honey", "Spice Set"],
    ]
    static let generic = ["Item", "Set", "Kit", "Bundle", "Pack", "Collection"]

    static func name(category: String, stream: inout RandomStream) -> String {
        let list = nouns[category] ?? generic
        let qualifiers = ["", "Plus ", "Max ", "Mini ", "Series 2 ", "Pro "]
        return "\(adjectives[stream.below(adjectives.count)]) \(qualifiers[stream.below(qualifiers.count)])\(list[stream.below(list.count)])"
    }
}
