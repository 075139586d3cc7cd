import EcomJSON
import Mustache

/// Renders an `ecomdata.diff/v1` document (what `ecomdata diff` computes, see docs/report-format.md) as one
/// self-contained HTML page or a Markdown summary: what moved first, with base against current per category,
/// then what could not be judged and why, then what held. Every string from the document is escaped.
public enum DiffRenderer {
    /// The HTML page (no scripts, no external resources).
    /// - Throws: `ReportRenderError` when the bundled templates cannot be read or parsed.
    public static func html(_ diff: JSONValue) throws(ReportRenderError) -> String {
        let library = try HTMLTemplates.library.get()
        guard let html = library.render(DiffPage(diff), withTemplate: HTMLTemplates.diffPage) else {
            throw .templateMissing(name: HTMLTemplates.diffPage)
        }
        return ReportRenderer.withoutControlCharacters(html)
    }

    /// Markdown for CI job pages: the verdict, the counts, and a table of what moved or could not be judged.
    public static func markdown(_ diff: JSONValue) -> String {
        let verdict = diff["verdict"]?.stringValue ?? "unknown"
        let summary = diff["summary"] ?? .object([])
        func count(_ key: String) -> String { Format.integer(summary[key]?.intValue ?? 0) }
        let marker = verdict == "pass" ? "✅" : verdict == "drift" ? "❌" : "❔"
        var lines = ["## \(marker) ecomdata diff: \(MarkdownSummary.escape(verdict.uppercased()))", ""]
        let base = diff["base"] ?? .object([]), current = diff["current"] ?? .object([])
        lines.append("Base \(MarkdownSummary.escape(Report.describe(base["source"]))) (seed \(MarkdownSummary.escape(Report.describe(base["seed"])))), "
            + "current \(MarkdownSummary.escape(Report.describe(current["source"]))) (seed \(MarkdownSummary.escape(Report.describe(current["seed"])))): "
            + "\(count("comparisons")) comparisons, **\(count("drift")) drift** (\(count("gating_drift")) gating), "
            + "\(count("inconclusive")) inconclusive, \(count("ok")) ok.")
        let rows = DiffPage.comparisons(diff).filter { $0.status != "ok" }
        if rows.isEmpty {
            lines += ["", "Nothing moved beyond its tolerance."]
        } else {
            lines += ["", "| comparison | status | base → current | value / tolerance | why |", "| --- | --- | --- | --- | --- |"]
            for row in rows.prefix(MarkdownSummary.maxRows) {
                let status = row.status + (row.status == "drift" ? (row.gating ? " (gating)" : " (non-gating)") : "")
                lines.append("| \(MarkdownSummary.escape(row.id)) | \(MarkdownSummary.escape(status)) | \(MarkdownSummary.escape(row.movement)) "
                    + "| \(MarkdownSummary.escape(row.measure)) | \(MarkdownSummary.escape(Format.truncated(row.reason, 400))) |")
            }
            if rows.count > MarkdownSummary.maxRows {
                lines += ["", "… and \(rows.count - MarkdownSummary.maxRows) more; see the HTML view."]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What `diff.mustache` renders: strings raw (the template escapes them), numbers formatted; stored,
/// non-optional members only (the template reads them by reflection).
struct DiffPage {
    let title: String
    let verdict: String
    let verdictLabel: String
    let verdictSentence: String
    let formatNote: String
    let hasFormatNote: Bool
    let cards: [HTMLPage.Card]
    let sides: [Side]
    let toleranceNote: String
    let sections: [Section]
    let footer: String

    struct Side {
        let sideLabel: String
        let source: String
        let seed: String
        let config: String
        let records: String
        let sideVerdict: String
        let window: String
    }

    struct Section {
        let sectionTitle: String
        let sectionAnchor: String
        let sectionNote: String
        let items: [Item]
    }

    struct Item {
        let itemAnchor: String
        let itemId: String
        let itemTitle: String
        let status: String
        let statusLabel: String
        let kindLabel: String
        let gatingLabel: String
        let reason: String
        let hasReason: Bool
        let facts: [HTMLPage.Fact]
        let categories: [Row]
        let hasCategories: Bool
        /// The split's shares side by side (one chart, or none).
        let charts: [Chart]
        let isOpen: Bool
    }

    struct Row {
        let categoryName: String
        let baseShare: String
        let currentShare: String
        let difference: String
        let tolerance: String
        let z: String
        let rowStyle: String
    }

    /// A comparison read leniently from the document.
    struct Comparison {
        let id: String
        let title: String
        let kind: String
        let status: String
        let gating: Bool
        let reason: String
        let measure: String
        let movement: String
        let value: JSONValue
    }

    static func comparisons(_ diff: JSONValue) -> [Comparison] {
        let all = (diff["comparisons"]?.arrayValue ?? []).map { value -> Comparison in
            let kind = value["kind"]?.stringValue ?? ""
            let base = value["base"]?.doubleValue, current = value["current"]?.doubleValue
            let movement: String
            if kind == "check" {
                movement = "\(Report.describe(value["base_status"])) → \(Report.describe(value["current_status"]))"
            } else if let base, let current {
                movement = "\(Format.number(base)) → \(Format.number(current))"
            } else if let largest = value["largest_category"]?.stringValue,
                      let category = value["categories"]?.arrayValue?.first(where: { $0["name"]?.stringValue == largest }) {
                movement = "\(largest): \(Format.percent(category["base"]?.doubleValue ?? 0, 2)) → \(Format.percent(category["current"]?.doubleValue ?? 0, 2))"
            } else {
                movement = ""
            }
            let measureName = value["measure"]?.stringValue ?? ""
            let judged = kind != "check" && !(value["status"]?.stringValue == "inconclusive" && (value["tolerance"]?.doubleValue ?? 0) == 0)
            let measure = !judged ? "" : "\(measureName.replacingOccurrences(of: "_", with: " ")) \(Format.number(value["value"]?.doubleValue ?? 0)) / \(Format.number(value["tolerance"]?.doubleValue ?? 0))"
            return Comparison(id: value["id"]?.stringValue ?? "?", title: value["title"]?.stringValue ?? "", kind: kind,
                              status: value["status"]?.stringValue ?? "unknown", gating: value["gating"]?.boolValue ?? false,
                              reason: value["reason"]?.stringValue ?? "", measure: measure, movement: movement, value: value)
        }
        func rank(_ comparison: Comparison) -> Int {
            switch comparison.status {
            case "drift": comparison.gating ? 0 : 1
            case "inconclusive": 2
            case "ok": 4
            default: 3
            }
        }
        return all.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    init(_ diff: JSONValue) {
        let verdictWord = diff["verdict"]?.stringValue ?? "unknown"
        let summary = diff["summary"] ?? .object([])
        func count(_ key: String) -> Int64 { summary[key]?.intValue ?? 0 }
        title = "ecomdata diff: \(verdictWord)"
        verdict = verdictWord == "pass" ? "pass" : verdictWord == "drift" ? "fail" : "unknown"
        verdictLabel = verdictWord.uppercased()
        verdictSentence = verdictWord == "pass"
            ? "Nothing moved beyond its tolerance: \(count("comparisons")) comparisons, \(count("inconclusive")) of them inconclusive."
            : "\(count("gating_drift")) gating comparison(s) moved beyond their tolerance (\(count("drift")) in all)."
        let format = diff["format"]?.stringValue ?? ""
        hasFormatNote = format != "ecomdata.diff/v1"
        formatNote = hasFormatNote ? "This document's format is \"\(format)\", not ecomdata.diff/v1; it is shown as far as it could be read." : ""
        cards = [
            HTMLPage.Card(cardLabel: "comparisons", cardValue: Format.integer(count("comparisons")), cardStyle: ""),
            HTMLPage.Card(cardLabel: "drift", cardValue: Format.integer(count("drift")), cardStyle: count("drift") > 0 ? "fail" : "zero"),
            HTMLPage.Card(cardLabel: "inconclusive", cardValue: Format.integer(count("inconclusive")), cardStyle: count("inconclusive") > 0 ? "inconclusive" : "zero"),
            HTMLPage.Card(cardLabel: "ok", cardValue: Format.integer(count("ok")), cardStyle: "pass"),
        ]
        sides = [("base", diff["base"]), ("current", diff["current"])].map { label, side in
            Side(sideLabel: label, source: Report.describe(side?["source"]), seed: Report.describe(side?["seed"]),
                 config: String(Report.describe(side?["config_sha256"]).prefix(12)),
                 records: side?["records"]?.intValue.map(Format.integer) ?? "", sideVerdict: Report.describe(side?["verdict"]),
                 window: Report.describe(side?["window"]))
        }
        toleranceNote = "A figure drifts when it moves more than k standard errors of the difference (the sampling noise of both "
            + "samples) plus an effect-size floor; inconclusive figures could not be judged and say why."
        let all = Self.comparisons(diff)
        var index = 0
        func items(_ status: String, open: Bool) -> [Item] {
            all.filter { $0.status == status }.map { comparison in
                index += 1
                let value = comparison.value
                let style = switch comparison.status {
                case "drift": comparison.gating ? "fail" : "warn"
                case "ok": "pass"
                case "inconclusive": "inconclusive"
                default: "unknown"
                }
                var facts: [HTMLPage.Fact] = []
                if !comparison.movement.isEmpty { facts.append(HTMLPage.Fact(label: "base → current", value: comparison.movement)) }
                if !comparison.measure.isEmpty { facts.append(HTMLPage.Fact(label: "measure / tolerance", value: comparison.measure)) }
                for (key, label) in [("n_base", "n base"), ("n_current", "n current"), ("jensen_shannon", "Jensen-Shannon (bits)"),
                                     ("jensen_shannon_noise", "of which noise"), ("psi", "PSI"), ("difference_interval", "95 % interval of the difference"),
                                     ("noise", "noise"), ("standard_deviation", "sd"), ("wasserstein_in_sd", "Wasserstein / sd")] {
                    guard let figure = value[key], figure != .null else { continue }
                    let text = figure.arrayValue.map { "[\($0.map { Format.number($0.doubleValue ?? 0) }.joined(separator: ", "))]" } ?? Report.describe(figure)
                    facts.append(HTMLPage.Fact(label: label, value: text))
                }
                let rows = (value["categories"]?.arrayValue ?? []).prefix(200).map { category in
                    Row(categoryName: Report.describe(category["name"]),
                        baseShare: Format.percent(category["base"]?.doubleValue ?? 0, 2),
                        currentShare: Format.percent(category["current"]?.doubleValue ?? 0, 2),
                        difference: (category["difference"]?.doubleValue ?? 0) >= 0
                            ? "+" + Format.fixed((category["difference"]?.doubleValue ?? 0) * 100, 2) + " pt"
                            : Format.fixed((category["difference"]?.doubleValue ?? 0) * 100, 2) + " pt",
                        tolerance: "± " + Format.fixed((category["tolerance"]?.doubleValue ?? 0) * 100, 2) + " pt",
                        z: Format.fixed(category["z"]?.doubleValue ?? 0, 1),
                        rowStyle: category["moved"]?.boolValue == true ? "off" : "")
                }
                return Item(itemAnchor: "c\(index)", itemId: comparison.id, itemTitle: comparison.title, status: style,
                            statusLabel: comparison.status.uppercased(), kindLabel: comparison.kind,
                            gatingLabel: comparison.gating ? "gating" : "non-gating", reason: comparison.reason,
                            hasReason: !comparison.reason.isEmpty, facts: facts, categories: Array(rows), hasCategories: !rows.isEmpty,
                            charts: DistributionCharts.comparison(name: comparison.title.isEmpty ? comparison.id : comparison.title,
                                                                  categories: value["categories"]?.arrayValue ?? []).map { [$0] } ?? [],
                            isOpen: open)
            }
        }
        sections = [
            Section(sectionTitle: "What moved", sectionAnchor: "drift", sectionNote: "beyond its tolerance", items: items("drift", open: true)),
            Section(sectionTitle: "Inconclusive", sectionAnchor: "inconclusive", sectionNote: "could not be judged; each says why", items: items("inconclusive", open: false)),
            Section(sectionTitle: "Held", sectionAnchor: "ok", sectionNote: "inside its tolerance", items: items("ok", open: false)),
        ].filter { !$0.items.isEmpty }
        footer = "Rendered from an ecomdata.diff/v1 document. Self-contained: no scripts, no external resources."
    }
}
