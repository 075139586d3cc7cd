import EcomJSON

extension DataGenerationConfig {
    /// The configuration as a JSON document with the file's snake_case keys; loading it back gives the
    /// same configuration.
    public var json: JSONValue {
        func weights<Key: RawRepresentable & Comparable>(_ map: [Key: Double]) -> JSONValue where Key.RawValue == String {
            .object(map.keys.sorted().map { ($0.rawValue, .double(map[$0]!)) })
        }
        return .object([
            ("total_users", .int(Int64(totalUsers))),
            ("active_user_ratio", .double(activeUserRatio)),
            ("vip_user_ratio", .double(vipUserRatio)),
            ("new_user_ratio", .double(newUserRatio)),
            ("total_products", .int(Int64(totalProducts))),
            ("categories", .array(categories.map { .string($0) })),
            ("price_ranges", .object(categories.compactMap { name in
                priceRanges[name].map { (name, .array([.double($0.min), .double($0.max)])) }
            })),
            ("seasonal_product_ratio", .double(seasonalProductRatio)),
            ("popularity_zipf_exponent", .double(popularityZipfExponent)),
            ("base_transaction_rate", .double(baseTransactionRate)),
            ("base_event_rate", .double(baseEventRate)),
            ("base_product_update_rate", .double(baseProductUpdateRate)),
            ("base_fraud_alert_rate", .double(baseFraudAlertRate)),
            ("base_analytics_rate", .double(baseAnalyticsRate)),
            ("business_hours", .array([.int(Int64(businessHoursStart)), .int(Int64(businessHoursEnd))])),
            ("peak_hours", .array(peakHours.map { .int(Int64($0)) })),
            ("peak_hour_multiplier", .double(peakHourMultiplier)),
            ("night_weight", .double(nightWeight)),
            ("weekend_multiplier", .double(weekendMultiplier)),
            ("fraud_rate", .double(fraudRate)),
            ("fraud_patterns", weights(fraudPatterns)),
            ("regions", .object(regions.keys.sorted().map { region in
                (region.rawValue, .object([
                    ("weight", .double(regions[region]!.weight)),
                    ("time_zone_offset", .double(regions[region]!.timeZoneOffset)),
                ]))
            })),
            ("devices", weights(devices)),
            ("age_groups", weights(ageGroups)),
            ("payment_methods", weights(paymentMethods)),
            ("location_jitter_km", .double(locationJitterKm)),
            ("seasonal_events", .object(sortedSeasonalEvents.map { name, event in
                (name, .object([
                    ("date", .string(event.date.description)),
                    ("multiplier", .double(event.multiplier)),
                    ("duration_hours", .double(event.durationHours)),
                    ("categories", .array(event.categories.map { .string($0) })),
                ]))
            })),
            ("kafka", .object([("partitions", .int(Int64(topicPartitions))), ("replication_factor", .int(Int64(topicReplicationFactor)))])),
            ("window", .object([("start", .string(windowStart.description)), ("days", .int(Int64(windowDays)))])),
        ])
    }

    /// SHA-256 of the compact JSON form: identifies the configuration in manifests.
    public var digest: String { SHA256.hex(json.encoded()) }
}
