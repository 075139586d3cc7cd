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
                try kafkaCall { () throws(KafkaError) in try admin.createTopics(topics, partitions: partitions, replicationFactor: replicationFactor) }
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
