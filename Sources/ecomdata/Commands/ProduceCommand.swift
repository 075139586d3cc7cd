import ArgumentParser
import EcomKafka
import EcomModel
import Foundation

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send NDJSON files to a topic, keyed by the topic's key field, and report deliveries.",
        discussion: """
        The key is the record's user_id for transactions, session_id for user-events, product_id for \
        product-updates, transaction_id for fraud-alerts and metric_type for analytics-results (or --key-field). \
        The producer is idempotent with acks=all; it waits for every delivery report before it exits.
        Example: ecomdata produce txns.ndjson --topic transactions --brokers localhost:9092
        """
    )

    @Argument(help: "NDJSON files.")
    var files: [String]

    @Option(help: "Topic name (one of the seed's, or any with --key-field).")
    var topic: String

    @Option(help: "Record field used as the message key (default: the topic's).")
    var keyField: String?

    @Option(help: "Seconds to wait for outstanding deliveries at the end.")
    var flushTimeout: Double = 60

    @Option(help: "Where to write the manifest (offsets, counts and digests per partition).")
    var manifest: String = "reports/produce-manifest.json"

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Seconds to wait for the brokers to answer before giving up (exit 3).")
    var connectTimeout: Double = 10

    func validate() throws {
        if keyField == nil && !RecordType.allCases.contains(where: { $0.topic == topic }) {
            throw ValidationError("topic \(topic) is not one of the seed's (\(RecordType.allCases.map(\.topic).joined(separator: ", "))); pass --key-field")
        }
    }

    func run() throws {
        let seedType = RecordType.allCases.first { $0.topic == topic }
        let field = keyField ?? seedType!.keyField
        let (configuration, embedded) = try kafka.resolve()
        let idFields = seedType.map { [topic: $0.idField] } ?? [:]
        try requireReachable(configuration, timeout: connectTimeout)
        let producer = try kafkaCall { () throws(KafkaError) in try KafkaProducer(configuration: configuration, idFields: idFields) }
        let fileProducer = FileProducer(producer: producer, topic: topic, keyField: field)
        let stop = StopSignal()
        let sources = onTermination { name in stop.stop("stopped by \(name)") }
        var sent = 0
        var failure: String?
        let startOffsets = RunManifest.endOffsets(on: configuration, topics: [topic])
        let started = Date()
        for file in files where failure == nil {
            do {
                sent += try fileProducer.send(path: file, stop: stop)
            } catch {
                failure = "\(error)"
            }
        }
        let remaining = producer.flush(timeout: flushTimeout)
        let report = producer.deliveryReport
        let finished = Date()
        let seconds = finished.timeIntervalSince(started)
        let delivered = report.delivered[topic] ?? 0
        let failed = report.failed[topic] ?? 0
        withExtendedLifetime(sources) {}
        var run = RunManifest(
            kind: "produce", brokers: configuration.brokers, started: started, finished: finished, report: report,
            stopReason: failure, generation: [("files", .array(files.map { .string($0) }))],
            topics: [RunManifest.Topic(name: topic, keyField: field, idField: seedType?.idField, sent: sent)])
        run.partitionCounts = RunManifest.partitionCounts(on: configuration)
        run.startOffsets = startOffsets
        let document = run.json()
        if !RunManifest.write(document, to: manifest) {
            Console.error("cannot write the manifest \(manifest); check that the directory is writable")
        }
        print("\(topic): \(sent) sent, \(delivered) delivered, \(failed) failed, \(remaining) unconfirmed in \(String(format: "%.2f", seconds)) s (\(Int(Double(delivered) / max(seconds, 1e-9))) records/s)")
        for (partition, entry) in (report.partitions[topic] ?? [:]).sorted(by: { $0.key < $1.key }) {
            print("  partition \(partition): \(entry.delivered) records, offsets \(entry.firstOffset)-\(entry.lastOffset)")
        }
        print("manifest: \(manifest)")
        withExtendedLifetime(embedded) {}
        if let failure {
            Console.error("\(failure); \(sent) records sent before it, \(delivered) delivered")
            throw ExitCode(failure.hasPrefix("stopped by SIG") ? 0 : 3)
        }
        if failed > 0 || remaining > 0 || delivered != sent {
            Console.error("not every record was delivered to \(configuration.brokers): \(report.lastError[topic] ?? "no delivery report within \(flushTimeout) s")")
            throw ExitCode(3)
        }
    }
}
