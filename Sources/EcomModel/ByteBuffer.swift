/// A growable byte buffer for writing NDJSON on the hot path: appends are pointer writes after one
/// capacity check, numbers and timestamps are formatted with integer arithmetic.
public final class ByteBuffer {
    private(set) var storage: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Number of bytes written.
    public private(set) var count = 0

    /// `YYYY-MM-DDT` of the last day formatted: records of a block share their day.
    private let dayPrefix = UnsafeMutablePointer<UInt8>.allocate(capacity: 11)
    private var prefixDay = Int64.min

    /// Creates an empty buffer with room for `capacity` bytes.
    public init(capacity: Int = 4096) {
        self.capacity = Swift.max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
        dayPrefix.deallocate()
    }

    /// The bytes written so far.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage, count: count) }

    /// The bytes written so far, as UTF-8 text.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Forgets the content, keeping the allocation.
    public func removeAll() { count = 0 }

    /// Drops everything after the first `length` bytes.
    public func truncate(to length: Int) { count = Swift.min(count, length) }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Appends one byte.
    @inline(__always)
    public func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    /// Appends raw bytes.
    @inline(__always)
    public func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        reserve(bytes.count)
        (storage + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    /// Appends raw bytes.
    @inline(__always)
    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Appends a literal's UTF-8 bytes, unescaped.
    @inline(__always)
    public func append(_ literal: StaticString) {
        append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends another buffer's content.
    public func append(_ other: ByteBuffer) { append(other.bytes) }

    /// Appends `text` as a JSON string, quotes included, escaping `"`, `\` and control characters.
    public func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        var copy = text
        copy.withUTF8 { appendEscaped($0) }
        append(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped for the inside of a JSON string, without quotes.
    public func appendEscaped(_ text: String) {
        var copy = text
        copy.withUTF8 { appendEscaped($0) }
    }

    /// Appends UTF-8 bytes escaped for the inside of a JSON string.
    public func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(utf8.count * 6)
        let hex: StaticString = "0123456789abcdef"
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): storage[count] = 0x5C; storage[count + 1] = byte; count += 2
            case UInt8(ascii: "\\"): storage[count] = 0x5C; storage[count + 1] = byte; count += 2
            case 0x0A: storage[count] = 0x5C; storage[count + 1] = UInt8(ascii: "n"); count += 2
            case 0x0D: storage[count] = 0x5C; storage[count + 1] = UInt8(ascii: "r"); count += 2
            case 0x09: storage[count] = 0x5C; storage[count + 1] = UInt8(ascii: "t"); count += 2
            case 0..<0x20:
                storage[count] = 0x5C; storage[count + 1] = UInt8(ascii: "u")
                storage[count + 2] = 0x30; storage[count + 3] = 0x30
                storage[count + 4] = hex.utf8Start[Int(byte >> 4)]
                storage[count + 5] = hex.utf8Start[Int(byte & 0xF)]
                count += 6
            default: storage[count] = byte; count += 1
            }
        }
    }

    /// Appends a decimal integer.
    @inline(__always)
    public func appendInt(_ value: Int64) {
        reserve(20)
        var v = value
        if v < 0 {
            storage[count] = UInt8(ascii: "-")
            count += 1
            v = -v
        }
        appendUnsigned(UInt64(v), minimumDigits: 1)
    }

    /// Appends an unsigned decimal, left-padded with zeros to `minimumDigits`.
    @inline(__always)
    public func appendUnsigned(_ value: UInt64, minimumDigits: Int) {
        reserve(Swift.max(20, minimumDigits))
        var digits = 1
        var power: UInt64 = 10
        while digits < 20 && value >= power {
            digits += 1
            power &*= 10
        }
        let width = Swift.max(digits, minimumDigits)
        var v = value
        var position = count + width
        let pairs = ByteBuffer.digitPairs.utf8Start
        // Two digits per division, from the right.
        while v >= 100 {
            let pair = Int(v % 100) &* 2
            v /= 100
            position -= 2
            storage[position] = pairs[pair]
            storage[position + 1] = pairs[pair + 1]
        }
        if v >= 10 {
            let pair = Int(v) &* 2
            position -= 2
            storage[position] = pairs[pair]
            storage[position + 1] = pairs[pair + 1]
        } else {
            position -= 1
            storage[position] = UInt8(truncatingIfNeeded: 48 + v)
        }
        while position > count {
            position -= 1
            storage[position] = 48
        }
        count += width
    }

    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Appends `scaled / 10^decimals` with exactly `decimals` fraction digits (e.g. cents as dollars).
    @inline(__always)
    public func appendFixed(_ scaled: Int64, decimals: Int) {
        var v = scaled
        if v < 0 {
            append(UInt8(ascii: "-"))
            v = -v
        }
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        appendUnsigned(UInt64(v / divisor), minimumDigits: 1)
        if decimals > 0 {
            append(UInt8(ascii: "."))
            appendUnsigned(UInt64(v % divisor), minimumDigits: decimals)
        }
    }

    /// Appends an instant as `YYYY-MM-DDTHH:MM:SS.mmmZ` (without quotes).
    public func appendTimestamp(_ milliseconds: Int64) {
        let days = Timestamp.floorDiv(milliseconds, Timestamp.millisecondsPerDay)
        let msOfDay = milliseconds - days * Timestamp.millisecondsPerDay
        reserve(24)
        if days != prefixDay {
            let date = CivilDate(daysSinceEpoch: days)
            let mark = count
            appendUnsigned(UInt64(date.year), minimumDigits: 4)
            storage[count] = UInt8(ascii: "-"); count += 1
            appendUnsigned(UInt64(date.month), minimumDigits: 2)
            storage[count] = UInt8(ascii: "-"); count += 1
            appendUnsigned(UInt64(date.day), minimumDigits: 2)
            storage[count] = UInt8(ascii: "T"); count += 1
            if count - mark == 11 {
                dayPrefix.update(from: storage + mark, count: 11)
                prefixDay = days
            }
        } else {
            (storage + count).update(from: dayPrefix, count: 11)
            count += 11
        }
        appendUnsigned(UInt64(msOfDay / 3_600_000), minimumDigits: 2)
        storage[count] = UInt8(ascii: ":"); count += 1
        appendUnsigned(UInt64(msOfDay / 60_000 % 60), minimumDigits: 2)
        storage[count] = UInt8(ascii: ":"); count += 1
        appendUnsigned(UInt64(msOfDay / 1000 % 60), minimumDigits: 2)
        storage[count] = UInt8(ascii: "."); count += 1
        appendUnsigned(UInt64(msOfDay % 1000), minimumDigits: 3)
        storage[count] = UInt8(ascii: "Z"); count += 1
    }

    /// Appends a quoted timestamp.
    @inline(__always)
    public func appendQuotedTimestamp(_ milliseconds: Int64) {
        append(UInt8(ascii: "\""))
        appendTimestamp(milliseconds)
        append(UInt8(ascii: "\""))
    }

    /// Appends `prefix` followed by `number` zero-padded to `digits` (IDs such as `user_000123`).
    @inline(__always)
    public func appendID(_ prefix: StaticString, _ number: UInt64, digits: Int) {
        append(UInt8(ascii: "\""))
        append(prefix)
        appendUnsigned(number, minimumDigits: digits)
        append(UInt8(ascii: "\""))
    }

    /// Appends `prefix` followed by `number` as lowercase hex, zero-padded to `digits`.
    @inline(__always)
    public func appendHexID(_ prefix: StaticString, _ number: UInt64, digits: Int) {
        append(UInt8(ascii: "\""))
        append(prefix)
        reserve(16)
        let hex: StaticString = "0123456789abcdef"
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            storage[count] = hex.utf8Start[Int((number >> UInt64(shift)) & 0xF)]
            count += 1
        }
        append(UInt8(ascii: "\""))
    }
}
