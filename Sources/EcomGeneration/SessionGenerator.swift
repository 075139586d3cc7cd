import EcomModel
import Foundation

/// Writes user events as whole sessions of two kinds:
///
/// - the **purchase session** of every transaction the same seed, configuration and window give
///   (`write(type: .transactions, count: M)`): the buyer's session, with the transaction's `session_id`, user and
///   device, landing page, views of the basket's products (and a few others), an add to cart per line, checkout,
///   and the purchase event at the transaction's own timestamp naming its `transaction_id`. A velocity-fraud
///   transaction's session is a bot's: its products, cart, checkout and purchase within seconds, no landing page;
/// - **browsing sessions**, which fill the rest of the events asked for: landing page, searches, product views,
///   sometimes a cart or an abandoned checkout, never a purchase.
///
/// Purchase sessions come in blocks, one per block of the transactions' plan, so each is drawn from the same
/// stream as its transaction; browsing sessions come in the blocks of their own plan. Both kinds are merged
/// by time, so the output depends on seed, configuration and counts only.
struct SessionGenerator {
    let context: GenerationContext
    /// The plan of the browsing sessions' events.
    let browsePlan: GenerationPlan
    /// The transactions whose purchase sessions these are.
    let transactions: TransactionGenerator
    /// No event lies before it: a purchase session that would begin earlier is squeezed in after it.
    let windowStart: Int64

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

    /// A unit of user-event work: the browsing sessions of a block of the browse plan, or the purchase
    /// sessions of a block of the transactions' plan.
    struct Block: Sendable {
        enum Source: Sendable {
            case browse(GenerationPlan.Block)
            case purchases(GenerationPlan.Block)
        }

        let source: Source
        /// The block's earliest event: no event of a later block comes before it.
        let start: Int64
        let count: Int
        /// Serial number of the block's first event within the run.
        let firstSerial: Int64
    }

    private struct Event {
        var timestamp: Int64
        var session: UInt64
        var user: Int32
        var kind: Kind
        var product: Int32
        var duration: Int32
        /// Index in `DeviceType.allCases`.
        var device: Int
        /// For a device-fraud purchase: index in `DeviceProfiles.suspicious`, else -1.
        var suspicious: Int32 = -1
        var suspiciousID: UInt64 = 0
        /// The transaction's serial on purchase events, else 0.
        var transaction: UInt64 = 0
    }

    static let recordStream: UInt64 = 0x5E55
    static let purchaseStream: UInt64 = 0x5E55_B0

    /// The blocks of a run of `count` events: first the purchase sessions of every transaction of `transactions`'
    /// plan (generated once here to count their events and find where each block starts), then browsing sessions
    /// for the rest, planned by `browsePlan(rest)`. Blocks are ordered by start; event serials follow that order.
    /// - Throws: ``GenerationError/invalidRequest`` when `count` cannot hold the purchase sessions.
    static func plan(context: GenerationContext, transactions: TransactionGenerator, count: Int, windowStart: Int64, threads: Int,
                     browsePlan: (Int) -> GenerationPlan) throws(GenerationError) -> (SessionGenerator, [Block]) {
        let transactionBlocks = transactions.plan.blocks
        let probe = SessionGenerator(context: context, browsePlan: browsePlan(0), transactions: transactions, windowStart: windowStart)
        let extents = WorkerResults<(count: Int, start: Int64)>(transactionBlocks.count)
        let workers = max(1, min(threads, transactionBlocks.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: transactionBlocks.count, by: workers) {
                let events = probe.purchaseEvents(transactionBlocks[index])
                extents.store(index, (events.count, events.first?.timestamp ?? transactionBlocks[index].start))
            }
        }
        let purchaseExtents = extents.values
        let purchaseEvents = purchaseExtents.reduce(0) { $0 + $1.count }
        guard purchaseEvents <= count else {
            throw .invalidRequest("\(count) user events cannot hold the purchase sessions of the \(transactions.plan.count) transactions they belong to "
                                  + "(\(purchaseEvents) events): ask for more events, or fewer transactions (--transactions, or the configured base_transaction_rate)")
        }
        let browse = browsePlan(count - purchaseEvents)
        var units: [(start: Int64, rank: Int, source: Block.Source, count: Int)] = []
        for (block, extent) in zip(transactionBlocks, purchaseExtents) where extent.count > 0 {
            units.append((extent.start, 0, .purchases(block), extent.count))
        }
        for block in browse.blocks { units.append((block.start, 1, .browse(block), block.count)) }
        // Stable: purchase blocks (in plan order) before browse blocks (in plan order) starting at the same instant.
        let order = units.indices.sorted { (units[$0].start, units[$0].rank, $0) < (units[$1].start, units[$1].rank, $1) }
        var blocks: [Block] = []
        blocks.reserveCapacity(units.count)
        var serial: Int64 = 0
        for index in order {
            let unit = units[index]
            blocks.append(Block(source: unit.source, start: unit.start, count: unit.count, firstSerial: serial))
            serial += Int64(unit.count)
        }
        let generator = SessionGenerator(context: context, browsePlan: browse, transactions: transactions, windowStart: windowStart)
        return (generator, blocks)
    }

    func generate(_ block: Block) -> BlockOutput {
        let events: [Event]
        switch block.source {
        case let .browse(browse): events = browseEvents(browse)
        case let .purchases(purchases): events = purchaseEvents(purchases)
        }
        precondition(events.count == block.count, "a session block made \(events.count) events, its plan \(block.count)")
        return write(events, firstSerial: block.firstSerial)
    }

    // MARK: Purchase sessions

    /// The purchase sessions of a block of transactions, in time order.
    private func purchaseEvents(_ block: GenerationPlan.Block) -> [Event] {
        let (purchases, products) = transactions.purchases(block)
        var stream = RandomStream(key: context.seed, SessionGenerator.purchaseStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let catalog = context.catalog
        var events: [Event] = []
        events.reserveCapacity(purchases.count * 9)
        var steps: [(kind: Kind, product: Int32, duration: Int32, offset: Int64)] = []
        for purchase in purchases {
            steps.removeAll(keepingCapacity: true)
            let basket = products[purchase.firstLine..<purchase.firstLine + purchase.lines]
            let first = basket.first ?? -1
            if purchase.fraud == .velocity {
                // A card-testing bot: straight to the product, cart, checkout and pay, seconds apart.
                for product in basket {
                    steps.append((.productView, product, Int32(1 + stream.below(3)), 0))
                    steps.append((.addToCart, product, Int32(1 + stream.below(2)), 0))
                }
                steps.append((.checkout, first, Int32(2 + stream.below(7)), 0))
            } else {
                steps.append((.pageView, -1, Int32(5 + stream.below(36)), 0))
                if stream.chance(0.4) { steps.append((.search, -1, Int32(5 + stream.below(26)), 0)) }
                for product in basket {
                    // Sometimes a look at other products of the category before the one bought.
                    let others = stream.chance(0.35) ? 1 + stream.below(2) : 0
                    let category = catalog.products[Int(product)].category
                    for _ in 0..<others {
                        steps.append((.productView, Int32(catalog.product(inCategory: category, stream: &stream)), viewDuration(&stream), 0))
                    }
                    steps.append((.productView, product, viewDuration(&stream), 0))
                    steps.append((.addToCart, product, Int32(2 + stream.below(7)), 0))
                }
                steps.append((.checkout, first, Int32(30 + stream.below(151)), 0))
            }
            steps.append((.purchase, first, Int32(1 + stream.below(4)), 0))
            // Offsets from the session's first event; the purchase lands on the transaction's timestamp.
            let bot = purchase.fraud == .velocity
            var offset: Int64 = 0
            for index in steps.indices {
                steps[index].offset = offset
                offset += Int64(steps[index].duration) * 1000 + (bot ? 200 + Int64(stream.below(1_000)) : 500 + Int64(stream.below(4_500)))
            }
            let span = steps[steps.count - 1].offset
            var sessionStart = purchase.timestamp - span
            var scale = 1.0
            if sessionStart < windowStart {
                // It would begin before the window: squeezed in between the window's start and the purchase, so that
                // every transaction's session is whole (a cut one would lose its cart and checkout). It begins somewhere in
                // the first half of that room, by its session ID (not a draw, which would move every later session), so
                // that the sessions of the first minutes do not all begin at the window's first millisecond.
                let room = purchase.timestamp - windowStart
                let fraction = Double((purchase.session &* 0x9E37_79B9_7F4A_7C15) >> 11) / Double(1 << 53)
                sessionStart = windowStart + Int64(fraction * Double(room) / 2)
                scale = Double(purchase.timestamp - sessionStart) / Double(span)
            }
            let suspicious = purchase.suspiciousDevice
            for step in steps {
                let time = step.kind == .purchase ? purchase.timestamp : sessionStart + Int64(Double(step.offset) * scale)
                events.append(Event(timestamp: time, session: purchase.session, user: purchase.user, kind: step.kind,
                                    product: step.product, duration: step.duration, device: purchase.device,
                                    suspicious: Int32(suspicious?.signature ?? -1), suspiciousID: suspicious?.id ?? 0,
                                    transaction: step.kind == .purchase ? purchase.serial : 0))
            }
        }
        return events.sortedByTime(\.timestamp)
    }

    // MARK: Browsing sessions

    /// Exactly `block.count` events of sessions that leave without buying; the last may be cut short.
    private func browseEvents(_ block: GenerationPlan.Block) -> [Event] {
        var stream = RandomStream(key: context.seed, SessionGenerator.recordStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let leaf = browsePlan.leaves[block.leaf]
        let zoneTable = AliasTable(weights: leaf.zoneWeights)
        let catalog = context.catalog
        var events: [Event] = []
        events.reserveCapacity(block.count + 16)
        var kinds: [(Kind, Int32)] = []
        var viewed: [Int32] = []
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
            kinds.removeAll(keepingCapacity: true)
            viewed.removeAll(keepingCapacity: true)
            kinds.append((.pageView, -1))
            if stream.chance(0.4) { kinds.append((.search, -1)) }
            let views = 1 + min(11, Int(stream.exponential() * 2.5))
            for _ in 0..<views {
                let product = Int32(catalog.product(inCategory: category, stream: &stream))
                viewed.append(product)
                kinds.append((.productView, product))
            }
            // Carts are left, or abandoned at checkout: purchases are the transactions' sessions.
            if stream.chance(0.35) {
                let product = viewed[stream.below(viewed.count)]
                kinds.append((.addToCart, product))
                if stream.chance(0.1) {
                    kinds.append((.removeFromCart, product))
                } else if stream.chance(0.6) {
                    kinds.append((.checkout, product))
                }
            }
            let remaining = block.count - events.count
            // A session still running when the window ends is cut there, as a window cuts real traffic.
            for (kind, product) in kinds.prefix(remaining) where time < browsePlan.end {
                let duration: Int32 = switch kind {
                case .pageView: Int32(5 + stream.below(36))
                case .search: Int32(5 + stream.below(26))
                case .productView: viewDuration(&stream)
                case .addToCart: Int32(2 + stream.below(7))
                case .removeFromCart: Int32(2 + stream.below(5))
                case .checkout: Int32(30 + stream.below(151))
                case .purchase: Int32(1 + stream.below(4))
                }
                events.append(Event(timestamp: time, session: session, user: Int32(user), kind: kind, product: product,
                                    duration: duration, device: device))
                time += Int64(duration) * 1000 + 500 + Int64(stream.below(4_500))
            }
        }
        return events.sortedByTime(\.timestamp)
    }

    /// Seconds on a product page: log-normal around 35 s, 3 to 600.
    @inline(__always)
    private func viewDuration(_ stream: inout RandomStream) -> Int32 {
        Int32(min(600, max(3, (35 * exp(0.8 * stream.normal())).rounded())))
    }

    // MARK: Output

    private func write(_ events: [Event], firstSerial: Int64) -> BlockOutput {
        let catalog = context.catalog
        let output = BlockOutput(records: events.count, bytesPerRecord: 420)
        let b = output.buffer
        for (offset, event) in events.enumerated() {
            let start = output.begin()
            b.append("{\"event_id\":"); b.appendID("evt_", UInt64(firstSerial) + UInt64(offset) + 1, digits: 9)
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
            b.append(UInt8(ascii: ","))
            if event.suspicious >= 0 {
                // The new, suspicious device of a device-fraud transaction.
                let signature = DeviceProfiles.suspicious[Int(event.suspicious)]
                b.append("\"device_info\":{\"device_id\":"); b.appendHexID("dev_", event.suspiciousID, digits: 12)
                b.append(",\"device_type\":\""); Vocabulary.devices.write(event.device, to: b)
                b.append("\",\"os\":"); b.appendJSONString(signature.os)
                b.append(",\"screen_resolution\":"); b.appendJSONString(signature.screen)
                b.append("}")
            } else {
                context.eventDevice.write(context.deviceFragment(user: Int(event.user), deviceIndex: event.device), to: b)
            }
            if event.kind == .purchase {
                b.append(",\"transaction_id\":"); b.appendID("txn_", event.transaction, digits: 9)
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

/// Results of `DispatchQueue.concurrentPerform` workers: each slot is written once, under the lock, and the
/// values are read after `concurrentPerform` returned.
public final class WorkerResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    public init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    public func store(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    public var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
