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

    /// Every member, in no particular order.
    var values: [UInt64] { slots.filter { $0 != 0 } + (hasZero ? [0] : []) }

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

/// The 64-bit hash of an ID's bytes, 8 bytes a step: a record's IDs, user, product and city are hashed about seven
/// times per record, and a byte at a time (FNV-1a) each took a chain of one multiplication per byte. The length
/// seeds the hash and the words cover every byte (the last one overlapping the one before), so the steps see a
/// different sequence for different IDs; each step (xor, odd multiplication, xor-shift) is a bijection of the state,
/// and SplitMix64's finaliser spreads the result.
@inline(__always)
func idHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let count = bytes.count
    var hash = 0xCBF2_9CE4_8422_2325 ^ (UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15)
    @inline(__always) func step(_ word: UInt64) {
        hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 29
    }
    guard count > 0, let base = bytes.baseAddress else { return hash.mixed }
    let raw = UnsafeRawPointer(base)
    if count >= 8 {
        var offset = 0
        while offset + 8 <= count {
            step(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < count { step(raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) }
    } else if count >= 4 {
        step(UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32)
    } else {
        step(UInt64(base[0]) | UInt64(base[count >> 1]) << 8 | UInt64(base[count - 1]) << 16)
    }
    return hash.mixed
}

/// FNV-1a over bytes, a byte at a time: the checksum of partial files (kept as it was, so that the container's
/// check does not depend on how IDs are hashed).
func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
