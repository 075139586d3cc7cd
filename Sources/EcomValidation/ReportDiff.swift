import EcomJSON
import EcomModel
import Foundation

/// Drift between two validation reports (`ecomdata diff`): every distribution, rate, histogram, count and
/// check status of a base report (or baseline) compared with a current one, each against a tolerance that
/// accounts for the sampling noise of both sample sizes plus an effect-size floor (``DiffSettings``), so that
/// clean runs with another seed stay inside it and a real shift (two points of a regional split at 100,000
/// records, a doubled fraud rate) does not.
///
/// The result is the `ecomdata.diff/v1` document (``json()``), see docs/report-format.md.
public struct ReportDiff: Sendable {
    /// The format written in every diff.
    public static let format = "ecomdata.diff/v1"

    /// What a comparison concluded.
    public enum Status: String, Sendable {
        /// Inside its tolerance.
        case ok
        /// Outside its tolerance.
        case drift
        /// Cannot be judged (too small a sample, different bins, catalogs drawn from other seeds); says why.
        case inconclusive
    }

    /// One category of a split.
    public struct Category: Sendable {
        public let name: String
        public let baseCount: Int
        public let currentCount: Int
        public let base: Double
        public let current: Double
        public let tolerance: Double
        /// The difference in standard errors.
        public let z: Double
        /// Whether the difference exceeds the tolerance.
        public let moved: Bool
        public var difference: Double { current - base }
    }

    /// One compared figure.
    public struct Comparison: Sendable {
        /// `type.name` (`transactions.regions`, `transactions.fraud_rate`, `transactions.amounts.Books`,
        /// `check.distribution.regions[transactions]`).
        public let id: String
        public let recordType: String?
        public let kind: DiffSettings.Kind
        public let title: String
        public let status: Status
        public let gating: Bool
        /// Why, for drift and inconclusive.
        public let reason: String?
        /// The name of the compared measure (`max_abs_share_difference`, `rate_difference`, `wasserstein`, ...).
        public let measure: String
        /// Its value and the tolerance it was held to.
        public let value: Double
        public let tolerance: Double
        /// The base's and the current report's figure (rate, count, mean), when there is one.
        public let base: Double?
        public let current: Double?
        /// Further figures: sample sizes, Jensen-Shannon, PSI, standard deviation, intervals.
        public let figures: [(String, JSONValue)]
        public let categories: [Category]
    }

    /// A report compared.
    public struct Side: Sendable {
        public let name: String
        public let document: String
        public let seed: Int64?
        public let configDigest: String?
        public let toolVersion: String?
        public let records: Int64?
        public let verdict: String?
        public let window: String?

        init(name: String, report: JSONValue) {
            self.name = name
            document = report["format"]?.stringValue ?? "?"
            let run = report["run"]
            seed = run?["seed"]?.intValue
            configDigest = run?["config_sha256"]?.stringValue
            toolVersion = run?["tool_version"]?.stringValue
            records = report["summary"]?["records"]?.intValue
            verdict = report["verdict"]?.stringValue
            window = run?["window"].flatMap { window in
                guard let start = window["start"]?.stringValue, let end = window["end"]?.stringValue else { return nil }
                return "\(start) .. \(end)"
            }
        }

        var json: JSONValue {
            .object([
                ("source", .string(name)), ("format", .string(document)), ("seed", seed.map { .int($0) } ?? .null),
                ("config_sha256", configDigest.map { .string($0) } ?? .null), ("tool_version", toolVersion.map { .string($0) } ?? .null),
                ("records", records.map { .int($0) } ?? .null), ("verdict", verdict.map { .string($0) } ?? .null),
                ("window", window.map { .string($0) } ?? .null),
            ])
        }
    }

    public let base: Side
    public let current: Side
    public let settings: DiffSettings
    public let comparisons: [Comparison]

    /// Gating comparisons that drifted.
    public var drifted: [Comparison] { comparisons.filter { $0.status == .drift && $0.gating } }

    /// `drift` when a gating comparison drifted, else `pass`.
    public var verdict: String { drifted.isEmpty ? "pass" : "drift" }

    /// Compares `current` with `base`, both `ecomdata.report/v1` reports or `ecomdata.baseline/v1` baselines.
    public init(base: JSONValue, current: JSONValue, baseName: String, currentName: String, settings: DiffSettings = DiffSettings()) {
        self.base = Side(name: baseName, report: base)
        self.current = Side(name: currentName, report: current)
        self.settings = settings
        var builder = Builder(settings: settings, seeds: (self.base.seed, self.current.seed), sameWindow: self.base.window == self.current.window)
        builder.compareDistributions(base["distributions"]?.objectValue ?? [], current["distributions"]?.objectValue ?? [])
        builder.compareChecks(base["checks"]?.arrayValue ?? [], current["checks"]?.arrayValue ?? [])
        comparisons = builder.comparisons
    }

    /// What is wrong with a report or baseline in the parts a diff reads (at most `limit` problems, each naming its
    /// field): `checks` an array of checks with an id and a status, `distributions` an object of record types, counts
    /// non-negative integers, `local_hour` 24 of them and `weekday` 7. A damaged report would otherwise compare as
    /// empty, and pass.
    public static func problems(in report: JSONValue, limit: Int = 5) -> [String] {
        var problems: [String] = []
        func note(_ problem: String) { if problems.count < limit { problems.append(problem) } }
        func isCount(_ value: JSONValue) -> Bool { value.intValue.map { $0 >= 0 } ?? false }
        guard let checks = report["checks"]?.arrayValue else {
            note("\"checks\" is \(report["checks"] == nil ? "missing" : "not an array")")
            return problems
        }
        let statuses: Set<String> = ["pass", "warn", "fail", "inconclusive"]
        for (index, check) in checks.enumerated() {
            if check["id"]?.stringValue == nil { note("checks[\(index)] has no \"id\"") }
            if !statuses.contains(check["status"]?.stringValue ?? "") {
                note("checks[\(index)] (\(check["id"]?.stringValue ?? "?")): status \(check["status"]?.encoded() ?? "missing") is not pass, warn, fail or inconclusive")
            }
        }
        guard let types = report["distributions"]?.objectValue else {
            note("\"distributions\" is \(report["distributions"] == nil ? "missing" : "not an object")")
            return problems
        }
        for (type, distribution) in types {
            guard distribution.objectValue != nil else { note("distributions.\(type) is not an object"); continue }
            if let count = distribution["count"], !isCount(count) { note("distributions.\(type).count is not a count: \(count.encoded())") }
            for (name, split) in distribution["categorical"]?.objectValue ?? [] {
                guard let counts = split["counts"]?.objectValue else { note("distributions.\(type).categorical.\(name).counts is not an object"); continue }
                for (category, count) in counts where !isCount(count) {
                    note("distributions.\(type).categorical.\(name).counts.\(category) is not a count: \(count.encoded())")
                }
            }
            for (profile, length) in [("local_hour", 24), ("weekday", 7)] {
                guard let value = distribution[profile] else { continue }
                guard let counts = value["counts"]?.arrayValue, counts.count == length, counts.allSatisfy(isCount) else {
                    note("distributions.\(type).\(profile).counts is not \(length) counts")
                    continue
                }
            }
        }
        return problems
    }

    /// The `ecomdata.diff/v1` document.
    public func json() -> JSONValue {
        func count(_ status: Status) -> JSONValue { .int(Int64(comparisons.filter { $0.status == status }.count)) }
        return .object([
            ("format", .string(Self.format)),
            ("tool_version", .string(EcomVersion.current)),
            ("verdict", .string(verdict)),
            ("base", base.json),
            ("current", current.json),
            ("settings", settings.json),
            ("summary", .object([
                ("comparisons", .int(Int64(comparisons.count))), ("ok", count(.ok)), ("drift", count(.drift)),
                ("inconclusive", count(.inconclusive)), ("gating_drift", .int(Int64(drifted.count))),
            ])),
            ("comparisons", .array(comparisons.map(\.json))),
        ])
    }
}

extension ReportDiff.Comparison {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("record_type", recordType.map { .string($0) } ?? .null), ("kind", .string(kind.rawValue)),
            ("title", .string(title)), ("status", .string(status.rawValue)), ("gating", .bool(gating)),
            ("reason", reason.map { .string($0) } ?? .null), ("measure", .string(measure)),
            ("value", .double(value)), ("tolerance", .double(tolerance)),
            ("base", base.map { .double($0) } ?? .null), ("current", current.map { .double($0) } ?? .null),
        ]
        members += figures
        members.append(("categories", .array(categories.map { category in
            .object([
                ("name", .string(category.name)), ("base_count", .int(Int64(category.baseCount))),
                ("current_count", .int(Int64(category.currentCount))), ("base", .double(category.base)),
                ("current", .double(category.current)), ("difference", .double(category.difference)),
                ("tolerance", .double(category.tolerance)), ("z", .double(category.z)), ("moved", .bool(category.moved)),
            ])
        })))
        return .object(members)
    }
}

/// Collects the comparisons of two reports.
private struct Builder {
    let settings: DiffSettings
    let seeds: (Int64?, Int64?)
    let sameWindow: Bool
    var comparisons: [ReportDiff.Comparison] = []

    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// Every distribution of every record type either report has, in the base's order.
    mutating func compareDistributions(_ base: [(String, JSONValue)], _ current: [(String, JSONValue)]) {
        for type in union(base.map(\.0), current.map(\.0)) {
            let a = base.first { $0.0 == type }?.1 ?? .object([]), b = current.first { $0.0 == type }?.1 ?? .object([])
            compareCount(type, a["count"]?.intValue, b["count"]?.intValue)
            let splitsA = a["categorical"]?.objectValue ?? [], splitsB = b["categorical"]?.objectValue ?? []
            for name in union(splitsA.map(\.0), splitsB.map(\.0)) {
                compareSplit("\(type).\(name)", type, "\(name.replacingOccurrences(of: "_", with: " ")) of \(type)",
                             counts(splitsA.first { $0.0 == name }?.1["counts"]), counts(splitsB.first { $0.0 == name }?.1["counts"]))
            }
            if a["local_hour"] != nil || b["local_hour"] != nil {
                compareSplit("\(type).local_hour", type, "local hour of \(type)",
                             indexed(a["local_hour"]?["counts"]) { $0 < 10 ? "0\($0)" : "\($0)" },
                             indexed(b["local_hour"]?["counts"]) { $0 < 10 ? "0\($0)" : "\($0)" })
            }
            if a["weekday"] != nil || b["weekday"] != nil {
                compareSplit("\(type).weekday", type, "weekday of \(type)",
                             indexed(a["weekday"]?["counts"]) { Self.weekdays[$0 % 7] }, indexed(b["weekday"]?["counts"]) { Self.weekdays[$0 % 7] })
            }
            if a["daily"] != nil || b["daily"] != nil {
                let days = { (value: JSONValue?) in (value?.arrayValue ?? []).compactMap { day -> (String, Int)? in
                    guard let date = day["date"]?.stringValue, let count = day["count"]?.intValue else { return nil }
                    return (date, Int(count))
                } }
                compareSplit("\(type).daily", type, "daily volume of \(type)", days(a["daily"]), days(b["daily"]),
                             unjudgeable: sameWindow ? nil : "the reports cover different windows, so their days differ")
            }
            if let fraudA = a["fraud"], let fraudB = b["fraud"], let n1 = a["count"]?.intValue, let n2 = b["count"]?.intValue,
               let rate1 = fraudA["rate"]?.doubleValue, let rate2 = fraudB["rate"]?.doubleValue {
                compareRate("\(type).fraud_rate", type, "fraud rate of \(type)",
                            (Int((rate1 * Double(n1)).rounded()), Int(n1)), (Int((rate2 * Double(n2)).rounded()), Int(n2)))
                for label in ["fraud", "legitimate"] {
                    compareHistogram("\(type).fraud_scores.\(label)", type, "fraud_score of \(label) \(type)",
                                     fraudA["scores"]?[label], fraudB["scores"]?[label], catalogBound: false)
                }
            }
            if let stepsA = a["funnel"]?["steps"]?.arrayValue, let stepsB = b["funnel"]?["steps"]?.arrayValue,
               let first1 = stepsA.first?["sessions"]?.intValue, let first2 = stepsB.first?["sessions"]?.intValue {
                for step in stepsA.dropFirst() {
                    guard let name = step["name"]?.stringValue, let s1 = step["sessions"]?.intValue,
                          let s2 = stepsB.first(where: { $0["name"]?.stringValue == name })?["sessions"]?.intValue else { continue }
                    compareRate("\(type).funnel.\(name)", type, "sessions of \(type) that reach \(name)", (Int(s1), Int(first1)), (Int(s2), Int(first2)))
                }
            }
            compareHistogram("\(type).order_totals", type, "total_amount of \(type)", a["order_totals"], b["order_totals"], catalogBound: true)
            let amountsA = a["amounts"]?.objectValue ?? [], amountsB = b["amounts"]?.objectValue ?? []
            for category in union(amountsA.map(\.0), amountsB.map(\.0)) {
                compareHistogram("\(type).amounts.\(category)", type, "line prices of \(category) in \(type)",
                                 amountsA.first { $0.0 == category }?.1, amountsB.first { $0.0 == category }?.1, catalogBound: true)
            }
        }
    }

    /// Record counts: drift when they differ by more than the floor (a fraction of the larger).
    mutating func compareCount(_ type: String, _ a: Int64?, _ b: Int64?) {
        let id = "\(type).count"
        let tolerance = settings.tolerance(for: id, kind: .count)
        guard let a, let b else {
            // A record type one report does not have at all: all of its records are gone (or new), the largest drift a
            // count can show, not a comparison that could not be made.
            let (base, current) = (a ?? 0, b ?? 0)
            add(id, type, .count, "records of \(type)", .drift, tolerance.gating,
                a == nil ? "\(current) records of \(type) here, none in the base report (it has no \(type))"
                    : "no \(type) here, against \(base) records in the base report",
                "relative_difference", 1, tolerance.floor, Double(base), Double(current))
            return
        }
        let relative = Double(abs(b - a)) / Double(max(max(a, b), 1))
        let drift = relative > tolerance.floor
        add(id, type, .count, "records of \(type)", drift ? .drift : .ok, tolerance.gating,
            drift ? "\(b) records against \(a): \(percent(relative)) apart, more than \(percent(tolerance.floor))" : nil,
            "relative_difference", relative, tolerance.floor, Double(a), Double(b))
    }

    /// A split: per category, the share difference against k standard errors of the difference plus the floor.
    mutating func compareSplit(_ id: String, _ type: String, _ title: String, _ a: [(String, Int)], _ b: [(String, Int)], unjudgeable: String? = nil) {
        let base = settings.tolerance(for: id, kind: .split)
        let n1 = a.reduce(0) { $0 + $1.1 }, n2 = b.reduce(0) { $0 + $1.1 }
        let minimum = 100
        guard n1 >= minimum, n2 >= minimum else {
            add(id, type, .split, title, .inconclusive, base.gating,
                "\(n1) and \(n2) records: a split needs at least \(minimum) on each side to be compared",
                "max_abs_share_difference", 0, 0, nil, nil, figures: [("n_base", .int(Int64(n1))), ("n_current", .int(Int64(n2)))])
            return
        }
        var categories: [ReportDiff.Category] = []
        var jensenShannon = 0.0, psi = 0.0, widestNoise = 0.0
        let epsilon = 1e-4
        for name in union(a.map(\.0), b.map(\.0)) {
            let c1 = a.first { $0.0 == name }?.1 ?? 0, c2 = b.first { $0.0 == name }?.1 ?? 0
            let p1 = Double(c1) / Double(n1), p2 = Double(c2) / Double(n2)
            let pooled = Double(c1 + c2) / Double(n1 + n2)
            let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
            let own = settings.tolerance(for: "\(id).\(name)", kind: .split)
            let tolerance = own.sigmas * se + own.floor
            widestNoise = max(widestNoise, own.sigmas * se)
            categories.append(ReportDiff.Category(name: name, baseCount: c1, currentCount: c2, base: p1, current: p2, tolerance: tolerance,
                                                  z: se > 0 ? (p2 - p1) / se : 0, moved: abs(p2 - p1) > tolerance))
            let m = (p1 + p2) / 2
            if p1 > 0 { jensenShannon += 0.5 * p1 * log2(p1 / m) }
            if p2 > 0 { jensenShannon += 0.5 * p2 * log2(p2 / m) }
            psi += (max(p2, epsilon) - max(p1, epsilon)) * log(max(p2, epsilon) / max(p1, epsilon))
        }
        // Under no change, E[JSD] is about (K - 1)(1/n1 + 1/n2) / (8 ln 2) bits: the figure the noise alone gives.
        let noise = Double(categories.count - 1) * (1 / Double(n1) + 1 / Double(n2)) / (8 * log(2))
        let largest = categories.max { abs($0.difference) < abs($1.difference) }!
        let moved = categories.filter(\.moved)
        let status: ReportDiff.Status
        let reason: String?
        if !moved.isEmpty {
            status = .drift
            reason = moved.sorted { abs($0.difference) > abs($1.difference) }.prefix(5).map { category in
                "\(category.name) \(percent(category.base)) -> \(percent(category.current)) (\(signedPoints(category.difference)), tolerance \(points(category.tolerance)))"
            }.joined(separator: "; ")
        } else if let unjudgeable {
            status = .inconclusive
            reason = unjudgeable
        } else if widestNoise > DiffSettings.largestUsefulShareTolerance {
            status = .inconclusive
            reason = "\(n1) and \(n2) records: sampling noise alone allows \(points(widestNoise)), more than the \(points(DiffSettings.largestUsefulShareTolerance)) a comparison is useful for"
        } else {
            status = .ok
            reason = nil
        }
        add(id, type, .split, title, status, base.gating, reason, "max_abs_share_difference", abs(largest.difference), largest.tolerance, nil, nil,
            figures: [("n_base", .int(Int64(n1))), ("n_current", .int(Int64(n2))), ("largest_category", .string(largest.name)),
                      ("jensen_shannon", .double(jensenShannon)), ("jensen_shannon_noise", .double(noise)),
                      ("jensen_shannon_corrected", .double(max(0, jensenShannon - noise))), ("psi", .double(psi))],
            categories: categories)
    }

    /// A rate (events of trials): the difference against k standard errors plus the floor times the pooled rate;
    /// with the 95 % Newcombe interval of the difference.
    mutating func compareRate(_ id: String, _ type: String, _ title: String, _ a: (events: Int, trials: Int), _ b: (events: Int, trials: Int)) {
        let tolerance = settings.tolerance(for: id, kind: .rate)
        guard a.trials > 0, b.trials > 0 else {
            add(id, type, .rate, title, .inconclusive, tolerance.gating, "no trials on one side", "rate_difference", 0, 0, nil, nil)
            return
        }
        let p1 = Double(a.events) / Double(a.trials), p2 = Double(b.events) / Double(b.trials)
        let pooled = Double(a.events + b.events) / Double(a.trials + b.trials)
        let se = (pooled * (1 - pooled) * (1 / Double(a.trials) + 1 / Double(b.trials))).squareRoot()
        let allowed = tolerance.sigmas * se + tolerance.floor * pooled
        let (l1, u1) = Statistics.wilson(a.events, a.trials), (l2, u2) = Statistics.wilson(b.events, b.trials)
        let difference = p2 - p1
        let interval = [difference - ((p2 - l2) * (p2 - l2) + (u1 - p1) * (u1 - p1)).squareRoot(),
                        difference + ((u2 - p2) * (u2 - p2) + (p1 - l1) * (p1 - l1)).squareRoot()]
        let expectedEvents = pooled * Double(min(a.trials, b.trials))
        let status: ReportDiff.Status
        let reason: String?
        if abs(difference) > allowed {
            status = .drift
            reason = "\(fraction(p1)) -> \(fraction(p2)) (\(a.events) of \(a.trials), \(b.events) of \(b.trials)): a difference of \(fraction(difference)), tolerance \(fraction(allowed))"
        } else if expectedEvents < 10 {
            status = .inconclusive
            reason = "about \(Int(expectedEvents.rounded())) events on the smaller side, fewer than the 10 a rate comparison needs"
        } else {
            status = .ok
            reason = nil
        }
        add(id, type, .rate, title, status, tolerance.gating, reason, "rate_difference", abs(difference), allowed, p1, p2,
            figures: [("n_base", .int(Int64(a.trials))), ("n_current", .int(Int64(b.trials))),
                      ("events_base", .int(Int64(a.events))), ("events_current", .int(Int64(b.events))),
                      ("base_interval", .array([.double(l1), .double(u1)])), ("current_interval", .array([.double(l2), .double(u2)])),
                      ("difference_interval", .array(interval.map { .double($0) })), ("z", .double(se > 0 ? difference / se : 0))])
    }

    /// A histogram: the Wasserstein-1 distance of the two binned distributions against k times its noise
    /// (J * sqrt(1/n1 + 1/n2), J the integral of sqrt(F(1 - F)) of the pooled distribution) plus the floor
    /// times the pooled standard deviation. `catalogBound` figures (prices) follow the product catalog, which
    /// another seed draws anew: with different seeds they are shown but inconclusive.
    mutating func compareHistogram(_ id: String, _ type: String, _ title: String, _ a: JSONValue?, _ b: JSONValue?, catalogBound: Bool) {
        guard a != nil || b != nil else { return }
        let tolerance = settings.tolerance(for: id, kind: .amounts)
        func numbers(_ value: JSONValue?) -> [Double] { (value?.arrayValue ?? []).compactMap(\.doubleValue) }
        let edges1 = numbers(a?["edges"]), edges2 = numbers(b?["edges"])
        let counts1 = numbers(a?["counts"]), counts2 = numbers(b?["counts"])
        let n1 = counts1.reduce(0, +), n2 = counts2.reduce(0, +)
        func inconclusive(_ why: String) {
            add(id, type, .amounts, title, .inconclusive, tolerance.gating, why, "wasserstein", 0, 0, nil, nil,
                figures: [("n_base", .int(Int64(n1))), ("n_current", .int(Int64(n2)))])
        }
        guard a != nil, b != nil else { return inconclusive("only one report has it") }
        guard edges1.count == counts1.count + 1, edges2.count == counts2.count + 1, edges1.count >= 2,
              edges1.count == edges2.count, zip(edges1, edges2).allSatisfy({ abs($0 - $1) <= 1e-9 * max(1, abs($0)) })
        else { return inconclusive("the two histograms have different bins") }
        guard n1 >= 30, n2 >= 30 else { return inconclusive("\(Int(n1)) and \(Int(n2)) values: at least 30 on each side are needed") }
        var cdf1 = 0.0, cdf2 = 0.0, distance = 0.0, spread = 0.0
        var mean1 = 0.0, mean2 = 0.0, pooledMean = 0.0
        for bin in counts1.indices {
            let width = edges1[bin + 1] - edges1[bin], middle = (edges1[bin] + edges1[bin + 1]) / 2
            mean1 += middle * counts1[bin] / n1
            mean2 += middle * counts2[bin] / n2
            pooledMean += middle * (counts1[bin] + counts2[bin]) / (n1 + n2)
            cdf1 += counts1[bin] / n1
            cdf2 += counts2[bin] / n2
            distance += abs(cdf1 - cdf2) * width
            let pooled = (cdf1 * n1 + cdf2 * n2) / (n1 + n2)
            spread += (max(0, pooled * (1 - pooled))).squareRoot() * width
        }
        var variance = 0.0
        for bin in counts1.indices {
            let middle = (edges1[bin] + edges1[bin + 1]) / 2
            variance += (middle - pooledMean) * (middle - pooledMean) * (counts1[bin] + counts2[bin]) / (n1 + n2)
        }
        let deviation = variance.squareRoot()
        let noise = spread * (1 / n1 + 1 / n2).squareRoot()
        let allowed = tolerance.sigmas * noise + tolerance.floor * deviation
        let figures: [(String, JSONValue)] = [
            ("n_base", .int(Int64(n1))), ("n_current", .int(Int64(n2))), ("noise", .double(noise)),
            ("standard_deviation", .double(deviation)), ("wasserstein_in_sd", .double(deviation > 0 ? distance / deviation : 0)),
        ]
        let status: ReportDiff.Status
        let reason: String?
        if catalogBound, let s1 = seeds.0, let s2 = seeds.1, s1 != s2 {
            status = .inconclusive
            reason = "prices follow the product catalog, which seeds \(s1) and \(s2) draw differently (Wasserstein \(number(distance)), \(number(deviation > 0 ? distance / deviation : 0)) standard deviations); compare reports of one seed"
        } else if distance > allowed {
            status = .drift
            reason = "mean \(number(mean1)) -> \(number(mean2)); Wasserstein distance \(number(distance)), tolerance \(number(allowed)) (\(number(tolerance.sigmas)) x noise \(number(noise)) + \(number(tolerance.floor)) x sd \(number(deviation)))"
        } else {
            status = .ok
            reason = nil
        }
        add(id, type, .amounts, title, status, tolerance.gating, reason, "wasserstein", distance, allowed, mean1, mean2, figures: figures)
    }

    /// Check statuses: a check that got worse (pass or inconclusive to warn or fail, warn to fail) drifted; it
    /// gates only when it now fails and the check is gating.
    mutating func compareChecks(_ base: [JSONValue], _ current: [JSONValue]) {
        func key(_ check: JSONValue) -> String {
            "\(check["id"]?.stringValue ?? "?")\(check["record_type"]?.stringValue.map { "[\($0)]" } ?? "")"
        }
        func severity(_ status: String?) -> Int { status == "fail" ? 2 : status == "warn" ? 1 : 0 }
        let keys = union(base.map(key), current.map(key))
        for name in keys {
            let a = base.first { key($0) == name }, b = current.first { key($0) == name }
            let id = "check.\(name)"
            let tolerance = settings.tolerance(for: id, kind: .check)
            let type = (b ?? a)?["record_type"]?.stringValue
            let title = (b ?? a)?["title"]?.stringValue ?? name
            let s1 = a?["status"]?.stringValue, s2 = b?["status"]?.stringValue
            let v1 = a?["violations"]?.intValue, v2 = b?["violations"]?.intValue
            let figures: [(String, JSONValue)] = [("base_status", s1.map { .string($0) } ?? .null), ("current_status", s2.map { .string($0) } ?? .null)]
            guard let s1, let s2 else {
                add(id, type, .check, title, .inconclusive, tolerance.gating, a == nil ? "a new check, not in the base report" : "not in the current report",
                    "status", 0, 0, v1.map(Double.init), v2.map(Double.init), figures: figures)
                continue
            }
            let worse = severity(s2) > severity(s1)
            // A warning is an estimate inside its tolerance whose interval crosses it, which noise alone can cause:
            // shown as drift, but only a new failure of a gating check fails the diff.
            let gating = tolerance.gating && (b?["gating"]?.boolValue ?? true) && s2 == "fail"
            add(id, type, .check, title, worse ? .drift : .ok, gating,
                worse ? "\(s1) -> \(s2)\(v2.flatMap { $0 > 0 ? ", \($0) violation(s)" : nil } ?? "")\(b?["reason"]?.stringValue.map { ": \($0)" } ?? "")" : nil,
                "status", Double(severity(s2) - severity(s1)), 0, v1.map(Double.init), v2.map(Double.init), figures: figures)
        }
    }

    mutating func add(_ id: String, _ type: String?, _ kind: DiffSettings.Kind, _ title: String, _ status: ReportDiff.Status, _ gating: Bool,
                      _ reason: String?, _ measure: String, _ value: Double, _ tolerance: Double, _ base: Double?, _ current: Double?,
                      figures: [(String, JSONValue)] = [], categories: [ReportDiff.Category] = []) {
        comparisons.append(ReportDiff.Comparison(id: id, recordType: type, kind: kind, title: title, status: status, gating: gating,
                                                 reason: reason, measure: measure, value: value, tolerance: tolerance, base: base,
                                                 current: current, figures: figures, categories: categories))
    }

    /// `(name, count)` pairs of a `{name: count}` object.
    func counts(_ value: JSONValue?) -> [(String, Int)] {
        (value?.objectValue ?? []).map { ($0.0, Int($0.1.intValue ?? 0)) }
    }

    /// `(label, count)` pairs of a count array.
    func indexed(_ value: JSONValue?, _ label: (Int) -> String) -> [(String, Int)] {
        (value?.arrayValue ?? []).enumerated().map { (label($0.offset), Int($0.element.intValue ?? 0)) }
    }

    func union(_ a: [String], _ b: [String]) -> [String] {
        var names = a
        for name in b where !names.contains(name) { names.append(name) }
        return names
    }
}

private func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
private func points(_ share: Double) -> String { String(format: "%.2f points", share * 100) }
private func signedPoints(_ share: Double) -> String { String(format: "%+.2f points", share * 100) }
private func fraction(_ value: Double) -> String { String(format: "%.5f", value) }
private func number(_ value: Double) -> String { String(format: "%.3g", value) }
