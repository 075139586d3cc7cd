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
    /// Records written (a record quarantined twice counts once: see ``consolidate()``).
    public private(set) var count = 0
    /// Lines written so far.
    private var entries = 0
    /// The line number (from 0) of each record's first entry, by a hash of its location.
    private var firstEntries = HashMap64()
    /// For a record with more than one entry: the later entries' line numbers, by its first entry's.
    private var laterEntries: [Int: [Int]] = [:]

    /// Creates `directory` if needed and starts `quarantine.ndjson` in it.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` when it cannot be written.
    public init(directory: String) throws(ValidationError) {
        path = directory.hasSuffix("/") ? directory + "quarantine.ndjson" : directory + "/quarantine.ndjson"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unreadable(directory, "cannot create the quarantine directory")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .unreadable(path, "cannot write the quarantine file")
        }
        self.handle = handle
        Tally.keepsLastFailure = true
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
        // A record judged out of order only when the next one came may have been quarantined already, for
        // another check: its entries are made one by ``consolidate()``.
        var place = location.description
        let hash = place.withUTF8 { idHash($0) }
        if let first = firstEntries.value(hash) {
            laterEntries[Int(first), default: []].append(entries)
        } else {
            firstEntries.set(hash, Int32(truncatingIfNeeded: entries))
            count += 1
        }
        entries += 1
    }

    /// Makes the entries of a record quarantined more than once one entry, in the place of its first, with the
    /// checks and messages of all of them; the file is rewritten only when there are such records.
    /// - Throws: ``ValidationError/unreadable(_:_:)`` when the file cannot be read back or written.
    public func consolidate() throws(ValidationError) {
        guard !laterEntries.isEmpty else { return }
        var involved: [Int: JSONValue] = [:]
        for (first, later) in laterEntries {
            involved[first] = .null
            for entry in later { involved[entry] = .null }
        }
        // Pass one: the entries involved, parsed; pass two: the file again, those merged.
        try forEachLine { number, line in
            if involved[number] != nil { involved[number] = try? JSONValue.parse(line) }
        }
        var merged: [Int: String] = [:], dropped = Set<Int>()
        for (first, later) in laterEntries {
            guard var entry = involved[first], entry != .null else { continue }
            for number in later {
                guard let other = involved[number], other["location"] == entry["location"] else { continue }
                entry = Self.merging(entry, other)
                dropped.insert(number)
            }
            merged[first] = entry.encoded()
        }
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let output = FileHandle(forWritingAtPath: temporary) else {
            throw .unreadable(temporary, "cannot write the quarantine file")
        }
        var kept = 0
        try forEachLine { number, line in
            if dropped.contains(number) { return }
            output.write(Data(((merged[number] ?? line) + "\n").utf8))
            kept += 1
        }
        try? output.close()
        guard rename(temporary, path) == 0 else { throw .unreadable(path, "cannot replace the quarantine file: \(String(cString: strerror(errno)))") }
        count = kept
        laterEntries = [:]
    }

    /// Calls `body` with each line of the quarantine file (without its newline) and its number from 0.
    private func forEachLine(_ body: (Int, String) throws(ValidationError) -> Void) throws(ValidationError) {
        guard let file = fopen(path, "r") else { throw .unreadable(path, "cannot read the quarantine file back") }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var number = 0
        while true {
            let length = getline(&buffer, &capacity, file)
            guard length > 0, let buffer else { break }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: buffer[length - 1] == 0x0A ? length - 1 : length)
            try body(number, String(decoding: bytes, as: UTF8.self))
            number += 1
        }
    }

    /// One entry with the checks of both (each once) and the messages of both.
    private static func merging(_ entry: JSONValue, _ other: JSONValue) -> JSONValue {
        guard case var .object(members) = entry else { return entry }
        var checks = entry["checks"]?.arrayValue ?? []
        for check in other["checks"]?.arrayValue ?? [] where !checks.contains(check) { checks.append(check) }
        let messages = (entry["messages"]?.arrayValue ?? []) + (other["messages"]?.arrayValue ?? [])
        for index in members.indices {
            if members[index].0 == "checks" { members[index].1 = .array(checks) }
            if members[index].0 == "messages" { members[index].1 = .array(messages) }
        }
        return .object(members)
    }
}
