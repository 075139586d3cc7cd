/// A geographic region of the seed's distribution.
public enum Region: String, CaseIterable, Sendable, DeclarationOrdered {
    case northAmerica = "North America"
    case europe = "Europe"
    case asia = "Asia"
    case others = "Others"
}

/// The kind of a fraudulent transaction.
public enum FraudType: String, CaseIterable, Sendable, DeclarationOrdered {
    /// A burst of 5-15 transactions by one user within 5 minutes.
    case velocity
    /// A transaction from a city on another continent than the user's home.
    case location
    /// An amount 5-20 times the user's usual basket.
    case amount
    /// A transaction between 02:00 and 04:00 local time.
    case time
    /// A transaction from a device the user never used, with a suspicious signature.
    case device
    /// A purchase in a category the user never buys.
    case pattern
}

/// A device class.
public enum DeviceType: String, CaseIterable, Sendable, DeclarationOrdered {
    case mobile, desktop, tablet
}

/// Cases ordered as they are declared (the order reports and configs print them in).
public protocol DeclarationOrdered: CaseIterable, Comparable {}

extension DeclarationOrdered {
    public static func < (lhs: Self, rhs: Self) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }
}

/// A user's age band (the framework's "User Demographics: Age groups"), which leans their preferred categories.
public enum AgeGroup: String, CaseIterable, Sendable, DeclarationOrdered {
    case from18To24 = "18-24"
    case from25To34 = "25-34"
    case from35To44 = "35-44"
    case from45To54 = "45-54"
    case from55 = "55+"

    /// How much more (or less) likely than average a user of this band is to prefer a category of the seed's eight (1 for
    /// any other category): "category preferences based on demographics".
    public func affinity(_ category: String) -> Double {
        let table: [String: [Double]] = [
            // 18-24, 25-34, 35-44, 45-54, 55+
            "Electronics": [1.5, 1.3, 1.0, 0.9, 0.7],
            "Clothing": [1.6, 1.3, 1.0, 0.8, 0.7],
            "Home & Garden": [0.5, 0.9, 1.3, 1.4, 1.3],
            "Books": [1.0, 0.9, 0.9, 1.1, 1.5],
            "Sports & Outdoors": [1.3, 1.2, 1.0, 0.9, 0.7],
            "Toys & Games": [0.7, 1.2, 1.4, 0.9, 0.8],
            "Beauty & Personal Care": [1.3, 1.1, 0.9, 0.9, 0.9],
            "Grocery": [0.6, 0.9, 1.2, 1.3, 1.4],
        ]
        return table[category]?[Self.allCases.firstIndex(of: self)!] ?? 1
    }
}

/// A payment method.
public enum PaymentMethod: String, CaseIterable, Sendable, DeclarationOrdered {
    case creditCard = "credit_card"
    case debitCard = "debit_card"
    case paypal
    case applePay = "apple_pay"
    case googlePay = "google_pay"
    case bankTransfer = "bank_transfer"
}

/// A user segment.
public enum UserType: String, CaseIterable, Sendable {
    case regular, vip, new
}

/// The five record types and their Kafka topics and keys.
public enum RecordType: String, CaseIterable, Sendable {
    case transactions
    case userEvents = "user_events"
    case productUpdates = "product_updates"
    case fraudAlerts = "fraud_alerts"
    case analyticsResults = "analytics_results"

    /// The Kafka topic the type is produced to.
    public var topic: String {
        switch self {
        case .transactions: "transactions"
        case .userEvents: "user-events"
        case .productUpdates: "product-updates"
        case .fraudAlerts: "fraud-alerts"
        case .analyticsResults: "analytics-results"
        }
    }

    /// The record field used as the Kafka message key.
    public var keyField: String {
        switch self {
        case .transactions: "user_id"
        case .userEvents: "session_id"
        case .productUpdates: "product_id"
        case .fraudAlerts: "transaction_id"
        case .analyticsResults: "metric_type"
        }
    }

    /// The field holding the record's unique identifier.
    public var idField: String {
        switch self {
        case .transactions: "transaction_id"
        case .userEvents: "event_id"
        case .productUpdates: "update_id"
        case .fraudAlerts: "alert_id"
        case .analyticsResults: "result_id"
        }
    }

    /// Accepts the type's name, its topic, or a singular form (`transaction`, `user-event`, ...).
    public init?(name: String) {
        let normalised = name.lowercased().replacingOccurrences(of: "-", with: "_")
        for type in RecordType.allCases
        where normalised == type.rawValue || normalised + "s" == type.rawValue {
            self = type
            return
        }
        return nil
    }

    /// The base hourly rate of the type in `config`.
    public func baseRate(in config: DataGenerationConfig) -> Double {
        switch self {
        case .transactions: config.baseTransactionRate
        case .userEvents: config.baseEventRate
        case .productUpdates: config.baseProductUpdateRate
        case .fraudAlerts: config.baseFraudAlertRate
        case .analyticsResults: config.baseAnalyticsRate
        }
    }
}
