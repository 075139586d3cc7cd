import ArgumentParser
import EcomModel
import Foundation

@main
struct Ecomdata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecomdata",
        abstract: "Generate realistic, labelled e-commerce data and prove its quality.",
        discussion: """
        Exit codes: 0 ok, 1 a check failed, 2 usage or configuration error, 3 input/output or broker failure.
        Global flag: --verbose (before or after the subcommand) says more on stderr.
        Example: ecomdata generate --type transactions --count 1000 --seed 7 --out txns.ndjson
        """,
        version: EcomVersion.current,
        subcommands: [GenerateCommand.self, HistoricalCommand.self, ValidateCommand.self, MergeCommand.self, StreamCommand.self, AuditCommand.self, RoundtripCommand.self, ProduceCommand.self, ReplayCommand.self, DiffCommand.self, BaselineCommand.self, TopicsCommand.self, BrokerCommand.self, HealthCommand.self, StatsCommand.self, ReportCommand.self, SchemaCommand.self, ConfigCommand.self, JSONBenchCommand.self, ParseBenchCommand.self]
    )

    /// Runs a command; usage errors exit with 2 (the product's code for usage and configuration errors)
    /// instead of the parser's 64.
    static func main() {
        // `--verbose` is global: accepted before the subcommand as in the seed (`ecomdata --verbose generate ...`).
        var arguments = Array(CommandLine.arguments.dropFirst())
        while let first = arguments.first, first == "--verbose" || first == "-v" {
            Console.verbose = true
            arguments.removeFirst()
        }
        // And after it, for every subcommand (those with a flag of their own read Console.verbose too).
        let terminator = arguments.firstIndex(of: "--") ?? arguments.endIndex
        if arguments[..<terminator].contains("--verbose") {
            Console.verbose = true
            arguments = arguments[..<terminator].filter { $0 != "--verbose" } + arguments[terminator...]
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            // What `print` wrote must have reached standard output: a full disk or a closed pipe is exit 3, not 0.
            Console.checkStandardOutput()
        } catch {
            Console.checkStandardOutput()
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
