import EcomGeneration
import EcomJSON
import EcomModel
import Foundation
import Testing

// Differential tests: libjansson (`JSONValue.parse`, the reference) and `FastJSONParser` (simdjson) must
// agree on every value and on which texts are malformed. The `.jansson` dialect closes the three gaps
// between the libraries (integers above Int64.max, "\u0000" in member names, nesting depth), and a
// document's member lookup and `toJSONValue` keep jansson's reading of duplicate names; each gap is
// pinned in `knownDifferencesAreClosed` below.

/// What one parser made of a text.
private enum Outcome: CustomStringConvertible {
    case value(JSONValue)
    case malformed(String)

    var description: String {
        switch self {
        case let .value(value): "value \(value.encoded())"
        case let .malformed(message): "malformed (\(message))"
        }
    }
}

/// Parses `bytes` with jansson.
private func jansson(_ bytes: [UInt8]) -> Outcome {
    bytes.withUnsafeBytes { raw in
        do {
            return .value(try JSONValue.parse(raw))
        } catch {
            return .malformed("\(error)")
        }
    }
}

/// Parses `bytes` with `parser`, from a buffer with simdjson's padding after the text when `padded`
/// (parsed in place) or without (copied by the parser).
private func fast(_ bytes: [UInt8], _ parser: FastJSONParser, padded: Bool) -> Outcome {
    let buffer = bytes + [UInt8](repeating: UInt8(ascii: "x"), count: padded ? FastJSONParser.padding : 0)
    return buffer.withUnsafeBufferPointer { buffer in
        switch parser.parse(UnsafeBufferPointer(rebasing: buffer.prefix(bytes.count)), readable: buffer.count) {
        case let .success(document): consistent(document) ? .value(document.toJSONValue()) : .malformed("inconsistent tokens")
        case let .failure(error): .malformed(error.message)
        }
    }
}

/// Whether the root spans the whole token array and every container's `count` is its number of children.
private func consistent(_ document: FastDocument) -> Bool {
    guard document.root.end == document.count else { return false }
    return document.indices.allSatisfy { index in
        let token = document[index]
        guard token.kind == .object || token.kind == .array else { return token.end == index + 1 && token.count == 0 }
        let children = Array(document.children(of: index))
        return token.end > index && children.count == token.count
            && children.allSatisfy { (document[$0].key != nil) == (token.kind == .object) }
    }
}

/// Whether two values are the same down to the kind of each number and the sign of zero
/// (`JSONValue.==` would equate 1 with 1.0).
private func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case let (.bool(x), .bool(y)): x == y
    case let (.int(x), .int(y)): x == y
    case let (.double(x), .double(y)): x.bitPattern == y.bitPattern
    case let (.string(x), .string(y)): Array(x.utf8) == Array(y.utf8)
    case let (.array(x), .array(y)): x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
    case let (.object(x), .object(y)):
        x.count == y.count && zip(x, y).allSatisfy { Array($0.0.utf8) == Array($1.0.utf8) && identical($0.1, $1.1) }
    default: false
    }
}

/// Why jansson and the fast parser (padded and unpadded) disagree on `bytes`, or nil when they agree.
private func disagreement(_ bytes: [UInt8], _ parser: FastJSONParser) -> String? {
    let reference = jansson(bytes)
    for padded in [true, false] {
        let outcome = fast(bytes, parser, padded: padded)
        switch (reference, outcome) {
        case let (.value(a), .value(b)) where identical(a, b): continue
        case (.malformed, .malformed(let message)) where !message.isEmpty: continue
        default:
            let text = String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
            return "\(text): jansson \(reference), fast (padded: \(padded)) \(outcome)"
        }
    }
    return nil
}

/// A few hundred records of every type as the generator writes them, plus fraud-scenario transactions and alerts.
private let generatedLines: [[UInt8]] = {
    var lines: [String] = []
    let standard = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 7)
    for type in RecordType.allCases {
        let collector = RecordCollector()
        try! standard.write(type: type, count: 300, start: standard.window.start, end: standard.window.end, to: collector)
        lines += collector.lines
    }
    let fraud = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 7, scenario: .fraudTesting)
    let transactions = RecordCollector()
    let alerts = RecordCollector()
    try! fraud.write(type: .transactions, count: 2_000, start: fraud.window.start, end: fraud.window.end,
                     to: transactions, alerts: alerts)
    lines += transactions.lines.prefix(300) + alerts.lines.prefix(300)
    return lines.map { Array($0.utf8) }
}()

@Test func generatedRecordsOfEveryTypeParseToTheSameValues() {
    let parser = FastJSONParser()
    #expect(generatedLines.count >= 1_800)
    var failures: [String] = []
    for line in generatedLines {
        if case .malformed = jansson(line) { failures.append("jansson rejects a generated record") }
        if let problem = disagreement(line, parser) { failures.append(problem) }
    }
    #expect(failures.isEmpty, "\(failures.count) disagreements, first: \(failures.prefix(3))")
}

/// Hand-written documents around the edges of the grammar, numbers, escapes and UTF-8.
private let edgeCases: [String] = [
    "{}", "[]", "0", "-0", "-0.0", "1.0", "1e5", "1E+2", "1e-2", "0.1e1", "-1e-400", "1e-400", "1e400", "-1e400",
    "9223372036854775807", "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "123456789012345678901234567890", "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "2e-324",
    "2.2250738585072011e-308", "0.30000000000000004", "3.141592653589793238462643383279502884197",
    "00", "01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity",
    "true", "false", "null", "tru", "nul", "True", "\"\"", "\"a\"", "\"\\u00e9\\u4e2d\\ud83d\\ude00\"",
    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"", "\"\\udbff\\udfff\"", "\"\\u0000\"",
    "\"a\\u0000b\"", "{\"a\\u0000\":1}", "{\"\\u0000\":1}", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"\\x\"", "\"\\u12\"",
    "\"\\uZZZZ\"", "\"\\\"", "\"abc", "\"\u{7f}\"", "\"\t\"", "\"\n\"", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}",
    "{\"a\":}", "{1:2}", "{'a':1}", "[1 2]", "[1]x", "[1] ", " [1]", "\t\r\n[1]\n\r\t", "\u{0C}[]", "[1]\u{0C}", "1 2",
    "{} {}", "", " ", "\n", "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{\"x\":1},\"a\":[2]}",
    "[{\"a\":1,\"a\":{\"b\":1,\"b\":2}}]", "\u{FEFF}{}", "[\"\u{FFFF}\u{10FFFF}\"]",
]

@Test func handWrittenEdgeCasesAgree() {
    let parser = FastJSONParser()
    let failures = edgeCases.compactMap { disagreement(Array($0.utf8), parser) }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
}

/// Byte sequences that are not UTF-8: lone continuation, truncated sequences, overlong encodings,
/// UTF-16 surrogates encoded in UTF-8, code points above U+10FFFF, bytes never used.
private let invalidUTF8: [[UInt8]] = [
    [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF],
    [0xF0, 0x80, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
    [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xC3, 0x28], [0xE2, 0x28, 0xA1],
]

@Test func invalidUTF8IsMalformedForBoth() {
    let parser = FastJSONParser()
    var failures: [String] = []
    for sequence in invalidUTF8 {
        for document in [[0x22] + sequence + [0x22], Array("{\"".utf8) + sequence + Array("\":1}".utf8), sequence] {
            guard case .malformed = jansson(document) else { failures.append("jansson accepts \(sequence)"); continue }
            if let problem = disagreement(document, parser) { failures.append(problem) }
        }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
}

/// SplitMix64: the fuzzer's deterministic source.
private struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// The mutations the fuzzer applies to a valid record.
private enum Mutation: CaseIterable {
    case flipBit, truncate, deleteByte, insertStructural, insertInvalidUTF8, insertControl, replaceEscape,
         nulInKey, replaceNumber, nest, duplicateKey, trailingGarbage, leadingBytes
}

private let escapes = ["\\ud800", "\\udc00", "\\ud800\\u0041", "\\udbff\\udfff", "\\ud83d\\ude00", "\\u0000", "\\u001f",
                       "\\uZZZZ", "\\u12", "\\x41", "\\/", "\\", "\\\\", "\\\"", "\\'", "\\U0041", "\\u00e9"]
private let numbers = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                       "18446744073709551615", "18446744073709551616", "99999999999999999999999", "1e400", "-1e400",
                       "1e-400", "-0", "-0.0", "0.1e1", "1.7976931348623157e308", "4.9e-324", "00", "1.", "-", "1e",
                       ".5", "+1", "0x1F", "1_000", "NaN", "12345678901234567890.5", "0.000000000000000000000000001e25"]

/// Where `byte` occurs in `bytes` (a plain loop: the generic `filter` is slow in debug builds).
private func offsets(of byte: UInt8, in bytes: [UInt8]) -> [Int] {
    bytes.withUnsafeBufferPointer { buffer in
        var found: [Int] = []
        for index in 0..<buffer.count where buffer[index] == byte { found.append(index) }
        return found
    }
}

private func mutate(_ line: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    // Stacked truncations can leave nothing: an empty line is a case of its own (malformed), with no byte to pick.
    guard !line.isEmpty else { return line }
    var bytes = line
    let quotes = offsets(of: UInt8(ascii: "\""), in: bytes)
    let position = random.below(bytes.count + 1)
    switch random.pick(Mutation.allCases) {
    case .flipBit:
        let index = random.below(bytes.count)
        bytes[index] ^= UInt8(1) << UInt8(random.below(8))
    case .truncate:
        bytes.removeSubrange(random.below(bytes.count)...)
    case .deleteByte:
        bytes.remove(at: random.below(bytes.count))
    case .insertStructural:
        bytes.insert(random.pick(Array("\"{}[]\\,:".utf8)), at: position)
    case .insertInvalidUTF8:
        // Mostly inside a string, where only the UTF-8 check can catch it.
        let at = quotes.isEmpty || random.below(4) == 0 ? position : random.pick(quotes) + 1
        bytes.insert(contentsOf: random.pick(invalidUTF8), at: min(at, bytes.count))
    case .insertControl:
        let at = quotes.isEmpty ? position : random.pick(quotes) + 1
        bytes.insert(random.pick([0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x7F]), at: min(at, bytes.count))
    case .replaceEscape:
        let at = quotes.isEmpty ? position : random.pick(quotes) + 1
        bytes.insert(contentsOf: Array(random.pick(escapes).utf8), at: min(at, bytes.count))
    case .nulInKey:
        // Right after the first quote of a member name: a key, or a string value when the quote is a value's.
        let at = quotes.isEmpty ? position : random.pick(quotes) + 1
        bytes.insert(contentsOf: Array("\\u0000".utf8), at: min(at, bytes.count))
    case .replaceNumber:
        // The value after a colon, up to the next ',' or '}', becomes a number from the table.
        let colons = offsets(of: UInt8(ascii: ":"), in: bytes)
        guard let colon = colons.isEmpty ? nil : random.pick(colons) else { break }
        var end = colon + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: "}") { end += 1 }
        bytes.replaceSubrange(colon + 1..<end, with: Array(random.pick(numbers).utf8))
    case .nest:
        let depth = random.pick([1, 2, 1023, 1024, 1025, 2046, 2047, 2048, 2049, 3000])
        let asObject = random.below(2) == 0
        let open = Array((asObject ? "{\"k\":" : "[").utf8)
        var nested: [UInt8] = []
        nested.reserveCapacity(depth * (open.count + 1) + bytes.count)
        for _ in 0..<depth { nested.append(contentsOf: open) }
        nested.append(contentsOf: bytes)
        nested.append(contentsOf: repeatElement(UInt8(ascii: asObject ? "}" : "]"), count: depth))
        bytes = nested
    case .duplicateKey:
        // Repeats a "name":value member of the top level (or anything up to the next comma) before the last '}'.
        guard let firstQuote = quotes.first, let comma = bytes[firstQuote...].firstIndex(of: UInt8(ascii: ",")),
              let close = bytes.lastIndex(of: UInt8(ascii: "}")) else { break }
        bytes.insert(contentsOf: [UInt8(ascii: ",")] + bytes[firstQuote..<comma], at: close)
    case .trailingGarbage:
        bytes += Array(random.pick(["x", " ", "\n", "\0", "{}", ",", " 1", "\r\n", "\u{0C}", "]", "\"", "  \t"]).utf8)
    case .leadingBytes:
        bytes.insert(contentsOf: Array(random.pick(["\u{FEFF}", " ", "\0", ",", "\u{0C}", "\n\n", "x"]).utf8), at: 0)
    }
    return bytes
}

@Test(arguments: [1, 2, 3, 4])
func fuzzedRecordsAgree(seed: UInt64) {
    var random = SplitMix64(state: seed)
    let parser = FastJSONParser()
    var failures: [String] = []
    var malformed = 0
    let cases = 2_000
    for _ in 0..<cases {
        var line = random.pick(generatedLines)
        // One to three mutations, so some stack (e.g. a big number in a duplicated member).
        for _ in 0...random.below(3) { line = mutate(line, &random) }
        if case .malformed = jansson(line) { malformed += 1 }
        if let problem = disagreement(line, parser) { failures.append(problem) }
    }
    #expect(failures.isEmpty, "\(failures.count) of \(cases) disagree:\n\(failures.prefix(5).joined(separator: "\n"))")
    // Both kinds must be well represented for the agreement to mean something.
    #expect(malformed > cases / 5 && malformed < cases * 9 / 10, "\(malformed) of \(cases) malformed")
}

@Test func randomNumbersRoundTheSame() {
    var random = SplitMix64(state: 99)
    let parser = FastJSONParser()
    var failures: [String] = []
    for _ in 0..<5_000 {
        var text = random.below(2) == 0 ? "-" : ""
        text += String(random.below(10))
        if text.last != "0" { for _ in 0..<random.below(22) { text += String(random.below(10)) } }
        if random.below(2) == 0 { text += "."; for _ in 0...random.below(20) { text += String(random.below(10)) } }
        if random.below(2) == 0 { text += random.pick(["e", "E", "e-", "e+"]) + String(random.below(330)) }
        if let problem = disagreement(Array(text.utf8), parser) { failures.append(problem) }
    }
    #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
}

/// Nested arrays around a scalar (or nothing): jansson allows 2048 values deep, a scalar counting as a level.
private func nested(_ depth: Int, around inner: String) -> [UInt8] {
    Array((String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)).utf8)
}

@Test func nestingLimitMatchesJansson() {
    let parser = FastJSONParser()
    for (depth, inner, accepted) in [(2048, "", true), (2047, "1", true), (2048, "1", false), (2049, "", false)] {
        let document = nested(depth, around: inner)
        let reference: Bool
        if case .value = jansson(document) { reference = true } else { reference = false }
        #expect(reference == accepted, "jansson, depth \(depth) around \(inner.debugDescription)")
        let fastAccepts = document.withUnsafeBufferPointer { (try? parser.parse($0).get()) != nil }
        #expect(fastAccepts == accepted, "fast, depth \(depth) around \(inner.debugDescription)")
    }
}

/// A document on which simdjson alone and jansson differ.
struct KnownDifference: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let janssonAccepts: Bool
    /// Words of the `.jansson` dialect's error, when it rejects the document like jansson.
    let dialectError: String?
    var testDescription: String { name }
}

/// Every difference found between simdjson 3.0.1 and jansson 2.14, and what the `.jansson` dialect does.
private let knownDifferences = [
    // Integers above Int64.max: simdjson reads them as UInt64, jansson says "too big integer".
    KnownDifference(name: "UInt64.max", text: "18446744073709551615", janssonAccepts: false, dialectError: "too big integer"),
    KnownDifference(name: "Int64.max + 1 as a member", text: "{\"a\":9223372036854775808}", janssonAccepts: false,
                    dialectError: "too big integer"),
    // "\u0000" in a member name: simdjson keeps it, jansson refuses ("NUL byte in object key not supported").
    KnownDifference(name: "NUL in a member name", text: "{\"a\\u0000b\":1}", janssonAccepts: false, dialectError: "NUL byte"),
    // Depth: simdjson's default limit is 1024 levels, jansson's 2048; the dialect gives simdjson jansson's limit.
    KnownDifference(name: "1500 nested arrays", text: String(repeating: "[", count: 1500) + String(repeating: "]", count: 1500),
                    janssonAccepts: true, dialectError: nil),
]

@Test(arguments: knownDifferences)
func knownDifferencesAreClosed(_ difference: KnownDifference) {
    let bytes = Array(difference.text.utf8)
    let simdjsonAccepts = bytes.withUnsafeBufferPointer { (try? FastJSONParser(dialect: .simdjson).parse($0).get()) != nil }
    let referenceAccepts: Bool
    if case .value = jansson(bytes) { referenceAccepts = true } else { referenceAccepts = false }
    #expect(referenceAccepts == difference.janssonAccepts)
    #expect(simdjsonAccepts != difference.janssonAccepts, "simdjson alone differs from jansson")
    let result = bytes.withUnsafeBufferPointer { FastJSONParser().parse($0) }
    switch result {
    case .success: #expect(difference.janssonAccepts, "the .jansson dialect accepts it")
    case let .failure(error):
        #expect(!difference.janssonAccepts, "the .jansson dialect rejects it: \(error)")
        #expect(error.message.contains(difference.dialectError ?? "-"), "\(error.message)")
    }
    #expect(disagreement(bytes, FastJSONParser()) == nil)
}

@Test func duplicateNamesReadAsJanssonDoes() throws {
    // jansson keeps one member per name, at the first position with the last value; simdjson keeps every
    // member. The tokens keep them all (a validator may want to flag them), the lookups see jansson's view.
    let bytes = Array("{\"a\":1,\"b\":2,\"a\":{\"c\":3,\"c\":4}}".utf8)
    let parser = FastJSONParser()
    try bytes.withUnsafeBufferPointer { buffer in
        let document = try parser.parse(buffer).get()
        #expect(document.root.count == 3)
        let a = try #require(document.member("a"))
        #expect(document[a].kind == .object)
        #expect(document.member("c", of: a).map { document[$0].int64 } == 4)
        #expect(identical(document.toJSONValue(), try JSONValue.parse(String(decoding: bytes, as: UTF8.self))))
    }
}

@Test func tokensDescribeNestedContainers() throws {
    let text = Array(#"{"a":[1,{"b":null},[]],"c":{},"d":"x\u0000y","e":-2.5,"f":true}"#.utf8)
    let parser = FastJSONParser()
    try text.withUnsafeBufferPointer { buffer in
        let document = try parser.parse(buffer).get()
        // index: kind, end, count, key
        let expected: [(FastJSONKind, Int, Int, String?)] = [
            (.object, 10, 5, nil), (.array, 6, 3, "a"), (.int64, 3, 0, nil), (.object, 5, 1, nil), (.null, 5, 0, "b"),
            (.array, 6, 0, nil), (.object, 7, 0, "c"), (.string, 8, 0, "d"), (.double, 9, 0, "e"), (.true, 10, 0, "f"),
        ]
        #expect(document.count == expected.count)
        for (index, (kind, end, count, key)) in expected.enumerated() {
            let token = document[index]
            #expect(token.kind == kind, "kind of \(index)")
            #expect(token.end == end, "end of \(index)")
            #expect(token.count == count, "count of \(index)")
            #expect(token.key.map { String(decoding: $0, as: UTF8.self) } == key, "key of \(index)")
        }
        #expect(Array(document.children(of: 0)) == [1, 6, 7, 8, 9])
        #expect(Array(document.children(of: 1)) == [2, 3, 5])
        #expect(Array(document.children(of: 2)).isEmpty)
        #expect(Array(document[7].string) == Array("x\0y".utf8))
        #expect(document[8].double == -2.5 && document[2].int64 == 1)
        #expect(document.member("f") == 9 && document.member("g") == nil && document.member("b", of: 1) == nil)
        #expect(document.member("b", of: 3) == 4)
    }
}

@Test(arguments: ["", "{", "[1,]", "{\"a\":tru}", "\"\\ud800\"", "1e400", "[1]x", "9223372036854775808"])
func errorsCarryAMessage(text: String) {
    let result = Array(text.utf8).withUnsafeBufferPointer { FastJSONParser().parse($0) }
    guard case let .failure(error) = result else { Issue.record("\(text.debugDescription) parsed"); return }
    #expect(!error.message.isEmpty && error.code < 0)
    #expect(error.message != "unknown error code")
}

@Test func aParserIsReusableAcrossSizes() throws {
    // Growing past the initial capacity, then back to small documents, in place and copied.
    let parser = FastJSONParser()
    let big = "[" + Array(repeating: "\"0123456789abcdef\"", count: 10_000).joined(separator: ",") + "]"
    for text in ["1", big, "{\"a\":[true]}", big, "null"] {
        let bytes = Array(text.utf8)
        for padded in [true, false] {
            guard case let .value(value) = fast(bytes, parser, padded: padded) else { Issue.record("rejected"); continue }
            #expect(identical(value, try JSONValue.parse(text)))
        }
    }
}

@Test func countsTheDocumentsOfAFile() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fastjson-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let good = directory.appendingPathComponent("good.ndjson").path
    let bad = directory.appendingPathComponent("bad.ndjson").path
    let lines = generatedLines.prefix(100).map { String(decoding: $0, as: UTF8.self) }
    try (lines.joined(separator: "\n") + "\n").write(toFile: good, atomically: true, encoding: .utf8)
    try (lines.prefix(10).joined(separator: "\n") + "\n{\"a\":\n").write(toFile: bad, atomically: true, encoding: .utf8)
    for perLine in [false, true] {
        let counted = try #require(simdjsonCountDocuments(path: good, perLine: perLine))
        #expect(counted.documents == 100)
        #expect(counted.bytes == lines.reduce(0) { $0 + $1.utf8.count + 1 })
        #expect(simdjsonCountDocuments(path: bad, perLine: perLine) == nil)
    }
    #expect(simdjsonCountDocuments(path: directory.appendingPathComponent("missing").path) == nil)
}
