import Foundation

/// Byte strings kept at stable addresses for `memcmp` comparisons on the hot path (names, enum values);
/// freed with their store.
final class ByteStore: @unchecked Sendable {
    // Only appended to while the owner is being built; read-only afterwards.
    private var blocks: [UnsafeMutableBufferPointer<UInt8>] = []

    /// A stable copy of `bytes`.
    func intern(_ bytes: some Collection<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let block = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = block.initialize(from: bytes)
        blocks.append(block)
        return UnsafeBufferPointer(start: block.baseAddress, count: bytes.count)
    }

    deinit { for block in blocks { block.deallocate() } }
}

/// Whether two byte strings are equal (names and IDs are short: compared in place in words of 8 or 4 bytes, the
/// last word overlapping the one before, so that no length needs a loop over single bytes).
@inline(__always)
func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let count = a.count
    guard count == b.count else { return false }
    guard count > 0, let p = a.baseAddress, let q = b.baseAddress else { return true }
    let x = UnsafeRawPointer(p), y = UnsafeRawPointer(q)
    if count >= 8 {
        if count > 32 { return memcmp(p, q, count) == 0 }
        var offset = 0
        while offset + 8 < count {
            if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        return x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4 {
        return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
            && x.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    // One to three bytes: the first, the middle and the last cover them all.
    return p[0] == q[0] && p[count >> 1] == q[count >> 1] && p[count - 1] == q[count - 1]
}

/// Whether a byte string is the literal `name` (member names on the hot path).
@inline(__always)
func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
    sameBytes(a, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
}

/// A map from 64-bit hashes to small integers with open addressing (no hashing of its own beyond a mix).
struct HashMap64 {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// The value of `key` (keys are hashes; 0 is mapped to 1 so it can mark empty slots).
    @inline(__always)
    func value(_ key: UInt64) -> Int32? {
        let key = key == 0 ? 1 : key
        var index = Int(truncatingIfNeeded: key.mixed) & mask
        while true {
            let slot = keys[index]
            if slot == key { return values[index] }
            if slot == 0 { return nil }
            index = (index + 1) & mask
        }
    }

    /// Sets the value of `key`.
    mutating func set(_ key: UInt64, _ value: Int32) {
        let key = key == 0 ? 1 : key
        if (count + 1) * 10 > keys.count * 7 { grow() }
        var index = Int(truncatingIfNeeded: key.mixed) & mask
        while keys[index] != 0 && keys[index] != key { index = (index + 1) & mask }
        if keys[index] == 0 { count += 1 }
        keys[index] = key
        values[index] = value
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where key != 0 { set(key, value) }
    }
}

/// A map from byte-string IDs to small integers, laid out for look-ups that miss the cache (a catalog of
/// users is looked up once per record at a random place): a slot holds the ID's hash, its value and the ID
/// itself when it is at most 16 bytes, so that a look-up usually reads one cache line. IDs are keyed by
/// ``idHash(_:)``: of two IDs with the same hash, the later one is kept.
struct IDIndex {
    private struct Slot {
        var hash: UInt64 = 0
        var value: Int32 = -1
        var length: Int32 = 0
        /// The ID's bytes, zero-padded (IDs of at most 16 bytes).
        var head: (UInt64, UInt64) = (0, 0)
        /// The ID at a stable address (longer IDs).
        var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    }

    private var slots: [Slot]
    private var mask: Int
    private var count = 0

    init() {
        slots = Array(repeating: Slot(), count: 16)
        mask = 15
    }

    /// Maps `id` (kept at a stable address by the caller) to `value`.
    mutating func set(_ id: UnsafeBufferPointer<UInt8>, _ value: Int32) {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let hash = Self.key(id)
        var index = Int(truncatingIfNeeded: hash.mixed) & mask
        while slots[index].hash != 0 && slots[index].hash != hash { index = (index + 1) & mask }
        if slots[index].hash == 0 { count += 1 }
        slots[index] = Slot(hash: hash, value: value, length: Int32(id.count), head: Self.head(id), bytes: id)
    }

    /// The value of `id`, or nil.
    @inline(__always)
    func value(_ id: UnsafeBufferPointer<UInt8>) -> Int32? {
        let hash = Self.key(id)
        var index = Int(truncatingIfNeeded: hash.mixed) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let slot = slots[index]
                if slot.hash == hash {
                    guard slot.length == id.count else { return nil }
                    if id.count <= 16 {
                        let head = Self.head(id)
                        return head.0 == slot.head.0 && head.1 == slot.head.1 ? slot.value : nil
                    }
                    return sameBytes(slot.bytes, id) ? slot.value : nil
                }
                if slot.hash == 0 { return nil }
                index = (index + 1) & mask
            }
        }
    }

    /// Starts loading the slot where `id` would be (a hint: nothing changes). A catalog too big for the cache
    /// misses it at each look-up; fetched while other checks run, the look-up finds it there.
    @inline(__always)
    func prefetch(_ id: UnsafeBufferPointer<UInt8>) {
        let index = Int(truncatingIfNeeded: Self.key(id).mixed) & mask
        slots.withUnsafeBufferPointer { EcomValidation.prefetch($0.baseAddress! + index) }
    }

    /// The hash, with 0 (which marks empty slots) taken as 1.
    @inline(__always)
    private static func key(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let hash = idHash(id)
        return hash == 0 ? 1 : hash
    }

    /// The first 16 bytes, zero-padded.
    @inline(__always)
    private static func head(_ id: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var head: (UInt64, UInt64) = (0, 0)
        if let base = id.baseAddress { withUnsafeMutableBytes(of: &head) { $0.baseAddress!.copyMemory(from: base, byteCount: min(16, id.count)) } }
        return head
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for slot in old where slot.hash != 0 {
            var index = Int(truncatingIfNeeded: slot.hash.mixed) & mask
            while slots[index].hash != 0 { index = (index + 1) & mask }
            slots[index] = slot
            count += 1
        }
    }
}

/// An ID of up to 16 bytes (as records write theirs, `txn_000000098`) kept by value, without an allocation: the ID of a
/// record held for an order check (a key's, a session's), named when a later record shows it out of place.
public struct ShortID: Sendable {
    private var words: (UInt64, UInt64) = (0, 0)
    private var count: UInt8

    /// Nil for an ID longer than 16 bytes.
    public init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 16 else { return nil }
        count = UInt8(bytes.count)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
    }

    public var text: String {
        withUnsafeBytes(of: words) { String(decoding: $0.prefix(Int(count)), as: UTF8.self) }
    }
}
