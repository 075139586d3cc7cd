import EcomGeneration
import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation

/// A consumer group member's share of an audit, written as the `audit` section of a partial file beside its
/// validator's section, and the audit a merge of every member's share makes: the one a single audit of all the
/// partitions would have made.
extension Audit {
    /// The tag of an audit's section in a partial file.
    public static let partialTag = "audit"
    /// The version of the audit section this build writes and reads.
    /// 4: a first copy off its key's partition says whether it had a key, and where its producer sent it.
    public static let partialVersion = 4

    /// This audit's section: what was asked (topics, start, timeouts, group, brokers, the manifest's text), and
    /// per topic what was read: counts, latencies, the first copy of each ID (with its text, to name a duplicate
    /// another member read), which expected records were seen, and per partition its watermarks, the offset
    /// ranges this member read, its counts and findings.
    ///
    /// Layout (varints unless said): section version; group; brokers; start (``AuditRequest/Start/partialText``); idle and metadata timeouts
    /// (8 bytes each); started and finished (8 bytes each, seconds since 1970); manifest path and text (or none);
    /// the note on naming records; topics (name, exists, partition counts, counters, latencies, first copies,
    /// expected seen marks, partitions).
    public func partialSection() -> PartialSection {
        var writer = PartialWriter()
        writer.count(Self.partialVersion)
        writer.string(request.group ?? "")
        writer.string(configuration.brokers)
        writer.string(request.start.partialText)
        writer.double(request.idleTimeout)
        writer.double(request.metadataTimeout)
        writer.double(started.timeIntervalSince1970)
        writer.double((finishedReading ?? Date()).timeIntervalSince1970)
        writer.bool(manifest != nil)
        if let manifest {
            writer.optional(manifest.path)
            writer.string(manifest.text)
        }
        writer.optional(expectedNote)
        writer.count(topics.count)
        for topic in topics { topic.write(to: &writer) }
        return PartialSection(tag: Self.partialTag, bytes: writer.bytes, name: "")
    }

    /// The audit a single reader of every partition would have made, from each group member's audit section (and
    /// `validator`, merged from their validator sections): counts and findings added, the first copy of each ID
    /// decided across members (a copy another member read first by partition and offset makes this one a
    /// duplicate), expected records seen by any member, latencies together.
    /// - Throws: ``PartialError`` naming the file of a section that is damaged, of another version or of another
    ///   audit (other topics), or when a partition's records were not all read by the members given (a range no
    ///   member read, or one read twice).
    public convenience init(merging sections: [PartialSection], validator: Validator, config: DataGenerationConfig, gates: Gates) throws(PartialError) {
        var shares: [Share] = []
        for section in sections {
            guard section.tag == Self.partialTag else { throw .noSection(section.name, "audit (it holds a \(section.tag) section)") }
            shares.append(try section.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> Share in
                var reader = PartialReader(buffer, name: section.name)
                return try Share(from: &reader)
            })
        }
        guard let first = shares.first else { throw .noSection("(no partials)", "audit") }
        for (index, share) in shares.enumerated().dropFirst() {
            if let twice = sections[..<index].firstIndex(where: { $0.name == sections[index].name }) {
                throw .mismatch(sections[index].name, "given twice (as partial \(twice + 1) and \(index + 1)): pass each member's partial once")
            }
            // Members of one audit share its group and start (their bootstrap brokers may differ: any brokers of the
            // cluster do); partials of two audits do not add up to one.
            guard share.group == first.group else {
                throw .mismatch(sections[index].name, "a member of group \(share.group.isEmpty ? "(none)" : share.group), not of \(first.group.isEmpty ? "(none)" : first.group) as \(sections[0].name)")
            }
            guard share.start == first.start else {
                throw .mismatch(sections[index].name, "read from \(share.start), not from \(first.start) as \(sections[0].name)")
            }
            let names = share.topics.map(\.name), expected = first.topics.map(\.name)
            guard names == expected else {
                throw .mismatch(sections[index].name, "an audit of \(names.joined(separator: ", ")), not of \(expected.joined(separator: ", ")) as \(sections[0].name)")
            }
            guard share.manifestText == first.manifestText else { throw .mismatch(sections[index].name, "audited against another manifest than \(sections[0].name)") }
        }
        var manifest: AuditManifest?
        if let text = first.manifestText {
            do {
                manifest = try AuditManifest.parse(text, path: first.manifestPath)
            } catch {
                throw .corrupt(sections[0].name, "its manifest does not read: \(error.description)")
            }
        }
        var request = AuditRequest(topics: first.topics.map(\.name), manifest: manifest, start: .named(first.start),
                                   idleTimeout: first.idleTimeout, metadataTimeout: first.metadataTimeout, gates: gates)
        request.group = first.group.isEmpty ? nil : first.group
        let configuration = KafkaConfiguration(brokers: first.brokers)
        let topics = first.topics.map { share in
            TopicState(name: share.name, type: RecordType.allCases.first { $0.topic == share.name }, keyField: share.keyField, idField: share.idField)
        }
        self.init(merged: topics, configuration: configuration, request: request, validator: validator,
                  started: Date(timeIntervalSince1970: shares.map(\.started).min() ?? 0),
                  finished: Date(timeIntervalSince1970: shares.map(\.finished).max() ?? 0))
        expectedNote = first.expectedNote
        if let manifest {
            let (records, note) = ExpectedRecords.regenerate(manifest: manifest, config: config, partitions: producedPartitionCounts(of: first))
            expect(records, note: note)
        }
        for (index, topic) in topics.enumerated() {
            try topic.merge(shares.map { $0.topics[index] }, names: sections.map(\.name))
        }
    }

    /// The partitions this audit read records of, as `topic/partition`.
    public var partitionsRead: (partitions: Int, names: [String]) {
        let names = topics.flatMap { topic in topic.partitions.filter { !$0.pieces.isEmpty || $0.records > 0 }.map { "\(topic.name)/\($0.number)" } }
        return (names.count, names)
    }

    /// What ``producedPartitionCounts`` gives, from a share's topics before they are merged.
    private func producedPartitionCounts(of share: Share) -> [String: Int] {
        var counts: [String: Int] = [:]
        for topic in share.topics where topic.exists {
            let entry = manifest?.topics[topic.name]
            let highest = entry?.partitions.keys.max().map { Int($0) + 1 } ?? 0
            counts[topic.name] = entry?.partitionCount ?? max(topic.partitionCount, highest)
        }
        return counts
    }
}

/// One member's audit section, read.
private struct Share {
    var group: String
    var brokers: String
    var start: String
    var idleTimeout: Double
    var metadataTimeout: Double
    var started: Double
    var finished: Double
    var manifestPath: String?
    var manifestText: String?
    var expectedNote: String?
    var topics: [TopicShare]

    init(from reader: inout PartialReader) throws(PartialError) {
        let version = try reader.count(minimumSize: 0)
        guard version == Audit.partialVersion else { throw .unsupportedVersion(reader.name, found: version, supported: Audit.partialVersion) }
        group = try reader.string()
        brokers = try reader.string()
        start = try reader.string()
        idleTimeout = try reader.double()
        metadataTimeout = try reader.double()
        started = try reader.double()
        finished = try reader.double()
        if try reader.bool() {
            manifestPath = try reader.optionalString()
            manifestText = try reader.string()
        }
        expectedNote = try reader.optionalString()
        topics = []
        for _ in 0..<(try reader.count()) { topics.append(try TopicShare(from: &reader)) }
    }
}

/// One topic of a member's audit section.
private struct TopicShare {
    var name: String
    var keyField: String?
    var idField: String?
    var exists: Bool
    var partitionCount: Int
    var keyPartitions: Int
    var withID: Int
    var withKeyAndTimestamp: Int
    var withoutTimestamp: Int
    var latencies: [Int64]
    /// The first copy of each ID this member read: its hash, where, its payload's hash, the partition its message key
    /// belongs on (its own when it is there, -2 another, nil without a key), for a first copy off it where its producer
    /// sent it (nil when not known), and its text.
    var firstSeen: [(hash: UInt64, partition: Int32, offset: Int64, payloadHash: UInt64, keyHome: Int32?, producerHome: Int32?, id: String)]
    var seen: [Bool]?
    var partitions: [Audit.PartitionState]

    init(from reader: inout PartialReader) throws(PartialError) {
        name = try reader.string()
        keyField = try reader.optionalString()
        idField = try reader.optionalString()
        exists = try reader.bool()
        partitionCount = try reader.integer()
        keyPartitions = try reader.integer()
        withID = try reader.integer()
        withKeyAndTimestamp = try reader.integer()
        withoutTimestamp = try reader.integer()
        latencies = []
        for _ in 0..<(try reader.count()) { latencies.append(try reader.int()) }
        firstSeen = []
        let ids = try reader.count(minimumSize: 20)
        firstSeen.reserveCapacity(ids)
        for _ in 0..<ids {
            let hash = try reader.fixed()
            let partition = try Self.partition(&reader)
            let offset = try reader.int(), payloadHash = try reader.fixed(), keyHome = try Self.partition(&reader)
            let producerHome = try Self.partition(&reader)
            firstSeen.append((hash, partition, offset, payloadHash, keyHome == -1 ? nil : keyHome, producerHome < 0 ? nil : producerHome,
                              try reader.string()))
        }
        if try reader.bool() {
            let count = try reader.count(minimumSize: 0)
            let packed = try reader.raw()
            try reader.expect(packed.count == (count + 7) / 8, "\(count) seen marks in \(packed.count) bytes")
            seen = (0..<count).map { packed[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
        }
        partitions = []
        for _ in 0..<(try reader.count()) { partitions.append(try Audit.PartitionState(from: &reader)) }
    }

    static func partition(_ reader: inout PartialReader) throws(PartialError) -> Int32 {
        let value = try reader.int()
        guard let narrow = Int32(exactly: value) else { throw .corrupt(reader.name, "partition \(value) out of range") }
        return narrow
    }
}

extension Audit.TopicState {
    func write(to writer: inout PartialWriter) {
        writer.string(name)
        writer.optional(keyField)
        writer.optional(idField)
        writer.bool(exists)
        writer.int(partitionCount)
        writer.int(keyPartitions)
        writer.int(withID)
        writer.int(withKeyAndTimestamp)
        writer.int(withoutTimestamp)
        writer.count(latencies.count)
        for latency in latencies { writer.int(latency) }
        writer.count(firstSeen.count)
        // In offset order per partition, so that the same reading writes the same bytes.
        for (hash, first) in firstSeen.entries.sorted(by: { ($0.copy.partition, $0.copy.offset) < ($1.copy.partition, $1.copy.offset) }) {
            writer.fixed(hash)
            writer.int(Int64(first.partition))
            writer.int(first.offset)
            writer.fixed(first.payloadHash)
            // The message key's partition: its own, another (-2) or none (-1); then where its producer sent it, or -1.
            let stray = strays[hash]
            writer.int(first.home ? Int64(first.partition) : stray?.keyed == false ? -1 : -2)
            writer.int(Int64(stray?.producerHome ?? -1))
            writer.raw(idText(hash))
        }
        writer.bool(expected != nil)
        if let expected {
            writer.count(expected.seen.count)
            var packed = [UInt8](repeating: 0, count: (expected.seen.count + 7) / 8)
            for (index, seen) in expected.seen.enumerated() where seen { packed[index / 8] |= 1 << UInt8(index % 8) }
            writer.raw(packed)
        }
        writer.count(partitions.count)
        for partition in partitions { partition.write(to: &writer) }
    }

    /// Adds the members' shares of this topic.
    /// - Throws: ``PartialError`` when the shares disagree on the topic, or a partition's records were not all read
    ///   exactly once by the members.
    fileprivate func merge(_ shares: [TopicShare], names: [String]) throws(PartialError) {
        guard let first = shares.first else { return }
        exists = first.exists
        partitionCount = first.partitionCount
        keyPartitions = first.keyPartitions
        for (index, share) in shares.enumerated() where share.partitions.count != first.partitions.count || share.partitionCount != first.partitionCount {
            throw .mismatch(names[index], "\(name) has \(share.partitionCount) partitions there, \(first.partitionCount) in \(names[0]) (was the topic changed between the members' starts?)")
        }
        partitions = first.partitions.map { Audit.PartitionState(number: $0.number) }
        for share in shares {
            withID += share.withID
            withKeyAndTimestamp += share.withKeyAndTimestamp
            withoutTimestamp += share.withoutTimestamp
            latencies += share.latencies
            if let seen = share.seen, let expected, seen.count == expected.seen.count {
                for index in seen.indices where seen[index] { expected.seen[index] = true }
            }
        }
        for (index, partition) in partitions.enumerated() {
            try partition.merge(shares.map { $0.partitions[index] }, topic: name, names: names)
        }
        // The first copy of each ID across members: the one on its key's partition, else first by partition and offset.
        keepsIDText = true
        for share in shares {
            for entry in share.firstSeen {
                guard let partition = partitions.first(where: { $0.number == entry.partition }) else { continue }
                identify(idHash: entry.hash, id: entry.id, payloadHash: entry.payloadHash, partition: partition, offset: entry.offset,
                         keyHome: entry.keyHome, producerHome: entry.producerHome)
            }
        }
    }
}

extension Audit.PartitionState {
    func write(to writer: inout PartialWriter) {
        writer.int(Int64(number))
        for value in [low, high, start, next] { writer.int(value) }
        writer.bool(end != nil)
        if let end { writer.int(end) }
        writer.int(records)
        writer.bool(stalled)
        writer.bool(notBefore != nil)
        if let notBefore { writer.int(notBefore) }
        for kind in FindingKind.allCases {
            writer.int(counts[kind.rawValue])
            writer.count(examples[kind.rawValue].count)
            for finding in examples[kind.rawValue] {
                writer.bool(finding.offset != nil)
                if let offset = finding.offset { writer.int(offset) }
                writer.optional(finding.id)
                writer.string(finding.message)
            }
        }
        writer.count(pieces.count)
        for piece in pieces {
            writer.int(piece.from)
            writer.int(piece.to)
        }
    }

    convenience init(from reader: inout PartialReader) throws(PartialError) {
        self.init(number: try TopicShare.partition(&reader))
        low = try reader.int()
        high = try reader.int()
        start = try reader.int()
        next = try reader.int()
        end = try reader.bool() ? try reader.int() : nil
        records = try reader.integer()
        stalled = try reader.bool()
        notBefore = try reader.bool() ? try reader.int() : nil
        for kind in FindingKind.allCases {
            counts[kind.rawValue] = try reader.integer()
            for _ in 0..<(try reader.count()) {
                let offset = try reader.bool() ? try reader.int() : nil
                examples[kind.rawValue].append(Finding(partition: number, offset: offset, id: try reader.optionalString(), message: try reader.string()))
            }
        }
        for _ in 0..<(try reader.count()) { pieces.append((try reader.int(), try reader.int())) }
    }

    /// Adds the members' shares of this partition: counts and findings (the first 20 by offset kept), the ranges
    /// read, which must follow one another from the audit's start with no gap and no overlap.
    fileprivate func merge(_ shares: [Audit.PartitionState], topic: String, names: [String]) throws(PartialError) {
        guard let first = shares.first else { return }
        low = shares.map(\.low).min() ?? first.low
        high = shares.map(\.high).max() ?? first.high
        start = first.start
        next = shares.map(\.next).max() ?? first.next
        notBefore = shares.allSatisfy { $0.notBefore != nil } ? first.notBefore : nil
        var read: [(from: Int64, to: Int64, member: Int)] = []
        for (member, share) in shares.enumerated() {
            records += share.records
            stalled = stalled || share.stalled
            for kind in FindingKind.allCases {
                counts[kind.rawValue] += share.counts[kind.rawValue]
                examples[kind.rawValue] += share.examples[kind.rawValue]
            }
            read += share.pieces.map { ($0.from, $0.to, member) }
        }
        for kind in FindingKind.allCases {
            // Stable: findings without an offset keep their order, after those with one.
            examples[kind.rawValue] = Array(examples[kind.rawValue].enumerated()
                .sorted { ($0.element.offset ?? .max, $0.offset) < ($1.element.offset ?? .max, $1.offset) }.map(\.element).prefix(20))
        }
        read.sort { ($0.from, $0.to) < ($1.from, $1.to) }
        // Every member computed the same start (one reading `--from` a time moves it to the first record at or after it).
        let origin = shares.map(\.start).min() ?? first.start
        start = read.first.map { shares[$0.member].start } ?? first.start
        var position = min(read.first?.from ?? origin, origin)
        for range in read {
            if range.from > position {
                throw .incomplete(names[range.member], "\(topic)/\(number): offsets \(position)-\(range.from - 1) were read by none of the \(names.count) members given; pass every member's partial (did a member stop before writing one?)")
            }
            if range.from < position {
                throw .incomplete(names[range.member], "\(topic)/\(number): offsets \(range.from)-\(min(position, range.to) - 1) were read by two members: the one that gave the partition up could not commit where it stopped (the embedded broker refuses commits while its group rebalances, so a member joining late makes one); start the members together and audit again")
            }
            position = range.to
        }
        // Read up to where the last member to have the partition was to stop (a member that never had it knows only
        // the end offset of its own start).
        let owners = Set(read.map(\.member))
        let ends = owners.isEmpty ? shares.map { $0.end ?? $0.high } : owners.map { shares[$0].end ?? shares[$0].high }
        let target = owners.isEmpty ? ends.min() ?? position : ends.max() ?? position
        if !shares.contains(where: { $0.end == nil }) && !stalled && target > position {
            throw .incomplete(names[0], "\(topic)/\(number): offsets \(position)-\(target - 1) were read by none of the \(names.count) members given; pass every member's partial (did a member stop before writing one?)")
        }
        next = max(position, origin)
        end = shares.contains { $0.end == nil } ? nil : max(target, position)
    }
}

extension AuditRequest.Start {
    /// How the report names it.
    var name: String {
        switch self {
        case .beginning: "beginning"
        case .manifest: "manifest"
        case .timestamp: "timestamp"
        case .offsets: "offsets"
        case .latest: "latest"
        }
    }

    /// How a partial writes it: the name, with the instant of a timestamp (`timestamp:1732650000000`).
    var partialText: String {
        if case let .timestamp(milliseconds) = self { return "timestamp:\(milliseconds)" }
        return name
    }

    /// The start a partial wrote (``partialText``); the offsets of `offsets` are in each partition's start.
    static func named(_ name: String) -> Self {
        if name.hasPrefix("timestamp:"), let milliseconds = Int64(name.dropFirst("timestamp:".count)) { return .timestamp(milliseconds) }
        return switch name {
        case "manifest": .manifest
        case "timestamp": .timestamp(0)
        case "offsets": .offsets([])
        case "latest": .latest
        default: .beginning
        }
    }
}
