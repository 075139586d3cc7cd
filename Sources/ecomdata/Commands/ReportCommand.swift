import ArgumentParser
import EcomJSON
import EcomModel
import EcomReports
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a validation report (ecomdata.report/v1 JSON) as HTML, JUnit XML or Markdown.",
        discussion: """
        Writes each format asked for; `-` writes to standard output. With no format flag, prints the Markdown summary.
        Example: ecomdata report reports/validation.json --html reports/validation.html --junit reports/junit.xml
        """
    )

    @Argument(help: "The report JSON that `ecomdata validate --json` wrote; `-` reads standard input.")
    var input: String

    @Option(help: "Write the self-contained HTML report here.")
    var html: String?

    @Option(help: "Write JUnit XML (one testsuite per check family) here.")
    var junit: String?

    @Option(help: "Write the Markdown summary (for CI job pages) here.")
    var markdown: String?

    func run() throws {
        let report = try readReport()
        var outputs: [(path: String, render: () throws -> String)] = []
        if let html { outputs.append((html, { try ReportRenderer.html(report) })) }
        if let junit { outputs.append((junit, { ReportRenderer.junit(report) })) }
        if let markdown { outputs.append((markdown, { ReportRenderer.markdown(report) })) }
        if outputs.isEmpty { outputs.append(("-", { ReportRenderer.markdown(report) })) }
        for output in outputs {
            let text: String
            do {
                text = try output.render()
            } catch {
                Console.error("cannot render \(output.path): \(error)")
                throw ExitCode(3)
            }
            if output.path == "-" {
                Console.out(text)
            } else if let problem = Paths.write(text, to: output.path) {
                Console.error("cannot write \(output.path): \(problem); check that its directory exists")
                throw ExitCode(3)
            }
        }
    }

    private func readReport() throws -> JSONValue {
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else if let contents = FileManager.default.contents(atPath: input) {
            data = contents
        } else {
            Console.error("cannot read \(input); pass the JSON file that `ecomdata validate --json` wrote")
            throw ExitCode(3)
        }
        let report: JSONValue
        do {
            report = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            Console.error("\(input): not JSON (\(error))")
            throw ExitCode(2)
        }
        guard report["format"]?.stringValue == "ecomdata.report/v1" else {
            Console.error("\(input): not an ecomdata.report/v1 document (its \"format\" is \(report["format"]?.encoded() ?? "missing"))")
            throw ExitCode(2)
        }
        if let problem = Self.shapeProblem(report) {
            Console.error("\(input): \(problem); render the JSON `ecomdata validate --json` (or audit, merge) wrote, unedited")
            throw ExitCode(2)
        }
        return report
    }

    /// What makes `report` no report the views can show as it is (docs/report-format.md), if anything: a member missing
    /// or of another type, or a verdict its checks contradict.
    static func shapeProblem(_ report: JSONValue) -> String? {
        guard report["run"]?.objectValue != nil else { return "no \"run\" object" }
        guard let checks = report["checks"]?.arrayValue else { return "no \"checks\" array" }
        guard let summary = report["summary"], summary.objectValue != nil else { return "no \"summary\" object" }
        for key in ["records", "checks", "pass", "warn", "fail", "inconclusive"] where summary[key]?.intValue == nil {
            return "summary.\(key) is not a count"
        }
        let statuses = ["pass", "warn", "fail", "inconclusive"]
        for (index, check) in checks.enumerated() {
            guard check["id"]?.stringValue != nil, let status = check["status"]?.stringValue, statuses.contains(status) else {
                return "checks[\(index)] has no id or no status of \(statuses.joined(separator: ", "))"
            }
        }
        guard let verdict = report["verdict"]?.stringValue, ["pass", "warn", "fail"].contains(verdict) else {
            return "its verdict is not pass, warn or fail"
        }
        // A gating failure fails the run: a verdict of pass or warn above one says what the checks do not.
        let failing = checks.contains { $0["status"]?.stringValue == "fail" && $0["gating"]?.boolValue != false }
        if failing && verdict != "fail" { return "its verdict is \(verdict) but a gating check failed" }
        return nil
    }
}
