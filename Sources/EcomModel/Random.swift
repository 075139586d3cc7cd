import Foundation

/// SplitMix64: a tiny generator used to derive independent seeds.
public struct SplitMix64: Sendable {
    private var state: UInt64
    /// Starts from `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes several values into one well-distributed key (order matters).
    public static func mix(_ values: UInt64...) -> UInt64 {
        var generator = SplitMix64(seed: 0x5EED_0F_EC0D_A7A)
        var acc: UInt64 = 0
        for value in values {
            generator = SplitMix64(seed: acc ^ value &+ generator.next())
            acc = generator.next()
        }
        return acc
    }
}

/// xoshiro256**: the stream every generation block draws from, seeded from the run seed and the
/// block's identity so that output never depends on scheduling.
public struct RandomStream: Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A stream keyed by any number of integers (seed, record type, block start, ...).
    public init(key: UInt64...) {
        var mixer = SplitMix64(seed: 0)
        for value in key { mixer = SplitMix64(seed: mixer.next() ^ value) }
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in [0, bound), bound > 0 (Lemire's multiply-shift; bias below 2^-32 for our bounds).
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// Uniform integer in the closed range.
    @inline(__always)
    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// Uniform double in [low, high).
    @inline(__always)
    public mutating func double(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// True with probability `p`.
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A standard normal deviate (Box-Muller).
    public mutating func normal() -> Double {
        var u = unit()
        if u < 1e-300 { u = 1e-300 }
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// An exponential deviate with mean 1.
    public mutating func exponential() -> Double {
        var u = unit()
        if u < 1e-300 { u = 1e-300 }
        return -log(u)
    }

    /// A binomial deviate: exact inversion for small means, a rounded normal approximation otherwise.
    public mutating func binomial(_ n: Int, _ p: Double) -> Int {
        if n <= 0 || p <= 0 { return 0 }
        if p >= 1 { return n }
        let mean = Double(n) * p
        if mean < 30 || Double(n) * (1 - p) < 30 {
            if p > 0.5 { return n - binomial(n, 1 - p) }
            // Inversion by sequential search; q^n underflows only for means far above 30.
            let q = 1 - p
            var probability = pow(q, Double(n))
            var cumulative = probability
            let u = unit()
            var k = 0
            while u > cumulative && k < n {
                probability *= Double(n - k) / Double(k + 1) * p / q
                cumulative += probability
                k += 1
            }
            return k
        }
        let sd = (mean * (1 - p)).squareRoot()
        let draw = Int((mean + sd * normal()).rounded())
        return Swift.min(n, Swift.max(0, draw))
    }
}

/// Picks an index by weight in O(1) (Walker's alias method); deterministic for a given stream.
public struct AliasTable: Sendable {
    private let probability: [Double]
    private let alias: [Int]

    /// Builds a table; weights must be non-negative with a positive sum.
    public init(weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { total > 0 ? $0 * Double(n) / total : 1 }
        var probability = [Double](repeating: 1, count: n)
        var alias = Array(0..<n)
        var small: [Int] = [], large: [Int] = []
        for (i, w) in scaled.enumerated() { if w < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast(), let l = large.last {
            probability[s] = scaled[s]
            alias[s] = l
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        self.probability = probability
        self.alias = alias
    }

    /// Number of outcomes.
    public var count: Int { probability.count }

    /// Draws an index.
    @inline(__always)
    public func sample(_ stream: inout RandomStream) -> Int {
        let i = stream.below(probability.count)
        return stream.unit() < probability[i] ? i : alias[i]
    }
}

/// Many alias tables in four flat arrays (no per-table allocation, nothing to reference-count when
/// sampling): group `g` picks one of its values by weight.
public struct FlatAliasTables: Sendable {
    private let start: [Int32]
    private let values: [Int32]
    private let probability: [Double]
    private let alias: [Int32]

    /// Builds one table per group from its values and their weights.
    public init(groups: [[(value: Int32, weight: Double)]]) {
        var start: [Int32] = [0], values: [Int32] = [], probability: [Double] = [], alias: [Int32] = []
        for group in groups {
            let table = AliasTable(weights: group.map(\.weight))
            let base = Int32(values.count)
            for (index, entry) in group.enumerated() {
                values.append(entry.value)
                let (p, a) = table.entry(index)
                probability.append(p)
                alias.append(base + Int32(a))
            }
            start.append(Int32(values.count))
        }
        self.start = start
        self.values = values
        self.probability = probability
        self.alias = alias
    }

    /// Draws a value of group `group` (which must not be empty).
    @inline(__always)
    public func sample(_ group: Int, _ stream: inout RandomStream) -> Int32 {
        let base = Int(start[group])
        let i = base + stream.below(Int(start[group + 1]) - base)
        return values[stream.unit() < probability[i] ? i : Int(alias[i])]
    }
}

extension AliasTable {
    /// The probability and alias of outcome `index`.
    func entry(_ index: Int) -> (Double, Int) { (probability[index], alias[index]) }
}
