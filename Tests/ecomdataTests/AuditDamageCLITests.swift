import EcomJSON
import Foundation
import Testing

/// One message as kcat writes it: a nil key is sent without one, a nil value as null (a tombstone).
private struct Message {
    var key: String?
    var value: [UInt8]?

    init(_ key: String?, _ value: String?) {
        self.key = key
        self.value = value.map { Array($0.utf8) }
    }

    init(_ key: String?, bytes: [UInt8]) {
        self.key = key
        value = bytes
    }
}

/// Writes messages to one partition with kcat (an independent producer), in order, batch by batch: messages are
/// separated by 0x1e so that payloads may hold newlines; a run of null values goes through `kcat -Z`.
private func kcatWrite(_ brokers: String, _ topic: String, partition: Int, _ messages: [Message], options: [String] = []) throws {
    var index = 0
    while index < messages.count {
        let null = messages[index].value == nil
        var batch: [Message] = []
        while index < messages.count && (messages[index].value == nil) == null {
            batch.append(messages[index])
            index += 1
        }
        let keyed = batch.map { $0.key != nil }
        var runs: [[Message]] = []
        for (offset, message) in batch.enumerated() {
            if offset > 0 && keyed[offset] == keyed[offset - 1] { runs[runs.count - 1].append(message) } else { runs.append([message]) }
        }
        for run in runs {
            let produce = Process()
            produce.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
            produce.arguments = ["-P", "-b", brokers, "-t", topic, "-p", "\(partition)", "-D", "\u{1e}"]
                + (run[0].key != nil ? ["-K", "\t"] : []) + (null ? ["-Z"] : []) + options
            let input = Pipe()
            produce.standardInput = input
            produce.standardError = FileHandle.nullDevice
            try produce.run()
            var data: [UInt8] = []
            for message in run {
                if let key = message.key { data += Array(key.utf8) + [9] }
                data += (message.value ?? []) + [0x1e]
            }
            input.fileHandleForWriting.write(Data(data))
            try input.fileHandleForWriting.close()
            produce.waitUntilExit()
            #expect(produce.terminationStatus == 0, "kcat -P failed")
        }
    }
}

/// A seeded stream of transactions on a broker of its own, its manifest, and its records per partition as kcat reads them.
private struct StreamedRun {
    let source: BrokerProcess
    let dir: URL
    let manifest: String
    /// Per partition, key and payload in offset order.
    let partitions: [[(key: String, value: String)]]

    init() throws {
        source = try BrokerProcess(brokers: 1)
        try #require(!source.bootstrap.isEmpty)
        dir = try CLI.temporaryDirectory()
        manifest = dir.appendingPathComponent("manifest.json").path
        let stream = try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "transactions", "--seed", "5",
                                  "--brokers", source.bootstrap, "--manifest", manifest])
        #expect(stream.status == 0, "\(stream.stderr)")
        var partitions: [[(key: String, value: String)]] = Array(repeating: [], count: 4)
        for line in try kcatLines(brokers: source.bootstrap, topic: "transactions", format: "%p\t%k\t%s\n") {
            let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
            partitions[Int(fields[0])!].append((fields[1], fields[2]))
        }
        try #require(partitions.allSatisfy { $0.count > 20 })
        self.partitions = partitions
    }

    func id(_ partition: Int, _ index: Int) -> String {
        (try? JSONValue.parse(partitions[partition][index].value)["transaction_id"]?.stringValue) ?? "?"
    }

    func clean(_ partition: Int) -> [Message] { partitions[partition].map { Message($0.key, $0.value) } }

    /// A broker of its own holding a copy of the topic written with kcat: partition by partition, these messages.
    func copy(_ partitions: [[Message]]) throws -> BrokerProcess {
        let broker = try BrokerProcess(brokers: 1)
        try #require(!broker.bootstrap.isEmpty)
        for (partition, messages) in partitions.enumerated() { try kcatWrite(broker.bootstrap, "transactions", partition: partition, messages) }
        return broker
    }

    /// Audits `brokers` against the run's manifest (or `manifest`), returning the exit status and the report.
    func audit(_ brokers: String, manifest: String? = nil, _ arguments: [String] = []) throws -> (status: Int32, report: JSONValue, output: String) {
        let json = dir.appendingPathComponent("audit-\(UUID().uuidString).json").path
        let result = try CLI.run(["audit", "--brokers", brokers, "--manifest", manifest ?? self.manifest, "--json", json] + arguments)
        let report = (try? JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))) ?? .null
        if report != .null { #expect(try schemaProblems(json).isEmpty) }
        return (result.status, report, result.text + result.stderr)
    }
}

/// The violations of each audit check, by id without `audit.`.
private func auditViolations(_ report: JSONValue) -> [String: Int] {
    var result: [String: Int] = [:]
    for check in report["checks"]?.arrayValue ?? [] where check["family"]?.stringValue == "audit" {
        result[String((check["id"]?.stringValue ?? "").dropFirst(6))] = Int(check["violations"]?.intValue ?? -1)
    }
    return result
}

/// Examples of a check as `partition@offset id: message`.
private func examples(_ report: JSONValue, _ id: String) -> [String] {
    (checks(report, id).first?["examples"]?.arrayValue ?? []).map { example in
        let location = example["location"]
        return "\(location?["partition"]?.intValue ?? -1)@\(location?["offset"]?.intValue.map(String.init) ?? "?") "
            + "\(example["id"]?.stringValue ?? "-"): \(example["message"]?.stringValue ?? "")"
    }
}

/// Damage a real pipeline does to records, planted with kcat on a copy of a seeded stream, each counted once per kind
/// it is, at its partition and offset: tombstones and empty values, a redelivery without a key, a key that is not the
/// payload's, a BOM, a trailing newline or CRLF, invalid UTF-8, a truncated payload, a user event on `transactions`,
/// IDs the run never sent, an identical redelivery, a redelivery with another payload, two records of a key swapped,
/// and a record whose timestamp goes back.
@Test func auditCountsEachKindOfRecordDamageAtItsOffset() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    let p = run.partitions

    // Partition 0: a tombstone and an empty value in place of two records (lost: their IDs are gone), then the sixth
    // record again without a key.
    var zero = run.clean(0)
    zero[3] = Message(p[0][3].key, nil)
    zero[4] = Message(p[0][4].key, "")
    zero.append(Message(nil, p[0][5].value))
    // Partition 1: records arrive damaged but recognisable by their ID: altered, and unparseable where JSON breaks.
    var one = run.clean(1)
    one[2] = Message(p[1][2].key, bytes: [0xEF, 0xBB, 0xBF] + Array(p[1][2].value.utf8))
    one[3] = Message(p[1][3].key, p[1][3].value + "\n")
    one[4] = Message(p[1][4].key, p[1][4].value + "\r\n")
    let invalid = Array(p[1][5].value.utf8), field = Array("\"currency\":\"".utf8)
    let at = try #require((0..<(invalid.count - field.count)).first { Array(invalid[$0..<($0 + field.count)]) == field }) + field.count
    one[5] = Message(p[1][5].key, bytes: Array(invalid[..<at]) + [0xFF, 0xFE] + Array(invalid[at...]))
    one[6] = Message(p[1][6].key, String(p[1][6].value.prefix(100)))
    // Partition 2: a message key that is not the payload's user_id (both land on partition 2), a user event on
    // transactions, and a transaction with an ID the run never sent.
    var two = run.clean(2)
    let otherKey = p[2][0].key
    try #require(otherKey != p[2][2].key)
    two[2] = Message(otherKey, p[2][2].value)
    // Two records of one key swapped: the later one's timestamp comes first, nothing else changes.
    let byKey = Dictionary(grouping: p[2].indices.dropFirst(3), by: { p[2][$0].key })
    let pair = try #require(byKey.values.filter { $0.count == 2 && p[2][$0[0]].key != otherKey }.map { ($0[0], $0[1]) }.min { $0.0 < $1.0 })
    try #require(p[2].prefix(3).allSatisfy { $0.key != p[2][pair.0].key })
    two.swapAt(pair.0, pair.1)
    let event = try #require(CLI.run(["generate", "--type", "user_events", "--count", "1", "--seed", "9", "--out", "-"]).text
        .split(separator: "\n").first.map(String.init))
    let eventUser = try #require(JSONValue.parse(event)["user_id"]?.stringValue)
    two.append(Message(otherKey, event.replacingOccurrences(of: "\"user_id\":\"\(eventUser)\"", with: "\"user_id\":\"\(otherKey)\"")))
    let stranger = p[2][0].value.replacingOccurrences(of: run.id(2, 0), with: "txn_999999999")
        .replacingOccurrences(of: #""timestamp":"[^"]*""#, with: #""timestamp":"2024-09-02T23:59:59.000Z""#, options: .regularExpression)
    two.append(Message(otherKey, stranger))
    // Partition 3: an identical redelivery, a redelivery with another payment method, and a record of a key read twice
    // before with an earlier timestamp and an ID the run never sent (the key's time goes back).
    var three = run.clean(3)
    three.append(Message(p[3][5].key, p[3][5].value))
    let method = try #require(JSONValue.parse(p[3][6].value)["payment_method"]?.stringValue)
    three.append(Message(p[3][6].key, p[3][6].value.replacingOccurrences(
        of: "\"payment_method\":\"\(method)\"", with: "\"payment_method\":\"\(method == "paypal" ? "debit_card" : "paypal")\"")))
    // (A key with two records before it: the late one is out of place, not the key's last in order.)
    let keyed = try #require(p[3].indices.first { index in index >= 10 && p[3][..<index].contains { $0.key == p[3][index].key } })
    let late = p[3][keyed].value.replacingOccurrences(of: run.id(3, keyed), with: "txn_999999998")
        .replacingOccurrences(of: #""timestamp":"[^"]*""#, with: #""timestamp":"2024-09-02T00:00:00.000Z""#, options: .regularExpression)
    three.append(Message(p[3][keyed].key, late))
    let target = try run.copy([zero, one, two, three])

    let (status, report, output) = try run.audit(target.bootstrap)
    #expect(status == 1, "\(output)")
    let end = [zero.count, one.count, two.count, three.count]
    // Partition 0's count is the manifest's once its redelivery is left to audit.duplicate (its two missing records
    // have a tombstone and an empty value in their places); 2 and 3 have unexpected records on top.
    #expect(auditViolations(report) == ["count": 2, "missing": 2, "parse": 5, "altered": 6, "duplicate": 3, "partitioning": 1,
                                        "key_matches_payload": 2, "unexpected": 3, "order_per_key": 2], "\(output)")
    #expect(examples(report, "audit.missing").sorted() == ["0@? \(run.id(0, 3)): \(run.id(0, 3)) was sent (to partition 0) and not read",
                                                           "0@? \(run.id(0, 4)): \(run.id(0, 4)) was sent (to partition 0) and not read"])
    let parse = examples(report, "audit.parse")
    #expect(parse.count == 5)
    #expect(parse.contains("0@3 -: null value (a tombstone)") && parse.contains("0@4 -: empty value"), "\(parse)")
    for offset in [2, 5, 6] { #expect(parse.contains { $0.hasPrefix("1@\(offset) \(run.id(1, offset)): not a JSON object") }, "\(parse)") }
    // The validator's hints speak of a message's payload, not of a file's lines.
    let schemaParse = checks(report, "schema.parse").flatMap { check in
        (check["examples"]?.arrayValue ?? []).map { "\($0["location"]?["partition"]?.intValue ?? -1)@\($0["location"]?["offset"]?.intValue ?? -1) \($0["message"]?.stringValue ?? "")" }
    }
    #expect(schemaParse.contains { $0.hasPrefix("1@2 ") && $0.contains("the payload starts with a UTF-8 byte order mark (EF BB BF)") }, "\(schemaParse)")
    #expect(schemaParse.contains { $0.hasPrefix("1@6 ") && $0.hasSuffix("is closed: a payload cut short") }, "\(schemaParse)")
    #expect(!schemaParse.contains { $0.contains("line") }, "\(schemaParse)")
    #expect(examples(report, "audit.altered").map { String($0.prefix(while: { $0 != " " })) } == ["1@2", "1@3", "1@4", "1@5", "1@6", "3@\(end[3] - 2)"])
    let duplicates = examples(report, "audit.duplicate")
    #expect(duplicates == [
        "0@\(end[0] - 1) \(run.id(0, 5)): transaction_id \(run.id(0, 5)) was read before at transactions/0@5, with the same payload: a redelivery",
        "3@\(end[3] - 3) \(run.id(3, 5)): transaction_id \(run.id(3, 5)) was read before at transactions/3@5, with the same payload: a redelivery",
        "3@\(end[3] - 2) \(run.id(3, 6)): transaction_id \(run.id(3, 6)) was read before at transactions/3@6, with a different payload",
    ])
    #expect(examples(report, "audit.partitioning") == ["0@\(end[0] - 1) \(run.id(0, 5)): no key (null)"])
    #expect(examples(report, "audit.key_matches_payload").map { String($0.prefix(while: { $0 != " " })) } == ["0@\(end[0] - 1)", "2@2"])
    let unexpected = examples(report, "audit.unexpected")
    #expect(unexpected.map { String($0.prefix(while: { $0 != " " })) } == ["2@\(end[2] - 2)", "2@\(end[2] - 1)", "3@\(end[3] - 1)"])
    #expect(unexpected[0].contains("a record of another type (see schema.record_type)"), "\(unexpected)")
    // Of the two records swapped, the first is out of place (later than the key's next one), as in a file.
    #expect(examples(report, "audit.order_per_key").map { String($0.prefix(while: { $0 != " " })) } == ["2@\(pair.0)", "3@\(end[3] - 1)"])
    // The record held and found out of place later is named by its ID too (the later of the pair, moved first).
    #expect(examples(report, "audit.order_per_key").first?.hasPrefix("2@\(pair.0) \(run.id(2, pair.1)): ") == true,
            "\(examples(report, "audit.order_per_key"))")
    let counts = (report["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []).map { Int($0["records"]?.intValue ?? -1) }
    #expect(counts == end, "every message read once")
    #expect(checks(report, "audit.duplicate").first?["checked"]?.intValue == Int64(end.reduce(0, +) - 3),
            "every message with an ID, parsed or not, is looked at for duplicates (the tombstone, the empty value and the user event have none)")
    #expect(report["audit"]?["topics"]?[0]?["findings"]?["altered"]?.intValue == 6)

    // The same topic against the manifest as a produce run's (no records to name): counted per partition from the
    // manifest and the digests of each ID's first record, so partition 1's damage is one altered partition and the
    // altered second copy on partition 3 is seen only as a duplicate.
    let produced = run.dir.appendingPathComponent("produce-manifest.json").path
    try String(contentsOfFile: run.manifest, encoding: .utf8).replacingOccurrences(of: "\"kind\": \"stream\"", with: "\"kind\": \"produce\"")
        .write(toFile: produced, atomically: true, encoding: .utf8)
    let (digestStatus, digest, digestOutput) = try run.audit(target.bootstrap, manifest: produced)
    #expect(digestStatus == 1)
    #expect(auditViolations(digest) == ["count": 2, "missing": 2, "parse": 5, "altered": 1, "duplicate": 3, "partitioning": 1,
                                        "key_matches_payload": 2, "unexpected": 0, "order_per_key": 2], "\(digestOutput)")
    #expect(examples(digest, "audit.altered").map { String($0.prefix(while: { $0 != " " })) } == ["1@?"])
    #expect(checks(digest, "audit.unexpected").first?["status"]?.stringValue == "inconclusive")
}

/// Compressed batches (gzip, lz4, zstd, snappy), message headers and a message of 900 KB are read like any other:
/// the copy passes every audit check but for the one large record, which the run never sent, with an empty key.
@Test func auditReadsCompressedBatchesHeadersAndLargeMessages() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    let target = try BrokerProcess(brokers: 1)
    try #require(!target.bootstrap.isEmpty)
    for (partition, codec) in ["gzip", "lz4", "zstd", "snappy"].enumerated() {
        try kcatWrite(target.bootstrap, "transactions", partition: partition, run.clean(partition),
                      options: ["-z", codec, "-H", "trace=\(codec)", "-H", "origin=kcat"])
    }
    let key = run.partitions[3][0].key
    let large = "{\"transaction_id\":\"txn_999999997\",\"user_id\":\"\(key)\",\"note\":\"\(String(repeating: "x", count: 900_000))\"}"
    try kcatWrite(target.bootstrap, "transactions", partition: 3, [Message("", large)])
    let (status, report, output) = try run.audit(target.bootstrap)
    #expect(status == 1, "\(output)")
    #expect(auditViolations(report) == ["count": 1, "missing": 0, "parse": 0, "altered": 0, "duplicate": 0, "partitioning": 1,
                                        "key_matches_payload": 1, "unexpected": 1, "order_per_key": 0], "\(output)")
    let at = "3@\(run.partitions[3].count) txn_999999997: "
    #expect(examples(report, "audit.partitioning") == [at + "empty key"])
    #expect(examples(report, "audit.key_matches_payload") == [at + "message key (empty) is not the payload's user_id \(key)"])
    #expect(examples(report, "audit.unexpected") == ["3@\(run.partitions[3].count) txn_999999997: txn_999999997 is not among the records the run sent"])
    #expect(!output.contains(String(repeating: "x", count: 200)), "a large payload is not printed whole")
}

/// Damage to a topic as a whole: fewer partitions than the run wrote to (counted missing, named or by digest), more, a
/// `--from` past a partition's end (nothing read there, said so), a `--from` partition the topic does not have (a
/// usage error), and a topic left empty while the manifest says records were delivered.
@Test func auditCountsWhatATopicWithFewerPartitionsOrNoRecordsLost() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    let narrow = try BrokerProcess(brokers: 1, arguments: ["--partitions", "2"])
    try #require(!narrow.bootstrap.isEmpty)
    for partition in 0..<2 { try kcatWrite(narrow.bootstrap, "transactions", partition: partition, run.clean(partition)) }
    let lost = run.partitions[2].count + run.partitions[3].count
    let (status, named, output) = try run.audit(narrow.bootstrap)
    #expect(status == 1, "\(output)")
    #expect(auditViolations(named)["count"] == 2 && auditViolations(named)["missing"] == lost, "\(output)")
    #expect(examples(named, "audit.count").first?.contains("transactions has 2 partitions now") == true)
    #expect(examples(named, "audit.missing").first == "2@? \(run.id(2, 0)): \(run.id(2, 0)) was sent (to partition 2) and not read")

    // The same manifest as a produce run's: no records to name, counted from the manifest per partition.
    var text = try String(contentsOfFile: run.manifest, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"kind\": \"stream\"", with: "\"kind\": \"produce\"")
    let produced = run.dir.appendingPathComponent("produce-manifest.json").path
    try text.write(toFile: produced, atomically: true, encoding: .utf8)
    let (digestStatus, digest, digestOutput) = try run.audit(narrow.bootstrap, manifest: produced)
    #expect(digestStatus == 1, "\(digestOutput)")
    #expect(digest["audit"]?["records_named"]?.boolValue == false)
    #expect(auditViolations(digest)["missing"] == lost && auditViolations(digest)["count"] == 2, "\(digestOutput)")
    #expect(examples(digest, "audit.missing") == [
        "2@? -: \(run.partitions[2].count) records delivered to transactions/2 were not read: the topic has 2 partitions now",
        "3@? -: \(run.partitions[3].count) records delivered to transactions/3 were not read: the topic has 2 partitions now",
    ])

    let (pastStatus, past, pastOutput) = try run.audit(narrow.bootstrap, ["--from", "1:100000"])
    #expect(pastStatus == 1)
    #expect(auditViolations(past)["missing"] == lost + run.partitions[1].count, "\(pastOutput)")
    #expect(examples(past, "audit.count").contains { $0.hasPrefix("1@? -: no records read (from offset 100000; the partition's end offset is \(run.partitions[1].count))") },
            "\(examples(past, "audit.count"))")
    let (badStatus, _, badOutput) = try run.audit(narrow.bootstrap, ["--from", "7:0"])
    #expect(badStatus == 2 && badOutput.contains("partitions 0-1"), "\(badOutput)")
    #expect(try run.audit(narrow.bootstrap, ["--from", "elsewhere/0:5"]).status == 2, "a topic not audited")
    #expect(try run.audit(narrow.bootstrap, ["--topics", ""]).status == 2, "an empty topic name")

    // More partitions than the run wrote to (the manifest's partition_count): the added ones are count findings and
    // keys are still judged by the run's count, so the records copied where the run put them are not misplaced.
    let wide = try BrokerProcess(brokers: 1, arguments: ["--partitions", "6"])
    try #require(!wide.bootstrap.isEmpty)
    for partition in 0..<4 { try kcatWrite(wide.bootstrap, "transactions", partition: partition, run.clean(partition)) }
    let (wideStatus, wider, wideOutput) = try run.audit(wide.bootstrap)
    #expect(wideStatus == 1)
    #expect(auditViolations(wider) == ["count": 2, "missing": 0, "parse": 0, "altered": 0, "duplicate": 0, "partitioning": 0,
                                       "key_matches_payload": 0, "unexpected": 0, "order_per_key": 0], "\(wideOutput)")
    #expect(examples(wider, "audit.count").first?.hasPrefix("4@? -: partition 4 was added after the run: the manifest says transactions had 4 partitions") == true)

    let empty = try BrokerProcess(brokers: 1)
    try #require(!empty.bootstrap.isEmpty)
    let (emptyStatus, nothing, emptyOutput) = try run.audit(empty.bootstrap)
    #expect(emptyStatus == 1)
    #expect(auditViolations(nothing)["count"] == 4 && auditViolations(nothing)["missing"] == run.partitions.reduce(0) { $0 + $1.count }, "\(emptyOutput)")
    #expect(checks(nothing, "audit.count").first?["reason"]?.stringValue?.hasPrefix("topic transactions is empty from the start offsets to its end; the manifest says") == true)
}

/// Records produced to a partition before the run are not the run's: read from the manifest's first offsets they are
/// not looked at; read from the beginning they are unexpected, each at its offset.
@Test func auditSeparatesRecordsFromBeforeTheRun() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let older = try CLI.run(["generate", "--type", "transactions", "--count", "3", "--seed", "77", "--out", "-"]).text
        .split(separator: "\n").enumerated().map { index, line in
            Message("user_000001", line.replacingOccurrences(of: #""transaction_id":"txn_[0-9]*""#, with: "\"transaction_id\":\"txn_old_\(index)\"",
                                                             options: .regularExpression))
        }
    try kcatWrite(broker.bootstrap, "transactions", partition: 0, older)
    let manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "transactions", "--seed", "5",
                         "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    let first = try JSONValue.parse(String(contentsOfFile: manifest, encoding: .utf8))["topics"]?["transactions"]?["partitions"]?[0]
    #expect(first?["partition"]?.intValue == 0 && first?["first_offset"]?.intValue == 3)
    let json = dir.appendingPathComponent("r.json").path
    let fromManifest = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--json", json])
    #expect(fromManifest.status == 0, "\(fromManifest.text)")
    let clean = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(clean["audit"]?["topics"]?[0]?["partitions"]?[0]?["start_offset"]?.intValue == 3)
    let fromStart = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--from", "beginning", "--json", json])
    #expect(fromStart.status == 1)
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(auditViolations(report)["unexpected"] == 3 && auditViolations(report)["missing"] == 0 && auditViolations(report)["count"] == 1,
            "\(fromStart.text)")
    #expect(examples(report, "audit.unexpected").map { String($0.prefix(while: { $0 != " " })) } == ["0@0", "0@1", "0@2"])
    // Offsets for another partition leave partition 0 where it starts without them: at the manifest's first offset.
    let fromOffsets = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--from", "1:0", "--json", json])
    #expect(fromOffsets.status == 0, "\(fromOffsets.text)")
    let offsetsReport = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(offsetsReport["audit"]?["topics"]?[0]?["partitions"]?[0]?["start_offset"]?.intValue == 3)

    // A copy of the run's records alone (a re-created topic) has them at lower offsets than the manifest says: read
    // from the manifest's offsets the first three are missing, and the count says where they may be.
    let copy = try BrokerProcess(brokers: 1)
    try #require(!copy.bootstrap.isEmpty)
    var partitions: [Int: [Message]] = [:]
    for line in try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%p\t%k\t%s\n") {
        let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
        if !fields[2].contains("txn_old_") { partitions[Int(fields[0])!, default: []].append(Message(fields[1], fields[2])) }
    }
    for (partition, messages) in partitions { try kcatWrite(copy.bootstrap, "transactions", partition: partition, messages) }
    let shifted = try CLI.run(["audit", "--brokers", copy.bootstrap, "--manifest", manifest, "--json", json])
    #expect(shifted.status == 1)
    let shiftedReport = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(auditViolations(shiftedReport)["missing"] == 3 && auditViolations(shiftedReport)["count"] == 1, "\(shifted.text)")
    #expect(examples(shiftedReport, "audit.count").first?.contains("offsets 0-2, before where reading started, were not read") == true,
            "\(examples(shiftedReport, "audit.count"))")
    #expect(try CLI.run(["audit", "--brokers", copy.bootstrap, "--manifest", manifest, "--from", "beginning"]).status == 0)
}

/// A record whose ID and key field are written with JSON escapes (`\u005f` for `_`, as some serialisers do) is the
/// record the run sent, arrived altered: not a record missing plus one unexpected, and its key still the payload's.
@Test func anIDWrittenWithEscapesIsTheRecordAltered() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var one = run.clean(1)
    let original = run.partitions[1][2]
    let escapedID = run.id(1, 2).replacingOccurrences(of: "_", with: "\\u005f")
    one[2] = Message(original.key, original.value
        .replacingOccurrences(of: "\"transaction_id\":\"\(run.id(1, 2))\"", with: "\"transaction_id\":\"\(escapedID)\"")
        .replacingOccurrences(of: "\"user_id\":\"\(original.key)\"", with: "\"user_id\":\"\(original.key.replacingOccurrences(of: "_", with: "\\u005f"))\""))
    try #require(one[2].value != Array(original.value.utf8))
    let target = try run.copy([run.clean(0), one, run.clean(2), run.clean(3)])
    let (status, report, output) = try run.audit(target.bootstrap)
    #expect(status == 1, "\(output)")
    #expect(auditViolations(report) == ["count": 0, "missing": 0, "parse": 0, "altered": 1, "duplicate": 0, "partitioning": 0,
                                        "key_matches_payload": 0, "unexpected": 0, "order_per_key": 0], "\(output)")
    // The finding names the ID as the text it stands for, as the validator's findings do, not with its escapes.
    let altered = try #require(checks(report, "audit.altered").first?["examples"]?.arrayValue?.first)
    #expect(altered["id"]?.stringValue == run.id(1, 2), "\(altered)")
}

/// A record another writer re-serialised (spaces or tabs around a colon, a member name written with escapes) is the
/// record, altered: found by its ID and key, not missing and unexpected. A member named twice counts by its last value,
/// as the validator (and jansson) read it: a last `user_id` that is not the key is a key mismatch, a last
/// `transaction_id` another record's ID.
@Test func aRecordWrittenAnotherWayIsFoundByItsLastMembers() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var one = run.clean(1)
    func rewrite(_ index: Int, _ edits: [(String, String)]) throws {
        var value = run.partitions[1][index].value
        for (from, to) in edits {
            try #require(value.contains(from))
            value = value.replacingOccurrences(of: from, with: to)
        }
        one[index] = Message(run.partitions[1][index].key, value)
    }
    try rewrite(2, [("\"transaction_id\":", "\"transaction_id\" :"), ("\"user_id\":", "\"user_id\"\t:\t")])
    try rewrite(3, [("\"transaction_id\":", "\"transaction\\u005fid\":")])
    try rewrite(4, [("\"user_id\":", "\"user\\u005fid\" : "), ("\"timestamp\":", "\"timestamp\" : ")])
    try rewrite(5, [("\"fraud_type\":", "\"user_id\":\"user_000001\",\"fraud_type\":")])
    try rewrite(6, [("\"fraud_type\":", "\"transaction_id\":\"txn_999999999\",\"fraud_type\":")])
    let target = try run.copy([run.clean(0), one, run.clean(2), run.clean(3)])
    let (status, report, output) = try run.audit(target.bootstrap)
    #expect(status == 1, "\(output)")
    // 2-5 are the records sent, altered; 6 names another ID last: the record sent is missing, the one read unexpected.
    #expect(auditViolations(report) == ["count": 0, "missing": 1, "parse": 0, "altered": 4, "duplicate": 0, "partitioning": 0,
                                        "key_matches_payload": 1, "unexpected": 1, "order_per_key": 0], "\(output)")
    #expect(examples(report, "audit.key_matches_payload").first?.hasPrefix("1@5 ") == true, "\(examples(report, "audit.key_matches_payload"))")
    #expect(examples(report, "audit.unexpected").first?.hasPrefix("1@6 txn_999999999") == true, "\(examples(report, "audit.unexpected"))")
    #expect(examples(report, "audit.missing").first?.contains(run.id(1, 6)) == true, "\(examples(report, "audit.missing"))")
}

/// An at-least-once pipeline's redeliveries are duplicates, each once: not also a count off the manifest. So the gates
/// the README shows for such a pipeline (duplicate IDs allowed, by the audit and by the validator) pass its topic.
@Test func redeliveriesAreDuplicatesOnlyAndAnAtLeastOnceGatePassesThem() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    let copy = try BrokerProcess(brokers: 1)
    try #require(!copy.bootstrap.isEmpty)
    let redelivered = run.clean(0)[7]
    for partition in 0..<4 {
        try kcatWrite(copy.bootstrap, "transactions", partition: partition, run.clean(partition) + (partition == 0 ? [redelivered, redelivered, redelivered] : []))
    }
    let (status, report, output) = try run.audit(copy.bootstrap, ["--seed", "5"])
    #expect(status == 1, "\(output)")
    #expect(auditViolations(report) == ["count": 0, "missing": 0, "parse": 0, "altered": 0, "duplicate": 3, "partitioning": 0,
                                        "key_matches_payload": 0, "unexpected": 0, "order_per_key": 0], "\(output)")
    let failing = (report["checks"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "fail" }.compactMap { $0["id"]?.stringValue }
    #expect(Set(failing) == ["audit.duplicate", "referential.unique_id"], "\(failing)")
    let gates = run.dir.appendingPathComponent("at-least-once.yaml")
    try "audit.duplicate: {max_violations: 100}\nreferential.unique_id: {max_violations: 100}\n".write(to: gates, atomically: true, encoding: .utf8)
    let (gatedStatus, gated, gatedOutput) = try run.audit(copy.bootstrap, ["--seed", "5", "--gates", gates.path])
    #expect(gatedStatus == 0 && gated["verdict"]?.stringValue == "pass", "\(gatedOutput)")
    #expect(auditViolations(gated)["duplicate"] == 3)
}

/// A key's latest record moved before the key's first on its partition is one `audit.order_per_key` finding, at its
/// new offset: not one at each record of the key it now seems to overtake.
@Test func aRecordMovedAheadOfItsKeyIsOneOrderFinding() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var zero = run.clean(0)
    let byKey = Dictionary(grouping: zero.indices, by: { zero[$0].key ?? "" })
    let indexes = try #require(byKey.values.filter { $0.count >= 3 }.min { $0[0] < $1[0] })
    let moved = zero.remove(at: indexes.last!)
    zero.insert(moved, at: indexes[0])
    let copy = try BrokerProcess(brokers: 1)
    try #require(!copy.bootstrap.isEmpty)
    for partition in 0..<4 { try kcatWrite(copy.bootstrap, "transactions", partition: partition, partition == 0 ? zero : run.clean(partition)) }
    let (status, report, output) = try run.audit(copy.bootstrap)
    #expect(status == 1, "\(output)")
    #expect(auditViolations(report)["order_per_key"] == 1, "\(output)")
    let finding = try #require(examples(report, "audit.order_per_key").first)
    #expect(finding.hasPrefix("0@\(indexes[0]) "), "\(finding)")
    #expect(finding.contains("is later than the key's next record's"), "\(finding)")
}

/// A topic the manifest names that is not on the cluster lost every record delivered to it: the table, the topic's
/// findings and the check all count them, each partition named with what it held.
@Test func aTopicThatIsGoneCountsEveryRecordDeliveredAsMissing() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "300", "--seed", "5", "--out", file]).status == 0)
    let source = try BrokerProcess(brokers: 1)
    try #require(!source.bootstrap.isEmpty)
    let produced = try CLI.run(["produce", file, "--topic", "mytopic", "--key-field", "user_id", "--brokers", source.bootstrap, "--manifest", manifest])
    #expect(produced.status == 0, "\(produced.stderr)")
    let other = try BrokerProcess(brokers: 1)
    try #require(!other.bootstrap.isEmpty)
    let json = dir.appendingPathComponent("r.json").path
    let audit = try CLI.run(["audit", "--brokers", other.bootstrap, "--manifest", manifest, "--json", json])
    #expect(audit.status == 1, "\(audit.text)\(audit.stderr)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(try schemaProblems(json).isEmpty)
    let topic = try #require(report["audit"]?["topics"]?[0])
    #expect(topic["exists"]?.boolValue == false && topic["findings"]?["missing"]?.intValue == 300, "\(topic.encoded())")
    #expect(checks(report, "audit.missing").first?["violations"]?.intValue == 300)
    let named = (checks(report, "audit.missing").first?["examples"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
    #expect(!named.isEmpty && named.allSatisfy { $0.hasSuffix("were not read: the topic does not exist") }, "\(named)")
    // The count names each partition the run wrote to, as it does for a topic that is there.
    let count = try #require(checks(report, "audit.count").first)
    let partitions = (count["examples"]?.arrayValue ?? []).compactMap { $0["location"]?["partition"]?.intValue }
    #expect(partitions.count == named.count && count["violations"]?.intValue == Int64(named.count), "\(count.encoded())")
    #expect((count["examples"]?.arrayValue ?? []).allSatisfy { $0["message"]?.stringValue?.hasSuffix("topic mytopic does not exist on \(other.bootstrap)") == true })
    let row = try #require(audit.text.split(separator: "\n").first { $0.hasPrefix("mytopic") })
    #expect(row.split(separator: " ").prefix(4).map(String.init) == ["mytopic", "absent", "300", "300"], "\(row)")
}

/// A manifest that does not name a topic audited (another run's, or a misspelt topic) is a usage error: the topic would
/// be read with nothing to compare it with, and pass.
@Test func auditingATopicTheManifestDoesNotNameIsAUsageError() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("e.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "user_events", "--count", "50", "--seed", "5", "--out", file]).status == 0)
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    #expect(try CLI.run(["produce", file, "--topic", "user-events", "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    let other = try CLI.run(["audit", "--topics", "transactions", "--brokers", broker.bootstrap, "--manifest", manifest])
    #expect(other.status == 2 && other.stderr.contains("names the topics user-events, not transactions"), "\(other.text)\(other.stderr)")
    #expect(try CLI.run(["audit", "--topics", "user-events", "--brokers", broker.bootstrap, "--manifest", manifest]).status != 2)
}

/// Against a manifest of digests, a partition holding other records than those delivered (here one more ID) cannot show
/// an altered payload by its digest: `audit.altered` says so, inconclusive, rather than passing it.
@Test func aPartitionOfOtherRecordsLeavesTheDigestCheckInconclusive() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "200", "--seed", "5", "--out", file]).status == 0)
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    #expect(try CLI.run(["produce", file, "--topic", "transactions", "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    let first = try #require(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first.map(String.init))
    let user = try #require(JSONValue.parse(first)["user_id"]?.stringValue)
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: nil,
                    lines: ["\(user)\t" + first.replacingOccurrences(of: "\"txn_000000001\"", with: "\"txn_000999999\"")])
    let json = dir.appendingPathComponent("r.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--json", json])
    #expect(audit.status == 1, "\(audit.text)\(audit.stderr)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    let altered = try #require(checks(report, "audit.altered").first)
    #expect(altered["status"]?.stringValue == "inconclusive" && altered["reason"]?.stringValue?.contains("1 of 4 partitions hold other records") == true,
            "\(altered.encoded())")
    #expect(checks(report, "audit.count").first?["status"]?.stringValue == "fail")
}

/// `produce` keys a record by its key field as its readers see it: a value written with escapes by the text it stands
/// for, a field named twice by its last member (as the validator and jansson read it). The audit then finds each on its
/// key's partition under its key, and the manifest's digests of the IDs as the audit hashes them.
@Test func produceKeysARecordByTheKeyItsReadersSee() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "200", "--seed", "5", "--out", file]).status == 0)
    var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
    let users = lines.compactMap { (try? JSONValue.parse($0))?["user_id"]?.stringValue }
    // A producer keying by the first member, or by the bytes as written, sends a key that is not the payload's.
    let other = try #require(users.first { $0 != users[3] })
    lines[2] = lines[2].replacingOccurrences(of: "\"user_id\":\"user_", with: "\"user_id\":\"user\\u005f")
    lines[3] = lines[3].replacingOccurrences(of: "\"user_id\":\"\(users[3])\"", with: "\"user_id\":\"\(other)\"").dropLast() + ",\"user_id\":\"\(users[3])\"}"
    lines[4] = lines[4].replacingOccurrences(of: "\"transaction_id\":\"txn_", with: "\"transaction_id\":\"txn\\u005f")
    try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let produced = try CLI.run(["produce", file, "--topic", "transactions", "--brokers", broker.bootstrap, "--manifest", manifest])
    #expect(produced.status == 0, "\(produced.stderr)")
    let json = dir.appendingPathComponent("r.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--json", json])
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(auditViolations(report) == ["count": 0, "missing": 0, "parse": 0, "altered": 0, "duplicate": 0, "partitioning": 0,
                                        "key_matches_payload": 0, "unexpected": 0, "order_per_key": 0], "\(audit.text)\(audit.stderr)")
    // The record naming user_id twice is the validator's finding, and only that.
    #expect(checks(report, "schema.duplicate_fields").first?["violations"]?.intValue == 1)
}

/// Against a manifest of counts and digests, a record moved to another partition is that partition's
/// `audit.partitioning` finding and counted on its key's partition, as a seeded stream's manifest names it: not also
/// one missing there (nor an ID or payload digest off). Its records read still differ on both (`audit.count`). Where
/// the producer sent a record is its payload key's partition (it keys by the payload's user_id): a record moved
/// without its message key is counted there too, and one left where it was with another message key (of another
/// partition) is misplaced by its key, not missing. The same from a partial merged: the member's first copies carry
/// where their producers sent them.
@Test func aMovedRecordAgainstCountsIsOnItsKeysPartition() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var zero = run.clean(0)
    zero[4].key = run.partitions[1][0].key
    var one = run.clean(1), two = run.clean(2)
    two.append(one.remove(at: 5))
    var three = run.clean(3)
    let keyless = three.remove(at: 2)
    two.append(Message(nil, keyless.value.map { String(decoding: $0, as: UTF8.self) }))
    // Without a key either way (no message key, its user_id renamed): no partition is its own, and its own is short.
    let lost = one.remove(at: 7)
    two.append(Message(nil, lost.value.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\"user_id\":", with: "\"uid\":") }))
    let copy = try run.copy([zero, one, two, three])
    let produced = run.dir.appendingPathComponent("produce-manifest.json").path
    try String(contentsOfFile: run.manifest, encoding: .utf8).replacingOccurrences(of: "\"kind\": \"stream\"", with: "\"kind\": \"produce\"")
        .write(toFile: produced, atomically: true, encoding: .utf8)
    let (status, report, output) = try run.audit(copy.bootstrap, manifest: produced)
    #expect(status == 1)
    #expect(auditViolations(report) == ["count": 3, "missing": 1, "parse": 0, "altered": 0, "duplicate": 0, "partitioning": 4,
                                        "key_matches_payload": 3, "unexpected": 0, "order_per_key": 0], "\(output)")
    let digests = (report["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []).map {
        [$0["id_digest_matches"]?.boolValue, $0["payload_digest_matches"]?.boolValue]
    }
    #expect(digests[0] == [true, true] && digests[3] == [true, true], "\(digests)")
    let missing = try #require(examples(report, "audit.missing").first)
    #expect(missing.hasPrefix("1@? -: 1 of the \(run.partitions[1].count) records delivered to transactions/1 were not read there; 1 record read without a key (audit.partitioning) may be among them"), "\(missing)")
    #expect(examples(report, "audit.partitioning").map { String($0.prefix(while: { $0 != " " })) } == ["0@4", "2@\(two.count - 3)", "2@\(two.count - 2)", "2@\(two.count - 1)"])

    let partial = run.dir.appendingPathComponent("moved.part").path
    let member = try CLI.run(["audit", "--brokers", copy.bootstrap, "--manifest", produced, "--partial", partial])
    #expect(member.status == 0, "\(member.text)\(member.stderr)")
    let merged = run.dir.appendingPathComponent("merged.json").path
    let merge = try CLI.run(["merge", partial, "--json", merged])
    #expect(merge.status == 1, "\(merge.text)\(merge.stderr)")
    let mergedReport = try JSONValue.parse(String(contentsOfFile: merged, encoding: .utf8))
    #expect(auditViolations(mergedReport) == auditViolations(report))
    #expect(examples(mergedReport, "audit.missing") == examples(report, "audit.missing"))
}

/// A copy of a record sent with another key than its payload's (another user's key, which puts it on a partition
/// numbered below the record's own) is the duplicate, at the copy's offset: the record on its own partition stays the
/// record, so no count is off (a duplicate is not counted) and nothing is missing, whichever manifest the run wrote.
@Test func aCopyWithAnotherKeyIsTheDuplicateNotTheRecord() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var zero = run.clean(0)
    let original = run.partitions[3][0]
    try #require(original.key != run.partitions[0][0].key)
    zero.append(Message(run.partitions[0][0].key, original.value))
    let copy = try run.copy([zero, run.clean(1), run.clean(2), run.clean(3)])
    let produced = run.dir.appendingPathComponent("produce-manifest.json").path
    try String(contentsOfFile: run.manifest, encoding: .utf8).replacingOccurrences(of: "\"kind\": \"stream\"", with: "\"kind\": \"produce\"")
        .write(toFile: produced, atomically: true, encoding: .utf8)
    for manifest in [run.manifest, produced] {
        let (status, report, output) = try run.audit(copy.bootstrap, manifest: manifest)
        #expect(status == 1)
        #expect(auditViolations(report) == ["count": 0, "missing": 0, "parse": 0, "altered": 0, "duplicate": 1, "partitioning": 0,
                                            "key_matches_payload": 1, "unexpected": 0, "order_per_key": 0], "\(output)")
        let place = "0@\(zero.count - 1) \(run.id(3, 0))"
        #expect(examples(report, "audit.duplicate").map { String($0.prefix(place.count)) } == [place], "\(examples(report, "audit.duplicate"))")
        #expect(examples(report, "audit.key_matches_payload").map { String($0.prefix(place.count)) } == [place])
    }
}

/// A record of another type that carries the topic's ID field (an alert naming its transaction) is not that
/// transaction: put in the place of a lost one, the transaction is missing and the alert unexpected, not the
/// transaction arrived altered; beside it, the alert is no duplicate of the transaction.
@Test func anotherTypesRecordWithTheTopicsIDIsNotTheRecord() throws {
    let run = try StreamedRun()
    defer { try? FileManager.default.removeItem(at: run.dir) }
    var one = run.clean(1), two = run.clean(2)
    let lost = run.id(1, 3), kept = run.id(2, 5)
    func alert(for id: String, at index: Int, of partition: Int) -> String {
        #"{"alert_id":"alert_00000000\#(index)","transaction_id":"\#(id)","user_id":"\#(run.partitions[partition][index].key)","alert_type":"velocity","risk_level":"high","timestamp":"2024-09-02T12:00:00.000Z"}"#
    }
    one.remove(at: 3)
    one.append(Message(run.partitions[1][3].key, alert(for: lost, at: 3, of: 1)))
    two.append(Message(run.partitions[2][5].key, alert(for: kept, at: 5, of: 2)))
    let copy = try run.copy([run.clean(0), one, two, run.clean(3)])
    let (status, report, output) = try run.audit(copy.bootstrap)
    #expect(status == 1)
    let violations = auditViolations(report)
    #expect(violations["missing"] == 1 && violations["unexpected"] == 2 && violations["altered"] == 0 && violations["duplicate"] == 0, "\(output)")
    #expect(examples(report, "audit.missing") == ["1@? \(lost): \(lost) was sent (to partition 1) and not read"])
    #expect(examples(report, "audit.unexpected").map { String($0.prefix(while: { $0 != " " })) } == ["1@\(one.count - 1)", "2@\(two.count - 1)"])
    #expect(examples(report, "audit.unexpected").allSatisfy { $0.contains("a record of another type (see schema.record_type)") })
}

/// A session's event on another partition than its key's is a partitioning finding; it has no place in the order of
/// the partition it is on, so it is no session-order finding, whatever the partitions' numbers.
@Test func aSessionEventOnAnotherPartitionIsNoOrderFinding() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "user-events", "--seed", "5",
                         "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    var events: [(partition: Int, key: String, value: String)] = []
    for line in try kcatLines(brokers: broker.bootstrap, topic: "user-events", format: "%p\t%k\t%s\n") {
        let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
        events.append((Int(fields[0])!, fields[1], fields[2]))
    }
    let bySession = Dictionary(grouping: events, by: \.key)
    let session = try #require(bySession.values.filter { $0.count >= 3 }.min { $0[0].key < $1[0].key })
    func stamp(_ value: String) throws -> String { try #require(JSONValue.parse(value)["timestamp"]?.stringValue) }
    let middle = session[1]
    let event = middle.value.replacingOccurrences(of: #""event_id":"evt_[0-9a-f]*""#, with: #""event_id":"evt_088888888""#, options: .regularExpression)
    #expect(try stamp(event) >= stamp(session[0].value))
    for offset in [1, 3] {
        try kcatWrite(broker.bootstrap, "user-events", partition: (middle.partition + offset) % 4, [Message(middle.key, event)])
    }
    let json = dir.appendingPathComponent("r.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--json", json])
    #expect(audit.status == 1)
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(auditViolations(report)["partitioning"] == 2, "\(audit.text)")
    #expect(checks(report, "temporal.session_order").first?["violations"]?.intValue == 0, "\(audit.text)")
}
