import EcomJSON
import Foundation

/// Where records that broke a check go, each with its location and the checks it broke, so that nothing a
/// validation rejects is silently dropped: `DIR/quarantine.ndjson`, one JSON object per record with the
/// raw line as a string (it may not be valid JSON); a line that is not valid UTF-8 also has its exact bytes in
/// `record_base64` (its `record` shows the invalid bytes as U+FFFD).
public final class Quarantine {
    private let handle: FileHandle
    /// The file written.
    public let path: String
    /// Records written.
    public private(set) var count = 0

    /// Creates `directory` if needed and starts `quarantine.ndjson` in it.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` when it cannot be written.
    public init(directory: String) throws(ValidationError) {
        path = (directory as NSString).appendingPathComponent("quarantine.ndjson")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unreadable(directory, "cannot create the quarantine directory")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .unreadable(path, "cannot write the quarantine file")
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Writes one record.
    func add(_ line: UnsafeBufferPointer<UInt8>, at location: RecordLocation, checks: [String], messages: [String]) {
        let text = String(validating: line, as: UTF8.self)
        var members: [(String, JSONValue)] = [
            ("location", location.json), ("checks", .array(checks.map { .string($0) })),
            ("messages", .array(messages.map { .string($0) })), ("record", .string(text ?? String(decoding: line, as: UTF8.self))),
        ]
        if text == nil { members.append(("record_base64", .string(Data(line).base64EncodedString()))) }
        let entry = JSONValue.object(members)
        handle.write(Data((entry.encoded() + "\n").utf8))
        count += 1
    }
}
