import Foundation

/// Names the input file being read through a memory mapping, so that one that shrinks while it is read (truncated
/// or rewritten by another process: the kernel raises SIGBUS on the pages past its new end) ends the run with its
/// name, what to do and exit 3, not a crash.
public enum MappedInput {
    // Written before each file is mapped (from one thread at a time: inputs are mapped one after another) and read
    // only by the signal handler, which writes the message and exits.
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<CChar>?
    private static let installed: Void = {
        signal(SIGBUS) { _ in
            if let text = MappedInput.message { _ = write(STDERR_FILENO, text, strlen(text)) }
            _exit(3)
        }
    }()

    /// Says that `path` is about to be read through a mapping.
    public static func reading(_ path: String) {
        _ = installed
        // The message it replaces is kept: the handler may be reading it.
        message = strdup("ecomdata: \(path) shrank while it was being read (truncated or rewritten by another process): read a file nothing is writing to, or a copy of it\n")
    }
}
