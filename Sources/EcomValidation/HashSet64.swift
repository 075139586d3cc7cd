internal import CSimdJSON

/// A set of 64-bit hashes with open addressing: 8 bytes a slot, for the IDs of tens of millions of records
/// in bounded memory. Zero is stored apart, so every value can be a member.
struct HashSet64 {
    private var slots: [UInt64]
    private var mask: Int
    private var hasZero = false
    private(set) var count = 0

    init(capacity: Int = 1 << 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds `value`; false when it was already there.
    mutating func insert(_ value: UInt64) -> Bool {
        if value == 0 {
            defer { hasZero = true }
            if hasZero { return false }
            count += 1
            return true
        }
        if (count + 1) * 10 > slots.count * 7 { grow() }
        var index = Int(truncatingIfNeeded: value.mixed) & mask
        while true {
            let slot = slots[index]
            if slot == value { return false }
            if slot == 0 {
                slots[index] = value
                count += 1
                return true
            }
            index = (index + 1) & mask
        }
    }

    /// Starts loading the slot where `value` would be (a hint: nothing changes).
    @inline(__always)
    func prefetch(_ value: UInt64) {
        let index = Int(truncatingIfNeeded: value.mixed) & mask
        slots.withUnsafeBufferPointer { ecj_prefetch($0.baseAddress! + index) }
    }

    func contains(_ value: UInt64) -> Bool {
        if value == 0 { return hasZero }
        var index = Int(truncatingIfNeeded: value.mixed) & mask
        while true {
            let slot = slots[index]
            if slot == value { return true }
            if slot == 0 { return false }
            index = (index + 1) & mask
        }
    }

    /// Makes room for `capacity` values at once (growing by doubling would briefly hold both tables).
    mutating func reserve(_ capacity: Int) {
        var size = slots.count
        while capacity * 10 > size * 7 { size <<= 1 }
        if size > slots.count { rehash(to: size) }
    }

    private mutating func grow() { rehash(to: slots.count * 2) }

    private mutating func rehash(to size: Int) {
        let old = slots
        slots = Array(repeating: 0, count: size)
        mask = slots.count - 1
        for value in old where value != 0 {
            var index = Int(truncatingIfNeeded: value.mixed) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = value
        }
    }
}

/// Starts loading the cache line at `address` into the cache (a hint: nothing changes), for a table lookup a few
/// records ahead.
@inline(__always)
public func prefetch(_ address: UnsafeRawPointer) { ecj_prefetch(address) }

extension UInt64 {
    /// A finaliser (SplitMix64's) so that similar hashes spread over a hash table.
    public var mixed: UInt64 {
        var z = self &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The 64-bit hash of an ID's bytes (FNV-1a).
func idHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
