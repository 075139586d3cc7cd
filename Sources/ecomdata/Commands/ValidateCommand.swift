import ArgumentParser
import EcomGeneration
import EcomJSON
import EcomModel
import EcomReports
import EcomValidation
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check NDJSON files against the schemas, the catalogs, time, coordinates and the configured distributions.",
        discussion: """
        Every check has an id (family.name), a status (pass, warn, fail, inconclusive with why), the records it \
        checked and broke, and up to 20 examples with file and line. Exit codes: 0 every gate passed, 1 a gate \
        failed, 2 usage or configuration error, 3 an input could not be read.
        Example: ecomdata validate out/ --seed 42 --json reports/validation.json --report reports/validation.html
        """
    )

    @Argument(help: "NDJSON files, directories (the layout `historical` writes) or - for stdin.")
    var paths: [String]

    @Option(help: "Directory with users.ndjson and products.ndjson (default: rebuilt from --seed and the configuration).")
    var catalog: String?

    @Option(help: "Seed the data was generated with (catalogs and expectations are rebuilt from it; default 42).")
    var seed: UInt64?

    @Option(help: "Configuration file the data was generated with (YAML or JSON).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, as for generate.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Scenario the data was generated for: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: String = Scenario.normalTraffic.rawValue

    @Option(help: "Start of the window records must be in (default: the configured window).")
    var start: TimeArgument?

    @Option(help: "End of the window (exclusive).")
    var end: TimeArgument?

    @Option(help: "Gates file (YAML or JSON): tolerances, violations allowed and which checks gate.")
    var gates: String?

    @Option(help: ArgumentHelp("An inline gate, e.g. --expect fraud_rate=0.001+-0.0003 or --expect 'regions.Europe=0.3+-0.01'.", valueName: "name=value+-tolerance"))
    var expect: [String] = []

    @Option(help: "Write the JSON report (ecomdata.report/v1) here.")
    var json: String?

    @Option(help: "Write the HTML report (one self-contained file) here.")
    var report: String?

    @Option(help: "Write the JUnit XML report here.")
    var junit: String?

    @Option(help: "Write a Markdown summary here.")
    var markdown: String?

    @Option(help: "Write the records that broke a check, each with why, into this directory.")
    var quarantine: String?

    @Option(help: "fail (default): only failed gates exit 1; warn: warnings do too.")
    var failOn: String = "fail"

    @Option(help: "Threads reading each file (the report is the same for any value; a quarantine reads on one).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard Scenario(rawValue: scenario) != nil else { throw ValidationError("unknown scenario '\(scenario)'") }
        guard ["fail", "warn"].contains(failOn) else { throw ValidationError("--fail-on is fail or warn") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let configuration: DataGenerationConfig
        var gateSet = Gates()
        do {
            configuration = try ConfigLoader.load(path: config, overrides: overrides)
            if let gates { gateSet = try Gates.load(path: gates) }
            for text in expect {
                let (name, gate) = try Gates.expectation(text)
                gateSet.set(name, gate)
            }
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
        let generator = ECommerceDataGenerator(config: configuration, seed: seed ?? 42, scenario: Scenario(rawValue: scenario)!)
        var settings: ValidationSettings
        do {
            let reference = try catalog.map { (directory) throws(EcomValidation.ValidationError) in try ReferenceCatalog(directory: directory) }
            settings = ValidationSettings(generator: generator, seedKnown: seed != nil, catalog: reference, gates: gateSet)
        } catch {
            Console.error(error.description)
            throw ExitCode(3)
        }
        if start != nil || end != nil {
            settings.window = (start?.timestamp.milliseconds ?? settings.window.start, end?.timestamp.milliseconds ?? settings.window.end)
        }
        let validator = Validator(settings: settings)
        if let quarantine {
            do {
                validator.quarantine = try Quarantine(directory: quarantine)
            } catch {
                Console.error(error.description)
                throw ExitCode(3)
            }
        }
        // A long run shows how far it is on a terminal.
        let progress: ((Int) -> Void)? = isatty(STDERR_FILENO) != 0
            ? { records in FileHandle.standardError.write(Data("\rvalidating: \(records) records\u{1B}[K".utf8)) } : nil
        do {
            for path in paths {
                for file in try FileInput.files(at: path) { try FileInput.validate(file, with: validator, threads: threads, progress: progress) }
            }
            if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        } catch {
            Console.error(error.description)
            throw ExitCode(3)
        }
        let result = validator.finish(command: CommandLine.arguments)
        let document = result.json(failOnWarn: failOn == "warn", gatesFile: gates)
        let failedWrites = writeReports(document, json: json, html: report, junit: junit, markdown: markdown)
        printSummary(result)
        if let quarantine = validator.quarantine, quarantine.count > 0 {
            print("quarantine: \(quarantine.count) records in \(quarantine.path)")
        }
        if !failedWrites.isEmpty {
            Console.error("cannot write \(failedWrites.joined(separator: ", ")); check that the directories are writable")
            throw ExitCode(3)
        }
        let status = result.exitStatus(failOnWarn: failOn == "warn")
        if status != 0 { throw ExitCode(status) }
    }

    /// The verdict, then a line per check that did not pass, then the counts.
    private func printSummary(_ result: ValidationReport) {
        let checks = result.checks
        print("\(result.records) records from \(result.sources.count) input(s): \(result.verdict.rawValue.uppercased())")
        let notPassing = checks.filter { $0.status != .pass }.sorted { $0.status > $1.status }
        for check in notPassing {
            let type = check.recordType.map { " [\($0.rawValue)]" } ?? ""
            let counts = check.violations > 0 ? " \(check.violations) of \(check.checked)" : ""
            let why = check.violations > 0 ? "" : ": \(check.reason ?? "")"
            print("  \(check.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(check.id)\(type)\(counts)\(check.gating ? "" : " (not gating)")\(why)")
            for example in check.examples.prefix(verboseExamples) {
                print("      \(example.location.description): \(example.message)")
            }
        }
        let count = { (status: CheckStatus) in checks.filter { $0.status == status }.count }
        print("\(checks.count) checks: \(count(.pass)) pass, \(count(.warn)) warn, \(count(.fail)) fail, \(count(.inconclusive)) inconclusive")
    }

    private var verboseExamples: Int { Console.verbose ? 20 : 3 }
}
