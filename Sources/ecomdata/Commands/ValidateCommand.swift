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

    @OptionGroup var output: ValidationReportOptions

    @Option(help: "Write the records that broke a check, each with why, into this directory.")
    var quarantine: String?

    @Option(help: ArgumentHelp("""
        Write this run's partial here, for `ecomdata merge` to combine with others into the reports one validate over \
        all their inputs writes (read on one thread). Reports asked for as well are this run's alone.
        """, valueName: "file.part"))
    var partial: String?

    @Option(help: "Threads reading each file (the report is the same for any value; a quarantine reads on one).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard Scenario(rawValue: scenario) != nil else { throw ValidationError("unknown scenario '\(scenario)'") }
        if partial != nil && quarantine != nil { throw ValidationError("--partial and --quarantine cannot be combined: the merge judges what the quarantine would need") }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
    }

    /// Whether the first line of `path` (its first 64 KB) names an `event_id`: a file of user events, or one that mixes them in.
    /// Only a regular file is looked into: a pipe or FIFO (`/dev/stdin`, `<(...)`, a named pipe) can be read once, and
    /// the look would take its first bytes from the validation, or wait for a writer that has gone. Those count as may.
    /// The files the `manifest.json` of each directory input lists (a `historical` run's, `ecomdata.historical/v1`), with
    /// their record counts; a manifest that cannot be read as one is noted and left out.
    static func manifestFiles(in paths: [String]) -> [(manifest: String, file: String, records: Int)] {
        var files: [(manifest: String, file: String, records: Int)] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            let manifest = (path as NSString).appendingPathComponent("manifest.json")
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.fileExists(atPath: manifest) else { continue }
            guard let text = try? String(contentsOfFile: manifest, encoding: .utf8), let document = try? JSONValue.parse(text),
                  document["format"]?.stringValue == "ecomdata.historical/v1", let types = document["types"]?.objectValue else {
                Console.error("note: \(manifest) is not a historical run's manifest (ecomdata.historical/v1): the files are not compared with it")
                continue
            }
            for (_, type) in types {
                for day in type["days"]?.arrayValue ?? [] {
                    guard let file = day["path"]?.stringValue, let records = day["records"]?.intValue else { continue }
                    files.append((manifest, (path as NSString).appendingPathComponent(file), Int(records)))
                }
            }
        }
        return files
    }

    static func firstLineHasEventID(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64 << 10)) ?? Data()
        let line = head.prefix { $0 != 0x0A }
        return line.isEmpty || String(decoding: line, as: UTF8.self).contains("\"event_id\"")
    }

    func run() throws {
        let configuration: DataGenerationConfig
        var gateSet = Gates()
        do throws(ConfigError) {
            configuration = try ConfigLoader.load(path: config, overrides: overrides)
            if let gates { gateSet = try Gates.load(path: gates) }
            var expected: [String: String] = [:]
            for text in expect {
                let (name, gate) = try Gates.expectation(text)
                // Two values for one check: which one was meant is not for the tool to guess (a gates file refuses it too).
                if let first = expected.updateValue(text, forKey: name) {
                    throw ConfigError(file: "--expect", problems: [ConfigProblem(path: text, message: "\(name) is already set by --expect \(first); give each check once")])
                }
                gateSet.set(name, gate)
            }
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
        let generator = ECommerceDataGenerator(config: configuration, seed: seed ?? 42, scenario: Scenario(rawValue: scenario)!, writes: false)
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
            guard settings.window.start < settings.window.end else {
                Console.error("the window is empty: --start \(Timestamp(milliseconds: settings.window.start)) is not before --end \(Timestamp(milliseconds: settings.window.end))"
                              + " (with one of them given, the other is the configuration's); give a start before the end")
                throw ExitCode(2)
            }
        }
        let validator = partial != nil ? Validator(partialOf: settings) : Validator(settings: settings)
        KeptUntilExit.keep(validator)
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
            let outputs = [output.json, output.report, output.junit, output.markdown, partial].compactMap { $0 }
                + (validator.quarantine.map { [$0.path] } ?? [])
            let inputs = try FileInput.files(at: paths, outputs: outputs)
            for file in inputs.repeated { Console.error("\(file) is named more than once; it is read once") }
            for file in inputs.left { Console.error("note: \(file) is left out: it is this run's own output, not data") }
            // Purchase events are checked against their transactions' sessions when they may be among the inputs
            // (8 bytes a transaction kept): an input of user events, by its name or, when its name gives no type, by
            // its first record (stdin cannot be looked at first).
            if inputs.files.contains(where: { file in
                switch FileInput.recordType(of: file) {
                case .userEvents: true
                case nil: file == "-" || Self.firstLineHasEventID(file)
                default: false
                }
            }) {
                validator.keepsPurchaseLinks = true
            }
            validator.manifestFiles = Self.manifestFiles(in: paths)
            for file in inputs.files { try FileInput.validate(file, with: validator, threads: threads, progress: progress) }
            if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        } catch {
            Console.error(error.description)
            throw ExitCode(3)
        }
        var whole = validator
        if let partial {
            do {
                let section = try validator.partialSection(gatesFile: gates)
                try PartialFile.write([section], to: partial)
                let records = validator.records
                print("partial: \(records) records from \(validator.sources.count) input(s) written to \(partial) "
                      + "(\(section.bytes.count) bytes\(records > 0 ? ", \(section.bytes.count / records) a record" : "")); merge partials with `ecomdata merge`")
                // Without reports the verdict waits for the merge; with them, they are this partial's alone.
                guard output.writesReports else { return }
                whole = try Validator.merging([section], settings: settings)
            } catch {
                Console.error(error.description)
                throw ExitCode(error.exitCode)
            }
        }
        let report = whole.finish(command: CommandLine.arguments)
        var notes: [String] = []
        if let quarantine = validator.quarantine {
            do {
                try quarantine.consolidate()
            } catch {
                Console.error(error.description)
                throw ExitCode(3)
            }
            if quarantine.count > 0 { notes.append("quarantine: \(quarantine.count) records in \(quarantine.path)") }
        }
        try output.conclude(report, gatesFile: gates, notes: notes)
    }
}
