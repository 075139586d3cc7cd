import EcomModel

// How each piece of state a shard's `absorb` adds is written to a partial and read back. Names and sizes fixed by
// the configuration (a tally's id, a split's names, a histogram's bins) are written too and checked on reading,
// so that a partial of another build or configuration is refused rather than misread. Maps are written in key
// order, so the same state always gives the same bytes.

extension Tally {
    func write(to writer: inout PartialWriter) {
        writer.string(id)
        writer.count(checked)
        writer.count(violations)
        writer.count(examples.count)
        for example in examples {
            writer.location(example.location)
            writer.optional(example.id)
            writer.string(example.message)
        }
    }

    /// Reads the counts and examples of this tally (made for the same check) back.
    mutating func read(from reader: inout PartialReader) throws(PartialError) {
        let name = try reader.string()
        try reader.expect(name == id, "check \(name) where \(id) should be")
        checked = try reader.count(minimumSize: 0)
        violations = try reader.count(minimumSize: 0)
        let count = try reader.count(minimumSize: 3)
        try reader.expect(count <= Tally.exampleLimit, "\(count) examples of \(id), more than \(Tally.exampleLimit)")
        examples = []
        for _ in 0..<count {
            let location = try reader.location()
            let id = try reader.optionalString()
            examples.append(Example(location: location, id: id, message: try reader.string()))
        }
    }
}

extension SplitCounter {
    func write(to writer: inout PartialWriter) {
        writer.count(counts.count)
        for count in counts { writer.count(count) }
        writer.count(other.count)
        for (name, count) in other.sorted(by: { $0.key < $1.key }) {
            writer.string(name)
            writer.count(count)
        }
    }

    mutating func read(from reader: inout PartialReader) throws(PartialError) {
        let size = try reader.count()
        try reader.expect(size == names.count, "a split of \(size) values where \(names.count) (\(names.joined(separator: ", "))) should be")
        for index in 0..<size { counts[index] = try reader.count(minimumSize: 0) }
        let others = try reader.count(minimumSize: 2)
        for _ in 0..<others {
            let name = try reader.string()
            addOther(name, try reader.count(minimumSize: 0))
        }
    }
}

extension Histogram {
    func write(to writer: inout PartialWriter) {
        writer.count(counts.count)
        for count in counts { writer.count(count) }
        writer.double(minimum)
        writer.double(maximum)
    }

    mutating func read(from reader: inout PartialReader) throws(PartialError) {
        let bins = try reader.count()
        try reader.expect(bins == counts.count, "a histogram of \(bins) bins where \(counts.count) should be")
        for index in 0..<bins { counts[index] = try reader.count(minimumSize: 0) }
        minimum = try reader.double()
        maximum = try reader.double()
    }
}

extension BottomSample<(Double, Double, Bool)> {
    func write(to writer: inout PartialWriter) {
        writer.count(heap.count)
        for entry in heap {
            writer.fixed(entry.hash)
            writer.fixed(entry.tiebreak)
            writer.double(entry.item.0)
            writer.double(entry.item.1)
            writer.bool(entry.item.2)
        }
    }

    mutating func read(from reader: inout PartialReader) throws(PartialError) {
        let count = try reader.count(minimumSize: 33)
        try reader.expect(count <= limit, "a sample of \(count), more than \(limit)")
        for _ in 0..<count {
            let hash = try reader.fixed(), tiebreak = try reader.fixed()
            let item = (try reader.double(), try reader.double(), try reader.bool())
            offer(hash, tiebreak: tiebreak, item)
        }
    }
}

/// Counts by day: the days with a count, as (distance from the previous such day, count).
private func writeDays(_ counts: [Int], to writer: inout PartialWriter) {
    writer.count(counts.count)
    let used = counts.indices.filter { counts[$0] != 0 }
    writer.count(used.count)
    var previous = 0
    for index in used {
        writer.count(index - previous)
        writer.count(counts[index])
        previous = index
    }
}

private func readDays(_ counts: inout [Int], from reader: inout PartialReader) throws(PartialError) {
    let size = try reader.count(minimumSize: 0)
    try reader.expect(size == counts.count, "\(size) days where \(counts.count) should be")
    let used = try reader.count(minimumSize: 2)
    var index = 0
    for _ in 0..<used {
        index += try reader.count(minimumSize: 0)
        try reader.expect(index < size, "day \(index) of \(size)")
        counts[index] = try reader.count(minimumSize: 0)
    }
}

private func writeDayMap(_ map: [Int64: Int], to writer: inout PartialWriter) {
    writer.count(map.count)
    for (day, count) in map.sorted(by: { $0.key < $1.key }) {
        writer.int(day)
        writer.count(count)
    }
}

private func readDayMap(from reader: inout PartialReader) throws(PartialError) -> [Int64: Int] {
    var map: [Int64: Int] = [:]
    for _ in 0..<(try reader.count(minimumSize: 2)) {
        let day = try reader.int()
        map[day] = try reader.count(minimumSize: 0)
    }
    return map
}

extension TypeChecker {
    /// Reads the tallies at `paths` back (each checks its id); they must be all of ``tallies``, in order.
    fileprivate func readTallies(_ paths: [ReferenceWritableKeyPath<Self, Tally>], from reader: inout PartialReader) throws(PartialError) {
        try reader.expect(paths.count == tallies.count, "this build has \(tallies.count) \(type.rawValue) checks, not the partial's")
        for path in paths { try self[keyPath: path].read(from: &reader) }
    }
}

extension TransactionChecker {
    func write(to writer: inout PartialWriter) {
        writer.count(records)
        writer.count(frauds)
        writer.count(windowRecords)
        writer.count(windowFrauds)
        for tally in tallies { tally.write(to: &writer) }
        for split in [regions, userTypes, devices, payments, categories, basketCategories, fraudTypes] { split.write(to: &writer) }
        writer.count(timedLegit)
        writer.count(eventCounts.count)
        for count in eventCounts { writer.count(count) }
        writer.int(firstTime)
        writer.int(lastTime)
        writer.count(localHours.count)
        for count in localHours { writer.count(count) }
        writeDayMap(otherLocalDays, to: &writer)
        writeDayMap(otherUTCDays, to: &writer)
        writeDays(utcDayCounts, to: &writer)
        writeDays(localDayCounts, to: &writer)
        writer.count(amounts.count)
        for histogram in amounts + [orderTotals, scoreFraud, scoreLegit] { histogram.write(to: &writer) }
        sample.write(to: &writer)
        writer.count(velocity.count)
        for item in velocity {
            writer.int(item.user)
            writer.int(item.time)
            writer.location(item.location)
            writer.string(item.id)
        }
        writer.count(fraudRecords.count)
        for item in fraudRecords {
            writer.fixed(item.hash)
            writer.int(item.time)
            writer.location(item.location)
            writer.string(item.id)
        }
        writer.int(latestTime)
        writer.int(earliestTime)
        writer.count(flagged.count)
        for (key, facts) in flagged.sorted(by: { $0.key < $1.key }) {
            writer.fixed(key)
            writer.int(facts.time)
            writer.fixed(facts.user)
            writer.optional(facts.cents) { $0.int($1) }
            writer.int(facts.score)
            writer.bool(facts.isFraud)
            writer.int(Int64(facts.city))
            writer.int(Int64(facts.fraudType))
        }
        for set in [purchaseLinks, purchaseTimes] {
            writer.optional(set.map { $0.values.sorted() }) { writer, links in
                writer.count(links.count)
                for link in links { writer.fixed(link) }
            }
        }
        let unjudged = unjudgedForAlerts.values.sorted()
        writer.count(unjudged.count)
        for key in unjudged { writer.fixed(key) }
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        records = try reader.count(minimumSize: 0)
        frauds = try reader.count(minimumSize: 0)
        windowRecords = try reader.count(minimumSize: 0)
        windowFrauds = try reader.count(minimumSize: 0)
        try readTallies([\.userReference, \.productReference, \.productDetails, \.coordinateRange, \.nullIsland, \.cityRadius, \.consistency,
                         \.totals, \.labels, \.priceRanges, \.charges, \.userDetails, \.categoryMembers], from: &reader)
        try regions.read(from: &reader)
        try userTypes.read(from: &reader)
        try devices.read(from: &reader)
        try payments.read(from: &reader)
        try categories.read(from: &reader)
        try basketCategories.read(from: &reader)
        try fraudTypes.read(from: &reader)
        timedLegit = try reader.count(minimumSize: 0)
        try reader.expect(try reader.count() == eventCounts.count, "seasonal event counts for another number of events")
        for index in eventCounts.indices { eventCounts[index] = try reader.count(minimumSize: 0) }
        firstTime = try reader.int()
        lastTime = try reader.int()
        try reader.expect(try reader.count() == 24, "local hours that are not 24")
        for hour in 0..<24 { localHours[hour] = try reader.count(minimumSize: 0) }
        otherLocalDays = try readDayMap(from: &reader)
        otherUTCDays = try readDayMap(from: &reader)
        try readDays(&utcDayCounts, from: &reader)
        try readDays(&localDayCounts, from: &reader)
        try reader.expect(try reader.count() == amounts.count, "amount histograms for another number of categories")
        for index in amounts.indices { try amounts[index].read(from: &reader) }
        try orderTotals.read(from: &reader)
        try scoreFraud.read(from: &reader)
        try scoreLegit.read(from: &reader)
        try sample.read(from: &reader)
        for _ in 0..<(try reader.count(minimumSize: 5)) {
            let user = try reader.integer(), time = try reader.int()
            let location = try reader.location()
            velocity.append((user, time, location, try reader.string()))
        }
        for _ in 0..<(try reader.count(minimumSize: 12)) {
            let hash = try reader.fixed(), time = try reader.int()
            let location = try reader.location()
            fraudRecords.append((hash, time, location, try reader.string()))
        }
        latestTime = try reader.int()
        earliestTime = try reader.int()
        for _ in 0..<(try reader.count(minimumSize: 20)) {
            let key = try reader.fixed()
            let time = try reader.int(), user = try reader.fixed()
            let cents = try reader.optional(readInt)
            let score = try reader.int()
            let isFraud = try reader.bool()
            let city = try reader.int()
            try reader.expect(city >= -1 && city < Int64(context.catalog.cities.count), "city \(city) of a flagged transaction")
            let kind = try reader.int()
            try reader.expect(kind >= -1 && kind < Int64(FraudType.allCases.count), "fraud kind \(kind) of a flagged transaction")
            flagged[key] = FlaggedTransaction(time: time, user: user, cents: cents, score: score, isFraud: isFraud, city: Int32(city),
                                              fraudType: Int8(kind))
        }
        func readSet(_ reader: inout PartialReader) throws(PartialError) -> HashSet64? {
            let links = try reader.optional { (reader) throws(PartialError) -> [UInt64] in
                let count = try reader.count(minimumSize: 8)
                var links: [UInt64] = []
                links.reserveCapacity(count)
                for _ in 0..<count { links.append(try reader.fixed()) }
                return links
            }
            guard let links else { return nil }
            var set = HashSet64(capacity: links.count)
            for link in links { _ = set.insert(link) }
            return set
        }
        purchaseLinks = try readSet(&reader)
        purchaseTimes = try readSet(&reader)
        for _ in 0..<(try reader.count(minimumSize: 8)) { _ = unjudgedForAlerts.insert(try reader.fixed()) }
    }
}

extension UserEventChecker {
    func write(to writer: inout PartialWriter) {
        writer.count(records)
        for tally in tallies { tally.write(to: &writer) }
        writer.count(purchases.count)
        for item in purchases {
            writer.fixed(item.transaction)
            writer.optional(item.link) { $0.fixed($1) }
            writer.optional(item.session) { writer, session in
                writer.fixed(session.key)
                writer.fixed(session.hash)
            }
            writer.optional(item.time) { $0.int($1) }
            writer.location(item.location)
            writer.optional(item.id)
            writer.string(item.text)
        }
        devices.write(to: &writer)
        eventTypes.write(to: &writer)
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        records = try reader.count(minimumSize: 0)
        try readTallies([\.userReference, \.productReference, \.productDetails, \.sessionUser, \.sessionOrder, \.eventFields], from: &reader)
        for _ in 0..<(try reader.count(minimumSize: 12)) {
            let transaction = try reader.fixed()
            let link = try reader.optional { (reader) throws(PartialError) in try reader.fixed() }
            let session = try reader.optional { (reader) throws(PartialError) in (key: try reader.fixed(), hash: try reader.fixed()) }
            let time = try reader.optional(readInt)
            let location = try reader.location()
            let id = try reader.optionalString()
            purchases.append((transaction, link, session, time, location, id, try reader.string()))
        }
        try devices.read(from: &reader)
        try eventTypes.read(from: &reader)
    }
}

extension ProductUpdateChecker {
    func write(to writer: inout PartialWriter) {
        writer.count(records)
        for tally in tallies { tally.write(to: &writer) }
        updateTypes.write(to: &writer)
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        records = try reader.count(minimumSize: 0)
        try readTallies([\.productReference, \.details, \.consistency], from: &reader)
        try updateTypes.read(from: &reader)
    }
}

extension AlertChecker {
    func write(to writer: inout PartialWriter) {
        writer.count(records)
        for tally in tallies { tally.write(to: &writer) }
        writer.count(references.count)
        for item in references {
            writer.fixed(item.transaction)
            for value in [item.claimed, item.raised] { writer.optional(value) { $0.int($1) } }
            writer.optional(item.user) { $0.fixed($1) }
            for value in [item.cents, item.score] { writer.optional(value) { $0.int($1) } }
            writer.optional(item.isFraud) { $0.bool($1) }
            writer.int(Int64(item.city))
            writer.int(Int64(item.alertType))
            writer.location(item.location)
            writer.optional(item.id)
            writer.string(item.text)
        }
        alertTypes.write(to: &writer)
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        records = try reader.count(minimumSize: 0)
        try readTallies([\.userReference, \.afterTransaction, \.risk, \.place], from: &reader)
        for _ in 0..<(try reader.count(minimumSize: 18)) {
            let transaction = try reader.fixed()
            let claimed = try reader.optional(readInt), raised = try reader.optional(readInt)
            let user = try reader.optional(readFixed)
            let cents = try reader.optional(readInt), score = try reader.optional(readInt)
            let isFraud = try reader.optional(readBool)
            let city = try reader.int()
            try reader.expect(city >= -1 && city < Int64(context.catalog.cities.count), "city \(city) of an alert")
            let kind = try reader.int()
            try reader.expect(kind >= -1 && kind < Int64(FraudType.allCases.count), "alert type \(kind) of an alert")
            let location = try reader.location()
            let id = try reader.optionalString()
            references.append(AlertChecker.Reference(transaction: transaction, claimed: claimed, raised: raised, user: user, cents: cents,
                                                     score: score, isFraud: isFraud, city: Int32(city), alertType: Int8(kind), location: location,
                                                     id: id, text: try reader.string()))
        }
        try alertTypes.read(from: &reader)
    }
}

extension AnalyticsChecker {
    func write(to writer: inout PartialWriter) {
        writer.count(records)
        for tally in tallies { tally.write(to: &writer) }
        metrics.write(to: &writer)
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        records = try reader.count(minimumSize: 0)
        try readTallies([\.windows, \.dimensions, \.units], from: &reader)
        try metrics.read(from: &reader)
    }
}

extension Validator.TypeState {
    /// The type's own tallies, then its checker's state.
    func write(to writer: inout PartialWriter) {
        writer.count(schema.count)
        for tally in schema + [unique, window, future, order] { tally.write(to: &writer) }
        switch checker {
        case let checker as TransactionChecker: checker.write(to: &writer)
        case let checker as UserEventChecker: checker.write(to: &writer)
        case let checker as ProductUpdateChecker: checker.write(to: &writer)
        case let checker as AlertChecker: checker.write(to: &writer)
        case let checker as AnalyticsChecker: checker.write(to: &writer)
        default: preconditionFailure("a checker of no known type")
        }
    }

    func read(from reader: inout PartialReader) throws(PartialError) {
        let rules = try reader.count()
        try reader.expect(rules == schema.count, "\(rules) schema checks where this build has \(schema.count)")
        for index in schema.indices { try schema[index].read(from: &reader) }
        try unique.read(from: &reader)
        try window.read(from: &reader)
        try future.read(from: &reader)
        try order.read(from: &reader)
        switch checker {
        case let checker as TransactionChecker: try checker.read(from: &reader)
        case let checker as UserEventChecker: try checker.read(from: &reader)
        case let checker as ProductUpdateChecker: try checker.read(from: &reader)
        case let checker as AlertChecker: try checker.read(from: &reader)
        case let checker as AnalyticsChecker: try checker.read(from: &reader)
        default: preconditionFailure("a checker of no known type")
        }
    }
}

// Readers of one value, for `PartialReader.optional`.
private func readInt(_ reader: inout PartialReader) throws(PartialError) -> Int64 { try reader.int() }
private func readFixed(_ reader: inout PartialReader) throws(PartialError) -> UInt64 { try reader.fixed() }
private func readBool(_ reader: inout PartialReader) throws(PartialError) -> Bool { try reader.bool() }
