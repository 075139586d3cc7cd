import ArgumentParser
import EcomJSON
import EcomKafka
import EcomModel
import Foundation

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay NDJSON records (files or a topic) into a topic, paced by their own timestamps.",
        discussion: """
        Records leave in the order read (a topic's are ordered by timestamp), keyed by the topic's key field, \
        each at its scheduled moment: its timestamp's distance from the first record's divided by --speed \
        (default 1, as recorded), or --rate records per second, or --max as fast as the broker takes them. \
        The schedule is absolute (from the start of the replay), so waiting errors do not add up. --rebase \
        moves every timestamp field (timestamp, transaction_timestamp, window_start, window_end) by the same \
        amount so the first record is at that instant; --loop N sends the records N times, each pass after the \
        previous one in record time and with new IDs (pass p appends p as 4 hex digits to every ID field and \
        session_id). Every line is checked before anything is sent: a line that is not a JSON record, lacks its \
        key or (when pacing by time, rebasing, looping or filtering) its timestamp stops the replay \
        with its file and line, or with --skip-invalid is counted and listed. The manifest has the format \
        `produce` and `stream` write, so `audit` can check the topic against it.
        Example: ecomdata replay txns.ndjson --topic transactions --speed 60 --rebase now --brokers localhost:9092
        """
    )

    @Argument(help: "NDJSON files (`-` for stdin), replayed in the order given.")
    var files: [String] = []

    @Option(help: "Topic to replay into.")
    var topic: String

    @Option(name: .customLong("from-topic"), help: "Read the records from this topic (start to current end) instead of files.")
    var fromTopic: String?

    // Parsed unconditionally, so that a negative value reaches the check that says it must be positive rather than
    // reading as a missing value followed by a flag.
    @Option(parsing: .unconditional, help: "Record time runs this many times faster than the wall clock (default 1; 60: an hour a minute).")
    var speed: Double?

    @Option(parsing: .unconditional, help: "Send this many records per second, whatever their timestamps.")
    var rate: Double?

    @Flag(help: "Send as fast as the broker takes the records.")
    var max = false

    @Option(help: ArgumentHelp("Move the timestamps so the first record is at this instant: `now` or a UTC time.", valueName: "now|TIMESTAMP"))
    var rebase: String?

    @Option(name: .customLong("loop"), help: "Send the records this many times (at most 65536), each pass later in record time and with new IDs.")
    var loops: Int = 1

    @Option(help: "Leave out records stamped before this time (UTC, inclusive).")
    var since: TimeArgument?

    @Option(help: "Leave out records stamped at or after this time (UTC).")
    var until: TimeArgument?

    @Option(help: "Record field used as the message key (default: the topic's, or the source topic's).")
    var keyField: String?

    @Flag(help: "Count and list lines that are not records with their key and timestamp, and replay the rest, instead of stopping.")
    var skipInvalid = false

    @Option(help: "Where to write the manifest (offsets, counts and digests per partition).")
    var manifest: String = "reports/replay-manifest.json"

    @Option(help: "Seconds to wait for outstanding deliveries at the end.")
    var flushTimeout: Double = 60

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Seconds to wait for the brokers to answer before giving up (exit 3).")
    var connectTimeout: Double = 10

    /// The pace asked for: --max, --rate, else --speed (1 by default).
    private var pace: Replayer.Pace {
        if max { return .max }
        if let rate { return .rate(rate) }
        return .speed(speed ?? 1)
    }

    private func seedType(_ topic: String?) -> RecordType? {
        RecordType.allCases.first { $0.topic == topic }
    }

    func validate() throws {
        if files.isEmpty == (fromTopic == nil) {
            throw ValidationError("give NDJSON files or --from-topic SRC (one of the two)")
        }
        if [speed != nil, rate != nil, max].filter({ $0 }).count > 1 {
            throw ValidationError("--speed, --rate and --max are alternatives; give at most one")
        }
        if let speed, !(speed > 0 && speed.isFinite) { throw ValidationError("--speed must be a positive number, e.g. 1 or 60") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number of records per second") }
        guard loops >= 1 else { throw ValidationError("--loop must be 1 or more") }
        guard loops <= Replayer.maximumLoops else { throw ValidationError("--loop must be at most \(Replayer.maximumLoops) (pass numbers are 4 hex digits)") }
        if let rebase, rebase != "now", Timestamp(parsing: rebase) == nil {
            throw ValidationError("--rebase \(rebase) is not `now` or a time; write now, 2024-09-02 or 2024-09-02T10:00:00.000Z")
        }
        if let since, let until, until.timestamp <= since.timestamp {
            throw ValidationError("--until must be after --since")
        }
        if keyField == nil && seedType(topic) == nil && seedType(fromTopic) == nil {
            throw ValidationError("topic \(topic) is not one of the seed's (\(RecordType.allCases.map(\.topic).joined(separator: ", "))); pass --key-field")
        }
    }

    func run() throws {
        let type = seedType(topic) ?? seedType(fromTopic)
        let field = keyField ?? type!.keyField
        let rebaseTarget: Int64? = rebase.map { $0 == "now" ? Replayer.Plan.rebaseNow : Timestamp(parsing: $0)!.milliseconds }
        let timed = pace != .max && rate == nil
        var requirements = ReplayRecords.Requirements(
            keyField: field, topic: topic, timestamps: timed || rebase != nil || loops > 1 || since != nil || until != nil,
            since: since?.timestamp.milliseconds, until: until?.timestamp.milliseconds, skipInvalid: skipInvalid)
        // A pass after the first moves every timestamp on by the loop's period, as a rebase does.
        requirements.rebasing = rebase != nil || loops > 1
        requirements.keyFieldGiven = keyField != nil
        let (configuration, embedded) = try kafka.resolve()
        try requireReachable(configuration, timeout: connectTimeout)

        var records = ReplayRecords(requirements: requirements)
        do {
            if let fromTopic {
                try records.addTopic(fromTopic, configuration: configuration, timeout: Swift.max(connectTimeout, 10))
            } else {
                for file in files { try records.addFile(file) }
            }
        } catch {
            Console.error(error.description)
            throw ExitCode(3)
        }
        reportLeftOut(records)
        guard records.count > 0 else {
            Console.error(records.outsideWindow > 0
                ? "nothing to replay: all \(records.outsideWindow) record(s) are outside --since/--until"
                : "nothing to replay: \(records.sources.joined(separator: ", ")) hold(s) no records")
            throw ExitCode(records.outsideWindow > 0 ? 2 : 3)
        }

        let plan = Replayer.Plan(pace: pace, rebase: rebaseTarget, loops: loops)
        if let written = Replayer.writtenTimeRange(of: records, plan: plan, now: Int64(Date().timeIntervalSince1970 * 1000)) {
            let options = [loops > 1 ? "--loop \(loops)" : nil, rebase.map { "--rebase \($0)" }].compactMap { $0 }.joined(separator: " ")
            if written.last > Replayer.lastWritableTimestamp {
                Console.error("\(options) would move timestamps past 9999-12-31, which the records' format cannot hold; nothing was sent: replay fewer passes, a shorter span or to an earlier instant")
                throw ExitCode(2)
            }
            if written.first < Replayer.firstWritableTimestamp {
                // A record stamped far later than the first (a typo'd year) moves the others before year 0 with it.
                Console.error("\(options) would move timestamps before 0000-01-01, which the records' format cannot hold (the records span \(Self.span(records))); nothing was sent: check the records' timestamps, or rebase to a later instant")
                throw ExitCode(2)
            }
        }
        let producer = try kafkaCall { () throws(KafkaError) in
            try KafkaProducer(configuration: configuration, idFields: type.map { [topic: $0.idField] } ?? [:])
        }
        let replayer = Replayer(producer: producer, topic: topic, keyField: field)
        let startOffsets = RunManifest.endOffsets(on: configuration, topics: [topic])
        let stop = StopSignal()
        let sources = onTermination { name in stop.stop("stopped by \(name)") }
        let planned = records.count * loops
        let terminal = isatty(STDERR_FILENO) != 0
        Console.info("replaying \(records.count) record(s)\(loops > 1 ? " x \(loops)" : "") from \(records.sources.joined(separator: ", ")) to \(topic) on \(configuration.brokers), \(describe(pace))")
        let result = replayer.replay(records, plan: plan, stop: stop, flushTimeout: flushTimeout, progress: terminal ? { sent, elapsed in
            FileHandle.standardError.write(Data("\r\(Int(elapsed)) s: \(sent)/\(planned) sent\u{1B}[K".utf8))
        } : nil)
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        withExtendedLifetime(sources) {}

        let report = result.report
        let delivered = report.delivered[topic] ?? 0, failed = report.failed[topic] ?? 0
        let remaining = producer.inFlight
        var run = RunManifest(
            kind: "replay", brokers: configuration.brokers, started: result.started, finished: result.finished,
            report: report, stopReason: result.stopReason, generation: manifestMembers(records, result),
            topics: [RunManifest.Topic(name: topic, keyField: field, idField: type?.idField, sent: result.sent, extra: [
                ("planned", .int(Int64(planned))),
                ("scheduled_seconds", .double(result.scheduledSeconds)),
                ("sending_seconds", .double(result.sendingSeconds)),
                ("max_lateness_seconds", .double(result.maxLateness)),
                ("mean_lateness_seconds", .double(result.meanLateness)),
                ("out_of_time_order", .int(Int64(result.outOfOrder))),
            ])])
        run.partitionCounts = RunManifest.partitionCounts(on: configuration)
        run.startOffsets = startOffsets
        let document = run.json()
        let manifestWritten = RunManifest.write(document, to: manifest)

        let seconds = result.finished.timeIntervalSince(result.started)
        print("\(topic): \(result.sent) sent, \(delivered) delivered, \(failed) failed, \(remaining) unconfirmed in \(String(format: "%.2f", seconds)) s (\(records.count) record(s) x \(loops) pass(es), \(describe(pace)))")
        if pace != .max {
            print(String(format: "  pacing: schedule %.3f s, first to last send %.3f s, lateness max %.1f ms, mean %.2f ms",
                         result.scheduledSeconds, result.sendingSeconds, result.maxLateness * 1000, result.meanLateness * 1000))
            if result.outOfOrder > 0 {
                print("  \(result.outOfOrder) record(s) stamped earlier than a record before them were sent in file order, right after it (not counted as late)")
            }
        }
        if let rebasedTo = result.rebasedTo {
            print("  rebased: first record at \(Timestamp(milliseconds: rebasedTo)) (timestamps moved by \(result.shift) ms)")
        }
        for (partition, entry) in (report.partitions[topic] ?? [:]).sorted(by: { $0.key < $1.key }) {
            print("  partition \(partition): \(entry.delivered) records, offsets \(entry.firstOffset)-\(entry.lastOffset)")
        }
        print(manifestWritten ? "manifest: \(manifest)" : "manifest: NOT written")
        withExtendedLifetime(embedded) {}
        if !manifestWritten {
            Console.error("cannot write the manifest \(manifest); check that the directory is writable")
            throw ExitCode(3)
        }
        if let reason = result.stopReason {
            Console.error("\(reason); \(result.sent) of \(planned) records sent before it, \(delivered) delivered")
            throw ExitCode(reason.hasPrefix("stopped by SIG") ? 0 : 3)
        }
        if failed > 0 || remaining > 0 || delivered != result.sent {
            Console.error("not every record was delivered to \(configuration.brokers): \(report.lastError[topic] ?? "no delivery report within \(flushTimeout) s")")
            throw ExitCode(3)
        }
    }

    /// The records' earliest and latest `timestamp`, for messages.
    private static func span(_ records: ReplayRecords) -> String {
        guard let range = records.timeRange else { return "no timestamps" }
        return "\(Timestamp(milliseconds: range.first)) to \(Timestamp(milliseconds: range.last))"
    }

    private func describe(_ pace: Replayer.Pace) -> String {
        switch pace {
        case let .speed(speed): "speed x\(speed.formatted())"
        case let .rate(rate): "\(rate.formatted()) records/s"
        case .max: "as fast as possible"
        }
    }

    /// Tells on stderr what was left out, so nothing is dropped silently.
    private func reportLeftOut(_ records: ReplayRecords) {
        if records.outsideWindow > 0 {
            Console.info("left out: \(records.outsideWindow) record(s) outside --since/--until")
        }
        if records.skippedCount > 0 {
            Console.error("left out: \(records.skippedCount) invalid line(s) (--skip-invalid)\(records.skippedCount > records.skipped.count ? ", the first \(records.skipped.count):" : ":")")
            for skipped in records.skipped { Console.info("  \(skipped.location): \(skipped.problem)") }
        }
    }

    private func manifestMembers(_ records: ReplayRecords, _ result: Replayer.Result) -> [(String, JSONValue)] {
        let paceMembers: [(String, JSONValue)] = switch pace {
        case let .speed(speed): [("pace", .string("speed")), ("speed", .double(speed))]
        case let .rate(rate): [("pace", .string("rate")), ("rate", .double(rate))]
        case .max: [("pace", .string("max"))]
        }
        let time = { (value: Int64?) -> JSONValue in value.map { .string(Timestamp(milliseconds: $0).description) } ?? .null }
        return [
            fromTopic.map { ("from_topic", JSONValue.string($0)) } ?? ("files", .array(files.map { .string($0) })),
        ] + paceMembers + [
            ("loops", .int(Int64(loops))),
            ("records_per_loop", .int(Int64(records.count))),
            ("first_record_timestamp", time(records.firstTimestamp)),
            ("rebased_to", time(result.rebasedTo)),
            ("timestamp_shift_ms", result.rebasedTo == nil ? .null : .int(result.shift)),
            ("loop_period_ms", .int(result.period)),
            ("since", time(since?.timestamp.milliseconds)),
            ("until", time(until?.timestamp.milliseconds)),
            ("outside_window", .int(Int64(records.outsideWindow))),
            ("skipped_invalid", .int(Int64(records.skippedCount))),
            ("skipped_examples", .array(records.skipped.map { .object([("location", .string($0.location)), ("problem", .string($0.problem))]) })),
        ]
    }
}
