import ArgumentParser
import EcomAudit
import EcomJSON
import EcomKafka
import EcomValidation
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the partials of several `validate --partial` runs, or of the members of an `audit --group`, into the reports one run over all their inputs writes.",
        discussion: """
        The inputs are read in the order the partials are named, each partial's in its own order: IDs repeated across \
        partials and sessions that span them are judged as one run would. The partials must have been made with \
        the same configuration, seed, scenario, window, catalog and gates. Exit codes: 0 every gate passed, 1 a gate \
        failed, 2 usage error or partials that do not go together, 3 a partial that cannot be read, is cut short or \
        damaged or does not go with the others. The partials of an audit's group members make the report one audit of \
        every partition makes: a partition's offsets must have been read once, by the members given.
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
        let files: [(path: String, sections: [PartialSection])]
        do {
            files = try partials.map { path throws(PartialError) in (path, try PartialFile.read(path)) }
        } catch {
            Console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        let audits = files.filter { $0.sections.contains { $0.tag == Audit.partialTag } }
        if !audits.isEmpty {
            guard audits.count == files.count else {
                let other = files.first { !$0.sections.contains { $0.tag == Audit.partialTag } }?.path ?? ""
                Console.error("\(other): a validate partial among audit partials (\(audits[0].path)); merge the members of one audit, or validate runs, not both")
                throw ExitCode(2)
            }
            try mergeAudit(files)
            return
        }
        var settings: ValidationSettings
        var gatesFile: String?
        let merged: Validator
        do {
            var sections: [PartialSection] = []
            var owner: [String: String] = [:]
            for (path, all) in files {
                let found = all.filter { $0.tag == Validator.partialTag }
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
            (settings, gatesFile) = try self.settings(of: sections[0])
            merged = try Validator.merging(sections, settings: settings)
        } catch let error as PartialError {
            Console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        try output.conclude(merged.finish(command: CommandLine.arguments), gatesFile: gatesFile)
    }

    /// The settings a validator section was made with, and its gates file; `--gates` replaces its gates.
    /// - Throws: ``PartialError`` for a damaged section; exit 2 for a gates file that does not read.
    private func settings(of section: PartialSection) throws -> (ValidationSettings, String?) {
        var (settings, gatesFile) = try Validator.partialSettings(of: section)
        guard let gates else { return (settings, gatesFile) }
        do {
            settings.gates = try Gates.load(path: gates)
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
        return (settings, gates)
    }

    /// The report one audit of every partition writes, from its group members' partials.
    private func mergeAudit(_ files: [(path: String, sections: [PartialSection])]) throws {
        let document: JSONValue
        let result: AuditResult
        do {
            let checks = files.flatMap { $0.sections.filter { $0.tag == Validator.partialTag } }
            guard checks.count == files.count else {
                throw PartialError.noSection(files.first { !$0.sections.contains { $0.tag == Validator.partialTag } }?.path ?? "", "validator")
            }
            let (settings, gatesFile) = try self.settings(of: checks[0])
            // Every member named the same `topic/partition` inputs in the same order: a partition handed from one
            // member to another is one input, its records in offset order.
            let validator = try Validator.merging(checks, settings: settings)
            let audit = try Audit(merging: files.flatMap { $0.sections.filter { $0.tag == Audit.partialTag } }, validator: validator,
                                  config: settings.generator.config, gates: settings.gates)
            result = audit.finish()
            document = result.merged(into: validator.finish(command: KafkaConfiguration.redactingSecrets(CommandLine.arguments))
                .json(failOnWarn: output.failOn == "warn", gatesFile: gatesFile))
        } catch let error as PartialError {
            Console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        let failedWrites = writeReports(document, json: output.json, html: output.report, junit: output.junit, markdown: output.markdown)
        printAuditSummary(result, report: document, examples: Console.verbose ? 20 : 3)
        if !failedWrites.isEmpty {
            Console.error("cannot write \(failedWrites.joined(separator: ", ")); check that the directories are writable")
            throw ExitCode(3)
        }
        let verdict = document["verdict"]?.stringValue
        if exitsOne(verdict: verdict, failOn: output.failOn) { throw ExitCode(1) }
    }
}
