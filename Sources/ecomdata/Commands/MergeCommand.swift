import ArgumentParser
import EcomValidation
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the partials of several `validate --partial` runs into the reports one validate over all their inputs writes.",
        discussion: """
        The inputs are read in the order the partials are named, each partial's in its own order: IDs repeated across \
        partials and sessions that span them are judged as one run would. The partials must have been made with \
        the same configuration, seed, scenario, window, catalog and gates. Exit codes: 0 every gate passed, 1 a gate \
        failed, 2 usage error or partials that do not go together, 3 a partial that cannot be read, is cut short or \
        damaged.
        Example: ecomdata validate out/transactions --partial a.part && ecomdata validate out/user-events --partial b.part \
        && ecomdata merge a.part b.part --json reports/validation.json
        """
    )

    @Argument(help: ArgumentHelp("Partial files (`validate --partial`), in the order their inputs are to be read.", valueName: "partial"))
    var partials: [String]

    @Option(help: "Gates file (YAML or JSON) deciding the checks instead of the gates the partials were made with.")
    var gates: String?

    @OptionGroup var output: ValidationReportOptions

    func validate() throws {
        guard !partials.isEmpty else { throw ValidationError("name at least one partial file") }
    }

    func run() throws {
        var settings: ValidationSettings
        var gatesFile: String?
        let merged: Validator
        do {
            var sections: [PartialSection] = []
            var owner: [String: String] = [:]
            for path in partials {
                let found = try PartialFile.read(path).filter { $0.tag == Validator.partialTag }
                guard !found.isEmpty else { throw PartialError.noSection(path, "validator") }
                for section in found {
                    // validate reads a file named twice once: a file in two partials would be each of its records
                    // reported as its own duplicate.
                    for input in try Validator.partialInputs(of: section) {
                        if let other = owner[input] {
                            throw PartialError.sharedInput(path, input: input, other: other)
                        }
                        owner[input] = path
                    }
                }
                sections += found
            }
            (settings, gatesFile) = try Validator.partialSettings(of: sections[0])
            if let gates {
                do {
                    settings.gates = try Gates.load(path: gates)
                    gatesFile = gates
                } catch {
                    Console.error(error.description)
                    throw ExitCode(2)
                }
            }
            merged = try Validator.merging(sections, settings: settings)
        } catch let error as PartialError {
            Console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        try output.conclude(merged.finish(command: CommandLine.arguments), gatesFile: gatesFile)
    }
}
