import EcomGeneration
import EcomJSON
import EcomModel

/// Results of tallies, with the gate of each.
func tallyResults(_ tallies: [Tally], gates: Gates, empty: String) -> [CheckResult] {
    tallies.map { tally in
        let gate = gates.gate(for: tally.id)
        return tally.result(maxViolations: gate.maxViolations ?? 0, gating: gate.gating ?? true, emptyReason: empty)
    }
}

/// The checks of user events: catalog references, one user per session, sessions in order, the funnel.
final class UserEventChecker: TypeChecker {
    let type = RecordType.userEvents
    let matcher = SchemaMatcher(type: .userEvents)
    let context: CheckContext
    let idSlot: Int, timestampSlot: Int
    var ids = HashSet64()
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
    func prefetchID(_ hash: UInt64) { ids.prefetch(hash) }
    private let userSlot: Int, sessionSlot: Int, eventSlot: Int, productSlot: Int, categorySlot: Int, deviceSlot: Int, transactionSlot: Int
    private let durationSlot: Int
    /// A session ends after 30 minutes without activity (the web analytics convention): an event that comes later than
    /// that after the end of the one before it is outside the session. The generator's events follow each other
    /// within 5 s of the previous one's `duration_seconds`.
    static let sessionTimeout: Int64 = 30 * 60_000
    var userReference = Tally("referential.user_id", .referential, .userEvents, "every user_id is in the user catalog")
    var productReference = Tally("referential.product_id", .referential, .userEvents, "every product_id is in the product catalog")
    var productDetails = Tally("referential.product_details", .referential, .userEvents, "an event's category is its product's in the catalog")
    var sessionUser = Tally("referential.session_user", .referential, .userEvents, "each session belongs to one user")
    var sessionOrder = Tally("temporal.session_order", .temporal, .userEvents,
                             "the events of a session are in time order and within the session: each follows the one before it within that one's duration and 30 minutes")
    var eventFields = Tally("business.event_fields", .business, .userEvents,
                            "an event carries its step's fields: a product and its category on product steps, neither on page views and searches, a transaction on purchases only")
    /// Per session: its user, the funnel steps it reached, and its order so far: the latest event in time order
    /// (held until the session's next event judges it: its time and place) and the time of the one before it.
    private var sessions: [UInt64: Session] = [:]

    private struct Session {
        /// The session's user: its first event's, or the one its next events agree on.
        var user: Int32
        var steps: UInt8
        var last: Int64
        var lastAt: RecordLocation
        /// The held event's ID, to name it when a later event shows it out of place.
        var lastID: ShortID?
        var before: Int64?
        /// While the session's user is not settled: its first event (alone so far, or disagreeing with the second), and
        /// that event's ID to name it by if it turns out to be the odd one.
        var firstAt: RecordLocation?
        var firstID: ShortID?
        /// The next events, each of a user none before it had, until an event agrees with one of the held users (then
        /// that user is the session's, and the others are the odd ones). Empty for almost every session.
        var others: [(user: Int32, at: RecordLocation, id: String?)] = []
        /// The held event's duration in seconds (-1 when it has none).
        var lastDuration: Int32 = -1
        /// Events judged for order so far.
        var events: Int32 = 1
        /// Whether one of its events so far had a time judged for order (`last` is that event's).
        var timed = true
        /// A second event too long after the first, until a third tells which of the two is outside the session.
        var spanPending: SpanPending?
    }

    /// The session's first event, and its second that came too long after it (held as the latest meanwhile).
    private struct SpanPending {
        var firstTime: Int64
        var firstDuration: Int32
        var firstAt: RecordLocation
        var firstID: ShortID?
        /// With a quarantine, the first event's line.
        var firstLine: [UInt8]?
        var secondTime: Int64
        var secondAt: RecordLocation
        var secondID: String?
    }
    /// With a quarantine: each session's held event's line (its buffer may be reused by the time it is judged), and
    /// the held events judged out of order while the current record was checked.
    var keepsLines = false
    private var heldLines: [UInt64: [UInt8]] = [:]
    /// With a quarantine: the lines of the first two events of each session whose user is not settled yet.
    private var unsettledLines: [UInt64: (first: [UInt8], others: [[UInt8]])] = [:]
    var heldFailures: [(line: [UInt8], location: RecordLocation, check: String, message: String)] = []
    /// Purchase events' transactions, resolved at the end against the transactions read.
    var purchases: [Purchase] = []
    var devices = SplitCounter(DeviceType.allCases.map(\.rawValue))
    var eventTypes = SplitCounter(RecordSchema.values(of: .userEvents, field: "event_type"))
    static let funnel = ["product_view", "add_to_cart", "checkout", "purchase"]
    /// A purchase event's transaction (its ID's hash), with what the event says of it: the link of the event's session
    /// and user, the session, and the event's time when it is judged (``CheckContext/judgedTime(_:)``).
    typealias Purchase = (transaction: UInt64, link: UInt64?, session: (key: UInt64, hash: UInt64)?, time: Int64?, location: RecordLocation,
                          id: String?, text: String)
    private let store = ByteStore()
    private let funnelBytes: [UnsafeBufferPointer<UInt8>]
    var records = 0

    var tallies: [Tally] { [userReference, productReference, productDetails, sessionUser, sessionOrder, eventFields] }
    /// The steps that carry no product.
    private static let productless: Set<String> = ["page_view", "search"]

    init(context: CheckContext) {
        self.context = context
        let store = self.store
        funnelBytes = UserEventChecker.funnel.map { store.intern($0.utf8) }
        idSlot = matcher.slot("event_id")
        timestampSlot = matcher.slot("timestamp")
        userSlot = matcher.slot("user_id")
        sessionSlot = matcher.slot("session_id")
        eventSlot = matcher.slot("event_type")
        productSlot = matcher.slot("product_id")
        categorySlot = matcher.slot("category")
        deviceSlot = matcher.slot("device_info.device_type")
        transactionSlot = matcher.slot("transaction_id")
        durationSlot = matcher.slot("duration_seconds")
    }

    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        records += 1
        func idText() -> String? { id?.text }
        var user: Int?
        if let userID = acceptedString(tokens, slots, userSlot) {
            user = context.catalog.user(userID)
            userReference.record(user != nil, at: location, id: idText(), "user_id \(userID.text) is not in the catalog")
        }
        if let productID = acceptedString(tokens, slots, productSlot) {
            let product = context.catalog.product(productID)
            productReference.record(product != nil, at: location, id: idText(), "product_id \(productID.text) is not in the catalog")
            if let product, let category = acceptedString(tokens, slots, categorySlot) {
                let expected = context.catalog.products[product].category
                productDetails.record(category.elementsEqual(expected.utf8), at: location, id: idText(),
                                      "\(productID.text): category \(category.text), the catalog says \(expected)")
            }
        }
        let event = tokens.string(slot: slots, eventSlot)
        if let event { eventTypes.add(event) }
        var step: UInt8 = 0
        if let event, let position = funnelBytes.firstIndex(where: { sameBytes(event, $0) }) { step = 1 << UInt8(position) }
        if let event {
            // An event type that is none of the schema's is the enum check's finding: its fields are not judged here.
            let name = eventTypes.index(of: event).map { eventTypes.names[$0] }
            // A field is there when it has a value: one of the wrong type is the schema's finding (schema.types), not a missing one.
            let hasProduct = tokens.hasValue(slot: slots, productSlot), hasCategory = tokens.hasValue(slot: slots, categorySlot)
            let hasTransaction = tokens.hasValue(slot: slots, transactionSlot)
            // The three are required (null where the step has none): one left out is the schema's finding (schema.required),
            // not also a step without its fields.
            let written = [productSlot, categorySlot, transactionSlot].allSatisfy { slots[$0] >= 0 }
            var problem: String?
            if let name, written {
                if Self.productless.contains(name) {
                    if hasProduct || hasCategory { problem = "a \(name) with a product_id or category" }
                } else if !hasProduct || !hasCategory {
                    problem = "a \(name) without a product_id or category"
                }
                if problem == nil && hasTransaction != (name == "purchase") {
                    problem = hasTransaction ? "a \(name) with a transaction_id" : "a purchase without a transaction_id"
                }
            }
            if written { eventFields.record(problem == nil, at: location, id: idText(), problem ?? "") }
        }
        if let event, event.elementsEqual("purchase".utf8), let transaction = acceptedString(tokens, slots, transactionSlot) {
            let hash = idHash(transaction)
            // With the event's session and user: the transaction must be the one that session of that user ends.
            let user = acceptedString(tokens, slots, userSlot).map(idHash) ?? 0
            let session = acceptedString(tokens, slots, sessionSlot).map { (key: sessionKey($0, at: location), hash: idHash($0)) }
            purchases.append((hash, session.map { purchaseLink(hash, session: $0.hash, user: user) }, session, context.judgedTime(timestamp), location,
                              idText(), transaction.text))
            context.keepForEnd(location)
        }
        guard let session = tokens.string(slot: slots, sessionSlot), let user, let timestamp else { return }
        let device = tokens.string(slot: slots, deviceSlot)
        let deviceIndex = device.flatMap { value in devices.index(of: value) }
        let key = sessionKey(session, at: location)
        let duration = tokens.integer(slot: slots, durationSlot).map { Int32(clamping: $0) } ?? -1
        // A time outside the window or in the future is temporal.window's or temporal.future's finding: such an event
        // still counts for its session's user and funnel, but is not judged for the session's order (as file order skips it).
        let window = context.settings.window
        let timed = timestamp >= window.start && timestamp < window.end && timestamp <= context.settings.now
        let sessionEvent = SessionEvent(key: key, user: Int32(user), timestamp: timestamp, step: step, duration: duration, timed: timed,
                                        record: context.record,
                                        device: deviceIndex.map { Int8($0) } ?? (device == nil ? -1 : -2),
                                        otherDevice: deviceIndex == nil ? device?.text : nil, location: context.deferred ? location : nil,
                                        id: id.flatMap(ShortID.init))
        // A record read again (a redelivery, a copied line) is the unique-ID check's finding, not a step of its session.
        if context.deferred { deferredEvents.append(sessionEvent) } else if !context.duplicate { apply(sessionEvent, at: location) }
    }

    /// A session's event, as the session checks need it. `record` is its line in the input, read again for
    /// the session and event IDs of a finding.
    struct SessionEvent {
        let key: UInt64
        let user: Int32
        let timestamp: Int64
        let step: UInt8
        /// Its `duration_seconds`, -1 when it has none.
        let duration: Int32
        /// Whether its time is inside the window and not in the future (only such events are judged for order).
        let timed: Bool
        let record: UnsafeBufferPointer<UInt8>
        /// The device type's index in `devices`, -1 when there is none, -2 when it is `otherDevice`.
        let device: Int8
        let otherDevice: String?
        /// Kept when the event waits for the merger.
        let location: RecordLocation?
        /// Its event_id, when it has one of up to 16 bytes.
        let id: ShortID?
    }

    /// In a shard, the session events read since the merger last took them, in read order.
    var deferredEvents: [SessionEvent] = []

    /// The deferred events, handed over to the merger.
    func takeDeferred() -> [SessionEvent] {
        defer { deferredEvents = [] }
        return deferredEvents
    }

    /// Judges a session event against the session's earlier ones: in read order, as records come or in the merger.
    func apply(_ event: SessionEvent, at location: @autoclosure () -> RecordLocation) {
        func idText() -> String? { context.field("event_id", of: event.record) }
        func session() -> String { context.field("session_id", of: event.record) ?? "" }
        if var state = sessions[event.key] {
            judgeUser(event, &state, at: location(), id: idText, session: session)
            state.steps |= event.step
            guard event.timed else { return sessions[event.key] = state }
            guard state.timed else {
                // The session's events so far had stray times: this is the first judged for order.
                state.timed = true
                state.last = event.timestamp
                state.lastAt = location()
                state.lastID = event.id
                state.lastDuration = event.duration
                if keepsLines { heldLines[event.key] = Array(event.record) }
                return sessions[event.key] = state
            }
            state.events &+= 1
            // As for file order: an event earlier than the two in order before it is out of place, else the held
            // one is (later than the events on both sides), so one event moved in time is one finding, at its line.
            var hold = true
            if event.timestamp >= state.last {
                hold = judgeSpan(event, &state, at: location(), id: idText, session: session)
            } else if let before = state.before, event.timestamp < before {
                sessionOrder.fail(at: location(), id: idText(),
                                  "event at \(Timestamp(milliseconds: event.timestamp)) comes after one at \(Timestamp(milliseconds: state.last)) (\(state.lastAt.description)) in session \(session())")
                hold = false
            } else {
                let message = "event at \(Timestamp(milliseconds: state.last)) is later than the session's next event, at \(Timestamp(milliseconds: event.timestamp)) (\(location().description)), in session \(session())"
                sessionOrder.fail(at: state.lastAt, id: state.lastID?.text, message)
                if keepsLines { heldFailures.append((heldLines[event.key] ?? [], state.lastAt, sessionOrder.id, message)) }
            }
            if hold {
                state.last = event.timestamp
                state.lastAt = location()
                state.lastID = event.id
                state.lastDuration = event.duration
                if keepsLines { heldLines[event.key] = Array(event.record) }
            }
            sessions[event.key] = state
        } else {
            // The first event's user is judged with the next events (see `judgeUser`).
            sessions[event.key] = Session(user: event.user, steps: event.step, last: event.timestamp, lastAt: location(), lastID: event.id,
                                          firstAt: location(), firstID: event.id, lastDuration: event.duration, timed: event.timed)
            if keepsLines {
                heldLines[event.key] = Array(event.record)
                unsettledLines[event.key] = (Array(event.record), [])
            }
            // A session has one device: counted per session (per event, a session's ten-odd events would
            // count as ten independent draws).
            if event.device >= 0 {
                devices.add(index: Int(event.device))
            } else if let other = event.otherDevice {
                devices.addOther(other)
            }
        }
    }

    /// Judges an event that comes in time order after the session's held one: within the session when it follows it
    /// within its duration and ``sessionTimeout``. Of a session's first two events too far apart, the third tells which
    /// one is outside (the one it does not follow); later, the event that comes too late is. Returns whether the event
    /// is held as the session's latest (an event outside the session is not: the next is judged against the one before).
    private func judgeSpan(_ event: SessionEvent, _ state: inout Session, at location: RecordLocation, id: () -> String?,
                           session: () -> String) -> Bool {
        func follows(_ time: Int64, _ previous: Int64, lasting duration: Int32) -> Bool {
            time - previous <= Int64(max(0, duration)) * 1000 + Self.sessionTimeout
        }
        func late(_ time: Int64, after previous: Int64) -> String {
            "\(Self.gap(time, after: previous)): outside session \(session()), which ends after 30 minutes without activity"
        }
        if let pending = state.spanPending {
            state.spanPending = nil
            if follows(event.timestamp, state.last, lasting: state.lastDuration) {
                // The third follows the second: the first is the one outside the session.
                let message = "event at \(Timestamp(milliseconds: pending.firstTime)) comes \((pending.secondTime - pending.firstTime) / 60_000) minutes before the rest of session \(session()) (from \(Timestamp(milliseconds: pending.secondTime)), \(pending.secondAt.description)): outside the session"
                sessionOrder.fail(at: pending.firstAt, id: pending.firstID?.text, message)
                if let line = pending.firstLine { heldFailures.append((line, pending.firstAt, sessionOrder.id, message)) }
            } else {
                // Else the second is: the session goes on from the first.
                let message = late(pending.secondTime, after: pending.firstTime)
                sessionOrder.fail(at: pending.secondAt, id: pending.secondID, message)
                if keepsLines { heldFailures.append((heldLines[event.key] ?? [], pending.secondAt, sessionOrder.id, message)) }
                state.last = pending.firstTime
                state.lastDuration = pending.firstDuration
                state.lastAt = pending.firstAt
                state.lastID = pending.firstID
                state.before = nil
                if keepsLines, let line = pending.firstLine { heldLines[event.key] = line }
            }
        }
        if follows(event.timestamp, state.last, lasting: state.lastDuration) {
            sessionOrder.pass()
            state.before = state.last
            return true
        }
        if state.events == 2 {
            state.spanPending = SpanPending(firstTime: state.last, firstDuration: state.lastDuration, firstAt: state.lastAt, firstID: state.lastID,
                                            firstLine: keepsLines ? heldLines[event.key] : nil, secondTime: event.timestamp,
                                            secondAt: location, secondID: id())
            return true
        }
        sessionOrder.fail(at: location, id: id(), late(event.timestamp, after: state.last))
        return false
    }

    /// How long after the session's event at `previous` an event at `time` comes, in words.
    private static func gap(_ time: Int64, after previous: Int64) -> String {
        "event at \(Timestamp(milliseconds: time)) comes \((time - previous) / 60_000) minutes after the session's event at \(Timestamp(milliseconds: previous))"
    }

    /// Location order (inputs by name, then line or partition and offset): findings decided at the end are listed in it,
    /// not in the order of a hash table.
    private static func precedes(_ a: RecordLocation, _ b: RecordLocation) -> Bool {
        switch (a, b) {
        case let (.file(x, i), .file(y, j)): (x, i) < (y, j)
        case let (.topic(x, p, i), .topic(y, q, j)): (x, p, i) < (y, q, j)
        case (.file, .topic): true
        case (.topic, .file): false
        }
    }

    /// A session's first two events too far apart with no third to tell which is outside it: the second (later) one.
    private func unsettledSpans(_ tally: inout Tally) {
        var late: [(location: RecordLocation, id: String?, message: String)] = []
        for state in sessions.values {
            guard let pending = state.spanPending else { continue }
            late.append((pending.secondAt, pending.secondID,
                         "\(Self.gap(pending.secondTime, after: pending.firstTime)): outside the session (and no third event to tell which of the two is)"))
        }
        late.sort { Self.precedes($0.location, $1.location) }
        for finding in late { tally.fail(at: finding.location, id: finding.id, finding.message) }
    }

    /// One user per session: the user two of its first events agree on. The first event's user is the session's until
    /// another event has a user of its own; then the events are held (up to five users) until one agrees with a held
    /// user, and the others are the findings. So one event with a wrong user is one finding at its own line, whether it
    /// is the session's first or not, and so is each of a few with different wrong users at the session's start.
    private func judgeUser(_ event: SessionEvent, _ state: inout Session, at location: RecordLocation, id: () -> String?, session: () -> String) {
        func users(_ a: Int32, _ b: Int32) -> String { "\(userName(a)) here, \(userName(b)) on the session's other events" }
        guard let firstAt = state.firstAt else {
            sessionUser.record(state.user == event.user, at: location, id: id(),
                               "session \(session()) has user \(users(event.user, state.user))")
            return
        }
        let agreed = event.user == state.user || state.others.contains { $0.user == event.user }
        if !agreed && state.others.count < 4 {
            state.others.append((event.user, location, id()))
            if keepsLines { unsettledLines[event.key]?.others.append(Array(event.record)) }
            return
        }
        // This event settles the session's user: the held user it agrees with (the first event's when it agrees with none
        // of five). The held events of other users are the findings, each quarantined with its own line.
        let lines = keepsLines ? unsettledLines.removeValue(forKey: event.key) : nil
        let settled = agreed ? event.user : state.user
        let held = [(state.user, firstAt, state.firstID?.text)] + state.others
        for (index, entry) in held.enumerated() {
            if entry.user == settled {
                sessionUser.pass()
                continue
            }
            let message = "session \(session()) has user \(users(entry.user, settled))"
            sessionUser.fail(at: entry.at, id: entry.id, message)
            if let lines, index - 1 < lines.others.count {
                heldFailures.append((index == 0 ? lines.first : lines.others[index - 1], entry.at, sessionUser.id, message))
            }
        }
        state.user = settled
        sessionUser.record(event.user == state.user, at: location, id: id(), "session \(session()) has user \(users(event.user, state.user))")
        state.firstAt = nil
        state.others = []
    }

    private func userName(_ index: Int32) -> String { context.catalog.userID(Int(index)) }

    /// The key of a session's state: its ID's hash and, on a topic, its partition. A session's events are on its key's
    /// partition, in that partition's order: one on another partition (an audit.partitioning finding) is judged with the
    /// session's events there, not against the others.
    private func sessionKey(_ session: UnsafeBufferPointer<UInt8>, at location: RecordLocation) -> UInt64 {
        var key = idHash(session)
        if case let .topic(_, partition, _) = location { key ^= UInt64(truncatingIfNeeded: Int64(partition) + 1) &* 0x9E37_79B9_7F4A_7C15 }
        return key
    }

    /// Whether a purchase event's transaction is the one its session ends for the session's user (the user its events
    /// agree on): a purchase event whose own user is wrong is `referential.session_user`'s finding, not also this check's.
    private func linksToSessionUser(_ transaction: UInt64, session: (key: UInt64, hash: UInt64)?, links: HashSet64) -> Bool {
        guard let session, let state = sessions[session.key] else { return false }
        let user = Array(userName(state.user).utf8).withUnsafeBufferPointer(idHash)
        return links.contains(purchaseLink(transaction, session: session.hash, user: user))
    }

    /// What is wrong with a purchase event's transaction among the transactions read: nil when nothing is, "" when the
    /// event is not judged (its transaction's line could not be parsed: the parse check's finding).
    private func problem(of item: Purchase, in transactions: TransactionChecker) -> String? {
        guard transactions.ids.contains(item.transaction) else {
            return context.unreadableTransactions.contains(item.transaction) ? "" : "transaction \(item.text) is not among the transactions read"
        }
        // Whose it is, when the transactions were read keeping their sessions. A transaction whose user the catalog
        // lacks is linked without one (that user is its finding).
        if let links = transactions.purchaseLinks, let link = item.link, !links.contains(link),
           !linksToSessionUser(item.transaction, session: item.session, links: links),
           !(item.session.map { links.contains(purchaseLink(item.transaction, session: $0.hash, user: 0)) } ?? false) {
            return "transaction \(item.text) ends another session, or is another user's: not this purchase event's"
        }
        // A purchase event is at its transaction's own time; a transaction whose time is not judged judges no event.
        if let times = transactions.purchaseTimes, let time = item.time, !times.contains(purchaseTime(item.transaction, at: time)),
           !times.contains(purchaseTime(item.transaction, at: nil)) {
            return "purchase at \(Timestamp(milliseconds: time)), not at the time of its transaction \(item.text)"
        }
        return nil
    }

    /// Sessions whose user was not settled when the input ended: one event passes; of two that disagree, the second
    /// is the finding (in location order, so the examples do not depend on the order of a hash table).
    private func unsettledUsers() -> Tally {
        var tally = sessionUser
        var odd: [(location: RecordLocation, id: String?, message: String)] = []
        for state in sessions.values where state.firstAt != nil {
            tally.pass()
            for held in state.others {
                odd.append((held.at, held.id, "session has user \(userName(held.user)) here, \(userName(state.user)) on its first event (and no later event agreeing with either to tell which is the session's)"))
            }
        }
        odd.sort { Self.precedes($0.location, $1.location) }
        for finding in odd { tally.fail(at: finding.location, id: finding.id, finding.message) }
        return tally
    }

    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder) {
        guard let shard = other as? UserEventChecker else { return }
        records += shard.records
        userReference.merge(shard.userReference, order: order)
        productReference.merge(shard.productReference, order: order)
        productDetails.merge(shard.productDetails, order: order)
        sessionUser.merge(shard.sessionUser, order: order)
        sessionOrder.merge(shard.sessionOrder, order: order)
        eventFields.merge(shard.eventFields, order: order)
        purchases = (purchases + shard.purchases).sorted { order($0.location) < order($1.location) }
        devices.merge(shard.devices)
        eventTypes.merge(shard.eventTypes)
    }

    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult] {
        // Each session's held event had no event after it to be out of order with.
        var order = sessionOrder
        order.checked += sessions.values.reduce(0) { $0 + ($1.timed ? 1 : 0) }
        unsettledSpans(&order)
        var results = tallyResults([userReference, productReference, productDetails, unsettledUsers(), order, eventFields], gates: gates,
                                   empty: "no user events with these fields")
        var purchase = Tally("referential.purchase_transaction", .referential, .userEvents,
                             "a purchase event's transaction_id is a transaction of the data, the one its session ends, of its user, at its time, and no other purchase event names it")
        // An event read again (its event_id read before, in read order) is referential.unique_id's finding, not a second
        // purchase of its transaction.
        var seenEvents = Set<String>()
        let purchases = purchases.filter { item in item.id.map { seenEvents.insert($0).inserted } ?? true }
        let read = (all[.transactions] as? TransactionChecker).flatMap { $0.records > 0 ? $0 : nil }
        // A transaction is bought once: of the events that name it rightly (and all of them, when the transactions were not
        // read), the second is a finding at its line. An event naming another's transaction is that finding alone, so that
        // the rightful event is not called a second purchase.
        var named: [UInt64: (location: RecordLocation, id: String?)] = [:]
        for item in purchases {
            if let transactions = read, let problem = problem(of: item, in: transactions) {
                // A transaction whose line could not be parsed is the parse check's finding: the event is not judged.
                if !problem.isEmpty { context.failAtEnd(&purchase, at: item.location, id: item.id, problem) }
                continue
            }
            if let first = named[item.transaction] {
                context.failAtEnd(&purchase, at: item.location, id: item.id,
                                  "a second purchase of transaction \(item.text): \(first.id ?? "a purchase event") at \(first.location.description) named it first")
                continue
            }
            named[item.transaction] = (item.location, item.id)
            purchase.pass()
        }
        if read == nil && purchase.violations == 0 {
            var result = tallyResults([purchase], gates: gates, empty: "").first!
            result.status = .inconclusive
            result.reason = "no transactions in the input to look purchase events' transactions up in"
            results.append(result)
        } else {
            // Without the transactions, the second purchases fail the check; the others could not be looked up.
            results += tallyResults([purchase], gates: gates, empty: "no purchase events")
        }
        let config = context.settings.generator.config
        results.append(Equivalence.split(id: "distribution.event_devices", type: type, title: "devices of sessions match the configured mix",
                                         names: devices.names, counts: devices.counts,
                                         expected: DeviceType.allCases.map { config.devices[$0] ?? 0 }, gates: gates))
        // The funnel narrows: no step is reached by more sessions than the one before it.
        let reached = funnelCounts()
        let gate = gates.gate(for: "distribution.funnel")
        var funnel = CheckResult(id: "distribution.funnel", family: .distribution, recordType: type,
                                 title: "the session funnel narrows from product view to purchase", status: .pass, reason: nil,
                                 gating: gate.gating ?? true, checked: sessions.count, violations: 0, maxViolations: 0, statistic: nil, examples: [])
        if sessions.isEmpty {
            funnel.status = .inconclusive
            funnel.reason = "no sessions"
        } else if reached.allSatisfy({ $0 == 0 }) {
            funnel.status = .inconclusive
            funnel.reason = "none of the \(sessions.count) sessions reaches a step of the funnel (\(Self.funnel.joined(separator: ", "))): nothing to judge it on"
        } else if let step = (1..<reached.count).first(where: { reached[$0] > reached[$0 - 1] }) {
            funnel.status = .fail
            funnel.reason = "\(reached[step]) sessions reach \(Self.funnel[step]) but only \(reached[step - 1]) reach \(Self.funnel[step - 1])"
        }
        results.append(funnel)
        return results
    }

    private func funnelCounts() -> [Int] {
        var reached = Array(repeating: 0, count: Self.funnel.count)
        for state in sessions.values {
            for step in 0..<Self.funnel.count where state.steps & (1 << UInt8(step)) != 0 { reached[step] += 1 }
        }
        return reached
    }

    func distributions() -> JSONValue {
        let config = context.settings.generator.config
        let reached = funnelCounts()
        return .object([
            ("count", .int(Int64(records))),
            ("categorical", .object([
                ("devices", devices.json(expected: DeviceType.allCases.map { config.devices[$0] ?? 0 })),
                ("event_types", eventTypes.json(expected: nil)),
            ])),
            ("funnel", .object([("steps", .array(zip(Self.funnel, reached).map { .object([("name", .string($0)), ("sessions", .int(Int64($1)))]) }))])),
        ])
    }
}

/// The checks of product updates: the product exists and the update carries its catalog name, category and price.
final class ProductUpdateChecker: TypeChecker {
    let type = RecordType.productUpdates
    let matcher = SchemaMatcher(type: .productUpdates)
    let context: CheckContext
    let idSlot: Int, timestampSlot: Int
    var ids = HashSet64()
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
    func prefetchID(_ hash: UInt64) { ids.prefetch(hash) }
    private let productSlot: Int, nameSlot: Int, categorySlot: Int, oldPriceSlot: Int, updateSlot: Int
    private let newPriceSlot: Int, discountSlot: Int, stockSlot: Int, availableSlot: Int, seasonalSlot: Int
    /// The fields the update's rules read (made once, not per record).
    private let ruleSlots: [Int]
    var productReference = Tally("referential.product_id", .referential, .productUpdates, "every product_id is in the product catalog")
    var details = Tally("referential.product_details", .referential, .productUpdates, "updates carry the catalog's name, category, list price and seasonal flag")
    var consistency = Tally("business.update_consistency", .business, .productUpdates,
                            "an update's prices, discount, stock and availability agree with its type (a promotion's price is its discount off the list price; a price change is the list price times 0.80 to 1.20, cut to whole units, plus .99; only price changes and promotions change the price; nothing out of stock is available)")
    var updateTypes = SplitCounter(RecordSchema.values(of: .productUpdates, field: "update_type"))
    var records = 0

    var tallies: [Tally] { [productReference, details, consistency] }

    init(context: CheckContext) {
        self.context = context
        idSlot = matcher.slot("update_id")
        timestampSlot = matcher.slot("timestamp")
        productSlot = matcher.slot("product_id")
        nameSlot = matcher.slot("name")
        categorySlot = matcher.slot("category")
        oldPriceSlot = matcher.slot("old_price")
        updateSlot = matcher.slot("update_type")
        newPriceSlot = matcher.slot("new_price")
        discountSlot = matcher.slot("discount_percent")
        stockSlot = matcher.slot("stock_quantity")
        availableSlot = matcher.slot("is_available")
        seasonalSlot = matcher.slot("seasonal")
        ruleSlots = [updateSlot, oldPriceSlot, newPriceSlot, discountSlot, stockSlot, availableSlot]
    }

    /// Whether an update keeps the generator's rules of its numbers.
    private enum Consistency {
        case kept
        case broken(String)
        /// One of the numbers is missing or mistyped (a schema finding): nothing to judge.
        case unjudged
    }

    /// The generator's rules of an update's numbers, by update type: kept, or the first one the update breaks.
    private func judgeNumbers(_ tokens: Tokens, _ slots: Slots) -> Consistency {
        guard let kind = tokens.string(slot: slots, updateSlot)?.text, let old = tokens.number(slot: slots, oldPriceSlot),
              let new = tokens.number(slot: slots, newPriceSlot), let discount = tokens.integer(slot: slots, discountSlot),
              let stock = tokens.integer(slot: slots, stockSlot), let available = tokens.bool(slot: slots, availableSlot) else { return .unjudged }
        let oldCents = TransactionChecker.cents(old), newCents = TransactionChecker.cents(new)
        if discount < 0 || discount > 100 { return .broken("discount_percent \(discount) is not a percentage") }
        if kind == "promotion" {
            guard discount > 0 else { return .broken("a promotion without a discount") }
            // Amounts are held within ±2^60 cents: the product takes 128 bits, the quotient fits again (discount in 0-100).
            let discounted = max(1, Int64(100).dividingFullWidth(oldCents.multipliedFullWidth(by: 100 - discount)).quotient)
            if newCents != discounted {
                return .broken("promotion of \(discount) % off \(old) costs \(Double(discounted) / 100), not \(new)")
            }
        } else if discount != 0 {
            return .broken("discount_percent \(discount) on a \(kind), not a promotion")
        } else if kind != "price_change" && newCents != oldCents {
            return .broken("new_price \(new) differs from old_price \(old) on a \(kind)")
        } else if newCents <= 0 {
            return .broken("new_price \(new) is not a price")
        } else if kind == "price_change", let range = Self.priceChangeRange(oldCents), !range.contains(newCents) || newCents % 100 != 99 {
            return .broken("price change from \(old) to \(new): a price change is the list price times 0.80 to 1.20, cut to whole units, plus .99 (\(Double(range.lowerBound) / 100) to \(Double(range.upperBound) / 100))")
        }
        if !available && stock != 0 { return .broken("not available with \(stock) in stock") }
        if available && stock == 0 { return .broken("available with none in stock") }
        // An availability change may take a product in stock off sale; other updates follow the stock.
        if kind != "availability_change" && available != (stock > 0) { return .broken("is_available \(available) with \(stock) in stock") }
        return .kept
    }

    /// The new prices a price change of `old` cents can give: the old price times 0.80 to 1.20, cut to whole units, plus
    /// .99 (as the generator changes prices); nil for prices too large to multiply.
    static func priceChangeRange(_ old: Int64) -> ClosedRange<Int64>? {
        guard old > 0, old < Int64.max / 200 else { return nil }
        return PriceChange.cents(from: old, percent: PriceChange.percents.lowerBound)...PriceChange.cents(from: old, percent: PriceChange.percents.upperBound)
    }

    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        records += 1
        if let update = tokens.string(slot: slots, updateSlot) {
            updateTypes.add(update)
            // Numbers and a type the schema rejects are its findings: the update's rules are judged on valid values only.
            let judged = ruleSlots.allSatisfy { accepted(tokens, slots, $0) }
            switch judged ? judgeNumbers(tokens, slots) : .unjudged {
            case .kept: consistency.pass()
            case let .broken(problem): consistency.fail(at: location, id: id?.text, problem)
            case .unjudged: break
            }
        }
        guard let productID = acceptedString(tokens, slots, productSlot) else { return }
        guard let product = context.catalog.product(productID) else {
            return productReference.fail(at: location, id: id?.text, "product_id \(productID.text) is not in the catalog")
        }
        productReference.pass()
        let entry = context.catalog.products[product]
        var problem: String?
        if let name = acceptedString(tokens, slots, nameSlot), !name.elementsEqual(entry.name) {
            problem = "name \"\(name.text)\", the catalog says \"\(String(decoding: entry.name, as: UTF8.self))\""
        } else if let category = acceptedString(tokens, slots, categorySlot), !category.elementsEqual(entry.category.utf8) {
            problem = "category \(category.text), the catalog says \(entry.category)"
        } else if let price = acceptedNumber(tokens, slots, oldPriceSlot), Int64(exactly: (price * 100).rounded()) != entry.priceCents {
            problem = "old_price \(price), the catalog list price is \(Double(entry.priceCents) / 100)"
        } else if let seasonal = entry.seasonal, accepted(tokens, slots, seasonalSlot), let flag = tokens.bool(slot: slots, seasonalSlot), flag != seasonal {
            problem = "seasonal \(flag), the catalog says \(seasonal)"
        }
        details.record(problem == nil, at: location, id: id?.text, "\(productID.text): \(problem ?? "")")
    }

    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult] {
        tallyResults(tallies, gates: gates, empty: "no product updates with these fields")
    }

    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder) {
        guard let shard = other as? ProductUpdateChecker else { return }
        records += shard.records
        productReference.merge(shard.productReference, order: order)
        details.merge(shard.details, order: order)
        consistency.merge(shard.consistency, order: order)
        updateTypes.merge(shard.updateTypes)
    }

    func distributions() -> JSONValue {
        .object([("count", .int(Int64(records))), ("categorical", .object([("update_types", updateTypes.json(expected: nil))]))])
    }
}

/// The checks of fraud alerts: the user exists, the alert names a transaction of the data and comes after it.
final class AlertChecker: TypeChecker {
    let type = RecordType.fraudAlerts
    let matcher = SchemaMatcher(type: .fraudAlerts)
    let context: CheckContext
    let idSlot: Int, timestampSlot: Int
    var ids = HashSet64()
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
    func prefetchID(_ hash: UInt64) { ids.prefetch(hash) }
    private let userSlot: Int, transactionSlot: Int, transactionTimeSlot: Int, alertTypeSlot: Int, amountSlot: Int, scoreSlot: Int
    private let isFraudSlot: Int, riskSlot: Int, countrySlot: Int, citySlot: Int
    var userReference = Tally("referential.user_id", .referential, .fraudAlerts, "every user_id is in the user catalog")
    var afterTransaction = Tally("temporal.alert_after_transaction", .temporal, .fraudAlerts, "an alert is raised after its transaction")
    var risk = Tally("business.alert_risk", .business, .fraudAlerts, "risk_level is the fraud_score's band: critical from 0.9, high from 0.8, else medium")
    var place = Tally("coordinates.consistency", .coordinates, .fraudAlerts, "country and city are a city of the cities fixture")
    /// An alert's transaction as the alert names it, resolved at the end: the transaction ID's hash, the time the
    /// alert says it had, when the alert was raised, the hash of its user_id (nil for a user the catalog does not have:
    /// that is `referential.user_id`'s finding, not also a disagreement with the transaction), its amount in cents, its
    /// score in thousandths, its label and its city (a position in the cities fixture, -1 for none of them: that is
    /// `coordinates.consistency`'s finding).
    struct Reference {
        var transaction: UInt64
        var claimed: Int64?
        var raised: Int64?
        var user: UInt64?
        var cents: Int64?
        var score: Int64?
        var isFraud: Bool?
        var city: Int32 = -1
        /// The alert_type's position in `FraudType.allCases`, -1 when the schema rejects it.
        var alertType: Int8 = -1
        var location: RecordLocation
        var id: String?
        var text: String
    }

    var references: [Reference] = []
    var alertTypes = SplitCounter(FraudType.allCases.map(\.rawValue))
    var records = 0

    var tallies: [Tally] { [userReference, afterTransaction, risk, place] }

    init(context: CheckContext) {
        self.context = context
        idSlot = matcher.slot("alert_id")
        timestampSlot = matcher.slot("timestamp")
        userSlot = matcher.slot("user_id")
        transactionSlot = matcher.slot("transaction_id")
        transactionTimeSlot = matcher.slot("transaction_timestamp")
        alertTypeSlot = matcher.slot("alert_type")
        amountSlot = matcher.slot("amount")
        scoreSlot = matcher.slot("fraud_score")
        isFraudSlot = matcher.slot("is_fraud")
        riskSlot = matcher.slot("risk_level")
        countrySlot = matcher.slot("country")
        citySlot = matcher.slot("city")
    }

    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        records += 1
        var knownUser = false
        if let userID = acceptedString(tokens, slots, userSlot) {
            knownUser = context.catalog.user(userID) != nil
            userReference.record(knownUser, at: location, id: id?.text, "user_id \(userID.text) is not in the catalog")
        }
        if let alertType = tokens.string(slot: slots, alertTypeSlot) { alertTypes.add(alertType) }
        let score = tokens.number(slot: slots, scoreSlot)
        if let score, let level = tokens.string(slot: slots, riskSlot), accepted(tokens, slots, riskSlot), accepted(tokens, slots, scoreSlot) {
            let band = score >= 0.9 ? "critical" : score >= 0.8 ? "high" : "medium"
            risk.record(level.elementsEqual(band.utf8), at: location, id: id?.text, "risk_level \(level.text) for fraud_score \(score), whose band is \(band)")
        }
        var cityPosition: Int?
        // A country the schema rejects (`us`) is its finding, not also a city the fixture lacks.
        if let country = tokens.string(slot: slots, countrySlot), let city = tokens.string(slot: slots, citySlot), accepted(tokens, slots, countrySlot) {
            cityPosition = context.catalog.lookup.cityPosition(city, country: country)
            place.record(cityPosition != nil, at: location, id: id?.text, "city \(city.text) in \(country.text) is not in the cities fixture")
        }
        let claimed = tokens.string(slot: slots, transactionTimeSlot).flatMap(ISOTimestamp.parse)
        // An alert that names its transaction is judged at the end, against the transaction's own time when it is read.
        if acceptedString(tokens, slots, transactionSlot) == nil, let timestamp, let claimed {
            afterTransaction.record(timestamp >= claimed, at: location, id: id?.text,
                                    "raised at \(Timestamp(milliseconds: timestamp)), before its transaction at \(Timestamp(milliseconds: claimed))")
        }
        // Values the schema rejects (a negative amount, a score above 1) are its findings, not also disagreements.
        if let transaction = acceptedString(tokens, slots, transactionSlot) {
            context.keepForEnd(location)
            references.append(Reference(transaction: idHash(transaction), claimed: claimed, raised: timestamp,
                                        user: knownUser ? tokens.string(slot: slots, userSlot).map(idHash) : nil,
                                        cents: acceptedNumber(tokens, slots, amountSlot).map(TransactionChecker.cents),
                                        score: acceptedNumber(tokens, slots, scoreSlot).map(TransactionChecker.milli),
                                        isFraud: accepted(tokens, slots, isFraudSlot) ? tokens.bool(slot: slots, isFraudSlot) : nil,
                                        city: cityPosition.map { Int32(truncatingIfNeeded: $0) } ?? -1,
                                        alertType: acceptedString(tokens, slots, alertTypeSlot).flatMap { FraudType(rawValue: $0.text) }
                                            .flatMap { FraudType.allCases.firstIndex(of: $0) }.map { Int8($0) } ?? -1,
                                        location: location, id: id?.text,
                                        text: transaction.text))
        }
    }

    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult] {
        var exists = Tally("referential.alert_transaction", .referential, .fraudAlerts,
                           "an alert's transaction is a fraud or high-scored transaction of the data, no other alert names it, and the alert repeats its time, user, amount, score, label, city and (for a fraud) kind")
        var after = afterTransaction
        let read = (all[.transactions] as? TransactionChecker).flatMap { $0.records > 0 ? $0 : nil }
        // An alert read again (its alert_id read before, in read order) is referential.unique_id's finding: its
        // transaction is not judged again, so that a copy naming another transaction does not make that one's alert a
        // second alert.
        var seenAlerts = Set<String>()
        let references = references.filter { item in item.id.map { seenAlerts.insert($0).inserted } ?? true }
        for item in references {
            guard let raised = item.raised else { continue }
            // The transaction's own time when it was read (a wrong transaction_timestamp is then the reference check's
            // finding, not a reason to call a timely alert early); else the time the alert gives it.
            if let actual = read?.flagged[item.transaction] {
                if raised >= actual.time {
                    after.pass()
                } else {
                    context.failAtEnd(&after, at: item.location, id: item.id,
                                      "raised at \(Timestamp(milliseconds: raised)), before its transaction \(item.text) at \(Timestamp(milliseconds: actual.time))")
                }
            } else if let claimed = item.claimed {
                if raised >= claimed {
                    after.pass()
                } else {
                    context.failAtEnd(&after, at: item.location, id: item.id,
                                      "raised at \(Timestamp(milliseconds: raised)), before its transaction at \(Timestamp(milliseconds: claimed))")
                }
            }
        }
        if let transactions = read {
            // The generator raises one alert per transaction: a second one (another alert_id) is a finding at its line. (The
            // same alert read twice was left out above.)
            var alerted: [UInt64: (location: RecordLocation, id: String?)] = [:]
            for item in references {
                if let first = alerted[item.transaction] {
                    context.failAtEnd(&exists, at: item.location, id: item.id,
                                "a second alert for transaction \(item.text): \(first.id ?? "an alert") at \(first.location.description) named it first")
                    continue
                }
                if alerted[item.transaction] == nil { alerted[item.transaction] = (item.location, item.id) }
                guard transactions.ids.contains(item.transaction) else {
                    // A transaction whose line could not be parsed is the parse check's finding: the alert is not judged. Nor is
                    // an alert of a transaction before the first read: raised seconds after it, the alert is in the next day's
                    // file of a historical run, its transaction in the day before's.
                    if !context.unreadableTransactions.contains(item.transaction),
                       !(item.claimed.map { $0 < transactions.earliestTime } ?? false) {
                        context.failAtEnd(&exists, at: item.location, id: item.id, "transaction \(item.text) is not among the transactions read")
                    }
                    continue
                }
                // A transaction whose label, score or time the schema rejects is that record's finding: its alert is not
                // judged against what cannot be read.
                if transactions.unjudgedForAlerts.contains(item.transaction) { continue }
                guard let actual = transactions.flagged[item.transaction] else {
                    context.failAtEnd(&exists, at: item.location, id: item.id, "transaction \(item.text) is neither labelled a fraud nor scored 0.5 or more: no alert is raised for it")
                    continue
                }
                var differences: [String] = []
                if let claimed = item.claimed, claimed != actual.time {
                    differences.append("the transaction is at \(Timestamp(milliseconds: actual.time)), the alert says \(Timestamp(milliseconds: claimed))")
                }
                if let user = item.user, actual.user != 0, user != actual.user { differences.append("its user_id is not the transaction's") }
                if let cents = item.cents, let total = actual.cents, cents != total {
                    differences.append("amount \(Double(cents) / 100), the transaction's total_amount is \(Double(total) / 100)")
                }
                if let score = item.score, score != actual.score {
                    differences.append("fraud_score \(Double(score) / 1000), the transaction's is \(Double(actual.score) / 1000)")
                }
                if let isFraud = item.isFraud, isFraud != actual.isFraud {
                    differences.append("is_fraud \(isFraud), the transaction's is \(actual.isFraud)")
                }
                // A fraud's alert names its kind (a false positive's, the model's guess, is any).
                if item.alertType >= 0, actual.fraudType >= 0, item.alertType != actual.fraudType {
                    differences.append("alert_type \(FraudType.allCases[Int(item.alertType)].rawValue), the transaction's fraud_type is \(FraudType.allCases[Int(actual.fraudType)].rawValue)")
                }
                if item.city >= 0, actual.city >= 0, item.city != actual.city {
                    let cities = context.catalog.cities
                    let (said, real) = (cities[Int(item.city)], cities[Int(actual.city)])
                    differences.append("city \(said.name), \(said.country), the transaction's is \(real.name), \(real.country)")
                }
                if differences.isEmpty {
                    exists.pass()
                } else {
                    context.failAtEnd(&exists, at: item.location, id: item.id, "transaction \(item.text): " + differences.joined(separator: "; "))
                }
            }
        }
        var results = tallyResults([userReference, after, risk, place], gates: gates, empty: "no alerts with these fields")
        if let transactions = all[.transactions] as? TransactionChecker, transactions.records > 0 {
            results += tallyResults([exists], gates: gates, empty: "no alerts")
            if records > 0 { results += tallyResults([fraudsAlerted(transactions)], gates: gates, empty: "no frauds among the transactions read") }
        } else {
            var result = tallyResults([exists], gates: gates, empty: "").first!
            result.status = .inconclusive
            result.reason = "no transactions in the input to look alerts' transactions up in"
            result.checked = references.count
            results.append(result)
        }
        return results
    }

    /// The generator raises an alert for every fraud: a fraud of the transactions read that no alert read names is a
    /// finding at the transaction's line (an alert dropped, or a fraud labelled so afterwards). A fraud in the last 30 s
    /// of the transactions read is not judged: its alert, raised up to 30 s later, may be past the data's end (a day's
    /// file holds the next day's first alerts).
    private func fraudsAlerted(_ transactions: TransactionChecker) -> Tally {
        var tally = Tally("referential.fraud_alert", .referential, .transactions, "every fraud among the transactions read has an alert naming it, when alerts are read")
        var named = HashSet64(capacity: references.count)
        for item in references { _ = named.insert(item.transaction) }
        var seen = HashSet64(capacity: transactions.fraudRecords.count)
        for fraud in transactions.fraudRecords where fraud.time <= transactions.latestTime - 30_000 {
            // A fraud read twice is referential.unique_id's finding: judged once.
            guard seen.insert(fraud.hash) else { continue }
            if named.contains(fraud.hash) {
                tally.pass()
            } else {
                context.failAtEnd(&tally, at: fraud.location, id: fraud.id, "fraud transaction \(fraud.id) has no alert among the alerts read")
            }
        }
        return tally
    }

    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder) {
        guard let shard = other as? AlertChecker else { return }
        records += shard.records
        userReference.merge(shard.userReference, order: order)
        afterTransaction.merge(shard.afterTransaction, order: order)
        risk.merge(shard.risk, order: order)
        place.merge(shard.place, order: order)
        references = (references + shard.references).sorted { order($0.location) < order($1.location) }
        alertTypes.merge(shard.alertTypes)
    }

    func distributions() -> JSONValue {
        .object([("count", .int(Int64(records))), ("categorical", .object([("alert_types", alertTypes.json(expected: nil))]))])
    }
}

/// The checks of analytics results: 5-minute windows, computed after they close, on a known dimension.
final class AnalyticsChecker: TypeChecker {
    let type = RecordType.analyticsResults
    let matcher = SchemaMatcher(type: .analyticsResults)
    let context: CheckContext
    let idSlot: Int, timestampSlot: Int
    var ids = HashSet64()
    func insertID(_ hash: UInt64) -> Bool { ids.insert(hash) }
    func prefetchID(_ hash: UInt64) { ids.prefetch(hash) }
    private let startSlot: Int, endSlot: Int, dimensionSlot: Int, valueSlot: Int, metricSlot: Int, resultSlot: Int, unitSlot: Int
    /// The fields the unit rule reads (made once, not per record).
    private let unitRuleSlots: [Int]
    var windows = Tally("business.analytics_windows", .business, .analyticsResults, "results cover a 5-minute window and come after it closes")
    var dimensions = Tally("business.analytics_dimensions", .business, .analyticsResults, "dimension values are regions, categories or 'all'")
    var units = Tally("business.analytics_units", .business, .analyticsResults,
                      "each metric has its unit (USD to the cent, whole orders or users, or a ratio in [0, 1] for rates) and no value is negative")
    /// Each metric's unit, as the generator writes it.
    static let metricUnits: [String: String] = [
        "revenue": "USD", "order_count": "orders", "average_order_value": "USD", "conversion_rate": "ratio", "active_users": "users",
        "fraud_rate": "ratio",
    ]
    var metrics = SplitCounter(RecordSchema.values(of: .analyticsResults, field: "metric_type"))
    var records = 0

    var tallies: [Tally] { [windows, dimensions, units] }

    init(context: CheckContext) {
        self.context = context
        idSlot = matcher.slot("result_id")
        timestampSlot = matcher.slot("timestamp")
        startSlot = matcher.slot("window_start")
        endSlot = matcher.slot("window_end")
        dimensionSlot = matcher.slot("dimension")
        valueSlot = matcher.slot("dimension_value")
        metricSlot = matcher.slot("metric_type")
        resultSlot = matcher.slot("value")
        unitSlot = matcher.slot("unit")
        unitRuleSlots = [metricSlot, unitSlot, resultSlot]
    }

    func check(_ tokens: Tokens, _ slots: Slots, timestamp: Int64?, at location: RecordLocation, id: UnsafeBufferPointer<UInt8>?) {
        records += 1
        if let metric = tokens.string(slot: slots, metricSlot) { metrics.add(metric) }
        if let start = tokens.string(slot: slots, startSlot).flatMap(ISOTimestamp.parse),
           let end = tokens.string(slot: slots, endSlot).flatMap(ISOTimestamp.parse), let timestamp {
            windows.record(end - start == 300_000 && timestamp >= end, at: location, id: id?.text,
                           "window \(Timestamp(milliseconds: start))-\(Timestamp(milliseconds: end)) computed at \(Timestamp(milliseconds: timestamp))")
        }
        if let dimension = tokens.string(slot: slots, dimensionSlot), let value = tokens.string(slot: slots, valueSlot), accepted(tokens, slots, dimensionSlot) {
            let config = context.settings.generator.config
            let ok: Bool
            switch dimension.text {
            case "region": ok = Region.allCases.contains { value.elementsEqual($0.rawValue.utf8) }
            case "category": ok = config.categories.contains { value.elementsEqual($0.utf8) }
            default: ok = value.elementsEqual("all".utf8)
            }
            dimensions.record(ok, at: location, id: id?.text, "\(dimension.text) \"\(value.text)\" is not a known value")
        }
        if let metric = tokens.string(slot: slots, metricSlot), let unit = tokens.string(slot: slots, unitSlot),
           let value = tokens.number(slot: slots, resultSlot), let expected = Self.metricUnits[metric.text],
           unitRuleSlots.allSatisfy({ accepted(tokens, slots, $0) }) {
            var problem: String?
            if !unit.elementsEqual(expected.utf8) {
                problem = "\(metric.text) in \(unit.text), not \(expected)"
            } else if value < 0 {
                problem = "\(metric.text) \(value) is negative"
            } else if expected == "ratio" && value > 1 {
                problem = "\(metric.text) \(value) is a ratio above 1"
            } else if (expected == "orders" || expected == "users") && value != value.rounded() {
                problem = "\(metric.text) \(value) is not a whole number of \(expected)"
            } else if expected == "USD" && abs(value * 100 - (value * 100).rounded()) > 1e-6 {
                problem = "\(metric.text) \(value) is not an amount to the cent"
            }
            units.record(problem == nil, at: location, id: id?.text, problem ?? "")
        }
    }

    func results(gates: Gates, all: [RecordType: TypeChecker]) -> [CheckResult] {
        tallyResults(tallies, gates: gates, empty: "no analytics results with these fields")
    }

    func merge(_ other: TypeChecker, order: (RecordLocation) -> ReadOrder) {
        guard let shard = other as? AnalyticsChecker else { return }
        records += shard.records
        windows.merge(shard.windows, order: order)
        dimensions.merge(shard.dimensions, order: order)
        units.merge(shard.units, order: order)
        metrics.merge(shard.metrics)
    }

    func distributions() -> JSONValue {
        .object([("count", .int(Int64(records))), ("categorical", .object([("metric_types", metrics.json(expected: nil))]))])
    }
}
