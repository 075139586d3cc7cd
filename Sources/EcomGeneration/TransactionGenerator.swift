import EcomModel

/// Writes the transactions of a block, and the fraud alerts they raise.
struct TransactionGenerator {
    let context: GenerationContext
    let plan: GenerationPlan
    /// When true, every planned record is a flagged transaction and only its alert is written
    /// (`generate --type fraud_alerts`).
    let alertsOnly: Bool
    /// The sizes of the velocity bursts of each block, by the block's first serial.
    private let bursts: [Int64: [Int]]
    /// Per leaf, what the time fraud's probability and the other single kinds' are multiplied by (see ``nightFactors``).
    private let nightFactors: [(time: Double, others: Double)]

    init(context: GenerationContext, plan: GenerationPlan, alertsOnly: Bool = false) {
        self.context = context
        self.plan = plan
        self.alertsOnly = alertsOnly
        bursts = Self.velocityBursts(plan: plan, share: Self.velocityShare(context, alertsOnly: alertsOnly), seed: context.seed)
        nightFactors = Self.nightFactors(plan: plan, context: context)
    }

    /// A time fraud is a transaction at 02:00-04:00 in its user's local time, which a slot without any zone at that
    /// hour cannot hold (with only American and European cities, most of the day). So that the fraud-kind mix is the
    /// configured one over the run all the same, slots that can hold one take time frauds at the time share divided by
    /// the share of the run's records in such slots, and the other kinds less, and slots that cannot take the other
    /// kinds in proportion; the fraud rate of every slot stays the configured one. With a zone at night in every slot
    /// (the default cities) every factor is 1.
    private static func nightFactors(plan: GenerationPlan, context: GenerationContext) -> [(time: Double, others: Double)] {
        let single = context.singleFraud.reduce(0) { $0 + $1.1 }
        let timeShare = single > 0 ? (context.singleFraud.first { $0.0 == .time }?.1 ?? 0) / single : 0
        let unchanged = Array(repeating: (time: 1.0, others: 1.0), count: plan.leaves.count)
        guard timeShare > 0, timeShare < 1 else { return unchanged }
        let night = plan.leaves.map { nightZones(leaf: $0, context: context).weights.reduce(0, +) > 0 }
        var covered = 0, total = 0
        for block in plan.blocks {
            total += block.count
            if night[block.leaf] { covered += block.count }
        }
        guard total > 0, covered < total, covered > 0 else { return unchanged }
        let coverage = Double(covered) / Double(total)
        // In night slots the time share becomes timeShare / coverage (at most all of the single frauds).
        let nightTime = min(1 / coverage, 1 / timeShare)
        let nightOthers = (1 - timeShare * nightTime) / (1 - timeShare)
        return night.map { $0 ? (nightTime, nightOthers) : (0, 1 / (1 - timeShare)) }
    }

    /// The share of records that are velocity frauds; among alerts only, the share of alerts.
    private static func velocityShare(_ context: GenerationContext, alertsOnly: Bool) -> Double {
        let alertShare = context.fraudRate + (1 - context.fraudRate) * context.falsePositiveRate
        return min(1, context.velocityShare * (alertsOnly && alertShare > 0 ? 1 / alertShare : 1))
    }

    /// Velocity bursts for the whole plan: their records number a binomial draw at `share` over the plan (as any
    /// other fraud kind's do, so the fraud rate varies no more than independent records would make it), cut into
    /// bursts of 5-15 records, each placed in a block drawn by its record count among those with room for it.
    /// Drawn per block, the few velocity records of an hour's block (at the default rates, well under one) made
    /// only bursts of 5.
    private static func velocityBursts(plan: GenerationPlan, share: Double, seed: UInt64) -> [Int64: [Int]] {
        let total = plan.count
        guard total >= 5, share > 0 else { return [:] }
        var stream = RandomStream(key: seed, recordStream, 0xB0257, UInt64(bitPattern: plan.blocks.first?.start ?? 0),
                                  UInt64(bitPattern: plan.end), UInt64(total))
        var remaining = stream.binomial(total, share)
        var sizes: [Int] = []
        while remaining >= 5 {
            var k = stream.int(in: 5...min(15, remaining))
            let rest = remaining - k
            // No remainder of 1-4 records, which no burst could hold.
            if rest > 0 && rest < 5 { k = remaining <= 15 ? remaining : remaining - 5 }
            sizes.append(k)
            remaining -= k
        }
        // A remainder under 5 is a whole burst by chance, in proportion.
        if remaining > 0, stream.chance(Double(remaining) / Double(meanBurst)) { sizes.append(stream.int(in: 5...15)) }
        guard !sizes.isEmpty else { return [:] }
        var cumulative: [Int] = []
        cumulative.reserveCapacity(plan.blocks.count)
        for block in plan.blocks { cumulative.append((cumulative.last ?? 0) + block.count) }
        var used = [Int](repeating: 0, count: plan.blocks.count)
        var bursts: [Int64: [Int]] = [:]
        for k in sizes {
            // A record drawn at random names its block; a block without room for the burst, the next one that has.
            let drawn = stream.below(total)
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > drawn { high = middle } else { low = middle + 1 }
            }
            var index = low
            var tried = 0
            while tried < plan.blocks.count && plan.blocks[index].count - used[index] < k {
                index = (index + 1) % plan.blocks.count
                tried += 1
            }
            guard tried < plan.blocks.count else { continue }
            used[index] += k
            bursts[plan.blocks[index].firstSerial, default: []].append(k)
        }
        return bursts
    }

    private struct Item {
        var timestamp: Int64
        var sequence: Int32
        var user: Int32
        var zone: Int16
        /// 0 for legitimate, else 1 + the fraud kind's position in `FraudType.allCases`.
        var fraud: Int8
        var flagged: Bool
    }

    static let recordStream: UInt64 = 0x7A11
    /// The mean size of a velocity burst, whose sizes are uniform over 5-15.
    static let meanBurst = 10

    /// What the purchase session of one transaction needs: who bought what, when, in which session, on
    /// which device. Drawn by the same code and stream that write the transaction, so the two agree.
    struct Purchase {
        var serial: UInt64
        var timestamp: Int64
        var user: Int32
        var session: UInt64
        /// Index in `DeviceType.allCases`.
        var device: Int
        /// For device fraud: the suspicious signature (index in `DeviceProfiles.suspicious`) and the new device's ID.
        var suspiciousDevice: (signature: Int, id: UInt64)?
        var fraud: FraudType?
        /// The basket's products: `products[firstLine..<firstLine + lines]` of the block's purchases.
        var firstLine: Int
        var lines: Int
    }

    /// Returns the block's transactions and its alerts (alerts may run past the block's end).
    func generate(_ block: GenerationPlan.Block) -> (transactions: BlockOutput, alerts: BlockOutput) {
        var unused: (purchases: [Purchase], products: [Int32])?
        return run(block, keep: !alertsOnly, purchases: &unused)
    }

    /// The block's transactions as purchases, in timestamp order, and the products of their baskets (nothing is written).
    func purchases(_ block: GenerationPlan.Block) -> (purchases: [Purchase], products: [Int32]) {
        var collected: (purchases: [Purchase], products: [Int32])? = ([], [])
        collected!.purchases.reserveCapacity(block.count)
        collected!.products.reserveCapacity(block.count * 2)
        _ = run(block, keep: false, purchases: &collected)
        return collected!
    }

    private func run(_ block: GenerationPlan.Block, keep: Bool,
                     purchases: inout (purchases: [Purchase], products: [Int32])?) -> (transactions: BlockOutput, alerts: BlockOutput) {
        var stream = RandomStream(key: context.seed, TransactionGenerator.recordStream, UInt64(bitPattern: block.start), UInt64(block.part))
        let leaf = plan.leaves[block.leaf]
        let zoneTable = AliasTable(weights: leaf.zoneWeights)
        let span = block.end - block.start
        var items: [Item] = []
        items.reserveCapacity(block.count)
        let n = block.count
        let fraudKinds = FraudType.allCases

        func uniformTime(_ s: inout RandomStream) -> Int64 { block.start + Int64(s.unit() * Double(span)) }

        // Velocity bursts first, as the plan placed them.
        let alertShare = context.fraudRate + (1 - context.fraudRate) * context.falsePositiveRate
        let scale = alertsOnly && alertShare > 0 ? 1 / alertShare : 1
        let velocityShare = Self.velocityShare(context, alertsOnly: alertsOnly)
        for k in bursts[block.firstSerial] ?? [] { appendBurst(k) }
        func appendBurst(_ k: Int) {
            // Another user than the block's earlier bursts' (the only items so far), or two bursts could run together.
            var (user, zone) = context.pickUser(zoneTable: zoneTable, stream: &stream)
            for _ in 0..<8 where items.contains(where: { $0.user == Int32(user) }) {
                (user, zone) = context.pickUser(zoneTable: zoneTable, stream: &stream)
            }
            let start = uniformTime(&stream)
            let window = min(Int64(300_000), max(1, block.end - start)) // within 5 minutes, inside the block
            for _ in 0..<k {
                items.append(Item(timestamp: start + Int64(stream.unit() * Double(window)), sequence: Int32(items.count),
                                  user: Int32(user), zone: Int16(zone), fraud: 1, flagged: true))
            }
        }
        // The other kinds share the remaining positions at their rates, conditional on not being velocity.
        let singleScale = scale / max(1e-12, 1 - velocityShare)
        while items.count < n {
            let position = Int32(items.count)
            let (user, zone) = context.pickUser(zoneTable: zoneTable, stream: &stream)
            let u = stream.unit()
            var chosen: FraudType?
            var threshold = 0.0
            let factors = nightFactors[block.leaf]
            for (kind, probability) in context.singleFraud {
                threshold += probability * singleScale * (kind == .time ? factors.time : factors.others)
                if u < threshold { chosen = kind; break }
            }
            var item = Item(timestamp: uniformTime(&stream), sequence: position, user: Int32(user), zone: Int16(zone), fraud: 0, flagged: false)
            if chosen == .time {
                // Move the transaction to a user whose local time is 02:00-04:00 now; none such, an amount fraud.
                if let timeZone = nightZone(leaf: leaf, stream: &stream) {
                    let city = Int(context.zoneCities.sample(timeZone, &stream))
                    item.user = Int32(context.catalog.activeUser(inCity: city, stream: &stream))
                    item.zone = Int16(timeZone)
                } else {
                    chosen = .amount
                }
            }
            if let chosen {
                item.fraud = Int8(fraudKinds.firstIndex(of: chosen)! + 1)
                item.flagged = true
            } else if alertsOnly || stream.chance(context.falsePositiveRate) {
                item.flagged = true
            }
            items.append(item)
        }
        items = items.sortedByTime(\.timestamp)

        let transactions = BlockOutput(records: keep ? items.count : 2, bytesPerRecord: 820)
        let flagged = items.reduce(0) { $0 + ($1.flagged ? 1 : 0) }
        let alerts = BlockOutput(records: flagged, bytesPerRecord: 360)
        var lineScratch: [(product: Int, quantity: Int64)] = []
        lineScratch.reserveCapacity(8)
        for (offset, item) in items.enumerated() {
            let serial = UInt64(block.firstSerial) + UInt64(offset) + 1
            let fraud: FraudType? = item.fraud > 0 ? fraudKinds[Int(item.fraud) - 1] : nil
            let facts = writeTransaction(item: item, lineScratch: &lineScratch, serial: serial, fraud: fraud, leaf: leaf,
                                         to: transactions, keep: keep, stream: &stream)
            if purchases != nil {
                purchases!.purchases.append(Purchase(
                    serial: serial, timestamp: item.timestamp, user: item.user, session: facts.session, device: facts.device,
                    suspiciousDevice: facts.suspiciousDevice, fraud: fraud, firstLine: purchases!.products.count, lines: lineScratch.count))
                for line in lineScratch { purchases!.products.append(Int32(line.product)) }
            }
            if item.flagged {
                writeAlert(serial: serial, timestamp: item.timestamp, user: Int(item.user), fraud: fraud, facts: facts,
                           to: alerts, stream: &stream)
            }
        }
        alerts.sortEntries()
        return (transactions, alerts)
    }

    private func nightZone(leaf: GenerationPlan.Leaf, stream: inout RandomStream) -> Int? {
        let (candidates, weights) = Self.nightZones(leaf: leaf, context: context)
        guard !candidates.isEmpty else { return nil }
        return candidates[AliasTable(weights: weights).sample(&stream)]
    }

    /// The zones whose local time is 02:00-04:00 at the leaf's start, with their weights.
    private static func nightZones(leaf: GenerationPlan.Leaf, context: GenerationContext) -> (zones: [Int], weights: [Double]) {
        var candidates: [Int] = []
        var weights: [Double] = []
        for zone in leaf.zoneOffsets.indices {
            if leaf.isNight(zone) {
                candidates.append(zone)
                weights.append(context.pattern.zones[zone].weight)
            }
        }
        return (candidates, weights)
    }

    struct Facts {
        var totalCents: Int64
        var score: Int64
        var city: Int
        var session: UInt64
        var device: Int
        var suspiciousDevice: (signature: Int, id: UInt64)?
    }

    /// Writes one transaction (kept, or dropped again when only alerts are wanted) and returns what its alert needs.
    private func writeTransaction(item: Item, lineScratch: inout [(product: Int, quantity: Int64)], serial: UInt64, fraud: FraudType?, leaf: GenerationPlan.Leaf,
                                  to output: BlockOutput, keep: Bool, stream: inout RandomStream) -> Facts {
        let catalog = context.catalog
        let userIndex = Int(item.user)
        let preferences = catalog.preferences[userIndex]
        lineScratch.removeAll(keepingCapacity: true)
        let start = output.begin()

        // Products: the user's categories, or a boosted category while an event runs in the user's time zone.
        var category = preferences.random(&stream)
        let event = leaf.zoneEvents[Int(item.zone)]
        if event >= 0, stream.chance(0.5) {
            let boosted = context.pattern.events[event].categories
            if !boosted.isEmpty { category = boosted[stream.below(boosted.count)] }
        }
        switch fraud {
        case .amount:
            if stream.chance(GenerationContext.microShare), let micro = context.microProduct(&stream) {
                // A micro-transaction, as a card tester makes: one unit of one of the cheapest products.
                lineScratch.append((micro, 1))
            } else {
                // High-value goods in a quantity that makes the basket 5-20 times the median legitimate basket.
                let target = Int64(stream.double(5.5, 18.5) * Double(context.medianBasketCents)) // margin for the median estimate
                let (product, quantity) = context.productNear(total: target, quantity: Int64(1 + stream.below(3)))
                lineScratch.append((product, quantity))
            }
        case .pattern:
            let others = (0..<catalog.config.categories.count).filter { !preferences.contains($0) }
            let unusual = others.isEmpty ? category : others[stream.below(others.count)]
            for _ in 0..<(2 + stream.below(3)) { lineScratch.append((catalog.product(inCategory: unusual, stream: &stream), Int64(1 + stream.below(3)))) }
        default:
            // As the user's type buys (BasketModel).
            let type = catalog.userTypes[userIndex]
            for _ in 0..<BasketModel.lines(type, &stream) {
                let product = BasketModel.product(type, category: category, catalog: catalog, &stream)
                lineScratch.append((product, BasketModel.quantity(type, &stream)))
                if stream.chance(0.3) { category = preferences.random(&stream) }
            }
        }
        var subtotal: Int64 = 0
        for line in lineScratch { subtotal += catalog.prices[line.product] * line.quantity }

        var city = Int(catalog.homeCities[userIndex])
        if fraud == .location {
            let foreign = context.foreignCities[city]
            if !foreign.isEmpty { city = foreign[stream.below(foreign.count)] }
        }
        let tax = Charges.taxCents(subtotal: subtotal, region: context.cityRegions[city])
        let shipping = Charges.shippingCents(subtotal: subtotal)
        let total = subtotal + tax + shipping
        let score: Int64 = if fraud != nil {
            650 + Int64(stream.below(350))
        } else if item.flagged {
            700 + Int64(stream.below(250))
        } else {
            Int64(10 + 350 * stream.unit() * stream.unit())
        }
        let deviceIndex = context.deviceIndexes[context.deviceTable.sample(&stream)]
        let paymentIndex = context.paymentIndexes[context.paymentTable.sample(&stream)]
        let session = stream.next() & 0xFFFF_FFFF_FFFF
        let suspiciousDevice = fraud == .device ? (stream.below(DeviceProfiles.suspicious.count), stream.next() & 0xFFFF_FFFF_FFFF) : nil

        let b = output.buffer
        b.append("{\"transaction_id\":"); b.appendID("txn_", serial, digits: 9)
        b.append(",\"user_id\":"); b.appendID("user_", UInt64(userIndex + 1), digits: catalog.userDigits)
        b.append(",\"session_id\":"); b.appendHexID("sess_", session, digits: 12)
        b.append(",\"timestamp\":"); b.appendQuotedTimestamp(item.timestamp)
        b.append(",\"products\":[")
        for (index, line) in lineScratch.enumerated() {
            if index > 0 { b.append(UInt8(ascii: ",")) }
            context.productLinePrefix.write(line.product, to: b)
            b.appendInt(line.quantity)
            b.append(UInt8(ascii: "}"))
        }
        b.append("],\"subtotal\":"); b.appendFixed(subtotal, decimals: 2)
        b.append(",\"tax\":"); b.appendFixed(tax, decimals: 2)
        b.append(",\"shipping\":"); b.appendFixed(shipping, decimals: 2)
        b.append(",\"total_amount\":"); b.appendFixed(total, decimals: 2)
        b.append(",\"currency\":\"USD\",\"payment_method\":\""); Vocabulary.payments.write(paymentIndex, to: b)
        b.append("\","); context.writeLocation(city: city, to: b, stream: &stream)
        b.append(UInt8(ascii: ","))
        if let (signatureIndex, id) = suspiciousDevice {
            let signature = DeviceProfiles.suspicious[signatureIndex]
            b.append("\"device_info\":{\"device_id\":"); b.appendHexID("dev_", id, digits: 12)
            b.append(",\"device_type\":\""); Vocabulary.devices.write(deviceIndex, to: b)
            b.append("\",\"os\":"); b.appendJSONString(signature.os)
            b.append(",\"browser\":"); b.appendJSONString(signature.browser)
            b.append(",\"is_new_device\":true}")
        } else {
            context.transactionDevice.write(context.deviceFragment(user: userIndex, deviceIndex: deviceIndex), to: b)
        }
        b.append(",\"user_type\":\""); Vocabulary.userTypes.write(Int(catalog.userTypes[userIndex]), to: b)
        b.append(fraud == nil ? "\",\"is_fraud\":false" : "\",\"is_fraud\":true")
        b.append(",\"fraud_score\":"); b.appendFixed(score, decimals: 3)
        if fraud != nil {
            b.append(",\"fraud_type\":\""); Vocabulary.fraudTypes.write(Int(item.fraud) - 1, to: b); b.append("\"}")
        } else {
            b.append(",\"fraud_type\":null}")
        }
        if keep {
            output.end(start, timestamp: item.timestamp)
        } else {
            // Alerts only: the transaction is drawn in full (same stream, same alert) but not kept.
            output.buffer.truncate(to: Int(start))
        }
        return Facts(totalCents: total, score: score, city: city, session: session, device: deviceIndex, suspiciousDevice: suspiciousDevice)
    }

    private func writeAlert(serial: UInt64, timestamp: Int64, user: Int, fraud: FraudType?, facts: Facts,
                            to output: BlockOutput, stream: inout RandomStream) {
        let catalog = context.catalog
        let suspected = fraud ?? FraudType.allCases[stream.below(FraudType.allCases.count)]
        // Raised 0.5-30 s after the transaction, but inside the window.
        let raised = max(timestamp, min(timestamp + 500 + Int64(stream.below(29_500)), plan.end - 1))
        let b = output.buffer
        let start = output.begin()
        b.append("{\"alert_id\":"); b.appendID("alert_", serial, digits: 9)
        b.append(",\"transaction_id\":"); b.appendID("txn_", serial, digits: 9)
        b.append(",\"user_id\":"); b.appendID("user_", UInt64(user + 1), digits: catalog.userDigits)
        b.append(",\"timestamp\":"); b.appendQuotedTimestamp(raised)
        b.append(",\"transaction_timestamp\":"); b.appendQuotedTimestamp(timestamp)
        b.append(",\"alert_type\":\""); Vocabulary.fraudTypes.write(FraudType.allCases.firstIndex(of: suspected)!, to: b)
        b.append("\",\"fraud_score\":"); b.appendFixed(facts.score, decimals: 3)
        b.append(facts.score >= 900 ? ",\"risk_level\":\"critical\"" : facts.score >= 800 ? ",\"risk_level\":\"high\"" : ",\"risk_level\":\"medium\"")
        b.append(",\"amount\":"); b.appendFixed(facts.totalCents, decimals: 2)
        b.append(",\"currency\":\"USD\",\"country\":"); b.appendJSONString(catalog.cities[facts.city].country)
        b.append(",\"city\":"); b.appendJSONString(catalog.cities[facts.city].name)
        b.append(fraud == nil ? ",\"is_fraud\":false" : ",\"is_fraud\":true")
        b.append(",\"status\":\"open\"}")
        output.end(start, timestamp: raised)
    }
}

/// What a transaction charges on its subtotal: the region's tax, rounded half up to the cent, and shipping, free
/// from 50.00 (the validator checks records against the same rules).
public enum Charges {
    /// Tax in basis points, by region (its position in `Region.allCases`).
    public static let taxBasisPoints: [Int64] = [800, 2000, 1000, 1500]
    public static let freeShippingFromCents: Int64 = 5_000
    public static let shippingFeeCents: Int64 = 599

    /// The tax on `subtotal` cents in region number `region` (of `Region.allCases`).
    public static func taxCents(subtotal: Int64, region: Int) -> Int64 { (subtotal * taxBasisPoints[region] + 5_000) / 10_000 }

    public static func shippingCents(subtotal: Int64) -> Int64 { subtotal >= freeShippingFromCents ? 0 : shippingFeeCents }
}
