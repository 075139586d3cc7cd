import EcomModel

/// How a user's type shapes a legitimate basket, the framework's "user types with different patterns": VIP customers
/// buy more lines and more units, each the dearer of two picks of their category; new customers mostly one line of one
/// unit; regular customers in between. The transaction generator and the median basket its amount frauds are measured
/// against draw from it alike.
enum BasketModel {
    /// A user type's position in ``UserType/allCases`` (as ``Catalog/userTypes`` holds it).
    static let regular = UInt8(UserType.allCases.firstIndex(of: .regular)!)
    static let vip = UInt8(UserType.allCases.firstIndex(of: .vip)!)
    static let new = UInt8(UserType.allCases.firstIndex(of: .new)!)

    /// Lines in a basket: regular 1-3 (60/30/10 %), VIP 1-4 (30/40/20/10 %), new 1-2 (80/20 %).
    @inline(__always)
    static func lines(_ type: UInt8, _ stream: inout RandomStream) -> Int {
        let u = stream.unit()
        switch type {
        case vip: return u < 0.3 ? 1 : (u < 0.7 ? 2 : (u < 0.9 ? 3 : 4))
        case new: return u < 0.8 ? 1 : 2
        default: return u < 0.6 ? 1 : (u < 0.9 ? 2 : 3)
        }
    }

    /// Units of a line: regular 1-3 (85/12/3 %), VIP 1-3 (70/22/8 %), new 1-2 (95/5 %).
    @inline(__always)
    static func quantity(_ type: UInt8, _ stream: inout RandomStream) -> Int64 {
        let q = stream.unit()
        switch type {
        case vip: return q < 0.7 ? 1 : (q < 0.92 ? 2 : 3)
        case new: return q < 0.95 ? 1 : 2
        default: return q < 0.85 ? 1 : (q < 0.97 ? 2 : 3)
        }
    }

    /// A product of `category` by popularity; for a VIP customer the dearer of two such picks.
    @inline(__always)
    static func product(_ type: UInt8, category: Int, catalog: Catalog, _ stream: inout RandomStream) -> Int {
        let first = catalog.product(inCategory: category, stream: &stream)
        guard type == vip else { return first }
        let second = catalog.product(inCategory: category, stream: &stream)
        return catalog.prices[second] > catalog.prices[first] ? second : first
    }
}
