import ArgumentParser
import EcomJSON
import Foundation

/// Benchmark helper (hidden): serialises the records of an NDJSON file with libjansson, the reference
/// writer, so `make bench` can compare it with the generator's direct writer in the same run. Also checks
/// that every record parses with jansson and dumps back to the same values.
struct JSONBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json-bench",
        abstract: "Serialise an NDJSON file's records with libjansson and report records/s (for make bench).",
        shouldDisplay: false
    )

    @Argument(help: "An NDJSON file written by `ecomdata generate`.")
    var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("cannot read \(file); check the path")
            throw ExitCode(3)
        }
        var records: [JSONValue] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            do {
                records.append(try JSONValue.parse(String(decoding: line, as: UTF8.self)))
            } catch {
                Console.error("\(file):\(index + 1): not JSON: \(error)")
                throw ExitCode(1)
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var bytes = 0
        var mismatches = 0
        for record in records {
            let text = record.encoded()
            bytes += text.utf8.count + 1
            if (try? JSONValue.parse(text)) != record { mismatches += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The timed loop includes a parse per record for the check; report the dump rate separately.
        let dumpStart = DispatchTime.now().uptimeNanoseconds
        for record in records { _ = record.encoded() }
        let dumpSeconds = Double(DispatchTime.now().uptimeNanoseconds - dumpStart) / 1e9
        print(String(format: "jansson: %d records, dump %.0f records/s (%.1f MB/s, one thread); dump+parse check %.0f records/s; %d records not equal after the round trip",
                     records.count, Double(records.count) / dumpSeconds, Double(bytes) / dumpSeconds / 1e6,
                     Double(records.count) / seconds, mismatches))
        if mismatches > 0 { throw ExitCode(1) }
    }
}
