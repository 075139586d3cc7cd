import ArgumentParser
import EcomJSON
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
            } else {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output.path))
                } catch {
                    Console.error("cannot write \(output.path): \(error.localizedDescription); check that its directory exists")
                    throw ExitCode(3)
                }
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
        return report
    }
}
