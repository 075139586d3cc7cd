import Foundation

extension Unicode.Scalar {
    /// A control character (C0, DEL or C1): text from the data that a terminal would act on (an escape sequence, a
    /// line break that forges a line) and that HTML does not allow; each output escapes or replaces it.
    public var isControlCharacter: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}

/// Number and text formatting shared by the renderers: fixed decimals, so output is stable across runs.
enum Format {
    /// `value` with exactly `digits` decimals (`-0.00` written `0.00`); non-finite values as `—`.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "—" }
        let text = String(format: "%.\(digits)f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    /// An integer with thousands separators: `1,234,567`.
    static func integer(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A measurement with as many decimals as its size needs, trailing zeros dropped: `1,234.5`, `12.35`, `0.042`, `3.2e-07`.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if value == value.rounded(), magnitude < 1e15 { return integer(Int64(value)) }
        if magnitude >= 1000 { return grouped(trimmed(fixed(value, 1))) }
        if magnitude >= 10 { return trimmed(fixed(value, 2)) }
        // Four significant digits below 10 (0.00152, not 0.0015), so that a small rate, its tolerance and its
        // interval's edges are not rounded into one another; exponents only below a millionth.
        if magnitude >= 1e-6 { return trimmed(fixed(value, 3 - Int(log10(magnitude).rounded(.down)))) }
        return String(format: "%.3e", value)
    }

    /// A share of records as a percentage with three decimals, or `< 0.001 %` for a share too small to show: a
    /// violation rate that is not zero never reads as zero.
    static func rate(_ share: Double) -> String {
        if share > 0 && share < 0.000005 { return "< 0.001 %" }
        return percent(share, 3)
    }

    /// A share (fraction) as a percentage with `digits` decimals: `0.4512` → `45.1 %`.
    static func percent(_ share: Double, _ digits: Int = 1) -> String {
        fixed(share * 100, digits) + " %"
    }

    /// A p-value: four decimals, or `< 0.0001`.
    static func pValue(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        return value < 0.0001 ? "< 0.0001" : fixed(value, 4)
    }

    /// A count on an axis: `950`, `12k`, `1.5M`.
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return trimmed(fixed(value / 1_000_000, 1)) + "M" }
        if magnitude >= 10_000 { return trimmed(fixed(value / 1000, 0)) + "k" }
        if magnitude >= 1000 { return trimmed(fixed(value / 1000, 1)) + "k" }
        return trimmed(fixed(value, magnitude >= 10 || value == value.rounded() ? 0 : 2))
    }

    /// At most `limit` characters of `text`, ending in `…` when cut (keeps untrusted strings from growing a page).
    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }

    private static func grouped(_ text: String) -> String {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let whole = Int64(parts[0]) else { return text }
        return integer(whole) + (parts.count > 1 ? "." + parts[1] : "")
    }
}
