import ArgumentParser
import EcomKafka
import EcomModel

struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create or list the seed's topics.",
        subcommands: [Create.self, List.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create transactions, user-events, product-updates, fraud-alerts and analytics-results.",
            discussion: "Existing topics are left as they are. Example: ecomdata topics create --brokers kafka:9092 --partitions 12 --replication-factor 3"
        )
        @OptionGroup var kafka: KafkaOptions
        @Option(help: "Configuration file (YAML or JSON); its kafka.partitions and kafka.replication_factor apply.") var config: String?
        @Option(help: "Partitions per topic (default: the config's, 4).") var partitions: Int?
        @Option(help: "Replication factor (default: the config's, 1).") var replicationFactor: Int?
        @Option(help: "Seconds to wait for the cluster's metadata and for the topics to be created.") var timeout: Double = 10

        func validate() throws {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        }

        func run() throws {
            let settings: DataGenerationConfig
            do { settings = try ConfigLoader.load(path: config) } catch {
                Console.error(error.description)
                throw ExitCode(2)
            }
            let partitions = self.partitions ?? settings.topicPartitions
            let replicationFactor = self.replicationFactor ?? settings.topicReplicationFactor
            let (configuration, embedded) = try kafka.resolve()
            let topics = RecordType.allCases.map(\.topic)
            if let embedded {
                for topic in topics {
                    try kafkaCall { () throws(KafkaError) in try embedded.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor) }
                }
            } else {
                let admin = try kafkaCall { () throws(KafkaError) in try KafkaAdmin(configuration: configuration) }
                // Only the missing ones are asked for: a cluster with all of them has nothing to create (some answer a
                // request for existing topics slowly, or not at all).
                let existing = Set(try kafkaCall { () throws(KafkaError) in try admin.metadata(timeout: timeout) }.topics.map(\.name))
                let missing = topics.filter { !existing.contains($0) }
                if missing.isEmpty {
                    print("found \(topics.joined(separator: ", ")) on \(configuration.brokers): nothing to create (existing topics are left as they are)")
                    return
                }
                try kafkaCall { () throws(KafkaError) in
                    try admin.createTopics(missing, partitions: partitions, replicationFactor: replicationFactor, timeout: timeout)
                }
                print("created \(missing.joined(separator: ", ")) with \(partitions) partitions, replication \(replicationFactor), on \(configuration.brokers)"
                      + (missing.count < topics.count ? "; found the others" : ""))
                return
            }
            print("created (or found) \(topics.joined(separator: ", ")) with \(partitions) partitions, replication \(replicationFactor), on \(configuration.brokers)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List topics with their partition counts, the seed's first.",
            discussion: "Example: ecomdata topics list --brokers localhost:9092"
        )
        @OptionGroup var kafka: KafkaOptions
        @Option(help: "Seconds to wait for metadata.") var timeout: Double = 10

        func run() throws {
            let (configuration, embedded) = try kafka.resolve()
            // The in-process broker holds the seed's topics, as `ecomdata broker` does.
            if let embedded {
                for topic in RecordType.allCases.map(\.topic) {
                    try kafkaCall { () throws(KafkaError) in try embedded.createTopic(topic, partitions: 4, replicationFactor: 1) }
                }
            }
            let admin = try kafkaCall { () throws(KafkaError) in try KafkaAdmin(configuration: configuration) }
            let metadata = try kafkaCall { () throws(KafkaError) in try admin.metadata(timeout: timeout) }
            let expected = RecordType.allCases.map(\.topic)
            for name in expected {
                let topic = metadata.topics.first { $0.name == name }
                print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(topic.map { "\($0.partitions) partitions" } ?? "missing")")
            }
            for topic in metadata.topics where !expected.contains(topic.name) && !topic.name.hasPrefix("__") {
                print("\(topic.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(topic.partitions) partitions")
            }
            withExtendedLifetime(embedded) {}
        }
    }
}
