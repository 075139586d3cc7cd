#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// File paths as the commands write them. (Foundation's `deletingLastPathComponent` traps on some paths, such as
/// `./` here: these read the path's text only.)
public enum Paths {
    /// The directory part of `path`: the text before its last `/` (`/` for a file at the root, empty for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes `text` to `path` through the path itself: a symbolic link is followed, a FIFO or a device (`/dev/stdout`)
    /// is written to, not replaced by a new file (as Foundation's `createFile`, which writes a copy and renames it over the
    /// path, does). Creates the directory first (``createDirectory(for:)``). Returns why it could not be written (the
    /// system's words, a full disk included), or nil.
    public static func write(_ text: String, to path: String) -> String? {
        // The process's own standard output is written where it stands (after what is buffered for it), not opened
        // again: a second open of a file it is redirected to would write from its start, over the rest.
        if ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].contains(path) {
            fflush(nil)
            return write(text, toDescriptor: STDOUT_FILENO)
        }
        createDirectory(for: path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        var problem = write(text, toDescriptor: descriptor)
        if close(descriptor) != 0, problem == nil { problem = String(cString: strerror(errno)) }
        return problem
    }

    /// Writes all of `text` to an open file descriptor; returns why it could not, or nil.
    public static func write(_ text: String, toDescriptor descriptor: Int32) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
    }

    /// Creates the directory `path` is written in, with its parents, when the path names one; a failure is left to
    /// the write that follows, which names the path.
    public static func createDirectory(for path: String) {
        let directory = directory(of: path)
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    }
}
