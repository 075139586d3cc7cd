import ArgumentParser
import EcomAudit
import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read topics back and prove what was produced arrived, then validate what was read.",
        discussion: """
        Every partition of each topic is read with explicit assignment from its start (or the manifest's first \
        offsets, or --from) to the end offset seen when the audit began (--follow keeps reading until SIGINT or \
        SIGTERM, then reads to the ends of that moment). Per topic and partition: the count equals the manifest's; \
        no record is missing (named, and altered payloads too, when the manifest is a seeded stream's: the records \
        are generated again and compared one by one); no ID is read twice; timestamps of a key never go back; every \
        key is on the partition Kafka's default partitioner (murmur2) gives it and equals the payload's key field; \
        payloads parse. Latency is CreateTime to read. The records then go through the validator, located by \
        topic/partition@offset, and one report holds both. Exit codes: 0 every check passed, 1 a check failed, \
        2 usage error, 3 broker unreachable or a file that cannot be read or written.
        Example: ecomdata audit --brokers 127.0.0.1:9092 --manifest reports/stream-manifest.json --json reports/audit.json
        """
    )

    @Option(parsing: .upToNextOption, help: "Topics (or record types) to audit, space- or comma-separated (default: the manifest's topics, else the five seed topics).")
    var topics: [String] = []

    @Option(help: "The producing run's manifest (stream, produce or roundtrip write one).")
    var manifest: String?

    @Option(help: ArgumentHelp("Where to start: beginning, manifest (the manifest's first offsets; the default with --manifest), a time (2024-09-02T10:00:00Z: the first record with that CreateTime or later), or offsets as [topic/]partition:offset,... (partitions not named start at the manifest's first offsets, else the beginning)", valueName: "from"))
    var from: String?

    @Flag(help: "Keep reading until SIGINT or SIGTERM, reporting every --interval seconds; then read to the ends of that moment and report.")
    var follow = false

    @Option(help: "Seconds between progress lines when following.")
    var interval: Double = 10

    @Option(help: "Write the JSON report (ecomdata.report/v1 with an audit member) here; - writes it to standard output.")
    var json: String?

    @Option(help: "Write the HTML report here.")
    var report: String?

    @Option(help: "Write the JUnit XML report here.")
    var junit: String?

    @Option(help: "Write a Markdown summary here.")
    var markdown: String?

    @Option(help: "fail (default): only failed gates exit 1; warn: warnings do too.")
    var failOn: String = "fail"

    @Option(help: "Seed the data was generated with, when the manifest does not say (for the validator's catalogs and expectations).")
    var seed: UInt64?

    @Option(help: "Configuration file the run used (YAML or JSON); needed to regenerate a seeded run's records.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, as the run did.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Scenario the data was generated for, when the manifest does not say.")
    var scenario: String?

    @Option(help: "Directory with users.ndjson and products.ndjson (default: rebuilt from the seed and the configuration).")
    var catalog: String?

    @Option(help: "Start of the window records must be in (default: the manifest's simulated window, else the configured one).")
    var start: TimeArgument?

    @Option(help: "End of the window (exclusive).")
    var end: TimeArgument?

    @Option(help: "Gates file (YAML or JSON), as for validate; audit checks too, e.g. audit.duplicate: {max_violations: 10}.")
    var gates: String?

    @Option(help: ArgumentHelp("Join consumer group G: the group's members share the partitions (start them together, with a new group name per audit); each writes --partial, and `ecomdata merge` combines them into the report one audit would have written.", valueName: "G"))
    var group: String?

    @Option(help: ArgumentHelp("With --group: the number of members; each reads nothing until the group has given it a share of that many (so that none joining later makes the group hand partitions over mid-read), and gives up with exit 3 when the others have not joined within 45 s more than the larger of --timeout and --idle-timeout.", valueName: "N"))
    var members: Int = 1

    @Option(help: "Write this audit's state as a partial here (with --group, each member's share) for `ecomdata merge`.")
    var partial: String?

    @Option(help: "Seconds the brokers have to answer (exit 3 after).")
    var timeout: Double = 10

    @Option(help: ArgumentHelp("Threads running the validator, each given an equal run of every batch of records read (the report is the same for any value); default 2 (1 on one core). With --partial, one.", valueName: "N"))
    var validatorThreads: Int?

    @Option(help: "Seconds without a record before a partition short of its end is given up on (a finding, not a hang).")
    var idleTimeout: Double = 30

    @OptionGroup var kafka: KafkaOptions

    mutating func validate() throws {
        topics = splitLists(topics)
        if let scenario, Scenario(rawValue: scenario) == nil { throw ValidationError("unknown scenario '\(scenario)'") }
        if topics.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) { throw ValidationError("--topics: a topic name is empty") }
        if from == "manifest" && manifest == nil { throw ValidationError("--from manifest needs --manifest") }
        if let from, !["beginning", "manifest"].contains(from), Timestamp(parsing: from) == nil, Self.offsets(from) == nil {
            throw ValidationError("--from \(from): write beginning, manifest, a time (2024-09-02T10:00:00Z) or offsets such as 0:100,1:250 or transactions/0:100")
        }
        if let from, let list = Self.offsets(from) {
            for (index, given) in list.enumerated() where list[..<index].contains(where: { $0.topic == given.topic && $0.partition == given.partition }) {
                throw ValidationError("--from \(from): \(given.topic.map { "\($0)/" } ?? "")\(given.partition) is named twice; give each partition one offset")
            }
        }
        if group != nil && partial == nil { throw ValidationError("--group needs --partial FILE: a member reads only its share of the partitions; `ecomdata merge` makes the report from every member's partial") }
        if group != nil && [json, report, junit, markdown].contains(where: { $0 != nil }) {
            throw ValidationError("--group writes no report: a member reads only its share; pass the members' partials to `ecomdata merge --json ... --report ...`")
        }
        if let group, group.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--group: the group name is empty") }
        guard members >= 1 else { throw ValidationError("--members must be at least 1") }
        if members > 1 && group == nil { throw ValidationError("--members needs --group") }
        guard ["fail", "warn"].contains(failOn) else { throw ValidationError("--fail-on is fail or warn") }
        if let validatorThreads, !(1...64).contains(validatorThreads) { throw ValidationError("--validator-threads must be between 1 and 64") }
        guard timeout > 0, idleTimeout > 0, interval > 0 else { throw ValidationError("--timeout, --idle-timeout and --interval must be positive") }
    }

    /// Validating threads when --validator-threads is not given: two where there are two cores (measured faster there
    /// than one, though the reading and checking threads share the cores); more were not measured.
    static let defaultValidatorThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)

    /// `[topic/]partition:offset,...`, or nil when the text is not that.
    static func offsets(_ text: String) -> [(topic: String?, partition: Int32, offset: Int64)]? {
        var result: [(topic: String?, partition: Int32, offset: Int64)] = []
        for entry in text.split(separator: ",") {
            var rest = Substring(entry)
            var topic: String?
            if let slash = rest.lastIndex(of: "/") {
                topic = String(rest[..<slash])
                rest = rest[rest.index(after: slash)...]
            }
            let parts = rest.split(separator: ":")
            guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else { return nil }
            result.append((topic, partition, offset))
        }
        return result.isEmpty ? nil : result
    }

    func run() throws {
        let configuration: DataGenerationConfig
        var gateSet = Gates()
        do {
            configuration = try ConfigLoader.load(path: config, overrides: overrides)
            if let gates { gateSet = try Gates.load(path: gates) }
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
        var runManifest: AuditManifest?
        if let manifest {
            do {
                runManifest = try AuditManifest.load(path: manifest)
            } catch {
                Console.error(error.description)
                throw ExitCode(3)
            }
        }
        let names = topics.isEmpty ? (runManifest.map { $0.topics.keys.sorted() } ?? RecordType.allCases.map(\.topic))
            : topics.map { name in RecordType.allCases.first { $0.topic == name || $0.rawValue == name }?.topic ?? RecordType(name: name)?.topic ?? name }
        // A topic the manifest does not name would be read with nothing to compare it with, and pass: a manifest of
        // another run, or a misspelt topic.
        if let runManifest, let manifest {
            let unnamed = names.filter { runManifest.topics[$0] == nil }
            if !unnamed.isEmpty {
                Console.error("\(manifest) names the topics \(runManifest.topics.keys.sorted().joined(separator: ", ")), not \(unnamed.joined(separator: ", ")): "
                    + "audit the manifest's topics (leave out --topics), pass the manifest of the run that wrote \(unnamed.joined(separator: ", ")), "
                    + "or audit \(unnamed.count == 1 ? "it" : "them") in a run without --manifest")
                throw ExitCode(2)
            }
        }
        let startAt: AuditRequest.Start? = switch from {
        case nil: nil
        case "beginning": .beginning
        case "manifest": .manifest
        case let text?: Timestamp(parsing: text).map { .timestamp($0.milliseconds) } ?? .offsets(Self.offsets(text)!)
        }

        // The validator judges the records as data of the run: its seed, scenario and simulated window.
        let seedUsed = runManifest?.seed ?? seed ?? 42
        let scenarioUsed = runManifest?.scenario ?? scenario.flatMap(Scenario.init(rawValue:)) ?? .normalTraffic
        let window: (start: Timestamp, end: Timestamp)? = runManifest.flatMap { m in m.simulatedStart.flatMap { s in m.simulatedEnd.map { (s, $0) } } }
        let generator = ECommerceDataGenerator(config: configuration, seed: seedUsed, scenario: scenarioUsed, window: window, writes: false)
        var settings: ValidationSettings
        do {
            let reference = try catalog.map { (directory) throws(EcomValidation.ValidationError) in try ReferenceCatalog(directory: directory) }
            settings = ValidationSettings(generator: generator, seedKnown: runManifest?.seed != nil || seed != nil, catalog: reference,
                                          gates: gateSet)
        } catch {
            Console.error(error.description)
            throw ExitCode(3)
        }
        if start != nil || end != nil {
            settings.window = (start?.timestamp.milliseconds ?? settings.window.start, end?.timestamp.milliseconds ?? settings.window.end)
        } else if let shift = runManifest?.timeShift, runManifest?.timesMoved != nil {
            // A replay that moved the records' timestamps moved the window they are in as far: its first pass by the
            // rebase, its last pass by the loops' periods on top.
            settings.window = (settings.window.start &+ shift.first, settings.window.end &+ shift.first &+ shift.lastPassFurther)
            // Paced faster than its records' own times (--speed above 1, --max) or rebased to a later instant, it stamped
            // them ahead of the clock it sent them by: a time inside the moved window is not in the future for that.
            settings.now = max(settings.now, settings.window.end)
        }
        settings.timesMoved = runManifest?.timesMoved
        // Kept as partials, then judged in offset order: which copy of a record read twice is the duplicate must not
        // depend on the order the partitions' records arrived in, nor on which thread validated them. A partial file
        // holds one validator's section.
        let threads = partial != nil ? 1 : validatorThreads ?? Self.defaultValidatorThreads
        let validators = (0..<threads).map { _ in Validator(partialOf: settings) }
        let validator = validators[0]
        // A purchase event's transaction is checked against the session it ends, which takes 8 bytes a transaction
        // read: kept when user events may be read (their topic, or a topic of no known type) or merged (a partial).
        let readsEvents = names.contains { name in RecordType.allCases.first { $0.topic == name }.map { $0 == .userEvents } ?? true }
        if partial == nil && !readsEvents { for validator in validators { validator.keepsPurchaseLinks = false } }
        let (kafkaConfiguration, embedded) = try kafka.resolve()
        var request = AuditRequest(topics: names, manifest: runManifest, start: startAt, idleTimeout: idleTimeout, metadataTimeout: timeout,
                                   gates: gateSet)
        request.group = group
        request.members = members
        let audit = try auditCall { () throws(AuditError) in try Audit(configuration: kafkaConfiguration, request: request, validators: validators, follow: follow) }
        if let runManifest {
            let (records, note) = ExpectedRecords.regenerate(manifest: runManifest, config: configuration, partitions: audit.producedPartitionCounts)
            audit.expect(records, note: note)
            if let note { Console.info("note: \(note)") }
        }
        Console.info("auditing \(names.joined(separator: ", ")) on \(kafkaConfiguration.brokers)\(follow ? ", following until SIGINT or SIGTERM" : "")\(threads > 1 ? ", validating on \(threads) threads" : "")")
        let control = follow ? FollowControl() : nil
        let sources = follow ? onTermination { _ in control?.finish() } : []
        try auditCall { () throws(AuditError) in
            try audit.read(follow: control, interval: interval, progress: follow || group != nil || isatty(STDERR_FILENO) != 0 ? { line in
                Console.info(String(format: "%@: %@", ISO8601DateFormatter().string(from: Date()), line))
            } : nil)
        }
        withExtendedLifetime(sources) {}
        if let partial {
            do {
                try PartialFile.write([try validator.partialSection(gatesFile: gates), audit.partialSection()], to: partial)
            } catch {
                Console.error(error.description)
                throw ExitCode(error.exitCode)
            }
            let read = audit.partitionsRead
            print("wrote \(partial): \(validator.records) records of \(read.partitions) partitions (\(read.names.joined(separator: ", ")))\(group.map { " as a member of group \($0)" } ?? ""); combine the members' partials with ecomdata merge")
            withExtendedLifetime(embedded) {}
            return
        }
        let result = audit.finish()
        let document = try auditReport(result, validators: validators, gatesFile: gates, failOnWarn: failOn == "warn")
        let failedWrites = writeReports(document, json: json, html: report, junit: junit, markdown: markdown)
        printAuditSummary(result, report: document, examples: Console.verbose ? 20 : 3)
        withExtendedLifetime(embedded) {}
        if !failedWrites.isEmpty {
            Console.error("cannot write \(failedWrites.joined(separator: ", ")); check that the directories are writable")
            throw ExitCode(3)
        }
        if exitsOne(verdict: document["verdict"]?.stringValue, failOn: failOn) { throw ExitCode(1) }
    }
}

/// Runs an audit call, printing its error and mapping it to the exit code: 2 for a rejected property or a bad
/// request, 3 for a broker or a manifest that fails.
func auditCall<T>(_ body: () throws(AuditError) -> T) throws(ExitCode) -> T {
    do {
        return try body()
    } catch {
        Console.error(error.description)
        switch error {
        case let .kafka(kafkaError): throw ExitCode(kafkaError.kind == .configuration ? 2 : 3)
        case .invalidRequest: throw ExitCode(2)
        case .manifest: throw ExitCode(3)
        }
    }
}
