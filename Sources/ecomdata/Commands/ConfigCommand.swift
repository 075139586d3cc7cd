import ArgumentParser
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config")
    func run() throws {}
}
