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

/// Whether two byte strings are equal (names and IDs are short: compared 8 bytes at a time in place).
@inline(__always)
func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let count = a.count
    guard count == b.count else { return false }
    guard count > 0, let p = a.baseAddress, let q = b.baseAddress else { return true }
    if count > 32 { return memcmp(p, q, count) == 0 }
    let x = UnsafeRawPointer(p), y = UnsafeRawPointer(q)
    var offset = 0
    while offset + 8 <= count {
        if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
        offset += 8
    }
    while offset < count {
        if p[offset] != q[offset] { return false }
        offset += 1
    }
    return true
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
