import EcomGeneration
import EcomJSON
import EcomModel
import EcomValidation
import Foundation

/// Generates `count` records of each of `types` with `seed` (and config overrides) into a temporary file
/// and validates it against `validationOverrides` (the same as the generator's unless given).
func validateGenerated(_ types: [RecordType], count: Int, seed: UInt64, overrides: [String] = [], validationOverrides: [String]? = nil,
                       gates: Gates = Gates()) throws -> ValidationReport {
    let config = try ConfigLoader.load(text: "", file: nil, overrides: overrides)
    let generator = ECommerceDataGenerator(config: config, seed: seed)
    let validationConfig = try ConfigLoader.load(text: "", file: nil, overrides: validationOverrides ?? overrides)
    let validator = Validator(settings: ValidationSettings(generator: ECommerceDataGenerator(config: validationConfig, seed: seed),
                                                           seedKnown: true, gates: gates))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-validation-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for type in types {
        let path = directory.appendingPathComponent("\(type.rawValue).ndjson").path
        let sink = try RecordSink(path: path)
        try generator.write(type: type, count: count, start: generator.window.start, end: generator.window.end, to: sink, threads: 2)
        try sink.flush()
        try FileInput.validate(path, with: validator)
    }
    return validator.finish()
}

/// `count` records of `type` made by `generator` over its window, one line each.
func generatedLines(_ type: RecordType, count: Int, generator: ECommerceDataGenerator) throws -> [String] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-lines-\(UUID().uuidString).ndjson").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = try RecordSink(path: path)
    _ = try generator.write(type: type, count: count, start: generator.window.start, end: generator.window.end, to: sink, threads: 1)
    try sink.flush()
    return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

/// `lines` written to a file named `name` and validated against `generator`'s seed and configuration, on `threads`
/// threads in chunks of `chunkBytes`.
func validateLines(_ lines: [String], name: String, generator: ECommerceDataGenerator, threads: Int = 1, chunkBytes: Int = 4 << 20,
                   gates: Gates = Gates([:])) throws -> ValidationReport {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-lines-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent(name).path
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true, gates: gates))
    try FileInput.validate(path, with: validator, threads: threads, chunkBytes: chunkBytes)
    return validator.finish()
}

extension ValidationReport {
    /// The check `id` (of `type`, when several types have it).
    func check(_ id: String, _ type: RecordType? = nil) -> CheckResult? {
        checks.first { $0.id == id && (type == nil || $0.recordType == type) }
    }

    /// One line per check that did not pass, for test messages.
    var problems: String {
        checks.filter { $0.status != .pass }.map { "\($0.id)[\($0.recordType?.rawValue ?? "-")] \($0.status.rawValue): \($0.reason ?? "") \($0.examples.first.map { "e.g. \($0.location.description) \($0.message)" } ?? "")" }
            .joined(separator: "\n")
    }
}
