import EcomJSON
import EcomKafka
import EcomModel
import EcomValidation
import Foundation

/// One audit check of one topic, as the report holds it (family `audit`).
public struct AuditCheck: Sendable {
    /// `audit.count`, `audit.missing`, ...
    public let id: String
    /// The topic it judged.
    public let topic: String
    /// The topic's record type, when it is one of the seed's topics.
    public let recordType: RecordType?
    /// One line for a reviewer, starting with the topic.
    public let title: String
    /// `pass`, `fail` or `inconclusive`.
    public let status: CheckStatus
    /// Why, for `fail` and `inconclusive` (and a pass with violations within those allowed).
    public let reason: String?
    /// Whether a failure fails the run.
    public let gating: Bool
    /// Records (or partitions, for `audit.count`) looked at.
    public let checked: Int
    /// Records (or partitions) that broke it.
    public let violations: Int
    /// Violations allowed before it fails.
    public let maxViolations: Int
    let examples: [Finding]

    var json: JSONValue {
        .object([
            ("id", .string(id)), ("family", .string("audit")),
            ("record_type", recordType.map { .string($0.rawValue) } ?? .null), ("title", .string(title)),
            ("status", .string(status.rawValue)), ("reason", reason.map { .string($0) } ?? .null), ("gating", .bool(gating)),
            ("checked", .int(Int64(checked))), ("violations", .int(Int64(violations))), ("max_violations", .int(Int64(maxViolations))),
            ("statistic", .null),
            ("examples", .array(examples.prefix(20).map { finding in
                .object([("location", .object([("topic", .string(topic)), ("partition", .int(Int64(finding.partition))),
                                               ("offset", finding.offset.map { .int($0) } ?? .null)])),
                         ("id", finding.id.map { .string($0) } ?? .null), ("message", .string(finding.message))])
            })),
        ])
    }
}

/// Latency percentiles (milliseconds from a record's CreateTime to when the audit read it).
public struct LatencySummary: Sendable {
    /// Records with a CreateTime.
    public let count: Int
    /// Records without one (not in the percentiles).
    public let withoutTimestamp: Int
    /// min, p50, p90, p99, p99.9, max; nil when no record had a timestamp.
    public let percentiles: [(name: String, value: Int64)]?

    init(_ samples: [Int64], withoutTimestamp: Int) {
        count = samples.count
        self.withoutTimestamp = withoutTimestamp
        guard !samples.isEmpty else { percentiles = nil; return }
        // Nearest rank: the smallest value with at least q of the samples at or below it, that is the value at position
        // ceil(q n) - 1 of the samples in order. The four are selected, not sorted for: a million samples sorted took a
        // twentieth of a second at the end of an audit, with the cores otherwise idle.
        let n = samples.count
        let ranks = [0.5, 0.9, 0.99, 0.999].map { min(n - 1, max(0, Int(($0 * Double(n)).rounded(.up)) - 1)) }
        var values = samples
        let selected = values.withUnsafeMutableBufferPointer { buffer in
            var from = 0
            return ranks.map { rank in
                Self.select(rank, in: buffer, from: from)
                from = rank
                return buffer[rank]
            }
        }
        percentiles = [("min", samples.min()!), ("p50", selected[0]), ("p90", selected[1]), ("p99", selected[2]), ("p999", selected[3]),
                       ("max", samples.max()!)]
    }

    /// Puts in `values[rank]` the value sorted order would, with no larger value before it and no smaller after it,
    /// looking at `values[from...]` only (those before are no larger than any of them). Quickselect with a three-way
    /// partition (latencies in milliseconds repeat a lot); past 64 rounds, the rest is sorted.
    static func select(_ rank: Int, in values: UnsafeMutableBufferPointer<Int64>, from: Int) {
        var low = from, high = values.count - 1, rounds = 0
        while low < high {
            rounds += 1
            if rounds > 64 {
                var rest = UnsafeMutableBufferPointer(rebasing: values[low...high])
                rest.sort()
                return
            }
            let a = values[low], b = values[low + (high - low) / 2], c = values[high]
            let pivot = max(min(a, b), min(max(a, b), c))
            var less = low, index = low, greater = high
            while index <= greater {
                let value = values[index]
                if value < pivot {
                    values.swapAt(less, index)
                    less += 1
                    index += 1
                } else if value > pivot {
                    values.swapAt(index, greater)
                    greater -= 1
                } else {
                    index += 1
                }
            }
            if rank < less { high = less - 1 } else if rank > greater { low = greater + 1 } else { return }
        }
    }

    /// The named percentile.
    public func value(_ name: String) -> Int64? { percentiles?.first { $0.name == name }?.value }

    var json: JSONValue {
        .object([("count", .int(Int64(count))), ("without_timestamp", .int(Int64(withoutTimestamp)))]
                + (percentiles ?? []).map { ("\($0.name)_ms", JSONValue.int($0.value)) })
    }
}

/// What an audit proved: its checks, the `audit` member of the report and a line per topic.
public struct AuditResult: Sendable {
    /// Per topic, the counts a verdict table shows.
    public struct TopicSummary: Sendable {
        public let topic: String
        /// False when the topic is not on the cluster.
        public let exists: Bool
        /// Records read.
        public let read: Int
        /// Records the manifest says were delivered, when there is a manifest.
        public let expected: Int?
        public let missing: Int
        public let duplicated: Int
        public let altered: Int
        public let unexpected: Int
        public let misplaced: Int
        public let keyMismatches: Int
        public let unparseable: Int
        public let orderBreaks: Int
        public let latency: LatencySummary
        /// The worst status of the topic's checks.
        public let status: CheckStatus
    }

    /// Every audit check, by id, then topic by topic.
    public let checks: [AuditCheck]
    /// A row per topic.
    public let topics: [TopicSummary]
    /// Latency over every topic.
    public let latency: LatencySummary
    /// The report's `audit` member.
    public let member: JSONValue
    /// Records read.
    public let records: Int
    /// Seconds spent reading.
    public let seconds: Double

    /// `fail` when a gating check failed, `warn` when a non-gating one did, else `pass` (inconclusive checks do
    /// not fail an audit, they say why).
    public var verdict: CheckStatus {
        if checks.contains(where: { $0.status == .fail && $0.gating }) { return .fail }
        return checks.contains { $0.status == .fail } ? .warn : .pass
    }

    /// The validation report with the audit's checks first (family `audit`), the summary and verdict counting
    /// them, and the `audit` member after `distributions`.
    public func merged(into report: JSONValue) -> JSONValue {
        guard case let .object(members) = report else { return report }
        let checkJSON = checks.map(\.json) + (report["checks"]?.arrayValue ?? [])
        func status(_ check: JSONValue) -> String { check["status"]?.stringValue ?? "" }
        func gating(_ check: JSONValue) -> Bool { check["gating"]?.boolValue ?? false }
        let gatesFailed = checkJSON.filter { status($0) == "fail" && gating($0) }.count
        let verdict = gatesFailed > 0 ? "fail"
            : checkJSON.contains { status($0) == "warn" || (status($0) == "fail" && !gating($0)) } ? "warn" : "pass"
        func count(_ name: String) -> JSONValue { .int(Int64(checkJSON.filter { status($0) == name }.count)) }
        var result: [(String, JSONValue)] = []
        for (key, value) in members {
            switch key {
            case "verdict": result.append((key, .string(verdict)))
            case "summary":
                result.append((key, .object([
                    ("records", value["records"] ?? .int(Int64(records))), ("checks", .int(Int64(checkJSON.count))),
                    ("pass", count("pass")), ("warn", count("warn")), ("fail", count("fail")), ("inconclusive", count("inconclusive")),
                    ("gates_failed", .int(Int64(gatesFailed))),
                ])))
            case "checks": result.append((key, .array(checkJSON)))
            default: result.append((key, value))
            }
        }
        result.append(("audit", member))
        return .object(result)
    }
}

extension Audit {
    /// Decides every check from what was read and the manifest.
    public func finish() -> AuditResult {
        let finished = finishedReading ?? Date()
        var checks: [AuditCheck] = []
        var summaries: [AuditResult.TopicSummary] = []
        var topicMembers: [JSONValue] = []
        var allLatencies: [Int64] = []
        var withoutTimestamp = 0
        var namedNote = expectedNote
        for topic in topics {
            let entry = manifest?.topics[topic.name]
            if let entry, topic.gone.isEmpty {
                // A topic that is not there any more lost every partition the run wrote to: each is named with what
                // it held, as the partitions of a topic re-created with fewer are.
                let wrote = Set(entry.partitions.keys).union((0..<Int32(entry.partitionCount ?? 0)).map { $0 })
                let now = topic.exists ? topic.partitionCount : 0
                topic.gone = wrote.filter { Int($0) >= now }.sorted().map { Audit.PartitionState(number: $0) }
            }
            // A run stopped early sent a prefix of each topic's records (alerts raised by the transactions excepted).
            if let expected = topic.expected, let entry, manifest?.stopped != nil {
                if entry.derivedFromTransactions {
                    topic.expected = nil
                    namedNote = "the run stopped early and its alerts followed the transactions: alerts are compared by count and digest only"
                } else {
                    expected.truncate(to: entry.sent)
                }
            }
            if let expected = topic.expected, let entry, expected.count != entry.sent {
                namedNote = "\(topic.name): the seed regenerates \(expected.count) records, the manifest says \(entry.sent) were sent; compared by count and digest only"
                topic.expected = nil
            }
            // Missing records: named when regenerated, else counted from the manifest, a record read only off its key's
            // partition counted on its key's.
            topic.rehomeStrayRecords()
            // Partitions whose payload digest cannot say whether a record was altered: their records are not the ones
            // delivered, by count or by ID, so any digest differs.
            var uncompared = 0
            if let expected = topic.expected {
                for index in 0..<expected.count where !expected.seen[index] {
                    let number = expected.partitions[index]
                    let partition = topic.partitions.first { $0.number == number } ?? topic.gone.first { $0.number == number } ?? topic.partitions.first
                    partition?.add(.missing, Finding(partition: max(0, number), offset: nil, id: expected.ids[index],
                                                     message: "\(expected.ids[index]) was sent (to partition \(number)) and not read"))
                }
            } else if let entry {
                for partition in topic.gone {
                    let count = entry.partitions[partition.number]?.count ?? 0
                    partition.counts[FindingKind.missing.rawValue] += count
                    partition.examples[FindingKind.missing.rawValue].append(Finding(
                        partition: partition.number, offset: nil, id: nil,
                        message: "\(count) records delivered to \(topic.name)/\(partition.number) were not read: "
                            + (topic.exists ? "the topic has \(topic.partitionCount) partitions now" : "the topic does not exist")))
                }
                for partition in topic.partitions {
                    let sent = entry.partitions[partition.number]
                    let count = sent?.count ?? 0
                    if partition.distinct < count {
                        partition.counts[FindingKind.missing.rawValue] += count - partition.distinct
                        // Records enough were read, but fewer distinct IDs: records were lost and others came twice or
                        // have no ID, or the run itself sent some IDs twice; the count alone cannot tell which.
                        let why = partition.records >= count
                            ? "\(count) records were delivered to \(topic.name)/\(partition.number) and \(partition.records) read, but only \(partition.distinct) distinct IDs: \(count - partition.distinct) delivered records are missing, unless some records read are unparseable with no ID to find (see audit.parse) or the run itself sent IDs more than once (see audit.duplicate)"
                            : "\(count - partition.distinct) of the \(count) records delivered to \(topic.name)/\(partition.number) were not read there"
                                // A record read without a key cannot be counted on its key's partition: it may be one of them.
                                + (topic.keylessRecords > 0
                                    ? "; \(topic.keylessRecords) record\(topic.keylessRecords == 1 ? "" : "s") read without a key (audit.partitioning) may be among them" : "")
                        partition.examples[FindingKind.missing.rawValue].append(Finding(
                            partition: partition.number, offset: nil, id: nil,
                            message: "\(why) (IDs can be named only for a seeded stream's manifest)"))
                    } else if let sent, let digest = sent.idDigest, topic.idField != nil, partition.distinct == count, partition.idDigest != digest {
                        partition.add(.missing, Finding(partition: partition.number, offset: nil, id: nil,
                                                        message: "the IDs read from \(topic.name)/\(partition.number) are not those delivered (ID digest differs): records were replaced"))
                    } else if let sent, let digest = sent.payloadDigest, partition.distinct == count,
                              sent.idDigest == nil || sent.idDigest == partition.idDigest, partition.payloadDigest != digest {
                        partition.add(.altered, Finding(partition: partition.number, offset: nil, id: nil,
                                                        message: "the payloads of \(topic.name)/\(partition.number) are not those delivered (payload digest differs): a record was altered"))
                    }
                    if let sent, sent.payloadDigest != nil,
                       partition.distinct != count || (sent.idDigest != nil && sent.idDigest != partition.idDigest) {
                        uncompared += 1
                    }
                }
            }
            let read = topic.partitions.reduce(0) { $0 + $1.records }
            let parsed = read - topic.partitions.reduce(0) { $0 + $1.counts[FindingKind.unparseable.rawValue] }
            func total(_ kind: FindingKind) -> Int { (topic.partitions + topic.gone).reduce(0) { $0 + $1.counts[kind.rawValue] } }
            func examples(_ kind: FindingKind) -> [Finding] { Array((topic.partitions + topic.gone).flatMap { $0.examples[kind.rawValue] }.prefix(20)) }
            var topicChecks: [AuditCheck] = []
            func add(_ id: String, _ title: String, _ kind: FindingKind?, checked: Int, violations: Int? = nil,
                     failReason: (Int) -> String, inconclusive: String? = nil, examples given: [Finding]? = nil) {
                let violations = violations ?? kind.map(total) ?? 0
                let gate = request.gates.gate(for: id)
                let allowed = max(0, gate.maxViolations ?? 0)
                let status: CheckStatus = inconclusive != nil ? .inconclusive : violations > allowed ? .fail : .pass
                let reason = inconclusive ?? (violations > allowed ? failReason(violations) + (allowed > 0 ? " (at most \(allowed) allowed)" : "")
                    : violations > 0 ? "\(failReason(violations)), within the \(allowed) allowed" : nil)
                topicChecks.append(AuditCheck(
                    id: id, topic: topic.name, recordType: topic.type, title: "\(topic.name): \(title)", status: status,
                    reason: reason, gating: gate.gating ?? true, checked: checked, violations: violations, maxViolations: allowed,
                    examples: given ?? kind.map(examples) ?? []))
            }
            let brokers = configuration.brokers
            let absent: String? = !topic.exists ? "topic \(topic.name) does not exist on \(brokers)" : read == 0 ? "no records were read from \(topic.name)" : nil
            // Count: per partition against the manifest; a missing or empty topic, or a partition given up on, fails.
            var countExamples: [Finding] = []
            var badPartitions = 0
            // Partitions added after the run are reported below, once each.
            for partition in topic.partitions where Int(partition.number) < entry?.partitionCount ?? Int.max {
                if partition.stalled {
                    badPartitions += 1
                    countExamples.append(Finding(partition: partition.number, offset: partition.next, id: nil,
                                                 message: "reading stopped at offset \(partition.next), short of the end offset \(partition.end ?? -1): nothing arrived for \(Int(request.idleTimeout)) s"))
                } else if let entry {
                    let sent = entry.partitions[partition.number]
                    let count = sent?.count ?? 0
                    // A duplicate is a finding of its own (audit.duplicate), not also a count off: an at-least-once
                    // pipeline's redeliveries fail only the gate on duplicates.
                    let duplicates = partition.counts[FindingKind.duplicate.rawValue]
                    if partition.records - duplicates != count {
                        badPartitions += 1
                        let since: String = if case let .timestamp(time) = request.start { " at or after \(Timestamp(milliseconds: time)) (--from)" } else { "" }
                        let read = partition.records == 0
                            ? "no records read\(since) (from offset \(partition.readFrom); the partition's end offset is \(partition.end ?? partition.high))"
                            : "\(partition.records) records read from offsets \(partition.start)-\(max(partition.start, partition.next) - 1)"
                              + (duplicates > 0 ? " (\(partition.records - duplicates) without the \(duplicates) duplicates)" : "")
                        var why = ""
                        if let sent, partition.low > sent.firstOffset {
                            why = "; the partition's log now starts at offset \(partition.low), after the run's first offset \(sent.firstOffset): the records before it were deleted (retention)"
                        } else if let sent, sent.firstOffset >= max(partition.high, partition.end ?? partition.high), count > 0 {
                            // (The end reading stopped at: while following, records come after the end of the start.)
                            why = "; the run's first offset \(sent.firstOffset) is at or past the partition's end \(max(partition.high, partition.end ?? partition.high)): this log is not the one the run wrote to (was the topic re-created?)"
                        } else if let sent, partition.start > sent.firstOffset {
                            why = "; reading started at offset \(partition.start), after the run's first offset \(sent.firstOffset)"
                        } else if partition.start > partition.low && partition.records < count {
                            why = "; offsets \(partition.low)-\(partition.start - 1), before where reading started, were not read (is this a copy of the topic, with other offsets? --from beginning reads them)"
                        }
                        countExamples.append(Finding(partition: partition.number, offset: nil, id: nil,
                                                     message: "\(read), the manifest says \(count) were delivered\(why)"))
                    }
                }
            }
            for partition in topic.gone {
                badPartitions += 1
                countExamples.append(Finding(partition: partition.number, offset: nil, id: nil,
                                             message: "the manifest says \(entry?.partitions[partition.number]?.count ?? 0) records were delivered to partition \(partition.number); \(topic.name) has \(topic.partitionCount) partitions now (was the topic re-created with fewer?)"))
            }
            if let wrote = entry?.partitionCount, wrote < topic.partitionCount {
                for partition in topic.partitions where Int(partition.number) >= wrote {
                    badPartitions += 1
                    countExamples.append(Finding(partition: partition.number, offset: nil, id: nil,
                                                 message: "partition \(partition.number) was added after the run: the manifest says \(topic.name) had \(wrote) partitions (keys are judged by \(wrote)); \(partition.records) records read from it"))
                }
            }
            let delivered = entry.map { $0.partitions.values.reduce(0) { $0 + $1.count } }
            if !topic.exists {
                // Each partition the run wrote to is named with what it held (one finding for the topic without a manifest).
                let wrote = (entry?.partitions ?? [:]).sorted { $0.key < $1.key }
                let absentExamples = wrote.map { number, sent in
                    Finding(partition: number, offset: nil, id: nil,
                            message: "the manifest says \(sent.count) records were delivered to partition \(number); topic \(topic.name) does not exist on \(brokers)")
                }
                add("audit.count", "records read equal the records delivered", nil, checked: max(1, wrote.count), violations: max(1, wrote.count),
                    failReason: { _ in "topic \(topic.name) does not exist on \(brokers)\(delivered.map { "; the manifest says \($0) records were delivered to it" } ?? "")" },
                    examples: absentExamples)
            } else if read == 0 && (delivered ?? 1) > 0 && badPartitions == 0 {
                let emptyExamples = topic.partitions.map { partition in
                    Finding(partition: partition.number, offset: nil, id: nil,
                            message: "no records read (from offset \(partition.readFrom); the partition's end offset is \(partition.end ?? partition.high))")
                }
                add("audit.count", "records read equal the records delivered", nil, checked: topic.partitions.count, violations: topic.partitions.count,
                    failReason: { _ in "topic \(topic.name) is empty from the start offsets to its end\(delivered.map { "; the manifest says \($0) records were delivered" } ?? "")" },
                    examples: emptyExamples)
            } else if entry == nil && badPartitions == 0 {
                add("audit.count", "records read equal the records delivered", nil, checked: topic.partitions.count, failReason: { _ in "" },
                    inconclusive: manifest == nil ? "no manifest given: \(read) records read, nothing to compare them with; pass --manifest"
                        : "the manifest has no entry for \(topic.name): \(read) records read, nothing to compare them with; pass the manifest of the run that wrote it")
            } else {
                let partitionsChecked = topic.partitions.count + topic.gone.count
                add("audit.count", "records read equal the records delivered, per partition", nil, checked: partitionsChecked,
                    violations: badPartitions, failReason: { bad in
                        (read == 0 ? "topic \(topic.name) is empty from the start offsets to its end\(delivered.map { "; the manifest says \($0) records were delivered" } ?? ""): " : "")
                            + "\(bad) of \(partitionsChecked) partitions differ from the manifest"
                    },
                    examples: countExamples)
            }
            let canName = topic.expected != nil
            let noManifest = entry == nil ? "no manifest to compare with" : nil
            add("audit.missing", "every record delivered was read\(canName ? " (named, regenerated from the seed)" : "")", .missing,
                checked: delivered ?? 0, violations: topic.exists ? nil : delivered ?? 0,
                failReason: { "\($0) records delivered were not read" }, inconclusive: entry == nil ? absent ?? noManifest : nil)
            add("audit.unexpected", "every record read is one the run sent", .unexpected, checked: read,
                failReason: { "\($0) records read are not among those the run sent" },
                inconclusive: absent ?? (canName ? nil : "the records the run sent are not known one by one (\(namedNote ?? "no seeded stream manifest"))"))
            if canName {
                add("audit.altered", "every payload is the one sent", .altered, checked: read, failReason: { "\($0) payloads differ from those sent" },
                    inconclusive: absent ?? noManifest)
            } else {
                // Without the records themselves only each partition's payload digest is compared: a finding is a
                // partition, not a record, and says so.
                let altered = total(.altered)
                add("audit.altered", "every partition's payloads are the ones sent (by their digest)", .altered, checked: topic.partitions.count - uncompared,
                    failReason: { "the payload digest of \($0) of \(topic.partitions.count) partitions differs from the manifest's: at least one record on each was altered (a manifest of digests cannot tell which or how many; a seeded stream's can)" },
                    inconclusive: absent ?? noManifest ?? (altered == 0 && uncompared > 0
                        ? "\(uncompared) of \(topic.partitions.count) partitions hold other records than those delivered (by count or ID: see audit.count and audit.missing), so their payload digests cannot show an altered record" : nil))
            }
            let noID = topic.idField == nil ? "topic \(topic.name) has no known ID field"
                : topic.withID == 0 ? "no record read from \(topic.name) has a string \(topic.idField!)" : nil
            add("audit.duplicate", "no \(topic.idField ?? "ID") is read twice", .duplicate, checked: topic.withID,
                failReason: { "\($0) records repeat an ID read before" }, inconclusive: absent ?? noID)
            add("audit.order_per_key", "timestamps of each key never go back within a partition", .order, checked: topic.withKeyAndTimestamp,
                failReason: { "\($0) records of a key come after a later one of the same key" },
                inconclusive: absent ?? (topic.withKeyAndTimestamp > 0 ? nil
                    : topic.idField == nil ? "records of \(topic.name) are not told apart (no ID field is known for a topic the seed does not name), so a redelivery cannot be set aside and their order is not judged; produce or replay to the record type's topic name (transactions, user-events, ...) to have it judged"
                    : "no record read from \(topic.name) has both a key and a timestamp field"))
            add("audit.partitioning", "every key is on the partition murmur2 gives it", .misplaced, checked: read,
                failReason: { "\($0) records are on another partition than their key's" }, inconclusive: absent)
            add("audit.key_matches_payload", "every message key equals the payload's \(topic.keyField ?? "key field")", .keyMismatch, checked: parsed,
                failReason: { "\($0) message keys differ from the payload's \(topic.keyField ?? "key field")" },
                inconclusive: absent ?? (topic.keyField == nil ? "topic \(topic.name) has no known key field" : nil))
            add("audit.parse", "every payload is one JSON object", .unparseable, checked: read,
                failReason: { "\($0) payloads are not JSON objects" }, inconclusive: absent)
            checks += topicChecks

            let latency = LatencySummary(topic.latencies, withoutTimestamp: topic.withoutTimestamp)
            if topics.count > 1 { allLatencies += topic.latencies }
            withoutTimestamp += topic.withoutTimestamp
            summaries.append(AuditResult.TopicSummary(
                topic: topic.name, exists: topic.exists, read: read, expected: delivered, missing: total(.missing), duplicated: total(.duplicate),
                altered: total(.altered), unexpected: total(.unexpected), misplaced: total(.misplaced), keyMismatches: total(.keyMismatch),
                unparseable: total(.unparseable), orderBreaks: total(.order), latency: latency,
                // A check that does not gate fails as a warning does: the verdict's word, not a failure it does not make.
                status: topicChecks.map { $0.status == .fail && !$0.gating ? .warn : $0.status }.max() ?? .pass))
            topicMembers.append(topicJSON(topic, entry: entry, latency: latency))
        }
        // As the report orders checks: by id, then (stable) topic by topic.
        checks = checks.enumerated().sorted { ($0.element.id, $0.offset) < ($1.element.id, $1.offset) }.map(\.element)
        // One topic's summary is the audit's (not selected again from a copy of its samples).
        let latency = topics.count == 1 ? summaries[0].latency : LatencySummary(allLatencies, withoutTimestamp: withoutTimestamp)
        let records = summaries.reduce(0) { $0 + $1.read }
        let seconds = finished.timeIntervalSince(started)
        let startName = switch request.start {
        case .beginning: "beginning"
        case .manifest: "manifest"
        case .timestamp: "timestamp"
        case .offsets: "offsets"
        case .latest: "latest"
        }
        let member = JSONValue.object([
            ("brokers", .string(configuration.brokers)),
            ("manifest", manifest.map { .string($0.path ?? "(in memory)") } ?? .null),
            ("run_id", manifest.map { .string($0.runID) } ?? .null),
            ("from", .string(startName)),
            ("records_named", .bool(topics.contains { $0.expected != nil })),
            ("records_named_note", namedNote.map { .string($0) } ?? .null),
            ("records", .int(Int64(records))),
            ("seconds", .double(seconds)),
            ("records_per_second", .double(seconds > 0 ? Double(records) / seconds : 0)),
            ("latency_ms", latency.json),
            ("topics", .array(topicMembers)),
        ])
        return AuditResult(checks: checks, topics: summaries, latency: latency, member: member, records: records, seconds: seconds)
    }

    private func topicJSON(_ topic: TopicState, entry: AuditManifest.Topic?, latency: LatencySummary) -> JSONValue {
        let names = ["missing", "duplicate", "altered", "unexpected", "misplaced", "key_mismatch", "unparseable", "order"]
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        let partitions: [JSONValue] = topic.partitions.map { partition in
            let sent = entry?.partitions[partition.number]
            let findings: [(String, JSONValue)] = FindingKind.allCases.map { kind in
                (names[kind.rawValue], .object([
                    ("count", .int(Int64(partition.counts[kind.rawValue]))),
                    ("examples", .array(partition.examples[kind.rawValue].map { finding in
                        .object([("offset", finding.offset.map { .int($0) } ?? .null), ("id", finding.id.map { .string($0) } ?? .null),
                                 ("message", .string(finding.message))])
                    })),
                ]))
            }
            return .object([
                ("partition", .int(Int64(partition.number))),
                ("low_watermark", .int(partition.low)), ("high_watermark", .int(partition.high)),
                ("start_offset", .int(partition.readFrom)), ("end_offset", partition.end.map { .int($0) } ?? .null),
                ("records", .int(Int64(partition.records))),
                ("expected", sent.map { .int(Int64($0.count)) } ?? (entry == nil ? .null : .int(0))),
                ("manifest_first_offset", sent.map { .int($0.firstOffset) } ?? .null),
                ("manifest_last_offset", sent.map { .int($0.lastOffset) } ?? .null),
                ("id_digest", topic.idField == nil ? .null : .string(hex(partition.idDigest))),
                ("payload_digest", .string(hex(partition.payloadDigest))),
                ("id_digest_matches", sent?.idDigest.map { .bool($0 == partition.idDigest) } ?? .null),
                ("payload_digest_matches", sent?.payloadDigest.map { .bool($0 == partition.payloadDigest) } ?? .null),
                ("stalled", .bool(partition.stalled)),
                ("findings", .object(findings)),
            ])
        }
        func total(_ kind: FindingKind) -> JSONValue { .int(Int64((topic.partitions + topic.gone).reduce(0) { $0 + $1.counts[kind.rawValue] })) }
        return .object([
            ("topic", .string(topic.name)),
            ("record_type", topic.type.map { .string($0.rawValue) } ?? .null),
            ("exists", .bool(topic.exists)),
            ("partition_count", .int(Int64(topic.partitionCount))),
            ("key_field", topic.keyField.map { .string($0) } ?? .null),
            ("id_field", topic.idField.map { .string($0) } ?? .null),
            ("records", .int(Int64(topic.partitions.reduce(0) { $0 + $1.records }))),
            ("expected", entry.map { .int(Int64($0.partitions.values.reduce(0) { $0 + $1.count })) } ?? .null),
            ("findings", .object(FindingKind.allCases.map { (names[$0.rawValue], total($0)) })),
            ("latency_ms", latency.json),
            ("partitions", .array(partitions)),
        ])
    }
}
