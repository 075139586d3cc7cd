import Foundation

/// A real city: where users live and where records are located.
public struct City: Sendable, Equatable {
    /// Position in ``City/all``.
    public let index: Int
    /// Common English name.
    public let name: String
    /// ISO 3166-1 alpha-2 code.
    public let country: String
    /// State, province or region.
    public let state: String
    /// Latitude of the centre, degrees.
    public let latitude: Double
    /// Longitude of the centre, degrees.
    public let longitude: Double
    /// IANA time zone.
    public let timeZone: String
    /// Region of the seed's distribution.
    public let region: Region
    /// Continent, used by location fraud ("another continent").
    public let continent: String

    /// Every city of the fixture, in table order.
    public static let all: [City] = {
        var cities: [City] = []
        for line in cityTableTSV.split(separator: "\n") where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            precondition(fields.count == 8, "city table: bad line \(line)")
            cities.append(City(
                index: cities.count, name: fields[0], country: fields[1], state: fields[2],
                latitude: Double(fields[3])!, longitude: Double(fields[4])!, timeZone: fields[5],
                region: Region(rawValue: fields[6])!, continent: fields[7]))
        }
        return cities
    }()

    /// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
    public static func distanceKm(latitude1: Double, longitude1: Double, latitude2: Double, longitude2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (latitude2 - latitude1) * radians
        let dLon = (longitude2 - longitude1) * radians
        let a = sin(dLat / 2) * sin(dLat / 2)
            + cos(latitude1 * radians) * cos(latitude2 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371.0088 * asin(Swift.min(1, a.squareRoot()))
    }

    /// Distance in kilometres to another city's centre.
    public func distanceKm(to other: City) -> Double {
        City.distanceKm(latitude1: latitude, longitude1: longitude, latitude2: other.latitude, longitude2: other.longitude)
    }
}
