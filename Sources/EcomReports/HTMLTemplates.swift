import Foundation
import Mustache

/// The Mustache templates of the HTML report, read once from the module's resources.
enum HTMLTemplates {
    /// The page template; the others are its partials.
    static let page = "report"
    /// The page of `ecomdata diff`.
    static let diffPage = "diff"
    static let names = ["report", "style", "check", "chart", "diff"]

    static let library: Result<MustacheLibrary, ReportRenderError> = {
        var library = MustacheLibrary()
        for name in names {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates"),
                  let text = try? String(contentsOf: url, encoding: .utf8)
            else { return .failure(.templateMissing(name: name)) }
            do {
                try library.register(text, named: name)
            } catch {
                return .failure(.templateInvalid(name: name, message: String(describing: error)))
            }
        }
        return .success(library)
    }()
}
