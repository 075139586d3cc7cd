import ArgumentParser
import EcomJSON
import EcomModel
import EcomReports
import EcomValidation
import Foundation

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two validation reports (or a baseline and a report): exit 1 when a distribution drifted.",
        discussion: """
        Every split (regions, user types, devices, payment methods, categories, local hours, weekdays, days, \
        fraud kinds, ...) is compared category by category: it drifts when a share moves by more than \
        k standard errors of the difference (k = 4; the noise of both sample sizes) plus a floor of half a \
        point; Jensen-Shannon divergence (with the part noise alone gives) and the population stability index \
        are shown beside it. Rates (fraud rate, funnel steps) are compared the same way with the 95 % \
        interval of the difference; amount histograms by Wasserstein distance against its noise plus a \
        twentieth of a standard deviation; record counts within 2 %; a check whose status got worse drifts. \
        --gates sets sigmas, floor and gating per kind (split, rate, amounts, count), per name (regions, \
        fraud_rate) or per id (transactions.regions, transactions.regions.Europe).
        Exit codes: 0 nothing drifted, 1 drift, 2 usage or gates error, 3 a report cannot be read.
        Example: ecomdata diff fixtures/baseline/transactions-seed7-100k.json reports/validation.json --report reports/diff.html
        """
    )

    @Argument(help: "The base: a report from `ecomdata validate --json`, or a baseline from `ecomdata baseline approve`.")
    var base: String

    @Argument(help: "The current report.")
    var current: String

    @Option(help: "Tolerances (YAML or JSON): names to {sigmas, floor, gating}.")
    var gates: String?

    @Option(help: "Write the HTML view of what moved here.")
    var report: String?

    @Option(help: "Write the Markdown summary here (`-` for standard output).")
    var markdown: String?

    @Option(help: "Write the diff document (ecomdata.diff/v1) here (`-` for standard output).")
    var json: String?

    @Flag(help: "Print only the verdict line.")
    var quiet = false

    func run() throws {
        let settings: DiffSettings
        if let gates {
            do {
                settings = try DiffSettings.load(path: gates)
            } catch {
                Console.error(error.description)
                throw ExitCode(2)
            }
        } else {
            settings = DiffSettings()
        }
        let (baseReport, currentReport) = (try readComparable(base), try readComparable(current))
        // Reports of different data (a transactions report against a user events one) share no distribution: every
        // count would read as drift, and a usage mistake as a regression.
        func types(_ report: JSONValue) -> [String] {
            let distributions: [(String, JSONValue)] = report["distributions"]?.objectValue ?? []
            return distributions.compactMap { type, distribution -> String? in
                let count: Int64 = distribution["count"]?.intValue ?? 0
                return count > 0 ? type : nil
            }.sorted()
        }
        let (baseTypes, currentTypes) = (types(baseReport), types(currentReport))
        if !baseTypes.isEmpty, !currentTypes.isEmpty, Set(baseTypes).isDisjoint(with: currentTypes) {
            Console.error("\(base) holds \(baseTypes.joined(separator: ", ")) and \(current) holds \(currentTypes.joined(separator: ", ")): "
                + "they share no record type, so there is nothing to compare; diff two reports of the same record types")
            throw ExitCode(2)
        }
        let diff = ReportDiff(base: baseReport, current: currentReport, baseName: base, currentName: current, settings: settings)
        // A split's categories are set by name too (`transactions.regions.Europe`).
        let compared = diff.comparisons.flatMap { comparison in
            [(comparison.id, comparison.kind)] + comparison.categories.map { ("\(comparison.id).\($0.name)", comparison.kind) }
        }
        // A split's floor is in share points: one above 1 (100 points) lets every shift through, in silence.
        if let gates, let loose = diff.comparisons.first(where: { $0.kind == .split && settings.tolerance(for: $0.id, kind: .split).floor > 1 }) {
            Console.error("\(gates): the floor of \(loose.id) is \(settings.tolerance(for: loose.id, kind: .split).floor), above 1: a split's floor is in "
                + "shares (0.005 is half a point), and one above 1 passes every shift; write it as a fraction")
            throw ExitCode(2)
        }
        for name in settings.unmatched(compared) {
            Console.error("warning: the setting '\(name)' of \(gates ?? "the gates") sets none of the comparisons, so it changes nothing; name a kind "
                + "(split, rate, amounts, count, check), a split (regions), a type's split (transactions.regions) or a comparison id of the diff")
        }
        let document = diff.json()
        var outputs: [(path: String, render: () throws -> String)] = []
        if let json { outputs.append((json, { document.encoded(pretty: true) + "\n" })) }
        if let report { outputs.append((report, { try DiffRenderer.html(document) })) }
        if let markdown { outputs.append((markdown, { DiffRenderer.markdown(document) })) }
        for output in outputs { try write(output.path, output.render) }

        let inconclusive = diff.comparisons.filter { $0.status == .inconclusive }
        if !quiet {
            for comparison in diff.comparisons where comparison.status == .drift {
                print("  drift\(comparison.gating ? "" : " (non-gating)") \(comparison.id): \(comparison.reason ?? "")")
            }
            if Console.verbose {
                for comparison in inconclusive { print("  inconclusive \(comparison.id): \(comparison.reason ?? "")") }
            }
        }
        let drifted = diff.comparisons.filter { $0.status == .drift }.count
        print("\(diff.verdict.uppercased()): \(diff.comparisons.count) comparisons of \(base) and \(current): \(drifted) drift (\(diff.drifted.count) gating), \(inconclusive.count) inconclusive\(inconclusive.isEmpty || Console.verbose ? "" : " (--verbose lists them)"), \(diff.comparisons.count - drifted - inconclusive.count) ok")
        if !diff.drifted.isEmpty { throw ExitCode(1) }
    }

    /// A report or baseline document, exiting 3 when it cannot be read and 2 when it is not one.
    private func readComparable(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            Console.error("cannot read \(path); pass the JSON that `ecomdata validate --json` or `ecomdata baseline approve` wrote")
            throw ExitCode(3)
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            Console.error("\(path): not JSON (\(error)); pass the JSON that `ecomdata validate --json` wrote")
            throw ExitCode(3)
        }
        let format = document["format"]?.stringValue
        guard format == ValidationReport.format || format == Baseline.format else {
            Console.error("\(path): not an \(ValidationReport.format) report or \(Baseline.format) baseline (its \"format\" is \(document["format"]?.encoded() ?? "missing"))")
            throw ExitCode(3)
        }
        let problems = ReportDiff.problems(in: document)
        if !problems.isEmpty {
            Console.error("\(path): a damaged report, not compared: \(problems.joined(separator: "; ")); pass the JSON that `ecomdata validate --json` wrote, unedited")
            throw ExitCode(3)
        }
        return document
    }

    private func write(_ path: String, _ render: () throws -> String) throws {
        let text: String
        do {
            text = try render()
        } catch {
            Console.error("cannot render \(path): \(error)")
            throw ExitCode(3)
        }
        if path == "-" {
            Console.out(text)
            return
        }
        if let problem = Paths.write(text, to: path) {
            Console.error("cannot write \(path): \(problem); check that its directory is writable")
            throw ExitCode(3)
        }
    }
}
