import EcomJSON
import Foundation
import Testing

/// The report without what differs between any two runs: timings, the command line, and latencies (measured at
/// reading).
private func comparable(_ report: JSONValue) -> JSONValue {
    let varying: Set<String> = ["started", "finished", "seconds", "records_per_second", "latency_ms", "command", "duration_seconds", "timings"]
    switch report {
    case let .object(members): return .object(members.filter { !varying.contains($0.0) }.map { ($0.0, comparable($0.1)) })
    case let .array(items): return .array(items.map(comparable))
    default: return report
    }
}

/// Each field of `report` that is not the same in `reference`, as `path: reference value -> value`.
private func differences(_ reference: JSONValue, _ report: JSONValue, at path: String = "") -> [String] {
    switch (reference, report) {
    case let (.object(a), .object(b)):
        let names = a.map(\.0) + b.map(\.0).filter { name in !a.contains { $0.0 == name } }
        return names.flatMap { name -> [String] in
            let left = a.first { $0.0 == name }?.1, right = b.first { $0.0 == name }?.1
            guard let left, let right else { return ["\(path)/\(name): \(left?.encoded() ?? "absent") -> \(right?.encoded() ?? "absent")"] }
            return differences(left, right, at: "\(path)/\(name)")
        }
    case let (.array(a), .array(b)) where a.count == b.count:
        return zip(a, b).enumerated().flatMap { differences($0.element.0, $0.element.1, at: "\(path)[\($0.offset)]") }
    default:
        return reference == report ? [] : ["\(path): \(reference.encoded()) -> \(report.encoded())"]
    }
}

/// A seeded stream's topic with defects planted across partitions (the validating threads split each batch between them): a copy
/// of partition 0's first record on partition 3, a payload on partition 1 that is not JSON, and a record on partition
/// 2 stamped before the ones its key had last (out of order). The audit validating on 2 and on 3 threads writes, field
/// by field, the report of the audit validating on one; every planted defect is in it.
@Test func auditValidatingOnSeveralThreadsWritesTheOneThreadReport() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(at: dir) } }
    let manifest = dir.appendingPathComponent("manifest.json").path
    let stream = try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "transactions", "--seed", "13",
                              "--brokers", broker.bootstrap, "--manifest", manifest])
    try #require(stream.status == 0, "\(stream.stderr)")
    var partitions: [[(key: String, value: String)]] = Array(repeating: [], count: 4)
    for line in try kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%p\t%k\t%s\n") {
        let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
        partitions[Int(fields[0])!].append((fields[1], fields[2]))
    }
    try #require(partitions.allSatisfy { $0.count > 10 })
    func field(_ name: String, _ value: String) throws -> String { try #require(JSONValue.parse(value)[name]?.stringValue) }
    let copied = partitions[0][0]
    // The last record of partition 2 of a key read there before too: the planted record comes after two of its key
    // in order, so it is the one out of place (with one, the key's record before it would be).
    let p2 = partitions[2]
    let last = try #require(p2.indices.reversed().first { index in p2[..<index].contains { $0.key == p2[index].key } }.map { p2[$0] })
    let lastID = try field("transaction_id", last.value), lastTime = try field("timestamp", last.value)
    let earlier = try field("timestamp", partitions[2][0].value)
    try #require(earlier < lastTime)
    // IDs are numbered: one far past the stream's is no other record's.
    let newID = "txn_999999999"
    let late = last.value.replacingOccurrences(of: "\"\(lastID)\"", with: "\"\(newID)\"")
        .replacingOccurrences(of: "\"timestamp\":\"\(lastTime)\"", with: "\"timestamp\":\"\(earlier)\"")
    try #require(try field("transaction_id", late) == newID && field("timestamp", late) == earlier)
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 3, lines: ["\(copied.key)\t\(copied.value)"])
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 1, lines: ["\(partitions[1][0].key)\tnot json"])
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 2, lines: ["\(last.key)\t\(late)"])

    func audit(threads: Int) throws -> JSONValue {
        let json = dir.appendingPathComponent("audit-\(threads).json").path
        let run = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--validator-threads", "\(threads)", "--json", json])
        #expect(run.status == 1, "\(run.text)\(run.stderr)")
        #expect(run.stderr.contains("validating on \(threads) threads") == (threads > 1), "\(run.stderr)")
        return try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
    }
    let one = try audit(threads: 1)
    func transactions(_ id: String) -> JSONValue? { checks(one, id).first { $0["record_type"]?.stringValue == "transactions" } }
    #expect(transactions("audit.duplicate")?["violations"]?.intValue == 1)
    #expect(locations(transactions("audit.duplicate")).allSatisfy { $0.hasPrefix("transactions/3@") })
    #expect(transactions("audit.parse")?["violations"]?.intValue == 1)
    #expect(locations(transactions("audit.unexpected")) == ["transactions/2@\(partitions[2].count)"])
    #expect(locations(transactions("audit.order_per_key")) == ["transactions/2@\(partitions[2].count)"])
    // The validator's own checks see the defects across the partitions too: the copy on partition 3 is the second
    // of its ID, the non-JSON payload does not parse. A partition interleaves many keys, so its time order is judged
    // per key (audit.order_per_key above), not as a file's.
    #expect(locations(transactions("referential.unique_id")) == ["transactions/3@\(partitions[3].count)"])
    #expect(transactions("temporal.file_order") == nil)
    #expect(locations(checks(one, "schema.parse").first) == ["transactions/1@\(partitions[1].count)"])
    for threads in [2, 3] {
        let found = differences(comparable(one), comparable(try audit(threads: threads)))
        #expect(found.isEmpty, "validating on \(threads) threads: \(found.prefix(20).joined(separator: "\n"))")
    }
}
