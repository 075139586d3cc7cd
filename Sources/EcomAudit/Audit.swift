import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation

/// What to audit and against what.
public struct AuditRequest {
    /// Where each partition is read from.
    public enum Start: Sendable {
        /// The partition's first retained offset.
        case beginning
        /// The manifest's first offset for the partition (its start when the manifest has none for it).
        case manifest
        /// The first record whose CreateTime is at or after this instant (milliseconds since the epoch).
        case timestamp(Int64)
        /// Given offsets: for a topic (or every topic, when nil) and partition; other partitions from their start.
        case offsets([(topic: String?, partition: Int32, offset: Int64)])
        /// The partition's end when the audit begins: only records written after it (a round trip's own).
        case latest
    }

    /// Topics to read.
    public var topics: [String]
    /// The producing run's manifest, for counts, digests and (from a seeded stream) the records themselves.
    public var manifest: AuditManifest?
    public var start: Start
    /// Seconds without a record before a partition short of its end is given up on (a finding, not a hang).
    public var idleTimeout: Double
    /// Seconds the brokers have to answer the metadata request (exit 3 after).
    public var metadataTimeout: Double
    /// Violations allowed and whether a check gates, by check id (`audit.duplicate: {max_violations: 10}` for an
    /// at-least-once pipeline), as for the validator's checks.
    public var gates: Gates
    /// The consumer group this audit is a member of, sharing the partitions with the group's other members (each
    /// writes a partial; `merge` combines them); nil to read every partition with explicit assignment.
    public var group: String?
    /// In a group, how many members share the partitions: a member reads nothing until the group gives it a share
    /// that many members make (so that no member joining later makes the group hand partitions over mid-read).
    public var members = 1

    /// A request; `start` defaults to the manifest's first offsets when there is a manifest, else the beginning.
    public init(topics: [String], manifest: AuditManifest? = nil, start: Start? = nil, idleTimeout: Double = 30, metadataTimeout: Double = 10,
                gates: Gates = Gates()) {
        self.gates = gates
        self.topics = topics
        self.manifest = manifest
        self.start = start ?? (manifest == nil ? .beginning : .manifest)
        self.idleTimeout = idleTimeout
        self.metadataTimeout = metadataTimeout
    }
}

/// Tells a following audit to stop following: it reads on to the end offsets of that moment, then ends.
public final class FollowControl: @unchecked Sendable {
    // `requested` is only touched under `lock`.
    private let lock = NSLock()
    private var requested = false

    /// Following until ``finish()``.
    public init() {}

    /// Read to the partitions' current ends, then stop.
    public func finish() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    var isFinishing: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}

/// Kinds of defect the audit finds on a partition.
enum FindingKind: Int, CaseIterable {
    case missing, duplicate, altered, unexpected, misplaced, keyMismatch, unparseable, order
}

/// One defect, where it is.
struct Finding {
    var partition: Int32
    /// Nil for a record that is missing.
    var offset: Int64?
    var id: String?
    var message: String
}

/// Reads topics with explicit assignment from their start to the end offsets seen when it began (or follows),
/// and proves per topic and partition what arrived: counts against the manifest, nothing missing, duplicated or
/// altered (named when the manifest comes from a seeded run), order kept per key, keys on the partition Kafka's
/// default partitioner gives them and equal to the payload's key field, payloads that parse; every record also
/// goes through the validator with its topic, partition and offset as its location.
// Read and finished from one thread at a time (the roundtrip hands it to a reader thread, then joins it).
public final class Audit: @unchecked Sendable {
    /// One partition being read. While ``Audit/read(follow:interval:progress:)`` runs, where the partition is read
    /// (`low` to `committed`, `notBefore`, `records`) belongs to the reading thread and the rebalance handler on
    /// it; what the records showed (`distinct` and the digests, `counts`, `examples`, `lastByKey`) to the checker
    /// thread; `number` and `source` are set before. Both parts are read after reading ends.
    final class PartitionState {
        let number: Int32
        var low: Int64 = 0
        var high: Int64 = 0
        var start: Int64 = 0
        /// Nil while following.
        var end: Int64?
        var next: Int64 = 0
        var records = 0
        /// Records with an ID seen for the first time: the digests sum over these.
        var distinct = 0
        var idDigest: UInt64 = 0
        var payloadDigest: UInt64 = 0
        var source = 0
        var stalled = false
        /// In a group, whether the partition is this member's now.
        var owned = false
        /// In a group, the offset ranges this member read ([from, to)), and where the one being read began.
        var pieces: [(from: Int64, to: Int64)] = []
        var pieceStart: Int64?
        /// In a group, the offset this member last committed for the partition.
        var committed: Int64?
        /// Records with an earlier CreateTime are skipped until the first one at or after it (`--from` a time,
        /// on a broker that cannot look offsets up by time).
        var notBefore: Int64?
        var counts = Array(repeating: 0, count: FindingKind.allCases.count)
        var examples: [[Finding]] = Array(repeating: [], count: FindingKind.allCases.count)
        /// Per key hash: the latest payload timestamp in order (as YYYYMMDDhhmmssSSS) and its offset, held until the
        /// key's next record judges it, and the timestamp of the one in order before it.
        var lastByKey: [UInt64: (stamp: Int64, offset: Int64, before: Int64?, id: ShortID?)] = [:]

        init(number: Int32) { self.number = number }

        /// Where reading started, as reported: `start`, or past the records skipped when no record reached `--from`'s time
        /// (the partition read to its end without one at or after it).
        var readFrom: Int64 { notBefore != nil ? max(start, next) : start }

        var done: Bool { end.map { next >= $0 } ?? false }

        /// Counts a finding and keeps it when it is among the first 20 by offset (a duplicate may be found after
        /// later offsets were, when the copy read first turns out to be the second by partition and offset).
        func add(_ kind: FindingKind, _ finding: @autoclosure () -> Finding) {
            counts[kind.rawValue] += 1
            let kept = examples[kind.rawValue]
            guard kept.count < 20 || (kept.last?.offset ?? .min) > (finding().offset ?? .max) else { return }
            let new = finding()
            if let offset = new.offset, let index = kept.firstIndex(where: { $0.offset.map { $0 > offset } ?? false }) {
                examples[kind.rawValue].insert(new, at: index)
            } else {
                examples[kind.rawValue].append(new)
            }
            if examples[kind.rawValue].count > 20 { examples[kind.rawValue].removeLast() }
        }

        /// Takes a first-seen ID's digests from (`sign` -1) or gives them to (+1) this partition.
        func count(id idHash: UInt64, payload payloadHash: UInt64, _ sign: Int) {
            distinct += sign
            idDigest = sign > 0 ? idDigest &+ idHash : idDigest &- idHash
            payloadDigest = sign > 0 ? payloadDigest &+ payloadHash : payloadDigest &- payloadHash
        }
    }

    /// One topic being read. While ``Audit/read(follow:interval:progress:)`` runs, the counters of what the records
    /// showed (`firstSeen`, `latencies`, `withID`, ...) and `expected` belong to the checker thread; the rest is set
    /// before.
    final class TopicState {
        let name: String
        let type: RecordType?
        let keyField: String?
        let idField: String?
        /// The payload's key field, ID field and `timestamp`, found in one pass (on the reading thread); the index of
        /// each among the fields extracted.
        let fields: FieldExtractor
        let keyFieldIndex: Int?, idFieldIndex: Int?
        var exists = false
        var partitionCount = 0
        /// The partition count keys are judged by: the manifest's, when it has one (what the run's producer spread
        /// the keys over), else the topic's.
        var keyPartitions = 0
        var partitions: [PartitionState] = []
        var expected: ExpectedRecords?
        /// First place each ID was read, by the ID's hash.
        var firstSeen = FirstCopies()
        /// For each ID whose first copy was read off its message key's partition (a record put on the wrong partition,
        /// or its key changed, or without a key; rare): whether it had a key, and the partition its producer sent it to
        /// (its payload key field's, else its key's; nil without either); at the end its count moves there when that is
        /// another partition (``rehomeStrayRecords()``).
        private(set) var strays: [UInt64: Stray] = [:]
        struct Stray {
            var keyed: Bool
            var producerHome: Int32?
        }

        /// First copies of IDs read without a key and without the payload's key field: no partition is theirs.
        var keylessRecords: Int { strays.values.reduce(0) { $0 + ($1.producerHome == nil ? 1 : 0) } }
        /// Partitions the manifest has records for that the topic no longer has (it has fewer partitions now).
        var gone: [PartitionState] = []
        /// Milliseconds from CreateTime to the moment the record was read.
        var latencies: [Int64] = []
        var withoutTimestamp = 0
        /// Parsed records that had their ID field, and that had a key and a `timestamp` (what the ID and order checks saw).
        var withID = 0
        var withKeyAndTimestamp = 0
        /// In a group, each first copy's ID text (in `idBytes`, by the ID's hash): another member's copy of the ID
        /// may turn out to be the duplicate, named in the merge.
        var keepsIDText = false
        private var idBytes: [UInt8] = []
        private var idSpans: [UInt64: (start: Int, count: Int)] = [:]

        /// The text of a first copy's ID, kept with ``keepsIDText``.
        func idText(_ hash: UInt64) -> ArraySlice<UInt8> {
            guard let span = idSpans[hash] else { return [] }
            return idBytes[span.start..<(span.start + span.count)]
        }

        /// Whether a copy read on `partition` is where its producer put it: on its message key's partition (`keyHome`)
        /// and, when the payload has its key field, on that key's partition (`producerHome`). A copy sent with another
        /// key than the payload's (`USER_1` for `user_1`) is a stray one even on its message key's partition, so that the
        /// record on its own partition stays the record and the copy is the duplicate.
        static func isHome(_ partition: Int32, keyHome: Int32?, producerHome: Int32?) -> Bool {
            keyHome == partition && (producerHome ?? partition) == partition
        }

        /// Counts an ID read at `partition`@`offset` (`keyHome`: the partition its message key belongs on, nil without a
        /// key; `producerHome`: the one its payload's key field belongs on, where a producer keying by it sent it): the
        /// first copy of an ID is the one on its key's partition, else elsewhere, first by partition and offset, whatever
        /// order the partitions were read in (so that one reader, or a group's members merged, name the same copies; a
        /// stray copy on another partition is the duplicate, not the record on its own); every other copy is a duplicate
        /// at its place.
        func identify(idHash: UInt64, id: @autoclosure () -> String, payloadHash: UInt64, partition: PartitionState, offset: Int64,
                      keyHome: Int32?, producerHome: Int32?) {
            let home = Self.isHome(partition.number, keyHome: keyHome, producerHome: producerHome)
            let stray = home ? nil : Stray(keyed: keyHome != nil, producerHome: producerHome)
            guard let first = firstSeen[idHash] else {
                firstSeen[idHash] = FirstCopies.Copy(partition: partition.number, offset: offset, payloadHash: payloadHash, home: home)
                if let stray { strays[idHash] = stray }
                if keepsIDText {
                    let text = id()
                    idSpans[idHash] = (idBytes.count, text.utf8.count)
                    idBytes.append(contentsOf: text.utf8)
                }
                partition.count(id: idHash, payload: payloadHash, 1)
                return
            }
            let same = first.payloadHash == payloadHash ? "the same payload: a redelivery" : "a different payload"
            let field = idField ?? "ID"
            if (home ? 0 : 1, partition.number, offset) > (first.home ? 0 : 1, first.partition, first.offset) {
                let message = first.partition == partition.number ? "\(field) \(id()) was read before at \(name)/\(first.partition)@\(first.offset), with \(same)"
                    : "\(field) \(id()) is also at \(name)/\(first.partition)@\(first.offset), with \(same)"
                partition.add(.duplicate, Finding(partition: partition.number, offset: offset, id: id(), message: message))
                return
            }
            // This copy comes first: the one counted before becomes the duplicate.
            guard let earlier = partitions.first(where: { $0.number == first.partition }) else { return }
            earlier.count(id: idHash, payload: first.payloadHash, -1)
            partition.count(id: idHash, payload: payloadHash, 1)
            firstSeen[idHash] = FirstCopies.Copy(partition: partition.number, offset: offset, payloadHash: payloadHash, home: home)
            strays[idHash] = stray
            earlier.add(.duplicate, Finding(partition: earlier.number, offset: first.offset, id: id(),
                                            message: "\(field) \(id()) is also at \(name)/\(partition.number)@\(offset), with \(same)"))
        }

        /// Counts each record read only off the partition its producer sent it to on that partition, once every copy is
        /// known: a record put on the wrong partition is `audit.partitioning`'s finding, not also one missing from its
        /// own partition's count of distinct IDs and digests (``finish()`` compares those with the manifest). The
        /// partition it was read on still counts it among its records read (`audit.count`).
        func rehomeStrayRecords() {
            guard !rehomed else { return }
            rehomed = true
            for (hash, stray) in strays {
                guard let homeNumber = stray.producerHome, let copy = firstSeen[hash], !copy.home, homeNumber != copy.partition,
                      let stray = partitions.first(where: { $0.number == copy.partition }),
                      let home = partitions.first(where: { $0.number == homeNumber }) else { continue }
                stray.count(id: hash, payload: copy.payloadHash, -1)
                home.count(id: hash, payload: copy.payloadHash, 1)
            }
        }

        private var rehomed = false

        init(name: String, type: RecordType?, keyField: String?, idField: String?) {
            self.name = name
            self.type = type
            self.keyField = keyField
            self.idField = idField
            let names = [keyField, idField].compactMap { $0 } + ["timestamp"]
            fields = FieldExtractor(fields: names)
            keyFieldIndex = keyField == nil ? nil : 0
            idFieldIndex = idField == nil ? nil : names.count - 2
        }
    }

    let configuration: KafkaConfiguration
    let request: AuditRequest
    /// The validators the records go through, each on its own thread, each taking an equal run of every batch (in a
    /// merged audit, the one merged from the members' partials); each has every partition as an input, at the same index.
    public let validators: [Validator]
    var validator: Validator { validators[0] }
    /// The reader; nil for an audit merged from a group's partials, which reads nothing.
    let consumer: KafkaConsumer?
    private var kafka: KafkaConsumer {
        guard let consumer else { preconditionFailure("a merged audit reads nothing") }
        return consumer
    }
    /// In a group: whether the group has given this member its partitions (an empty share counts) since it joined
    /// or last had them taken away, and since when it has been waiting for them.
    private var joined = false
    /// When the group last gave this member partitions (on the reading thread): a rebalance has ended then, so
    /// refused commits before it do not count against the time a member waits for the group to settle.
    private var lastAssigned = Date.distantPast
    private var waitingSince = Date()
    /// In a group, the last share held back as larger than one of `members` (partitions given, and in all).
    private var heldShare: (given: Int, total: Int)?
    /// In a group, whether this member has had a share of the group's `members` (it never waits for them again).
    private var settled = false
    /// In a group, whether the partitions last taken from this member had all been read to their ends and committed.
    private var shareDone = false
    /// Whether partitions are read without an end (until a follow control finishes).
    private var following = false
    /// Where ``read(follow:interval:progress:)`` reports what it does.
    private var progress: ((String) -> Void)?
    private let relay = RebalanceRelay()
    let topics: [TopicState]
    /// The producing run's manifest; may be set after reading when the run ends while it is read (roundtrip).
    public var manifest: AuditManifest?
    private var byConsumerIndex: [Int: Int] = [:]
    // `published` is only touched under `findingsLock`: the checker writes it, the reading thread reads it.
    private let findingsLock = NSLock()
    private var published: [Int] = []
    /// Where each partition is read from, assigned when reading begins.
    private var assignment: [(topic: String, partition: Int32, offset: Int64)] = []
    var expectedNote: String?
    private(set) var started = Date()
    /// When reading ended.
    private(set) var finishedReading: Date?

    /// Connects, finds each topic's partitions and where to read them from and to, and assigns them.
    /// - Throws: ``AuditError`` (kafka) when the brokers do not answer within the request's metadata timeout.
    public convenience init(configuration: KafkaConfiguration, request: AuditRequest, validator: Validator, follow: Bool = false) throws(AuditError) {
        try self.init(configuration: configuration, request: request, validators: [validator], follow: follow)
    }

    /// Connects, finds each topic's partitions and where to read them from and to, and assigns them; the records go
    /// through `validators` (partials, made alike), each on a thread of its own and given an equal run of every
    /// batch read, so each sees a partition's records in offset order. ``Validator/judgedInPositionOrder(_:)`` then
    /// makes them the one validator a single thread would have made.
    /// - Throws: ``AuditError`` (kafka) when the brokers do not answer within the request's metadata timeout.
    public init(configuration: KafkaConfiguration, request: AuditRequest, validators: [Validator], follow: Bool = false) throws(AuditError) {
        precondition(!validators.isEmpty, "an audit needs a validator")
        // A group member's partial holds one validator's section.
        precondition(request.group == nil || validators.count == 1, "a group member validates on one thread")
        self.configuration = configuration
        self.request = request
        self.validators = validators
        manifest = request.manifest
        following = follow
        do {
            let admin = try KafkaAdmin(configuration: configuration)
            // Metadata for every topic, so that asking about a missing topic does not create it.
            let metadata = try admin.metadata(timeout: request.metadataTimeout)
            // Fetches answered within 100 ms (the embedded broker holds an empty fetch for the whole wait), unless -X says otherwise.
            var consumerConfiguration = configuration
            consumerConfiguration.properties.insert(("fetch.wait.max.ms", "100"), at: 0)
            // Room for more than a second of reading in librdkafka's queue of fetched records: when the queue is
            // full, librdkafka 2.0.2 stops fetching for a fixed second (its fetch.queue.backoff.ms came in 2.2), and
            // the reading threads stand waiting once they have emptied it. Its fill is judged by records too
            // (queued.min.messages, 100,000 by default, for the whole queue: a fifth of a second of reading here), so
            // that limit is lifted and the queue held by its size alone, 512 MB: a 1M-transaction audit on 2 cores
            // read in 2.1 s, not 5.9 s (the records waited a second after each 100,000), its peak RSS 0.7-0.87 GB, not
            // 0.45-0.51 GB. (Pausing partitions to hold the queue instead could skip records in 2.0.2, fixed in 2.1.)
            consumerConfiguration.properties.insert(("queued.max.messages.kbytes", "524288"), at: 0)
            consumerConfiguration.properties.insert(("queued.min.messages", "10000000"), at: 0)
            let relay = relay
            let consumer: KafkaConsumer
            if let group = request.group {
                consumer = try KafkaConsumer(configuration: consumerConfiguration, group: group, partitionEOF: true) { change in
                    relay.audit?.rebalance(change) ?? []
                }
            } else {
                consumer = try KafkaConsumer(configuration: consumerConfiguration, partitionEOF: true)
            }
            var states: [TopicState] = []
            var assignment: [(topic: String, partition: Int32, offset: Int64)] = []
            var seen = Set<String>()
            for name in request.topics where seen.insert(name).inserted {
                let type = RecordType.allCases.first { $0.topic == name }
                let entry = request.manifest?.topics[name]
                let state = TopicState(name: name, type: type, keyField: entry?.keyField ?? type?.keyField,
                                       idField: entry?.idField ?? type?.idField)
                state.keepsIDText = request.group != nil
                states.append(state)
                guard let topic = metadata.topics.first(where: { $0.name == name }), topic.error == nil, topic.partitions > 0 else { continue }
                state.exists = true
                state.partitionCount = topic.partitions
                state.keyPartitions = entry?.partitionCount ?? topic.partitions
                let numbers = (0..<Int32(topic.partitions)).map { $0 }
                let lows = try consumer.watermarks(numbers.map { (name, $0) }, high: false, timeout: request.metadataTimeout)[name] ?? [:]
                let highs = try consumer.watermarks(numbers.map { (name, $0) }, high: true, timeout: request.metadataTimeout)[name] ?? [:]
                let byTime: [Int32: Int64]? = if case let .timestamp(time) = request.start {
                    try consumer.offsets(topic: name, partitions: numbers, atOrAfter: time, timeout: request.metadataTimeout)
                } else { nil }
                for number in numbers {
                    let partition = PartitionState(number: number)
                    partition.low = lows[number] ?? 0
                    partition.high = highs[number] ?? 0
                    var start = partition.low
                    switch request.start {
                    case .beginning: break
                    case .latest: start = partition.high
                    case .manifest: start = entry?.partitions[number]?.firstOffset ?? partition.low
                    case let .timestamp(time):
                        if let offset = byTime?[number], offset >= 0 {
                            start = offset
                        } else {
                            partition.notBefore = time
                        }
                    case let .offsets(list):
                        // A partition not named starts where it would without --from: the manifest's first offset.
                        // The topic's own entry before a bare one (`0:2` for every topic).
                        if let given = list.first(where: { $0.topic == name && $0.partition == number })
                            ?? list.first(where: { $0.topic == nil && $0.partition == number }) {
                            start = given.offset
                        } else if let first = entry?.partitions[number]?.firstOffset {
                            start = first
                        }
                    }
                    partition.start = max(start, partition.low)
                    partition.next = partition.start
                    if request.group == nil { partition.pieceStart = partition.start }
                    partition.end = follow ? nil : partition.high
                    partition.source = validators[0].addTopicSource(name, partition: Int32(number), type: type)
                    for other in validators.dropFirst() {
                        let same = other.addTopicSource(name, partition: Int32(number), type: type)
                        precondition(same == partition.source, "the audit's validators must be made alike, with no inputs of their own")
                    }
                    state.partitions.append(partition)
                    if request.group == nil && (follow || partition.start < partition.high) { assignment.append((name, number, partition.start)) }
                }
                if request.group == nil && !follow {
                    // Sized once for the records to read: growing step by step would briefly hold two tables.
                    let records = state.partitions.reduce(0) { $0 + max(0, Int($1.high - $1.start)) }
                    state.firstSeen.reserve(records)
                    state.latencies.reserveCapacity(records)
                }
            }
            topics = states
            self.consumer = consumer
            self.assignment = assignment
        } catch {
            throw .kafka(error)
        }
        relay.audit = self
        // Offsets given for a partition no audited topic has would be ignored in silence.
        if case let .offsets(list) = request.start {
            for given in list {
                let named = topics.filter { given.topic == nil || $0.name == given.topic }
                guard let topic = named.first(where: { $0.exists }) else {
                    throw .invalidRequest("--from \(given.topic ?? "")\(given.topic == nil ? "" : "/")\(given.partition):\(given.offset): \(given.topic.map { "topic \($0) is not audited or does not exist" } ?? "no audited topic exists")")
                }
                guard named.contains(where: { $0.exists && Int(given.partition) < $0.partitionCount }) else {
                    throw .invalidRequest("--from \(given.topic.map { "\($0)/" } ?? "")\(given.partition):\(given.offset): \(topic.name) has partitions 0-\(topic.partitionCount - 1)")
                }
            }
        }
    }

    /// An audit that reads nothing, holding `topics` to merge group members' shares into.
    init(merged topics: [TopicState], configuration: KafkaConfiguration, request: AuditRequest, validator: Validator,
         started: Date, finished: Date) {
        self.configuration = configuration
        self.request = request
        validators = [validator]
        self.topics = topics
        consumer = nil
        manifest = request.manifest
        self.started = started
        finishedReading = finished
    }

    /// Partitions per topic, as the metadata said (missing topics are absent).
    public var partitionCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: topics.filter(\.exists).map { ($0.name, $0.partitionCount) })
    }

    /// Partitions per topic the run's keys were spread over: the topic's count, or more when the manifest has records
    /// on partitions the topic no longer has (to name the partition a missing record was sent to).
    public var producedPartitionCounts: [String: Int] {
        partitionCounts.reduce(into: [:]) { counts, topic in
            let entry = manifest?.topics[topic.key]
            let highest = entry?.partitions.keys.max().map { Int($0) + 1 } ?? 0
            counts[topic.key] = entry?.partitionCount ?? max(topic.value, highest)
        }
    }

    /// The records the run sent, per topic, to compare each record read with (see ``ExpectedRecords``); `note`
    /// says why records cannot be named when they are not known.
    public func expect(_ records: [String: ExpectedRecords], note: String?) {
        for topic in topics { topic.expected = records[topic.name] }
        expectedNote = note
    }

    /// Reads until every partition reaches its end (with `follow`, until `follow` is told to finish, then to the
    /// ends of that moment); a partition that brings nothing for the idle timeout is given up on and reported.
    /// `progress` is called about every `interval` seconds with a line on what was read.
    /// - Throws: ``AuditError`` (kafka) for a consumer error.
    public func read(follow: FollowControl? = nil, interval: Double = 10, progress: ((String) -> Void)? = nil) throws(AuditError) {
        let began = Self.clock()
        var lastProgress = began
        var lastReport = began
        var lastBrokerCheck = began
        following = follow != nil
        self.progress = progress
        var checkEnds = true
        var sinceCheck = 0
        var recentClock = Self.clock(), recentClockUses = 32
        var commitFailingSince: Date?
        let grouped = request.group != nil
        func remaining() -> [PartitionState] { topics.flatMap { $0.partitions.filter { (!grouped || $0.owned) && !$0.done && !$0.stalled } } }
        waitingSince = Date()
        // A pipeline: this thread polls and copies records into batches; a validating thread per validator runs
        // it over its share of each batch's records; the checking thread then does the audit's checks, records
        // in the order they were read. Each thread owns its part of the state (see `PartitionState`, `TopicState`;
        // a validator is its validating thread's), so the rebalance handler, which runs on this thread inside
        // `consume`, needs nothing from the others.
        let shards = validators.count
        let empty = BatchQueue((0..<(4 + 2 * shards)).map { _ in RecordBatch() })
        let toValidate = (0..<shards).map { _ in BatchQueue() }
        let toCheck = BatchQueue()
        let handOn = ValidatedBatches(shards: shards, to: toCheck)
        let validated = (0..<shards).map { shard in
            Self.run {
                while let batch = toValidate[shard].take() {
                    self.validate(batch, shard: shard)
                    handOn.done(batch)
                }
                handOn.finished()
            }
        }
        let checked = Self.run {
            while let batch = toCheck.take() {
                self.check(batch)
                batch.removeAll()
                empty.put(batch)
            }
        }
        var batch = empty.take()!
        func handOut(_ batch: RecordBatch) {
            batch.expectParsed()
            for queue in toValidate { queue.put(batch) }
        }
        defer {
            if !batch.isEmpty { handOut(batch) }
            for queue in toValidate { queue.close() }
            for done in validated { done.wait() }
            checked.wait()
        }
        do throws(KafkaError) {
            if let group = request.group {
                // Every topic, also one that does not exist yet: its absence is the report's finding, not the group's.
                try kafka.subscribe(topics.filter(\.exists).map(\.name))
                progress?("joining consumer group \(group)")
            } else if !assignment.isEmpty {
                try kafka.assign(assignment)
            }
            while true {
                if grouped && !joined && shareDone { break }
                if following, let follow, follow.isFinishing {
                    following = false
                    let ends = try kafka.watermarks(topics.flatMap { topic in topic.partitions.map { (topic.name, $0.number) } },
                                                       high: true, timeout: request.metadataTimeout)
                    for topic in topics {
                        for partition in topic.partitions { partition.end = ends[topic.name]?[partition.number] ?? partition.next }
                    }
                    lastProgress = Self.clock()
                }
                // Partitions end with a record or an end-of-partition event; looking after every record would cost.
                if !following && (checkEnds || sinceCheck >= 4096) && (!grouped || joined) {
                    // A partition read to its end is committed at once, while the group is most likely settled (it
                    // refuses commits while it rebalances, as when a member that finished leaves).
                    if grouped { commitFinished() }
                    if remaining().isEmpty {
                        // A member commits where it stopped before it leaves; during a rebalance the commit is refused
                        // and polling (which may bring more partitions) goes on until the group has settled.
                        if !grouped { break }
                        if try committedEnds(since: &commitFailingSince) { break }
                    }
                    sinceCheck = 0
                }
                // A record already fetched is taken without waiting, at the time read for the last 32 such records
                // (tens of microseconds apart: a clock read for each cost more than the record's digest); when none
                // is, the wait's record is taken at the time it came.
                var accepted = false
                var readAt = recentClock
                var outcome = try kafka.consume(timeout: 0) { message in
                    if recentClockUses >= 32 {
                        recentClock = Self.clock()
                        recentClockUses = 0
                    }
                    recentClockUses += 1
                    readAt = recentClock
                    accepted = admit(message, at: readAt, into: batch)
                }
                if outcome == .idle {
                    outcome = try kafka.consume(timeout: 0.1) { message in
                        readAt = Self.clock()
                        accepted = admit(message, at: readAt, into: batch)
                    }
                    recentClock = readAt
                    recentClockUses = 32
                }
                let now = outcome == .record ? readAt : Self.clock()
                checkEnds = outcome != .record
                // A batch is handed on when full, whenever reading pauses, and at 100 ms old (records that trickle in
                // while following are checked as they come).
                if batch.isFull || (!batch.isEmpty && (outcome != .record || now - batch.records[0].readAt >= 100)) {
                    handOut(batch)
                    batch = empty.take()!
                    // Taking an empty batch may have waited for one: the next record reads the clock again.
                    recentClockUses = 32
                }
                switch outcome {
                case .record:
                    sinceCheck += 1
                    // Only records inside a partition's range count as progress: others may stream on past their ends.
                    if accepted { lastProgress = now }
                case let .endOfPartition(topic, number, offset):
                    if let partition = topics.first(where: { $0.name == topic })?.partitions.first(where: { $0.number == number }),
                       offset > partition.next {
                        // Offsets past the last record read hold no records (compaction, transaction markers).
                        partition.next = offset
                        lastProgress = now
                    }
                case .idle:
                    let waited = { (since: Int64) in Double(now - since) / 1000 }
                    if grouped && !joined {
                        // The group hands out partitions after its members joined (about 3 s on the embedded broker).
                        let limit = Int(max(request.idleTimeout, request.metadataTimeout)) + 45
                        if Date().timeIntervalSince(waitingSince) > Double(limit) {
                            if let held = heldShare {
                                throw KafkaError(.broker, "consumer group \(request.group ?? ""): this member was given \(held.given) of \(held.total) partitions, more than a share of \(request.members) members, and no other member joined within \(limit) s (start all \(request.members) members together, with a new group name, or give --members the number started)")
                            }
                            throw KafkaError(.broker, "consumer group \(request.group ?? ""): no partitions were given to this member within \(limit) s (is the group rebalancing without end? start the members together, with a new group name)")
                        }
                        lastProgress = now
                    } else if !following && waited(lastProgress) > request.idleTimeout {
                        for partition in remaining() { partition.stalled = true }
                    } else if following && waited(lastBrokerCheck) >= max(interval, 1) {
                        // Following, nothing arriving: a broker that went away is found by asking it for a partition's
                        // offsets now and then, which fails within --timeout (exit 3) instead of waiting for ever.
                        lastBrokerCheck = now
                        if let topic = topics.first(where: { $0.exists && !$0.partitions.isEmpty }) {
                            do {
                                // (The many-partition query: the one-partition one waits past its timeout for a leader.)
                                _ = try kafka.watermarks([(topic.name, topic.partitions[0].number)], high: true, timeout: request.metadataTimeout)
                            } catch {
                                throw KafkaError(.broker, "while following, the broker did not answer within \(request.metadataTimeout) s (\(error.message)): it is gone or cannot be reached")
                            }
                        }
                    }
                }
                if let progress, Double(now - lastReport) / 1000 >= interval {
                    lastReport = now
                    let found = findingsSoFar
                    progress(zip(topics, found).map { topic, found in
                        let read = topic.partitions.reduce(0) { $0 + $1.records }
                        return "\(topic.name) \(read) read\(found > 0 ? " (\(found) findings)" : "")"
                    }.joined(separator: ", "))
                }
            }
            if grouped {
                leaveGroup()
            } else {
                for topic in topics { topic.partitions.forEach(closePiece) }
            }
        } catch {
            throw .kafka(error)
        }
        finishedReading = Date()
    }

    /// Runs `body` on a thread of its own; the semaphore returned is signalled when it is done.
    private static func run(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
        return done
    }

    /// The wall clock in milliseconds since the epoch, to a few milliseconds (the coarse clock costs next to nothing,
    /// and it stamps every record read).
    static func clock() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// Findings per topic as the checker last published them (for progress lines, read while it checks on).
    private var findingsSoFar: [Int] {
        findingsLock.lock()
        defer { findingsLock.unlock() }
        return published.count == topics.count ? published : topics.map { _ in 0 }
    }

    /// Where each partition the group gives this member is read from: the group's committed offset (where a member
    /// that had it stopped), else the audit's start; read to the end offset of this moment, or followed.
    fileprivate func rebalance(_ change: GroupRebalance) -> [Int64?] {
        switch change {
        case let .assigned(list):
            lastAssigned = Date()
            // Round-robin gives each of n members floor(P/n) or ceil(P/n) of the P partitions: a share larger
            // than that is from a group that some members have not joined yet.
            let total = topics.filter(\.exists).reduce(0) { $0 + $1.partitionCount }
            let most = (total + request.members - 1) / max(1, request.members)
            // Only before reading began: once the members have had their shares, the group only shrinks as they finish.
            guard settled || list.count <= most else {
                kafka.holdAssignment()
                heldShare = (list.count, total)
                progress?("given \(list.count) of \(total) partitions: waiting for the group's \(request.members) members before reading")
                return list.map { _ in nil }
            }
            joined = true
            settled = true
            shareDone = false
            let states = list.map { entry in topics.first { $0.name == entry.topic }?.partitions.first { $0.number == entry.partition } }
            // The group's committed offset; where it cannot be had (the group refuses while it rebalances), where this
            // member stopped if it had the partition before, else the audit's start.
            var committed: [Int64?] = list.map { _ in nil }
            for attempt in 0..<3 {
                if let answer = try? kafka.committed(list, timeout: request.metadataTimeout) {
                    committed = answer
                    break
                }
                if attempt == 2 { progress?("consumer group \(request.group ?? ""): no committed offsets from \(configuration.brokers); starting where this member stopped, else at the audit's start (a merge refuses offsets read twice)") }
                Thread.sleep(forTimeInterval: 0.5)
            }
            let ends = following ? [:] : ((try? kafka.watermarks(list, high: true, timeout: request.metadataTimeout)) ?? [:])
            return zip(list, zip(states, committed)).map { entry, pair in
                guard let partition = pair.0 else { return nil }
                let own = partition.pieces.last.map(\.to)
                let begin = max(pair.1 ?? own ?? partition.start, own ?? partition.low, partition.low)
                progress?("given \(entry.topic)/\(entry.partition) from offset \(begin)\(pair.1 == nil ? "" : " (committed)")")
                partition.owned = true
                partition.stalled = false
                partition.next = begin
                partition.pieceStart = begin
                partition.end = following ? nil : ends[entry.topic]?[entry.partition] ?? partition.high
                if let end = partition.end { partition.high = max(partition.high, end) }
                return begin
            }
        case let .revoked(list, _):
            // The group gives partitions out again once it has rebalanced (an empty share too): until then this
            // member has not finished, though it holds nothing.
            joined = false
            waitingSince = Date()
            var positions: [(topic: String, partition: Int32, offset: Int64)] = []
            var unfinished = false
            for entry in list {
                guard let partition = topics.first(where: { $0.name == entry.topic })?.partitions.first(where: { $0.number == entry.partition }),
                      partition.owned else { continue }
                unfinished = unfinished || !partition.done
                closePiece(partition)
                positions.append((entry.topic, entry.partition, partition.next))
            }
            // The member given them next starts where this one stopped.
            do {
                try kafka.commit(positions.filter { entry in
                    topics.first { $0.name == entry.topic }?.partitions.first { $0.number == entry.partition }?.committed != entry.offset
                })
                // Its share read to the end and committed: the rest is the other members' (one that stopped early left
                // its partial missing, which the merge names), so this member need not wait for the group to settle.
                shareDone = settled && !unfinished
            } catch {
                progress?("\(error.description): the member given these partitions next will read them again from an earlier offset")
            }
            if !positions.isEmpty { progress?("gave up \(list.map { "\($0.topic)/\($0.partition)" }.joined(separator: ", "))") }
            return []
        }
    }

    /// Ends the range of `partition` this member is reading at the next offset it would read.
    private func closePiece(_ partition: PartitionState) {
        if let from = partition.pieceStart, partition.next > from { partition.pieces.append((from, partition.next)) }
        partition.pieceStart = nil
        partition.owned = false
    }

    /// Commits the end of each of this member's partitions read to its end, where not done yet; a refusal is tried
    /// again later.
    private func commitFinished() {
        var positions: [(topic: String, partition: Int32, offset: Int64)] = []
        for topic in topics {
            for partition in topic.partitions where partition.owned && partition.done && partition.committed != partition.next {
                positions.append((topic.name, partition.number, partition.next))
            }
        }
        guard !positions.isEmpty, (try? kafka.commit(positions)) != nil else { return }
        for (name, number, offset) in positions {
            topics.first { $0.name == name }?.partitions.first { $0.number == number }?.committed = offset
        }
    }

    /// Commits where each of this member's partitions ended (so the member given them next reads nothing again);
    /// false while the group refuses it (it is rebalancing), throwing once it has refused for the metadata timeout
    /// (at least 10 s) since the first refusal after the group last gave this member partitions.
    private func committedEnds(since failing: inout Date?) throws(KafkaError) -> Bool {
        let positions = topics.flatMap { topic in topic.partitions.filter { $0.owned && $0.committed != $0.next }.map { (topic.name, $0.number, $0.next) } }
        do {
            try kafka.commit(positions)
            return true
        } catch {
            if let since = failing, since < lastAssigned { failing = nil }
            if failing == nil { progress?("\(error.description); trying again while the group rebalances") }
            let since = failing ?? Date()
            failing = since
            guard Date().timeIntervalSince(since) < max(request.metadataTimeout, 10) else { throw error }
            return false
        }
    }

    /// Closes this member's ranges and leaves the group, which hands its partitions on.
    private func leaveGroup() {
        for topic in topics {
            for partition in topic.partitions where partition.owned { closePiece(partition) }
        }
        kafka.leaveGroup()
    }

    /// Takes one record into `batch` for the checker (on the reading thread); false when it is outside what this
    /// audit reads.
    private func admit(_ message: ConsumedMessage, at readAt: Int64, into batch: RecordBatch) -> Bool {
        let topicIndex: Int
        if let known = byConsumerIndex[message.topicIndex] {
            topicIndex = known
        } else {
            let name = kafka.topicName(message.topicIndex)
            guard let found = topics.firstIndex(where: { $0.name == name }) else { return false }
            byConsumerIndex[message.topicIndex] = found
            topicIndex = found
        }
        let topic = topics[topicIndex]
        guard Int(message.partition) < topic.partitions.count else { return false }
        let partition = topic.partitions[Int(message.partition)]
        if request.group != nil && !partition.owned { return false }
        let offset = message.offset
        // Records before the start, past the end, or read again after a fetch retry are not this audit's.
        guard offset >= partition.next, partition.end.map({ offset < $0 }) ?? true else { return false }
        partition.next = offset + 1
        if let notBefore = partition.notBefore {
            if (message.timestamp ?? notBefore) < notBefore { return true }
            partition.notBefore = nil
            partition.start = offset
        }
        partition.records += 1
        // What the checker needs from the payload beside the validator is found here, where the bytes are in cache
        // and the thread has time to spare.
        let value = message.value
        var facts = RecordBatch.Facts(payloadHash: fnv1a(value))
        if let key = message.key, !key.isEmpty { facts.keyHome = KafkaPartitioner.partition(of: key, partitions: topic.keyPartitions) }
        if value.baseAddress != nil { topic.read(value, key: message.key, into: &facts, lastMembers: false) }
        batch.append(topic: topicIndex, partition: message.partition, offset: offset, timestamp: message.timestamp, readAt: readAt,
                     value: value, key: message.key, valueIsNull: message.valueIsNull, facts: facts)
        return true
    }

    /// Runs validator `shard` over its share of the batch's records (on its validating thread), noting which
    /// payloads it could parse. The shares are the batch's records cut in `validators.count` runs of about equal
    /// length, whatever their partitions: a batch is often mostly one partition's records, so a share by partition
    /// left one thread idle while the other worked. The records a validator sees are still in offset order within
    /// each partition, and what needs the records before them (unique IDs, order, sessions) is judged at the end, in
    /// offset order, over every validator's facts.
    private func validate(_ batch: RecordBatch, shard: Int) {
        let validator = validators[shard]
        let records = batch.records, shards = validators.count
        for index in (records.count * shard / shards)..<(records.count * (shard + 1) / shards) {
            let record = records[index]
            let topic = topics[record.topic]
            let partition = topic.partitions[Int(record.partition)]
            let source = partition.source
            let unparseable = validator.sources[source].unparseable
            let repeated = validator.recordsWithRepeatedNames, others = validator.recordsOfOtherType
            // Off its key's partition, without a key, or with another key than its payload's: a copy of its ID on its
            // key's partition is the record.
            let stray = !TopicState.isHome(partition.number, keyHome: record.facts.keyHome >= 0 ? record.facts.keyHome : nil,
                                           producerHome: record.facts.producerHome)
            validator.validate(batch.value(record), readable: batch.readable(record),
                               at: .topic(topic.name, partition: partition.number, offset: record.offset), source: source, stray: stray)
            batch.setParsed(index, validator.sources[source].unparseable == unparseable,
                            repeatedNames: validator.recordsWithRepeatedNames != repeated, otherType: validator.recordsOfOtherType != others)
        }
    }

    /// Checks a batch of records (on the checking thread), then publishes the findings so far.
    private func check(_ batch: RecordBatch) {
        let records = batch.records
        for index in records.indices {
            // The first copies' table is far larger than the cache: its slot for a record a few ahead is fetched now.
            if index + 4 < records.count, records[index + 4].facts.id != nil {
                let ahead = records[index + 4]
                topics[ahead.topic].firstSeen.prefetch(ahead.facts.idHash)
            }
            check(records[index], parsed: batch.parsed(index), repeatedNames: batch.repeatedNames(index), otherType: batch.otherType(index), in: batch)
        }
        let found = topics.map { topic in topic.partitions.reduce(0) { $0 + $1.counts.reduce(0, +) } }
        findingsLock.lock()
        published = found
        findingsLock.unlock()
    }

    /// Checks one record (on the checking thread) that the validator could parse or not.
    private func check(_ record: RecordBatch.Record, parsed: Bool, repeatedNames: Bool, otherType: Bool, in batch: RecordBatch) {
        var record = record
        if parsed && (repeatedNames || record.facts.escapedNames) {
            // The reading thread took each field's first member, by its name as written: a record that names one twice
            // is read as the validator reads it (the last member), and one with a name written with escapes by its text.
            let value = batch.value(record)
            var facts = RecordBatch.Facts(payloadHash: record.facts.payloadHash, keyHome: record.facts.keyHome)
            topics[record.topic].read(value, key: batch.key(record), into: &facts, lastMembers: true)
            record.facts = facts
        }
        let topic = topics[record.topic]
        let partition = topic.partitions[Int(record.partition)]
        let offset = record.offset
        if let created = record.timestamp {
            topic.latencies.append(record.readAt - created)
        } else {
            topic.withoutTimestamp += 1
        }
        let key = batch.key(record)
        let value = batch.value(record)
        let idBytes = batch.bytes(record, record.facts.id)
        let payloadHash = record.facts.payloadHash

        var keyHome: Int32?
        if let key, record.facts.keyHome >= 0 {
            let expected = record.facts.keyHome
            keyHome = expected
            if expected != partition.number {
                let over = topic.keyPartitions == topic.partitionCount ? "" : " of the \(topic.keyPartitions) the run wrote to"
                partition.add(.misplaced, Finding(partition: partition.number, offset: offset, id: idBytes.map(Self.idText),
                                                  message: "key \(Self.text(key)) belongs on partition \(expected)\(over) (murmur2), not \(partition.number)"))
            }
        } else {
            partition.add(.misplaced, Finding(partition: partition.number, offset: offset, id: idBytes.map(Self.idText),
                                              message: key == nil ? "no key (null)" : "empty key"))
        }
        guard parsed else {
            let what = record.valueIsNull ? "null value (a tombstone)" : value.isEmpty ? "empty value"
                : "not a JSON object: \(Self.text(UnsafeBufferPointer(rebasing: value.prefix(80))))"
            // A damaged payload whose ID can still be found (a BOM, invalid UTF-8, a truncated tail) is that record
            // arrived altered, not a record missing.
            partition.add(.unparseable, Finding(partition: partition.number, offset: offset, id: idBytes.map(Self.idText), message: what))
            if let idBytes {
                topic.withID += 1
                _ = identify(idBytes, record.facts.idHash, payloadHash, topic: topic, partition: partition, offset: offset, keyHome: keyHome,
                             producerHome: record.facts.producerHome)
            }
            return
        }
        let payloadKey = batch.bytes(record, record.facts.payloadKey)
        if topic.keyField != nil, !record.facts.keyMatchesPayload {
            let field = topic.keyField ?? ""
            partition.add(.keyMismatch, Finding(partition: partition.number, offset: offset, id: idBytes.map(Self.idText),
                                                message: "message key \(key.map { $0.isEmpty ? "(empty)" : Self.text($0) } ?? "(none)") is not the payload's \(field) \(payloadKey.map(Self.idText) ?? "(none)")"))
        }
        guard topic.idField != nil else {
            // No ID field known (a topic the seed does not name, produced or replayed with --key-field): records
            // cannot be told apart, so each counts as one of its own, and the payload digest sums over all of them,
            // as the producer's does.
            partition.distinct += 1
            partition.payloadDigest &+= payloadHash
            return
        }
        guard let idBytes, !otherType else {
            // Not a record of this topic's type (a user event on transactions, an alert that names its transaction, ...):
            // a seeded run sent no such record, whatever ID field it carries.
            if topic.expected != nil {
                let what = otherType ? "a record of another type (see schema.record_type)" : "no string \(topic.idField ?? "ID")"
                partition.add(.unexpected, Finding(partition: partition.number, offset: offset, id: nil,
                                                   message: "\(what): not a record the run sent to \(topic.name)"))
            } else {
                // A produce or replay manifest counts and digests every record delivered, as it is (its ID digest by the
                // ID field's value when it has one): this one is one of them, read, not a record missing. The validator's
                // schema.record_type or schema.required names what it is.
                partition.count(id: idBytes != nil ? record.facts.idHash : 0, payload: payloadHash, 1)
            }
            return
        }
        topic.withID += 1
        // A record whose ID was read before is a duplicate; its timestamp is not held against the key's order.
        guard identify(idBytes, record.facts.idHash, payloadHash, topic: topic, partition: partition, offset: offset, keyHome: keyHome,
                       producerHome: record.facts.producerHome) else { return }
        // Order per key per partition: payload timestamps of one key never go back.
        if let keyHash = record.facts.keyHash, let stampBytes = batch.bytes(record, record.facts.timestamp), let keyBytes = key ?? payloadKey {
            topic.withKeyAndTimestamp += 1
            let stamp = record.facts.stamp
            // As for a file's order: a record earlier than the two in order before it is out of place; else the held
            // one is (later than the key's records on both sides of it). So one record moved is one finding, at its
            // own offset, not one per record of its key it seems to overtake.
            if let last = partition.lastByKey[keyHash], stamp < last.stamp {
                if let before = last.before, stamp < before {
                    partition.add(.order, Finding(partition: partition.number, offset: offset, id: Self.idText(idBytes),
                                                  message: "\(Self.text(stampBytes)) of key \(Self.text(keyBytes)) comes after a later one at offset \(last.offset)"))
                } else {
                    partition.add(.order, Finding(partition: partition.number, offset: last.offset, id: last.id?.text,
                                                  message: "\(Self.stampText(last.stamp)) of key \(Self.text(keyBytes)) is later than the key's next record's \(Self.text(stampBytes)) at offset \(offset)"
                                                    + (last.before.map { " and the one before's \(Self.stampText($0))" } ?? "")))
                    partition.lastByKey[keyHash] = (stamp, offset, last.before, record.facts.shortID)
                }
            } else {
                partition.lastByKey[keyHash] = (stamp, offset, partition.lastByKey[keyHash]?.stamp, record.facts.shortID)
            }
        }
    }

    /// Records a read record's ID: a duplicate when read before (true only the first time), and, when the run's
    /// records are known, unexpected when the run did not send it or altered when its payload is not the one sent.
    /// False for an ID read before on the same partition (its timestamp is not held against its key's order).
    private func identify(_ idBytes: UnsafeBufferPointer<UInt8>, _ idHash: UInt64, _ payloadHash: UInt64, topic: TopicState,
                          partition: PartitionState, offset: Int64, keyHome: Int32?, producerHome: Int32?) -> Bool {
        let first = topic.firstSeen[idHash]
        topic.identify(idHash: idHash, id: Self.idText(idBytes), payloadHash: payloadHash, partition: partition, offset: offset, keyHome: keyHome,
                       producerHome: producerHome)
        if let expected = topic.expected {
            if let position = expected.position(ofID: idHash) {
                expected.seen[position] = true
                if expected.payloadHashes[position] != payloadHash {
                    let id = Self.idText(idBytes)
                    partition.add(.altered, Finding(partition: partition.number, offset: offset, id: id,
                                                    message: "the payload of \(id) is not the one the run sent (regenerated from the seed)"))
                }
            } else {
                let id = Self.idText(idBytes)
                partition.add(.unexpected, Finding(partition: partition.number, offset: offset, id: id,
                                                   message: "\(id) is not among the records the run sent"))
            }
        }
        // A copy on another partition is that partition's own record for its key's order (as it is for the member
        // of a group that reads only that partition).
        return first.map { $0.partition != partition.number } ?? true
    }

    /// An ISO-8601 timestamp's digits as one integer (YYYYMMDDhhmmssSSS), which orders as the time does: digits
    /// up to the zone (`Z`, `+hh:mm`, `-hh:mm`), milliseconds padded when absent, finer digits dropped.
    static func digits(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: Int64 = 0
        var count = 0
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "+") || (byte == UInt8(ascii: "-") && index > 10) { break }
            guard byte >= 48 && byte <= 57, count < 17 else { continue }
            value = value &* 10 &+ Int64(byte - 48)
            count += 1
        }
        while count < 17 {
            value = value &* 10
            count += 1
        }
        return value
    }

    /// A timestamp ``digits(_:)`` read, written back as `YYYY-MM-DDThh:mm:ss.SSSZ` (for messages).
    static func stampText(_ stamp: Int64) -> String {
        let text = String(stamp)
        guard text.count == 17 else { return text }
        let digits = Array(text)
        func part(_ range: Range<Int>) -> String { String(digits[range]) }
        return "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(8..<10)):\(part(10..<12)):\(part(12..<14)).\(part(14..<17))Z"
    }

    /// Whether two byte strings are equal.
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// Whether a JSON string's contents (escapes and all) are the text `raw`.
    static func sameText(_ json: UnsafeBufferPointer<UInt8>, _ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard json.contains(UInt8(ascii: "\\")) else { return same(json, raw) }
        return KeyExtractor.unescaped(json) { same($0, raw) }
    }


    /// Bytes from the data as text for a message (invalid UTF-8 replaced).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A JSON string's contents (an ID, a key field) as the text it stands for: `txn_\u0030...` is `txn_0...`, as the
    /// validator's findings name it.
    static func idText(_ json: UnsafeBufferPointer<UInt8>) -> String {
        json.contains(UInt8(ascii: "\\")) ? KeyExtractor.unescaped(json) { text($0) } : text(json)
    }
}


extension Audit.TopicState {
    /// Notes in `facts` where the payload's key field, ID and timestamp are, and what the checker judges by:
    /// each field's first member as written (the reading thread's fast pass), or with `lastMembers` each field's last,
    /// names written with escapes included, as the validator reads them.
    fileprivate func read(_ value: UnsafeBufferPointer<UInt8>, key: UnsafeBufferPointer<UInt8>?, into facts: inout RecordBatch.Facts,
                          lastMembers: Bool) {
        let (keyField, idField) = (keyFieldIndex, idFieldIndex)
        if lastMembers {
            fields.lastValues(in: value) { field, bytes in facts.note(field, bytes, in: value, keyField: keyField, idField: idField) }
        } else {
            facts.escapedNames = fields.values(in: value) { field, bytes in facts.note(field, bytes, in: value, keyField: keyField, idField: idField) }
        }
        facts.derive(key: key, value: value, partitions: keyPartitions)
    }
}

extension RecordBatch.Facts {
    /// Notes, once the fields are found, what the checker judges by: whether the message key is the payload's, and
    /// the timestamp's digits and key's hash for the key's order (found where the payload and key are in cache).
    fileprivate mutating func derive(key: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>, partitions: Int) {
        let field = payloadKey.map { UnsafeBufferPointer(rebasing: value[Int($0.start)..<Int($0.start + $0.count)]) }
        if let key, let field { keyMatchesPayload = Audit.sameText(field, key) }
        // Where a producer keying by the payload's key field sent it: the message key's partition, unless the two differ.
        if !keyMatchesPayload, let field, !field.isEmpty {
            producerHome = field.contains(UInt8(ascii: "\\")) ? KeyExtractor.unescaped(field) { KafkaPartitioner.partition(of: $0, partitions: partitions) }
                : KafkaPartitioner.partition(of: field, partitions: partitions)
        } else {
            producerHome = keyHome >= 0 ? keyHome : nil
        }
        guard let timestamp, let keyBytes = key ?? field else { return }
        stamp = Audit.digits(UnsafeBufferPointer(rebasing: value[Int(timestamp.start)..<Int(timestamp.start + timestamp.count)]))
        keyHash = fnv1a(keyBytes)
    }

    /// Notes where field `field` of the topic's extractor (key, ID or timestamp) has its string value in `value`.
    fileprivate mutating func note(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>, in value: UnsafeBufferPointer<UInt8>,
                                   keyField: Int?, idField: Int?) {
        let span = RecordBatch.Span(start: Int32(bytes.baseAddress! - value.baseAddress!), count: Int32(bytes.count))
        if field == keyField {
            payloadKey = span
        } else if field == idField {
            id = span
            shortID = ShortID(bytes)
            // An ID written with escapes is the same ID: hashed as its text, it is found as the record sent.
            idHash = bytes.contains(UInt8(ascii: "\\")) ? KeyExtractor.unescaped(bytes) { fnv1a($0) } : fnv1a(bytes)
        } else {
            timestamp = span
        }
    }
}

/// Lets the group consumer's rebalance handler, made before the audit exists, reach it.
private final class RebalanceRelay {
    weak var audit: Audit?
}
