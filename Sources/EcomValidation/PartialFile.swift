import EcomModel
import Foundation

/// One section of a partial file: what one part of a run (a validator, later an audit) contributes to the merge.
public struct PartialSection: Sendable {
    /// What the section holds: ``Validator/partialTag`` for a validator's state; other tags belong to other parts.
    public var tag: String
    /// The section's bytes, as the part that wrote it encodes them.
    public var bytes: [UInt8]
    /// The file it was read from (or a label the caller gives it), named in errors.
    public var name: String

    /// A section named `name` (a file, or a label for errors).
    public init(tag: String, bytes: [UInt8], name: String) {
        self.tag = tag
        self.bytes = bytes
        self.name = name
    }
}

/// A partial file: tagged sections, each with its length and checksum, so that a merge can take what it knows
/// and a damaged or cut-short file is refused by name.
///
/// Layout: `ECOMPART` (8 bytes), the container version (one byte, 1), the number of sections (varint); then per
/// section its tag (varint length + UTF-8), its length (varint), its bytes and their FNV-1a checksum (8 bytes,
/// little-endian). Nothing may follow the last section.
public enum PartialFile {
    /// The first bytes of every partial.
    public static let magic = Array("ECOMPART".utf8)
    /// The container version this build writes and reads.
    public static let version: UInt8 = 1

    /// The file's bytes for `sections`.
    public static func encode(_ sections: [PartialSection]) -> [UInt8] {
        var writer = PartialWriter(capacity: sections.reduce(64) { $0 + $1.bytes.count + 32 })
        writer.append(magic)
        writer.byte(version)
        writer.count(sections.count)
        for section in sections {
            writer.string(section.tag)
            writer.raw(section.bytes)
            writer.fixed(section.bytes.withUnsafeBufferPointer(partialChecksum))
        }
        return writer.bytes
    }

    /// Writes `sections` to `path` (through a temporary file renamed into place, so a stopped run leaves no
    /// half-written partial under that name).
    /// - Throws: ``PartialError/unreadable(_:_:)`` when it cannot be written.
    public static func write(_ sections: [PartialSection], to path: String) throws(PartialError) {
        let bytes = encode(sections)
        Paths.createDirectory(for: path)
        let temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw .unreadable(path, "cannot write the partial")
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw .unreadable(path, "cannot write the partial (\(why))")
        }
    }

    /// The sections of the partial at `path`.
    /// - Throws: ``PartialError`` naming `path` when it cannot be read, is not a partial, is of another version, is
    ///   cut short or damaged.
    public static func read(_ path: String) throws(PartialError) -> [PartialSection] {
        guard FileManager.default.fileExists(atPath: path) else { throw .unreadable(path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "cannot read the file") }
        return try decode([UInt8](data), name: path)
    }

    /// The sections of a partial's bytes; `name` is used in errors.
    public static func decode(_ bytes: [UInt8], name: String) throws(PartialError) -> [PartialSection] {
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            if !bytes.isEmpty, magic.starts(with: bytes) { throw .truncated(name, at: bytes.count) }
            throw bytes.isEmpty ? .truncated(name, at: 0) : .notAPartial(name)
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> [PartialSection] in
            var reader = PartialReader(buffer, name: name, from: magic.count)
            let found = try reader.byte()
            guard found == version else { throw .unsupportedVersion(name, found: Int(found), supported: Int(version)) }
            let count = try reader.count(minimumSize: 10)
            var sections: [PartialSection] = []
            for _ in 0..<count {
                let tag = try reader.string()
                let payload = try reader.raw()
                let checksum = try reader.fixed()
                guard checksum == partialChecksum(payload) else { throw .corrupt(name, "the \(tag) section's checksum does not match its bytes") }
                sections.append(PartialSection(tag: tag, bytes: Array(payload), name: name))
            }
            guard reader.atEnd else { throw .corrupt(name, "\(buffer.count - reader.offset) bytes after the last section") }
            return sections
        }
    }
}
