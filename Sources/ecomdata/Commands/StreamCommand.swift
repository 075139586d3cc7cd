import ArgumentParser
import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import Foundation

struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream a scenario to the seed's topics, each record sent at its (simulated) time.",
        discussion: """
        Records are generated for [--start, --start + --duration) of simulated time at the configured \
        rates (x the scenario's and --rate-multiplier), following the hourly, weekly and seasonal patterns, and \
        leave at their timestamps, --speedup times faster than the wall clock. --max sends as fast as the \
        broker takes them. Every streamed transaction is the purchase that ends a session of user-events (its \
        transaction_id, user, session and timestamp). SIGINT or SIGTERM stops the stream cleanly: outstanding deliveries are flushed, \
        the final counts printed and the manifest written.
        Example: ecomdata stream --scenario peak_traffic --duration 1 --speedup 60 --brokers embedded
        """
    )

    @Option(help: ArgumentHelp("Simulated time to stream: hours (0.5), or with a unit: 90s, 5m, 1.5h, 2d.", valueName: "duration"))
    var duration: SimulatedDuration

    @Option(help: "Simulated time runs this many times faster than the wall clock (60: an hour a minute).")
    var speedup: Double = 1

    @Option(help: "Multiplier on the configured rates.")
    var rateMultiplier: Double = 1

    @Option(parsing: .upToNextOption, help: "Topics or record types to stream, space- or comma-separated (default: all five).")
    var topics: [String] = []

    @Flag(help: "Send as fast as the broker takes the records instead of pacing them.")
    var max = false

    @Option(help: "Simulated start: a date or time (UTC), or `now`; default: the configured window start.")
    var start: String?

    @Option(help: "Where to write the manifest.")
    var manifest: String = "reports/stream-manifest.json"

    @OptionGroup var generation: GenerationOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Seconds to wait for the brokers to answer before giving up (exit 3).")
    var connectTimeout: Double = 10

    mutating func validate() throws {
        topics = splitLists(topics)
        guard duration.hours > 0 else { throw ValidationError("--duration must be positive (simulated time: hours, or 90s, 5m, 1.5h)") }
        guard duration.hours <= 3660 * 24 else { throw ValidationError("--duration is at most 3660 days of simulated time (as window.days in a configuration)") }
        guard speedup > 0 else { throw ValidationError("--speedup must be positive") }
        guard rateMultiplier > 0 else { throw ValidationError("--rate-multiplier must be positive") }
        for topic in topics where resolve(topic) == nil {
            throw ValidationError("unknown topic \(topic); use \(RecordType.allCases.map(\.topic).joined(separator: ", "))")
        }
        if let start, start != "now", Timestamp(parsing: start) == nil {
            throw ValidationError("--start \(start) is not a date or time; write 2024-09-02, 2024-09-02T10:00:00Z or now")
        }
    }

    private func resolve(_ name: String) -> RecordType? {
        RecordType.allCases.first { $0.topic == name } ?? RecordType(name: name)
    }

    func run() throws {
        let config = try generation.loadConfig()
        let scenario = generation.resolvedScenario
        let simulatedStart: Timestamp = switch start {
        case "now": Timestamp(milliseconds: Timestamp.now.milliseconds / 1000 * 1000)
        case let text?: Timestamp(parsing: text)!
        case nil: scenario.defaultWindow(config).start
        }
        let types = topics.isEmpty ? RecordType.allCases : topics.compactMap(resolve)
        let generator = ECommerceDataGenerator(config: config, seed: generation.seed, scenario: scenario,
                                               window: (simulatedStart, simulatedStart.adding(milliseconds: Int64(duration.hours * 3_600_000))))
        let (configuration, embedded) = try kafka.resolve()
        if let embedded {
            for type in RecordType.allCases {
                try kafkaCall { () throws(KafkaError) in
                    try embedded.createTopic(type.topic, partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor)
                }
            }
        }
        try requireReachable(configuration, timeout: connectTimeout)
        let streamer = try kafkaCall { () throws(KafkaError) in try KafkaDataProducer(generator: generator, configuration: configuration) }
        let stop = StopSignal()
        let sources = onTermination { name in stop.stop("stopped by \(name)") }
        Console.info("streaming \(types.map(\.topic).joined(separator: ", ")) to \(configuration.brokers): \(duration) of simulated time from \(simulatedStart)\(max ? ", as fast as possible" : ", speedup x\(speedup)")")
        let terminal = isatty(STDERR_FILENO) != 0
        let result = streamer.startStreaming(
            topics: types, durationHours: duration.hours, rateMultiplier: rateMultiplier, speedup: speedup, max: max,
            simulatedStart: simulatedStart, stop: stop, brokerTimeout: connectTimeout,
            progress: terminal ? { report, elapsed in
                // Per topic: delivered, failed, and the achieved rate against the target so far.
                let parts = types.map { type -> String in
                    let delivered = report.delivered[type.topic] ?? 0, failed = report.failed[type.topic] ?? 0
                    let target = Double(generator.expectedCount(type: type, start: simulatedStart,
                                                                end: simulatedStart.adding(milliseconds: Int64(elapsed * speedup * 1000)),
                                                                rateMultiplier: rateMultiplier))
                    let pace = max || target == 0 ? "" : String(format: " %.0f/s of %.0f/s", Double(delivered) / elapsed, target / elapsed)
                    return "\(type.topic) \(delivered)\(failed > 0 ? " (\(failed) failed)" : "")\(pace)"
                }
                FileHandle.standardError.write(Data("\r\(Int(elapsed)) s: \(parts.joined(separator: ", "))\u{1B}[K".utf8))
            } : nil)
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        withExtendedLifetime(sources) {}

        let document = streamer.manifest(for: result)
        guard RunManifest.write(document, to: manifest) else {
            Console.error("cannot write the manifest \(manifest); check that the directory is writable")
            throw ExitCode(3)
        }
        let wall = result.finished.timeIntervalSince(result.started)
        print("topic                 planned      sent  delivered  failed    target/s  achieved/s  deviation")
        var failedTotal = 0
        for topic in result.topics {
            let name = topic.type.topic
            let delivered = result.report.delivered[name] ?? 0
            let failed = result.report.failed[name] ?? 0
            failedTotal += failed + (topic.sent - delivered - failed)
            // Flat out (--max) there is no pace to deviate from.
            let deviation = max || topic.targetRate <= 0 ? String(repeating: " ", count: 9) + "-"
                : String(format: "%+9.2f%%", (topic.achievedRate / topic.targetRate - 1) * 100)
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: "%9d %9d %10d %7d %11.1f %11.1f ", topic.planned, topic.sent, delivered, failed,
                           topic.targetRate, topic.achievedRate) + deviation
                  + (topic.derived ? "  (raised by the transactions, not paced)" : ""))
        }
        let within = result.topics.allSatisfy { $0.derived || $0.targetRate == 0 || abs($0.achievedRate / $0.targetRate - 1) <= 0.01 }
        if max {
            print(String(format: "sent as fast as possible in %.1f s", wall))
        } else if let reason = result.stopReason {
            print(String(format: "%@ after %.1f s; rates are over the time streamed", reason, wall))
        } else {
            print(String(format: "%.1f s of wall-clock time; achieved rates %@ 1%% of target%@", wall,
                         within ? "within" : "NOT within", wall < 60 ? " (a run under a minute; the promise is for a minute or more)" : ""))
        }
        print("manifest: \(manifest)")
        withExtendedLifetime(embedded) {}
        if failedTotal > 0 {
            Console.error("\(failedTotal) record(s) not delivered; last error: \(result.report.lastError.values.first ?? "no delivery report")")
            throw ExitCode(3)
        }
        if let reason = result.stopReason, !reason.hasPrefix("stopped by SIG") {
            Console.error(reason)
            throw ExitCode(3)
        }
    }
}
