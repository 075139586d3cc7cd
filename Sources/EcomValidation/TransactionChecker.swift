import Foundation
import EcomGeneration
import EcomJSON
import EcomModel

/// The checks of transactions: catalog references, coordinates, totals, fraud labels and the distributions
/// the configuration sets.
final class TransactionChecker: TypeChecker {
    let type = RecordType.transactions
    let matcher = SchemaMatcher(type: .transactions, rangeExempt: [".location.latitude", ".location.longitude"])
    let context: CheckContext
    let idSlot: Int, timestampSlot: Int
    var ids = HashSet64()
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
    func prefetchID(_ hash: UInt64) { ids.prefetch(hash) }
    private let s: (user: Int, products: Int, subtotal: Int, tax: Int, shipping: Int, total: Int, payment: Int,
                    country: Int, state: Int, city: Int, zone: Int, region: Int, latitude: Int, longitude: Int,
                    device: Int, deviceType: Int, userType: Int, isFraud: Int, score: Int, fraudType: Int, session: Int)
    /// The schema's nodes of a line item's fields (fields inside an array have no slot).
    private let line: (product: Int, price: Int, quantity: Int)
    /// Per transaction, ``purchaseLink(_:session:user:)`` of its ID, session and user, when the context keeps them.
    var purchaseLinks: HashSet64?
    /// Per transaction, ``purchaseTime(_:at:)`` of its ID and time (its time unknown, nil, when the schema or the window
    /// rejects it), kept with ``purchaseLinks``: a purchase event is at its transaction's own time.
    var purchaseTimes: HashSet64?

    var userReference = Tally("referential.user_id", .referential, .transactions, "every user_id is in the user catalog")
    var userDetails = Tally("referential.user_details", .referential, .transactions, "a transaction's user_type is its user's in the catalog")
    var productReference = Tally("referential.product_id", .referential, .transactions, "every product_id is in the product catalog")
    var productDetails = Tally("referential.product_details", .referential, .transactions, "line items carry the catalog's name, category and price")
    var coordinateRange = Tally("coordinates.range", .coordinates, .transactions, "latitude in [-90, 90] and longitude in [-180, 180]")
    var nullIsland = Tally("coordinates.null_island", .coordinates, .transactions, "no coordinates at (0, 0)")
    var cityRadius = Tally("coordinates.city_radius", .coordinates, .transactions, "coordinates within the jitter radius of the named city")
    var consistency = Tally("coordinates.consistency", .coordinates, .transactions, "city, country, state, region and time zone agree with the cities fixture")
    var totals = Tally("business.totals", .business, .transactions, "subtotal = sum of price x quantity, total = subtotal + tax + shipping, to the cent")
    var labels = Tally("business.fraud_labels", .business, .transactions, "fraud labels are consistent and each fraud is true to its kind")
    var priceRanges = Tally("distribution.amount_ranges", .distribution, .transactions, "line prices inside their category's configured price range")
    /// A line's category none of the configured ones, at its record (the catalog's product, when there is one, disagrees
    /// too: referential.product_details).
    var categoryMembers = Tally("distribution.categories", .distribution, .transactions, "line items belong to the configured categories")
    var charges = Tally("business.tax_shipping", .business, .transactions,
                        "tax is the city's regional rate of the subtotal (to the cent, half up), and shipping is free from 50.00, else 5.99")

    var regions: SplitCounter
    var userTypes = SplitCounter(UserType.allCases.map(\.rawValue))
    var devices = SplitCounter(DeviceType.allCases.map(\.rawValue))
    var payments = SplitCounter(PaymentMethod.allCases.map(\.rawValue))
    var categories: SplitCounter
    /// The category of the first line of each legitimate transaction inside the window and outside seasonal events that
    /// boost categories: a basket starts in one of its user's preferred categories, uniformly (later lines follow it).
    var basketCategories: SplitCounter
    /// The generator's traffic pattern (its seasonal events).
    private let pattern: TemporalPattern
    /// Legitimate transactions inside the window whose local time is known, and of them those made while each seasonal
    /// event ran in their zone (in `sortedSeasonalEvents` order): the seasonal uplift's counts.
    var timedLegit = 0
    var eventCounts: [Int]
    var fraudTypes = SplitCounter(FraudType.allCases.map(\.rawValue))
    var records = 0
    var frauds = 0
    /// The span of the legitimate transactions' timestamps inside the window: the span the model's
    /// expectations are taken over.
    var firstTime = Int64.max, lastTime = Int64.min
    var localHours = Array(repeating: 0, count: 24)
    /// Records on days outside the arrays' range (far from the window).
    var otherLocalDays: [Int64: Int] = [:]
    var otherUTCDays: [Int64: Int] = [:]
    var amounts: [Histogram]
    /// `total_amount` of every transaction, for `diff` (amounts above the last edge counted in the last bin).
    var orderTotals = Histogram(low: 0, high: 5_000, bins: 250)
    var scoreFraud = Histogram(low: 0, high: 1, bins: 20)
    var scoreLegit = Histogram(low: 0, high: 1, bins: 20)
    var sample = BottomSample<(Double, Double, Bool)>(limit: 2_000)
    /// Velocity frauds, checked as bursts at the end: user, time, location and ID.
    var velocity: [(user: Int, time: Int64, location: RecordLocation, id: String)] = []
    /// Frauds (labelled so, with an ID and a time), each of which the generator raises an alert for: ID hash, time,
    /// location and ID, judged at the end against the alerts read.
    var fraudRecords: [(hash: UInt64, time: Int64, location: RecordLocation, id: String)] = []
    /// The latest transaction time read (the end of the data: an alert of a fraud in its last 30 s may be past it), and
    /// the earliest (a velocity burst within 5 minutes of either may be cut by the data's ends).
    var latestTime = Int64.min
    var earliestTime = Int64.max
    /// Transactions inside the window, and frauds among them: the fraud rate's counts (a record outside is
    /// temporal.window's finding, as for the splits).
    var windowRecords = 0, windowFrauds = 0
    /// Transactions an alert may name (a fraud, or scored 0.5 or more: the generator raises alerts for no others),
    /// with what their alert must agree with; by the hash of the transaction ID.
    var flagged: [UInt64: FlaggedTransaction] = [:]
    /// Transactions whose label, score or time the schema rejects (or that lack one): their alerts are not judged against
    /// them, as the transaction's own finding says what is wrong; by the hash of the transaction ID.
    var unjudgedForAlerts = HashSet64()
    private let categoryRanges: [(low: Int64, high: Int64)?]
    private let store = ByteStore()
    /// Per city: state, region and time zone at stable addresses; per product, its category's position.
    private let cityState: [UnsafeBufferPointer<UInt8>], cityRegion: [UnsafeBufferPointer<UInt8>], cityZone: [UnsafeBufferPointer<UInt8>]
    /// Each city's region, its position in `Region.allCases` (the tax's).
    private let cityRegionIndex: [Int]
    /// The user types' names, and each catalog user's type (its position in `UserType.allCases`).
    private let userTypeNames: [UnsafeBufferPointer<UInt8>]
    private let userTypeOf: [UInt8]
    private let productCategory: [Int]
    /// The catalog's look-up tables, a copy of this checker's own (looked up without reference counting).
    private let lookup: CatalogLookup
    /// Per city, its centre (read without copying the city, whose strings would be retained and released).
    private let cityCentres: [(latitude: Double, longitude: Double)]
    /// The cosine of each city's latitude, for ``surelyNear(_:_:city:)``.
    private let cityCosines: [Double]
    /// Records per day (UTC, and local for legitimate records), from 400 days before the window start.
    var utcDayCounts: [Int]
    var localDayCounts: [Int]
    private let firstDay: Int64
    private let categoryBytes: [UnsafeBufferPointer<UInt8>]
    private let jitterLimitKm: Double
    private let amountFloorCents: Int64, microCeilingCents: Int64

    var tallies: [Tally] {
        [userReference, productReference, productDetails, coordinateRange, nullIsland, cityRadius, consistency, totals, labels, priceRanges, charges,
         userDetails, categoryMembers]
    }

    init(context: CheckContext) {
        self.context = context
        let m = matcher
        idSlot = m.slot("transaction_id")
        timestampSlot = m.slot("timestamp")
        s = (m.slot("user_id"), m.slot("products"), m.slot("subtotal"), m.slot("tax"), m.slot("shipping"), m.slot("total_amount"),
             m.slot("payment_method"), m.slot("location.country"), m.slot("location.state"), m.slot("location.city"),
             m.slot("location.timezone"), m.slot("location.region"), m.slot("location.latitude"), m.slot("location.longitude"),
             m.slot("device_info.device_id"), m.slot("device_info.device_type"), m.slot("user_type"), m.slot("is_fraud"),
             m.slot("fraud_score"), m.slot("fraud_type"), m.slot("session_id"))
        line = (m.node("products[].product_id"), m.node("products[].price"), m.node("products[].quantity"))
        if context.keepsPurchaseLinks {
            purchaseLinks = HashSet64()
            purchaseTimes = HashSet64()
        }
        let config = context.settings.generator.config
        regions = SplitCounter(Region.allCases.map(\.rawValue))
        categories = SplitCounter(config.categories)
        basketCategories = SplitCounter(config.categories)
        pattern = context.settings.generator.temporalPattern
        eventCounts = Array(repeating: 0, count: config.sortedSeasonalEvents.count)
        let store = self.store
        categoryBytes = config.categories.map { store.intern($0.utf8) }
        let cities = context.catalog.cities
        cityState = cities.map { store.intern($0.state.utf8) }
        cityRegion = cities.map { store.intern($0.region.rawValue.utf8) }
        cityRegionIndex = cities.map { Region.allCases.firstIndex(of: $0.region)! }
        userTypeNames = UserType.allCases.map { store.intern($0.rawValue.utf8) }
        userTypeOf = context.catalog.users.map { UInt8(UserType.allCases.firstIndex(of: $0.type)!) }
        cityZone = cities.map { store.intern($0.timeZone.utf8) }
        cityCentres = cities.map { ($0.latitude, $0.longitude) }
        cityCosines = cities.map { cos($0.latitude * .pi / 180) }
        lookup = context.catalog.lookup
        productCategory = context.catalog.products.map { product in config.categories.firstIndex(of: product.category) ?? -1 }
        firstDay = Timestamp.floorDiv(context.settings.window.start, Timestamp.millisecondsPerDay) - 400
        let days = Int(Timestamp.floorDiv(context.settings.window.end, Timestamp.millisecondsPerDay) - firstDay) + 400
        utcDayCounts = Array(repeating: 0, count: days)
        localDayCounts = Array(repeating: 0, count: days)
        categoryRanges = config.categories.map { name in
            config.priceRanges[name].map { (Int64(($0.min * 100).rounded()), Int64(($0.max * 100).rounded())) }
        }
        amounts = config.categories.map { name in
            let range = config.priceRanges[name]
            return Histogram(low: 0, high: max(1, (range?.max ?? 1000) * 1.25), bins: 25)
        }
        // Coordinates are jittered up to the configured radius; half a kilometre more for rounding to 4 decimals.
        jitterLimitKm = config.locationJitterKm + 0.5
        amountFloorCents = context.settings.generator.medianBasketCents * 3
        microCeilingCents = context.settings.generator.medianBasketCents / 10
        // The splits are counted by the positions the schema matched (SplitCounter.add(_:position:)).
        for (slot, counter) in [(s.region, regions), (s.userType, userTypes), (s.deviceType, devices), (s.payment, payments)] {
            precondition(m.enumValues(slot: slot) == counter.names, "\(counter.names) are not the schema's values in its order")
        }
        precondition(categories.names == config.categories)
    }

    /// An amount in cents, held within ±2^60 (far past any real amount; so that sums of a few never overflow, and
    /// `1e300` or a quantity of 2^63 - 1 is a wrong total, not a trap that ends the run).
    @inline(__always)
    static func cents(_ value: Double) -> Int64 {
        let scaled = value * 100
        // Below 2^52 taking the whole part off leaves the fraction exactly, so rounding half away from zero (as
        // `rounded()` does) needs no call into libm: amounts are rounded about ten times per transaction.
        if abs(scaled) < 4_503_599_627_370_496 {
            let whole = Int64(scaled)
            let fraction = scaled - Double(whole)
            return fraction >= 0.5 ? whole + 1 : (fraction <= -0.5 ? whole - 1 : whole)
        }
        guard !scaled.isNaN else { return 0 }
        return Int64(max(-Self.centsLimit, min(Self.centsLimit, scaled.rounded())))
    }

    private static let centsLimit = Double(1 << 60)

    /// Whether an amount is a whole number of cents (63.71, not 63.714), up to the error of its binary fraction.
    @inline(__always)
    static func isWholeCents(_ value: Double) -> Bool {
        let scaled = value * 100
        // Past 2^52 every double is whole (and the conversion below could overflow); NaN is no amount JSON can write.
        guard abs(scaled) < 4_503_599_627_370_496 else { return true }
        let fraction = abs(scaled - Double(Int64(scaled)))
        // The error of a two-decimal amount's binary fraction is about 2^-52 of it: far below a tenth of a cent below
        // a billion dollars.
        let tolerance = max(1e-6, abs(scaled) * 1e-12)
        return fraction <= tolerance || fraction >= 1 - tolerance
    }

    /// A score in thousandths, as records write it (three decimals); out of range scores are held, not trapped on.
    static func milli(_ score: Double) -> Int64 {
        guard !score.isNaN else { return 0 }
        return Int64(max(-1e15, min(1e15, (score * 1000).rounded())))
    }

    /// The hour of the day (0-23) of a local time, before 1970 too.
    private static func hour(_ local: Int64) -> Int {
        Int(Timestamp.floorDiv(local, 3_600_000) - Timestamp.floorDiv(local, Timestamp.millisecondsPerDay) * 24)
    }

    /// Tax and shipping against the generator's rules (``Charges``), with the tax rate of the city's region.
    private func checkCharges(_ tokens: Tokens, _ slots: Slots, city: Int, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        guard accepted(tokens, slots, s.subtotal), accepted(tokens, slots, s.tax), accepted(tokens, slots, s.shipping),
              let subtotal = tokens.number(slot: slots, s.subtotal), let tax = tokens.number(slot: slots, s.tax),
              let shipping = tokens.number(slot: slots, s.shipping) else { return }
        let subtotalCents = Self.cents(subtotal)
        // Past a trillion dollars the tax's product would not fit: such a subtotal is a defect of its own (business.totals).
        guard abs(subtotalCents) < 1 << 40 else { return }
        let region = cityRegionIndex[city]
        let expectedTax = Charges.taxCents(subtotal: subtotalCents, region: region)
        let expectedShipping = Charges.shippingCents(subtotal: subtotalCents)
        if Self.cents(tax) != expectedTax {
            charges.fail(at: location, id: id?.text,
                         "tax \(tax): \(Double(Charges.taxBasisPoints[region]) / 100) % of subtotal \(subtotal) in \(Region.allCases[region].rawValue) is \(Double(expectedTax) / 100)")
        } else if Self.cents(shipping) != expectedShipping {
            charges.fail(at: location, id: id?.text,
                         "shipping \(shipping) on a subtotal of \(subtotal): free from \(Double(Charges.freeShippingFromCents) / 100), else \(Double(Charges.shippingFeeCents) / 100)")
        } else {
            charges.pass()
        }
    }

    /// `a + b x c`, held within ±2^60 as ``cents(_:)`` is.
    private func adding(_ a: Int64, _ b: Int64, times c: Int64) -> Int64 {
        let limit = Int64(1) << 60
        let (product, overflow) = b.multipliedReportingOverflow(by: c)
        guard !overflow else { return (b < 0) != (c < 0) ? -limit : limit }
        return max(-limit, min(limit, a + max(-limit, min(limit, product))))
    }

    func prefetch(_ tokens: Tokens, _ slots: Slots) {
        if let userID = tokens.string(slot: slots, s.user) { lookup.prefetchUser(userID) }
        // The first line's product when it is the line's first member, as written (most transactions have one or two lines).
        let products = Int(slots[s.products]), line = products + 1
        if products >= 0, tokens.kind(products) == .array, line < tokens.childrenEnd(products), tokens.kind(line) == .object,
           line + 2 < tokens.childrenEnd(line), tokens.kind(line + 2) == .string, sameBytes(tokens.key(line + 2), "product_id") {
            lookup.prefetchProduct(tokens.string(line + 2))
        }
    }

    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        records += 1
        if let timestamp {
            latestTime = max(latestTime, timestamp)
            earliestTime = min(earliestTime, timestamp)
        }
        let insideWindow = timestamp.map { $0 >= context.settings.window.start && $0 < context.settings.window.end } ?? false
        if insideWindow { windowRecords += 1 }
        func idText() -> String? { id?.text }
        // Users and products.
        var user: Int?
        let userID = acceptedString(tokens, slots, s.user)
        if let userID {
            user = lookup.user(userID)
            userReference.record(user != nil, at: location, id: idText(), "user_id \(userID.text) is not in the catalog")
            // A user_type the schema rejects is its finding (schema.enums), not also a user's type the catalog disagrees with.
            if let user, let type = tokens.string(slot: slots, s.userType), accepted(tokens, slots, s.userType) {
                let expected = userTypeNames[Int(userTypeOf[user])]
                userDetails.record(sameBytes(type, expected), at: location, id: idText(), "\(userID.text): user_type \(type.text), the catalog says \(expected.text)")
            }
        }
        // With a user the catalog lacks (its finding), the link names no user: the purchase event is not judged by it.
        if purchaseLinks != nil, let id, let session = acceptedString(tokens, slots, s.session) {
            let hash = idHash(id)
            _ = purchaseLinks!.insert(purchaseLink(hash, session: idHash(session), user: user != nil ? userID.map(idHash) ?? 0 : 0))
            _ = purchaseTimes?.insert(purchaseTime(hash, at: context.judgedTime(timestamp)))
        }
        // Read before the lines: only a pattern fraud needs its lines' categories kept (an empty array allocates nothing).
        let isFraud = tokens.bool(slot: slots, s.isFraud)
        let fraudType = tokens.string(slot: slots, s.fraudType).flatMap { FraudType(rawValue: $0.text) }
        let keepsCategories = isFraud == true && fraudType == .pattern
        let productsToken = Int(slots[s.products])
        let (subtotalCents, linesComplete, lineCategories, firstCategory) = productsToken >= 0 && tokens.kind(productsToken) == .array
            ? checkLines(tokens, productsToken, at: location, id: id, keepsCategories: keepsCategories)
            : (0, false, [], nil)
        if let total = tokens.number(slot: slots, s.total) { orderTotals.add(total) }
        // Totals to the cent, of amounts the schema accepts (an empty products array is its finding, not a subtotal of 0).
        if linesComplete, accepted(tokens, slots, s.products), accepted(tokens, slots, s.subtotal), accepted(tokens, slots, s.tax),
           accepted(tokens, slots, s.shipping), accepted(tokens, slots, s.total), let subtotal = tokens.number(slot: slots, s.subtotal), let tax = tokens.number(slot: slots, s.tax),
           let shipping = tokens.number(slot: slots, s.shipping), let total = tokens.number(slot: slots, s.total) {
            if !(Self.isWholeCents(subtotal) && Self.isWholeCents(tax) && Self.isWholeCents(shipping) && Self.isWholeCents(total)) {
                let odd = [("subtotal", subtotal), ("tax", tax), ("shipping", shipping), ("total_amount", total)].first { !Self.isWholeCents($0.1) }!
                totals.fail(at: location, id: idText(), "\(odd.0) \(odd.1) is not a whole number of cents")
            } else if Self.cents(subtotal) != subtotalCents {
                let sum = abs(Double(subtotalCents)) >= Self.centsLimit ? "\(subtotalCents < 0 ? "below -" : "beyond ")\(Self.centsLimit / 100) (too large to count in cents)"
                    : "\(Double(subtotalCents) / 100)"
                totals.fail(at: location, id: idText(), "subtotal \(subtotal), the lines add up to \(sum)")
            } else if Self.cents(total) != Self.cents(subtotal) + Self.cents(tax) + Self.cents(shipping) {
                totals.fail(at: location, id: idText(), "total_amount \(total) is not subtotal \(subtotal) + tax \(tax) + shipping \(shipping)")
            } else {
                totals.pass()
            }
        }
        // Coordinates and the city (its position in the catalog, not a copy of it: a City holds five strings to retain
        // and release).
        let city = checkCoordinates(tokens, slots, at: location, id: id)
        if let city { checkCharges(tokens, slots, city: city, at: location, id: id) }
        // Fraud labels and distributions.
        let score = acceptedNumber(tokens, slots, s.score)
        if let id, score == nil || timestamp == nil || !accepted(tokens, slots, s.isFraud) { _ = unjudgedForAlerts.insert(idHash(id)) }
        if let isFraud {
            if isFraud {
                frauds += 1
                if insideWindow { windowFrauds += 1 }
            }
            if let score {
                if isFraud { scoreFraud.add(score) } else { scoreLegit.add(score) }
                // A transaction ID read twice keeps its earliest copy, whatever order the two were read in.
                if let id, isFraud || score >= 0.5, let timestamp {
                    // A user the catalog lacks, or a total the schema rejects, is the transaction's finding: 0 and nil,
                    // the alert is not compared with them.
                    let facts = FlaggedTransaction(time: timestamp, user: user != nil ? userID.map(idHash) ?? 0 : 0,
                                                   cents: acceptedNumber(tokens, slots, s.total).map(Self.cents), score: Self.milli(score),
                                                   isFraud: isFraud, city: city.map { Int32(truncatingIfNeeded: $0) } ?? -1,
                                                   fraudType: isFraud ? fraudType.flatMap { FraudType.allCases.firstIndex(of: $0) }.map { Int8($0) } ?? -1 : -1)
                    flagged[idHash(id), default: facts] = min(flagged[idHash(id)] ?? facts, facts)
                    if isFraud {
                        fraudRecords.append((idHash(id), timestamp, location, id.text))
                        context.keepForEnd(location)
                    }
                }
            }
            let local = city.flatMap { c in timestamp.map { context.local($0, city: c) } }
            // The splits and the time profiles count records inside the window only: their expectations are the model's
            // over the span of the window the data covers, and one stray timestamp (a temporal.window finding) would
            // otherwise be a day of its own, weighing on the weekday means like a whole day. (Data of a wider span than
            // the window judged would fail the regions, whose mix follows the hour, beside temporal.window.)
            if !isFraud && insideWindow {
                if let timestamp {
                    firstTime = min(firstTime, timestamp)
                    lastTime = max(lastTime, timestamp)
                }
                regions.add(slot: s.region, of: tokens, slots, matcher)
                userTypes.add(slot: s.userType, of: tokens, slots, matcher)
                devices.add(slot: s.deviceType, of: tokens, slots, matcher)
                payments.add(slot: s.payment, of: tokens, slots, matcher)
                let event = local.flatMap(pattern.seasonalEvent(atLocal:))
                if let firstCategory, local != nil, !(event.map(pattern.boostsCategories(event:)) ?? false) {
                    basketCategories.add(index: firstCategory)
                }
                if let local {
                    timedLegit += 1
                    if let event, event < eventCounts.count { eventCounts[event] += 1 }
                    localHours[Self.hour(local)] += 1
                    count(day: Timestamp.floorDiv(local, Timestamp.millisecondsPerDay), in: &localDayCounts, else: &otherLocalDays)
                }
            }
            if insideWindow, let timestamp { count(day: Timestamp.floorDiv(timestamp, Timestamp.millisecondsPerDay), in: &utcDayCounts, else: &otherUTCDays) }
            // A fraud_type the schema rejects (none of the kinds, or not a string) is its finding, not also a broken label.
            if !tokens.hasValue(slot: slots, s.fraudType) || accepted(tokens, slots, s.fraudType) {
                let problem = fraudLabelProblem(isFraud: isFraud, fraudType: fraudType, tokens: tokens, slots: slots, user: user,
                                                city: city, local: local, subtotalCents: subtotalCents, lineCategories: lineCategories,
                                                timestamp: timestamp, location: location, id: id)
                labels.record(problem == nil, at: location, id: idText(), problem ?? "")
            }
            if isFraud, insideWindow, let fraudType { fraudTypes.add(index: FraudType.allCases.firstIndex(of: fraudType)!) }
        }
    }

    /// Checks the line items of the `products` array at `productsToken` against the catalog and the category price
    /// ranges; returns the subtotal in cents, whether every line could be read, and (for a pattern fraud) the lines'
    /// category positions.
    private func checkLines(_ tokens: Tokens, _ productsToken: Int, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?,
                            keepsCategories: Bool) -> (subtotalCents: Int64, complete: Bool, categories: [Int], first: Int?) {
        func idText() -> String? { id?.text }
        var lineCategories: [Int] = []
        var firstCategory: Int?, firstLine = true
        var subtotalCents: Int64 = 0
        var linesComplete = true
        var line = productsToken + 1
        let linesEnd = tokens.childrenEnd(productsToken)
        var unknown: String?, mismatch: String?, outOfRange: String?, unconfigured: String?
        while line < linesEnd {
            defer { line = tokens.next(line, inObject: false) }
            guard tokens.kind(line) == .object else { linesComplete = false; continue }
            // One pass over the line's members (the first of a repeated name counts, as with Tokens.member).
            var productToken = -1, priceToken = -1, quantityToken = -1, categoryToken = -1, nameToken = -1
            var member = line + 2
            let lineEnd = tokens.childrenEnd(line)
            while member < lineEnd {
                let key = tokens.key(member)
                switch key.count {
                case 4 where nameToken < 0 && sameBytes(key, "name"): nameToken = member
                case 5 where priceToken < 0 && sameBytes(key, "price"): priceToken = member
                case 8 where quantityToken < 0 && sameBytes(key, "quantity"): quantityToken = member
                case 8 where categoryToken < 0 && sameBytes(key, "category"): categoryToken = member
                case 10 where productToken < 0 && sameBytes(key, "product_id"): productToken = member
                default: break
                }
                member = tokens.next(member, inObject: true)
            }
            // Values the schema rejects (a negative price, a quantity of 0, a product_id of another shape) are its
            // findings: the line's checks leave them out, and a line without a price and quantity leaves the totals unjudged.
            func lineAccepts(_ token: Int, _ node: Int) -> Bool { token >= 0 && (context.schemaClean || matcher.accepts(tokens, token, node: node)) }
            let price = lineAccepts(priceToken, self.line.price) ? tokens.number(priceToken) : nil
            let quantity = lineAccepts(quantityToken, self.line.quantity) ? tokens.integer(quantityToken) : nil
            if let price, let quantity {
                subtotalCents = adding(subtotalCents, Self.cents(price), times: quantity)
            } else {
                linesComplete = false
            }
            let category = categoryToken >= 0 && tokens.kind(categoryToken) == .string ? tokens.string(categoryToken) : nil
            let categoryIndex = category.flatMap { c in categoryBytes.firstIndex { sameBytes(c, $0) } }
            if firstLine { firstCategory = categoryIndex }
            firstLine = false
            // The catalog's product, when the line names one it has: it judges the line's name, category and price.
            let productID = lineAccepts(productToken, self.line.product) && tokens.kind(productToken) == .string ? tokens.string(productToken) : nil
            let product = productID.flatMap { lookup.product($0) }
            if let productID, product == nil, unknown == nil { unknown = "product_id \(productID.text) is not in the catalog" }
            if let categoryIndex {
                categories.add(index: categoryIndex)
                if keepsCategories { lineCategories.append(categoryIndex) }
                if let price {
                    amounts[categoryIndex].add(price)
                    if let range = categoryRanges[categoryIndex], Self.cents(price) < range.low || Self.cents(price) > range.high, outOfRange == nil {
                        outOfRange = "\(productID?.text ?? "a line") costs \(price), outside \(category!.text)'s range"
                    }
                }
            } else if let category {
                categories.add(category)
                if unconfigured == nil {
                    unconfigured = "\(productID?.text ?? "a line"): category \(category.text) is none of the configured ones"
                }
            }
            guard let productID, let product else { continue }
            let name = nameToken >= 0 && tokens.kind(nameToken) == .string ? tokens.string(nameToken) : nil
            if mismatch == nil {
                // A name or category missing, or not a string, is the schema's finding.
                if let name, !sameBytes(name, lookup.productNames[product]) {
                    mismatch = "\(productID.text): name \"\(name.text)\", the catalog says \"\(lookup.productNames[product].text)\""
                } else if let category, categoryIndex != productCategory[product],
                          // Both outside the configuration (a catalog of another configuration): the same name agrees.
                          categoryIndex != nil || productCategory[product] >= 0 || !category.elementsEqual(context.catalog.products[product].category.utf8) {
                    mismatch = "\(productID.text): category \(category.text), the catalog says \(context.catalog.products[product].category)"
                } else if let price, Self.cents(price) != lookup.productPrices[product] || !Self.isWholeCents(price) {
                    mismatch = "\(productID.text): price \(price), the catalog says \(Double(lookup.productPrices[product]) / 100)"
                }
            }
        }
        productReference.record(unknown == nil, at: location, id: idText(), unknown ?? "")
        productDetails.record(mismatch == nil, at: location, id: idText(), mismatch ?? "")
        priceRanges.record(outOfRange == nil, at: location, id: idText(), outOfRange ?? "")
        categoryMembers.record(unconfigured == nil, at: location, id: idText(), unconfigured ?? "")
        return (subtotalCents, linesComplete, lineCategories, firstCategory)
    }

    /// Checks the coordinates and the named city; returns the city's position in the catalog when it is there.
    private func checkCoordinates(_ tokens: Tokens, _ slots: Slots, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) -> Int? {
        func idText() -> String? { id?.text }
        var city: Int?
        if let latitude = tokens.number(slot: slots, s.latitude), let longitude = tokens.number(slot: slots, s.longitude) {
            let inRange = latitude.isFinite && longitude.isFinite && abs(latitude) <= 90 && abs(longitude) <= 180
            coordinateRange.record(inRange, at: location, id: idText(), "coordinates (\(latitude), \(longitude)) out of range")
            nullIsland.record(latitude != 0 || longitude != 0, at: location, id: idText(), "coordinates at (0, 0)")
            // A country, region or time zone the schema rejects (`us`) is its finding, not also a city the fixture lacks.
            if let name = tokens.string(slot: slots, s.city), let country = tokens.string(slot: slots, s.country), accepted(tokens, slots, s.country) {
                city = lookup.cityPosition(name, country: country)
                if let index = city {
                    var problem: String?
                    if let state = tokens.string(slot: slots, s.state), !sameBytes(state, cityState[index]) {
                        problem = "\(context.catalog.cities[index].name) is in \(context.catalog.cities[index].state), not \(state.text)"
                    } else if let region = tokens.string(slot: slots, s.region), accepted(tokens, slots, s.region), !sameBytes(region, cityRegion[index]) {
                        problem = "\(context.catalog.cities[index].name) is in region \(context.catalog.cities[index].region.rawValue), not \(region.text)"
                    } else if let zone = tokens.string(slot: slots, s.zone), accepted(tokens, slots, s.zone), !sameBytes(zone, cityZone[index]) {
                        problem = "\(context.catalog.cities[index].name) is in time zone \(context.catalog.cities[index].timeZone), not \(zone.text)"
                    }
                    consistency.record(problem == nil, at: location, id: idText(), problem ?? "")
                    if inRange && (latitude != 0 || longitude != 0) {
                        if surelyNear(latitude, longitude, city: index) {
                            cityRadius.pass()
                        } else {
                            let distance = City.distanceKm(latitude1: latitude, longitude1: longitude, latitude2: cityCentres[index].latitude,
                                                           longitude2: cityCentres[index].longitude)
                            cityRadius.record(distance <= jitterLimitKm, at: location, id: idText(),
                                              "(\(latitude), \(longitude)) is \(Int(distance.rounded())) km from \(context.catalog.cities[index].name), more than \(jitterLimitKm) km")
                        }
                    }
                } else {
                    consistency.fail(at: location, id: idText(), "no city \(name.text) in \(country.text) in the cities fixture")
                }
            }
            if let id, inRange {
                let fraud = tokens.bool(slot: slots, s.isFraud) ?? false
                let content = (latitude.bitPattern.mixed ^ longitude.bitPattern) &+ (fraud ? 1 : 0)
                sample.offer(idHash(id).mixed, tiebreak: content.mixed, (latitude, longitude, fraud))
            }
        }
        return city
    }

    /// Whether (`latitude`, `longitude`), in range, is within `jitterLimitKm` of `city` by an upper bound of the
    /// haversine distance that needs no trigonometry per record: sin x <= x, cos of the point's latitude <= the
    /// city's cosine + |dLat| (cos is 1-Lipschitz), and asin x <= x (1 + x^2) for x <= 0.5. False says only that
    /// the exact distance must be computed.
    @inline(__always)
    private func surelyNear(_ latitude: Double, _ longitude: Double, city: Int) -> Bool {
        Self.surelyWithin(jitterLimitKm, latitude, longitude, of: cityCentres[city], cosine: cityCosines[city])
    }

    /// ``surelyNear(_:_:city:)`` for a centre and the cosine of its latitude.
    @inline(__always)
    static func surelyWithin(_ kilometres: Double, _ latitude: Double, _ longitude: Double,
                             of centre: (latitude: Double, longitude: Double), cosine: Double) -> Bool {
        let radians = Double.pi / 180
        let dLat = (latitude - centre.latitude) * radians, dLon = (longitude - centre.longitude) * radians
        let a = (dLat * dLat + cosine * min(1, cosine + abs(dLat)) * dLon * dLon) / 4
        guard a <= 0.25 else { return false }
        return 2 * 6371.0088 * a.squareRoot() * (1 + a) * (1 + 1e-9) <= kilometres
    }

    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder) {
        guard let shard = other as? TransactionChecker else { return }
        records += shard.records
        frauds += shard.frauds
        windowRecords += shard.windowRecords
        windowFrauds += shard.windowFrauds
        userReference.merge(shard.userReference, order: order)
        productReference.merge(shard.productReference, order: order)
        productDetails.merge(shard.productDetails, order: order)
        coordinateRange.merge(shard.coordinateRange, order: order)
        nullIsland.merge(shard.nullIsland, order: order)
        cityRadius.merge(shard.cityRadius, order: order)
        consistency.merge(shard.consistency, order: order)
        totals.merge(shard.totals, order: order)
        labels.merge(shard.labels, order: order)
        priceRanges.merge(shard.priceRanges, order: order)
        charges.merge(shard.charges, order: order)
        userDetails.merge(shard.userDetails, order: order)
        regions.merge(shard.regions)
        userTypes.merge(shard.userTypes)
        devices.merge(shard.devices)
        payments.merge(shard.payments)
        categories.merge(shard.categories)
        basketCategories.merge(shard.basketCategories)
        timedLegit += shard.timedLegit
        for index in eventCounts.indices where index < shard.eventCounts.count { eventCounts[index] += shard.eventCounts[index] }
        fraudTypes.merge(shard.fraudTypes)
        firstTime = min(firstTime, shard.firstTime)
        lastTime = max(lastTime, shard.lastTime)
        for hour in 0..<24 { localHours[hour] += shard.localHours[hour] }
        for day in utcDayCounts.indices { utcDayCounts[day] += shard.utcDayCounts[day] }
        for day in localDayCounts.indices { localDayCounts[day] += shard.localDayCounts[day] }
        otherUTCDays.merge(shard.otherUTCDays, uniquingKeysWith: +)
        otherLocalDays.merge(shard.otherLocalDays, uniquingKeysWith: +)
        for index in amounts.indices { amounts[index].merge(shard.amounts[index]) }
        orderTotals.merge(shard.orderTotals)
        scoreFraud.merge(shard.scoreFraud)
        scoreLegit.merge(shard.scoreLegit)
        sample.merge(shard.sample)
        velocity = (velocity + shard.velocity).sorted { order($0.location) < order($1.location) }
        fraudRecords = (fraudRecords + shard.fraudRecords).sorted { order($0.location) < order($1.location) }
        latestTime = max(latestTime, shard.latestTime)
        earliestTime = min(earliestTime, shard.earliestTime)
        flagged.merge(shard.flagged, uniquingKeysWith: min)
        for key in shard.unjudgedForAlerts.values { _ = unjudgedForAlerts.insert(key) }
        categoryMembers.merge(shard.categoryMembers, order: order)
        if let links = shard.purchaseLinks?.values {
            if purchaseLinks == nil { purchaseLinks = HashSet64() }
            for link in links { _ = purchaseLinks!.insert(link) }
        }
        if let times = shard.purchaseTimes?.values {
            if purchaseTimes == nil { purchaseTimes = HashSet64() }
            for time in times { _ = purchaseTimes!.insert(time) }
        }
    }

    @inline(__always)
    private func count(day: Int64, in counts: inout [Int], else other: inout [Int64: Int]) {
        let index = Int(day - firstDay)
        if index >= 0 && index < counts.count { counts[index] += 1 } else { other[day, default: 0] += 1 }
    }

    /// Records per day with at least one record.
    private func days(_ counts: [Int], _ other: [Int64: Int]) -> [Int64: Int] {
        var all = other
        for (index, count) in counts.enumerated() where count > 0 { all[firstDay + Int64(index), default: 0] += count }
        return all
    }

    /// What is wrong with a record's fraud label, or nil; velocity frauds are kept for the burst check at the end.
    private func fraudLabelProblem(isFraud: Bool, fraudType: FraudType?, tokens: Tokens, slots: Slots, user: Int?, city: Int?,
                                   local: Int64?, subtotalCents: Int64, lineCategories: [Int], timestamp: Int64?,
                                   location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) -> String? {
        let typeIsNull = tokens.isNull(slot: slots, s.fraudType)
        if !isFraud { return typeIsNull ? nil : "is_fraud is false but fraud_type is set" }
        guard let fraudType else { return "is_fraud is true but fraud_type is \(typeIsNull ? "null" : "not a fraud kind")" }
        let catalog = context.catalog
        switch fraudType {
        case .time:
            // Timestamps a replay moved keep no local hour of their making.
            guard let local, context.settings.timesMoved == nil else { return nil }
            let hour = Self.hour(local)
            return (2..<4).contains(hour) ? nil : "time fraud at \(hour):00 local, not between 02:00 and 04:00"
        case .location:
            guard let user, let home = catalog.users[user].homeCity, let city = city.map({ catalog.cities[$0] }) else { return nil }
            let homeCity = catalog.cities[home]
            if homeCity.continent == city.continent { return "location fraud in \(city.name), on the home continent of the user (\(homeCity.name))" }
            let distance = city.distanceKm(to: homeCity)
            return distance >= 2_000 ? nil : "location fraud \(Int(distance)) km from home (\(homeCity.name)), less than 2,000 km"
        case .amount:
            // 5-20 times a normal basket, or a micro-transaction (a card tester's) under a tenth of one.
            return subtotalCents >= amountFloorCents || subtotalCents <= microCeilingCents ? nil
                : "amount fraud of \(Double(subtotalCents) / 100), neither 3x the median basket (\(Double(amountFloorCents) / 100)) nor a micro-transaction (at most \(Double(microCeilingCents) / 100))"
        case .device:
            guard let user, let device = tokens.string(slot: slots, s.device), device.count > 4,
                  let value = UInt64(String(decoding: device[4...], as: UTF8.self), radix: 16) else { return nil }
            return catalog.users[user].deviceIDs.contains(value) ? "device fraud on \(device.text), one of the user's own devices" : nil
        case .pattern:
            guard let user, !lineCategories.isEmpty else { return nil }
            let preferred = catalog.users[user].preferredCategories
            let config = context.settings.generator.config
            return lineCategories.allSatisfy({ !preferred.contains(config.categories[$0]) }) ? nil
                : "pattern fraud buying from the user's preferred categories (\(preferred.joined(separator: ", ")))"
        case .velocity:
            if let timestamp, let user, let id {
                velocity.append((user, timestamp, location, id.text))
                context.keepForEnd(location)
            }
            return nil
        }
    }

    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult] {
        // Velocity frauds come in bursts: at least 5 of the user's velocity frauds within 5 minutes of each.
        // Judged in the order the records were read, so the examples are the first ones, whatever the hashing.
        var times: [Int: [Int64]] = [:]
        for item in velocity { times[item.user, default: []].append(item.time) }
        for user in times.keys { times[user]!.sort() }
        for item in velocity {
            let near = times[item.user]!.filter { abs($0 - item.time) <= 300_000 }.count
            // A burst within 5 minutes of the data's first or last transaction may be cut by where the data starts or
            // stops (a day's file, a stream stopped early): not judged.
            let atAnEnd = item.time - earliestTime < 300_000 || latestTime - item.time < 300_000
            if near < 5 && !atAnEnd {
                context.failAtEnd(&labels, at: item.location, id: item.id, counted: true,
                                  "velocity fraud with \(near) of the user's velocity frauds within 5 minutes, fewer than 5")
            }
        }
        var burstSizes: [Int] = []
        for userTimes in times.values {
            var size = 1
            for (previous, time) in zip(userTimes, userTimes.dropFirst()) {
                if time - previous <= 300_000 { size += 1 } else { burstSizes.append(size); size = 1 }
            }
            burstSizes.append(size)
        }
        var results = tallyResults(tallies, gates: gates, empty: "no transaction had the fields this check reads")
        // Compared with the catalog's users, a transaction whose user is not there has nothing to be compared with.
        if userDetails.checked == 0, userReference.checked > 0, userReference.violations == userReference.checked, let index = results.firstIndex(where: { $0.id == userDetails.id }) {
            results[index].reason = "no transaction's user_id is in the catalog (see referential.user_id): no user_type to compare with"
        }
        let generator = context.settings.generator
        let config = generator.config
        let model = expectations
        var regionSplit = Equivalence.split(id: "distribution.regions", type: type, title: "regions of legitimate transactions match the configured split",
                                            names: regions.names, counts: regions.counts, expected: model.regions, gates: gates)
        if let moved = context.settings.timesMoved {
            // The split expected over a span follows its hours (each region's evening is its peak): with the times moved,
            // the span's hours are not the ones the records were made in.
            regionSplit.status = .inconclusive
            regionSplit.reason = "the timestamps are not those the records were made at (\(moved)): the split expected over the span's hours is not judged"
        }
        results.append(regionSplit)
        // Expected: the configured ratios as the catalog's 10,000-odd users realised them (its own sampling
        // noise is some tenths of a point), among the active users who make the traffic.
        results.append(Equivalence.split(id: "distribution.user_types", type: type, title: "user types of legitimate transactions match the catalog's active users",
                                         names: userTypes.names, counts: userTypes.counts,
                                         expected: model.userTypes, gates: gates))
        var basketSplit = Equivalence.split(id: "distribution.basket_categories", type: type,
                                            title: "legitimate baskets start in their users' preferred categories (the first line's category, outside seasonal events)",
                                            names: basketCategories.names, counts: basketCategories.counts, expected: model.categories, gates: gates)
        if let moved = context.settings.timesMoved {
            // A seasonal event boosts categories on its local days: with the times moved, those days cannot be told.
            basketSplit.status = .inconclusive
            basketSplit.reason = "the timestamps are not those the records were made at (\(moved)): the baskets made during seasonal events cannot be told apart"
        }
        results.append(basketSplit)
        results.append(Equivalence.split(id: "distribution.devices", type: type, title: "devices of legitimate transactions match the configured mix",
                                         names: devices.names, counts: devices.counts,
                                         expected: DeviceType.allCases.map { config.devices[$0] ?? 0 }, gates: gates))
        results.append(Equivalence.split(id: "distribution.payment_methods", type: type, title: "payment methods match the configured mix",
                                         names: payments.names, counts: payments.counts,
                                         expected: PaymentMethod.allCases.map { config.paymentMethods[$0] ?? 0 }, gates: gates))
        results.append(Equivalence.proportion(id: "distribution.fraud_rate", type: type, title: "the fraud rate matches the configured rate",
                                              count: windowFrauds, total: windowRecords, expected: generator.fraudRate,
                                              tolerance: max(Equivalence.fraudRateTolerance, generator.fraudRate / 2), gates: gates))
        // Frauds are few and velocity frauds come in bursts, whose number varies more from seed to seed than the
        // burst sizes alone explain (scripts/calibrate-validation.sh: velocity at 17-27 % over 20 seeds of 1M
        // transactions): the mix is judged within 8 points unless a gate says otherwise.
        let mixGates = Gates(["fraud_types": Gate(tolerance: 0.08)]).overlaid(by: gates)
        // Bursts make the mix noisier than its count says: a design effect of 1 + p_velocity * (sum m^2 / sum m - 1)
        // over the observed burst sizes m.
        let sizes = burstSizes.reduce(0, +), squares = burstSizes.reduce(0) { $0 + $1 * $1 }
        let velocityShare = frauds > 0 ? Double(sizes) / Double(frauds) : 0
        let designEffect = sizes > 0 ? 1 + velocityShare * (Double(squares) / Double(sizes) - 1) : 1
        let mix = Equivalence.split(id: "distribution.fraud_types", type: type, title: "the kinds of fraud match the configured mix",
                                    names: fraudTypes.names, counts: fraudTypes.counts,
                                    expected: model.frauds, gates: mixGates,
                                    designEffect: designEffect,
                                    clusterNote: burstSizes.count == 1 ? " (velocity frauds come in 1 burst of \(sizes))"
                                        : " (velocity frauds come in \(burstSizes.count) bursts of \(sizes / max(1, burstSizes.count)) on average)")
        results.append(mix)
        var timeProfiles = [Equivalence.split(id: "distribution.local_hours", type: type, title: "local hours of legitimate transactions follow the configured profile",
                                              names: (0..<24).map { String(format2($0)) }, counts: localHours,
                                              expected: model.hours, gates: gates),
                            weekendRatio(gates: gates), seasonalUplift(gates: gates)]
        if let moved = context.settings.timesMoved {
            for index in timeProfiles.indices {
                timeProfiles[index].status = .inconclusive
                timeProfiles[index].reason = "the timestamps are not those the records were made at (\(moved)): local hours, weekdays and dates are not judged"
            }
        }
        results += timeProfiles
        results.append(scoreResult(gates: gates))
        return results
    }

    /// The shares the model expects for regions and local hours over the span the data covers (whole
    /// 15-minute slots), the configured ones when the data has no timestamps.
    private var expectations: (regions: [Double], hours: [Double], userTypes: [Double], frauds: [Double], categories: [Double], events: [Double]) {
        if let cachedExpectations { return cachedExpectations }
        let computed = computeExpectations()
        cachedExpectations = computed
        return computed
    }

    /// Taken at the end of the run, when the span is known; ``results(gates:all:)`` and ``distributions()`` share it.
    private var cachedExpectations: (regions: [Double], hours: [Double], userTypes: [Double], frauds: [Double], categories: [Double], events: [Double])?

    private func computeExpectations() -> (regions: [Double], hours: [Double], userTypes: [Double], frauds: [Double], categories: [Double], events: [Double]) {
        let config = context.settings.generator.config
        let weights = Region.allCases.map { config.regions[$0]?.weight ?? 0 }
        let sum = weights.reduce(0, +)
        let profile = context.settings.generator.temporalPattern.hourlyProfile
        let profileSum = profile.reduce(0, +)
        // A basket starts in one of its user's first preferred categories, uniformly: each active user gives each of those a
        // share, by city (users whose categories the configuration lacks give none).
        var categoryMasses = [[Double]](repeating: [Double](repeating: 0, count: config.categories.count), count: context.catalog.cities.count)
        for user in context.catalog.users where user.isActive {
            guard let city = user.homeCity, city < categoryMasses.count else { continue }
            let preferred = user.preferredCategories.prefix(ECommerceDataGenerator.basketCategories).compactMap { config.categories.firstIndex(of: $0) }
            for category in preferred { categoryMasses[city][category] += 1 / Double(preferred.count) }
        }
        guard firstTime <= lastTime else {
            let perCategory = (0..<config.categories.count).map { category in categoryMasses.reduce(0) { $0 + $1[category] } }
            let total = perCategory.reduce(0, +)
            return (weights.map { $0 / sum }, profile.map { $0 / profileSum }, context.catalog.activeUserTypeShares,
                    FraudType.allCases.map { config.fraudPatterns[$0] ?? 0 }, total > 0 ? perCategory.map { $0 / total } : perCategory,
                    [Double](repeating: 0, count: config.sortedSeasonalEvents.count))
        }
        let slot = TemporalPattern.leafMilliseconds
        // Whole slots of the data's span, cut to the window: a window ending at 09:01:07 holds a minute of the 09:00 slot,
        // and the model must weigh that minute, not the slot (local hours and regions failed clean data).
        let window = context.settings.window
        let start = max(Timestamp.floorDiv(firstTime, slot) * slot, window.start)
        let end = min((Timestamp.floorDiv(lastTime, slot) + 1) * slot, window.end)
        let generator = context.settings.generator
        // A catalog read from files weighs the zones by its own users (without --seed the generator's are the default
        // seed's: with 200 users the user types expected were 2 points off, and clean data failed).
        var pattern: TemporalPattern?
        if context.settings.catalogGiven {
            var active = [Int](repeating: 0, count: context.catalog.cities.count)
            for user in context.catalog.users where user.isActive { if let city = user.homeCity, city < active.count { active[city] += 1 } }
            pattern = TemporalPattern(config: config, cities: context.catalog.cities, activeByCity: active)
        }
        let model = generator.expectedShares(start: start, end: end, pattern: pattern)
        // User types as the traffic picks the catalog's active users: by zone and city, not one user one vote (with 200
        // users the two differ by 1.6 points, and clean data failed).
        var byCity = [[Int]](repeating: [Int](repeating: 0, count: UserType.allCases.count), count: context.catalog.cities.count)
        for user in context.catalog.users where user.isActive {
            guard let city = user.homeCity, city < byCity.count else { continue }
            byCity[city][UserType.allCases.firstIndex(of: user.type)!] += 1
        }
        let types = generator.expectedShares(ofCityCounts: byCity, zones: model.zones, pattern: pattern)
        // The kinds of fraud as the generator can place them: time frauds only where some zone is at night.
        let frauds = generator.expectedFraudMix(night: model.night)
        return (Region.allCases.map { model.regions[$0] ?? 0 }, model.localHours,
                types.reduce(0, +) > 0 ? types : context.catalog.activeUserTypeShares, FraudType.allCases.map { frauds[$0] ?? 0 },
                generator.expectedShares(ofCityMasses: categoryMasses, zones: model.zones, pattern: pattern), model.events)
    }

    /// Mean transactions per local weekend day against per weekday, on whole local days without events.
    private func weekendRatio(gates: Gates) -> CheckResult {
        let id = "distribution.weekend_ratio"
        let gate = gates.gate(for: id)
        let expected = gate.expected ?? context.settings.generator.config.weekendMultiplier
        let tolerance = gate.tolerance ?? 0.15
        var result = CheckResult(id: id, family: .distribution, recordType: type, title: "weekend days carry the configured multiple of a weekday's traffic",
                                 status: .inconclusive, reason: nil, gating: gate.gating ?? true, checked: 0, violations: 0,
                                 maxViolations: 0, statistic: nil, examples: [])
        let localDays = days(localDayCounts, otherLocalDays)
        guard firstTime <= lastTime else {
            result.reason = "no legitimate transactions inside the window"
            return result
        }
        let config = context.settings.generator.config
        let days = wholeLocalDays(localDays)
        let events = config.seasonalEvents.values
        var weekend = (days: 0, count: 0), weekday = (days: 0, count: 0)
        for day in days {
            let date = CivilDate(daysSinceEpoch: day)
            if events.contains(where: { event in
                let start = event.date.daysSinceEpoch
                return day >= start && day <= start + Int64((event.durationHours / 24).rounded(.up))
            }) { continue }
            if date.weekday >= 5 { weekend.days += 1; weekend.count += localDays[day]! } else { weekday.days += 1; weekday.count += localDays[day]! }
        }
        result.checked = weekend.count + weekday.count
        guard weekend.days > 0, weekday.days > 0, weekend.count >= 1_000, weekday.count >= 1_000 else {
            result.reason = "too few local days whole in every time zone (or records on them) on weekends and weekdays outside seasonal events"
            return result
        }
        let ratio = (Double(weekend.count) / Double(weekend.days)) / (Double(weekday.count) / Double(weekday.days))
        let spread = Statistics.z95 * (1 / Double(weekend.count) + 1 / Double(weekday.count)).squareRoot()
        let interval = (ratio * exp(-spread), ratio * exp(spread))
        // As for a split: too few records for five standard errors to fit in the tolerance leave clean data to chance, so
        // such a sample is judged only when its interval lies wholly outside the margin.
        if 5 * expected * (spread / Statistics.z95) > tolerance, interval.1 >= expected - tolerance, interval.0 <= expected + tolerance {
            result.checked = weekend.count + weekday.count
            result.reason = "\(weekend.count + weekday.count) records on whole local days, too few for five standard errors of the ratio to fit in +- \(tolerance)"
            return result
        }
        let z = log(ratio / expected) / (spread / Statistics.z95)
        result.statistic = CheckStatistic(observed: ratio, expected: expected, tolerance: tolerance, interval: interval,
                                          test: "log ratio z", value: z, pValue: Statistics.normalTwoSided(z),
                                          effectSize: ratio / expected - 1, effect: "relative_difference")
        result.status = Equivalence.status(observed: ratio, interval: interval, expected: expected, tolerance: tolerance)
        if result.status != .pass { result.reason = "weekend/weekday ratio \(ratio) against \(expected) +- \(tolerance)" }
        return result
    }

    /// The local days the data covers whole in every time zone of the configured regions, sorted: a day cut short in
    /// some zones (the Americas' last evening when the window ends at midnight UTC, Asia's first morning when it starts
    /// there) would count as a whole day with part of its traffic.
    private func wholeLocalDays(_ localDays: [Int64: Int]) -> [Int64] {
        guard firstTime <= lastTime else { return [] }
        let config = context.settings.generator.config
        let offsets = context.catalog.cities.indices.filter { config.activeRegions.contains(context.catalog.cities[$0].region) }
            .map { context.local(firstTime, city: $0) - firstTime }
        let (east, west) = (offsets.max() ?? 0, offsets.min() ?? 0)
        let day = Timestamp.millisecondsPerDay
        return localDays.keys.sorted().filter { $0 * day - east >= firstTime && ($0 + 1) * day - west <= lastTime + 1 }
    }

    /// Each seasonal event's lift of traffic, from the share of legitimate transactions (inside the window) made while
    /// it ran in their zone against the share the model gives it over the span of the data: the odds of the two give the
    /// multiplier the data shows (the model's own at its configured one), judged within 15 % of it unless a gate says
    /// otherwise. Any span does, a part of a day as well as weeks (the black_friday scenario's three days hold the
    /// event's day and no comparable one, which the whole days it was once judged on need).
    private func seasonalUplift(gates: Gates) -> CheckResult {
        let id = "distribution.seasonal_uplift"
        let gate = gates.gate(for: id)
        var result = CheckResult(id: id, family: .distribution, recordType: type, title: "seasonal events lift traffic by their configured multiplier",
                                 status: .inconclusive, reason: nil, gating: gate.gating ?? true, checked: 0, violations: 0,
                                 maxViolations: 0, statistic: nil, examples: [])
        let events = context.settings.generator.config.sortedSeasonalEvents
        let expected = expectations.events
        var categories: [CheckStatistic.Category] = []
        var worst: (status: CheckStatus, statistic: CheckStatistic)?
        var reasons: [String] = []
        // Why each event the data's span meets is not judged, for the reason of an inconclusive check.
        var unjudged: [String] = []
        let total = timedLegit
        for (index, (name, event)) in events.enumerated() where index < expected.count && index < eventCounts.count {
            guard event.multiplier != 1, expected[index] > 0 else { continue }
            let during = eventCounts[index], outside = total - during
            guard during >= 1_000, outside >= 1_000 else {
                unjudged.append("\(name): \(during) legitimate transactions while it ran and \(outside) outside it, of the 1,000 each needed")
                continue
            }
            let share = expected[index]
            // Odds of the event's share observed against the model's, at the configured multiplier.
            func lift(_ observed: Double) -> Double { event.multiplier * (observed / (1 - observed)) / (share / (1 - share)) }
            let observed = Double(during) / Double(total)
            let uplift = lift(observed)
            let wilson = Statistics.wilson(during, total)
            let interval = (lift(wilson.low), lift(wilson.high))
            let tolerance = gate.tolerance ?? event.multiplier * 0.15
            // The standard error of the log odds: too few records for five of them to fit in the tolerance, judged only when
            // wholly outside the margin.
            let spread = (1 / Double(during) + 1 / Double(outside)).squareRoot()
            if 5 * event.multiplier * spread > tolerance, interval.1 >= event.multiplier - tolerance, interval.0 <= event.multiplier + tolerance {
                unjudged.append("\(name): x\(String(format: "%.2f", uplift)) [\(String(format: "%.2f", interval.0))-\(String(format: "%.2f", interval.1))], too few records to judge x\(event.multiplier) +- \(String(format: "%.2f", tolerance))")
                continue
            }
            let z = log(uplift / event.multiplier) / spread
            let status = Equivalence.status(observed: uplift, interval: interval, expected: event.multiplier, tolerance: tolerance)
            result.checked += during
            categories.append(CheckStatistic.Category(name: name, count: during, observed: uplift, expected: event.multiplier, interval: interval))
            if status != .pass { reasons.append("\(name): x\(uplift) [\(interval.0)-\(interval.1)] against x\(event.multiplier) +- \(tolerance)") }
            let statistic = CheckStatistic(observed: uplift, expected: event.multiplier, tolerance: tolerance, interval: interval,
                                           test: "log odds ratio z", value: z, pValue: Statistics.normalTwoSided(z),
                                           effectSize: uplift / event.multiplier - 1, effect: "relative_difference")
            if worst == nil || status > worst!.status { worst = (status, statistic) }
        }
        guard var worst else {
            result.reason = unjudged.isEmpty ? "no seasonal event runs in the span of the data" : unjudged.joined(separator: "; ")
            return result
        }
        worst.statistic.categories = categories
        result.status = worst.status
        result.statistic = worst.statistic
        if !reasons.isEmpty { result.reason = reasons.joined(separator: "; ") }
        return result
    }

    /// The fewest frauds (and legitimate transactions) whose scores' AUC is judged (`min_sample` in the gates).
    static let minimumScoredFrauds = 30

    private func scoreResult(gates: Gates) -> CheckResult {
        let gate = gates.gate(for: "business.fraud_score")
        let auc = Statistics.auc(positives: scoreFraud.counts, negatives: scoreLegit.counts)
        // The AUC the scores must reach (`expected`), less the gate's tolerance when it sets one.
        let minimum = gate.expected ?? 0.9, tolerance = max(0, gate.tolerance ?? 0)
        var result = CheckResult(id: "business.fraud_score", family: .business, recordType: type,
                                 title: "fraud scores rank frauds above legitimate transactions (AUC)", status: .pass, reason: nil,
                                 gating: gate.gating ?? true, checked: scoreFraud.counts.reduce(0, +) + scoreLegit.counts.reduce(0, +),
                                 violations: 0, maxViolations: 0, statistic: nil, examples: [])
        guard let auc else {
            result.status = .inconclusive
            result.reason = "the AUC needs frauds and legitimate transactions; the data has \(frauds) frauds of \(records)"
            return result
        }
        let positives = scoreFraud.counts.reduce(0, +), negatives = scoreLegit.counts.reduce(0, +)
        let interval = Statistics.aucInterval(auc, positives: positives, negatives: negatives)
        result.statistic = CheckStatistic(observed: auc, expected: minimum, tolerance: tolerance, interval: interval, test: "auc",
                                          value: auc, pValue: .nan, effectSize: auc, effect: "auc")
        // A handful of frauds ranks by chance: one mislabelled record among five moves the AUC by a fifth.
        let fewest = gate.minimumSample ?? Self.minimumScoredFrauds
        if min(positives, negatives) < fewest {
            result.status = .inconclusive
            let three = { (value: Double) in String(format: "%.3f", value) }
            result.reason = "AUC \(three(auc)) from \(positives) frauds and \(negatives) legitimate transactions (95 % interval "
                + "\(three(interval.0))-\(three(interval.1))): at least \(fewest) of each are needed to judge it"
            return result
        }
        if auc < minimum - tolerance {
            result.status = .fail
            result.reason = String(format: "AUC %.4f, below %@", auc, tolerance > 0 ? "\(minimum) - \(tolerance)" : "\(minimum)")
        }
        return result
    }

    func distributions() -> JSONValue {
        let config = context.settings.generator.config
        let model = expectations
        let localDays = days(localDayCounts, otherLocalDays), utcDays = days(utcDayCounts, otherUTCDays)
        var weekdays = Array(repeating: 0, count: 7)
        for (day, count) in localDays { weekdays[CivilDate.weekday(daysSinceEpoch: day)] += count }
        let daily: [JSONValue] = utcDays.keys.sorted().map { day in
            let date = CivilDate(daysSinceEpoch: day)
            let event = config.sortedSeasonalEvents.first { _, event in
                day >= event.date.daysSinceEpoch && Double(day - event.date.daysSinceEpoch) * 24 < event.durationHours
            }?.0
            return .object([("date", .string(date.description)), ("count", .int(Int64(utcDays[day]!))), ("event", event.map { .string($0) } ?? .null)])
        }
        let weekdayExpected = (0..<7).map { $0 >= 5 ? config.weekendMultiplier : 1.0 }
        let weekdaySum = weekdayExpected.reduce(0, +)
        return .object([
            ("count", .int(Int64(records))),
            ("categorical", .object([
                ("regions", regions.json(expected: model.regions)),
                ("user_types", userTypes.json(expected: model.userTypes)),
                ("devices", devices.json(expected: DeviceType.allCases.map { config.devices[$0] ?? 0 })),
                ("payment_methods", payments.json(expected: PaymentMethod.allCases.map { config.paymentMethods[$0] ?? 0 })),
                ("categories", categories.json(expected: nil)),
                ("basket_categories", basketCategories.json(expected: model.categories)),
                ("fraud_types", fraudTypes.json(expected: model.frauds)),
            ])),
            ("local_hour", .object([("counts", .array(localHours.map { .int(Int64($0)) })), ("expected", .array(model.hours.map { .double($0) }))])),
            ("weekday", .object([("counts", .array(weekdays.map { .int(Int64($0)) })), ("expected", .array(weekdayExpected.map { .double($0 / weekdaySum) }))])),
            ("daily", .array(daily)),
            ("amounts", .object(config.categories.enumerated().map { index, name in
                let range = config.priceRanges[name]
                return (name, amounts[index].json(extra: [("expected_range", range.map { .array([.double($0.min), .double($0.max)]) } ?? .null)]))
            })),
            ("order_totals", orderTotals.json()),
            ("coordinates", .object([("sample", .array(sample.items.map { .array([.double($0.0), .double($0.1), .bool($0.2)]) }))])),
            ("fraud", .object([
                ("rate", .double(records > 0 ? Double(frauds) / Double(records) : 0)), ("expected_rate", .double(context.settings.generator.fraudRate)),
                ("scores", .object([("fraud", scoreFraud.json()), ("legitimate", scoreLegit.json())])),
                ("auc", Statistics.auc(positives: scoreFraud.counts, negatives: scoreLegit.counts).map { .double($0) } ?? .null),
            ])),
        ])
    }
}

/// `7` as `07`.
func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

extension Gates {
    /// These gates (defaults) with `other`'s entries over them.
    func overlaid(by other: Gates) -> Gates {
        var copy = self
        for (name, gate) in other.entries { copy.set(name, gate) }
        return copy
    }
}

/// A transaction an alert may name, as the alert must repeat it: its time, user (the hash of its user_id), total in
/// cents, score in thousandths, fraud label and city (its position in the cities fixture, -1 when it is none of them).
struct FlaggedTransaction: Comparable {
    var time: Int64
    var user: UInt64
    var cents: Int64?
    var score: Int64
    var isFraud: Bool
    var city: Int32 = -1
    /// A fraud's kind (its position in `FraudType.allCases`), -1 for a legitimate transaction or a kind the schema rejects.
    var fraudType: Int8 = -1

    static func < (a: Self, b: Self) -> Bool {
        // Tuples compare up to six members: the kind decides last.
        let (x, y) = ((a.time, a.user, a.cents ?? .min, a.score, a.isFraud ? 1 : 0, a.city), (b.time, b.user, b.cents ?? .min, b.score, b.isFraud ? 1 : 0, b.city))
        return x < y || (x == y && a.fraudType < b.fraudType)
    }
}

/// A transaction's ID with its session and user, as one hash: a purchase event names its transaction rightly when its
/// own session and user give the same (a session whose events all name another user is consistent for
/// `referential.session_user`, but its purchase is not that user's transaction).
func purchaseLink(_ transaction: UInt64, session: UInt64, user: UInt64) -> UInt64 {
    (transaction ^ (session &+ 0x632B_E59B_D9B4_E019).mixed &* 0x9E37_79B9_7F4A_7C15 ^ (user &+ 0x2545_F491_4F6C_DD1D).mixed).mixed
}

/// A transaction's ID with its time in milliseconds (nil: a time not judged), as one hash: a purchase event is at its
/// transaction's own time when its own time gives the same.
func purchaseTime(_ transaction: UInt64, at time: Int64?) -> UInt64 {
    (transaction ^ (UInt64(bitPattern: time ?? Int64.min) &+ 0x7F4A_7C15_9E37_79B9).mixed &* 0xBF58_476D_1CE4_E5B9).mixed
}
