import EcomGeneration
import EcomJSON
import EcomModel
import EcomValidation
import Foundation
import Testing

/// The repository's `fixtures/` directory.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures")

/// Validates one file as `ecomdata validate FILE --seed 42` would.
func validateFile(_ path: String, gates: Gates = Gates()) throws -> ValidationReport {
    let generator = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let validator = Validator(settings: ValidationSettings(generator: generator, seedKnown: true, gates: gates))
    try FileInput.validate(path, with: validator)
    return validator.finish()
}

/// Each fixture file holds defects at known lines (fixtures/validation/expected.json, written by
/// scripts/make-validation-fixtures.py): every defect must be reported under its check, with its exact
/// count and lines, and no other record-level check may report anything.
@Test(arguments: ["transactions.ndjson", "user_events.ndjson"])
func everyPlantedDefectIsReportedUnderItsCheckAtItsLine(file: String) throws {
    let expected = try JSONValue.parse(String(contentsOf: fixtures.appendingPathComponent("validation/expected.json"), encoding: .utf8))
    let defects = try #require(expected["files"]?[file]?.objectValue)
    let path = fixtures.appendingPathComponent("validation/\(file)").path
    let report = try validateFile(path)
    for check in report.checks where check.family != .distribution || check.id == "distribution.amount_ranges" {
        let lines = (defects.first { $0.0 == check.id }?.1.arrayValue ?? []).compactMap(\.intValue).map(Int.init)
        #expect(check.violations == lines.count, "\(check.id): \(check.violations) violations, expected \(lines.count) (\(check.examples.map(\.location.description)))")
        let reported = check.examples.compactMap { example -> Int? in
            if case let .file(examplePath, line) = example.location, examplePath == path { return line }
            return nil
        }
        #expect(reported == lines, "\(check.id): reported at lines \(reported), planted at \(lines)")
        if !lines.isEmpty { #expect(check.status == .fail, "\(check.id) must fail") }
    }
    for (id, _) in defects { #expect(report.check(id) != nil, "no check \(id) in the report") }
    #expect(report.verdict == .fail)
}

@Test func theHostileCityIsReportedAsTextInTheExample() throws {
    let report = try validateFile(fixtures.appendingPathComponent("validation/transactions.ndjson").path)
    let consistency = try #require(report.check("coordinates.consistency"))
    #expect(consistency.examples.contains { $0.message.contains("<script>alert(1)</script>") })
}

/// A file whose name says nothing is recognised record by record from the ID field that starts each record
/// (user events carry a transaction_id too, and must not pass for transactions).
@Test func recordsAreRecognisedByTheirOwnIDField() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-recognise-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let anonymous = directory.appendingPathComponent("data.ndjson").path
    try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("validation/user_events.ndjson").path, toPath: anonymous)
    let report = try validateFile(anonymous)
    #expect(report.checks.allSatisfy { $0.recordType == nil || $0.recordType == .userEvents })
    #expect(report.check("referential.session_user")?.violations == 1)
    #expect(report.records == 1000)
}
