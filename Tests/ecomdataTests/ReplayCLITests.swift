import EcomJSON
import Foundation
import Testing

/// Milliseconds since the epoch of a `YYYY-MM-DDTHH:MM:SS.mmmZ` timestamp (parsed here with Foundation, not
/// with the product's parser).
private func epochMilliseconds(_ text: String?) throws -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let date = try #require(formatter.date(from: text ?? ""), "not a timestamp: \(text ?? "nil")")
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

/// The records of a topic as kcat reads them: message timestamp (CreateTime, ms), key, and the record.
private func kcatRecords(_ broker: BrokerProcess, _ topic: String) throws -> [(sent: Int64, key: String, record: JSONValue, text: String)] {
    try kcatLines(brokers: broker.bootstrap, topic: topic, format: "%T\t%k\t%s\n").map { line in
        let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        return (Int64(fields[0]) ?? -1, fields[1], try JSONValue.parse(fields[2]), fields[2])
    }
}

private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

private func manifest(_ path: String) throws -> JSONValue {
    try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
}

/// Forty transactions over 30 s of record time replayed at speed 10 take about 3 s, and each leaves (its
/// message timestamp, as kcat reads it) at its record time / 10 after the first, in record order.
@Test func replayIsPacedByTheRecordsOwnTimestamps() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifestPath = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "40", "--seed", "3", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T10:00:30Z", "--out", file]).status == 0)
    let started = Date()
    let run = try CLI.run(["replay", file, "--topic", "transactions", "--speed", "10", "--brokers", broker.bootstrap, "--manifest", manifestPath])
    let wall = Date().timeIntervalSince(started)
    #expect(run.status == 0, "\(run.stderr)")
    let written = try lines(file)
    let times = try written.map { try epochMilliseconds(JSONValue.parse($0)["timestamp"]?.stringValue) }
    let span = Double(times.last! - times.first!) / 10 / 1000
    #expect(span > 2, "the generated records span too little time to judge pacing")
    // Generous: a loaded machine may start slowly, but the replay cannot be faster than its schedule.
    #expect(wall >= span && wall < span + 10, "replay took \(wall) s for a \(span) s schedule")

    let entry = try #require(manifest(manifestPath)["topics"]?["transactions"])
    let read = try expectTopicMatchesManifest(entry, topic: "transactions", brokers: broker.bootstrap, sent: 40)
    #expect(read.sorted() == written.sorted(), "records altered or lost")
    let sent = try Dictionary(uniqueKeysWithValues: kcatRecords(broker, "transactions").map { ($0.text, $0.sent) })
    let firstSent = try #require(sent[written[0]])
    var previous = firstSent
    for (line, time) in zip(written, times) {
        let sentAt = try #require(sent[line])
        #expect(sentAt >= previous, "records left out of order")
        previous = sentAt
        let due = Double(time - times[0]) / 10
        #expect(abs(Double(sentAt - firstSent) - due) < 300, "sent \(sentAt - firstSent) ms after the first, due at \(due) ms")
    }
}

/// A record stamped earlier than the one before it is sent in file order, right after that one: it is counted as out
/// of time order, not as late, and the schedule spans to the latest record, not the last one.
@Test func aRecordOutOfTimeOrderIsNotLate() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "30", "--seed", "3", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T10:10:00Z", "--out", file]).status == 0)
    let records = try lines(file)
    let times = try records.map { try epochMilliseconds(JSONValue.parse($0)["timestamp"]?.stringValue) }
    // The third record again, under another ID, after the last: due long before it.
    let early = records[2].replacingOccurrences(of: #""transaction_id":"txn_"#, with: #""transaction_id":"txn_f"#)
    let reordered = dir.appendingPathComponent("reordered.ndjson").path
    try ((records + [early]).joined(separator: "\n") + "\n").write(toFile: reordered, atomically: true, encoding: .utf8)
    let manifestPath = dir.appendingPathComponent("m.json").path
    let run = try CLI.run(["replay", reordered, "--topic", "transactions", "--speed", "300", "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(run.status == 0 && run.text.contains("1 record(s) stamped earlier than a record before them"), "\(run.text)\(run.stderr)")
    let entry = try #require(manifest(manifestPath)["topics"]?["transactions"])
    #expect(entry["out_of_time_order"]?.intValue == 1)
    #expect((entry["max_lateness_seconds"]?.doubleValue ?? 9) < 0.5, "\(entry)")
    let span = Double(times.max()! - times[0]) / 300_000
    #expect(span > 1 && abs((entry["scheduled_seconds"]?.doubleValue ?? 0) - span) < 0.01, "\(span): \(entry)")
}

/// --rebase moves every timestamp field of a type by one amount, the rest of each record unchanged; `now`
/// puts the first record at the send time.
@Test func rebaseMovesEveryTimestampFieldTogether() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases: [(type: String, topic: String, fields: [String])] = [
        ("fraud_alerts", "fraud-alerts", ["timestamp", "transaction_timestamp"]),
        ("analytics_results", "analytics-results", ["timestamp", "window_start", "window_end"]),
    ]
    for (type, topic, fields) in cases {
        let file = dir.appendingPathComponent("\(type).ndjson").path
        #expect(try CLI.run(["generate", "--type", type, "--count", "30", "--seed", "4", "--set", "fraud_rate=0.05",
                             "--start", "2024-09-02", "--end", "2024-09-03", "--out", file]).status == 0)
        let run = try CLI.run(["replay", file, "--topic", topic, "--max", "--rebase", "2030-01-01T00:00:00.000Z",
                               "--brokers", broker.bootstrap, "--manifest", dir.appendingPathComponent("\(type).json").path])
        #expect(run.status == 0, "\(run.stderr)")
        let originals = try lines(file).map { try JSONValue.parse($0) }
        let shift = try epochMilliseconds("2030-01-01T00:00:00.000Z") - epochMilliseconds(originals[0]["timestamp"]?.stringValue)
        let replayed = try kcatRecords(broker, topic)
        #expect(replayed.count == originals.count)
        let idField = type == "fraud_alerts" ? "alert_id" : "result_id"
        let byID = Dictionary(uniqueKeysWithValues: replayed.map { ($0.record[idField]?.stringValue ?? "", $0.record) })
        for original in originals {
            let id = original[idField]?.stringValue ?? ""
            let moved = try #require(byID[id], "\(type) \(id) not replayed")
            for field in fields {
                #expect(try epochMilliseconds(moved[field]?.stringValue) - epochMilliseconds(original[field]?.stringValue) == shift,
                        "\(type) \(id): \(field) not moved by the rebase")
            }
            var unchanged = original.objectValue ?? [], rewritten = moved.objectValue ?? []
            unchanged.removeAll { fields.contains($0.0) }
            rewritten.removeAll { fields.contains($0.0) }
            #expect(JSONValue.object(unchanged) == JSONValue.object(rewritten), "\(type) \(id): other fields changed")
        }
    }

    let file = dir.appendingPathComponent("now.ndjson").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "5", "--seed", "4", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T10:00:01Z", "--out", file]).status == 0)
    let run = try CLI.run(["replay", file, "--topic", "transactions", "--rebase", "now", "--brokers", broker.bootstrap,
                           "--manifest", dir.appendingPathComponent("now.json").path])
    #expect(run.status == 0, "\(run.stderr)")
    for replayed in try kcatRecords(broker, "transactions") {
        let stamped = try epochMilliseconds(replayed.record["timestamp"]?.stringValue)
        #expect(abs(stamped - replayed.sent) < 500, "rebased to now at speed 1: record time \(stamped) and send time \(replayed.sent) differ")
    }
}

/// Rebased to now and paced 600 times faster than its records' 10 minutes, a replay stamps them up to 10 minutes ahead
/// of the clock: its audit judges them inside the moved window, not in the future (the README's example passes).
@Test func aFastRebasedReplayIsNotInTheFuture() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "100", "--seed", "7", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T10:10:00Z", "--out", file]).status == 0)
    let run = try CLI.run(["replay", file, "--topic", "transactions", "--speed", "600", "--rebase", "now", "--brokers", broker.bootstrap,
                           "--manifest", manifest])
    try #require(run.status == 0, "\(run.stderr)")
    let latest = try kcatRecords(broker, "transactions").map { try epochMilliseconds($0.record["timestamp"]?.stringValue) }.max() ?? 0
    #expect(latest > Int64(Date().timeIntervalSince1970 * 1000) + 60_000, "the last record is stamped minutes ahead")
    let json = dir.appendingPathComponent("a.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--seed", "7", "--json", json])
    #expect(audit.status == 0, "\(audit.text)\(audit.stderr)")
    let future = try #require(checks(try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8)), "temporal.future").first)
    #expect(future["status"]?.stringValue == "pass" && (future["checked"]?.intValue ?? 0) == 100, "\(future)")
}

/// --since/--until keep the records stamped inside the window; --loop 3 sends them three times, each pass
/// later in record time when rebased; keys are the topic's key field.
@Test func sinceUntilFilterAndLoopRepeats() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path, manifestPath = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "user_events", "--count", "300", "--seed", "6", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T11:00:00Z", "--out", file]).status == 0)
    let all = try lines(file)
    let since = try epochMilliseconds("2024-09-02T10:15:00.000Z"), until = try epochMilliseconds("2024-09-02T10:45:00.000Z")
    let inside = try all.filter { let t = try epochMilliseconds(JSONValue.parse($0)["timestamp"]?.stringValue); return t >= since && t < until }
    #expect(inside.count > 50 && inside.count < all.count - 50)
    let run = try CLI.run(["replay", file, "--topic", "user-events", "--max", "--loop", "3", "--rebase", "2030-01-01",
                           "--since", "2024-09-02T10:15:00Z", "--until", "2024-09-02T10:45:00Z",
                           "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(run.status == 0, "\(run.stderr)")
    let document = try manifest(manifestPath)
    #expect(document["kind"]?.stringValue == "replay")
    #expect(document["outside_window"]?.intValue == Int64(all.count - inside.count))
    #expect(document["records_per_loop"]?.intValue == Int64(inside.count))
    let period = try #require(document["loop_period_ms"]?.intValue)
    let entry = try #require(document["topics"]?["user-events"])
    #expect(entry["sent"]?.intValue == Int64(3 * inside.count))
    let replayed = try kcatRecords(broker, "user-events")
    #expect(replayed.count == 3 * inside.count)
    for record in replayed { #expect(record.key == record.record["session_id"]?.stringValue, "not keyed by session_id") }
    // Each event three times, 0, 1 and 2 periods after the first pass; passes 1 and 2 as new events (their event
    // and session IDs end in 0001 and 0002), so no ID repeats.
    let originals = Dictionary(uniqueKeysWithValues: try inside.map { line in
        let record = try JSONValue.parse(line)
        return (record["event_id"]?.stringValue ?? "", record["session_id"]?.stringValue ?? "")
    })
    var times: [String: [Int64]] = [:]
    for record in replayed {
        let id = try #require(record.record["event_id"]?.stringValue), session = try #require(record.record["session_id"]?.stringValue)
        let time = try epochMilliseconds(record.record["timestamp"]?.stringValue)
        let original = originals[id] != nil ? id : String(id.dropLast(4))
        let pass = originals[id] != nil ? "" : String(id.suffix(4))
        #expect(["", "0001", "0002"].contains(pass) && session == (originals[original] ?? "?") + pass, "\(id) in session \(session)")
        times[original, default: []].append(time)
    }
    #expect(Set(replayed.compactMap { $0.record["event_id"]?.stringValue }).count == 3 * inside.count, "an event ID repeats")
    #expect(times.count == inside.count)
    for (event, stamps) in times {
        let sorted = stamps.sorted()
        #expect(sorted.count == 3 && sorted[1] - sorted[0] == period && sorted[2] - sorted[1] == period, "event \(event): \(sorted)")
    }
    #expect(times.values.map { $0.min()! }.min() == (try epochMilliseconds("2030-01-01T00:00:00.000Z")), "first record not at the rebase instant")
}

/// A looped replay is audited as the stream it is: three passes of 300 transactions, not rebased, are 900 records
/// read with no ID twice and none missing, in order per key (each pass a period later), the manifest's count and
/// digests matched.
@Test func aLoopedReplayAuditsWithoutDuplicatesOrMissingRecords() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 300, seed: 5)
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifestPath = dir.appendingPathComponent("m.json").path
    let run = try CLI.run(["replay", file, "--topic", "transactions", "--max", "--loop", "3", "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(run.status == 0, "\(run.stderr)")
    let report = dir.appendingPathComponent("audit.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifestPath, "--seed", "5", "--json", report])
    let document = try JSONValue.parse(String(contentsOfFile: report, encoding: .utf8))
    #expect(document["summary"]?["records"]?.intValue == 900, "\(audit.text)")
    for id in ["audit.count", "audit.missing", "audit.duplicate", "audit.altered", "audit.order_per_key", "audit.partitioning",
               "audit.key_matches_payload", "referential.unique_id", "referential.user_id"] {
        for check in checks(document, id) {
            #expect(check["status"]?.stringValue == "pass" && check["violations"]?.intValue == 0, "\(id): \(check.encoded())")
        }
    }
    #expect(!checks(document, "audit.duplicate").isEmpty && !checks(document, "referential.unique_id").isEmpty)
    // Each pass is moved on in time by the period: the records' local hours are not those they were made at, so the
    // time profiles are not judged and a time fraud's hour is not held against it. Clean data passes.
    #expect(audit.status == 0 && document["verdict"]?.stringValue == "pass", "\(audit.text)")
    // The regional split expected over the span follows its hours too (a rebase to midnight UTC made clean data fail it).
    for id in ["distribution.local_hours", "distribution.weekend_ratio", "distribution.seasonal_uplift", "distribution.regions"] {
        let check = checks(document, id).first
        #expect(check?["status"]?.stringValue == "inconclusive", "\(id)")
        #expect(check?["reason"]?.stringValue?.contains("the replay looped 3 times") == true, "\(id): \(check?.encoded() ?? "")")
    }
}

/// --rate sends at a flat rate whatever the timestamps: 40 records at 20/s leave over about 2 s, evenly.
@Test func rateIgnoresTimestampsAndSpacesRecordsEvenly() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("p.ndjson").path
    // Product updates over a whole day: at speed 1 this would take hours.
    #expect(try CLI.run(["generate", "--type", "product_updates", "--count", "40", "--seed", "2", "--start", "2024-09-02",
                         "--end", "2024-09-03", "--out", file]).status == 0)
    let run = try CLI.run(["replay", file, "--topic", "product-updates", "--rate", "20", "--brokers", broker.bootstrap,
                           "--manifest", dir.appendingPathComponent("m.json").path])
    #expect(run.status == 0, "\(run.stderr)")
    let sent = try kcatRecords(broker, "product-updates").map(\.sent).sorted()
    #expect(sent.count == 40)
    let span = Double(sent.last! - sent.first!)
    #expect(abs(span - 1950) < 400, "40 records at 20/s spread over \(span) ms, 1950 due")
    for record in try kcatRecords(broker, "product-updates") { #expect(record.key == record.record["product_id"]?.stringValue) }
}

/// An embedded broker and `count` generated transactions of `seed` in `t.ndjson` of a new temporary directory
/// (the caller removes it).
private func transactionsToReplay(count: Int, seed: Int, brokers: Int = 1) throws -> (broker: BrokerProcess, dir: URL, file: String) {
    let broker = try BrokerProcess(brokers: brokers)
    let dir = try CLI.temporaryDirectory()
    let file = dir.appendingPathComponent("t.ndjson").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "\(count)", "--seed", "\(seed)", "--out", file]).status == 0)
    return (broker, dir, file)
}

/// --from-topic reads a topic to its end and replays it into another, keyed the same; the manifest matches
/// what kcat reads.
@Test func replayFromATopicIntoAnother() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 500, seed: 8, brokers: 3)
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(try CLI.run(["produce", file, "--topic", "transactions", "--brokers", broker.bootstrap,
                         "--manifest", dir.appendingPathComponent("p.json").path]).status == 0)
    let manifestPath = dir.appendingPathComponent("m.json").path
    let run = try CLI.run(["replay", "--from-topic", "transactions", "--topic", "transactions-replayed", "--max",
                           "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(run.status == 0, "\(run.stderr)")
    let document = try manifest(manifestPath)
    #expect(document["from_topic"]?.stringValue == "transactions")
    let entry = try #require(document["topics"]?["transactions-replayed"])
    #expect(entry["key_field"]?.stringValue == "user_id")
    let read = try expectTopicMatchesManifest(entry, topic: "transactions-replayed", brokers: broker.bootstrap, sent: 500)
    #expect(read.sorted() == (try lines(file)).sorted())
    for record in try kcatRecords(broker, "transactions-replayed") { #expect(record.key == record.record["user_id"]?.stringValue) }

    // A tombstone (a key with an empty value) on the source topic is named as one, not as broken JSON.
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 0, lines: ["user_000001\t"])
    let tombstone = try CLI.run(["replay", "--from-topic", "transactions", "--topic", "transactions-again", "--max",
                                 "--brokers", broker.bootstrap, "--manifest", dir.appendingPathComponent("t.json").path])
    #expect(tombstone.status == 3 && tombstone.stderr.contains("a tombstone"), "\(tombstone.stderr)")

    let missing = try CLI.run(["replay", "--from-topic", "no-such-topic", "--topic", "transactions", "--max",
                               "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(missing.status == 3)
    #expect(missing.stderr.contains("no-such-topic"), "\(missing.stderr)")
}

/// A line that is not JSON, or a record without its timestamp, stops the replay before anything is sent,
/// naming file and line; --skip-invalid counts and lists them and sends the rest.
@Test func badLinesAreNamedNeverDropped() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("bad.ndjson").path
    let good = { (n: Int) in "{\"transaction_id\":\"txn_\(n)\",\"user_id\":\"user_\(n)\",\"timestamp\":\"2024-09-02T10:00:0\(n).000Z\"}" }
    try [good(1), "{\"transaction_id\":\"txn_2\",\"user_id\":", good(3), "{\"transaction_id\":\"txn_4\",\"user_id\":\"user_4\"}", good(5), ""]
        .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let manifestPath = dir.appendingPathComponent("m.json").path

    let stopped = try CLI.run(["replay", file, "--topic", "transactions", "--speed", "100", "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(stopped.status == 3)
    #expect(stopped.stderr.contains("\(file):2: not valid JSON"), "\(stopped.stderr)")
    #expect(try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%o\n").isEmpty, "records sent before the bad line was found")

    let skipped = try CLI.run(["replay", file, "--topic", "transactions", "--speed", "100", "--skip-invalid",
                               "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(skipped.status == 0, "\(skipped.stderr)")
    #expect(skipped.stderr.contains("2 invalid line(s)"), "\(skipped.stderr)")
    #expect(skipped.stderr.contains("\(file):2:") && skipped.stderr.contains("\(file):4: no string field \"timestamp\""), "\(skipped.stderr)")
    let document = try manifest(manifestPath)
    #expect(document["skipped_invalid"]?.intValue == 2)
    #expect(document["skipped_examples"]?[1]?["location"]?.stringValue == "\(file):4")
    #expect(try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%s\n").sorted() == [good(1), good(3), good(5)])

    // Without pacing by time a record needs no timestamp, but still its key.
    let flat = try CLI.run(["replay", file, "--topic", "transactions", "--max", "--skip-invalid", "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(flat.status == 0)
    #expect(try manifest(manifestPath)["topics"]?["transactions"]?["sent"]?.intValue == 4)
}

@Test(arguments: [
    ["replay", "--topic", "transactions"],
    ["replay", "f.ndjson", "--topic", "transactions", "--speed", "2", "--max"],
    ["replay", "f.ndjson", "--topic", "transactions", "--speed", "0"],
    ["replay", "f.ndjson", "--topic", "transactions", "--rebase", "yesterday"],
    ["replay", "f.ndjson", "--topic", "transactions", "--loop", "0"],
    ["replay", "f.ndjson", "--topic", "my-topic"],
])
func replayUsageErrorsExitTwo(arguments: [String]) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 2, "\(arguments): \(result.stderr)")
}

/// A negative speed or rate is said to be one (it read as a missing value followed by a flag).
@Test(arguments: ["--speed", "--rate"])
func aNegativePaceIsSaidToBeOne(option: String) throws {
    let result = try CLI.run(["replay", "f.ndjson", "--topic", "transactions", option, "-1"])
    #expect(result.status == 2 && result.stderr.contains("\(option) must be a positive number"), "\(result.stderr)")
}

/// Records piped in on stdin (spooled to a file, as a pipe cannot be mapped) are replayed as a file's are: every
/// line, in order, byte for byte.
@Test func replayFromAPipeSendsEveryLineAsAFileWould() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 2500, seed: 4)
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try Data(contentsOf: URL(fileURLWithPath: file))
    let run = try CLI.run(["replay", "-", "--topic", "transactions", "--max", "--brokers", broker.bootstrap,
                           "--manifest", dir.appendingPathComponent("m.json").path], stdin: data)
    #expect(run.status == 0, "\(run.stderr)")
    let sent = try lines(file)
    let replayed = try kcatRecords(broker, "transactions")
    #expect(replayed.count == sent.count)
    #expect(Set(replayed.map(\.text)) == Set(sent), "the payloads read back are not the lines piped in")
    let empty = try CLI.run(["replay", "-", "--topic", "transactions", "--max", "--brokers", broker.bootstrap], stdin: Data())
    #expect(empty.status == 3 && empty.stderr.contains("hold(s) no records"), "\(empty.stderr)")
}

/// A rebase or loop that would write a timestamp past 9999-12-31 (which the records' format cannot hold) is refused
/// before anything is sent, naming the options.
@Test func aReplayThatWouldRunPastTheYear9999IsRefused() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 50, seed: 2)
    defer { try? FileManager.default.removeItem(at: dir) }
    for options in [["--rebase", "9999-12-31T00:00:00Z"], ["--loop", "20000", "--rebase", "9000-01-01"]] {
        let run = try CLI.run(["replay", file, "--topic", "transactions", "--max", "--brokers", broker.bootstrap] + options)
        #expect(run.status == 2 && run.stderr.contains("past 9999-12-31") && run.stderr.contains(options.joined(separator: " ")), "\(run.stderr)")
    }
    #expect(try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%s\n").isEmpty, "records were sent")
    // Up to the last instant the format holds, it is replayed.
    #expect(try CLI.run(["replay", file, "--topic", "transactions", "--max", "--rebase", "9990-01-01", "--brokers", broker.bootstrap,
                         "--manifest", dir.appendingPathComponent("m.json").path]).status == 0)
}

/// A rebase that would move a record before 0000-01-01 (one stamped years after the first, a typo'd year: the others
/// move back with the first) is refused before anything is sent, as one past 9999-12-31 is; it crashed the process after
/// the first record was sent. A first record at the epoch (a common placeholder) is a timestamp like any other.
@Test func aReplayThatWouldRunBeforeTheYear0IsRefused() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 3, seed: 2)
    defer { try? FileManager.default.removeItem(at: dir) }
    var records = try lines(file)
    let typo = dir.appendingPathComponent("typo.ndjson").path
    try (records[0].replacingOccurrences(of: #""timestamp":"2024"#, with: #""timestamp":"9024"#) + "\n" + records[1...].joined(separator: "\n") + "\n")
        .write(toFile: typo, atomically: true, encoding: .utf8)
    let refused = try CLI.run(["replay", typo, "--topic", "transactions", "--max", "--rebase", "now", "--brokers", broker.bootstrap])
    #expect(refused.status == 2 && refused.stderr.contains("before 0000-01-01") && refused.stderr.contains("9024-"), "\(refused.stderr)")
    func stamp(_ record: String, _ time: String) -> String { record.replacing(/"timestamp":"[^"]*"/, with: "\"timestamp\":\"\(time)\"") }
    records = [stamp(records[0], "1970-01-01T00:00:00.000Z"), stamp(records[1], "1970-01-01T01:00:00.000Z")]
    let epoch = dir.appendingPathComponent("epoch.ndjson").path
    try (records.joined(separator: "\n") + "\n").write(toFile: epoch, atomically: true, encoding: .utf8)
    let late = try CLI.run(["replay", epoch, "--topic", "transactions", "--max", "--rebase", "9999-12-31T23:30:00Z", "--brokers", broker.bootstrap])
    #expect(late.status == 2 && late.stderr.contains("past 9999-12-31"), "\(late.stderr)")
    #expect(try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%s\n").isEmpty, "records were sent")
}

/// Each pass of a looped replay comes after the previous one in record time, whatever the order of the file: the period
/// is the records' span from the earliest (not the first line) plus their mean spacing, so a user's records stay in
/// order across passes and the audit of a clean looped replay passes.
@Test func aLoopedReplayOfRecordsOutOfTimeOrderKeepsEachPassAfterTheLast() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 3, seed: 7)
    defer { try? FileManager.default.removeItem(at: dir) }
    var records = try lines(file)
    let user = try #require(records[1].firstMatch(of: /"user_id":"([^"]*)"/)?.1)
    records[2] = records[2].replacing(/"user_id":"[^"]*"/, with: "\"user_id\":\"\(user)\"")
    for (index, time) in ["2024-09-02T10:00:10.000Z", "2024-09-02T10:00:00.000Z", "2024-09-02T10:00:12.000Z"].enumerated() {
        records[index] = records[index].replacing(/"timestamp":"[^"]*"/, with: "\"timestamp\":\"\(time)\"")
    }
    let shuffled = dir.appendingPathComponent("shuffled.ndjson").path
    try (records.joined(separator: "\n") + "\n").write(toFile: shuffled, atomically: true, encoding: .utf8)
    let manifestPath = dir.appendingPathComponent("m.json").path
    let run = try CLI.run(["replay", shuffled, "--topic", "transactions", "--key-field", "user_id", "--loop", "2", "--max",
                           "--brokers", broker.bootstrap, "--manifest", manifestPath])
    #expect(run.status == 0, "\(run.stderr)")
    // 12 s from the earliest to the latest, plus 6 s of mean spacing.
    #expect(try manifest(manifestPath)["loop_period_ms"]?.intValue == 18_000)
    let sent = try kcatRecords(broker, "transactions")
    let times = try sent.map { try epochMilliseconds($0.record["timestamp"]?.stringValue) }
    let passes = sent.map { $0.record["transaction_id"]?.stringValue?.count == 17 ? 1 : 0 }
    let firstPass = zip(times, passes).filter { $0.1 == 0 }.map(\.0), secondPass = zip(times, passes).filter { $0.1 == 1 }.map(\.0)
    #expect(firstPass.count == 3 && secondPass.count == 3)
    #expect(secondPass.min()! > firstPass.max()!, "pass 1 starts before pass 0 ends")
    let report = dir.appendingPathComponent("audit.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifestPath, "--seed", "7", "--json", report])
    let order = checks(try JSONValue.parse(String(contentsOfFile: report, encoding: .utf8)), "audit.order_per_key")
    #expect(!order.isEmpty && order.allSatisfy { $0["status"]?.stringValue == "pass" }, "\(audit.text)")
}

/// Replayed into a topic the seed does not name (with --key-field), records have no known ID field: the audit
/// compares them by count and payload digest, and an undamaged topic passes (every record was "missing" before);
/// one record more fails audit.count.
@Test func aReplayIntoAnotherTopicIsAuditedByCountAndDigest() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "200", "--seed", "3", "--out", file]).status == 0)
    let replay = try CLI.run(["replay", file, "--topic", "custom-orders", "--key-field", "user_id", "--max", "--brokers", broker.bootstrap,
                              "--manifest", manifest])
    try #require(replay.status == 0, "\(replay.stderr)")
    let json = dir.appendingPathComponent("a.json").path
    let clean = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--seed", "3", "--json", json])
    #expect(clean.status == 0, "\(clean.text)\(clean.stderr)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(checks(report, "audit.missing").first?["status"]?.stringValue == "pass")
    #expect(checks(report, "audit.altered").first?["status"]?.stringValue == "pass")
    #expect(checks(report, "audit.duplicate").first?["status"]?.stringValue == "inconclusive")
    try kcatProduce(brokers: broker.bootstrap, topic: "custom-orders", partition: 0, lines: ["user_000001\t{\"user_id\":\"user_000001\"}"])
    let extra = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--seed", "3", "--json", json])
    #expect(extra.status == 1)
    let damaged = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(checks(damaged, "audit.count").first?["violations"]?.intValue == 1, "\(extra.text)")
}

/// A replay into a topic that already holds records (an earlier replay's) is audited against its own manifest alone: the
/// partitions it wrote nothing to are in the manifest from their end when it began, so the earlier records are not
/// counted against it.
@Test func aReplayIntoATopicWithEarlierRecordsIsAuditedAlone() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 40, seed: 4)
    defer { try? FileManager.default.removeItem(at: dir) }
    let first = dir.appendingPathComponent("first.json").path, second = dir.appendingPathComponent("second.json").path
    try #require(try CLI.run(["replay", file, "--topic", "orders-again", "--key-field", "user_id", "--max", "--brokers", broker.bootstrap,
                              "--manifest", first]).status == 0)
    let one = dir.appendingPathComponent("one.ndjson").path
    try (try lines(file)[0] + "\n").write(toFile: one, atomically: true, encoding: .utf8)
    let replay = try CLI.run(["replay", one, "--topic", "orders-again", "--key-field", "user_id", "--max", "--brokers", broker.bootstrap,
                              "--manifest", second])
    try #require(replay.status == 0, "\(replay.stderr)")
    let partitions = try manifest(second)["topics"]?["orders-again"]?["partitions"]?.arrayValue ?? []
    #expect(partitions.count == 4 && partitions.map { $0["count"]?.intValue ?? -1 }.reduce(0, +) == 1, "\(partitions)")
    let json = dir.appendingPathComponent("a.json").path
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", second, "--seed", "4", "--json", json])
    #expect(audit.status == 0, "\(audit.text)\(audit.stderr)")
    #expect(try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))["audit"]?["records"]?.intValue == 1)
}

/// A file that starts with a UTF-8 byte order mark (as some Windows tools write) is produced and replayed as validate
/// reads it, the mark skipped: its first record is sent, not refused as "not JSON".
@Test func aByteOrderMarkIsSkippedByProduceAndReplay() throws {
    let (broker, dir, file) = try transactionsToReplay(count: 20, seed: 6)
    defer { try? FileManager.default.removeItem(at: dir) }
    let marked = dir.appendingPathComponent("bom.ndjson").path
    try Data([0xEF, 0xBB, 0xBF] + Array(try Data(contentsOf: URL(fileURLWithPath: file)))).write(to: URL(fileURLWithPath: marked))
    let sent = try lines(file)
    let produced = try CLI.run(["produce", marked, "--topic", "transactions", "--brokers", broker.bootstrap])
    #expect(produced.status == 0, "\(produced.stderr)")
    #expect(Set(try kcatRecords(broker, "transactions").map(\.text)) == Set(sent))
    let replayed = try CLI.run(["replay", marked, "--topic", "transactions-replayed", "--key-field", "user_id", "--max", "--brokers", broker.bootstrap])
    #expect(replayed.status == 0, "\(replayed.stderr)")
    #expect(Set(try kcatRecords(broker, "transactions-replayed").map(\.text)) == Set(sent))
}

/// Records of another type replayed into a seed topic were sent and are read: against the replay's manifest (counts and
/// digests of every record delivered) they are not missing; the validator names them (schema.record_type).
@Test func recordsOfAnotherTypeReplayedAreNamedNotMissing() throws {
    let (broker, dir, transactions) = try transactionsToReplay(count: 20, seed: 7)
    defer { try? FileManager.default.removeItem(at: dir) }
    let events = dir.appendingPathComponent("ev.ndjson").path, mixed = dir.appendingPathComponent("mixed.ndjson").path
    let manifest = dir.appendingPathComponent("m.json").path, json = dir.appendingPathComponent("r.json").path
    #expect(try CLI.run(["generate", "--type", "user_events", "--count", "50", "--seed", "7", "--out", events]).status == 0)
    try (try String(contentsOfFile: events, encoding: .utf8) + String(contentsOfFile: transactions, encoding: .utf8))
        .write(toFile: mixed, atomically: true, encoding: .utf8)
    #expect(try CLI.run(["replay", mixed, "--topic", "user-events", "--max", "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    _ = try CLI.run(["audit", "--manifest", manifest, "--seed", "7", "--brokers", broker.bootstrap, "--json", json])
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(checks(report, "audit.missing").first?["violations"]?.intValue == 0, "\(checks(report, "audit.missing"))")
    #expect(checks(report, "audit.count").first?["violations"]?.intValue == 0)
    #expect(checks(report, "schema.record_type").first?["violations"]?.intValue == 20)
}
