import EcomGeneration
import EcomJSON
import EcomModel
import EcomValidation
import Foundation
import Testing

/// The report of validating `paths` on `threads` threads in chunks of `chunkBytes`, without its timings.
private func reportJSON(_ paths: [String], threads: Int, chunkBytes: Int = 4 << 20) throws -> String {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true, now: 1_900_000_000_000))
    for path in paths { try FileInput.validate(path, with: validator, threads: threads, chunkBytes: chunkBytes) }
    let report = validator.finish().json()
    let kept = report.objectValue!.filter { $0.0 != "run" }
    let inputs = report["run"]?["inputs"] ?? .null
    return JSONValue.object(kept + [("inputs", inputs)]).encoded(pretty: true)
}

/// Shards read chunks in any order; the merger applies unique IDs, file order and sessions in read order and
/// the examples kept are the first ones read: the report must not change with threads or chunk sizes. The
/// fixtures carry every kind of defect (duplicates, out-of-order times, a session with two users, broken
/// lines) and chunks of one byte make every line a chunk of its own.
@Test(arguments: ["transactions.ndjson", "user_events.ndjson"])
func theReportIsTheSameForAnyThreadCountAndChunkSize(file: String) throws {
    let path = fixtures.appendingPathComponent("validation/\(file)").path
    let serial = try reportJSON([path], threads: 1)
    #expect(serial.contains("\"violations\": 1"), "the fixture must have findings for the comparison to mean something")
    for (threads, chunk) in [(2, 1), (2, 4096), (3, 65_536), (4, 300_000)] {
        let parallel = try reportJSON([path], threads: threads, chunkBytes: chunk)
        #expect(parallel == serial, "\(threads) threads, \(chunk)-byte chunks: the report differs from one thread's")
    }
}

/// Several files of every type, some records of each file split across chunks: the same report as one thread.
@Test func everyTypeAcrossFilesGivesTheSameReportInParallel() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-parallel-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var paths: [String] = []
    for type in RecordType.allCases {
        let path = directory.appendingPathComponent("\(type.rawValue).ndjson").path
        let sink = try RecordSink(path: path)
        try generator.write(type: type, count: 20_000, start: generator.window.start, end: generator.window.end, to: sink, threads: 2)
        try sink.flush()
        paths.append(path)
    }
    // A duplicated transaction far from its first copy, so that the two land in different chunks.
    let transactions = paths[0]
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: transactions))
    let firstLine = String(decoding: try Data(contentsOf: URL(fileURLWithPath: transactions)).prefix { $0 != 0x0A }, as: UTF8.self)
    handle.seekToEndOfFile()
    handle.write(Data((firstLine + "\n").utf8))
    try handle.close()
    let serial = try reportJSON(paths, threads: 1)
    #expect(serial.contains("appeared before"))
    let parallel = try reportJSON(paths, threads: 2, chunkBytes: 1 << 20)
    #expect(parallel == serial)
}
