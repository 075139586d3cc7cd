import ArgumentParser
import EcomJSON
import Foundation

/// Benchmark helper (hidden): parses every record of an NDJSON file with simdjson alone (no checks), the
/// baseline `make bench` sets the validator against.
struct ParseBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse-bench",
        abstract: "Parse an NDJSON file with simdjson only and report records/s (for make bench).",
        shouldDisplay: false
    )

    @Argument(help: "An NDJSON file.")
    var file: String

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        guard let result = simdjsonCountDocuments(path: file, perLine: true) else {
            Console.error("cannot parse \(file) with simdjson; check the path")
            throw ExitCode(3)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print(String(format: "simdjson: %d records, %.3f s parsing (%.0f records/s, %.0f MB/s), %.3f s with the file load (%.0f records/s)",
                     result.documents, result.seconds, Double(result.documents) / result.seconds,
                     Double(result.bytes) / result.seconds / 1e6, total, Double(result.documents) / total))
    }
}
