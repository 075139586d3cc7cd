import ArgumentParser
import EcomKafka

/// `--brokers` and `-X key=value`, shared by every command that talks to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Bootstrap servers (host:port,...), or `embedded` for an in-process broker that keeps data in memory and ends with the command.", valueName: "brokers"))
    var brokers: String = "localhost:9092"

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, passed as kcat does, e.g. -X security.protocol=SASL_SSL.", valueName: "key=value"))
    var properties: [String] = []

    /// The configuration, and the embedded broker when `--brokers embedded` (kept alive by the caller).
    func resolve() throws -> (KafkaConfiguration, EmbeddedBroker?) {
        let parsed: [(String, String)]
        do {
            parsed = try KafkaConfiguration.parse(properties: properties)
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
        if brokers == "embedded" {
            let broker = try kafkaCall { () throws(KafkaError) in try EmbeddedBroker(brokers: 1) }
            Console.info("embedded broker (in memory, for local work and tests) at \(broker.bootstrapServers)")
            return (KafkaConfiguration(brokers: broker.bootstrapServers, properties: parsed), broker)
        }
        return (KafkaConfiguration(brokers: brokers, properties: parsed), nil)
    }
}

/// Checks that the brokers answer (metadata within `timeout` seconds) before a run that produces, so an
/// unreachable cluster fails at once with exit 3 and the address tried instead of queueing records.
func requireReachable(_ configuration: KafkaConfiguration, timeout: Double) throws(ExitCode) {
    let admin = try kafkaCall { () throws(KafkaError) in try KafkaAdmin(configuration: configuration) }
    _ = try kafkaCall { () throws(KafkaError) in try admin.metadata(timeout: timeout) }
}

/// Runs a Kafka call, printing its error and mapping it to the exit code: 2 for a rejected property, 3 otherwise.
func kafkaCall<T>(_ body: () throws(KafkaError) -> T) throws(ExitCode) -> T {
    do {
        return try body()
    } catch {
        Console.error(error.description)
        throw ExitCode(error.kind == .configuration ? 2 : 3)
    }
}
