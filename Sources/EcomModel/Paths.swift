import Foundation

/// File paths as the commands write them. (Foundation's `deletingLastPathComponent` traps on some paths, such as
/// `./` here: these read the path's text only.)
public enum Paths {
    /// The directory part of `path`: the text before its last `/` (`/` for a file at the root, empty for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates the directory `path` is written in, with its parents, when the path names one; a failure is left to
    /// the write that follows, which names the path.
    public static func createDirectory(for path: String) {
        let directory = directory(of: path)
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    }
}
