@testable import EcomValidation
import Foundation
import Testing

// The validator's hot path replaces library calls with cheaper arithmetic; each replacement must give what the
// library gives, on every value, including the edges where a shortcut would go wrong.

/// Cents as the slow path computes them: rounded half away from zero, held within ±2^60, NaN as 0.
private func referenceCents(_ value: Double) -> Int64 {
    let scaled = (value * 100).rounded()
    guard !scaled.isNaN else { return 0 }
    let limit = Double(1 << 60)
    return Int64(max(-limit, min(limit, scaled)))
}

@Test func centsRoundHalfAwayFromZeroLikeRounded() {
    var values: [Double] = [0, -0.0, 0.005, -0.005, 0.015, 0.025, -0.025, 6.99, 13.54, 0.1 + 0.2, 1.005, 2.675, 1e-9, -1e-9,
                            0.004999999999999999, 0.0050000000000000001, 4503599627370.495, 4503599627370.496, 45035996273704.97,
                            -4503599627370.496, 1e15, -1e15, 1e300, -1e300, .infinity, -.infinity, .nan,
                            Double(Int64.max), Double(Int64.min), .ulpOfOne, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
    // Half-cent boundaries and their neighbours, where truncation and rounding part.
    for whole in stride(from: -2_000, through: 2_000, by: 7) {
        let half = (Double(whole) + 0.5) / 100
        values += [half, half.nextUp, half.nextDown]
    }
    var random = SystemRandomNumberGenerator()
    for _ in 0..<20_000 {
        values.append(Double.random(in: -100_000...100_000, using: &random))
        values.append(Double(bitPattern: random.next()))
    }
    for value in values {
        #expect(TransactionChecker.cents(value) == referenceCents(value), "cents(\(value))")
    }
}
