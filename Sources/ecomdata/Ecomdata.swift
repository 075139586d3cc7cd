import ArgumentParser
import EcomModel
import Foundation

@main
struct Ecomdata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecomdata",
        abstract: "Generate realistic, labelled e-commerce data and prove its quality.",
        discussion: """
        Exit codes: 0 ok, 1 a check failed, 2 usage or configuration error, 3 input/output failure.
        Example: ecomdata generate --type transactions --count 1000 --seed 7 --out txns.ndjson
        """,
        version: EcomVersion.current,
        subcommands: [GenerateCommand.self, HistoricalCommand.self, StatsCommand.self, SchemaCommand.self, ConfigCommand.self]
    )

    /// Runs a command; usage errors exit with 2 (the product's code for usage and configuration errors)
    /// instead of the parser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
