import ArgumentParser
import EcomGeneration
import EcomJSON
import EcomModel

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show generator statistics: catalog sizes and splits, and the expected volume per type.",
        discussion: "Example: ecomdata stats --seed 7 --json"
    )

    @OptionGroup var generation: GenerationOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let config = try generation.loadConfig()
        let generator = ECommerceDataGenerator(config: config, seed: generation.seed, scenario: generation.resolvedScenario)
        let statistics = generator.statistics()
        if json {
            print(statistics.encoded(pretty: true))
            return
        }
        print("seed \(generation.seed), scenario \(generator.scenario.rawValue), window \(generator.window.start) .. \(generator.window.end)")
        for (section, value) in statistics.objectValue ?? [] {
            guard case let .object(members) = value else {
                print("\(section): \(plain(value))")
                continue
            }
            print("\(section):")
            for (key, item) in members { print("  \(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(plain(item))") }
        }
    }

    private func plain(_ value: JSONValue) -> String {
        switch value {
        case let .string(s): return s
        case let .double(d): return String(format: "%.4f", d)
        case let .object(members): return members.map { "\($0.0)=\(plain($0.1))" }.joined(separator: ", ")
        default: return value.encoded()
        }
    }
}
