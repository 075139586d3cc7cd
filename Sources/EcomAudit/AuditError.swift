import EcomKafka

/// Why an audit could not run: a manifest that cannot be read, a bad request, or a broker that does not answer.
public enum AuditError: Error, CustomStringConvertible, Sendable {
    /// The manifest file cannot be read or is not an `ecomdata.manifest/v1` document.
    case manifest(path: String, problem: String)
    /// The request cannot be honoured (unknown partition in `--from`, ...): a usage error.
    case invalidRequest(String)
    /// The brokers failed or did not answer.
    case kafka(KafkaError)

    public var description: String {
        switch self {
        case let .manifest(path, problem): "\(path): \(problem); pass the manifest a producing run (stream, produce, roundtrip) wrote"
        case let .invalidRequest(message): message
        case let .kafka(error): error.description
        }
    }
}
