import ArgumentParser
import EcomModel

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
}
