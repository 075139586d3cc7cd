import EcomModel
import Foundation

/// Writes the user events of a block as whole sessions: landing page, searches, product views, and a
/// funnel of add to cart -> checkout -> purchase with realistic dwell times.
struct SessionGenerator {
    let context: GenerationContext
    let plan: GenerationPlan

    enum Kind: String, CaseIterable {
        case pageView = "page_view", search, productView = "product_view", addToCart = "add_to_cart"
        case removeFromCart = "remove_from_cart", checkout, purchase

        var index: Int {
            switch self {
            case .pageView: 0
            case .search: 1
            case .productView: 2
            case .addToCart: 3
            case .removeFromCart: 4
            case .checkout: 5
            case .purchase: 6
            }
        }
    }

    private struct Event {
        var timestamp: Int64
        var sequence: Int32
        var session: UInt64
        var user: Int32
        var kind: Kind
        var product: Int32
        var duration: Int32
        var device: Int
        var transaction: UInt64
    }

    static let recordStream: UInt64 = 0x5E55

    func generate(_ block: GenerationPlan.Block) -> BlockOutput {
        var stream = RandomStream(key: context.seed, SessionGenerator.recordStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let leaf = plan.leaves[block.leaf]
        let zoneTable = AliasTable(weights: leaf.zoneWeights)
        let catalog = context.catalog
        var events: [Event] = []
        events.reserveCapacity(block.count + 16)
        while events.count < block.count {
            let (user, zone) = context.pickUser(zoneTable: zoneTable, stream: &stream)
            let preferences = catalog.preferences[user]
            let session = stream.next() & 0xFFFF_FFFF_FFFF
            let device = context.deviceIndexes[context.deviceTable.sample(&stream)]
            var time = block.start + Int64(stream.unit() * Double(block.end - block.start))
            var category = preferences.random(&stream)
            let event = leaf.zoneEvents[zone]
            if event >= 0, stream.chance(0.5) {
                let boosted = context.pattern.events[event].categories
                if !boosted.isEmpty { category = boosted[stream.below(boosted.count)] }
            }
            var kinds: [(Kind, Int32)] = [(.pageView, -1)]
            if stream.chance(0.4) { kinds.append((.search, -1)) }
            var viewed: [Int32] = []
            let views = 1 + min(11, Int(stream.exponential() * 2.5))
            for _ in 0..<views {
                let product = Int32(catalog.product(inCategory: category, stream: &stream))
                viewed.append(product)
                kinds.append((.productView, product))
            }
            if stream.chance(0.35) {
                let product = viewed[stream.below(viewed.count)]
                kinds.append((.addToCart, product))
                if stream.chance(0.1) {
                    kinds.append((.removeFromCart, product))
                } else if stream.chance(0.6) {
                    kinds.append((.checkout, product))
                    if stream.chance(0.75) { kinds.append((.purchase, product)) }
                }
            }
            let remaining = block.count - events.count
            // A session still running when the window ends is cut there, as a window cuts real traffic.
            for (kind, product) in kinds.prefix(remaining) where time < plan.end {
                let duration: Int32 = switch kind {
                case .pageView: Int32(5 + stream.below(36))
                case .search: Int32(5 + stream.below(26))
                case .productView: Int32(min(600, max(3, (35 * exp(0.8 * stream.normal())).rounded())))
                case .addToCart: Int32(2 + stream.below(7))
                case .removeFromCart: Int32(2 + stream.below(5))
                case .checkout: Int32(30 + stream.below(151))
                case .purchase: Int32(1 + stream.below(4))
                }
                events.append(Event(timestamp: time, sequence: Int32(events.count), session: session, user: Int32(user), kind: kind,
                                    product: product, duration: duration, device: device,
                                    transaction: kind == .purchase ? stream.next() & 0xFFFF_FFFF_FFFF : 0))
                time += Int64(duration) * 1000 + 500 + Int64(stream.below(4_500))
            }
        }
        events = events.sortedByTime(\.timestamp)

        let output = BlockOutput(records: events.count, bytesPerRecord: 420)
        let b = output.buffer
        for (offset, event) in events.enumerated() {
            let start = output.begin()
            b.append("{\"event_id\":"); b.appendID("evt_", UInt64(block.firstSerial) + UInt64(offset) + 1, digits: 9)
            b.append(",\"user_id\":"); b.appendID("user_", UInt64(event.user + 1), digits: catalog.userDigits)
            b.append(",\"session_id\":"); b.appendHexID("sess_", event.session, digits: 12)
            b.append(",\"event_type\":\""); SessionGenerator.kindNames.write(event.kind.index, to: b)
            b.append("\",\"timestamp\":"); b.appendQuotedTimestamp(event.timestamp)
            if event.product >= 0 {
                let product = catalog.products[Int(event.product)]
                b.append(",\"product_id\":"); b.appendID("prod_", UInt64(product.index + 1), digits: catalog.productDigits)
                b.append(",\"category\":"); context.categoryNames.write(product.category, to: b)
                b.append(",\"page_url\":")
                switch event.kind {
                case .productView: context.productPagePath.write(product.index, to: b)
                case .addToCart, .removeFromCart: b.append("\"/cart\"")
                case .checkout: b.append("\"/checkout\"")
                default: b.append("\"/checkout/confirmation\"")
                }
            } else {
                b.append(",\"product_id\":null,\"category\":null,\"page_url\":")
                b.append(event.kind == .search ? "\"/search\"" : "\"/\"")
            }
            b.append(",\"duration_seconds\":"); b.appendInt(Int64(event.duration))
            b.append(UInt8(ascii: ",")); context.eventDevice.write(context.deviceFragment(user: Int(event.user), deviceIndex: event.device), to: b)
            if event.kind == .purchase {
                b.append(",\"transaction_id\":"); b.appendHexID("txn_", event.transaction, digits: 12)
                b.append("}")
            } else {
                b.append(",\"transaction_id\":null}")
            }
            output.end(start, timestamp: event.timestamp)
        }
        return output
    }

    static let kindNames: FragmentTable = {
        let table = FragmentTable()
        for kind in Kind.allCases { table.add { $0.appendEscaped(kind.rawValue) } }
        return table
    }()
}
