@testable import EcomValidation
import EcomModel
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

/// The coordinate check passes a point without the haversine formula only when an upper bound of the distance is
/// inside the limit: never for a point the exact distance puts outside it, at any latitude (the poles, across the
/// antimeridian), and for nearly every point well inside (else the shortcut would not save anything).
@Test func theNearnessShortcutNeverPassesAPointOutsideTheRadius() {
    var random = SystemRandomNumberGenerator()
    var insideTaken = 0, inside = 0
    for index in 0..<200_000 {
        let centre = (latitude: Double.random(in: -89.9...89.9, using: &random), longitude: Double.random(in: -180...180, using: &random))
        let limit = [0.5, 25.5, 50.5, 200.0][index % 4]
        // Points from the centre to a few times the limit away, some across the antimeridian or a pole.
        let spread = limit / 111.0 * 3
        let latitude = max(-90, min(90, centre.latitude + Double.random(in: -spread...spread, using: &random)))
        var longitude = centre.longitude + Double.random(in: -spread...spread, using: &random) / max(0.05, cos(centre.latitude * .pi / 180))
        if longitude > 180 { longitude -= 360 } else if longitude < -180 { longitude += 360 }
        let exact = City.distanceKm(latitude1: latitude, longitude1: longitude, latitude2: centre.latitude, longitude2: centre.longitude)
        let taken = TransactionChecker.surelyWithin(limit, latitude, longitude, of: centre, cosine: cos(centre.latitude * .pi / 180))
        if taken && exact > limit {
            Issue.record("(\(latitude), \(longitude)) passed as within \(limit) km of \(centre), but is \(exact) km away")
            return
        }
        if exact <= 0.9 * limit && abs(centre.latitude) < 80 && abs(longitude - centre.longitude) < 180 {
            inside += 1
            if taken { insideTaken += 1 }
        }
    }
    #expect(inside > 10_000 && Double(insideTaken) / Double(inside) > 0.99, "\(insideTaken) of \(inside) points well inside taken")
}

/// Every amount written with two decimals is whole cents, as its double reads back; one with a third decimal that is
/// not 0 is not; values beyond 2^52 cents are whole.
@Test func wholeCentsAreTheAmountsWrittenWithTwoDecimals() {
    for cents in stride(from: -200_000, through: 2_000_000, by: 1) where cents % 7 == 0 || abs(cents) < 20_000 {
        let text = String(format: "%.2f", Double(cents) / 100)
        #expect(TransactionChecker.isWholeCents(Double(text)!), "\(text)")
        for third in [1, 4, 5, 9] where cents % 97 == 0 {
            let odd = text + "\(third)"
            #expect(!TransactionChecker.isWholeCents(Double(odd)!), "\(odd)")
        }
    }
    for value in [99999999999.99, 4503599627370.49, 1e15, -1e15, 1e300, .greatestFiniteMagnitude] {
        #expect(TransactionChecker.isWholeCents(value), "\(value)")
    }
    #expect(!TransactionChecker.isWholeCents(0.001) && !TransactionChecker.isWholeCents(-0.009) && !TransactionChecker.isWholeCents(12345678.905))
}
