import Foundation

/// A calendar date (proleptic Gregorian), without time or zone.
public struct CivilDate: Sendable, Equatable, Comparable, Hashable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Creates a date; no range check (see ``init(parsing:)``).
    @inlinable
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    @inlinable
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    public init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), month: Int(m), day: Int(d))
    }

    /// Day of the week, 0 = Monday ... 6 = Sunday.
    public var weekday: Int { CivilDate.weekday(daysSinceEpoch: daysSinceEpoch) }

    /// Day of the week of a day number, 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday).
    public static func weekday(daysSinceEpoch days: Int64) -> Int {
        Int(((days % 7) + 7 + 3) % 7)
    }

    /// Days in `month` (1-12) of `year`, leap years included.
    @inlinable
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
}

/// An instant as milliseconds since the Unix epoch, UTC.
public struct Timestamp: Sendable, Equatable, Comparable, Hashable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    public static let millisecondsPerDay: Int64 = 86_400_000
    public static let millisecondsPerHour: Int64 = 3_600_000

    /// Wraps a millisecond count.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Midnight UTC of a date.
    public init(civil date: CivilDate) { milliseconds = date.daysSinceEpoch * Timestamp.millisecondsPerDay }

    /// The current wall-clock time.
    public static var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.mmm]]Z` or with a `±HH:MM` offset.
    public init?(parsing text: String) {
        if let date = CivilDate(parsing: text) {
            self.init(civil: date)
            return
        }
        guard text.count >= 17, let tIndex = text.firstIndex(where: { $0 == "T" || $0 == " " }),
              let date = CivilDate(parsing: String(text[..<tIndex]))
        else { return nil }
        var rest = Substring(text[text.index(after: tIndex)...])
        var offsetMinutes = 0
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            rest = rest.dropLast()
        } else if rest.count >= 6, let sign = rest.dropLast(5).last, sign == "+" || sign == "-" {
            let zone = rest.suffix(5)
            let zp = zone.split(separator: ":")
            guard zp.count == 2, let h = Int(zp[0]), let m = Int(zp[1]), h < 15, m < 60 else { return nil }
            offsetMinutes = (h * 60 + m) * (sign == "-" ? -1 : 1)
            rest = rest.dropLast(6)
        } else {
            return nil
        }
        let fields = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3, let hour = Int(fields[0]), let minute = Int(fields[1]),
              (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        var millis: Int64 = 0
        if fields.count == 3 {
            let secParts = fields[2].split(separator: ".", omittingEmptySubsequences: false)
            guard let sec = Int(secParts[0]), secParts[0].count == 2, (0..<60).contains(sec) else { return nil }
            millis = Int64(sec) * 1000
            if secParts.count == 2 {
                let frac = secParts[1]
                guard !frac.isEmpty, frac.count <= 9, let f = Int(frac) else { return nil }
                var scaled = f
                if frac.count < 3 { for _ in frac.count..<3 { scaled *= 10 } }
                if frac.count > 3 { for _ in 3..<frac.count { scaled /= 10 } }
                millis += Int64(scaled)
            } else if secParts.count > 2 {
                return nil
            }
        }
        self.init(milliseconds: date.daysSinceEpoch * Timestamp.millisecondsPerDay + Int64(hour) * 3_600_000 + Int64(minute) * 60_000
            + millis - Int64(offsetMinutes) * 60_000)
    }

    /// The UTC calendar date.
    public var civilDate: CivilDate { CivilDate(daysSinceEpoch: Timestamp.floorDiv(milliseconds, Timestamp.millisecondsPerDay)) }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var description: String {
        let buffer = ByteBuffer(capacity: 32)
        buffer.appendTimestamp(milliseconds)
        return buffer.string
    }

    /// Adds milliseconds.
    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Division rounding towards negative infinity.
    @inlinable @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// UTC offsets of an IANA time zone, read once from the system's tz database and cached per 15 minutes.
public struct ZoneOffsets: Sendable {
    /// The IANA identifier.
    public let identifier: String
    private let zone: TimeZone

    /// Loads a zone; nil when the identifier is unknown to the system's tz database.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    /// Offset from UTC in milliseconds at an instant (daylight saving time included).
    public func offsetMilliseconds(at instant: Timestamp) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant.milliseconds) / 1000))) * 1000
    }
}
