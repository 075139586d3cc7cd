import ArgumentParser
import EcomJSON
import EcomModel
import EcomValidation
import Foundation

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Manage the committed baselines `ecomdata diff` compares against.",
        subcommands: [Approve.self]
    )

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Turn a validation report into a committed baseline (ecomdata.baseline/v1).",
            discussion: """
            Keeps the verdict, summary, checks and distributions and the run's seed, scenario, config digest and \
            window; leaves out what changes between runs and machines (times, durations, the command line, input \
            paths, the coordinate sample diff does not use), so approving the same data again writes the same \
            bytes. Commit the file: a generator change then shows up as a reviewed change to it.
            Example: ecomdata baseline approve reports/validation.json --to fixtures/baseline/transactions-seed7-100k.json
            """
        )

        @Argument(help: "The report `ecomdata validate --json` wrote.")
        var report: String

        @Option(help: "Where to write the baseline (default: fixtures/baseline/<report file name>).")
        var to: String?

        func run() throws {
            guard let data = FileManager.default.contents(atPath: report) else {
                Console.error("cannot read \(report); pass the JSON that `ecomdata validate --json` wrote")
                throw ExitCode(3)
            }
            let document: JSONValue
            let baseline: JSONValue
            do {
                document = try JSONValue.parse(String(decoding: data, as: UTF8.self))
                baseline = try Baseline.approve(document)
            } catch {
                Console.error("\(report): \(error)")
                throw ExitCode(3)
            }
            let name = URL(fileURLWithPath: report).lastPathComponent
            if to?.isEmpty == true {
                Console.error("--to is empty; name the baseline file, e.g. --to fixtures/baseline/\(name)")
                throw ExitCode(2)
            }
            let path = to ?? "fixtures/baseline/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                Console.error("cannot write \(path): it is a directory; name a file in it, e.g. --to \(path.hasSuffix("/") ? path : path + "/")\(name)")
                throw ExitCode(3)
            }
            if let problem = Paths.write(baseline.encoded(pretty: true) + "\n", to: path) {
                Console.error("cannot write \(path): \(problem); check that its directory is writable")
                throw ExitCode(3)
            }
            let types = (baseline["distributions"]?.objectValue ?? []).map(\.0)
            print("baseline \(path) from \(report): seed \(Report.describe(baseline["run"]?["seed"])), \(baseline["summary"]?["records"]?.intValue ?? 0) records, \(baseline["checks"]?.arrayValue?.count ?? 0) checks, distributions of \(types.isEmpty ? "no type" : types.joined(separator: ", "))")
            print("review it with `git diff \(path)` and commit it; `ecomdata diff \(path) REPORT.json` compares a new report with it")
        }
    }
}

private enum Report {
    static func describe(_ value: JSONValue?) -> String {
        switch value {
        case let .int(number)?: "\(number)"
        case let .string(text)?: text
        default: "unknown"
        }
    }
}
