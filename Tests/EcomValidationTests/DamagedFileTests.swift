import EcomGeneration
import EcomJSON
import EcomModel
@testable import EcomValidation
import Foundation
import Testing

// Damage a real pipeline does to NDJSON files, planted in clean generated data at known lines: each kind must be
// reported under its check with its exact count and lines, the other record-level checks must stay clean, no line
// may go unaccounted for (records + blank lines = lines), and the report must be the same on one thread, on two
// threads with one line per chunk or 4 KB chunks, and read through a pipe.

/// Clean records of seed 42, one line each, without newlines.
private let cleanTransactions = generatedLines(.transactions, count: 300)
private let cleanEvents = generatedLines(.userEvents, count: 10)

private func generatedLines(_ type: RecordType, count: Int) -> [String] {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-clean-\(UUID().uuidString).ndjson").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = try! RecordSink(path: path)
    _ = try! generator.write(type: type, count: count, start: generator.window.start, end: generator.window.end, to: sink, threads: 1)
    try! sink.flush()
    return try! String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

/// Lines joined with `\n`, the last one terminated.
private func ndjson(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

/// Line `number` (1-based) of the clean transactions with `old` replaced by `new` (which must be in it).
private func edited(_ number: Int, _ old: String, _ new: String) -> String {
    let line = cleanTransactions[number - 1]
    precondition(line.contains(old), "line \(number) has no \(old)")
    return line.replacingOccurrences(of: old, with: new)
}

/// `lines` with line `number` (1-based) replaced by `replacement` (any number of lines).
private func replacing(_ number: Int, with replacement: [String], in lines: [String] = cleanTransactions) -> [String] {
    Array(lines[..<(number - 1)]) + replacement + Array(lines[number...])
}

/// The value of `field` (a string) in a clean line.
private func field(_ field: String, of line: String) -> String {
    let value = line.components(separatedBy: "\"\(field)\":\"")[1]
    return String(value.prefix { $0 != "\"" })
}

/// One kind of damage: the file's bytes and what the report must say about them.
struct Damage: Sendable, CustomStringConvertible {
    let name: String
    var file = "transactions.ndjson"
    let bytes: @Sendable () -> [UInt8]
    /// Per check id, the lines it must report, in order (every other record-level check reports nothing).
    var findings: [String: [Int]] = [:]
    var records: Int
    var unparseable = 0
    var blank = 0
    var crlf = 0
    var bom = false
    /// A check id and words its first example's message must contain.
    var message: (check: String, words: String)?

    var description: String { name }
}

private let damages: [Damage] = [
    Damage(name: "clean", bytes: { ndjson(cleanTransactions) }, records: 300),
    Damage(name: "last line cut mid-record, no newline", bytes: { Array(ndjson(cleanTransactions).dropLast(31)) },
           findings: ["schema.parse": [300]], records: 300, unparseable: 1, message: ("schema.parse", "the file looks truncated")),
    Damage(name: "CRLF line endings", bytes: { Array((cleanTransactions.joined(separator: "\r\n") + "\r\n").utf8) }, records: 300, crlf: 300),
    Damage(name: "carriage returns alone between records (old Mac line endings)", bytes: {
        Array((cleanTransactions.prefix(5).joined(separator: "\r") + "\r\n").utf8)
    }, findings: ["schema.parse": [1]], records: 1, unparseable: 1, crlf: 1, message: ("schema.parse", "carriage returns alone")),
    Damage(name: "UTF-8 BOM at the start", bytes: { [0xEF, 0xBB, 0xBF] + ndjson(cleanTransactions) }, records: 300, bom: true),
    Damage(name: "UTF-8 BOM at the start of a later line",
           bytes: { ndjson(replacing(4, with: ["\u{FEFF}" + cleanTransactions[3]])) },
           findings: ["schema.parse": [4]], records: 300, unparseable: 1, message: ("schema.parse", "byte order mark")),
    Damage(name: "blank and whitespace-only lines", bytes: {
        ndjson(Array(cleanTransactions[..<5]) + ["", "   ", "\t", "\r"] + Array(cleanTransactions[5...]) + ["", " \r"])
    }, records: 300, blank: 6, crlf: 2),
    Damage(name: "whitespace after the last newline", bytes: { ndjson(cleanTransactions) + Array("  \r".utf8) }, records: 300, blank: 1, crlf: 1),
    Damage(name: "file of only newlines", bytes: { Array(repeating: 0x0A, count: 10) }, findings: ["schema.parse": []], records: 0, blank: 10),
    Damage(name: "empty file", bytes: { [] }, findings: ["schema.parse": []], records: 0),
    Damage(name: "NUL bytes inside lines", bytes: {
        var lines = cleanTransactions
        lines[3] = edited(4, "\"currency\":\"USD\"", "\"currency\":\"US\u{0}D\"")
        lines[6] = "\u{0}\u{0}\u{0}" + lines[6]
        return ndjson(lines)
    }, findings: ["schema.parse": [4, 7]], records: 300, unparseable: 2, message: ("schema.parse", "NUL")),
    Damage(name: "invalid UTF-8 in a string", bytes: {
        var bytes = ndjson(replacing(4, with: [edited(4, "\"currency\":\"USD\"", "\"currency\":\"US#D\"")]))
        let at = bytes.firstIndex(of: UInt8(ascii: "#"))!
        bytes.replaceSubrange(at...at, with: [0xC3, 0x28])
        return bytes
    }, findings: ["schema.parse": [4]], records: 300, unparseable: 1, message: ("schema.parse", "UTF-8")),
    Damage(name: "lines that are an array, a number, null, a string, a boolean",
           bytes: { ndjson(Array(cleanTransactions[..<3]) + ["[1,2]", "42", "null", "\"txn\"", "true"] + Array(cleanTransactions[3...])) },
           findings: ["schema.parse": [4, 5, 6, 7, 8]], records: 305, unparseable: 5, message: ("schema.parse", "not an object: an array")),
    Damage(name: "two records on one line", bytes: { ndjson(replacing(4, with: [cleanTransactions[3] + cleanTransactions[4]], in: replacing(5, with: []))) },
           findings: ["schema.parse": [4]], records: 299, unparseable: 1, message: ("schema.parse", "holds 2 JSON values")),
    Damage(name: "a record split over two lines", bytes: {
        let line = cleanTransactions[3]
        return ndjson(replacing(4, with: [String(line.prefix(100)), String(line.dropFirst(100))]))
    }, findings: ["schema.parse": [4, 5]], records: 301, unparseable: 2, message: ("schema.parse", "split over lines")),
    Damage(name: "a JSON array written one element per line", bytes: {
        ndjson(["["] + cleanTransactions.dropLast().map { $0 + "," } + [cleanTransactions.last!, "]"])
    }, findings: ["schema.parse": Array(1...300) + [302]], records: 302, unparseable: 301, message: ("schema.parse", "array is closed")),
    Damage(name: "a pretty-printed record", bytes: {
        let pretty = try! JSONValue.parse(cleanTransactions[3]).encoded(pretty: true).split(separator: "\n").map(String.init)
        return ndjson(replacing(4, with: pretty))
    }, findings: ["schema.parse": Array(4..<(4 + prettyLineCount))], records: 299 + prettyLineCount, unparseable: prettyLineCount),
    Damage(name: "very long lines", bytes: {
        let long = String(repeating: "a", count: 5 << 20)
        return ndjson(replacing(4, with: [edited(4, "\"currency\":", "\"note\":\"\(long)\",\"currency\":")],
                                in: replacing(6, with: ["{\"transaction_id\":\"" + long])))
    }, findings: ["schema.unknown_fields": [4], "schema.parse": [6]], records: 300, unparseable: 1),
    Damage(name: "deeply nested values", bytes: {
        let deep = { (depth: Int) in String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        return ndjson(replacing(4, with: [deep(100_000)], in: replacing(6, with: [edited(6, "\"currency\":", "\"x\":\(deep(3000)),\"currency\":")],
                                in: replacing(8, with: [edited(8, "\"currency\":", "\"x\":\(deep(100)),\"currency\":")]))))
    }, findings: ["schema.parse": [4, 6], "schema.unknown_fields": [8]], records: 300, unparseable: 2, message: ("schema.parse", "too deep")),
    Damage(name: "numbers out of range", bytes: {
        var lines = cleanTransactions
        lines[3] = edited(4, "\"fraud_score\":", "\"fraud_score\":1e400,\"x\":")
        lines[4] = edited(5, "\"fraud_score\":", "\"fraud_score\":99999999999999999999,\"x\":")
        lines[5] = edited(6, "\"fraud_score\":", "\"fraud_score\":-0,\"x\":")
        return ndjson(lines)
    }, findings: ["schema.parse": [4, 5], "schema.unknown_fields": [6]], records: 300, unparseable: 2),
    Damage(name: "amounts too large to be cents", bytes: {
        var lines = cleanTransactions
        lines[3] = lines[3].replacing(/"price":[0-9.]+/, with: "\"price\":1e300", maxReplacements: 1)
        lines[4] = lines[4].replacing(/"quantity":[0-9]+/, with: "\"quantity\":9223372036854775807", maxReplacements: 1)
        lines[5] = lines[5].replacing(/"subtotal":[0-9.]+/, with: "\"subtotal\":-1e300", maxReplacements: 1)
        return ndjson(lines)
    }, findings: ["schema.ranges": [6], "referential.product_details": [4], "distribution.amount_ranges": [4], "business.totals": [4, 5]],
           records: 300, message: ("business.totals", "too large to count in cents")),
    Damage(name: "timestamps before 1970", bytes: {
        var lines = cleanTransactions
        for index in 3..<9 {
            lines[index] = lines[index].replacing(/"timestamp":"[^"]*"/, with: "\"timestamp\":\"0000-01-01T00:30:00.000Z\"", maxReplacements: 1)
        }
        return ndjson(lines)
    }, findings: ["temporal.window": Array(4...9)], records: 300),
    Damage(name: "duplicate keys", bytes: {
        var lines = cleanTransactions
        lines[3] = edited(4, "\"currency\":\"USD\"", "\"currency\":\"USD\",\"currency\":\"USD\"")
        lines[5] = edited(6, "\"is_fraud\":", "\"transaction_id\":\"\(field("transaction_id", of: cleanTransactions[1]))\",\"is_fraud\":")
        lines[7] = edited(8, "\"city\":", "\"city\":\"Nowhere\",\"city\":")
        return ndjson(lines)
    }, findings: ["schema.duplicate_fields": [4, 6, 8], "referential.unique_id": [6]], records: 300,
           message: ("schema.duplicate_fields", "field currency appears more than once")),
    Damage(name: "keys written with escapes", bytes: {
        ndjson(replacing(4, with: [edited(4, "\"user_id\":", "\"user\\u005fid\":").replacingOccurrences(of: "\"currency\"", with: "\"\\u0063urrency\"")]))
    }, records: 300),
    Damage(name: "a string holding a number and a number held as a string", bytes: {
        var lines = cleanTransactions
        lines[3] = edited(4, "\"currency\":\"USD\"", "\"currency\":840")
        let amount = lines[4].components(separatedBy: "\"total_amount\":")[1].prefix { $0 != "," }
        lines[4] = edited(5, "\"total_amount\":\(amount)", "\"total_amount\":\"\(amount)\"")
        return ndjson(lines)
    }, findings: ["schema.types": [4, 5]], records: 300),
    Damage(name: "integers written as 2.0 and 2e0", bytes: {
        var lines = cleanTransactions
        for (number, suffix) in [(4, ".0"), (5, "e0")] {
            let quantity = lines[number - 1].components(separatedBy: "\"quantity\":")[1].prefix { $0.isNumber }
            lines[number - 1] = edited(number, "\"quantity\":\(quantity)", "\"quantity\":\(quantity)\(suffix)")
        }
        return ndjson(lines)
    }, findings: ["schema.types": [4, 5]], records: 300, message: ("schema.types", "written with a fraction or an exponent, not as an integer")),
    Damage(name: "missing required and extra unknown fields", bytes: {
        var lines = cleanTransactions
        lines[3] = edited(4, ",\"currency\":\"USD\"", "")
        lines[5] = edited(6, "\"currency\":", "\"coupon\":\"WELCOME10\",\"currency\":")
        return ndjson(lines)
    }, findings: ["schema.required": [4], "schema.unknown_fields": [6]], records: 300),
    Damage(name: "wrong enum values", bytes: {
        ndjson(replacing(4, with: [edited(4, "\"currency\":\"USD\"", "\"currency\":\"usd\"")]))
    }, findings: ["schema.enums": [4]], records: 300),
    // Two on one record: one finding, whose message names both.
    Damage(name: "two wrong enum values in a record", bytes: {
        ndjson(replacing(4, with: [edited(4, "\"currency\":\"USD\"", "\"currency\":\"usd\"").replacing(/"user_type":"[a-z]+"/, with: "\"user_type\":\"Gold\"")]))
    }, findings: ["schema.enums": [4]], records: 300,
       message: ("schema.enums", "currency is \"usd\", not one of USD; user_type is \"Gold\", not one of")),
    Damage(name: "timestamps without Z, with an offset, without milliseconds, impossible", bytes: {
        var lines = cleanTransactions
        func set(_ number: Int, _ change: (String) -> String) {
            let time = field("timestamp", of: lines[number - 1])
            lines[number - 1] = edited(number, "\"timestamp\":\"\(time)\"", "\"timestamp\":\"\(change(time))\"")
        }
        set(4) { String($0.dropLast()) }
        set(5) { String($0.dropLast()) + "+00:00" }
        set(6) { String($0.prefix(19)) + "Z" }
        set(7) { _ in "2024-02-30T10:00:00.000Z" }
        set(8) { $0.replacingOccurrences(of: "T", with: " ") }
        set(9) { _ in "2024-13-01T10:00:00.000Z" }
        return ndjson(lines)
    }, findings: ["schema.formats": [4, 5, 6, 7, 8, 9]], records: 300),
    Damage(name: "an ID with upper-case hex", bytes: {
        let id = field("transaction_id", of: cleanTransactions[3])
        return ndjson(replacing(4, with: [edited(4, id, id.uppercased().replacingOccurrences(of: "TXN_", with: "txn_") + "AB")]))
    }, findings: ["schema.formats": [4]], records: 300),
    Damage(name: "user events in a transactions file", bytes: {
        ndjson(Array(cleanTransactions[..<5]) + Array(cleanEvents[..<3]) + Array(cleanTransactions[5...]))
    }, findings: ["schema.record_type": [6, 7, 8]], records: 303, message: ("schema.record_type", "a user_events record")),
    Damage(name: "a record missing a field of its own and one of a nested object", bytes: {
        var lines = cleanTransactions
        lines[3] = lines[3].replacing(/,"browser":"[^"]*"/, with: "", maxReplacements: 1).replacingOccurrences(of: "\"currency\":\"USD\",", with: "")
        return ndjson(lines)
    }, findings: ["schema.required": [4]], records: 300, message: ("schema.required", "missing currency")),
    Damage(name: "a record missing two fields of its own", bytes: {
        var lines = cleanTransactions
        lines[3] = lines[3].replacing(/,"payment_method":"[^"]*"/, with: "", maxReplacements: 1).replacingOccurrences(of: "\"currency\":\"USD\",", with: "")
        return ndjson(lines)
    }, findings: ["schema.required": [4]], records: 300, message: ("schema.required", "missing currency and 1 more: payment_method")),
    Damage(name: "transactions in a user-events file", file: "user_events.ndjson", bytes: {
        ndjson(Array(cleanEvents[..<5]) + Array(cleanTransactions[..<2]) + Array(cleanEvents[5...]))
    }, findings: ["schema.record_type": [6, 7]], records: 12, message: ("schema.record_type", "a transactions record")),
    Damage(name: "user events whose transaction_id comes first", file: "user_events.ndjson", bytes: {
        ndjson(cleanEvents.map { line in
            let parts = line.components(separatedBy: ",\"transaction_id\":")
            guard parts.count == 2 else { return line }
            let value = parts[1].prefix { $0 != "," && $0 != "}" }
            return "{\"transaction_id\":\(value)," + String(parts[0].dropFirst()) + parts[1].dropFirst(value.count)
        })
    }, records: 10),
    Damage(name: "transactions with their keys in reverse order", bytes: {
        ndjson(cleanTransactions.map { line in
            guard case let .object(members) = try! JSONValue.parse(line) else { return line }
            return JSONValue.object(members.reversed()).encoded()
        })
    }, records: 300),
    Damage(name: "types mixed in a file whose name names none", file: "export.ndjson", bytes: {
        ndjson(Array(cleanTransactions[..<5]) + Array(cleanEvents[..<3]) + Array(cleanTransactions[5...]))
    }, records: 303),
    Damage(name: "a duplicate record far from its first copy", bytes: { ndjson(cleanTransactions + [cleanTransactions[1]]) },
           // A copy of a record is one finding, its ID's: it is not judged again for its place in the file.
           findings: ["referential.unique_id": [301]], records: 301),
    Damage(name: "records out of order around chunk boundaries", bytes: {
        var lines = cleanTransactions
        lines.swapAt(149, 150)
        let moved = lines.remove(at: 9)
        lines.insert(moved, at: 199)
        return ndjson(lines)
    // Lines 149 and 150 end up swapped (the removal moves them up a line): the first, later than the records on both
    // sides of it, is the one counted; the record moved to line 200 is earlier than the two before it.
    }, findings: ["temporal.file_order": [149, 200]], records: 300),
    // Readers keep the last value of a repeated member: the mistyped first quantity is not read, the duplicate is the finding.
    Damage(name: "a mistyped quantity repeated with a valid one", bytes: {
        ndjson(replacing(7, with: [edited(7, "\"quantity\":", "\"quantity\":2.0,\"quantity\":")]))
    }, findings: ["schema.duplicate_fields": [7]], records: 300),
    Damage(name: "a record moved later than the four after it", bytes: {
        ndjson(replacing(100, with: [edited(100, field("timestamp", of: cleanTransactions[99]), field("timestamp", of: cleanTransactions[104]))]))
    }, findings: ["temporal.file_order": [100]], records: 300),
    Damage(name: "binary garbage", bytes: { garbage }, findings: ["schema.parse": garbageLines], records: garbageLines.count, unparseable: garbageLines.count),
]

/// How many lines `JSONValue`'s pretty printer makes of the fourth clean transaction.
private let prettyLineCount = try! JSONValue.parse(cleanTransactions[3]).encoded(pretty: true).split(separator: "\n").count

/// 20 KB of pseudo-random bytes (no compression format's magic number first).
private let garbage: [UInt8] = {
    var state: UInt64 = 7
    var bytes: [UInt8] = (0..<20_000).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    bytes[0] = UInt8(ascii: "x")
    return bytes
}()

/// The non-blank lines of the binary garbage, each a finding.
private let garbageLines: [Int] = {
    var lines: [Int] = []
    for (index, line) in garbage.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
        if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { lines.append(index + 1) }
    }
    return lines
}()

/// Validates `path` as `ecomdata validate PATH --seed 42` would, at a fixed now.
private func validated(_ path: String, threads: Int = 1, chunkBytes: Int = 4 << 20) throws -> ValidationReport {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true, now: 1_900_000_000_000))
    try FileInput.validate(path, with: validator, threads: threads, chunkBytes: chunkBytes)
    return validator.finish()
}

/// The report's checks, distributions and inputs, with `path` written as `file`: what must not depend on how it was read.
private func comparable(_ report: ValidationReport, path: String, as file: String) -> String {
    let json = report.json()
    let kept = json.objectValue!.filter { $0.0 == "checks" || $0.0 == "distributions" || $0.0 == "verdict" }
    return JSONValue.object(kept + [("inputs", json["run"]?["inputs"] ?? .null)]).encoded(pretty: true)
        .replacingOccurrences(of: path, with: file)
}

/// Validates `bytes` written into a named pipe, so that the reader takes the path `-` takes.
private func validatedThroughPipe(_ bytes: [UInt8], at path: String) throws -> ValidationReport {
    signal(SIGPIPE, SIG_IGN)
    guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
    let writer = Thread {
        let descriptor = open(path, O_WRONLY)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, min(bytes.count - written, 65_536)) }
            if count <= 0 { break }
            written += count
        }
        close(descriptor)
    }
    writer.start()
    return try validated(path)
}

@Test(arguments: damages)
func damageIsReportedWithItsCountsAndLinesOnAnyThreadCount(damage: Damage) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-damage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent(damage.file).path
    let bytes = damage.bytes()
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    let report = try validated(path)

    let input = try #require(report.sources.first)
    #expect(report.sources.count == 1)
    #expect(input.records == damage.records, "records")
    #expect(input.unparseable == damage.unparseable, "unparseable lines")
    #expect(input.blankLines == damage.blank, "blank lines")
    #expect(input.crlfLines == damage.crlf, "CRLF lines")
    #expect(input.bom == damage.bom, "byte order mark")
    // Every line is a record or a blank line: none is dropped without a trace.
    let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count - (bytes.last == 0x0A || bytes.isEmpty ? 1 : 0)
    #expect(input.records + input.blankLines == lineCount, "records and blank lines account for every line")

    for check in report.checks where check.family != .distribution || check.id == "distribution.amount_ranges" {
        let lines = damage.findings[check.id] ?? []
        if damage.records == 0 && check.id == "schema.parse" {
            #expect(check.status == .fail, "no records must fail the run")
            #expect(check.reason?.contains("no records") == true)
            continue
        }
        #expect(check.violations == lines.count, "\(check.id): \(check.violations) violations, expected \(lines.count): \(check.examples.map { "\($0.location.description) \($0.message)" })")
        let reported = check.examples.map(\.location.line)
        #expect(reported == Array(lines.prefix(Tally.exampleLimit)), "\(check.id): reported at lines \(reported)")
        if !lines.isEmpty { #expect(check.status == .fail && check.gating, "\(check.id) must fail") }
        if check.family != .distribution { #expect(check.status != .fail || !lines.isEmpty, "\(check.id) fails without a planted defect") }
    }
    for id in damage.findings.keys { #expect(report.check(id) != nil, "no check \(id) in the report") }
    if let message = damage.message {
        let first = report.check(message.check)?.examples.first?.message ?? ""
        #expect(first.contains(message.words), "\(message.check): \(first)")
    }
    #expect(report.verdict == (damage.findings.isEmpty ? .pass : .fail))

    // The same report on two threads, one line per chunk or 4 KB chunks, and read through a pipe.
    let serial = comparable(report, path: path, as: damage.file)
    for chunk in [1, 4096] {
        #expect(comparable(try validated(path, threads: 2, chunkBytes: chunk), path: path, as: damage.file) == serial,
                "2 threads, \(chunk)-byte chunks: the report differs from one thread's")
    }
    try FileManager.default.createDirectory(at: directory.appendingPathComponent("pipe"), withIntermediateDirectories: true)
    let pipe = directory.appendingPathComponent("pipe/" + damage.file).path
    #expect(comparable(try validatedThroughPipe(bytes, at: pipe), path: pipe, as: damage.file) == serial, "through a pipe: the report differs")
}

@Test(arguments: [("gzip", [0x1F, 0x8B, 0x08, 0x00] as [UInt8]), ("zstd", [0x28, 0xB5, 0x2F, 0xFD]), ("bzip2", Array("BZh91AY".utf8)),
                  ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("zip", [0x50, 0x4B, 0x03, 0x04])])
func aCompressedFileIsRefusedWithWhatToDo(format: String, magic: [UInt8]) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-\(UUID().uuidString)-transactions.ndjson.\(format)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(FileManager.default.createFile(atPath: path, contents: Data(magic + Array(repeating: 0x41, count: 100) + [0x0A])))
    for threads in [1, 2] {
        do {
            _ = try validated(path, threads: threads)
            Issue.record("a \(format) file was read as NDJSON")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("\(format)-compressed") && text.contains(path) && text.contains("ecomdata validate -"), "\(text)")
        }
    }
}

@Test(arguments: [("UTF-16LE", String.Encoding.utf16LittleEndian, [0xFF, 0xFE] as [UInt8]), ("UTF-16BE", .utf16BigEndian, [0xFE, 0xFF]),
                  ("UTF-16LE", .utf16LittleEndian, []), ("UTF-32LE", .utf32LittleEndian, [0xFF, 0xFE, 0, 0])])
func aFileInAnotherEncodingIsRefusedWithWhatToDo(encoding: String, swiftEncoding: String.Encoding, bom: [UInt8]) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-\(UUID().uuidString)-transactions.ndjson").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let text = cleanTransactions[..<3].joined(separator: "\n") + "\n"
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bom) + text.data(using: swiftEncoding)!))
    for threads in [1, 2] {
        #expect { _ = try validated(path, threads: threads) } throws: { error in
            let text = String(describing: error)
            return text.contains("\(encoding) text, not UTF-8") && text.contains("iconv -f \(encoding) -t UTF-8 \(path)")
        }
    }
}

/// Directories: one with no data files is an error (not a pass on nothing), symbolic-link loops end, a link that
/// loops and a directory named like a data file are named as unreadable.
@Test func directoryInputsWithNothingToReadOrLoopsAreNamed() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-dirs-\(UUID().uuidString)")
    let manager = FileManager.default
    try manager.createDirectory(at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
    defer { try? manager.removeItem(at: directory) }
    #expect(throws: ValidationError.self) { try FileInput.files(at: directory.appendingPathComponent("empty").path) }

    let tree = directory.appendingPathComponent("tree")
    try manager.createDirectory(at: tree.appendingPathComponent("transactions/sub"), withIntermediateDirectories: true)
    try manager.createSymbolicLink(atPath: tree.appendingPathComponent("transactions/sub/loop").path, withDestinationPath: "..")
    try manager.createSymbolicLink(atPath: tree.appendingPathComponent("transactions/sub/up").path, withDestinationPath: tree.path)
    let data = tree.appendingPathComponent("transactions/part-0.ndjson").path
    #expect(manager.createFile(atPath: data, contents: Data(ndjson(Array(cleanTransactions[..<10])))))
    #expect(try FileInput.files(at: tree.path) == [data], "links to directories are not followed")

    try manager.createSymbolicLink(atPath: tree.appendingPathComponent("a.ndjson").path, withDestinationPath: "b.ndjson")
    try manager.createSymbolicLink(atPath: tree.appendingPathComponent("b.ndjson").path, withDestinationPath: "a.ndjson")
    try manager.createDirectory(at: tree.appendingPathComponent("c.ndjson"), withIntermediateDirectories: true)
    for name in ["a.ndjson", "c.ndjson/"] {
        let path = tree.appendingPathComponent(name).path
        do {
            for file in try FileInput.files(at: path) { _ = try validated(file) }
            Issue.record("\(name) was read")
        } catch {
            #expect(String(describing: error).contains(tree.path), "\(error)")
        }
    }
}

/// A named pipe in a directory input would block the run until something writes to it: it is named instead.
@Test func aPipeInADirectoryInputIsNamedNotWaitedFor() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-fifo-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("a.ndjson").path, contents: Data(ndjson(Array(cleanTransactions[..<3])))))
    #expect(mkfifo(directory.appendingPathComponent("b.ndjson").path, 0o600) == 0)
    #expect { _ = try FileInput.files(at: directory.path) } throws: { error in
        String(describing: error).contains("b.ndjson: not a regular file")
    }
}

/// Without read permission (when the tests do not run as root, who reads anything).
@Test(.enabled(if: getuid() != 0, "root reads any file; validateNamesInputItMayNotRead covers it as nobody through setpriv"))
func anUnreadableFileIsNamed() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-\(UUID().uuidString)-transactions.ndjson").path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(ndjson(cleanTransactions)), attributes: [.posixPermissions: 0]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect { _ = try validated(path) } throws: { ($0 as? ValidationError)?.description.contains(path) == true }
}

/// Random damage (bytes cut, newlines, CRs and NULs inserted, lines doubled, swapped or blanked, the end cut off)
/// in files of transactions and user events: whatever the damage, every line is a record or a blank line and
/// the report is the same on one thread, on two with 1-byte and 4 KB chunks, and through a pipe.
@Test(arguments: 0..<24)
func randomDamageGivesTheSameReportHoweverItIsRead(seed: Int) throws {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    func random(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(max(bound, 1)))
    }
    var lines = Array(cleanTransactions[..<120]) + Array(cleanEvents)
    for _ in 0..<(1 + random(12)) {
        let index = random(lines.count)
        switch random(8) {
        case 0: lines.insert(lines[random(lines.count)], at: index)
        case 1: lines.swapAt(index, random(lines.count))
        case 2: lines[index] = random(2) == 0 ? "" : " \t\r"
        case 3: lines[index] += "\r"
        case 4:
            let cut = random(lines[index].utf8.count)
            let bytes = Array(lines[index].utf8)
            lines[index] = String(decoding: bytes[..<cut], as: UTF8.self)
            lines.insert(String(decoding: bytes[cut...], as: UTF8.self), at: index + 1)
        case 5:
            var bytes = Array(lines[index].utf8)
            bytes.remove(at: random(bytes.count))
            lines[index] = String(decoding: bytes, as: UTF8.self)
        case 6: lines[index] = String(lines[index].prefix(random(lines[index].count))) + "\u{0}" + String(lines[index].dropFirst(random(lines[index].count)))
        default: lines[index] = lines[index] + lines[random(lines.count)]
        }
    }
    var bytes = ndjson(lines)
    if random(3) == 0 { bytes.removeLast(random(bytes.count / 4)) }
    if random(4) == 0 { bytes = [0xEF, 0xBB, 0xBF] + bytes }

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-random-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory.appendingPathComponent("pipe"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("export.ndjson").path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    let report = try validated(path)
    let input = try #require(report.sources.first)
    let content = input.bom ? Array(bytes.dropFirst(3)) : bytes
    let lineCount = content.split(separator: 0x0A, omittingEmptySubsequences: false).count - (content.last == 0x0A || content.isEmpty ? 1 : 0)
    #expect(input.records + input.blankLines == lineCount, "records and blank lines account for every line")
    let serial = comparable(report, path: path, as: "export.ndjson")
    for chunk in [1, 4096] {
        #expect(comparable(try validated(path, threads: 2, chunkBytes: chunk), path: path, as: "export.ndjson") == serial,
                "2 threads, \(chunk)-byte chunks: the report differs from one thread's")
    }
    let pipe = directory.appendingPathComponent("pipe/export.ndjson").path
    #expect(comparable(try validatedThroughPipe(bytes, at: pipe), path: pipe, as: "export.ndjson") == serial, "through a pipe: the report differs")
}

/// Records that share an ID (a duplicate, or a key given twice) share the coordinate sample's hash: which of them
/// the sample keeps, and in which order, must not depend on the order they came in (on two threads it varied, and
/// the report with it).
@Test func theSampleRanksItemsWithOneHashByTheirContent() {
    let offers: [(UInt64, UInt64, Int)] = [(5, 9, 50), (5, 2, 20), (7, 1, 70), (5, 4, 40), (3, 3, 30)]
    var forward = BottomSample<Int>(limit: 3), backward = BottomSample<Int>(limit: 3)
    for offer in offers { forward.offer(offer.0, tiebreak: offer.1, offer.2) }
    for offer in offers.reversed() { backward.offer(offer.0, tiebreak: offer.1, offer.2) }
    var shards = (BottomSample<Int>(limit: 3), BottomSample<Int>(limit: 3))
    for (index, offer) in offers.enumerated() {
        if index % 2 == 0 { shards.0.offer(offer.0, tiebreak: offer.1, offer.2) } else { shards.1.offer(offer.0, tiebreak: offer.1, offer.2) }
    }
    var merged = shards.1
    merged.merge(shards.0)
    #expect(forward.items == [30, 20, 40])
    #expect(backward.items == forward.items && merged.items == forward.items)
}

/// A line the parser rejects is named by its ID when it starts as a record does (cut short, or two records on one line),
/// as the audit's `audit.parse` names a payload; a line that is not a record's start has none.
@Test func anUnparseableLineIsNamedByItsLeadingID() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    var lines = cleanTransactions
    lines[3] = String(lines[3].prefix(200))
    lines[5] = lines[5] + lines[6]
    lines[7] = "not json at all"
    lines[8] = "{\"transaction_id\":\"txn_\\u0030\",\"x\":"
    let report = try validateLines(lines, name: "transactions.ndjson", generator: generator)
    let parse = try #require(report.check("schema.parse"))
    #expect(parse.examples.map(\.location.line) == [4, 6, 8, 9])
    #expect(parse.examples.map(\.id) == [field("transaction_id", of: cleanTransactions[3]), field("transaction_id", of: cleanTransactions[5]), nil, nil])
}

/// A file of nothing but unparseable lines validated nothing: schema.parse fails even when a gate allows that many
/// unparseable lines, as it does for an empty file (a green report must mean records were checked).
@Test func aFileWithNoReadableRecordIsNotAPass() throws {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let lenient = Gates(["schema.parse": Gate(maxViolations: 10)])
    let report = try validateLines(["garbage", "more garbage", "{\"transaction_id\": "], name: "transactions.ndjson", generator: generator,
                                   gates: lenient)
    let parse = try #require(report.check("schema.parse"))
    #expect(parse.status == .fail && parse.reason?.contains("nothing was validated") == true, "\(parse.reason ?? "")")
    #expect(report.verdict == .fail)
    // One readable record among them is a run that checked something: the gate decides then.
    let one = try validateLines(["garbage", cleanTransactions[0]], name: "transactions.ndjson", generator: generator, gates: lenient)
    #expect(one.check("schema.parse")?.status == .pass, "\(one.check("schema.parse")?.reason ?? "")")
}
