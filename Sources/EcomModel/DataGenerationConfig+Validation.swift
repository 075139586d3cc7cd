extension DataGenerationConfig {
    /// Every semantic problem (weights not summing to 1, negative rates, unknown categories, bad hours,
    /// empty windows), each with its key path; empty when the configuration is usable.
    public func validate() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func check(_ ok: Bool, _ path: String, _ message: @autoclosure () -> String) {
            if !ok { problems.append(ConfigProblem(path: path, message: message())) }
        }
        func ratio(_ value: Double, _ path: String) {
            check(value >= 0 && value <= 1, path, "must be between 0 and 1, got \(value)")
        }
        func sumsToOne(_ values: [Double], _ path: String) {
            let total = values.reduce(0, +)
            check(abs(total - 1) <= 1e-6, path, "weights must sum to 1, they sum to \(rounded(total)); change them so that they do")
            for value in values where value < 0 { check(false, path, "weights must not be negative, got \(value)") }
        }

        check(totalUsers >= 1 && totalUsers <= 100_000_000, "total_users", "must be between 1 and 100,000,000, got \(totalUsers)")
        ratio(activeUserRatio, "active_user_ratio")
        check(activeUserRatio * Double(totalUsers) >= 1, "active_user_ratio", "leaves no active user; raise it or total_users")
        ratio(vipUserRatio, "vip_user_ratio")
        ratio(newUserRatio, "new_user_ratio")
        check(vipUserRatio + newUserRatio <= 1 + 1e-9, "new_user_ratio",
              "vip_user_ratio + new_user_ratio must not exceed 1 (regular users are the rest), they sum to \(rounded(vipUserRatio + newUserRatio))")

        check(totalProducts >= 1 && totalProducts <= 10_000_000, "total_products", "must be between 1 and 10,000,000, got \(totalProducts)")
        check(!categories.isEmpty, "categories", "needs at least one category")
        check(Set(categories).count == categories.count, "categories", "lists a category twice")
        check(totalProducts >= categories.count, "total_products", "must be at least the number of categories (\(categories.count))")
        for category in categories where priceRanges[category] == nil {
            check(false, "price_ranges", "has no range for category '\(category)'; add \(category): [min, max]")
        }
        for (category, range) in priceRanges.sorted(by: { $0.key < $1.key }) {
            let path = "price_ranges.\(category)"
            check(categories.contains(category), path, "unknown category; categories are \(categories.joined(separator: ", "))")
            check(range.min > 0 && range.min <= range.max, path, "needs 0 < min <= max, got [\(range.min), \(range.max)]")
        }
        ratio(seasonalProductRatio, "seasonal_product_ratio")
        check(popularityZipfExponent >= 0 && popularityZipfExponent <= 5, "popularity_zipf_exponent", "must be between 0 and 5")

        for (name, rate) in [("base_transaction_rate", baseTransactionRate), ("base_event_rate", baseEventRate),
                             ("base_product_update_rate", baseProductUpdateRate), ("base_fraud_alert_rate", baseFraudAlertRate),
                             ("base_analytics_rate", baseAnalyticsRate)] {
            check(rate >= 0, name, "a rate per hour must not be negative, got \(rate)")
        }
        check((0...23).contains(businessHoursStart) && (0...23).contains(businessHoursEnd) && businessHoursStart <= businessHoursEnd,
              "business_hours", "needs two local hours 0-23, first <= last, got [\(businessHoursStart), \(businessHoursEnd)]")
        for hour in peakHours where !(0...23).contains(hour) { check(false, "peak_hours", "\(hour) is not an hour 0-23") }
        check(peakHourMultiplier > 0, "peak_hour_multiplier", "must be positive")
        check(nightWeight >= 0 && nightWeight <= 1, "night_weight", "must be between 0 and 1")
        check(weekendMultiplier > 0, "weekend_multiplier", "must be positive")

        ratio(fraudRate, "fraud_rate")
        sumsToOne(Array(fraudPatterns.values), "fraud_patterns")
        check(categories.count >= 2 || (fraudPatterns[.pattern] ?? 0) == 0, "fraud_patterns.pattern",
              "a pattern fraud buys from a category its user does not prefer, which needs two categories at least; add one, or set it to 0")
        let regionWeights = regions.values.map(\.weight)
        sumsToOne(regionWeights, "regions")
        for (region, settings) in regions.sorted(by: { $0.key < $1.key }) {
            check((-12...14).contains(settings.timeZoneOffset), "regions.\(region.rawValue).time_zone_offset", "must be between -12 and 14")
        }
        sumsToOne(Array(devices.values), "devices")
        sumsToOne(Array(ageGroups.values), "age_groups")
        sumsToOne(Array(paymentMethods.values), "payment_methods")
        check(locationJitterKm >= 0 && locationJitterKm <= 50, "location_jitter_km", "must be between 0 and 50 km")

        for (name, event) in sortedSeasonalEvents {
            let path = "seasonal_events.\(name)"
            check(event.multiplier > 0, "\(path).multiplier", "must be positive, got \(event.multiplier)")
            check(event.durationHours > 0 && event.durationHours <= 24 * 366, "\(path).duration_hours", "must be between 0 and a year, got \(event.durationHours)")
            check(event.date.year >= 1971 && event.date.year <= 2999, "\(path).date", "must be between 1971 and 2999")
            for category in event.categories where !categories.contains(category) {
                check(false, "\(path).categories", "unknown category '\(category)'; categories are \(categories.joined(separator: ", "))")
            }
        }
        check((1...10_000).contains(topicPartitions), "kafka.partitions", "must be between 1 and 10,000")
        check((1...32).contains(topicReplicationFactor), "kafka.replication_factor", "must be between 1 and 32")
        check(windowDays >= 1 && windowDays <= 3660, "window.days", "must be between 1 and 3660")
        return problems
    }

    private func rounded(_ value: Double) -> String {
        let scaled = (value * 1_000_000).rounded() / 1_000_000
        return "\(scaled)"
    }
}
