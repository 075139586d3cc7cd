import ArgumentParser
import EcomJSON
import EcomValidation
import Foundation

/// The reports a validation writes and what decides its exit status: shared by `validate` and `merge`.
struct ValidationReportOptions: ParsableArguments {
    @Option(help: "Write the JSON report (ecomdata.report/v1) here; - writes it to standard output.")
    var json: String?

    @Option(help: "Write the HTML report (one self-contained file) here.")
    var report: String?

    @Option(help: "Write the JUnit XML report here.")
    var junit: String?

    @Option(help: "Write a Markdown summary here.")
    var markdown: String?

    @Option(help: "fail (default): only failed gates exit 1; warn: warnings do too.")
    var failOn: String = "fail"

    func validate() throws {
        guard ["fail", "warn"].contains(failOn) else { throw ValidationError("--fail-on is fail or warn") }
    }

    /// Whether any report file was asked for.
    var writesReports: Bool { json != nil || report != nil || junit != nil || markdown != nil }

    /// Writes the reports of `result`, prints its summary (then `notes`), and exits with the run's status: 3
    /// when a report could not be written, 1 when a gate failed (or warned, with `--fail-on warn`).
    func conclude(_ result: ValidationReport, gatesFile: String?, notes: [String] = []) throws {
        let document = result.json(failOnWarn: failOn == "warn", gatesFile: gatesFile)
        noteUnmatchedGates(result.settings.gates, in: document)
        let failedWrites = writeReports(document, json: json, html: report, junit: junit, markdown: markdown)
        printSummary(result)
        for note in notes { print(note) }
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
        // What was read but is not a record, or was tolerated, so that no line goes unaccounted for.
        for source in result.sources {
            var notes: [String] = []
            if source.bom { notes.append("starts with a UTF-8 byte order mark (skipped)") }
            if source.blankLines > 0 { notes.append("\(source.blankLines) blank line(s) skipped") }
            if source.crlfLines > 0 { notes.append("\(source.crlfLines) line(s) end in CRLF (the CR is dropped)") }
            if !notes.isEmpty { print("  note \(Console.shown(source.name)): \(notes.joined(separator: "; "))") }
        }
        let notPassing = checks.filter { $0.status != .pass }.sorted { $0.status > $1.status }
        for check in notPassing {
            let type = check.recordType.map { " [\($0.rawValue)]" } ?? ""
            let counts = check.violations > 0 ? " \(check.violations) of \(check.checked)" : ""
            let why = check.violations > 0 ? "" : ": \(Console.shown(check.reason ?? ""))"
            print("  \(check.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(check.id)\(type)\(counts)\(check.gating ? "" : " (not gating)")\(why)")
            // A reason that says more than the counts above it (the hint for data of another seed).
            if check.violations > 0, let reason = check.reason, !reason.hasPrefix("\(check.violations) of \(check.checked) records break it") {
                print("      \(Console.shown(reason))")
            }
            for example in check.examples.prefix(Console.verbose ? 20 : 3) {
                print("      \(Console.shown(example.location.description)): \(Console.shown(example.message))")
            }
        }
        let count = { (status: CheckStatus) in checks.filter { $0.status == status }.count }
        print("\(checks.count) checks: \(count(.pass)) pass, \(count(.warn)) warn, \(count(.fail)) fail, \(count(.inconclusive)) inconclusive")
    }
}
