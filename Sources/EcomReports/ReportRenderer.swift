import EcomJSON

/// Renders an `ecomdata.report/v1` document (see `docs/report-format.md`) as HTML, JUnit XML or Markdown.
///
/// The renderers read the report leniently: a missing member shows as empty, an unknown status or family is
/// shown as it is. Every string from the report is escaped for the output's syntax.
public enum ReportRenderer {
    /// One self-contained HTML page: verdict, summary, the checks of each family (failures first) with their
    /// statistics and examples, and inline SVG charts of the distributions. No scripts, no external resources;
    /// its size is bounded by the caps on examples, categories, bins, days and points, not by the record count.
    ///
    /// - Throws: `ReportRenderError` when the bundled templates cannot be read or parsed.
    public static func html(_ report: JSONValue) throws(ReportRenderError) -> String {
        let page = HTMLPage(Report(report))
        let library = try HTMLTemplates.library.get()
        guard let html = library.render(page, withTemplate: HTMLTemplates.page) else {
            throw .templateMissing(name: HTMLTemplates.page)
        }
        return withoutControlCharacters(html)
    }

    /// The page with the control characters a string from the data may have brought (the templates have none but
    /// tab and newline) as U+FFFD: HTML does not allow them, and a terminal showing the file would act on them. So are
    /// Unicode's noncharacters (U+FFFE, U+FDD0...), which HTML does not allow either.
    static func withoutControlCharacters(_ html: String) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            (scalar.isControlCharacter && !["\t", "\n", "\r"].contains(scalar))
                || (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
        }
        guard html.unicodeScalars.contains(where: isControl) else { return html }
        var out = String.UnicodeScalarView()
        for scalar in html.unicodeScalars { out.append(isControl(scalar) ? "\u{FFFD}" : scalar) }
        return String(out)
    }

    /// JUnit XML: one `<testsuite>` per family, one `<testcase classname="ecomdata.<family>" name="<id>">` per check;
    /// `fail` is a `<failure>` with the reason and the examples, `inconclusive` a `<skipped>` saying why, and `warn`
    /// a pass whose `<system-out>` says it warned.
    public static func junit(_ report: JSONValue) -> String {
        JUnitDocument(Report(report)).xml
    }

    /// A short Markdown summary for CI job pages: the verdict, the counts, and a table of the checks that did not
    /// pass (id, status, observed against expected or the violations, reason).
    public static func markdown(_ report: JSONValue) -> String {
        MarkdownSummary(Report(report)).text
    }
}

/// Why the HTML report could not be rendered.
public enum ReportRenderError: Error, CustomStringConvertible, Sendable {
    /// The `EcomReports` resource bundle has no template of this name.
    case templateMissing(name: String)
    /// A bundled template does not parse as Mustache.
    case templateInvalid(name: String, message: String)

    /// What went wrong and what to do about it, in one sentence.
    public var description: String {
        switch self {
        case let .templateMissing(name):
            "the HTML template '\(name).mustache' is missing from the EcomReports resource bundle; rebuild the package"
        case let .templateInvalid(name, message):
            "the HTML template '\(name).mustache' does not parse: \(message); fix it in Sources/EcomReports/Templates"
        }
    }
}
