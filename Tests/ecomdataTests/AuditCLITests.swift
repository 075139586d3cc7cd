import EcomJSON
import Foundation
import Testing

/// Writes `lines` (`key\tvalue`) with kcat, an independent producer: to one partition, or with no partition each on
/// its key's (murmur2, as a Java client puts it).
func kcatProduce(brokers: String, topic: String, partition: Int?, lines: [String]) throws {
    let produce = Process()
    produce.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    produce.arguments = ["-P", "-b", brokers, "-t", topic, "-K", "\t"]
        + (partition.map { ["-p", "\($0)"] } ?? ["-X", "partitioner=murmur2_random"])
    let input = Pipe()
    produce.standardInput = input
    produce.standardError = FileHandle.nullDevice
    try produce.run()
    input.fileHandleForWriting.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    try input.fileHandleForWriting.close()
    produce.waitUntilExit()
    #expect(produce.terminationStatus == 0, "kcat -P failed")
}

/// The report's checks with `id`, by record type or topic title.
func checks(_ report: JSONValue, _ id: String) -> [JSONValue] {
    (report["checks"]?.arrayValue ?? []).filter { $0["id"]?.stringValue == id }
}

/// `topic/partition@offset` of each example of a check.
func locations(_ check: JSONValue?) -> [String] {
    (check?["examples"]?.arrayValue ?? []).map { example in
        let location = example["location"]
        return "\(location?["topic"]?.stringValue ?? "")/\(location?["partition"]?.intValue ?? -1)@\(location?["offset"]?.intValue.map(String.init) ?? "?")"
    }
}

/// A seeded stream's records are copied with kcat to a second broker with planted defects: one record dropped,
/// one duplicated, one payload altered, one record put on a partition its key does not belong to, and one
/// non-JSON payload. The audit against the stream's manifest names each with its topic, partition and offset.
@Test func auditNamesEveryDefectPlantedWithKcatByTopicPartitionAndOffset() throws {
    let source = try BrokerProcess(brokers: 1)
    let target = try BrokerProcess(brokers: 1)
    try #require(!source.bootstrap.isEmpty && !target.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("manifest.json").path
    let stream = try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "transactions", "--seed", "5",
                              "--brokers", source.bootstrap, "--manifest", manifest])
    #expect(stream.status == 0, "\(stream.stderr)")

    // The clean topic passes every audit check against its manifest.
    let clean = try CLI.run(["audit", "--brokers", source.bootstrap, "--manifest", manifest, "--json", dir.appendingPathComponent("clean.json").path])
    #expect(clean.status == 0, "\(clean.text)\(clean.stderr)")
    let cleanReport = try JSONValue.parse(String(contentsOfFile: dir.appendingPathComponent("clean.json").path, encoding: .utf8))
    for check in cleanReport["checks"]?.arrayValue ?? [] where check["family"]?.stringValue == "audit" {
        #expect(check["status"]?.stringValue == "pass", "\(check["id"]?.stringValue ?? ""): \(check["reason"]?.stringValue ?? "")")
    }

    var partitions: [Int: [(key: String, value: String)]] = [:]
    for line in try kcatLines(brokers: source.bootstrap, topic: "transactions", format: "%p\t%k\t%s\n") {
        let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
        partitions[Int(fields[0])!, default: []].append((fields[1], fields[2]))
    }
    try #require(partitions.count == 4 && partitions.values.allSatisfy { $0.count > 10 })
    func id(_ value: String) throws -> String { try #require(JSONValue.parse(value)["transaction_id"]?.stringValue) }
    var planted: [Int: [(key: String, value: String)]] = [:]
    let dropped = try id(partitions[0]![5].value)
    planted[0] = Array(partitions[0]![..<5] + partitions[0]![6...])
    let duplicated = try id(partitions[1]![3].value)
    planted[1] = Array(partitions[1]![...3] + partitions[1]![3...])
    var altered = partitions[2]!
    let alteredID = try id(altered[4].value)
    let method = try #require(JSONValue.parse(altered[4].value)["payment_method"]?.stringValue)
    altered[4].value = altered[4].value.replacingOccurrences(of: "\"payment_method\":\"\(method)\"",
                                                             with: "\"payment_method\":\"\(method == "paypal" ? "debit_card" : "paypal")\"")
    planted[2] = altered
    var third = partitions[3]!
    let moved = third.remove(at: 6)
    planted[3] = third
    planted[0]!.append(moved)
    planted[1]!.append((planted[1]![0].key, "this is not json"))
    for (partition, records) in planted {
        try kcatProduce(brokers: target.bootstrap, topic: "transactions", partition: partition, lines: records.map { "\($0.key)\t\($0.value)" })
    }

    let json = dir.appendingPathComponent("audit.json").path, html = dir.appendingPathComponent("audit.html").path
    let junit = dir.appendingPathComponent("audit.xml").path
    let audit = try CLI.run(["audit", "--brokers", target.bootstrap, "--manifest", manifest, "--json", json, "--report", html, "--junit", junit])
    #expect(audit.status == 1, "\(audit.text)\(audit.stderr)")
    #expect(try schemaProblems(json).isEmpty)
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(report["verdict"]?.stringValue == "fail")
    let missing = checks(report, "audit.missing").first
    #expect(missing?["violations"]?.intValue == 1)
    #expect(missing?["examples"]?[0]?["id"]?.stringValue == dropped)
    #expect(locations(missing) == ["transactions/0@?"])
    let duplicate = checks(report, "audit.duplicate").first
    #expect(duplicate?["examples"]?[0]?["id"]?.stringValue == duplicated)
    #expect(locations(duplicate) == ["transactions/1@4"])
    #expect(duplicate?["examples"]?[0]?["message"]?.stringValue?.contains("transactions/1@3") == true)
    let alteredCheck = checks(report, "audit.altered").first
    #expect(alteredCheck?["examples"]?[0]?["id"]?.stringValue == alteredID)
    #expect(locations(alteredCheck) == ["transactions/2@4"])
    let misplacedOffset = planted[0]!.count - 1
    #expect(locations(checks(report, "audit.partitioning").first) == ["transactions/0@\(misplacedOffset)"])
    #expect(checks(report, "audit.partitioning").first?["examples"]?[0]?["message"]?.stringValue?.contains("belongs on partition 3") == true)
    #expect(locations(checks(report, "audit.parse").first) == ["transactions/1@\(planted[1]!.count - 1)"])
    // Partition 0 lost one record and gained one: its count matches; 1 and 3 do not.
    #expect(checks(report, "audit.count").first?["violations"]?.intValue == 2)
    for id in ["audit.unexpected", "audit.order_per_key", "audit.key_matches_payload"] {
        #expect(checks(report, id).first?["status"]?.stringValue == "pass", "\(id)")
    }
    // kcat, reading independently, finds at the named offsets what the audit says is there.
    let byOffset = try kcatLines(brokers: target.bootstrap, topic: "transactions", format: "%p@%o\t%s\n")
    #expect(byOffset.contains("1@4\t\(planted[1]![4].value)") && planted[1]![4].value.contains(duplicated))
    #expect(byOffset.contains("1@\(planted[1]!.count - 1)\tthis is not json"))
    #expect(byOffset.contains { $0.hasPrefix("2@4\t") && $0.contains(alteredID) })
    #expect(!byOffset.contains { $0.contains("\"\(dropped)\"") })
    // The audit's records went through the validator too, located by topic/partition@offset.
    #expect(locations(checks(report, "referential.unique_id").first) == ["transactions/1@4"])
    #expect(audit.text.contains("transactions/0@\(misplacedOffset): key"))
    let xml = try String(contentsOfFile: junit, encoding: .utf8)
    #expect(xml.contains("ecomdata.audit") && xml.contains("audit.missing"))
    #expect(try String(contentsOfFile: html, encoding: .utf8).contains(dropped))

    // Gates apply to audit checks as to the validator's: an at-least-once pipeline may allow duplicates.
    let gates = dir.appendingPathComponent("gates.yaml")
    try "audit.duplicate: {max_violations: 1}\naudit.parse: {gating: false}\n".write(to: gates, atomically: true, encoding: .utf8)
    let gated = try CLI.run(["audit", "--brokers", target.bootstrap, "--manifest", manifest, "--gates", gates.path, "--json", json])
    #expect(gated.status == 1)
    let gatedReport = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(checks(gatedReport, "audit.duplicate").first?["status"]?.stringValue == "pass")
    #expect(checks(gatedReport, "audit.duplicate").first?["max_violations"]?.intValue == 1)
    #expect(checks(gatedReport, "audit.parse").first?["gating"]?.boolValue == false)
    #expect(gatedReport["run"]?["gates"]?.stringValue == gates.path)
    #expect(try schemaProblems(json).isEmpty)
}

@Test func auditOfAMissingOrEmptyTopicIsAFindingNotAHangAndAnUnreachableBrokerExitsThree() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let json = dir.appendingPathComponent("r.json").path
    // The broker command creates the seed's topics empty; `no-such-topic` and `other-topic` do not
    // exist. (The three are given as one value, separated by a comma and by spaces: all three are audited.)
    let started = Date()
    let result = try CLI.run(["audit", "--brokers", broker.bootstrap, "--topics", "user-events,no-such-topic  other-topic", "--json", json,
                              "-X", "sasl.password=hunter2"])
    #expect(Date().timeIntervalSince(started) < 20, "an empty or missing topic must not hang the audit")
    #expect(result.status == 1, "\(result.text)\(result.stderr)")
    #expect(try schemaProblems(json).isEmpty)
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    let counts = checks(report, "audit.count")
    #expect(counts.count == 3 && counts.allSatisfy { $0["status"]?.stringValue == "fail" })
    #expect(counts.contains { $0["reason"]?.stringValue?.contains("user-events is empty") == true })
    #expect(counts.contains { $0["reason"]?.stringValue?.contains("no-such-topic does not exist") == true })
    #expect(counts.contains { $0["reason"]?.stringValue?.contains("other-topic does not exist") == true })
    #expect(report["audit"]?["topics"]?[1]?["exists"]?.boolValue == false)
    // Nothing read is audit.count's finding; the validator, with nothing to judge, says so rather than failing too.
    let parse = try #require(checks(report, "schema.parse").first)
    #expect(parse["status"]?.stringValue == "inconclusive" && parse["reason"]?.stringValue?.contains("audit.count") == true, "\(parse)")
    // A secret given with -X is in neither the report nor the output.
    #expect(!(try String(contentsOfFile: json, encoding: .utf8)).contains("hunter2"))
    #expect(report["run"]?["command"]?.arrayValue?.contains(.string("sasl.password=***")) == true)
    #expect(!result.text.contains("hunter2") && !result.stderr.contains("hunter2"))
    // Asking about a missing topic did not create it.
    #expect(try kcatLines(brokers: broker.bootstrap, topic: "no-such-topic", format: "%o\n").isEmpty)
    // With the empty topic's failure (audit.count) made non-gating, it is a warning: exit 0, unless --fail-on warn says
    // that warnings fail too.
    let gates = dir.appendingPathComponent("gates.yaml")
    try "audit.count: {gating: false}\n".write(to: gates, atomically: true, encoding: .utf8)
    let lenient = try CLI.run(["audit", "--brokers", broker.bootstrap, "--topics", "user-events", "--gates", gates.path, "--json", json])
    #expect(lenient.status == 0, "\(lenient.text)\(lenient.stderr)")
    #expect(try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))["verdict"]?.stringValue == "warn")
    // The topic's row says so too: WARN, as the verdict, not FAIL.
    let row = try #require(lenient.text.split(separator: "\n").first { $0.hasPrefix("user-events") })
    #expect(row.hasSuffix("WARN"), "\(row)")
    let strict = try CLI.run(["audit", "--brokers", broker.bootstrap, "--topics", "user-events", "--gates", gates.path, "--fail-on", "warn",
                              "--json", json])
    #expect(strict.status == 1, "\(strict.text)\(strict.stderr)")
    let strictReport = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(strictReport["verdict"]?.stringValue == "warn" && strictReport["run"]?["fail_on"]?.stringValue == "warn")
    #expect(try CLI.run(["audit", "--brokers", broker.bootstrap, "--fail-on", "never"]).status == 2)

    let unreachableStarted = Date()
    let unreachable = try CLI.run(["audit", "--brokers", "127.0.0.1:1", "--timeout", "2"])
    #expect(unreachable.status == 3)
    #expect(unreachable.stderr.contains("127.0.0.1:1"))
    #expect(Date().timeIntervalSince(unreachableStarted) < 15)
    let roundtrip = try CLI.run(["roundtrip", "--brokers", "127.0.0.1:1", "--connect-timeout", "2", "--json", json])
    #expect(roundtrip.status == 3)
    #expect(Date().timeIntervalSince(unreachableStarted) < 30)
}

/// The round trip on a broker another process runs (so kcat can read it afterwards): every audit check passes,
/// the counts are what kcat reads, the reports are written and valid, no validator check fails: every purchase
/// event read back names a transaction read back, and the funnel narrows even in three minutes from the window's
/// start (the first transactions' sessions are whole).
@Test func roundtripAuditsItsOwnStreamAndWritesEveryReport() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = { (name: String) in dir.appendingPathComponent(name).path }
    let result = try CLI.run(["roundtrip", "--brokers", broker.bootstrap, "--duration", "0.05", "--speedup", "60", "--seed", "9",
                              "--json", path("r.json"), "--report", path("r.html"), "--junit", path("r.xml"), "--manifest", path("m.json")])
    #expect(try schemaProblems(path("r.json")).isEmpty)
    let report = try JSONValue.parse(String(contentsOfFile: path("r.json"), encoding: .utf8))
    let all = report["checks"]?.arrayValue ?? []
    let audits = all.filter { $0["family"]?.stringValue == "audit" }
    #expect(audits.count == 45, "nine audit checks for each of five topics")
    for check in audits {
        #expect(check["status"]?.stringValue == "pass", "\(check["title"]?.stringValue ?? ""): \(check["reason"]?.stringValue ?? "")")
    }
    let failing = all.filter { $0["status"]?.stringValue == "fail" }.compactMap { $0["id"]?.stringValue }
    #expect(failing.isEmpty, "\(failing)")
    #expect(result.status == 0, "\(result.text)\(result.stderr)")
    let purchases = all.first { $0["id"]?.stringValue == "referential.purchase_transaction" }
    #expect(purchases?["status"]?.stringValue == "pass" && (purchases?["checked"]?.intValue ?? 0) > 0, "\(String(describing: purchases))")
    #expect(report["audit"]?["records_named"]?.boolValue == true)
    let manifest = try JSONValue.parse(String(contentsOfFile: path("m.json"), encoding: .utf8))
    for topic in report["audit"]?["topics"]?.arrayValue ?? [] {
        let name = topic["topic"]?.stringValue ?? ""
        let read = topic["records"]?.intValue ?? -1
        #expect(read > 0, "\(name)")
        #expect(read == manifest["topics"]?[name]?["delivered"]?.intValue, "\(name)")
        #expect(try kcatLines(brokers: broker.bootstrap, topic: name, format: "%o\n").count == Int(read), "\(name): kcat reads another count")
        #expect(topic["latency_ms"]?["p50_ms"]?.intValue != nil)
    }
    #expect(result.text.contains("verdict: "))
    #expect(try String(contentsOfFile: path("r.xml"), encoding: .utf8).contains("ecomdata.audit"))
    #expect(FileManager.default.fileExists(atPath: path("r.html")))
}

/// A round trip at another rate multiplier regenerates the records it audits at that multiplier: analytics results
/// describe the run's traffic, and were found altered (their orders regenerated at x1) though they were not.
@Test func aRoundtripAtAnotherRateIsAuditedAtThatRate() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let json = dir.appendingPathComponent("r.json").path
    let result = try CLI.run(["roundtrip", "--brokers", broker.bootstrap, "--duration", "0.05", "--speedup", "120", "--seed", "9",
                              "--rate-multiplier", "2", "--json", json, "--manifest", dir.appendingPathComponent("m.json").path])
    let checks = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))["checks"]?.arrayValue ?? []
    let altered = try #require(checks.first { $0["id"]?.stringValue == "audit.altered" && $0["record_type"]?.stringValue == "analytics_results" })
    #expect(altered["status"]?.stringValue == "pass" && (altered["checked"]?.intValue ?? 0) > 20, "\(altered.encoded())")
    #expect(result.status == 0, "\(result.text)")
}

/// `audit --follow` reads what arrives while it runs (kcat writes it, partitioned by murmur2 as a Java client
/// would), reports as it goes, and on SIGINT reads to the ends of that moment and writes its report.
@Test func auditFollowsUntilInterruptedThenReportsWhatArrived() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let json = dir.appendingPathComponent("r.json").path
    let generated = try CLI.run(["generate", "--type", "transactions", "--count", "60", "--seed", "3", "--out", "-"])
    let lines = try generated.text.split(separator: "\n").map { line in
        "\(try #require(JSONValue.parse(String(line))["user_id"]?.stringValue))\t\(line)"
    }
    let follow = Process()
    follow.executableURL = CLI.executable
    follow.arguments = ["audit", "--follow", "--interval", "0.5", "--topics", "transactions", "--seed", "3",
                        "--brokers", broker.bootstrap, "--json", json]
    let errors = Pipe()
    follow.standardOutput = FileHandle.nullDevice
    follow.standardError = errors
    try follow.run()
    Thread.sleep(forTimeInterval: 1.5)
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: nil, lines: lines)
    Thread.sleep(forTimeInterval: 1.5)
    follow.interrupt()
    follow.waitUntilExit()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(follow.terminationStatus == 0, "\(stderr)")
    #expect(stderr.contains("transactions 60 read"), "progress lines while following: \(stderr)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(report["audit"]?["records"]?.intValue == 60)
    #expect(checks(report, "audit.partitioning").first?["status"]?.stringValue == "pass")
    #expect(checks(report, "audit.count").first?["status"]?.stringValue == "inconclusive", "no manifest to compare with")
    let ends = (report["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []).map { $0["end_offset"]?.intValue ?? -1 }
    #expect(ends.reduce(0, +) == 60, "the ends are those of the moment following stopped")
}

/// Following from empty partitions with a manifest: a partition that ends a record short is that, the count off, not
/// a log that is not the run's (its first offset was at the end of the start, where following read on from).
@Test func auditFollowingFromEmptyPartitionsCountsAgainstTheManifest() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    let json = dir.appendingPathComponent("r.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "40", "--seed", "3", "--out", file]).status == 0)
    let source = try BrokerProcess(brokers: 1)
    try #require(!source.bootstrap.isEmpty)
    #expect(try CLI.run(["produce", file, "--topic", "transactions", "--brokers", source.bootstrap, "--manifest", manifest]).status == 0)
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let follow = Process()
    follow.executableURL = CLI.executable
    follow.arguments = ["audit", "--follow", "--interval", "0.5", "--manifest", manifest, "--brokers", broker.bootstrap, "--json", json]
    follow.standardOutput = FileHandle.nullDevice
    follow.standardError = FileHandle.nullDevice
    try follow.run()
    Thread.sleep(forTimeInterval: 1.5)
    // All but the last record, each on its key's partition (murmur2, as the run's producer put them).
    let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropLast().map { line in
        "\(try #require(JSONValue.parse(String(line))["user_id"]?.stringValue))\t\(line)"
    }
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: nil, lines: lines)
    Thread.sleep(forTimeInterval: 1.5)
    follow.interrupt()
    follow.waitUntilExit()
    #expect(follow.terminationStatus == 1)
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    let count = try #require(checks(report, "audit.count").first)
    let messages = (count["examples"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
    #expect(count["violations"]?.intValue == 1 && messages.count == 1, "\(messages)")
    #expect(messages.allSatisfy { !$0.contains("re-created") && $0.contains("records read from offsets 0-") }, "\(messages)")
    #expect(checks(report, "audit.missing").first?["violations"]?.intValue == 1)
}

/// `--from` a time reads each partition from its first record with that CreateTime or later (the embedded
/// broker cannot look offsets up by time, so earlier records are skipped as they are read); `--from` offsets
/// start where they say, and what comes before is missing against the manifest.
@Test func auditStartsWhereFromSays() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("m.json").path, json = dir.appendingPathComponent("r.json").path
    // 3m: three minutes of simulated time (0.05 h).
    #expect(try CLI.run(["stream", "--duration", "3m", "--max", "--topics", "transactions", "--seed", "5",
                         "--brokers", broker.bootstrap, "--manifest", manifest]).status == 0)
    let total = try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%o\n").count
    let planned = try JSONValue.parse(String(contentsOfFile: manifest, encoding: .utf8))["topics"]?["transactions"]?["planned"]?.intValue
    #expect(planned == Int64(total) && total > 50, "3 simulated minutes of transactions: \(total) read, \(planned ?? -1) planned")
    Thread.sleep(forTimeInterval: 1.1)
    let later = ISO8601DateFormatter().string(from: Date())
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 2, lines: ["user_000001\t{\"late\":true}"])

    func report(_ arguments: [String]) throws -> (Int32, JSONValue) {
        let result = try CLI.run(["audit", "--brokers", broker.bootstrap, "--topics", "transactions", "--json", json] + arguments)
        return (result.status, try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8)))
    }
    let (_, early) = try report(["--from", "2020-01-01T00:00:00Z", "--seed", "5"])
    #expect(early["audit"]?["records"]?.intValue == Int64(total + 1))
    let (_, recent) = try report(["--from", later])
    #expect(recent["audit"]?["records"]?.intValue == 1, "only the record written after \(later)")
    #expect(recent["audit"]?["topics"]?[0]?["partitions"]?[2]?["start_offset"]?.intValue != 0)

    // From a time after every record, with the manifest: each partition's finding names the time it read from.
    let (_, future) = try report(["--from", "2099-01-01T00:00:00Z", "--manifest", manifest])
    #expect(checks(future, "audit.count").first?["examples"]?[0]?["message"]?.stringValue?.contains("no records read at or after 2099-01-01T00:00:00.000Z") == true,
            "\(checks(future, "audit.count").first?["examples"]?[0]?["message"]?.stringValue ?? "")")
    // Reading started at each partition's end: no record reached the time.
    let ends = (future["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []).map { [$0["start_offset"]?.intValue, $0["end_offset"]?.intValue] }
    #expect(ends.count == 4 && ends.allSatisfy { $0[0] == $0[1] && ($0[0] ?? 0) > 0 }, "\(ends)")
    // A topic's own entry wins over a bare one for the same partition, whatever their order.
    let (status, fromOffsets) = try report(["--from", "1:100,transactions/3:50,3:10", "--manifest", manifest])
    #expect(status == 1)
    let partitions = fromOffsets["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []
    #expect(partitions.map { $0["start_offset"]?.intValue ?? -1 } == [0, 100, 0, 50])
    #expect(checks(fromOffsets, "audit.missing").first?["violations"]?.intValue == 150)
    #expect(checks(fromOffsets, "audit.unexpected").first?["violations"]?.intValue == 1, "the late record has no ID: the run did not send it")
    #expect(try CLI.run(["audit", "--brokers", broker.bootstrap, "--from", "sometime"]).status == 2)
    let twice = try CLI.run(["audit", "--brokers", broker.bootstrap, "--from", "1:5,transactions/2:0,1:6"])
    #expect(twice.status == 2 && twice.stderr.contains("1 is named twice"), "\(twice.stderr)")
}

/// A round trip stopped by SIGINT flushes, reads back what was sent and compares it with the prefix of each
/// topic's records the stream got to: nothing is missing, and alerts (which follow the transactions) fall back
/// to counts and digests.
@Test func roundtripStoppedBySigintAuditsWhatWasSent() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let json = dir.appendingPathComponent("r.json").path
    let run = Process()
    run.executableURL = CLI.executable
    run.arguments = ["roundtrip", "--duration", "1", "--speedup", "60", "--set", "fraud_rate=0.02", "--json", json,
                     "--report", dir.appendingPathComponent("r.html").path, "--junit", dir.appendingPathComponent("r.xml").path,
                     "--manifest", dir.appendingPathComponent("m.json").path]
    run.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    run.standardError = errors
    try run.run()
    // The stream begins once the records have been generated again for the audit, which takes longer on a busy
    // machine (a signal before the stream's handler is set up is lost): interrupt a few seconds into the stream.
    var said = ""
    while !said.contains("roundtrip: streaming") {
        let data = errors.fileHandleForReading.availableData
        if data.isEmpty { break }
        said += String(decoding: data, as: UTF8.self)
    }
    Thread.sleep(forTimeInterval: 4)
    run.interrupt()
    run.waitUntilExit()
    #expect([0, 1].contains(run.terminationStatus))
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    for topic in report["audit"]?["topics"]?.arrayValue ?? [] {
        let name = topic["topic"]?.stringValue ?? ""
        #expect((topic["records"]?.intValue ?? 0) > 0 || name == "fraud-alerts", "\(name)")
        #expect(topic["records"]?.intValue == topic["expected"]?.intValue, "\(name)")
        #expect(topic["findings"]?["missing"]?.intValue == 0 && topic["findings"]?["unexpected"]?.intValue == 0, "\(name)")
    }
    for check in checks(report, "audit.missing") + checks(report, "audit.count") + checks(report, "audit.altered") {
        #expect(check["status"]?.stringValue == "pass", "\(check["title"]?.stringValue ?? ""): \(check["reason"]?.stringValue ?? "")")
    }
    let alerts = checks(report, "audit.unexpected").first { $0["record_type"]?.stringValue == "fraud_alerts" }
    #expect(alerts?["status"]?.stringValue == "inconclusive")
}

/// Against a `produce` manifest (no seed to regenerate the records from) the audit compares counts and the
/// per-partition ID and payload digests: a dropped record is counted as missing on its partition and an altered
/// payload found by its partition's digest, neither named.
@Test func produceManifestIsComparedByCountAndDigest() throws {
    let source = try BrokerProcess(brokers: 1)
    let target = try BrokerProcess(brokers: 1)
    try #require(!source.bootstrap.isEmpty && !target.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("updates.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    let json = dir.appendingPathComponent("r.json").path
    #expect(try CLI.run(["generate", "--type", "product_updates", "--count", "2000", "--seed", "3", "--out", file]).status == 0)
    #expect(try CLI.run(["produce", file, "--topic", "product-updates", "--brokers", source.bootstrap, "--manifest", manifest]).status == 0)
    let clean = try CLI.run(["audit", "--brokers", source.bootstrap, "--manifest", manifest, "--seed", "3", "--json", json])
    #expect(clean.status == 0, "\(clean.text)")
    let cleanReport = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(cleanReport["audit"]?["records_named"]?.boolValue == false)
    #expect(checks(cleanReport, "audit.unexpected").first?["status"]?.stringValue == "inconclusive")
    // The run's timings cover the audit (its validators are made before it reads), not only the judging at its end.
    let runSeconds = try #require(cleanReport["run"]?["seconds"]?.doubleValue), readSeconds = try #require(cleanReport["audit"]?["seconds"]?.doubleValue)
    #expect(runSeconds >= readSeconds, "run.seconds \(runSeconds) is shorter than the audit's \(readSeconds) s")

    var partitions: [Int: [String]] = [:]
    for line in try kcatLines(brokers: source.bootstrap, topic: "product-updates", format: "%p\t%k\t%s\n") {
        let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
        partitions[Int(fields[0])!, default: []].append(fields[1])
    }
    partitions[0]!.remove(at: 7)
    partitions[2]![10] = partitions[2]![10].replacingOccurrences(of: "\"stock_quantity\":", with: "\"stock_quantity\":1")
    for (partition, lines) in partitions { try kcatProduce(brokers: target.bootstrap, topic: "product-updates", partition: partition, lines: lines) }
    let audit = try CLI.run(["audit", "--brokers", target.bootstrap, "--manifest", manifest, "--seed", "3", "--json", json])
    #expect(audit.status == 1, "\(audit.text)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    let missing = checks(report, "audit.missing").first
    #expect(missing?["violations"]?.intValue == 1)
    #expect(locations(missing) == ["product-updates/0@?"])
    let altered = checks(report, "audit.altered").first
    #expect(altered?["violations"]?.intValue == 1)
    #expect(locations(altered) == ["product-updates/2@?"])
    #expect(altered?["examples"]?[0]?["message"]?.stringValue?.contains("payload digest differs") == true)
    // Compared by digest, a finding is a partition (how many of its records were altered is not known), and the
    // check counts partitions, not records: the 3 whose records are those delivered (partition 0 lost one, so its
    // digest cannot show an alteration).
    #expect(altered?["checked"]?.intValue == 3)
    #expect(altered?["reason"]?.stringValue?.contains("the payload digest of 1 of 4 partitions differs") == true, "\(altered?["reason"]?.stringValue ?? "")")
    let digests = (report["audit"]?["topics"]?[0]?["partitions"]?.arrayValue ?? []).map { $0["payload_digest_matches"]?.boolValue }
    #expect(digests == [false, true, false, true])
}

/// A replay's manifest (records rebased in time, so not regenerable from a seed) is audited by count and digest,
/// and `--start`/`--end` set the window the validator holds the rebased records to.
@Test func replayIsAuditedAgainstItsManifest() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.ndjson").path, manifest = dir.appendingPathComponent("m.json").path
    let json = dir.appendingPathComponent("r.json").path
    #expect(try CLI.run(["generate", "--type", "transactions", "--count", "600", "--seed", "7", "--start", "2024-09-02T10:00:00Z",
                         "--end", "2024-09-02T10:10:00Z", "--out", file]).status == 0)
    let replay = try CLI.run(["replay", file, "--topic", "transactions", "--max", "--rebase", "2024-09-03T10:00:00Z",
                              "--brokers", broker.bootstrap, "--manifest", manifest])
    #expect(replay.status == 0, "\(replay.stderr)")
    let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--seed", "7",
                             "--start", "2024-09-03", "--end", "2024-09-04", "--json", json])
    #expect(audit.status == 0, "\(audit.text)\(audit.stderr)")
    let report = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(report["audit"]?["records"]?.intValue == 600)
    #expect(report["audit"]?["records_named"]?.boolValue == false)
    for id in ["audit.count", "audit.missing", "audit.altered", "audit.duplicate", "audit.partitioning"] {
        #expect(checks(report, id).first?["status"]?.stringValue == "pass", "\(id)")
    }
    #expect(checks(report, "temporal.window").first?["status"]?.stringValue == "pass")
}

/// Following a broker that goes away ends with exit 3 within --timeout and a few seconds, saying so, instead of
/// printing the same count for ever.
@Test func auditFollowingABrokerThatGoesAwayExitsThree() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let follow = Process()
    follow.executableURL = CLI.executable
    follow.arguments = ["audit", "--follow", "--interval", "0.5", "--timeout", "2", "--topics", "transactions", "--brokers", broker.bootstrap]
    // stderr to a file: librdkafka logs every failed reconnection there, which would fill a pipe nobody reads yet.
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let errorsFile = dir.appendingPathComponent("stderr.txt")
    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
    let errors = try FileHandle(forWritingTo: errorsFile)
    follow.standardOutput = FileHandle.nullDevice
    follow.standardError = errors
    try follow.run()
    Thread.sleep(forTimeInterval: 2)
    broker.process.interrupt()
    broker.process.waitUntilExit()
    let stopped = Date()
    let deadline = stopped.addingTimeInterval(30)
    while follow.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    if follow.isRunning { follow.terminate() }
    follow.waitUntilExit()
    try errors.close()
    let stderr = try String(contentsOf: errorsFile, encoding: .utf8)
    #expect(Date().timeIntervalSince(stopped) < 15, "\(stderr)")
    #expect(follow.terminationStatus == 3, "\(stderr)")
    #expect(stderr.contains("did not answer within 2.0 s"), "\(stderr)")
}
