import ArgumentParser
import EcomGeneration
import EcomModel
import Foundation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate records of one type as NDJSON, ordered by timestamp.",
        discussion: """
        The window defaults to the configured one (28 days from 2024-09-02), or the scenario's.
        Example: ecomdata generate --type transactions --count 200000 --seed 7 --out txns.ndjson --catalog-out catalog/
        User events hold a purchase session for every transaction of the same seed, window and count
        (--transactions), and browsing sessions for the rest:
        ecomdata generate --type user_events --count 2000000 --transactions 200000 --seed 7 --out events.ndjson
        """
    )

    @Option(help: "Record type: \(RecordType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: RecordType

    @Option(help: "Number of records.")
    var count: Int

    @Option(help: "Window start (UTC).")
    var start: TimeArgument?

    @Option(help: "Window end (UTC, exclusive).")
    var end: TimeArgument?

    @Option(help: ArgumentHelp(
        "user_events: the transactions whose purchase sessions the events hold, as `--type transactions --count N` writes them over the same window.",
        discussion: "Default: the configured rates' transactions for the events asked for (for the day's expected events, the day's expected transactions, as historical writes them)."))
    var transactions: Int?

    @Option(help: "Output file, or - for stdout.")
    var out: String = "-"

    @Option(help: "Also write users.ndjson, products.ndjson and cities.ndjson into this directory.")
    var catalogOut: String?

    @Option(help: "Worker threads (output is identical for any value).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var generation: GenerationOptions

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
        if let transactions {
            guard transactions >= 0 else { throw ValidationError("--transactions must not be negative") }
            guard type == .userEvents else { throw ValidationError("--transactions applies to --type user_events only") }
        }
        if let start, let end, end.timestamp <= start.timestamp { throw ValidationError("--end must be after --start") }
    }

    func run() throws {
        let config = try generation.loadConfig()
        let scenario = generation.resolvedScenario
        let defaults = scenario.defaultWindow(config)
        let startTime = start?.timestamp ?? defaults.start
        var endTime = end?.timestamp ?? defaults.end
        if start != nil && end == nil { endTime = startTime.adding(milliseconds: defaults.end.milliseconds - defaults.start.milliseconds) }
        guard endTime > startTime else { throw ValidationError("--end must be after --start") }
        // The generator's calendar holds every day of the window: a window of centuries would take gigabytes to make.
        let days = (endTime.milliseconds - startTime.milliseconds) / Timestamp.millisecondsPerDay
        guard days <= 3660 else {
            throw ValidationError("--start \(startTime) to --end \(endTime) spans \(days) days; a window is at most 3660 days (as window.days in a configuration)")
        }
        let generator = ECommerceDataGenerator(config: config, seed: generation.seed, scenario: scenario, window: (startTime, endTime))
        if generation.verbose {
            Console.info("generating \(count) \(type.rawValue) from \(startTime) to \(endTime), seed \(generation.seed), scenario \(scenario.rawValue), \(threads) threads")
        }
        try reportingFailures { () throws(GenerationError) in
            if let catalogOut { try generator.catalog.write(to: catalogOut) }
            let sink = try RecordSink(path: out)
            let progress = out == "-" ? nil : Console.progress(label: type.rawValue)
            let written = try generator.write(type: type, count: count, start: startTime, end: endTime, to: sink, transactions: transactions,
                                              threads: threads, progress: progress)
            _ = try sink.finish()
            if generation.verbose || out != "-" {
                Console.info("wrote \(written) \(type.rawValue) (\(sink.bytes) bytes) to \(out == "-" ? "stdout" : out)")
            }
        }
    }
}
