import EcomModel
import Foundation
import Yams

/// A settings file of gates (for `validate`, `audit` or `diff`): a YAML (or JSON) mapping of names to mappings
/// of settings, read with the line of every name and setting so that each problem can say where it is.
struct SettingsFile {
    /// One setting of an entry.
    struct Setting {
        let name: String
        let value: Node
        let line: Int?
    }

    /// One entry: a name and its settings, in file order.
    struct Entry {
        let name: String
        let line: Int?
        let settings: [Setting]
    }

    let path: String
    /// The entries whose value is a mapping.
    private(set) var entries: [Entry] = []
    /// What is wrong so far; ``finish()`` throws them.
    var problems: [ConfigProblem] = []

    /// Reads `path`; `shape` says what an entry holds (`{expected, tolerance, ...}`), for the message of an
    /// entry that is not a mapping; `example` names entries, for the message of a file that is not a mapping.
    /// - Throws: ``ConfigError`` when the file cannot be read or is not YAML or JSON.
    init(path: String, shape: String, example: String) throws(ConfigError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "cannot read the gates file; check the path")])
        }
        let text = String(decoding: data, as: UTF8.self)
        if let problem = ConfigLoader.jsonProblem(text, path: path) { throw ConfigError(file: path, problems: [problem]) }
        let composed = ConfigLoader.compose(text)
        problems = composed.problems
        guard composed.readable else { throw ConfigError(file: path, problems: problems) }
        guard let root = composed.root else { return }
        guard let mapping = root.mapping else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", line: root.mark.map { $0.line },
                                                                   message: "expected a mapping of \(example) to \(shape)")])
        }
        for (keyNode, valueNode) in mapping {
            let name = keyNode.string ?? ""
            guard let fields = valueNode.mapping else {
                problems.append(ConfigProblem(path: name, line: keyNode.mark?.line, message: "expected \(shape)"))
                continue
            }
            entries.append(Entry(name: name, line: keyNode.mark?.line,
                                 settings: fields.map { Setting(name: $0.key.string ?? "", value: $0.value, line: $0.key.mark?.line) }))
        }
    }

    /// The setting's value as a finite number (at least `minimum` when given), or nil with a problem noted.
    mutating func number(_ setting: Setting, of entry: Entry, minimum: Double? = nil) -> Double? {
        // Typed as the config's numbers are: a quoted "0.5" is a string, not a number.
        guard case .scalar = setting.value, let number = setting.value.int.map(Double.init) ?? setting.value.float, number.isFinite,
              number >= minimum ?? -.infinity else {
            let wanted = minimum.map { "a number, \($0 == 0 ? "0" : "\($0)") or more" } ?? "a number"
            let quoted = setting.value.string.flatMap(Double.init) != nil && setting.value.int == nil && setting.value.float == nil
            problem(setting, of: entry, "expected \(wanted), got \(quoted ? "the string \"\(setting.value.string ?? "")\"; write the number without quotes" : setting.value.string ?? "a collection")")
            return nil
        }
        return number
    }

    /// The setting's value as `true` or `false`, or nil with a problem noted.
    mutating func bool(_ setting: Setting, of entry: Entry) -> Bool? {
        // A boolean, or the quoted words (as gates files written by hand in JSON have them).
        switch setting.value.bool ?? (setting.value.string == "true" ? true : setting.value.string == "false" ? false : nil) {
        case true?: return true
        case false?: return false
        default:
            problem(setting, of: entry, "expected true or false")
            return nil
        }
    }

    /// Notes a problem with a setting.
    mutating func problem(_ setting: Setting, of entry: Entry, _ message: String) {
        problems.append(ConfigProblem(path: "\(entry.name).\(setting.name)", line: setting.line, message: message))
    }

    /// Throws every problem noted, if any.
    func finish() throws(ConfigError) {
        if !problems.isEmpty { throw ConfigError(file: path, problems: problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
    }
}
