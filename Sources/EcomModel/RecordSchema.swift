import EcomJSON

/// The shape of a record type, one definition from which the JSON Schema and the Spark StructType are
/// derived (and which the validator enforces).
public indirect enum FieldType: Sendable {
    case string(format: String? = nil, pattern: String? = nil, values: [String]? = nil)
    case integer(minimum: Int64? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    case object([Field])
    case array(FieldType, minItems: Int = 0)
}

/// A named field of a record.
public struct Field: Sendable {
    /// JSON name.
    public let name: String
    /// Type and constraints.
    public let type: FieldType
    /// Whether the value may be null.
    public let nullable: Bool
    /// Whether every record has the field (false: only some records carry it).
    public let required: Bool
    /// What the field means.
    public let description: String

    /// Creates a field.
    public init(_ name: String, _ type: FieldType, nullable: Bool = false, required: Bool = true, _ description: String) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.required = required
        self.description = description
    }
}

/// The schema of each record type.
public enum RecordSchema {
    static let timestamp = FieldType.string(format: "date-time", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$")
    static func id(_ prefix: String) -> FieldType { .string(pattern: "^\(prefix)[0-9a-f]+$") }

    static let transactionDevice = FieldType.object([
        Field("device_id", id("dev_"), "Device identifier; unknown to the user's catalog devices for device fraud."),
        Field("device_type", .string(values: DeviceType.allCases.map(\.rawValue)), "Device class."),
        Field("os", .string(), "Operating system."),
        Field("browser", .string(), "Browser or app."),
        Field("is_new_device", .boolean, required: false, "Present (true) only when the device is new to the user: device fraud."),
    ])

    /// The fields of `type`, in the order records are written.
    public static func fields(of type: RecordType) -> [Field] {
        switch type {
        case .transactions:
            return [
                Field("transaction_id", id("txn_"), "Unique transaction identifier."),
                Field("user_id", id("user_"), "Buyer; exists in users.ndjson."),
                Field("session_id", id("sess_"), "Checkout session."),
                Field("timestamp", timestamp, "UTC time of the purchase."),
                Field("products", .array(.object([
                    Field("product_id", id("prod_"), "Product; exists in products.ndjson."),
                    Field("name", .string(), "Catalog name."),
                    Field("category", .string(), "Catalog category."),
                    Field("price", .number(minimum: 0), "Catalog list price, USD."),
                    Field("quantity", .integer(minimum: 1), "Units bought."),
                ]), minItems: 1), "Line items."),
                Field("subtotal", .number(minimum: 0), "Sum of price x quantity."),
                Field("tax", .number(minimum: 0), "Tax at the region's rate."),
                Field("shipping", .number(minimum: 0), "Shipping; free from 50 USD."),
                Field("total_amount", .number(minimum: 0), "subtotal + tax + shipping."),
                Field("currency", .string(values: ["USD"]), "ISO 4217 currency."),
                Field("payment_method", .string(values: PaymentMethod.allCases.map(\.rawValue)), "Payment method."),
                Field("location", .object([
                    Field("country", .string(pattern: "^[A-Z]{2}$"), "ISO 3166-1 alpha-2."),
                    Field("state", .string(), "State, province or region."),
                    Field("city", .string(), "City name."),
                    Field("timezone", .string(), "IANA time zone of the city."),
                    Field("region", .string(values: Region.allCases.map(\.rawValue)), "Region."),
                    Field("latitude", .number(minimum: -90, maximum: 90), "Degrees, within the jitter radius of the city."),
                    Field("longitude", .number(minimum: -180, maximum: 180), "Degrees."),
                ]), "Where the purchase was made."),
                Field("device_info", transactionDevice, "Device used."),
                Field("user_type", .string(values: UserType.allCases.map(\.rawValue)), "Buyer segment."),
                Field("is_fraud", .boolean, "Ground-truth fraud label."),
                Field("fraud_score", .number(minimum: 0, maximum: 1), "Model score."),
                Field("fraud_type", .string(values: FraudType.allCases.map(\.rawValue)), nullable: true, "Fraud kind, null when legitimate."),
            ]
        case .userEvents:
            return [
                Field("event_id", id("evt_"), "Unique event identifier."),
                Field("user_id", id("user_"), "User; exists in users.ndjson."),
                Field("session_id", id("sess_"), "Session; one user per session."),
                Field("event_type", .string(values: ["page_view", "search", "product_view", "add_to_cart", "remove_from_cart", "checkout", "purchase"]), "Funnel step."),
                Field("timestamp", timestamp, "UTC time of the event."),
                Field("product_id", id("prod_"), nullable: true, "Product, for product steps."),
                Field("category", .string(), nullable: true, "Product category."),
                Field("page_url", .string(pattern: "^/"), "Page path."),
                Field("duration_seconds", .integer(minimum: 0), "Time spent on the step."),
                Field("device_info", .object([
                    Field("device_id", id("dev_"), "Device identifier."),
                    Field("device_type", .string(values: DeviceType.allCases.map(\.rawValue)), "Device class."),
                    Field("os", .string(), "Operating system."),
                    Field("screen_resolution", .string(pattern: "^\\d+x\\d+$"), "Screen size."),
                ]), "Device used."),
                Field("transaction_id", id("txn_"), nullable: true, "Set on purchase events."),
            ]
        case .productUpdates:
            return [
                Field("update_id", id("upd_"), "Unique update identifier."),
                Field("product_id", id("prod_"), "Product; exists in products.ndjson."),
                Field("timestamp", timestamp, "UTC time of the update."),
                Field("update_type", .string(values: ["stock_update", "price_change", "promotion", "availability_change", "description_update"]), "Kind of change."),
                Field("name", .string(), "Catalog name."),
                Field("category", .string(), "Catalog category."),
                Field("old_price", .number(minimum: 0), "Catalog list price."),
                Field("new_price", .number(minimum: 0), "Price after the update."),
                Field("discount_percent", .integer(minimum: 0), "Promotion discount."),
                Field("stock_quantity", .integer(minimum: 0), "Units in stock."),
                Field("is_available", .boolean, "Whether the product can be bought."),
                Field("seasonal", .boolean, "Seasonal product."),
            ]
        case .fraudAlerts:
            return [
                Field("alert_id", id("alert_"), "Unique alert identifier."),
                Field("transaction_id", id("txn_"), "Flagged transaction."),
                Field("user_id", id("user_"), "Buyer."),
                Field("timestamp", timestamp, "When the alert was raised (after the transaction)."),
                Field("transaction_timestamp", timestamp, "Time of the flagged transaction."),
                Field("alert_type", .string(values: FraudType.allCases.map(\.rawValue)), "Suspected fraud kind."),
                Field("fraud_score", .number(minimum: 0, maximum: 1), "Model score."),
                Field("risk_level", .string(values: ["medium", "high", "critical"]), "Score band."),
                Field("amount", .number(minimum: 0), "Transaction total."),
                Field("currency", .string(values: ["USD"]), "Currency."),
                Field("country", .string(pattern: "^[A-Z]{2}$"), "Transaction country."),
                Field("city", .string(), "Transaction city."),
                Field("is_fraud", .boolean, "Ground truth: false for a false positive."),
                Field("status", .string(values: ["open"]), "Alert state."),
            ]
        case .analyticsResults:
            return [
                Field("result_id", id("res_"), "Unique result identifier."),
                Field("metric_type", .string(values: ["revenue", "order_count", "average_order_value", "conversion_rate", "active_users", "fraud_rate"]), "Metric."),
                Field("timestamp", timestamp, "When the result was computed."),
                Field("window_start", timestamp, "Start of the 5-minute window."),
                Field("window_end", timestamp, "End of the window."),
                Field("dimension", .string(values: ["region", "category", "global"]), "Breakdown."),
                Field("dimension_value", .string(), "Region, category or 'all'."),
                Field("value", .number(minimum: 0), "Metric value."),
                Field("unit", .string(values: ["USD", "orders", "ratio", "users"]), "Unit of the value."),
            ]
        }
    }

    /// The values a top-level enumerated string field of `type` may take (empty for other fields).
    public static func values(of type: RecordType, field: String) -> [String] {
        guard case let .string(_, _, values)? = fields(of: type).first(where: { $0.name == field })?.type else { return [] }
        return values ?? []
    }

    /// JSON Schema (draft 2020-12) of `type`.
    public static func jsonSchema(of type: RecordType) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string("https://ecomdata.dev/schema/\(type.rawValue).json")),
            ("title", .string(type.rawValue)),
            ("description", .string("ecomdata \(EcomVersion.current) record of topic \(type.topic), key \(type.keyField)")),
        ]
        members += objectSchema(fields(of: type)).objectValue ?? []
        return .object(members)
    }

    static func objectSchema(_ fields: [Field]) -> JSONValue {
        .object([
            ("type", .string("object")),
            ("properties", .object(fields.map { ($0.name, schema(of: $0)) })),
            ("required", .array(fields.filter(\.required).map { .string($0.name) })),
            ("additionalProperties", .bool(false)),
        ])
    }

    static func schema(of field: Field) -> JSONValue {
        var members = typeSchema(field.type).objectValue ?? []
        if field.nullable, let index = members.firstIndex(where: { $0.0 == "type" }), let name = members[index].1.stringValue {
            members[index].1 = .array([.string(name), .string("null")])
            if let e = members.firstIndex(where: { $0.0 == "enum" }), case var .array(values) = members[e].1 {
                values.append(.null)
                members[e].1 = .array(values)
            }
        }
        members.append(("description", .string(field.description)))
        return .object(members)
    }

    static func typeSchema(_ type: FieldType) -> JSONValue {
        switch type {
        case let .string(format, pattern, values):
            var m: [(String, JSONValue)] = [("type", .string("string"))]
            if let format { m.append(("format", .string(format))) }
            if let pattern { m.append(("pattern", .string(pattern))) }
            if let values { m.append(("enum", .array(values.map { .string($0) }))) }
            return .object(m)
        case let .integer(minimum):
            var m: [(String, JSONValue)] = [("type", .string("integer"))]
            if let minimum { m.append(("minimum", .int(minimum))) }
            return .object(m)
        case let .number(minimum, maximum):
            var m: [(String, JSONValue)] = [("type", .string("number"))]
            if let minimum { m.append(("minimum", .double(minimum))) }
            if let maximum { m.append(("maximum", .double(maximum))) }
            return .object(m)
        case .boolean:
            return .object([("type", .string("boolean"))])
        case let .object(fields):
            return objectSchema(fields)
        case let .array(element, minItems):
            return .object([("type", .string("array")), ("items", typeSchema(element)), ("minItems", .int(Int64(minItems)))])
        }
    }

    /// Spark `StructType` JSON of `type` (as `DataType.fromJson` reads it); ISO-8601 timestamps map to
    /// Spark's `timestamp`, money to `double`.
    public static func sparkSchema(of type: RecordType) -> JSONValue {
        sparkStruct(fields(of: type))
    }

    static func sparkStruct(_ fields: [Field]) -> JSONValue {
        .object([
            ("type", .string("struct")),
            ("fields", .array(fields.map { field in
                .object([
                    ("name", .string(field.name)),
                    ("type", sparkType(field.type)),
                    ("nullable", .bool(field.nullable)),
                    ("metadata", .object([("comment", .string(field.description))])),
                ])
            })),
        ])
    }

    static func sparkType(_ type: FieldType) -> JSONValue {
        switch type {
        case let .string(format, _, _): return .string(format == "date-time" ? "timestamp" : "string")
        case .integer: return .string("long")
        case .number: return .string("double")
        case .boolean: return .string("boolean")
        case let .object(fields): return sparkStruct(fields)
        case let .array(element, _):
            return .object([("type", .string("array")), ("elementType", sparkType(element)), ("containsNull", .bool(false))])
        }
    }
}
