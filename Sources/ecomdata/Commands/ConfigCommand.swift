import ArgumentParser
import EcomModel

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration, or check a file and list every problem.",
        discussion: """
        Without --validate, prints the configuration (defaults, then --config, then --set) as JSON, which \
        can be saved and edited as a config file (YAML or JSON). \
        With --validate FILE, lists every problem with its line and key path and exits 2, or says the file is valid.
        Example: ecomdata config --validate fixtures/configs/invalid.yaml
        """
    )

    @Option(help: "A configuration file to check.")
    var validate: String?

    @Option(help: "Configuration file (YAML or JSON).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set fraud_rate=0.01.", valueName: "key=value"))
    var overrides: [String] = []

    func run() throws {
        let path = validate ?? config
        do {
            let loaded = try ConfigLoader.load(path: path, overrides: overrides)
            if validate != nil {
                print("\(path!): valid (config sha256 \(loaded.digest))")
            } else {
                print(loaded.json.encoded(pretty: true))
            }
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
    }
}
