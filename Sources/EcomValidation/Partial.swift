import EcomGeneration
import EcomModel
import Foundation

/// One input of a partial, as a merge orders the inputs of all partials.
public struct PartialSource: Sendable {
    /// The input's name: a file, or `topic/partition` for a topic partition.
    public let name: String
    /// The partial it is in (its position in the sections given to the merge).
    public let partial: Int
    /// Its position among that partial's inputs (the order they were added).
    public let index: Int
}

/// The settings a partial was made with, as written in its validator section: what partials must share to be
/// merged (configuration, seed, scenario, window, catalog; gates among themselves), and what rebuilds them.
struct PartialSettings {
    var configJSON: String
    var configDigest: String
    var seed: UInt64
    var seedKnown: Bool
    var scenario: String
    var window: (start: Int64, end: Int64)
    var catalog: String
    var catalogFromDirectory: Bool
    var gates: Gates
    var gatesFile: String?
    var now: Int64
    var timesMoved: String?

    init(_ settings: ValidationSettings, gatesFile: String?) {
        let generator = settings.generator
        configJSON = generator.config.json.encoded()
        configDigest = generator.config.digest
        seed = generator.seed
        seedKnown = settings.seedKnown
        scenario = generator.scenario.rawValue
        window = settings.window
        catalog = settings.catalog.source
        catalogFromDirectory = settings.catalog.source != ReferenceCatalog.rebuiltSource(seed: generator.seed)
        gates = settings.gates
        self.gatesFile = gatesFile
        now = settings.now
        timesMoved = settings.timesMoved
    }

    private init(reading reader: inout PartialReader) throws(PartialError) {
        configJSON = try reader.string()
        configDigest = try reader.string()
        seed = try reader.fixed()
        seedKnown = try reader.bool()
        scenario = try reader.string()
        window = (try reader.int(), try reader.int())
        catalog = try reader.string()
        catalogFromDirectory = try reader.bool()
        var gates = Gates()
        for _ in 0..<(try reader.count(minimumSize: 6)) {
            let name = try reader.string()
            let double = { (reader: inout PartialReader) throws(PartialError) -> Double in try reader.double() }
            let integer = { (reader: inout PartialReader) throws(PartialError) -> Int in try reader.integer() }
            let expected = try reader.optional(double), tolerance = try reader.optional(double), maxViolations = try reader.optional(integer)
            let gating = try reader.optional { (reader) throws(PartialError) in try reader.bool() }
            gates.set(name, Gate(expected: expected, tolerance: tolerance, maxViolations: maxViolations, gating: gating,
                                 minimumSample: try reader.optional(integer)))
        }
        self.gates = gates
        gatesFile = try reader.optionalString()
        now = try reader.int()
        timesMoved = try reader.optionalString()
    }

    static func read(from reader: inout PartialReader) throws(PartialError) -> PartialSettings { try PartialSettings(reading: &reader) }

    func write(to writer: inout PartialWriter) {
        writer.string(configJSON)
        writer.string(configDigest)
        writer.fixed(seed)
        writer.bool(seedKnown)
        writer.string(scenario)
        writer.int(window.start)
        writer.int(window.end)
        writer.string(catalog)
        writer.bool(catalogFromDirectory)
        writer.count(gates.entries.count)
        for (name, gate) in gates.entries.sorted(by: { $0.key < $1.key }) {
            writer.string(name)
            for value in [gate.expected, gate.tolerance] { writer.optional(value) { $0.double($1) } }
            writer.optional(gate.maxViolations) { $0.int($1) }
            writer.optional(gate.gating) { $0.bool($1) }
            writer.optional(gate.minimumSample) { $0.int($1) }
        }
        writer.optional(gatesFile)
        writer.int(now)
        writer.optional(timesMoved)
    }

    /// The gates, canonically (for comparing two partials' gates).
    var gatesText: String {
        gates.entries.sorted { $0.key < $1.key }.map { name, gate in
            "\(name): \(gate.expected.map { "\($0)" } ?? "-") \(gate.tolerance.map { "\($0)" } ?? "-") \(gate.maxViolations.map { "\($0)" } ?? "-") \(gate.gating.map { "\($0)" } ?? "-") \(gate.minimumSample.map { "\($0)" } ?? "-")"
        }.joined(separator: "; ")
    }

    /// What differs from `other` among what partials must share (gates only when asked), as "made with A; B has
    /// C" naming `other` by `label`, or nil when nothing does.
    func difference(from other: PartialSettings, label: String, gates compareGates: Bool) -> String? {
        var mine: [String] = [], theirs: [String] = []
        func note(_ differs: Bool, _ text: (PartialSettings) -> String) {
            if differs { mine.append(text(self)); theirs.append(text(other)) }
        }
        note(configDigest != other.configDigest) { "configuration \($0.configDigest.prefix(12))" }
        note(seed != other.seed || seedKnown != other.seedKnown) { $0.seedKnown ? "seed \($0.seed)" : "no --seed" }
        note(scenario != other.scenario) { "scenario \($0.scenario)" }
        note(window != other.window) { "window \(Timestamp(milliseconds: $0.window.start)) - \(Timestamp(milliseconds: $0.window.end))" }
        note(catalog != other.catalog) { "catalog \($0.catalog)" }
        note(timesMoved != other.timesMoved) { $0.timesMoved.map { "timestamps moved (\($0))" } ?? "timestamps as made" }
        note(compareGates && gatesText != other.gatesText) { "gates {\($0.gatesText)}" }
        guard !mine.isEmpty else { return nil }
        return "made with \(mine.joined(separator: ", ")); \(label) has \(theirs.joined(separator: ", "))"
    }

    /// The validation settings back, with the catalog rebuilt (or read again from its directory).
    func settings(name: String) throws(PartialError) -> ValidationSettings {
        let config: DataGenerationConfig
        do {
            config = try ConfigLoader.load(text: configJSON, file: name)
        } catch {
            throw .corrupt(name, "its configuration does not load: \(error.description)")
        }
        guard config.digest == configDigest else { throw .corrupt(name, "its configuration reads back as another one") }
        guard let scenario = Scenario(rawValue: scenario) else { throw .corrupt(name, "unknown scenario \(self.scenario)") }
        let generator = ECommerceDataGenerator(config: config, seed: seed, scenario: scenario, writes: false)
        var reference: ReferenceCatalog?
        if catalogFromDirectory {
            do {
                reference = try ReferenceCatalog(directory: catalog)
            } catch {
                throw .unreadable(name, "made with the catalog in \(catalog), which cannot be read again (\(error.description))")
            }
        }
        var settings = ValidationSettings(generator: generator, seedKnown: seedKnown, catalog: reference, window: window, gates: gates, now: now)
        settings.timesMoved = timesMoved
        return settings
    }
}

extension ReferenceCatalog {
    /// The ``source`` of a catalog rebuilt from `seed`.
    static func rebuiltSource(seed: UInt64) -> String { "rebuilt from seed \(seed) and the configuration" }
}

/// A validator section read back: its validator (a shard), its facts and session events, and how its inputs'
/// locations look.
private struct DecodedPartial {
    let validator: Validator
    let templates: [LocationTemplate?]
    let facts: [DecodedFact]
    /// The locations of the facts written in full (``DecodedFact/locationIndex``).
    let locations: [RecordLocation]
    let events: [DecodedSessionEvent]
    /// Where this partial's IDs and records start in the merge's arenas (its facts' and events' ranges are its own).
    var idBase = 0, recordBase = 0

    /// The range of a fact's ID in the merge's ID arena.
    @inline(__always)
    func id(_ fact: DecodedFact) -> Range<Int>? { fact.id.map { ($0.lowerBound + idBase)..<($0.upperBound + idBase) } }

    /// A fact's location when the partial wrote it in full.
    @inline(__always)
    func location(_ fact: DecodedFact) -> RecordLocation? { fact.locationIndex >= 0 ? locations[Int(fact.locationIndex)] : nil }

    /// The range of a session event's record in the merge's record arena.
    @inline(__always)
    func record(_ event: DecodedSessionEvent) -> Range<Int> { (event.record.lowerBound + recordBase)..<(event.record.upperBound + recordBase) }
}

extension Validator {
    /// The tag of a validator's section in a partial file.
    public static let partialTag = "validator"
    /// The version of the validator section this build writes and reads (2: IDs hashed 8 bytes a step; the facts of
    /// version 1 hold other hashes, so they cannot be merged with this build's; 4: the settings say whether the
    /// timestamps were moved; 5: session events carry their duration_seconds; 6: transactions' and purchase events'
    /// links of transaction and session; 7: a fact says whether its record was read off its key's partition; 8: flagged
    /// transactions and alerts carry their city; 9: purchase events carry their session's key, and the IDs of
    /// transactions that could not be parsed are kept; 10: flagged transactions judged for alerts; 11: transactions keep the
    /// hash of their ID with their time, purchase events their time, frauds their location, and the section the files a
    /// manifest lists).
    public static let partialVersion = 11

    /// A validator whose state can be written as a partial (``partialSection(gatesFile:)``) and merged with
    /// others (``merging(_:settings:sourceOrder:)``): it checks each record as it comes, and keeps what needs the
    /// records before it (unique IDs, file order, sessions) as facts that own the few bytes they need (the ID,
    /// the event_id and session_id), so the input can be freed right after ``validate(_:readable:at:source:unterminated:)``.
    /// Its own ``finish(command:)`` would not judge those facts: merge it (alone or with others) first.
    public convenience init(partialOf settings: ValidationSettings) {
        self.init(shardOf: settings)
        owned = OwnedFacts()
        // A partial may be merged with another holding the purchase events of its transactions.
        keepsPurchaseLinks = true
    }

    /// Whether this validator keeps its facts for a merge (made with ``init(partialOf:)``).
    public var isPartial: Bool { owned != nil }

    /// The validator's section of a partial file: its settings, inputs, tallies with their examples, every
    /// checker's counters, histograms, samples and lists, and its facts and session events, in read order.
    /// `gatesFile` is the name the report gives the gates (`run.gates`).
    ///
    /// Layout (varints unless said): section version; settings (configuration JSON and digest, seed (8 bytes),
    /// seed known, scenario, window, catalog and whether it was a directory, gates, gates file, now); inputs (name,
    /// type, records, bytes, unparseable, blank and CRLF lines, BOM, size, location kind); the parse and
    /// record-type tallies; the hashes of the IDs of unparseable transactions (count, 8 bytes each); per record type
    /// seen, its ordinal, its tallies and its checker's state (see PartialState.swift); the facts (count, length, bytes) and session events (count, length, bytes) as
    /// ``OwnedFacts`` encodes them.
    /// - Throws: ``PartialError/notPartial`` for a validator not made with ``init(partialOf:)``.
    public func partialSection(gatesFile: String? = nil) throws(PartialError) -> PartialSection {
        guard let owned else { throw .notPartial }
        var writer = PartialWriter(capacity: owned.facts.bytes.count + owned.events.bytes.count + 4096)
        writer.count(Self.partialVersion)
        PartialSettings(settings, gatesFile: gatesFile).write(to: &writer)
        writer.count(sources.count)
        for (index, source) in sources.enumerated() {
            writer.string(source.name)
            writer.byte(source.type.map { UInt8($0.ordinal + 1) } ?? 0)
            for count in [source.records, source.bytes, source.unparseable, source.blankLines, source.crlfLines] { writer.count(count) }
            writer.bool(source.bom)
            writer.bool(source.expectedBytes != nil)
            if let size = source.expectedBytes { writer.count(size) }
            switch index < owned.templates.count ? owned.templates[index] : nil {
            case nil: writer.byte(0)
            case let .file(name)?:
                writer.byte(1)
                writer.string(name)
            case let .topic(name, partition)?:
                writer.byte(2)
                writer.string(name)
                writer.int(Int64(partition))
            }
        }
        parse.write(to: &writer)
        recognised.write(to: &writer)
        writer.count(manifestFiles.count)
        for entry in manifestFiles {
            writer.string(entry.manifest)
            writer.string(entry.file)
            writer.count(entry.records)
        }
        let unreadable = unreadableTransactions.values.sorted()
        writer.count(unreadable.count)
        for hash in unreadable { writer.fixed(hash) }
        let states = byType.compactMap { $0 }
        writer.count(states.count)
        for state in states {
            writer.byte(UInt8(state.checker.type.ordinal))
            state.write(to: &writer)
        }
        writer.count(owned.factCount)
        writer.raw(owned.facts.bytes)
        writer.count(owned.eventCount)
        writer.raw(owned.events.bytes)
        return PartialSection(tag: Self.partialTag, bytes: writer.bytes, name: "")
    }

    /// The settings a validator section was made with (the catalog rebuilt, or read again from its directory),
    /// and the name it gave its gates file: what a merge that is given nothing else validates with.
    /// - Throws: ``PartialError`` naming the section's file when it is not a validator section, is of another
    ///   version or is damaged, or when its catalog directory cannot be read.
    public static func partialSettings(of section: PartialSection) throws(PartialError) -> (settings: ValidationSettings, gatesFile: String?) {
        let recorded = try readSettings(section)
        return (try recorded.settings(name: section.name), recorded.gatesFile)
    }

    /// The names of the inputs a validator section holds (files, or `topic/partition`), in its order.
    /// - Throws: ``PartialError`` naming the section's file when it is not a validator section or is damaged.
    public static func partialInputs(of section: PartialSection) throws(PartialError) -> [String] {
        _ = try readSettings(section)
        return try section.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> [String] in
            var reader = PartialReader(buffer, name: section.name)
            try readVersion(&reader)
            _ = try PartialSettings.read(from: &reader)
            return try readSources(&reader).map(\.source.name)
        }
    }

    private static func readSettings(_ section: PartialSection) throws(PartialError) -> PartialSettings {
        guard section.tag == partialTag else { throw .noSection(section.name, "validator (it holds a \(section.tag) section)") }
        return try section.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> PartialSettings in
            var reader = PartialReader(buffer, name: section.name)
            try readVersion(&reader)
            return try PartialSettings.read(from: &reader)
        }
    }

    private static func readVersion(_ reader: inout PartialReader) throws(PartialError) {
        let version = try reader.count(minimumSize: 0)
        guard version == partialVersion else { throw .unsupportedVersion(reader.name, found: version, supported: partialVersion) }
    }

    /// This partial validator's records judged as one validator would judge them read in position order: each input
    /// by line or offset, inputs in the order they were added. A reader of several topic partitions at once (the
    /// audit) gets the same report whatever order the partitions' records arrived in.
    /// - Throws: ``PartialError/notPartial`` for a validator not made with ``init(partialOf:)``.
    public func judgedInPositionOrder() throws(PartialError) -> Validator {
        try Self.judgedInPositionOrder([self])
    }

    /// Partial validators made with the same settings that read disjoint records (the audit's validating threads,
    /// each given runs of the records read, all with the same inputs added in the same order) judged as one
    /// validator would judge all their records read in position order: the report is the one a single partial gives.
    /// - Throws: ``PartialError/notPartial`` for a validator not made with ``init(partialOf:)``.
    ///
    /// The partials are read where they are, not written as sections and read back: their checkers' state is
    /// merged as it stands (a section's state reads back the same), and only their encoded facts and session events
    /// are decoded. The partials are left as they were.
    public static func judgedInPositionOrder(_ partials: [Validator]) throws(PartialError) -> Validator {
        guard let first = partials.first else { throw .notPartial }
        // Each partial's facts and events are decoded on a thread of their own (most of that time is the first touch of
        // the memory they are decoded into), each into arenas of its own, put end to end after.
        let shares = DecodedShares(partials)
        DispatchQueue.concurrentPerform(iterations: partials.count) { index in shares.store(index, decodedShare(of: shares.partials[index])) }
        var parts: [DecodedPartial] = []
        var idArena: [UInt8] = [], recordArena: [UInt8] = []
        // The facts are left as decoded (their ID ranges rebased where they are read): rewriting them here would copy
        // every share's facts, which the stored results still hold.
        var decoded: [DecodedShare] = []
        for result in shares.results {
            guard let result else { throw .notPartial }
            decoded.append(try result.get())
        }
        idArena.reserveCapacity(decoded.reduce(0) { $0 + $1.ids.count })
        recordArena.reserveCapacity(decoded.reduce(0) { $0 + $1.records.count })
        for (partial, share) in zip(partials, decoded) {
            parts.append(DecodedPartial(validator: partial, templates: share.templates, facts: share.facts.facts, locations: share.facts.locations,
                                        events: share.events,
                                        idBase: idArena.count, recordBase: recordArena.count))
            idArena += share.ids
            recordArena += share.records
        }
        let whole = try merging(parts, settings: first.settings, idArena: idArena, recordArena: recordArena, sourceOrder: nil)
        whole.started = partials.map(\.started).min() ?? whole.started
        return whole
    }

    /// One partial's facts and events decoded where they are, with arenas of their own for their IDs and records.
    private struct DecodedShare {
        var templates: [LocationTemplate?]
        var facts: DecodedFacts
        var events: [DecodedSessionEvent]
        var ids: [UInt8] = []
        var records: [UInt8] = []
    }

    /// The decoded shares of a run of partials, each stored by the thread that decoded it (each partial is read by that
    /// thread only, and not changed).
    private final class DecodedShares: @unchecked Sendable {
        let partials: [Validator]
        private let lock = NSLock()
        private(set) var results: [Result<DecodedShare, PartialError>?]
        init(_ partials: [Validator]) {
            self.partials = partials
            results = Array(repeating: nil, count: partials.count)
        }
        func store(_ index: Int, _ result: Result<DecodedShare, PartialError>) {
            lock.lock()
            results[index] = result
            lock.unlock()
        }
    }

    private static func decodedShare(of partial: Validator) -> Result<DecodedShare, PartialError> {
        guard let owned = partial.owned else { return .failure(.notPartial) }
        let sources = partial.sources.count
        var share = DecodedShare(templates: (0..<sources).map { $0 < owned.templates.count ? owned.templates[$0] : nil }, facts: DecodedFacts(), events: [])
        do throws(PartialError) {
            share.facts = try owned.facts.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> DecodedFacts in
                var reader = PartialReader(buffer, name: "")
                return try OwnedFacts.decodeFacts(&reader, count: owned.factCount, sources: sources, arena: &share.ids)
            }
            share.events = try owned.events.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> [DecodedSessionEvent] in
                var reader = PartialReader(buffer, name: "")
                return try OwnedFacts.decodeEvents(&reader, count: owned.eventCount, sources: sources, arena: &share.records)
            }
        } catch {
            return .failure(error)
        }
        return .success(share)
    }

    /// One validator that holds what the partials in `sections` hold, as if one validator had read all their
    /// inputs: its ``finish(command:)`` report is the one a single validator over the same inputs gives.
    ///
    /// The inputs are read, in the merge, in the order `sourceOrder` ranks them (default: by partial, in the order
    /// given, then in each partial's own order; the audit orders `topic/partition` inputs by topic, then
    /// partition). An input of the same name in several partials (a partition handed from one consumer to
    /// another) is one input, its records in position (line or offset) order. Facts (unique IDs across all
    /// partials, file order) and session events (sessions across inputs) are judged in that read order; counts,
    /// tallies, histograms, samples and lists are added with the examples kept in that order.
    ///
    /// Every section must have been made with `settings`' configuration, seed, scenario, window and catalog, and
    /// all of them with the same gates; `settings.gates` decide the checks (gates only decide at the end, so a
    /// merge may be given others).
    /// - Throws: ``PartialError`` naming the file of a section that is damaged, of another version or made with
    ///   other settings.
    public static func merging(_ sections: [PartialSection], settings: ValidationSettings,
                               sourceOrder: ((PartialSource, PartialSource) -> Bool)? = nil) throws(PartialError) -> Validator {
        let expected = PartialSettings(settings, gatesFile: nil)
        var first: (name: String, settings: PartialSettings)?
        var parts: [DecodedPartial] = []
        var idArena: [UInt8] = [], recordArena: [UInt8] = []
        for section in sections {
            let recorded = try readSettings(section)
            // The first against the merge's settings, the others against the first (which agrees with them), so
            // that a difference is named by a file where there is one.
            if let first {
                if let difference = recorded.difference(from: first.settings, label: first.name, gates: true) { throw .mismatch(section.name, difference) }
            } else {
                if let difference = recorded.difference(from: expected, label: "the merge's settings", gates: false) { throw .mismatch(section.name, difference) }
                first = (section.name, recorded)
            }
            parts.append(try decode(section, settings: settings, idArena: &idArena, recordArena: &recordArena))
        }
        return try merging(parts, settings: settings, idArena: idArena, recordArena: recordArena, sourceOrder: sourceOrder)
    }

    /// The merge of partials read back (or read where they are): see ``merging(_:settings:sourceOrder:)``. The facts'
    /// IDs are in `idArena`, the session events' records in `recordArena`.
    private static func merging(_ parts: [DecodedPartial], settings: ValidationSettings, idArena: [UInt8], recordArena: [UInt8],
                                sourceOrder: ((PartialSource, PartialSource) -> Bool)?) throws(PartialError) -> Validator {
        // The inputs in read order: one input per name.
        var all: [PartialSource] = []
        for (partial, part) in parts.enumerated() {
            for (index, source) in part.validator.sources.enumerated() { all.append(PartialSource(name: source.name, partial: partial, index: index)) }
        }
        all.sort { a, b in
            if let sourceOrder {
                if sourceOrder(a, b) { return true }
                if sourceOrder(b, a) { return false }
            }
            return (a.partial, a.index) < (b.partial, b.index)
        }
        let whole = Validator(settings: settings)
        // The files the partials' manifests list, each once (partials of one directory list the same).
        var listed = Set<String>()
        for part in parts {
            for entry in part.validator.manifestFiles where listed.insert(entry.manifest + "\u{0}" + entry.file).inserted { whole.manifestFiles.append(entry) }
        }
        var byName: [String: Int] = [:]
        var sourceMaps = parts.map { Array(repeating: 0, count: $0.validator.sources.count) }
        for input in all {
            let source = parts[input.partial].validator.sources[input.index]
            let index = byName[input.name] ?? whole.addSource(input.name, type: source.type, bytes: source.expectedBytes)
            byName[input.name] = index
            if source.keyed || parts[input.partial].templates[input.index].map({ if case .topic = $0 { true } else { false } }) == true {
                whole.sources[index].keyed = true
            }
            sourceMaps[input.partial][input.index] = index
        }
        // Facts, then session events, in read order: by input, position, then partial and their order in it. A topic's
        // records read off their keys' partitions come after all others (only IDs are judged in a topic's facts, not
        // order): of two copies of an ID, the one on its key's partition is the record, as `audit.duplicate` has it.
        let factOrder = factsInReadOrder(parts, sourceMaps: sourceMaps)
        // The ID sets are sized once for every fact with an ID (a topic's size is not known ahead: they grew step by
        // step, each step a rehash), and, being far larger than the cache, each fact's slot is fetched a few facts
        // ahead. A fact's location is made only when a finding needs it (a million facts would each build one, with
        // its input's name retained and released, for nothing); the partial is read in place, not copied per fact.
        var withID = Array(repeating: 0, count: RecordType.allCases.count)
        for part in parts { for fact in part.facts where fact.hasID { withID[fact.type.ordinal] += 1 } }
        for type in RecordType.allCases where withID[type.ordinal] > 0 { whole.state(type).checker.ids.reserve(withID[type.ordinal]) }
        // User events whose ID was read before: their session events are left out of the session checks.
        var duplicateEvents: Set<SourcePosition> = []
        try idArena.withUnsafeBufferPointer { (ids) throws(PartialError) in
            for (order, entry) in factOrder.enumerated() {
                if order + 8 < factOrder.count {
                    let next = factOrder[order + 8]
                    let ahead = parts[next.partial].facts[next.index]
                    if ahead.hasID { whole.prefetchID(ahead.type, ahead.hash) }
                }
                // (The partial is read in place: a copy of it would retain and release its arrays for every fact.)
                let decoded = parts[entry.partial].facts[entry.index]
                var fact = RecordFact(type: decoded.type, record: UnsafeBufferPointer(start: nil, count: 0), timestamp: decoded.timestamp,
                                      bytes: decoded.bytes, line: decoded.position)
                if let range = parts[entry.partial].id(decoded) {
                    fact.hasID = true
                    fact.hash = decoded.hash
                    fact.id = UnsafeBufferPointer(rebasing: ids[range])
                }
                let explicit = parts[entry.partial].location(decoded)
                let template = explicit == nil ? try locationTemplate(decoded.source, parts[entry.partial]) : nil
                if whole.apply(fact, source: entry.source, at: explicit ?? template!.location(decoded.position)), decoded.type == .userEvents {
                    duplicateEvents.insert(SourcePosition(source: entry.source, position: decoded.position))
                }
            }
        }
        var eventOrder: [(source: Int, position: Int, partial: Int, index: Int)] = []
        for (partial, part) in parts.enumerated() {
            for (index, event) in part.events.enumerated() { eventOrder.append((sourceMaps[partial][event.source], event.position, partial, index)) }
        }
        if !eventOrder.isEmpty, let sessions = whole.state(.userEvents).checker as? UserEventChecker {
            eventOrder.sort { ($0.source, $0.position, $0.partial, $0.index) < ($1.source, $1.position, $1.partial, $1.index) }
            try recordArena.withUnsafeBufferPointer { (records) throws(PartialError) in
                for entry in eventOrder where !duplicateEvents.contains(SourcePosition(source: entry.source, position: entry.position)) {
                    let part = parts[entry.partial], decoded = part.events[entry.index]
                    let event = UserEventChecker.SessionEvent(key: decoded.key, user: decoded.user, timestamp: decoded.timestamp, step: decoded.step,
                                                              duration: decoded.duration, timed: decoded.timed,
                                                              record: UnsafeBufferPointer(rebasing: records[part.record(decoded)]), device: decoded.device,
                                                              otherDevice: decoded.otherDevice, location: nil, id: decoded.eventID)
                    let place = try location(decoded.location, decoded.source, decoded.position, part)
                    sessions.apply(event, at: place)
                }
            }
        }
        for (partial, part) in parts.enumerated() {
            whole.absorb(part.validator, sourceMap: sourceMaps[partial])
            for (index, source) in part.validator.sources.enumerated() where source.bom { whole.noteBOM(source: sourceMaps[partial][index]) }
        }
        return whole
    }

    /// The partials' facts in the order they are judged: a topic's records read off their keys' partitions last, then
    /// by input, position, partial and their order in it.
    private static func factsInReadOrder(_ parts: [DecodedPartial], sourceMaps: [[Int]]) -> [(source: Int, partial: Int, index: Int)] {
        let count = parts.reduce(0) { $0 + $1.facts.count }
        let inputs = sourceMaps.reduce(0) { max($0, $1.max().map { $0 + 1 } ?? 0) }
        let fits = inputs <= 1 << 16 && parts.count <= 1 << 20 && parts.allSatisfy { part in
            part.facts.count < 1 << 40 && part.facts.allSatisfy { $0.position >= 0 && $0.position < 1 << 47 }
        }
        guard fits else {
            var order: [(stray: Bool, source: Int, position: Int, partial: Int, index: Int)] = []
            order.reserveCapacity(count)
            for (partial, part) in parts.enumerated() {
                for (index, fact) in part.facts.enumerated() { order.append((fact.stray, sourceMaps[partial][fact.source], fact.position, partial, index)) }
            }
            order.sort { a, b in
                if a.stray != b.stray { return !a.stray }
                return (a.source, a.position, a.partial, a.index) < (b.source, b.position, b.partial, b.index)
            }
            return order.map { ($0.source, $0.partial, $0.index) }
        }
        // The same order as two words a fact (stray, input, position; then partial, index): sorting a million facts so
        // takes a third of the time of comparing their fields one by one.
        var keys: [(UInt64, UInt64)] = []
        keys.reserveCapacity(count)
        for (partial, part) in parts.enumerated() {
            for (index, fact) in part.facts.enumerated() {
                keys.append(((fact.stray ? 1 << 63 : 0) | UInt64(sourceMaps[partial][fact.source]) << 47 | UInt64(fact.position),
                             UInt64(partial) << 40 | UInt64(index)))
            }
        }
        keys.sort { $0 < $1 }
        return keys.map { key in (Int((key.0 >> 47) & 0xFFFF), Int(key.1 >> 40), Int(key.1 & (1 << 40 - 1))) }
    }

    /// The inputs of a section (after its settings), with how their records are located.
    private static func readSources(_ reader: inout PartialReader) throws(PartialError) -> [(source: Source, template: LocationTemplate?)] {
        var inputs: [(source: Source, template: LocationTemplate?)] = []
        for _ in 0..<(try reader.count(minimumSize: 12)) {
            let name = try reader.string()
            let type = try reader.byte()
            try reader.expect(Int(type) <= RecordType.allCases.count, "record type \(type) of input \(name)")
            var source = Source(name: name, type: type == 0 ? nil : RecordType.allCases[Int(type) - 1])
            source.records = try reader.count(minimumSize: 0)
            source.bytes = try reader.count(minimumSize: 0)
            source.unparseable = try reader.count(minimumSize: 0)
            source.blankLines = try reader.count(minimumSize: 0)
            source.crlfLines = try reader.count(minimumSize: 0)
            source.bom = try reader.bool()
            if try reader.bool() { source.expectedBytes = try reader.count(minimumSize: 0) }
            var template: LocationTemplate?
            switch try reader.byte() {
            case 0: break
            case 1: template = .file(try reader.string())
            case 2:
                let topic = try reader.string()
                let partition = try reader.int()
                guard let narrow = Int32(exactly: partition) else { throw .corrupt(reader.name, "partition \(partition) of input \(name)") }
                template = .topic(topic, partition: narrow)
            case let other: throw .corrupt(reader.name, "location kind \(other) of input \(name)")
            }
            if case .topic = template { source.keyed = true }
            inputs.append((source, template))
        }
        return inputs
    }

    /// A decoded fact's or event's location: the one written in full, or its input's at its position.
    private static func location(_ explicit: RecordLocation?, _ source: Int, _ position: Int, _ part: DecodedPartial) throws(PartialError) -> RecordLocation {
        if let explicit { return explicit }
        return try locationTemplate(source, part).location(position)
    }

    /// How the records of input `source` of `part` are located.
    private static func locationTemplate(_ source: Int, _ part: borrowing DecodedPartial) throws(PartialError) -> LocationTemplate {
        guard source < part.templates.count, let template = part.templates[source] else {
            throw .corrupt(part.validator.sources.indices.contains(source) ? part.validator.sources[source].name : "?", "a record of an input with no location kind")
        }
        return template
    }

    /// Reads a validator section back into a shard with its facts and session events (their bytes in the arenas).
    private static func decode(_ section: PartialSection, settings: ValidationSettings, idArena: inout [UInt8],
                               recordArena: inout [UInt8]) throws(PartialError) -> DecodedPartial {
        try section.bytes.withUnsafeBufferPointer { (buffer) throws(PartialError) -> DecodedPartial in
            var reader = PartialReader(buffer, name: section.name)
            try readVersion(&reader)
            _ = try PartialSettings.read(from: &reader)
            let validator = Validator(shardOf: settings)
            let inputs = try readSources(&reader)
            validator.sources = inputs.map(\.source)
            let templates = inputs.map(\.template)
            try validator.parse.read(from: &reader)
            try validator.recognised.read(from: &reader)
            for _ in 0..<(try reader.count(minimumSize: 3)) {
                let manifest = try reader.string(), file = try reader.string()
                validator.manifestFiles.append((manifest, file, try reader.count(minimumSize: 0)))
            }
            for _ in 0..<(try reader.count(minimumSize: 8)) { _ = validator.unreadableTransactions.insert(try reader.fixed()) }
            var seen = Set<Int>()
            for _ in 0..<(try reader.count(minimumSize: 2)) {
                let ordinal = Int(try reader.byte())
                try reader.expect(ordinal < RecordType.allCases.count && seen.insert(ordinal).inserted, "record type \(ordinal) twice or unknown")
                try validator.state(RecordType.allCases[ordinal]).read(from: &reader)
            }
            let sources = validator.sources.count
            let factCount = try reader.count(minimumSize: 0)
            let factBytes = try reader.raw()
            var factReader = PartialReader(factBytes, name: section.name)
            let facts = try OwnedFacts.decodeFacts(&factReader, count: factCount, sources: sources, arena: &idArena)
            try factReader.expect(factReader.atEnd, "bytes after the last fact")
            let eventCount = try reader.count(minimumSize: 0)
            let eventBytes = try reader.raw()
            var eventReader = PartialReader(eventBytes, name: section.name)
            let events = try OwnedFacts.decodeEvents(&eventReader, count: eventCount, sources: sources, arena: &recordArena)
            try eventReader.expect(eventReader.atEnd, "bytes after the last session event")
            try reader.expect(reader.atEnd, "bytes after the validator section's data")
            return DecodedPartial(validator: validator, templates: templates, facts: facts.facts, locations: facts.locations, events: events)
        }
    }
}

/// A record's place in a merge: its input and its line (or offset).
private struct SourcePosition: Hashable {
    let source: Int
    let position: Int
}
