/// One thing wrong with a configuration, located by its key path and, when read from a file, its line.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `regions.Europe.weight`.
    public var path: String
    /// 1-based line in the file, when known.
    public var line: Int?
    /// What is wrong and what to do.
    public var message: String

    /// Creates a problem.
    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let key = path.isEmpty ? "(document)" : path
        return line.map { "line \($0): \(key): \(message)" } ?? "\(key): \(message)"
    }
}

/// A configuration that cannot be used, with every problem found.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The file, or nil for flags and defaults.
    public var file: String?
    /// Every problem, in document order.
    public var problems: [ConfigProblem]

    /// Creates an error.
    public init(file: String?, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        let source = file ?? "configuration"
        let lines = problems.map { problem -> String in
            // A flag's value is named by the flag, not by the file.
            if problem.path.hasPrefix("--set ") { return "\(problem.path): \(problem.message)" }
            if let line = problem.line { return "\(source):\(line): \(problem.path.isEmpty ? "" : problem.path + ": ")\(problem.message)" }
            return "\(source): \(problem.path.isEmpty ? "" : problem.path + ": ")\(problem.message)"
        }
        return "\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(source):\n" + lines.joined(separator: "\n")
    }
}
