/// A Kafka failure in librdkafka's own words, with what it concerns.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public enum Kind: Sendable, Equatable {
        /// A client property was rejected (`-X key=value`): usage error.
        case configuration
        /// The brokers could not be reached, or refused the request.
        case broker
        /// Nothing answered within the timeout.
        case timeout
    }

    /// The kind of failure.
    public let kind: Kind
    /// librdkafka's message, prefixed with what it concerns.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
