import ArgumentParser
import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

struct HistoricalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "historical",
        abstract: "Generate every record type over a window of days at the configured rates, partitioned by day.",
        discussion: """
        Writes DIR/<type>/date=YYYY-MM-DD/part-00000.ndjson, DIR/catalog/{users,products,cities}.ndjson and \
        DIR/manifest.json with counts and SHA-256 digests per type and day. Fraud alerts are those the \
        transactions raised; every transaction is the purchase that ends a session of the user events.
        Example: ecomdata historical --days 7 --out history/ --seed 42
        """
    )

    @Option(help: "Number of days.")
    var days: Int

    @Option(help: "First day (UTC); defaults to the configured window start, or the scenario's.")
    var start: TimeArgument?

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Multiplier on every configured rate.")
    var rateMultiplier: Double = 1

    @Option(help: "Worker threads (output is identical for any value).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var generation: GenerationOptions

    /// What a dataset `historical` wrote holds: a directory per record type, the catalog and the manifest.
    private static var datasetEntries: Set<String> { Set(RecordType.allCases.map(\.rawValue) + ["catalog", "manifest.json"]) }

    /// Makes room for the new dataset in `out`: an earlier one there (only the entries a dataset holds) is removed, so that
    /// none of its days outlives the new manifest; a directory holding anything else is refused (exit 2), not mixed in.
    private func clearEarlierDataset() throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: out, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            Console.error("--out \(out) is a file; historical writes a directory")
            throw ExitCode(2)
        }
        let entries = (try? manager.contentsOfDirectory(atPath: out)) ?? []
        let others = entries.filter { !Self.datasetEntries.contains($0) }.sorted()
        guard others.isEmpty else {
            Console.error("--out \(out) holds \(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? " and \(others.count - 3) more" : ""), not a dataset historical wrote; choose an empty or new directory")
            throw ExitCode(2)
        }
        for entry in entries {
            do {
                try manager.removeItem(atPath: out + "/" + entry)
            } catch {
                Console.error("cannot remove the earlier dataset's \(out)/\(entry): \(error.localizedDescription)")
                throw ExitCode(3)
            }
        }
        if !entries.isEmpty { Console.info("replaced the dataset that was in \(out)") }
    }

    func validate() throws {
        guard days >= 1 && days <= 3660 else { throw ValidationError("--days must be between 1 and 3660") }
        guard rateMultiplier > 0 else { throw ValidationError("--rate-multiplier must be positive") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let config = try generation.loadConfig()
        let scenario = generation.resolvedScenario
        let startTime = start?.timestamp ?? scenario.defaultWindow(config).start
        let end = startTime.adding(milliseconds: Int64(days) * Timestamp.millisecondsPerDay)
        let generator = ECommerceDataGenerator(config: config, seed: generation.seed, scenario: scenario, window: (startTime, end))
        try clearEarlierDataset()
        let progress = Console.progress(label: "historical")
        var manifest = JSONValue.null
        try reportingFailures { () throws(GenerationError) in
            manifest = try generator.generateHistorical(
                days: days, start: startTime, directory: out, rateMultiplier: rateMultiplier, threads: threads,
                progress: progress.map { report in { type, written, planned in report(written, planned) } })
        }
        print("historical data, \(days) day(s) from \(startTime.civilDate), seed \(generation.seed), scenario \(scenario.rawValue) -> \(out)")
        for type in RecordType.allCases {
            let records = manifest["types"]?[type.rawValue]?["records"]?.intValue ?? 0
            print("  \(type.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(records) records")
        }
        print("  catalog            \(generator.catalog.users.count) users, \(generator.catalog.products.count) products, \(generator.catalog.cities.count) cities")
        print("manifest: \(out)/manifest.json")
    }
}
