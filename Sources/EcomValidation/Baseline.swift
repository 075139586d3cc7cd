import EcomJSON
import Foundation

/// A validation report made into a committed baseline (`ecomdata baseline approve`): `ecomdata.baseline/v1`,
/// the report without what changes from run to run or machine to machine (times, durations, the command
/// line, input paths, the gates file path) and without the coordinate sample `diff` does not compare, so that
/// approving the same data again gives the same bytes and a generator change shows up as a reviewed diff.
public enum Baseline {
    /// The format written in every baseline.
    public static let format = "ecomdata.baseline/v1"

    /// Why a document cannot be made a baseline.
    public struct NotAReport: Error, CustomStringConvertible {
        public let description: String
    }

    /// The baseline of `report` (an `ecomdata.report/v1` document, or a baseline, which is returned as it is).
    /// Nothing of where the report was read from is kept, so the same data always gives the same bytes.
    /// - Throws: ``NotAReport`` for any other document.
    public static func approve(_ report: JSONValue) throws(NotAReport) -> JSONValue {
        let format = report["format"]?.stringValue
        guard format == ValidationReport.format || format == Self.format else {
            throw NotAReport(description: "not an \(ValidationReport.format) report (its \"format\" is \(report["format"]?.encoded() ?? "missing")); pass the JSON that `ecomdata validate --json` wrote")
        }
        let run = report["run"] ?? .object([])
        let kept = ["tool", "tool_version", "config_sha256", "scenario", "seed", "catalog", "window", "fail_on"]
        var runMembers: [(String, JSONValue)] = kept.compactMap { name in
            guard var value = run[name] else { return nil }
            // A catalog read from a directory names its path.
            if name == "catalog", let text = value.stringValue, text.contains("/") { value = .string("read from files") }
            return (name, value)
        }
        runMembers.append(("inputs", .array((run["inputs"]?.arrayValue ?? []).map { input in
            .object(["type", "records", "bytes", "unparseable"].compactMap { name in input[name].map { (name, $0) } })
        })))
        let checks = (report["checks"]?.arrayValue ?? []).map { check in
            check.replacing("examples", with: .array((check["examples"]?.arrayValue ?? []).map { example in
                guard let file = example["location"]?["file"]?.stringValue, let location = example["location"] else { return example }
                return example.replacing("location", with: location.replacing("file", with: .string(file.split(separator: "/").last.map(String.init) ?? file)))
            }))
        }
        let distributions = (report["distributions"]?.objectValue ?? []).map { type, value in
            (type, JSONValue.object((value.objectValue ?? []).filter { $0.0 != "coordinates" }))
        }
        return .object([
            ("format", .string(Self.format)),
            ("run", .object(runMembers)),
            ("verdict", report["verdict"] ?? .null),
            ("summary", report["summary"] ?? .null),
            ("checks", .array(checks)),
            ("distributions", .object(distributions)),
        ])
    }
}

extension JSONValue {
    /// This object with member `name` set to `value` (in place when present, appended otherwise).
    func replacing(_ name: String, with value: JSONValue) -> JSONValue {
        guard case var .object(members) = self else { return self }
        if let index = members.firstIndex(where: { $0.0 == name }) { members[index].1 = value } else { members.append((name, value)) }
        return .object(members)
    }
}
