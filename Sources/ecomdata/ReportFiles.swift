import EcomJSON
import EcomModel
import EcomReports
import Foundation

/// Writes a report document as JSON, HTML, JUnit XML and Markdown (each when a path is given, through the path: a
/// link is followed, `/dev/stdout` written to); returns the paths that could not be written, each with why.
func writeReports(_ document: JSONValue, json: String?, html: String?, junit: String?, markdown: String?) -> [String] {
    var failed: [String] = []
    func write(_ text: String, to path: String?) {
        guard let path else { return }
        // `-` is standard output, as for `diff` and `report`.
        if let problem = Paths.write(text, to: path == "-" ? "/dev/stdout" : path) { failed.append("\(path) (\(problem))") }
    }
    let text = document.encoded(pretty: true) + "\n"
    write(text, to: json)
    // The views are rendered from the JSON as written (as `ecomdata report` renders it), so that they say the same: a
    // value the JSON cannot hold (a NaN p-value, written null) shows alike in both.
    let document = (try? JSONValue.parse(text)) ?? document
    if let html {
        do {
            write(try ReportRenderer.html(document), to: html)
        } catch {
            Console.error("cannot render the HTML report: \(error)")
            failed.append(html)
        }
    }
    write(ReportRenderer.junit(document), to: junit)
    write(ReportRenderer.markdown(document), to: markdown)
    return failed
}
