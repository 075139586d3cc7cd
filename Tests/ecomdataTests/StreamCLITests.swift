import EcomJSON
import Foundation
import Testing

/// The manifest's record hash as its `digest_method` documents it (written again here so the test does not
/// trust the product's): FNV-1a 64 over little-endian 8-byte words, the last zero-padded, then the length.
func fnv(_ bytes: some Sequence<UInt8>) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01B3
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    let all = Array(bytes)
    var index = 0
    while index < all.count {
        var word: UInt64 = 0
        for offset in 0..<8 where index + offset < all.count { word |= UInt64(all[index + offset]) << (8 * UInt64(offset)) }
        hash ^= word
        hash &*= prime
        index += 8
    }
    hash ^= UInt64(all.count)
    return hash &* prime
}

/// Reads `topic` with kcat and checks it against its manifest entry: `sent` records, each keyed by its key
/// field, no ID twice, and per partition the count, offsets and both digests. Returns the payloads read.
@discardableResult
func expectTopicMatchesManifest(_ entry: JSONValue, topic: String, brokers: String, sent: Int) throws -> [String] {
    let output = try kcatLines(brokers: brokers, topic: topic, format: "%k\t%p\t%o\t%s\n")
    // A topic that is not the seed's has no ID field and no ID digest.
    let keyField = try #require(entry["key_field"]?.stringValue), idField = entry["id_field"]?.stringValue
    var counts: [Int: Int] = [:], idDigests: [Int: UInt64] = [:], payloadDigests: [Int: UInt64] = [:]
    var ids = Set<String>()
    var payloads: [String] = []
    for line in output {
        let fields = line.split(separator: "\t", maxSplits: 3).map(String.init)
        guard fields.count == 4, let partition = Int(fields[1]) else { continue }
        payloads.append(fields[3])
        let record = try JSONValue.parse(fields[3])
        #expect(record[keyField]?.stringValue == fields[0], "\(topic): key is not \(keyField)")
        counts[partition, default: 0] += 1
        if let idField {
            let id = record[idField]?.stringValue ?? ""
            ids.insert(id)
            idDigests[partition, default: 0] &+= fnv(id.utf8)
        }
        payloadDigests[partition, default: 0] &+= fnv(fields[3].utf8)
    }
    #expect(payloads.count == sent, "\(topic): kcat read \(payloads.count), the manifest says \(sent)")
    if idField != nil { #expect(ids.count == payloads.count, "\(topic): duplicated IDs") }
    for partition in entry["partitions"]?.arrayValue ?? [] {
        let number = Int(partition["partition"]!.intValue!)
        #expect(Int(partition["count"]!.intValue!) == counts[number], "\(topic)/\(number): count")
        if idField != nil {
            #expect(partition["id_digest"]?.stringValue == String(format: "%016llx", idDigests[number] ?? 0), "\(topic)/\(number): id digest")
        }
        #expect(partition["payload_digest"]?.stringValue == String(format: "%016llx", payloadDigests[number] ?? 0), "\(topic)/\(number): payload digest")
        #expect(partition["last_offset"]!.intValue! - partition["first_offset"]!.intValue! + 1 == partition["count"]!.intValue!)
    }
    return payloads
}

@Test func streamPacesEveryTopicAndItsManifestMatchesWhatKcatReads() throws {
    let broker = try BrokerProcess(brokers: 3)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifestPath = dir.appendingPathComponent("manifest.json").path
    // 15 simulated minutes in 10 wall-clock seconds; 2 % fraud for a few dozen alerts.
    let run = try CLI.run(["stream", "--duration", "0.25", "--speedup", "90", "--brokers", broker.bootstrap,
                           "--manifest", manifestPath, "--seed", "5", "--set", "fraud_rate=0.02"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.text.contains("within 1% of target"), "\(run.text)")
    let manifest = try JSONValue.parse(String(contentsOfFile: manifestPath, encoding: .utf8))
    let topics = try #require(manifest["topics"]?.objectValue)
    #expect(topics.count == 5)
    for (topic, entry) in topics {
        let sent = entry["sent"]?.intValue ?? -1
        #expect(entry["delivered"]?.intValue == sent, "\(topic)")
        #expect(entry["failed"]?.intValue == 0, "\(topic)")
        if entry["derived_from_transactions"]?.boolValue != true {
            let target = entry["target_rate"]?.doubleValue ?? 0, achieved = entry["achieved_rate"]?.doubleValue ?? 0
            #expect(abs(achieved / target - 1) <= 0.01, "\(topic): achieved \(achieved)/s against \(target)/s")
            #expect(entry["planned"]?.intValue == sent, "\(topic): not every planned record was sent")
        }

        try expectTopicMatchesManifest(entry, topic: topic, brokers: broker.bootstrap, sent: Int(sent))
    }
    // Alerts raised by the streamed transactions point at transactions that were streamed, and each left
    // after its transaction, as long after it (in wall time) as its timestamp is after the transaction's / 90.
    #expect((topics.first { $0.0 == "fraud-alerts" }?.1["derived_from_transactions"]?.boolValue) == true)
    let isoMilliseconds = ISO8601DateFormatter()
    isoMilliseconds.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    func sendTimes(_ topic: String, id: String) throws -> [String: (sent: Int64, stamped: Date)] {
        var times: [String: (Int64, Date)] = [:]
        for line in try kcatLines(brokers: broker.bootstrap, topic: topic, format: "%T\t%s\n") {
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            let record = try JSONValue.parse(fields[1])
            let stamp = try #require(isoMilliseconds.date(from: record["timestamp"]?.stringValue ?? ""))
            times[record[id]?.stringValue ?? ""] = (Int64(fields[0]) ?? 0, stamp)
        }
        return times
    }
    let transactions = try sendTimes("transactions", id: "transaction_id")
    let alerts = try sendTimes("fraud-alerts", id: "transaction_id")
    #expect(alerts.count >= 10, "too few alerts to judge their timing")
    for (transaction, alert) in alerts {
        let raisedBy = try #require(transactions[transaction], "alert for \(transaction), which was not streamed")
        let expectedGap = alert.stamped.timeIntervalSince(raisedBy.stamped) * 1000 / 90
        let gap = Double(alert.sent - raisedBy.sent)
        #expect(gap >= 0, "the alert for \(transaction) left before its transaction")
        #expect(abs(gap - expectedGap) < 250, "the alert for \(transaction) left \(gap) ms after it, \(expectedGap) ms due")
    }
}

@Test func sigtermMidStreamFlushesAndTheManifestMatchesWhatKcatReads() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifestPath = dir.appendingPathComponent("manifest.json").path
    let stream = Process()
    stream.executableURL = CLI.executable
    stream.arguments = ["stream", "--duration", "1", "--speedup", "60", "--brokers", broker.bootstrap, "--manifest", manifestPath]
    stream.standardOutput = FileHandle.nullDevice
    stream.standardError = FileHandle.nullDevice
    try stream.run()
    Thread.sleep(forTimeInterval: 3)
    stream.terminate() // SIGTERM
    stream.waitUntilExit()
    #expect(stream.terminationStatus == 0, "a clean stop exits 0")
    let manifest = try JSONValue.parse(String(contentsOfFile: manifestPath, encoding: .utf8))
    #expect(manifest["stopped"]?.stringValue == "stopped by SIGTERM")
    var total = 0
    for (topic, entry) in manifest["topics"]?.objectValue ?? [] {
        let delivered = Int(entry["delivered"]?.intValue ?? -1)
        #expect(entry["sent"]?.intValue == Int64(delivered), "\(topic): sent records not all delivered at the stop")
        let lines = try kcatLines(brokers: broker.bootstrap, topic: topic, format: "%o\n").count
        #expect(lines == delivered, "\(topic): kcat read \(lines), the manifest says \(delivered)")
        total += delivered
    }
    #expect(total > 100, "the stream ran for 3 s before the signal (about 1,000 records on an idle machine)")
}

/// A stream stopped by a signal stops every topic at one simulated instant: a purchase event and its transaction, stamped
/// alike but sent by two threads, are both sent or neither, so the audit of what was sent passes (it failed
/// referential.purchase_transaction in about one stop of five).
@Test func streamsStoppedBySignalsAuditClean() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    for (run, seconds) in [2.2, 2.6, 3.1].enumerated() {
        let manifestPath = dir.appendingPathComponent("manifest-\(run).json").path
        let stream = Process()
        stream.executableURL = CLI.executable
        stream.arguments = ["stream", "--duration", "1", "--speedup", "60", "--rate-multiplier", "2", "--brokers", broker.bootstrap,
                            "--manifest", manifestPath]
        stream.standardOutput = FileHandle.nullDevice
        stream.standardError = FileHandle.nullDevice
        try stream.run()
        Thread.sleep(forTimeInterval: seconds)
        stream.interrupt()
        stream.waitUntilExit()
        #expect(stream.terminationStatus == 0)
        let audit = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifestPath])
        #expect(audit.status == 0, "stopped after \(seconds) s: \(audit.text.split(separator: "\n").filter { $0.contains("fail") })")
    }
}

/// A broker that goes away mid-stream stops the run within its --connect-timeout (and the flush that follows): exit 3
/// naming the broker, the manifest written with what was not delivered; a signal then is not waited out either.
@Test func aBrokerGoneMidStreamEndsTheRunWithinItsTimeout() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifestPath = dir.appendingPathComponent("manifest.json").path
    let started = Date()
    let stream = Process()
    stream.executableURL = CLI.executable
    stream.arguments = ["stream", "--duration", "1", "--speedup", "60", "--brokers", broker.bootstrap, "--connect-timeout", "3",
                        "--manifest", manifestPath]
    let errors = Pipe()
    stream.standardOutput = FileHandle.nullDevice
    stream.standardError = errors
    try stream.run()
    Thread.sleep(forTimeInterval: 2)
    broker.process.interrupt()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    stream.waitUntilExit()
    let elapsed = Date().timeIntervalSince(started)
    #expect(stream.terminationStatus == 3)
    #expect(elapsed < 30, "ended \(elapsed) s after it started (the broker left at 2 s, the timeout is 3 s)")
    #expect(stderr.contains("not delivered") || stderr.contains("all broker connections down"), "\(stderr.suffix(600))")
    let manifest = try JSONValue.parse(String(contentsOfFile: manifestPath, encoding: .utf8))
    #expect(manifest["stopped"]?.stringValue?.contains("all broker connections down") == true)
}
