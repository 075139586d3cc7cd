import EcomJSON
import Foundation
import Testing

@Test func fixtureMatchesSampleReport() throws {
    let text = SampleReport.make().encoded(pretty: true) + "\n"
    if ProcessInfo.processInfo.environment["ECOMDATA_UPDATE_FIXTURES"] == "1" {
        try FileManager.default.createDirectory(at: SampleReport.fixtureURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: SampleReport.fixtureURL)
    }
    let fixture = try String(contentsOf: SampleReport.fixtureURL, encoding: .utf8)
    #expect(fixture == text, "fixtures/reports/sample-report.json differs from SampleReport.make(); rerun with ECOMDATA_UPDATE_FIXTURES=1")
}

@Test func sampleReportConformsToTheSchema() throws {
    let schema = try loadSchema()
    let problems = SchemaSubset(root: schema).problems(in: SampleReport.make())
    #expect(problems.isEmpty, "\(problems.prefix(10))")
}

/// Ways a validator could break a report; the schema must reject each at its path.
enum Breakage: String, CaseIterable, Sendable {
    case checkWithoutStatus, statusOutsideEnum, failWithoutReason, unknownFamily, verdictOutsideEnum, summaryWithoutGatesFailed

    var path: String {
        switch self {
        case .checkWithoutStatus: "/checks/0"
        case .statusOutsideEnum: "/checks/1/status"
        case .failWithoutReason: "/checks/2/reason"
        case .unknownFamily: "/checks/3/family"
        case .verdictOutsideEnum: "/verdict"
        case .summaryWithoutGatesFailed: "/summary"
        }
    }

    func apply(to report: JSONValue) -> JSONValue {
        switch self {
        case .checkWithoutStatus: edit(report, check: 0) { $0.filter { $0.0 != "status" } }
        case .statusOutsideEnum: edit(report, check: 1) { $0.map { $0.0 == "status" ? ($0.0, "passed") : $0 } }
        case .failWithoutReason: edit(report, check: 2) { $0.map { $0.0 == "reason" ? ($0.0, .null) : $0 } }
        case .unknownFamily: edit(report, check: 3) { $0.map { $0.0 == "family" ? ($0.0, "vibes") : $0 } }
        case .verdictOutsideEnum: SampleReport.replacing(report, "verdict", "ok")
        case .summaryWithoutGatesFailed:
            SampleReport.replacing(report, "summary", .object(report["summary"]!.objectValue!.filter { $0.0 != "gates_failed" }))
        }
    }
}

@Test(arguments: Breakage.allCases)
func schemaRejectsBrokenReports(_ breakage: Breakage) throws {
    let problems = SchemaSubset(root: try loadSchema()).problems(in: breakage.apply(to: SampleReport.make()))
    #expect(problems.contains { $0.hasPrefix(breakage.path + ":") }, "\(problems)")
}

@Test(.enabled(if: pythonHasJSONSchema(), "python3 with the jsonschema module is not installed"))
func sampleReportPassesPythonJSONSchema() throws {
    let script = """
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1])); report = json.load(open(sys.argv[2]))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(report))
    for e in errors[:10]: print("/".join(map(str, e.absolute_path)), e.message)
    sys.exit(1 if errors else 0)
    """
    let result = try run("/usr/bin/env", ["python3", "-c", script, schemaURL.path, SampleReport.fixtureURL.path])
    #expect(result.status == 0, "\(result.output)")
}

// MARK: Helpers

let schemaURL = SampleReport.repositoryRoot.appendingPathComponent("docs/report-schema.json")

func loadSchema() throws -> JSONValue {
    try JSONValue.parse(String(contentsOf: schemaURL, encoding: .utf8))
}

private func edit(_ report: JSONValue, check index: Int, _ change: ([(String, JSONValue)]) -> [(String, JSONValue)]) -> JSONValue {
    var checks = report["checks"]!.arrayValue!
    checks[index] = .object(change(checks[index].objectValue!))
    return SampleReport.replacing(report, "checks", .array(checks))
}

func pythonHasJSONSchema() -> Bool {
    (try? run("/usr/bin/env", ["python3", "-c", "import jsonschema"]).status) == 0
}

func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// The part of JSON Schema 2020-12 that `docs/report-schema.json` uses (`type`, `required`, `properties`,
/// `additionalProperties`, `items`, `prefixItems`, `minItems`, `maxItems`, `enum`, `const`, `minimum`, `maximum`,
/// `minLength`, `pattern`, `$ref` into `$defs`, `anyOf`, `oneOf`, `allOf`, `if`/`then`), so the sample is checked
/// against the schema file itself without new dependencies. Unknown keywords fail loudly.
struct SchemaSubset {
    let root: JSONValue
    static let known: Set<String> = [
        "$schema", "$id", "$defs", "title", "description", "format", "type", "required", "properties",
        "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "enum", "const", "minimum", "maximum",
        "minLength", "pattern", "$ref", "anyOf", "oneOf", "allOf", "if", "then",
    ]

    func problems(in value: JSONValue, schema: JSONValue? = nil, path: String = "") -> [String] {
        let schema = schema ?? root
        var problems: [String] = []
        func fail(_ message: String) { problems.append("\(path.isEmpty ? "/" : path): \(message)") }
        for (keyword, _) in schema.objectValue ?? [] where !Self.known.contains(keyword) { fail("schema keyword \(keyword) not supported") }
        if let reference = schema["$ref"]?.stringValue {
            let name = String(reference.dropFirst("#/$defs/".count))
            guard let target = root["$defs"]?[name] else { fail("no $defs/\(name)"); return problems }
            problems += self.problems(in: value, schema: target, path: path)
        }
        if let types = schema["type"] {
            let allowed = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue ?? ""]
            if !allowed.contains(where: { Self.matches(value, type: $0) }) { fail("is \(value.encoded()), not \(allowed)") ; return problems }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) { fail("\(value.encoded()) not in \(options.map { $0.encoded() })") }
        if let constant = schema["const"], constant != value { fail("\(value.encoded()) is not \(constant.encoded())") }
        if let number = value.doubleValue {
            if let minimum = schema["minimum"]?.doubleValue, number < minimum { fail("\(number) < \(minimum)") }
            if let maximum = schema["maximum"]?.doubleValue, number > maximum { fail("\(number) > \(maximum)") }
        }
        if let text = value.stringValue {
            if let minimum = schema["minLength"]?.intValue, text.count < minimum { fail("shorter than \(minimum)") }
            if let pattern = schema["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                fail("'\(text)' does not match \(pattern)")
            }
        }
        if let members = value.objectValue {
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !members.contains(where: { $0.0 == key }) {
                fail("missing required \(key)")
            }
            for (key, member) in members {
                if let property = schema["properties"]?[key] {
                    problems += self.problems(in: member, schema: property, path: "\(path)/\(key)")
                } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                    problems += self.problems(in: member, schema: additional, path: "\(path)/\(key)")
                }
            }
        }
        if let items = value.arrayValue {
            if let minimum = schema["minItems"]?.intValue, items.count < minimum { fail("fewer than \(minimum) items") }
            if let maximum = schema["maxItems"]?.intValue, items.count > maximum { fail("more than \(maximum) items") }
            let prefix = schema["prefixItems"]?.arrayValue ?? []
            for (index, item) in items.enumerated() {
                if index < prefix.count {
                    problems += self.problems(in: item, schema: prefix[index], path: "\(path)/\(index)")
                } else if let each = schema["items"] {
                    problems += self.problems(in: item, schema: each, path: "\(path)/\(index)")
                }
            }
        }
        if let anyOf = schema["anyOf"]?.arrayValue, !anyOf.contains(where: { self.problems(in: value, schema: $0, path: path).isEmpty }) {
            fail("matches none of anyOf")
        }
        if let oneOf = schema["oneOf"]?.arrayValue, oneOf.filter({ self.problems(in: value, schema: $0, path: path).isEmpty }).count != 1 {
            fail("does not match exactly one of oneOf")
        }
        for part in schema["allOf"]?.arrayValue ?? [] { problems += self.problems(in: value, schema: part, path: path) }
        if let condition = schema["if"], let then = schema["then"], self.problems(in: value, schema: condition, path: path).isEmpty {
            problems += self.problems(in: value, schema: then, path: path)
        }
        return problems
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
             ("string", .string), ("array", .array), ("object", .object): true
        default: false
        }
    }
}
