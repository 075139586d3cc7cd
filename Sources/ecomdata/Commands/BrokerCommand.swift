import ArgumentParser
import EcomKafka
import EcomModel
import Foundation

struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka-protocol broker (librdkafka's mock cluster) until interrupted.",
        discussion: """
        The broker speaks the real Kafka protocol on loopback TCP, so kcat and other clients work with it, \
        but it keeps every record in memory and forgets them when it stops: it is for local work and tests, \
        not a Kafka server. The seed's five topics are created with --partitions partitions.
        Example: ecomdata broker --brokers-count 3 --bootstrap-file /tmp/bootstrap.txt
        """
    )

    @Option(help: "Number of brokers in the cluster.")
    var brokersCount: Int = 1

    @Option(help: "Write the bootstrap address to this file (for scripts).")
    var bootstrapFile: String?

    @Option(help: "Partitions of each of the seed's topics.")
    var partitions: Int = 4

    func validate() throws {
        guard (1...16).contains(brokersCount) else { throw ValidationError("--brokers-count must be between 1 and 16") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 1024") }
    }

    func run() throws {
        let broker = try kafkaCall { () throws(KafkaError) in try EmbeddedBroker(brokers: brokersCount) }
        for type in RecordType.allCases {
            try kafkaCall { () throws(KafkaError) in
                try broker.createTopic(type.topic, partitions: partitions, replicationFactor: brokersCount)
            }
        }
        if let bootstrapFile {
            guard FileManager.default.createFile(atPath: bootstrapFile, contents: Data((broker.bootstrapServers + "\n").utf8)) else {
                Console.error("cannot write \(bootstrapFile); check that the directory exists and is writable")
                throw ExitCode(3)
            }
        }
        Console.out(broker.bootstrapServers + "\n")
        Console.info("embedded broker: \(brokersCount) broker(s), topics \(RecordType.allCases.map(\.topic).joined(separator: ", ")) with \(partitions) partitions; data is in memory; Ctrl-C to stop")
        let stop = DispatchSemaphore(value: 0)
        let sources = onTermination { _ in stop.signal() }
        stop.wait()
        Console.info("embedded broker stopped")
        withExtendedLifetime((broker, sources)) {}
    }
}
