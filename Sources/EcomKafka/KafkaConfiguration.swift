internal import CRdKafka

/// Client properties for librdkafka: the bootstrap servers and every `-X key=value`, applied in order as
/// kcat does, each checked by librdkafka itself.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var brokers: String
    /// Raw librdkafka properties, in the order given (later ones win).
    public var properties: [(String, String)]

    /// Creates a configuration.
    public init(brokers: String, properties: [(String, String)] = []) {
        self.brokers = brokers
        self.properties = properties
    }

    /// Parses `key=value` strings.
    /// - Throws: ``KafkaError`` (configuration) for an entry without `=`.
    public static func parse(properties: [String]) throws(KafkaError) -> [(String, String)] {
        try properties.map { (entry) throws(KafkaError) -> (String, String) in
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw KafkaError(.configuration, "-X \(entry): write a librdkafka property as key=value, e.g. -X compression.type=lz4")
            }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
    }

    /// A command line with the values of secret-looking `-X` properties replaced by `***`, for reports and logs.
    public static func redactingSecrets(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var afterX = false
        for argument in arguments {
            var text = argument
            var property: Substring?
            if afterX {
                property = Substring(argument)
            } else if argument.hasPrefix("-X"), argument.count > 2 {
                property = argument.dropFirst(2)
            }
            if let property, let equals = property.firstIndex(of: "="), isSecret(String(property[..<equals])) {
                text = (afterX ? "" : "-X") + property[...equals] + "***"
            }
            afterX = argument == "-X"
            result.append(text)
        }
        return result
    }

    /// Property names whose values are never printed: passwords, secrets, tokens and keys, and SASL mechanisms' whole
    /// configuration strings (`sasl.jaas.config`, `sasl.oauthbearer.config`: where a Java client keeps its credentials).
    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.contains("password") || lowered.contains("secret") || lowered.hasSuffix(".key") || lowered.contains("token")
            || (lowered.hasPrefix("sasl.") && lowered.hasSuffix(".config")) || lowered.contains("key.pem") || lowered.contains("keystore")
    }

    /// A new `rd_kafka_conf_t` with `defaults` first, then the brokers and the user's properties.
    /// The caller owns it (it passes to `rd_kafka_new` or is destroyed).
    func makeConf(defaults: [(String, String)]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var all = defaults
        if !brokers.isEmpty { all.append(("bootstrap.servers", brokers)) }
        all += properties
        for (key, value) in all {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // An unknown name may be a secret's, misspelt (sasl.pasword): its value is not shown either.
                let shown = result == RD_KAFKA_CONF_UNKNOWN || KafkaConfiguration.isSecret(key) ? "***" : value
                throw KafkaError(.configuration, "librdkafka property \(key)=\(shown): \(cString(errorText))")
            }
        }
        return conf
    }

    /// A new client handle from `conf` (which it takes over, also on failure).
    /// - Throws: ``KafkaError`` (configuration) with librdkafka's words, naming `role`.
    static func newHandle(_ type: rd_kafka_type_t, conf: OpaquePointer, role: String) throws(KafkaError) -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, "cannot create \(role): \(cString(errorText))")
        }
        return handle
    }
}
