import EcomModel

/// How the records of one input are located: a file (by line) or a topic partition (by offset).
enum LocationTemplate: Equatable {
    case file(String)
    case topic(String, partition: Int32)

    init(_ location: RecordLocation) {
        switch location {
        case let .file(name, _): self = .file(name)
        case let .topic(name, partition, _): self = .topic(name, partition: partition)
        }
    }

    /// The location of the record at `position` (a line or an offset).
    func location(_ position: Int) -> RecordLocation {
        switch self {
        case let .file(name): .file(name, line: position)
        case let .topic(name, partition): .topic(name, partition: partition, offset: Int64(position))
        }
    }

    /// Whether `location` is this template's at its position.
    func matches(_ location: RecordLocation) -> Bool {
        switch (self, location) {
        case let (.file(a), .file(b, _)): a == b
        case let (.topic(a, p), .topic(b, q, _)): a == b && p == q
        default: false
        }
    }
}

/// A partial validator's order-dependent facts and session events, encoded as records are checked, with the few
/// bytes they need later (the ID; event_id and session_id for session findings) copied out of the input, so that
/// the input (a mapped file, a Kafka message) can be let go right after `check`.
///
/// A fact is a flags byte (type, ID, timestamp, source change, next line, explicit location), the source when it
/// changed, the line (or offset) as a difference from the previous one unless it is the next, the record's bytes (times
/// two, plus one for a record read off its key's partition),
/// the timestamp as a difference from the previous one, and the ID front-coded against the previous ID (shared
/// prefix length, then the rest). A session event is built the same way; its key (the session_id's hash) is
/// written only when it is not the hash of the session_id text kept. Memory is the encoding, not a Swift value
/// per record.
final class OwnedFacts {
    private(set) var facts = PartialWriter(capacity: 1 << 16)
    private(set) var factCount = 0
    private(set) var events = PartialWriter()
    private(set) var eventCount = 0
    /// Per input (by index), how its locations look, from its first record.
    private(set) var templates: [LocationTemplate?] = []
    private var lastFact = (source: -1, line: 0, timestamp: Int64(0))
    private var lastID: [UInt8] = []
    private var lastEvent = (source: -1, line: 0, timestamp: Int64(0))
    private var lastEventID: [UInt8] = [], lastSession: [UInt8] = []

    /// Fact flags.
    static let hasID: UInt8 = 1 << 3, hasTimestamp: UInt8 = 1 << 4, newSource: UInt8 = 1 << 5, nextLine: UInt8 = 1 << 6, explicit: UInt8 = 1 << 7
    /// Session event flags (the funnel step in the low four bits).
    static let eventNewSource: UInt8 = 1 << 4, eventNextLine: UInt8 = 1 << 5, eventExplicit: UInt8 = 1 << 6, eventKey: UInt8 = 1 << 7
    static let hasEventID: UInt8 = 1, hasSession: UInt8 = 2, untimed: UInt8 = 4

    /// Sets how the locations of input `source` look before its first record (a topic partition's, known when added).
    /// (Made only when the input has none yet: a record's location is not turned into one per record.)
    func noteTemplate(_ source: Int, _ template: @autoclosure () -> LocationTemplate) {
        while templates.count <= source { templates.append(nil) }
        if templates[source] == nil { templates[source] = template() }
    }

    /// The position of `location` in input `source`, and whether it has to be written in full (its input's
    /// template is another: a caller that mixes locations in one input).
    private func position(of location: RecordLocation, source: Int) -> (Int, explicit: Bool) {
        noteTemplate(source, LocationTemplate(location))
        return (location.line, !templates[source]!.matches(location))
    }

    /// Keeps a record's fact with its ID's bytes.
    func keep(_ fact: Validator.RecordFact, id: UnsafeBufferPointer<UInt8>?, source: Int, at location: RecordLocation) {
        let (line, explicit) = position(of: location, source: source)
        var flags = UInt8(fact.type.ordinal)
        if fact.hasID, id != nil { flags |= Self.hasID }
        if fact.timestamp != nil { flags |= Self.hasTimestamp }
        if source != lastFact.source { flags |= Self.newSource }
        if explicit { flags |= Self.explicit } else if line == lastFact.line + 1 { flags |= Self.nextLine }
        facts.byte(flags)
        Self.writePlace(&facts, source: source, changed: source != lastFact.source, location: location, explicit: explicit,
                        next: flags & Self.nextLine != 0, after: lastFact.line)
        // The record's size, and in its lowest bit whether it was read off its key's partition.
        facts.count(fact.bytes << 1 | (fact.stray ? 1 : 0))
        if let timestamp = fact.timestamp {
            facts.int(timestamp &- lastFact.timestamp)
            lastFact.timestamp = timestamp
        }
        if fact.hasID, let id { Self.frontCode(id, after: &lastID, into: &facts) }
        lastFact.source = source
        if !explicit { lastFact.line = line }
        factCount += 1
    }

    /// Moves the session event the user-event checker deferred for the record just checked into the encoding,
    /// with the record's event_id and session_id (as a finding would read them again from the record).
    func keepSessionEvents(of checker: TypeChecker, tokens: Tokens, source: Int) {
        guard let sessions = checker as? UserEventChecker, !sessions.deferredEvents.isEmpty else { return }
        let string = { (name: StaticString) -> UnsafeBufferPointer<UInt8>? in
            guard let member = tokens.member(0, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)),
                  tokens.kind(member) == .string else { return nil }
            return tokens.string(member)
        }
        let eventID = string("event_id"), session = string("session_id")
        for event in sessions.deferredEvents {
            let location = event.location ?? .file("", line: 0)
            let (line, explicit) = position(of: location, source: source)
            var flags = event.step & 0x0F
            if source != lastEvent.source { flags |= Self.eventNewSource }
            if explicit { flags |= Self.eventExplicit } else if line == lastEvent.line + 1 { flags |= Self.eventNextLine }
            if session.map({ idHash($0) != event.key }) ?? true { flags |= Self.eventKey }
            events.byte(flags)
            events.byte((eventID != nil ? Self.hasEventID : 0) | (session != nil ? Self.hasSession : 0) | (event.timed ? 0 : Self.untimed))
            events.byte(UInt8(bitPattern: event.device))
            if event.device == -2 { events.optional(event.otherDevice) }
            Self.writePlace(&events, source: source, changed: source != lastEvent.source, location: location, explicit: explicit,
                            next: flags & Self.eventNextLine != 0, after: lastEvent.line)
            if flags & Self.eventKey != 0 { events.fixed(event.key) }
            events.int(Int64(event.user))
            events.int(event.timestamp &- lastEvent.timestamp)
            events.int(Int64(event.duration))
            if let eventID { Self.frontCode(eventID, after: &lastEventID, into: &events) }
            if let session { Self.frontCode(session, after: &lastSession, into: &events) }
            lastEvent.timestamp = event.timestamp
            lastEvent.source = source
            if !explicit { lastEvent.line = line }
            eventCount += 1
        }
        sessions.deferredEvents.removeAll(keepingCapacity: true)
    }

    /// Writes where a record was read: its input when it `changed`, then its location in full when `explicit`, else
    /// its line (or offset) as a difference from the previous one, `after`, unless it is the `next` one.
    private static func writePlace(_ writer: inout PartialWriter, source: Int, changed: Bool, location: RecordLocation, explicit: Bool,
                                   next: Bool, after previous: Int) {
        if changed { writer.count(source) }
        if explicit {
            writer.location(location)
        } else if !next {
            writer.int(Int64(location.line) - Int64(previous))
        }
    }

    /// Reads what ``writePlace(_:source:changed:location:explicit:next:after:)`` wrote, keeping the current input
    /// and line in `source` and `line`: the record's position, and its location when it was written in full.
    static func readPlace(_ reader: inout PartialReader, changed: Bool, explicit: Bool, next: Bool, sources: Int, source: inout Int,
                          line: inout Int) throws(PartialError) -> (position: Int, location: RecordLocation?) {
        if changed { source = try reader.count(minimumSize: 0) }
        try reader.expect(source >= 0 && source < sources, "a record of input \(source) of \(sources), at byte \(reader.offset)")
        if explicit {
            let location = try reader.location()
            return (location.line, location)
        }
        line = next ? line + 1 : line + (try reader.integer())
        return (line, nil)
    }

    /// Writes `bytes` as the length of the prefix it shares with `previous` and the rest; `previous` becomes it.
    private static func frontCode(_ bytes: UnsafeBufferPointer<UInt8>, after previous: inout [UInt8], into writer: inout PartialWriter) {
        var shared = 0
        let limit = min(bytes.count, previous.count)
        while shared < limit && bytes[shared] == previous[shared] { shared += 1 }
        writer.count(shared)
        writer.raw(bytes[shared...])
        previous.removeAll(keepingCapacity: true)
        previous.append(contentsOf: bytes)
    }

    /// Reads a front-coded string after `previous` (which becomes it) into `arena`; returns where it is there.
    static func frontDecode(_ reader: inout PartialReader, after previous: inout [UInt8], into arena: inout [UInt8]) throws(PartialError) -> Range<Int> {
        let shared = try reader.count(minimumSize: 0)
        try reader.expect(shared <= previous.count, "an ID sharing \(shared) bytes with one of \(previous.count), at byte \(reader.offset)")
        let rest = try reader.raw()
        previous.removeSubrange(shared...)
        previous.append(contentsOf: rest)
        let start = arena.count
        arena.append(contentsOf: previous)
        return start..<arena.count
    }
}

/// A fact read back from a partial: where it was read and what the merger judges. 56 bytes (a million facts are
/// decoded at the end of an audit, into memory touched for the first time): a location written in full is kept beside
/// the facts (``DecodedFacts/locations``), and the ID's hash is taken as it is decoded, on the decoding thread.
struct DecodedFact {
    var position: Int
    var bytes: Int
    private var time: Int64
    /// Where the ID's bytes start in the partial's arena.
    private var idStart: Int
    /// ``idHash(_:)`` of the ID (0 without one).
    var hash: UInt64
    private var idCount: UInt32
    private var source32: Int32
    /// The position of its location in ``DecodedFacts/locations`` when the partial wrote it in full, else -1.
    private(set) var locationIndex: Int32
    var type: RecordType
    private var flags: UInt8

    private static let timed: UInt8 = 1, identified: UInt8 = 2, offKey: UInt8 = 4

    init(source: Int, position: Int, locationIndex: Int32, type: RecordType, bytes: Int, timestamp: Int64?, id: Range<Int>?, hash: UInt64,
         stray: Bool) {
        self.position = position
        self.bytes = bytes
        time = timestamp ?? 0
        idStart = id?.lowerBound ?? 0
        idCount = UInt32(truncatingIfNeeded: id?.count ?? 0)
        self.hash = hash
        source32 = Int32(truncatingIfNeeded: source)
        self.locationIndex = locationIndex
        self.type = type
        flags = (timestamp != nil ? Self.timed : 0) | (id != nil ? Self.identified : 0) | (stray ? Self.offKey : 0)
    }

    /// The input, as the partial numbers them.
    var source: Int { Int(source32) }
    var timestamp: Int64? { flags & Self.timed != 0 ? time : nil }
    /// The ID's bytes in the partial's arena, when the record had one.
    var id: Range<Int>? { flags & Self.identified != 0 ? idStart..<(idStart + Int(idCount)) : nil }
    var hasID: Bool { flags & Self.identified != 0 }
    /// Read off its key's partition: judged for unique IDs after the records on their keys' partitions.
    var stray: Bool { flags & Self.offKey != 0 }
}

/// A partial's facts read back, with the locations written in full.
struct DecodedFacts {
    var facts: [DecodedFact] = []
    var locations: [RecordLocation] = []
}

/// A session event read back from a partial.
struct DecodedSessionEvent {
    var source: Int
    var position: Int
    var location: RecordLocation?
    var key: UInt64
    var user: Int32
    var timestamp: Int64
    var step: UInt8
    var duration: Int32
    var timed: Bool
    var device: Int8
    var otherDevice: String?
    /// A small JSON object with the event's event_id and session_id (the ones it had), in the merge's arena:
    /// what a finding reads them from.
    var record: Range<Int>
    /// Its event_id, when it has one of up to 16 bytes.
    var eventID: ShortID?
}

extension OwnedFacts {
    /// Reads `count` facts of a partial with `sources` inputs, their IDs into `arena`.
    static func decodeFacts(_ reader: inout PartialReader, count: Int, sources: Int, arena: inout [UInt8]) throws(PartialError) -> DecodedFacts {
        var decoded = DecodedFacts()
        decoded.facts.reserveCapacity(count)
        var source = -1, line = 0, timestamp: Int64 = 0
        var previousID: [UInt8] = []
        for _ in 0..<count {
            let flags = try reader.byte()
            let ordinal = Int(flags & 0x07)
            try reader.expect(ordinal < RecordType.allCases.count, "record type \(ordinal) at byte \(reader.offset - 1)")
            let (position, location) = try readPlace(&reader, changed: flags & newSource != 0, explicit: flags & explicit != 0,
                                                     next: flags & nextLine != 0, sources: sources, source: &source, line: &line)
            let sizeAndStray = try reader.count(minimumSize: 0)
            var time: Int64?
            if flags & hasTimestamp != 0 {
                timestamp = timestamp &+ (try reader.int())
                time = timestamp
            }
            let id = flags & hasID != 0 ? try frontDecode(&reader, after: &previousID, into: &arena) : nil
            let hash = id == nil ? 0 : previousID.withUnsafeBufferPointer(idHash)
            var locationIndex: Int32 = -1
            if let location {
                locationIndex = Int32(truncatingIfNeeded: decoded.locations.count)
                decoded.locations.append(location)
            }
            decoded.facts.append(DecodedFact(source: source, position: position, locationIndex: locationIndex, type: RecordType.allCases[ordinal],
                                             bytes: sizeAndStray >> 1, timestamp: time, id: id, hash: hash, stray: sizeAndStray & 1 != 0))
        }
        return decoded
    }

    /// Reads `count` session events, each one's event_id and session_id as a small JSON object into `arena`.
    static func decodeEvents(_ reader: inout PartialReader, count: Int, sources: Int, arena: inout [UInt8]) throws(PartialError) -> [DecodedSessionEvent] {
        var decoded: [DecodedSessionEvent] = []
        decoded.reserveCapacity(count)
        var source = -1, line = 0, timestamp: Int64 = 0
        var previousEvent: [UInt8] = [], previousSession: [UInt8] = []
        var scratch: [UInt8] = []
        for _ in 0..<count {
            let flags = try reader.byte()
            let present = try reader.byte()
            let device = Int8(bitPattern: try reader.byte())
            let otherDevice = device == -2 ? try reader.optionalString() : nil
            let (position, location) = try readPlace(&reader, changed: flags & eventNewSource != 0, explicit: flags & eventExplicit != 0,
                                                     next: flags & eventNextLine != 0, sources: sources, source: &source, line: &line)
            let explicitKey = flags & eventKey != 0 ? try reader.fixed() : nil
            let user = try reader.int()
            guard let user32 = Int32(exactly: user) else { throw .corrupt(reader.name, "user \(user) out of range") }
            timestamp = timestamp &+ (try reader.int())
            let duration = try reader.int()
            guard let duration32 = Int32(exactly: duration), duration32 >= -1 else { throw .corrupt(reader.name, "duration \(duration) out of range") }
            scratch.removeAll(keepingCapacity: true)
            let eventID = present & hasEventID != 0 ? try frontDecode(&reader, after: &previousEvent, into: &scratch) : nil
            let session = present & hasSession != 0 ? try frontDecode(&reader, after: &previousSession, into: &scratch) : nil
            guard let key = explicitKey ?? session.map({ range in scratch.withUnsafeBufferPointer { idHash(UnsafeBufferPointer(rebasing: $0[range])) } }) else {
                throw .corrupt(reader.name, "a session event with neither a session_id nor a key, at byte \(reader.offset)")
            }
            let start = arena.count
            arena.append(UInt8(ascii: "{"))
            if let eventID { appendMember("event_id", scratch[eventID], to: &arena) }
            if let session {
                if eventID != nil { arena.append(UInt8(ascii: ",")) }
                appendMember("session_id", scratch[session], to: &arena)
            }
            arena.append(UInt8(ascii: "}"))
            decoded.append(DecodedSessionEvent(source: source, position: position, location: location, key: key, user: user32,
                                               timestamp: timestamp, step: flags & 0x0F, duration: duration32, timed: present & untimed == 0,
                                               device: device, otherDevice: otherDevice,
                                               record: start..<arena.count,
                                               eventID: eventID.flatMap { range in scratch.withUnsafeBufferPointer { ShortID(UnsafeBufferPointer(rebasing: $0[range])) } }))
        }
        return decoded
    }

    /// `"name":"value"` with the value escaped as JSON.
    private static func appendMember(_ name: String, _ value: ArraySlice<UInt8>, to arena: inout [UInt8]) {
        arena.append(UInt8(ascii: "\""))
        arena.append(contentsOf: name.utf8)
        arena.append(contentsOf: "\":\"".utf8)
        let hex = Array("0123456789abcdef".utf8)
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): arena.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0..<0x20: arena.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: arena.append(byte)
            }
        }
        arena.append(UInt8(ascii: "\""))
    }
}
