import EcomGeneration
import EcomJSON
import EcomModel

/// What every type's checks share: the settings, the reference catalog and cached zone offsets.
final class CheckContext {
    let settings: ValidationSettings
    /// True in a shard of a parallel run: what needs the records before it (sessions) is kept for the merger
    /// instead of being judged as it comes.
    let deferred: Bool
    var catalog: ReferenceCatalog { settings.catalog }
    private var zones: [ZoneOffsets?]
    /// Per city, the span of UTC time the offset last looked up holds for: the whole UTC day when the offset is the
    /// same at both its ends (a zone changes at most once a day), else the hour (records come in time order, so
    /// this mostly hits: a day's lookup per city rather than an hour's).
    private var validFrom: [Int64]
    private var validUntil: [Int64]
    private var lastOffset: [Int64]

    /// Whether transactions keep, per transaction, the hash of its ID with its session, and of its ID with its time, so
    /// that a purchase event's transaction can be checked to be the one the event's session ends, at the event's time
    /// (16 bytes a transaction: kept when user events may be among the inputs, and in partials, which may be merged with
    /// events).
    var keepsPurchaseLinks = false

    /// A record's time when it is judged against other records' times: inside the window and not in the future (a time
    /// outside is temporal.window's or temporal.future's finding, not also a disagreement with another record).
    func judgedTime(_ time: Int64?) -> Int64? {
        guard let time, time >= settings.window.start, time < settings.window.end, time <= settings.now else { return nil }
        return time
    }

    init(settings: ValidationSettings, deferred: Bool = false) {
        self.settings = settings
        self.deferred = deferred
        let cities = settings.catalog.cities.count
        zones = Array(repeating: nil, count: cities)
        validFrom = Array(repeating: .max, count: cities)
        validUntil = Array(repeating: .min, count: cities)
        lastOffset = Array(repeating: 0, count: cities)
    }

    /// The line of the record being checked (in its input).
    var record = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// At the end, the hashes of the IDs of transactions whose lines could not be parsed (``Validator/unreadableTransactions``).
    var unreadableTransactions = HashSet64()
    /// Whether the record being checked broke no schema rule: every value it has is one its field accepts, so the
    /// checks need not ask (``SchemaMatcher/accepts(_:_:_:)``) before judging one.
    var schemaClean = true
    /// Whether the record being checked has an ID read before (known at once only when not `deferred`).
    var duplicate = false

    /// With a quarantine: the lines of the records whose checks are decided at the end (purchase events and alerts
    /// naming a transaction, velocity frauds), by location, so that the records those checks find broken are
    /// quarantined too; nil without one.
    var endLines: [RecordLocation: [UInt8]]?
    /// The failures of those checks, found at the end: the quarantine's entries for them.
    var endFailures: [(check: String, location: RecordLocation, message: String)] = []

    /// Keeps the line of the record being checked for a check decided at the end (with a quarantine only).
    func keepForEnd(_ location: RecordLocation) {
        if endLines != nil { endLines![location] = Array(record) }
    }

    /// A record kept with ``keepForEnd(_:)`` broke `tally`'s check, found at the end: counted there, and noted for the
    /// quarantine. `counted`: the record was counted as checked already (``Tally/failCounted(at:id:_:)``).
    func failAtEnd(_ tally: inout Tally, at location: RecordLocation, id: String?, counted: Bool = false, _ message: String) {
        if counted { tally.failCounted(at: location, id: id, message) } else { tally.fail(at: location, id: id, message) }
        if endLines != nil { endFailures.append((tally.id, location, Tally.bounded(message))) }
    }

    /// A parser of its own for reading a record again (``field(_:of:)``), made when first needed.
    private var rereader: RecordParser?

    /// The string value of the top-level member `name` of `record`, read again from its line (for the message
    /// of a finding judged after the record's parse is gone: rare, so not worth keeping every record's IDs).
    func field(_ name: String, of record: UnsafeBufferPointer<UInt8>) -> String? {
        if rereader == nil { rereader = RecordParser() }
        guard case let .success(tokens) = rereader!.parse(record, readable: record.count), tokens.kind(0) == .object,
              let member = tokens.member(0, name.utf8), tokens.kind(member) == .string else { return nil }
        return tokens.string(member).text
    }

    /// The local time of `instant` in city `city`'s zone.
    func local(_ instant: Int64, city: Int) -> Int64 {
        if instant >= validFrom[city] && instant < validUntil[city] { return instant + lastOffset[city] }
        if zones[city] == nil { zones[city] = ZoneOffsets(identifier: catalog.cities[city].timeZone) }
        guard let zone = zones[city] else {
            (validFrom[city], validUntil[city], lastOffset[city]) = (.min, .max, 0)
            return instant
        }
        let dayStart = Timestamp.floorDiv(instant, Timestamp.millisecondsPerDay) * Timestamp.millisecondsPerDay
        let first = zone.offsetMilliseconds(at: Timestamp(milliseconds: dayStart))
        if first == zone.offsetMilliseconds(at: Timestamp(milliseconds: dayStart + Timestamp.millisecondsPerDay - 1)) {
            (validFrom[city], validUntil[city], lastOffset[city]) = (dayStart, dayStart + Timestamp.millisecondsPerDay, first)
        } else {
            let hourStart = Timestamp.floorDiv(instant, 3_600_000) * 3_600_000
            (validFrom[city], validUntil[city]) = (hourStart, hourStart + 3_600_000)
            lastOffset[city] = zone.offsetMilliseconds(at: Timestamp(milliseconds: hourStart))
        }
        return instant + lastOffset[city]
    }
}

/// Where the current record's fields are: token indexes by slot (-1 when absent). Owned by the validator and
/// valid for one record.
typealias Slots = UnsafeBufferPointer<Int32>

/// The checks of one record type beyond its schema.
protocol TypeChecker: AnyObject {
    var type: RecordType { get }
    var matcher: SchemaMatcher { get }
    var context: CheckContext { get }
    /// Slot of the record's ID and of its timestamp.
    var idSlot: Int { get }
    var timestampSlot: Int { get }
    /// Hashes of the record IDs seen (uniqueness, and references from other types).
    var ids: HashSet64 { get set }
    /// Adds a record ID to the set; false when it was there. (Each checker's own: through the protocol's `ids`, every
    /// record's insert would copy the set's reference in and out.)
    func insertID(_ hash: UInt64) -> Bool
    /// Starts loading the place of an ID hash in the set.
    func prefetchID(_ hash: UInt64)
    /// Starts loading the catalog entries ``check(_:_:timestamp:at:id:)`` will look up for this record (called
    /// right after the schema walk, so that the loads overlap the checks every record type shares).
    func prefetch(_ tokens: Tokens, _ slots: Slots)
    /// Checks one record that passed parsing; `slots` locate its fields (-1 absent), `timestamp` is its parsed
    /// time when valid.
    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?)
    /// The record-level tallies, for the quarantine.
    var tallies: [Tally] { get }
    /// The finished checks (other types' checkers are there for cross-type checks).
    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult]
    /// The observed distributions for the report.
    func distributions() -> JSONValue
    /// Adds what a shard's checker of the same type saw (its own records, in no particular order to this
    /// one's); `order` ranks locations in read order, so kept examples and lists are the first ones read.
    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder)
}

extension TypeChecker {
    func prefetch(_ tokens: Tokens, _ slots: Slots) {}

    /// Whether the value at `slot` is there and the schema accepts it: the checks beyond the schema judge such values
    /// only, so that a value the schema rejects (a `USER_1` user_id, a negative amount) is the schema's one finding, not
    /// also a user the catalog lacks or an amount that disagrees.
    /// As ``SchemaMatcher/accepts(_:_:_:)`` says, without asking it when the record broke no rule (then every value there
    /// but null is one its field accepts).
    @inline(__always)
    func accepted(_ tokens: Tokens, _ slots: Slots, _ slot: Int) -> Bool {
        context.schemaClean ? tokens.hasValue(slot: slots, slot) : matcher.accepts(tokens, slots, slot)
    }

    /// The string at `slot` when the schema accepts it (see ``accepted(_:_:_:)``).
    @inline(__always)
    func acceptedString(_ tokens: Tokens, _ slots: Slots, _ slot: Int) -> UnsafeBufferPointer<UInt8>? {
        accepted(tokens, slots, slot) ? tokens.string(slot: slots, slot) : nil
    }

    /// The number at `slot` when the schema accepts it (see ``accepted(_:_:_:)``).
    @inline(__always)
    func acceptedNumber(_ tokens: Tokens, _ slots: Slots, _ slot: Int) -> Double? {
        accepted(tokens, slots, slot) ? tokens.number(slot: slots, slot) : nil
    }
}

extension Tokens {
    /// The position among its enum's values of the value at `slot` of `matcher`'s record, or -1.
    @inline(__always) func enumPosition(slot: Slots, _ index: Int, of matcher: SchemaMatcher) -> Int32 {
        slot[matcher.slotCount &+ index]
    }

    /// The string at a slot, if present and a string.
    @inline(__always) func string(slot: Slots, _ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let token = Int(slot[index])
        return token >= 0 && kind(token) == .string ? string(token) : nil
    }

    @inline(__always) func number(slot: Slots, _ index: Int) -> Double? {
        let token = Int(slot[index])
        return token >= 0 ? number(token) : nil
    }

    /// The integer at a slot (nil for fractions and other kinds).
    @inline(__always) func integer(slot: Slots, _ index: Int) -> Int64? {
        let token = Int(slot[index])
        return token >= 0 ? integer(token) : nil
    }

    /// Whether the field at a slot is there with a value other than null (of whatever type).
    @inline(__always) func hasValue(slot: Slots, _ index: Int) -> Bool {
        let token = Int(slot[index])
        return token >= 0 && kind(token) != .null
    }

    @inline(__always) func bool(slot: Slots, _ index: Int) -> Bool? {
        let token = Int(slot[index])
        guard token >= 0 else { return nil }
        switch kind(token) {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    @inline(__always) func isNull(slot: Slots, _ index: Int) -> Bool {
        let token = Int(slot[index])
        return token >= 0 && kind(token) == .null
    }
}

/// Counts of a categorical field by name, in a fixed name order.
struct SplitCounter {
    let names: [String]
    private let store = ByteStore()
    private let bytes: [UnsafeBufferPointer<UInt8>]
    var counts: [Int]
    /// Values that are none of the names.
    private(set) var other: [String: Int] = [:]

    init(_ names: [String]) {
        self.names = names
        let store = self.store
        bytes = names.map { store.intern($0.utf8) }
        counts = Array(repeating: 0, count: names.count)
    }

    /// Unknown values kept by name; beyond it, the largest names are let go, so the ones kept (the smallest)
    /// do not depend on the order values came in.
    static let otherLimit = 1000

    mutating func add(_ value: UnsafeBufferPointer<UInt8>) {
        for index in bytes.indices where sameBytes(value, bytes[index]) {
            counts[index] += 1
            return
        }
        addOther(value.text, 1)
    }

    /// The position of `value` in `names`, if it is one.
    func index(of value: UnsafeBufferPointer<UInt8>) -> Int? { bytes.indices.first { sameBytes(value, bytes[$0]) } }

    /// Counts a value that is none of the names.
    mutating func addOther(_ name: String, _ count: Int = 1) {
        if other.count >= Self.otherLimit, other[name] == nil, let largest = otherLargest, name > largest { return }
        other[name, default: 0] += count
        if other.count > Self.otherLimit, let largest = otherLargest ?? other.keys.max() { other[largest] = nil }
        if other.count >= Self.otherLimit { otherLargest = other.keys.max() }
    }

    /// The largest kept unknown name, once the limit is reached.
    private var otherLargest: String?

    /// Adds another shard's counts.
    mutating func merge(_ shard: SplitCounter) {
        for index in counts.indices { counts[index] += shard.counts[index] }
        for (name, count) in shard.other { addOther(name, count) }
    }

    /// Counts one value given by its position in `names`.
    mutating func add(index: Int) { counts[index] += 1 }

    /// Counts the string at `slot` of the record `matcher` walked, if there is one, by the position among its enum's
    /// values the walk found, else by its bytes (the counter's names must be the field's enum values in the schema's
    /// order: see ``SchemaMatcher/enumValues(slot:)``).
    @inline(__always)
    mutating func add(slot: Int, of tokens: Tokens, _ slots: Slots, _ matcher: SchemaMatcher) {
        guard let value = tokens.string(slot: slots, slot) else { return }
        let position = tokens.enumPosition(slot: slots, slot, of: matcher)
        if position >= 0 { counts[Int(position)] += 1 } else { add(value) }
    }

    var total: Int { counts.reduce(0, +) }

    func json(expected: [Double]?) -> JSONValue {
        var members = zip(names, counts).map { ($0, JSONValue.int(Int64($1))) }
        members += other.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }
        return .object([
            ("counts", .object(members)),
            ("expected", expected.map { shares in .object(zip(names, shares).map { ($0, .double($1)) }) } ?? .null),
        ])
    }
}

/// A fixed-width histogram.
struct Histogram {
    let low: Double
    let high: Double
    var counts: [Int]
    var minimum = Double.infinity
    var maximum = -Double.infinity

    init(low: Double, high: Double, bins: Int) {
        self.low = low
        self.high = high
        counts = Array(repeating: 0, count: bins)
    }

    mutating func add(_ value: Double) {
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        let position = (value - low) / (high - low) * Double(counts.count)
        // Clamped as a Double: a value such as 1e300 is past the last bin, not a trap converting it to Int.
        let bin = position.isFinite ? Int(min(max(position, 0), Double(counts.count - 1))) : 0
        counts[bin] += 1
    }

    /// Adds another shard's counts (same bins).
    mutating func merge(_ shard: Histogram) {
        for index in counts.indices { counts[index] += shard.counts[index] }
        minimum = min(minimum, shard.minimum)
        maximum = max(maximum, shard.maximum)
    }

    var edges: [Double] { (0...counts.count).map { low + (high - low) * Double($0) / Double(counts.count) } }

    func json(extra: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("edges", .array(edges.map { .double($0) })), ("counts", .array(counts.map { .int(Int64($0)) })),
        ]
        if minimum <= maximum { members += [("min", .double(minimum)), ("max", .double(maximum))] }
        return .object(members + extra)
    }
}

/// A deterministic sample of at most `limit` items: those with the smallest hashes (a bottom-k sketch), so
/// the sample does not depend on record order. Items with the same hash (records sharing an ID) are ranked by a
/// second hash of their own content, so that neither the order of a run nor its thread count decides between them.
struct BottomSample<Item> {
    let limit: Int
    private(set) var heap: [(hash: UInt64, tiebreak: UInt64, item: Item)] = []

    init(limit: Int) { self.limit = limit }

    @inline(__always)
    private func above(_ a: (hash: UInt64, tiebreak: UInt64, item: Item), _ b: (hash: UInt64, tiebreak: UInt64, item: Item)) -> Bool {
        a.hash != b.hash ? a.hash > b.hash : a.tiebreak > b.tiebreak
    }

    mutating func offer(_ hash: UInt64, tiebreak: UInt64, _ item: @autoclosure () -> Item) {
        if heap.count < limit {
            heap.append((hash, tiebreak, item()))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard above(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if hash < heap[0].hash || (hash == heap[0].hash && tiebreak < heap[0].tiebreak) {
            heap[0] = (hash, tiebreak, item())
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < heap.count, above(heap[left], heap[largest]) { largest = left }
                if right < heap.count, above(heap[right], heap[largest]) { largest = right }
                if largest == parent { break }
                heap.swapAt(parent, largest)
                parent = largest
            }
        }
    }

    /// Offers another shard's sample: the result is the sample of both shards' items.
    mutating func merge(_ shard: BottomSample<Item>) {
        for entry in shard.heap { offer(entry.hash, tiebreak: entry.tiebreak, entry.item) }
    }

    /// The sample, in hash order (then tie-break order).
    var items: [Item] { heap.sorted { above($1, $0) }.map(\.item) }
}
