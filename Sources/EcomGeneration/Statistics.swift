import EcomJSON
import EcomModel

extension ECommerceDataGenerator {
    /// The seed's `get_statistics`: catalog sizes and splits, and the volume the rates give over the window.
    public func statistics() -> JSONValue {
        func shares<Key: Hashable>(_ keys: [Key], _ name: (Key) -> String, _ count: (Key) -> Int, total: Int) -> JSONValue {
            .object(keys.map { (name($0), .double(total > 0 ? Double(count($0)) / Double(total) : 0)) })
        }
        let users = catalog.users
        let active = users.filter(\.isActive).count
        var byType: [UserType: Int] = [:]
        var byRegion: [Region: Int] = [:]
        var byAge: [AgeGroup: Int] = [:]
        for user in users {
            byType[user.type, default: 0] += 1
            byAge[user.ageGroup, default: 0] += 1
            byRegion[catalog.cities[user.homeCity].region, default: 0] += 1
        }
        var byCategory = [Int](repeating: 0, count: config.categories.count)
        for product in catalog.products { byCategory[product.category] += 1 }
        let prices = catalog.products.map(\.priceCents).sorted()
        return .object([
            ("total_users", .int(Int64(users.count))),
            ("active_users", .int(Int64(active))),
            ("total_products", .int(Int64(catalog.products.count))),
            ("cities", .int(Int64(catalog.cities.count))),
            ("countries", .int(Int64(Set(catalog.cities.map(\.country)).count))),
            ("user_types", shares(UserType.allCases, \.rawValue, { byType[$0] ?? 0 }, total: users.count)),
            ("user_regions", shares(Region.allCases, \.rawValue, { byRegion[$0] ?? 0 }, total: users.count)),
            ("user_age_groups", shares(AgeGroup.allCases, \.rawValue, { byAge[$0] ?? 0 }, total: users.count)),
            ("products_per_category", .object(config.categories.enumerated().map { ($1, .int(Int64(byCategory[$0]))) })),
            ("median_price_usd", .double(Double(prices.isEmpty ? 0 : prices[prices.count / 2]) / 100)),
            ("fraud_rate", .double(context.fraudRate)),
            ("expected_records_in_window", .object(RecordType.allCases.map { type in
                (type.rawValue, .int(Int64(expectedCount(type: type, start: window.start, end: window.end))))
            })),
        ])
    }
}
