import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

/// What the referential checks compare records with: users, products and cities, from a generator's
/// catalog (seed and config) or from the catalog files `historical` and `--catalog-out` write.
public final class ReferenceCatalog: @unchecked Sendable {
    // Built in init and never written afterwards; the byte strings point into `store`, which lives as long
    // as the catalog.
    /// A user as the checks need it.
    public struct UserEntry: Sendable {
        public var type: UserType
        public var isActive: Bool
        public var homeCity: Int?
        public var deviceIDs: [UInt64]
        public var preferredCategories: [String]
    }

    /// A product as the checks need it.
    public struct ProductEntry: @unchecked Sendable {
        // `nameBytes` points into the catalog's store (read-only once built).
        public var name: [UInt8]
        /// The name at a stable address, for comparisons.
        var nameBytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        public var category: String
        public var priceCents: Int64
        /// Whether the product is seasonal (nil when a catalog file does not say).
        public var seasonal: Bool? = nil
    }

    public private(set) var users: [UserEntry] = []
    /// Each user's ID, by the index `users` and the look-ups give (for messages).
    private var userIDs: [UnsafeBufferPointer<UInt8>] = []
    public private(set) var products: [ProductEntry] = []
    /// The look-up tables of IDs and names; a checker keeps a copy of its own (``CatalogLookup``).
    private(set) var lookup = CatalogLookup()
    private let store = ByteStore()
    /// The cities fixture.
    public let cities = City.all
    /// Where the catalog came from, for the report.
    public let source: String

    /// The catalog a generator with `seed` and `config` uses.
    public init(generator: ECommerceDataGenerator) {
        source = Self.rebuiltSource(seed: generator.seed)
        let catalog = generator.catalog
        for (index, user) in catalog.users.enumerated() {
            addUser(id: Array(Catalog.id(prefix: "user_", index + 1, digits: catalog.userDigits).utf8),
                    UserEntry(type: user.type, isActive: user.isActive, homeCity: catalog.cities[user.homeCity].index, deviceIDs: user.devices.map(\.id),
                              preferredCategories: user.preferredCategories.map { catalog.config.categories[$0] }))
        }
        for (index, product) in catalog.products.enumerated() {
            addProduct(id: Array(Catalog.id(prefix: "prod_", index + 1, digits: catalog.productDigits).utf8),
                       ProductEntry(name: Array(product.name.utf8), category: catalog.config.categories[product.category],
                                    priceCents: product.priceCents, seasonal: product.isSeasonal))
        }
        indexCities()
    }

    /// Reads `users.ndjson` and `products.ndjson` from `directory`.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` or ``ValidationError/badCatalog(_:line:_:)``.
    public init(directory: String) throws(ValidationError) {
        source = directory
        // Each entry's line, to name the first of an ID given twice.
        var userLines: [Int] = [], productLines: [Int] = []
        try readLines("\(directory)/users.ndjson") { (record, path, line) throws(ValidationError) in
            guard let id = record["user_id"]?.stringValue, let type = record["user_type"]?.stringValue.flatMap(UserType.init(rawValue:)) else {
                throw .badCatalog(path, line: line, "a user needs user_id and user_type")
            }
            let home = record["home_city"]?.stringValue
            let country = record["country"]?.stringValue
            let devices = (record["devices"]?.arrayValue ?? []).compactMap { device -> UInt64? in
                guard let text = device["device_id"]?.stringValue, text.hasPrefix("dev_") else { return nil }
                return UInt64(text.dropFirst(4), radix: 16)
            }
            users.append(UserEntry(type: type, isActive: record["is_active"]?.boolValue ?? true, homeCity: City.all.firstIndex { $0.name == home && $0.country == country },
                                   deviceIDs: devices, preferredCategories: (record["preferred_categories"]?.arrayValue ?? []).compactMap(\.stringValue)))
            let interned = store.intern(Array(id.utf8))
            // A second entry for an ID would silently win over the first: the catalog must say one thing of each user.
            if let first = lookup.users.value(interned) {
                throw .badCatalog(path, line: line, "\(id) is in the catalog twice (first at line \(userLines[Int(first)]))")
            }
            userIDs.append(interned)
            userLines.append(line)
            lookup.users.set(interned, Int32(users.count - 1))
        }
        try readLines("\(directory)/products.ndjson") { (record, path, line) throws(ValidationError) in
            guard let id = record["product_id"]?.stringValue, let name = record["name"]?.stringValue,
                  let category = record["category"]?.stringValue, let price = record["price"]?.doubleValue else {
                throw .badCatalog(path, line: line, "a product needs product_id, name, category and price")
            }
            // A catalog price is a price: a billion dollars or more (or below zero) is a broken catalog, not a number to trap on.
            guard price >= 0, price < 1e9 else {
                throw .badCatalog(path, line: line, "price \(price) of \(id) is not a price (0 up to a billion)")
            }
            if let first = Array(id.utf8).withUnsafeBufferPointer({ lookup.products.value($0) }) {
                throw .badCatalog(path, line: line, "\(id) is in the catalog twice (first at line \(productLines[Int(first)]))")
            }
            productLines.append(line)
            addProduct(id: Array(id.utf8), ProductEntry(name: Array(name.utf8), category: category, priceCents: Int64((price * 100).rounded()),
                                                        seasonal: record["seasonal"]?.boolValue))
        }
        indexCities()
    }

    private func readLines(_ path: String, _ body: (JSONValue, String, Int) throws(ValidationError) -> Void) throws(ValidationError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "cannot read the catalog file") }
        var line = 0
        for text in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            if text.isEmpty { continue }
            guard let record = try? JSONValue.parse(String(text)) else { throw .badCatalog(path, line: line, "not a JSON record") }
            try body(record, path, line)
        }
    }

    private func addUser(id: [UInt8], _ entry: UserEntry) {
        users.append(entry)
        let interned = store.intern(id)
        userIDs.append(interned)
        lookup.users.set(interned, Int32(users.count - 1))
    }

    /// The ID of the user at `index` (as ``CatalogLookup`` gives indexes).
    func userID(_ index: Int) -> String { userIDs.indices.contains(index) ? userIDs[index].text : "user #\(index)" }

    private func addProduct(id: [UInt8], _ entry: ProductEntry) {
        var entry = entry
        entry.nameBytes = store.intern(entry.name)
        products.append(entry)
        lookup.productNames.append(entry.nameBytes)
        lookup.productPrices.append(entry.priceCents)
        lookup.products.set(store.intern(id), Int32(products.count - 1))
    }

    private func indexCities() {
        lookup.nextCity = Array(repeating: -1, count: cities.count)
        for city in cities {
            let name = store.intern(city.name.utf8)
            lookup.cityNames.append(name)
            lookup.cityCountries.append(store.intern(city.country.utf8))
            let key = idHash(name)
            if let first = lookup.cityIndex.value(key) { lookup.nextCity[city.index] = first }
            lookup.cityIndex.set(key, Int32(city.index))
        }
    }

    /// The share of each user type among the active users (who make the traffic), in ``UserType`` order: the
    /// configured ratios as this finite catalog realised them.
    public var activeUserTypeShares: [Double] {
        var counts = Array(repeating: 0, count: UserType.allCases.count)
        for user in users where user.isActive { counts[UserType.allCases.firstIndex(of: user.type)!] += 1 }
        let total = max(1, counts.reduce(0, +))
        return counts.map { Double($0) / Double(total) }
    }

    /// The index of the user with ID `id`.
    public func user(_ id: UnsafeBufferPointer<UInt8>) -> Int? { lookup.user(id) }

    /// The index of the product with ID `id`.
    public func product(_ id: UnsafeBufferPointer<UInt8>) -> Int? { lookup.product(id) }

    /// The city named `name` in `country`.
    public func city(_ name: UnsafeBufferPointer<UInt8>, country: UnsafeBufferPointer<UInt8>) -> City? {
        lookup.cityPosition(name, country: country).map { cities[$0] }
    }
}

/// A catalog's look-up tables, by value: a checker keeps a copy in a constant of its own, so that looking up the
/// user, products and city of every record touches no reference count (a catalog shared by the threads of a
/// parallel run would have its count's cache line go back and forth between cores). The byte strings point into
/// the catalog's store: valid while the catalog lives.
struct CatalogLookup: @unchecked Sendable {
    var users = IDIndex()
    var products = IDIndex()
    /// Each product's name (at a stable address) and price, apart: read for every line item without copying the
    /// entry (whose strings would be retained and released each time).
    var productNames: [UnsafeBufferPointer<UInt8>] = []
    var productPrices: [Int64] = []
    /// Cities by the hash of their name (first of a chain; `nextCity` links cities sharing a name hash).
    var cityIndex = HashMap64()
    var nextCity: [Int32] = []
    var cityNames: [UnsafeBufferPointer<UInt8>] = []
    var cityCountries: [UnsafeBufferPointer<UInt8>] = []

    /// The index of the user with ID `id`.
    @inline(__always)
    func user(_ id: UnsafeBufferPointer<UInt8>) -> Int? { users.value(id).map(Int.init) }

    /// The index of the product with ID `id`.
    @inline(__always)
    func product(_ id: UnsafeBufferPointer<UInt8>) -> Int? { products.value(id).map(Int.init) }

    /// Starts loading where ``user(_:)`` will look `id` up.
    @inline(__always)
    func prefetchUser(_ id: UnsafeBufferPointer<UInt8>) { users.prefetch(id) }

    /// Starts loading where ``product(_:)`` will look `id` up.
    @inline(__always)
    func prefetchProduct(_ id: UnsafeBufferPointer<UInt8>) { products.prefetch(id) }

    /// The position in the cities fixture of the city named `name` in `country`.
    func cityPosition(_ name: UnsafeBufferPointer<UInt8>, country: UnsafeBufferPointer<UInt8>) -> Int? {
        var candidate = cityIndex.value(idHash(name)).map(Int.init) ?? -1
        while candidate >= 0 {
            if sameBytes(cityNames[candidate], name) && sameBytes(cityCountries[candidate], country) { return candidate }
            candidate = Int(nextCity[candidate])
        }
        return nil
    }
}

/// Why validation could not run.
public enum ValidationError: Error, CustomStringConvertible, Sendable {
    case unreadable(String, String)
    case badCatalog(String, line: Int, String)
    /// An input that is a compressed file (the format's name), not NDJSON.
    case compressed(String, String)
    /// An input in another encoding than UTF-8 (its name).
    case notUTF8(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): "\(path): \(why); check the path and permissions"
        case let .badCatalog(path, line, why): "\(path):\(line): \(why); pass the directory `historical` or --catalog-out wrote"
        case let .notUTF8(path, encoding):
            "\(path):1: \(encoding) text, not UTF-8 (NDJSON is UTF-8); convert it first, e.g. `iconv -f \(encoding) -t UTF-8 \(path) | ecomdata validate -`"
        case let .compressed(path, format):
            "\(path):1: a \(format)-compressed file, not NDJSON; decompress it first, e.g. `\(format == "gzip" ? "gzip -dc" : format == "zip" ? "unzip -p" : format + " -dc") \(path) | ecomdata validate -`"
        }
    }
}
