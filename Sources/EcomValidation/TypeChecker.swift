import EcomGeneration
import EcomJSON
import EcomModel

/// What every type's checks share: the settings, the reference catalog and cached zone offsets.
final class CheckContext {
    let settings: ValidationSettings
    var catalog: ReferenceCatalog { settings.catalog }
    private var zones: [ZoneOffsets?]
    /// Per city, the UTC hour last looked up and its offset (records come in time order, so this mostly hits).
    private var lastHour: [Int64]
    private var lastOffset: [Int64]

    init(settings: ValidationSettings) {
        self.settings = settings
        let cities = settings.catalog.cities.count
        zones = Array(repeating: nil, count: cities)
        lastHour = Array(repeating: .min, count: cities)
        lastOffset = Array(repeating: 0, count: cities)
    }

    /// The local time of `instant` in city `city`'s zone.
    func local(_ instant: Int64, city: Int) -> Int64 {
        let hour = Timestamp.floorDiv(instant, 3_600_000)
        if lastHour[city] == hour { return instant + lastOffset[city] }
        if zones[city] == nil { zones[city] = ZoneOffsets(identifier: catalog.cities[city].timeZone) }
        let offset = zones[city]?.offsetMilliseconds(at: Timestamp(milliseconds: hour * 3_600_000)) ?? 0
        lastHour[city] = hour
        lastOffset[city] = offset
        return instant + offset
    }
}

/// Where the current record's fields are: token indexes by slot (-1 when absent). Owned by the validator and
/// valid for one record.
typealias Slots = UnsafeBufferPointer<Int32>

/// The checks of one record type beyond its schema.
protocol TypeChecker: AnyObject {
    var type: RecordType { get }
    var matcher: SchemaMatcher { get }
    /// Slot of the record's ID and of its timestamp.
    var idSlot: Int { get }
    var timestampSlot: Int { get }
    /// Hashes of the record IDs seen (uniqueness, and references from other types).
    var ids: HashSet64 { get set }
    /// Checks one record that passed parsing; `slots` locate its fields (-1 absent), `timestamp` is its parsed
    /// time when valid.
    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?)
    /// The record-level tallies, for the quarantine.
    var tallies: [Tally] { get }
    /// The finished checks (other types' checkers are there for cross-type checks).
    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult]
    /// The observed distributions for the report.
    func distributions() -> JSONValue
}

extension Tokens {
    /// The string at a slot, if present and a string.
    @inline(__always) func string(slot: Slots, _ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let token = Int(slot[index])
        return token >= 0 && kind(token) == .string ? string(token) : nil
    }

    @inline(__always) func number(slot: Slots, _ index: Int) -> Double? {
        let token = Int(slot[index])
        return token >= 0 ? number(token) : nil
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
    private(set) var counts: [Int]
    /// Values that are none of the names.
    private(set) var other: [String: Int] = [:]

    init(_ names: [String]) {
        self.names = names
        let store = self.store
        bytes = names.map { store.intern($0.utf8) }
        counts = Array(repeating: 0, count: names.count)
    }

    mutating func add(_ value: UnsafeBufferPointer<UInt8>) {
        for index in bytes.indices where sameBytes(value, bytes[index]) {
            counts[index] += 1
            return
        }
        if other.count < 1000 { other[value.text, default: 0] += 1 }
    }

    /// Counts one value given by its position in `names`.
    mutating func add(index: Int) { counts[index] += 1 }

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
    private(set) var counts: [Int]
    private(set) var minimum = Double.infinity
    private(set) var maximum = -Double.infinity

    init(low: Double, high: Double, bins: Int) {
        self.low = low
        self.high = high
        counts = Array(repeating: 0, count: bins)
    }

    mutating func add(_ value: Double) {
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        let position = (value - low) / (high - low) * Double(counts.count)
        let bin = position.isFinite ? min(max(Int(position), 0), counts.count - 1) : 0
        counts[bin] += 1
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
/// the sample does not depend on record order.
struct BottomSample<Item> {
    let limit: Int
    private var heap: [(hash: UInt64, item: Item)] = []

    init(limit: Int) { self.limit = limit }

    mutating func offer(_ hash: UInt64, _ item: @autoclosure () -> Item) {
        if heap.count < limit {
            heap.append((hash, item()))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].hash > heap[parent].hash else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if hash < heap[0].hash {
            heap[0] = (hash, item())
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < heap.count, heap[left].hash > heap[largest].hash { largest = left }
                if right < heap.count, heap[right].hash > heap[largest].hash { largest = right }
                if largest == parent { break }
                heap.swapAt(parent, largest)
                parent = largest
            }
        }
    }

    /// The sample, in hash order.
    var items: [Item] { heap.sorted { $0.hash < $1.hash }.map(\.item) }
}
