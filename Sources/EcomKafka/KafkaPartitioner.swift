/// The partition a key lands on with Kafka's default partitioner (the Java client's, and librdkafka's
/// `murmur2_random` for keyed records): `(murmur2(key) & 0x7fffffff) % partitions`.
public enum KafkaPartitioner {
    /// Kafka's murmur2 (the Java client's `Utils.murmur2`: MurmurHash2, 32-bit, seed 0x9747b28c).
    public static func murmur2(_ data: UnsafeBufferPointer<UInt8>) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let length = data.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for block in 0..<blocks {
            let i = block * 4
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = blocks * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 1:
            h ^= UInt32(data[tail])
            h &*= m
        default: break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition of `key` among `partitions` partitions.
    public static func partition(of key: UnsafeBufferPointer<UInt8>, partitions: Int) -> Int32 {
        Int32((Int(murmur2(key)) & 0x7fff_ffff) % max(1, partitions))
    }
}
