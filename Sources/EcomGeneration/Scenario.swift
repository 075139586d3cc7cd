import EcomModel

/// A named traffic situation: a rate multiplier, a fraud rate, and for seasonal ones a window.
public enum Scenario: String, CaseIterable, Sendable {
    /// Standard business operations.
    case normalTraffic = "normal_traffic"
    /// High-volume periods: three times the rates.
    case peakTraffic = "peak_traffic"
    /// Enhanced fraud: 10% of transactions are fraudulent.
    case fraudTesting = "fraud_testing"
    /// Reduced traffic: a tenth of the rates.
    case maintenanceMode = "maintenance_mode"
    /// The days around the configured Black Friday event, with the seed's higher fraud rate (1%).
    case blackFriday = "black_friday"

    /// Multiplier applied to every base rate.
    public var rateMultiplier: Double {
        switch self {
        case .peakTraffic: 3
        case .maintenanceMode: 0.1
        default: 1
        }
    }

    /// Fraud rate under the scenario.
    public func fraudRate(_ config: DataGenerationConfig) -> Double {
        switch self {
        case .fraudTesting: 0.1
        case .blackFriday: max(config.fraudRate, 0.01)
        default: config.fraudRate
        }
    }

    /// Default window: the configured one, or for `black_friday` the day before the event to the day after it.
    public func defaultWindow(_ config: DataGenerationConfig) -> (start: Timestamp, end: Timestamp) {
        if self == .blackFriday, let event = config.seasonalEvents["Black Friday"] {
            let start = Timestamp(civil: event.date).adding(milliseconds: -Timestamp.millisecondsPerDay)
            let hours = Int64(event.durationHours.rounded(.up)) * Timestamp.millisecondsPerHour
            return (start, start.adding(milliseconds: 2 * Timestamp.millisecondsPerDay + hours))
        }
        return (config.windowStart, config.windowStart.adding(milliseconds: Int64(config.windowDays) * Timestamp.millisecondsPerDay))
    }
}
