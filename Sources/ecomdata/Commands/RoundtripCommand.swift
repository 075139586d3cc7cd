import ArgumentParser
import EcomAudit
import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation

struct RoundtripCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "The main job: stream a scenario to Kafka, audit it back as it arrives, validate it, write the reports.",
        discussion: """
        Starts the embedded broker unless --brokers names a cluster, streams the scenario as `stream` does (every \
        record at its simulated time, --speedup times faster than the wall clock), and reads every topic back at \
        the same time from the offsets where the run began: nothing lost, duplicated or altered (each record is \
        generated again from the seed and compared), order per key, keys on their murmur2 partition, latency from \
        CreateTime to read. Then the validator's checks, and one report: JSON, HTML, JUnit. Exit codes: 0 every \
        check passed, 1 a check failed, 2 usage or configuration error, 3 broker or I/O failure.
        Example: ecomdata roundtrip --scenario fraud_testing --duration 0.5 --speedup 60
        """
    )

    @Option(help: ArgumentHelp("Bootstrap servers (host:port,...), or `embedded` for an in-process broker.", valueName: "brokers"))
    var brokers: String = "embedded"

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, passed as kcat does.", valueName: "key=value"))
    var properties: [String] = []

    @Option(help: ArgumentHelp("Simulated time to stream: hours (0.5), or with a unit: 90s, 5m, 1.5h, 2d.", valueName: "duration"))
    var duration = SimulatedDuration(hours: 1)

    @Option(help: "Simulated time runs this many times faster than the wall clock.")
    var speedup: Double = 60

    @Option(help: "Multiplier on the configured rates.")
    var rateMultiplier: Double = 1

    @Option(parsing: .upToNextOption, help: "Topics or record types, space- or comma-separated (default: all five).")
    var topics: [String] = []

    @OptionGroup var generation: GenerationOptions

    @Option(help: "Where to write the stream's manifest.")
    var manifest: String = "reports/roundtrip-manifest.json"

    @Option(help: "Write the JSON report here.")
    var json: String = "reports/roundtrip.json"

    @Option(help: "Write the HTML report here.")
    var report: String = "reports/roundtrip.html"

    @Option(help: "Write the JUnit XML report here.")
    var junit: String = "reports/roundtrip.xml"

    @Option(help: "Write a Markdown summary here.")
    var markdown: String?

    @Option(help: "Gates file (YAML or JSON), as for validate; audit checks too, e.g. audit.duplicate: {max_violations: 10}.")
    var gates: String?

    @Option(help: "fail (default): only failed gates exit 1; warn: warnings do too.")
    var failOn: String = "fail"

    @Option(help: "Seconds the brokers have to answer (exit 3 after).")
    var connectTimeout: Double = 10

    @Option(help: "Seconds without a record before the audit gives up on a partition short of its end.")
    var idleTimeout: Double = 30

    mutating func validate() throws {
        topics = splitLists(topics)
        guard ["fail", "warn"].contains(failOn) else { throw ValidationError("--fail-on is fail or warn") }
        guard duration.hours > 0, speedup > 0, rateMultiplier > 0 else { throw ValidationError("--duration, --speedup and --rate-multiplier must be positive") }
        guard duration.hours <= 3660 * 24 else { throw ValidationError("--duration is at most 3660 days of simulated time (as window.days in a configuration)") }
        for topic in topics where resolve(topic) == nil {
            throw ValidationError("unknown topic \(topic); use \(RecordType.allCases.map(\.topic).joined(separator: ", "))")
        }
    }

    private func resolve(_ name: String) -> RecordType? {
        RecordType.allCases.first { $0.topic == name } ?? RecordType(name: name)
    }

    func run() throws {
        let config = try generation.loadConfig()
        var gateSet = Gates()
        if let gates {
            do {
                gateSet = try Gates.load(path: gates)
            } catch {
                Console.error(error.description)
                throw ExitCode(2)
            }
        }
        let scenario = generation.resolvedScenario
        let types = topics.isEmpty ? RecordType.allCases : topics.compactMap(resolve)
        let start = scenario.defaultWindow(config).start
        let end = start.adding(milliseconds: Int64(duration.hours * 3_600_000))
        let generator = ECommerceDataGenerator(config: config, seed: generation.seed, scenario: scenario, window: (start, end))
        let kafka = try KafkaOptions.parse(["--brokers", brokers] + properties.flatMap { ["-X", $0] })
        let (configuration, embedded) = try kafka.resolve()
        if let embedded {
            for type in types {
                try kafkaCall { () throws(KafkaError) in
                    try embedded.createTopic(type.topic, partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor)
                }
            }
        } else {
            // Topics that do not exist yet are created (the audit must know their partitions before the stream starts).
            let admin = try kafkaCall { () throws(KafkaError) in try KafkaAdmin(configuration: configuration) }
            let existing = try kafkaCall { () throws(KafkaError) in try admin.metadata(timeout: connectTimeout) }.topics.map(\.name)
            let missing = types.map(\.topic).filter { !existing.contains($0) }
            if !missing.isEmpty {
                try kafkaCall { () throws(KafkaError) in
                    try admin.createTopics(missing, partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor,
                                           timeout: connectTimeout)
                }
            }
        }

        // The clients live inside this call, so they close before the embedded broker stops.
        let (result, auditResult, document) = try streamAndAudit(generator: generator, types: types, start: start, end: end,
                                                                configuration: configuration, gates: gateSet)
        let failedWrites = writeReports(document, json: json, html: report, junit: junit, markdown: markdown)

        let wall = result.finished.timeIntervalSince(result.started)
        print("streamed \(duration) of simulated time (\(scenario.rawValue), seed \(generation.seed)) to \(configuration.brokers) in \(String(format: "%.1f", wall)) s\(result.stopReason.map { " (\($0))" } ?? "")")
        print("topic                 planned      sent  delivered  failed    target/s  achieved/s")
        for topic in result.topics {
            let name = topic.type.topic
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: "%9d %9d %10d %7d %11.1f %11.1f", topic.planned, topic.sent, result.report.delivered[name] ?? 0,
                           result.report.failed[name] ?? 0, topic.targetRate, topic.achievedRate)
                  + (topic.derived ? "  (raised by the transactions)" : ""))
        }
        printAuditSummary(auditResult, report: document, examples: Console.verbose ? 20 : 3)
        print("reports: \(json), \(report), \(junit)\(markdown.map { ", \($0)" } ?? ""); manifest: \(manifest)")
        withExtendedLifetime(embedded) {}
        if !failedWrites.isEmpty {
            Console.error("cannot write \(failedWrites.joined(separator: ", ")); check that the directories are writable")
            throw ExitCode(3)
        }
        if let reason = result.stopReason, !reason.hasPrefix("stopped by SIG") {
            Console.error(reason)
            throw ExitCode(3)
        }
        if exitsOne(verdict: document["verdict"]?.stringValue, failOn: failOn) { throw ExitCode(1) }
    }

    /// Streams the scenario while an audit reads it back; the stream's result, the audit's, and the merged report.
    private func streamAndAudit(generator: ECommerceDataGenerator, types: [RecordType], start: Timestamp, end: Timestamp,
                                configuration: KafkaConfiguration, gates gateSet: Gates) throws -> (KafkaDataProducer.StreamResult, AuditResult, JSONValue) {
        let scenario = generator.scenario
        // SIGINT and SIGTERM stop the run from here on (regenerating the records can take seconds: a signal then
        // would otherwise end the process without a report).
        let stop = StopSignal()
        let sources = onTermination { name in stop.stop("stopped by \(name)") }
        // The audit reads from the ends of this moment, so on a cluster with older data it sees only this run's.
        // Judged in offset order at the end, as audit does: the report does not depend on the order partitions arrived in.
        let validator = Validator(partialOf: ValidationSettings(generator: generator, seedKnown: true, gates: gateSet))
        let request = AuditRequest(topics: types.map(\.topic), start: .latest, idleTimeout: idleTimeout, metadataTimeout: connectTimeout,
                                   gates: gateSet)
        let audit = try auditCall { () throws(AuditError) in try Audit(configuration: configuration, request: request, validator: validator, follow: true) }
        let derivedAlerts = types.contains(.transactions) && types.contains(.fraudAlerts)
        let planned = { (type: RecordType) in generator.expectedCount(type: type, start: start, end: end, rateMultiplier: rateMultiplier) }
        let plans = types.compactMap { type -> (type: RecordType, planned: Int, derivedFrom: Int?, partitions: Int)? in
            guard let partitions = audit.partitionCounts[type.topic] else { return nil }
            return (type, planned(type), type == .fraudAlerts && derivedAlerts ? planned(.transactions) : nil, partitions)
        }
        do {
            audit.expect(try ExpectedRecords.regenerate(generator: generator, start: start, end: end, rateMultiplier: rateMultiplier, plans: plans), note: nil)
        } catch {
            audit.expect([:], note: "the records cannot be generated again: \(error)")
        }

        let follow = FollowControl()
        let reader = ReaderThread(audit: audit, follow: follow)
        reader.start()
        let streamer = try kafkaCall { () throws(KafkaError) in try KafkaDataProducer(generator: generator, configuration: configuration) }
        Console.info("roundtrip: streaming \(types.map(\.topic).joined(separator: ", ")) to \(configuration.brokers): \(duration) of simulated time of \(scenario.rawValue) from \(start), speedup x\(speedup), reading them back as they arrive")
        let result = streamer.startStreaming(topics: types, durationHours: duration.hours, rateMultiplier: rateMultiplier, speedup: speedup,
                                             simulatedStart: start, stop: stop, brokerTimeout: connectTimeout)
        withExtendedLifetime(sources) {}
        let manifestDocument = streamer.manifest(for: result)
        if !RunManifest.write(manifestDocument, to: manifest) {
            Console.error("cannot write the manifest \(manifest); check that the directory is writable")
        }
        audit.manifest = try? AuditManifest(json: manifestDocument, path: manifest)
        follow.finish()
        let readError = reader.join()
        if let readError {
            Console.error(readError.description)
            throw ExitCode(3)
        }

        let auditResult = audit.finish()
        let document = try auditReport(auditResult, validators: [validator], gatesFile: gates, failOnWarn: failOn == "warn")
        return (result, auditResult, document)
    }
}

/// Runs an audit's reading on a thread of its own while the stream produces.
final class ReaderThread: @unchecked Sendable {
    // `error` and `audit` are written by the thread before it signals `done` and read only after waiting for it.
    // The thread lets go of the audit when it is done, so that its consumer closes before the embedded broker stops.
    private var audit: Audit?
    private let follow: FollowControl
    private let done = DispatchSemaphore(value: 0)
    private var error: AuditError?

    init(audit: Audit, follow: FollowControl) {
        self.audit = audit
        self.follow = follow
    }

    func start() {
        let thread = Thread { [self] in
            do throws(AuditError) {
                try audit?.read(follow: follow)
            } catch {
                self.error = error
            }
            audit = nil
            done.signal()
        }
        thread.name = "ecomdata.roundtrip.audit"
        thread.start()
    }

    /// Waits for the reading to end; its error, if any.
    func join() -> AuditError? {
        done.wait()
        return error
    }
}
