import ArgumentParser
import EcomKafka
import Foundation

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check Kafka: connectivity, brokers, the seed's topics, and a canary round trip with its latency.",
        discussion: "Exit 0 when healthy, 3 when not, with what is wrong. Example: ecomdata health --brokers localhost:9092 --json"
    )

    @OptionGroup var kafka: KafkaOptions
    @Option(help: "Seconds each step may take.") var timeout: Double = 10
    @Option(help: "Topic for the canary record.") var canaryTopic: String = "ecomdata-health"
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let (configuration, embedded) = try kafka.resolve()
        if let embedded {
            for topic in ["transactions", "user-events", "product-updates", "fraud-alerts", "analytics-results"] {
                try kafkaCall { () throws(KafkaError) in try embedded.createTopic(topic, partitions: 4, replicationFactor: 1) }
            }
        }
        // A property librdkafka rejects (-X nope=1) is a usage error named as such, not a cluster that seems down.
        _ = try kafkaCall { () throws(KafkaError) in try KafkaAdmin(configuration: configuration) }
        let report = HealthCheck(configuration: configuration, timeout: timeout, canaryTopic: canaryTopic).run()
        withExtendedLifetime(embedded) {}
        if json {
            print(report.json.encoded(pretty: true))
        } else {
            print("brokers: \(report.brokers.isEmpty ? "none reachable at \(configuration.brokers)" : report.brokers.map { "\($0.id)@\($0.host):\($0.port)" }.joined(separator: ", "))")
            for topic in report.topics {
                print("  \(topic.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(topic.partitions.map { "\($0) partitions" } ?? "MISSING")")
            }
            print("canary: \(report.canaryMilliseconds.map { String(format: "round trip in %.1f ms", $0) } ?? "FAILED")")
            print(report.healthy ? "healthy" : "NOT healthy:\n" + report.problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
        if !report.healthy { throw ExitCode(3) }
    }
}
