import EcomValidation

/// Where the first copy of each ID was read, by the ID's hash: an open-addressing table of 24-byte slots (the
/// partition and offset packed into one word), sized once for the records an audit will read, for millions of IDs
/// in bounded memory. Zero is stored apart, so every hash can be a key.
struct FirstCopies {
    /// Where a copy was read and its payload's hash.
    struct Copy {
        var partition: Int32
        var offset: Int64
        var payloadHash: UInt64
        /// Whether it is on its key's partition (a copy there is the record; one elsewhere a stray copy).
        var home: Bool
    }

    private struct Slot {
        var key: UInt64
        /// Home in the top bit, partition in the next 15 bits, offset in the low 48.
        var place: UInt64
        var payloadHash: UInt64
    }

    private var slots: [Slot]
    private var mask: Int
    private var zero: Copy?
    private(set) var count = 0

    init(capacity: Int = 1 << 10) {
        var size = 16
        while capacity * 10 > size * 7 { size <<= 1 }
        slots = Array(repeating: Slot(key: 0, place: 0, payloadHash: 0), count: size)
        mask = size - 1
    }

    subscript(hash: UInt64) -> Copy? {
        get {
            if hash == 0 { return zero }
            let index = find(hash)
            return slots[index].key == hash ? Self.copy(slots[index]) : nil
        }
        set {
            guard let newValue else { preconditionFailure("first copies are replaced, never removed") }
            if hash == 0 {
                if zero == nil { count += 1 }
                zero = newValue
                return
            }
            if (count + 1) * 10 > slots.count * 7 { rehash(to: slots.count * 2) }
            let index = find(hash)
            if slots[index].key != hash { count += 1 }
            // Kafka partitions past 65535 or offsets past 2^48 do not occur (a topic's partitions are in the thousands).
            precondition(newValue.partition >= 0 && newValue.partition < 1 << 15 && newValue.offset >= 0 && newValue.offset < 1 << 48,
                         "partition \(newValue.partition) offset \(newValue.offset) out of range")
            slots[index] = Slot(key: hash, place: (newValue.home ? 1 << 63 : 0) | UInt64(newValue.partition) << 48 | UInt64(newValue.offset),
                                payloadHash: newValue.payloadHash)
        }
    }

    /// Every entry, in no particular order.
    var entries: [(hash: UInt64, copy: Copy)] {
        var all = slots.filter { $0.key != 0 }.map { ($0.key, Self.copy($0)) }
        if let zero { all.append((0, zero)) }
        return all
    }

    /// Starts loading the slot where `hash` would be (a hint: nothing changes).
    @inline(__always)
    func prefetch(_ hash: UInt64) {
        let index = Int(truncatingIfNeeded: hash.mixed) & mask
        slots.withUnsafeBufferPointer { EcomValidation.prefetch($0.baseAddress! + index) }
    }

    /// Makes room for `capacity` IDs at once (growing by doubling would briefly hold both tables).
    mutating func reserve(_ capacity: Int) {
        var size = slots.count
        while capacity * 10 > size * 7 { size <<= 1 }
        if size > slots.count { rehash(to: size) }
    }

    /// The slot holding `hash`, or the empty one where it would go.
    private func find(_ hash: UInt64) -> Int {
        var index = Int(truncatingIfNeeded: hash.mixed) & mask
        while slots[index].key != hash && slots[index].key != 0 { index = (index + 1) & mask }
        return index
    }

    private mutating func rehash(to size: Int) {
        let old = slots
        slots = Array(repeating: Slot(key: 0, place: 0, payloadHash: 0), count: size)
        mask = size - 1
        for slot in old where slot.key != 0 { slots[find(slot.key)] = slot }
    }

    private static func copy(_ slot: Slot) -> Copy {
        Copy(partition: Int32((slot.place >> 48) & 0x7FFF), offset: Int64(slot.place & (1 << 48 - 1)), payloadHash: slot.payloadHash,
             home: slot.place >> 63 == 1)
    }
}
