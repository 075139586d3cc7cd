/// Every setting of the generator, with the seed framework's defaults.
///
/// Loaded from YAML or JSON with ``ConfigLoader`` (snake_case keys, as in the seed's reference), printed by
/// `ecomdata config`, checked by ``validate()`` which returns every problem rather than the first.
public struct DataGenerationConfig: Sendable, Equatable {
    // MARK: User base
    /// Number of users in the catalog.
    public var totalUsers = 10_000
    /// Share of users who are active, i.e. appear in generated traffic.
    public var activeUserRatio = 0.7
    /// Share of VIP users.
    public var vipUserRatio = 0.05
    /// Share of new users (signed up within 30 days of the window start); the rest are regular.
    public var newUserRatio = 0.25

    // MARK: Product catalog
    /// Number of products in the catalog.
    public var totalProducts = 1_000
    /// Product categories, in catalog order.
    public var categories = DataGenerationConfig.defaultCategories.map(\.name)
    /// Price range (minimum, maximum) in USD per category.
    public var priceRanges: [String: PriceRange] = Dictionary(
        uniqueKeysWithValues: DataGenerationConfig.defaultCategories.map { ($0.name, $0.range) })
    /// Share of products flagged seasonal.
    public var seasonalProductRatio = 0.2
    /// Exponent of the Zipf law behind product popularity.
    public var popularityZipfExponent = 1.1

    // MARK: Rates, per hour, for an average weekday hour
    /// Transactions per hour.
    public var baseTransactionRate = 10_000.0
    /// User events per hour.
    public var baseEventRate = 100_000.0
    /// Product updates per hour.
    public var baseProductUpdateRate = 1_000.0
    /// Fraud alerts per hour (used when alerts are generated on their own).
    public var baseFraudAlertRate = 100.0
    /// Analytics results per hour.
    public var baseAnalyticsRate = 500.0

    // MARK: Time patterns
    /// First local hour of business hours (inclusive).
    public var businessHoursStart = 9
    /// Last local hour of business hours (inclusive: 21 means until 21:59).
    public var businessHoursEnd = 21
    /// Local hours whose traffic is multiplied by `peakHourMultiplier`.
    public var peakHours = [10, 14, 19, 20, 21]
    /// Traffic multiplier of a peak hour relative to another business hour.
    public var peakHourMultiplier = 3.0
    /// Relative traffic of a night hour (00-05 local) against a business hour.
    public var nightWeight = 0.1
    /// Traffic multiplier on Saturdays and Sundays, local time.
    public var weekendMultiplier = 1.5

    // MARK: Fraud
    /// Share of transactions that are fraudulent.
    public var fraudRate = 0.001
    /// Mix of fraud kinds among fraudulent transactions; sums to 1.
    public var fraudPatterns: [FraudType: Double] = [
        .velocity: 0.25, .location: 0.20, .amount: 0.20, .time: 0.15, .device: 0.10, .pattern: 0.10,
    ]

    // MARK: Behaviour and geography
    /// Regions with their share of users and traffic; sums to 1.
    public var regions: [Region: RegionSettings] = [
        .northAmerica: RegionSettings(weight: 0.45, timeZoneOffset: -5),
        .europe: RegionSettings(weight: 0.30, timeZoneOffset: 1),
        .asia: RegionSettings(weight: 0.20, timeZoneOffset: 8),
        .others: RegionSettings(weight: 0.05, timeZoneOffset: 0),
    ]
    /// Device mix of sessions and transactions; sums to 1.
    public var devices: [DeviceType: Double] = [.mobile: 0.50, .desktop: 0.35, .tablet: 0.15]
    /// Users' age bands; a band leans its users' preferred categories (``AgeGroup/affinity(_:)``).
    public var ageGroups: [AgeGroup: Double] = [.from18To24: 0.16, .from25To34: 0.28, .from35To44: 0.24, .from45To54: 0.17, .from55: 0.15]
    /// Payment method mix of transactions; sums to 1.
    public var paymentMethods: [PaymentMethod: Double] = [
        .creditCard: 0.40, .debitCard: 0.25, .paypal: 0.18, .applePay: 0.08, .googlePay: 0.06, .bankTransfer: 0.03,
    ]
    /// Largest distance, in kilometres, of a record's coordinates from its city centre.
    public var locationJitterKm = 10.0

    // MARK: Seasonal events
    /// Named events with their start date, multiplier, duration and boosted categories.
    public var seasonalEvents: [String: SeasonalEvent] = DataGenerationConfig.defaultSeasonalEvents

    // MARK: Kafka topics
    /// Partitions of each topic `topics create`, `broker` and an embedded stream create.
    public var topicPartitions = 4
    /// Replication factor of those topics.
    public var topicReplicationFactor = 1

    // MARK: Default window
    /// Start of the default generation window (UTC).
    public var windowStart = Timestamp(civil: CivilDate(year: 2024, month: 9, day: 2))
    /// Length of the default generation window in days. The default, 28 days from a Monday, covers whole
    /// weeks and no seasonal event, so weekday and hourly profiles can be checked on it.
    public var windowDays = 28

    /// The seed framework's defaults.
    public init() {}

    /// Seasonal events sorted by name, so that iteration is deterministic.
    public var sortedSeasonalEvents: [(name: String, event: SeasonalEvent)] {
        seasonalEvents.keys.sorted().map { ($0, seasonalEvents[$0]!) }
    }

    /// The regions with a non-zero weight, in ``Region`` order.
    public var activeRegions: [Region] { Region.allCases.filter { (regions[$0]?.weight ?? 0) > 0 } }

    static let defaultCategories: [(name: String, range: PriceRange)] = [
        ("Electronics", PriceRange(min: 25, max: 2_000)),
        ("Clothing", PriceRange(min: 10, max: 300)),
        ("Home & Garden", PriceRange(min: 15, max: 800)),
        ("Books", PriceRange(min: 5, max: 60)),
        ("Sports & Outdoors", PriceRange(min: 10, max: 500)),
        ("Toys & Games", PriceRange(min: 5, max: 150)),
        ("Beauty & Personal Care", PriceRange(min: 5, max: 120)),
        ("Grocery", PriceRange(min: 2, max: 80)),
    ]

    static let defaultSeasonalEvents: [String: SeasonalEvent] = [
        "Valentine's Day": SeasonalEvent(
            date: CivilDate(year: 2024, month: 2, day: 14), multiplier: 3, durationHours: 24,
            categories: ["Beauty & Personal Care", "Clothing"]),
        "Summer Sale": SeasonalEvent(
            date: CivilDate(year: 2024, month: 7, day: 16), multiplier: 4, durationHours: 48,
            categories: ["Electronics", "Home & Garden"]),
        "Back to School": SeasonalEvent(
            date: CivilDate(year: 2024, month: 8, day: 12), multiplier: 2, durationHours: 168,
            categories: ["Books", "Electronics", "Clothing"]),
        "Black Friday": SeasonalEvent(
            date: CivilDate(year: 2024, month: 11, day: 29), multiplier: 8, durationHours: 24,
            categories: ["Electronics", "Clothing"]),
        "Cyber Monday": SeasonalEvent(
            date: CivilDate(year: 2024, month: 12, day: 2), multiplier: 5, durationHours: 24,
            categories: ["Electronics"]),
        "Christmas": SeasonalEvent(
            date: CivilDate(year: 2024, month: 12, day: 25), multiplier: 6, durationHours: 72,
            categories: ["Toys & Games", "Electronics"]),
    ]
}

/// A closed price interval in USD.
public struct PriceRange: Sendable, Equatable {
    /// Lowest price.
    public var min: Double
    /// Highest price.
    public var max: Double
    /// Creates a range.
    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }
}

/// A region's share and representative UTC offset (the seed's `time_zone_offset`; record time zones come
/// from each city's IANA zone).
public struct RegionSettings: Sendable, Equatable {
    /// Share of users and traffic.
    public var weight: Double
    /// Representative offset in hours.
    public var timeZoneOffset: Double
    /// Creates settings.
    public init(weight: Double, timeZoneOffset: Double) {
        self.weight = weight
        self.timeZoneOffset = timeZoneOffset
    }
}

/// A seasonal event: traffic is multiplied while it lasts, in each user's local time, and its categories
/// are favoured.
public struct SeasonalEvent: Sendable, Equatable {
    /// Local date the event starts on, at midnight.
    public var date: CivilDate
    /// Traffic multiplier while the event lasts.
    public var multiplier: Double
    /// Length of the event in hours.
    public var durationHours: Double
    /// Categories whose products are favoured during the event.
    public var categories: [String]
    /// Creates an event.
    public init(date: CivilDate, multiplier: Double, durationHours: Double, categories: [String]) {
        self.date = date
        self.multiplier = multiplier
        self.durationHours = durationHours
        self.categories = categories
    }
}
