import ArgumentParser
import EcomGeneration
import EcomModel
import EcomReports
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

/// Flags every generating command shares: seed, config file, overrides and scenario.
struct GenerationOptions: ParsableArguments {
    @Option(help: "Run seed; the same seed, config and version give byte-identical output.")
    var seed: UInt64 = 42

    @Option(help: "Configuration file (YAML or JSON); `ecomdata config` prints every key with its default.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set fraud_rate=0.01 --set regions.Europe.weight=0.3.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Scenario: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: String = Scenario.normalTraffic.rawValue

    @Flag(name: .customLong("verbose"), help: "Say more on stderr (also accepted before the subcommand).")
    var verboseFlag = false

    var verbose: Bool { verboseFlag || Console.verbose }

    func validate() throws {
        guard Scenario(rawValue: scenario) != nil else {
            throw ValidationError("unknown scenario '\(scenario)'; use one of \(Scenario.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    var resolvedScenario: Scenario { Scenario(rawValue: scenario)! }

    /// Loads and validates the configuration, exiting with code 2 and every problem on failure.
    func loadConfig() throws -> DataGenerationConfig {
        do {
            return try ConfigLoader.load(path: config, overrides: overrides)
        } catch {
            Console.error(error.description)
            throw ExitCode(2)
        }
    }
}

/// Parses `--start` / `--end` values: a date or time, or `now` (in whole seconds) less a span (`now-7d`, `now-90m`), as
/// the framework's example takes the last week (`datetime.now() - timedelta(days=7)` to `datetime.now()`).
struct TimeArgument: ExpressibleByArgument {
    let timestamp: Timestamp
    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        if text.lowercased().hasPrefix("now") {
            let rest = text.dropFirst(3)
            var before = 0.0
            if !rest.isEmpty {
                guard rest.first == "-", let span = SimulatedDuration(argument: String(rest.dropFirst())), span.hours > 0,
                      span.hours < 3660 * 24 else { return nil }
                before = span.hours
            }
            let now = Timestamp.now.milliseconds / 1000 * 1000
            timestamp = Timestamp(milliseconds: now - Int64((before * 3_600_000).rounded()))
            return
        }
        guard let parsed = Timestamp(parsing: text) else { return nil }
        timestamp = parsed
    }
    static var defaultValueDescription: String { "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, now or now-7d" }
}

extension RecordType: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Calls `handler` with the signal's name on SIGINT or SIGTERM (instead of dying); keep the returned
/// sources alive for as long as the handler should run.
func onTermination(_ handler: @escaping @Sendable (String) -> Void) -> [DispatchSourceSignal] {
    [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { signalNumber, name in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { handler(name) }
        source.resume()
        return source
    }
}

enum Console {
    /// Set by a global `--verbose` before the subcommand.
    nonisolated(unsafe) static var verbose = false

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("ecomdata: " + message + "\n").utf8))
    }

    /// Text from the data (a record's field, a key, a file or topic name) as a terminal may show it: control
    /// characters (C0, DEL, C1), which could move the cursor or retitle the window, written as `\u001b` escapes.
    static func shown(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: \.isControlCharacter) else { return text }
        var shown = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isControlCharacter {
                shown.append(contentsOf: String(format: "\\u%04x", scalar.value).unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return String(shown)
    }


    /// Writes `text` to standard output (after what `print` buffered); a write that fails (a full disk, a closed pipe)
    /// ends the run with exit 3 and the reason, instead of losing the output in silence or trapping.
    static func out(_ text: String) {
        checkStandardOutput()
        if let problem = Paths.write(text, toDescriptor: STDOUT_FILENO) {
            error("cannot write standard output: \(problem)")
            Foundation.exit(3)
        }
    }

    /// Flushes what `print` buffered for standard output; a failed write ends the run with exit 3 and the reason.
    static func checkStandardOutput() {
        if fflush(stdout) != 0 || ferror(stdout) != 0 {
            error("cannot write standard output: \(String(cString: strerror(errno)))")
            Foundation.exit(3)
        }
    }

    static func info(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// A progress reporter that redraws one stderr line, or nil when stderr is not a terminal.
    static func progress(label: String) -> ECommerceDataGenerator.Progress? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        return { written, planned in
            let percent = planned > 0 ? written * 100 / planned : 100
            FileHandle.standardError.write(Data("\r\(label): \(written)/\(planned) records (\(percent)%)\u{1B}[K".utf8))
            if written >= planned { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}

/// Runs `body`, printing a generation failure and mapping it to an exit code: 3 for I/O, 2 for requests
/// that cannot be honoured.
func reportingFailures(_ body: () throws(GenerationError) -> Void) throws(ExitCode) {
    do {
        try body()
    } catch {
        Console.error(error.description)
        switch error {
        case .io: throw ExitCode(3)
        case .invalidRequest: throw ExitCode(2)
        case .stopped: throw ExitCode(3)
        }
    }
}

/// Objects a command keeps until the process exits rather than freeing them as it returns: a catalog of tens of
/// thousands of users and products takes tens of milliseconds to free, which the exit does for nothing.
enum KeptUntilExit {
    nonisolated(unsafe) private static var objects: [AnyObject] = []

    static func keep(_ object: AnyObject) { objects.append(object) }
}

/// Values given as `a b`, `"a b"`, `a,b` or any mix: each value split at its commas and its spaces (names of topics
/// and record types have none); an empty piece between commas is kept, for the command to refuse by name.
func splitLists(_ values: [String]) -> [String] {
    values.flatMap { value in
        value.split(separator: ",", omittingEmptySubsequences: false).flatMap { piece in
            let words = piece.split(whereSeparator: \.isWhitespace).map(String.init)
            return words.isEmpty ? [""] : words
        }
    }
}

/// A span of simulated time: hours as a number (`0.5`), or a number with a unit: `90s`, `5m`, `1.5h`, `2d`.
struct SimulatedDuration: ExpressibleByArgument, CustomStringConvertible {
    let hours: Double

    init(hours: Double) { self.hours = hours }

    init?(argument: String) {
        let units: [(suffix: String, hours: Double)] = [("s", 1.0 / 3600), ("m", 1.0 / 60), ("h", 1), ("d", 24)]
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = units.first { text.hasSuffix($0.suffix) }
        guard let number = Double(unit.map { String(text.dropLast($0.suffix.count)) } ?? text), number.isFinite else { return nil }
        hours = number * (unit?.hours ?? 1)
    }

    static var defaultValueDescription: String { "hours" }

    /// In whole hours, minutes or seconds when it is one, else in hours.
    var description: String {
        let milliseconds = (hours * 3_600_000).rounded()
        guard abs(milliseconds) < 1e15 else { return "\(hours) h" }
        let whole = Int64(milliseconds)
        for (size, unit) in [(Int64(3_600_000), "h"), (60_000, "min"), (1000, "s")] where whole % size == 0 && whole != 0 {
            return "\(whole / size) \(unit)"
        }
        return "\(hours) h"
    }
}
