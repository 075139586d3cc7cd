import EcomJSON
import Foundation
import Testing

/// The report without what differs between any two runs: timings, the command line, paths, and latencies
/// (measured at reading).
private func comparable(_ report: JSONValue) -> JSONValue {
    let varying: Set<String> = ["started", "finished", "seconds", "records_per_second", "latency_ms", "command", "duration_seconds",
                                "records_per_second", "path", "manifest", "timings"]
    switch report {
    case let .object(members): return .object(members.filter { !varying.contains($0.0) }.map { ($0.0, comparable($0.1)) })
    case let .array(items): return .array(items.map(comparable))
    default: return report
    }
}

/// Two audits that join one consumer group (`--members 2`: neither reads before the group has both, however late one
/// starts on a loaded machine) share a seeded stream's partitions; `merge` of their partials gives
/// the report one audit of every partition gives, defects included: a record copied onto another partition (a
/// duplicate across the members' shares, and misplaced), a non-JSON payload, a record dropped.
@Test func groupMembersPartialsMergeIntoTheSingleAuditsReport() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let manifest = dir.appendingPathComponent("manifest.json").path
    let stream = try CLI.run(["stream", "--duration", "0.05", "--max", "--topics", "transactions", "fraud-alerts", "--seed", "11",
                              "--brokers", broker.bootstrap, "--manifest", manifest])
    try #require(stream.status == 0, "\(stream.stderr)")
    // Planted after the run: a copy of partition 3's first transaction on partition 0 (a lower partition than its
    // key's), and a payload that is not JSON.
    let first = try #require(kcatLines(brokers: broker.bootstrap, topic: "transactions", format: "%p\t%k\t%s\n").first { $0.hasPrefix("3\t") })
    let fields = first.split(separator: "\t", maxSplits: 2).map(String.init)
    try kcatProduce(brokers: broker.bootstrap, topic: "transactions", partition: 0, lines: ["\(fields[1])\t\(fields[2])", "\(fields[1])\tnot json"])

    let single = dir.appendingPathComponent("single.json").path
    let one = try CLI.run(["audit", "--brokers", broker.bootstrap, "--manifest", manifest, "--json", single])
    #expect(one.status == 1, "\(one.text)\(one.stderr)")

    let group = "audit-\(UUID().uuidString)"
    let partials = (0..<2).map { dir.appendingPathComponent("member\($0).part").path }
    let bootstrap = broker.bootstrap
    let members = MemberResults()
    // The embedded broker waits the session timeout less 1 s before it answers the joins of a rebalance that a late
    // member started, and a member whose join it never answered joins again only when the request times out
    // (max.poll.interval.ms + 3 s). With librdkafka's defaults (45 s, 300 s) two such rounds on a loaded machine
    // outlast a member's 75 s wait for partitions (CI, 2026-11-26: neither member was given any); with these, the
    // group forms in 5-25 s.
    DispatchQueue.concurrentPerform(iterations: 2) { index in
        members.store(index, try? CLI.run(["audit", "--brokers", bootstrap, "--manifest", manifest, "--group", group, "--members", "2",
                                           "--partial", partials[index], "-X", "session.timeout.ms=10000", "-X", "max.poll.interval.ms=30000"]))
    }
    let results = members.results
    for member in results {
        let member = try #require(member)
        #expect(member.status == 0, "\(member.text)\(member.stderr)")
    }
    // Each member read a share, not everything: together, every record once.
    let shares = results.compactMap { member in
        member?.text.firstMatch(of: /wrote [^:]+: (\d+) records/).flatMap { Int($0.1) }
    }
    let singleRecords = try JSONValue.parse(String(contentsOfFile: single, encoding: .utf8))["summary"]?["records"]?.intValue
    #expect(shares.count == 2 && shares.allSatisfy { $0 > 0 }, "\(results.map { $0?.text ?? "" })")
    #expect(Int64(shares.reduce(0, +)) == singleRecords)

    let merged = dir.appendingPathComponent("merged.json").path
    let merge = try CLI.run(["merge"] + partials + ["--json", merged])
    #expect(merge.status == 1, "\(merge.text)\(merge.stderr)")
    let singleReport = try JSONValue.parse(String(contentsOfFile: single, encoding: .utf8))
    let mergedReport = try JSONValue.parse(String(contentsOfFile: merged, encoding: .utf8))
    func transactions(_ id: String) -> JSONValue? { checks(singleReport, id).first { $0["record_type"]?.stringValue == "transactions" } }
    #expect(transactions("audit.duplicate")?["violations"]?.intValue == 1)
    #expect(transactions("audit.parse")?["violations"]?.intValue == 1)
    // The stray copy planted on partition 0 is the duplicate, not the record on its key's partition 3, though it comes
    // first by partition and its member may have read it first; partition 3's count is whole.
    #expect(locations(transactions("audit.duplicate")).allSatisfy { $0.hasPrefix("transactions/0@") })
    #expect(!locations(transactions("audit.count")).contains { $0.hasPrefix("transactions/3") })
    // The validator names the same copy: its unique-ID check ranks a copy on its key's partition first too.
    #expect(transactions("referential.unique_id")?["violations"]?.intValue == 1)
    #expect(locations(transactions("referential.unique_id")) == locations(transactions("audit.duplicate")))
    let same = comparable(mergedReport) == comparable(singleReport)
    #expect(same, "the merged report differs from the single audit's")
    if !same {
        for (single, merged) in zip(singleReport["checks"]?.arrayValue ?? [], mergedReport["checks"]?.arrayValue ?? [])
        where comparable(single) != comparable(merged) {
            Issue.record("differs: \(single.encoded())\n  merged: \(merged.encoded())")
        }
    }

    // One member's partial given twice is named as such (not blamed on a rebalance), exit 2.
    let twice = try CLI.run(["merge", partials[0], partials[0], "--json", dir.appendingPathComponent("twice.json").path])
    #expect(twice.status == 2 && twice.stderr.contains("given twice"), "\(twice.text)\(twice.stderr)")

    // A member's partial left out: the partitions it read are named, not reported as missing records.
    let short = try CLI.run(["merge", partials[0], "--json", dir.appendingPathComponent("short.json").path])
    #expect(short.status == 3, "\(short.text)\(short.stderr)")
    #expect(short.stderr.contains("were read by none of the 1 members given"), "\(short.stderr)")
}

/// What each concurrently run member printed, stored under a lock and read after the members ended.
private final class MemberResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [CLI.Result?] = [nil, nil]

    func store(_ index: Int, _ result: CLI.Result?) { lock.withLock { slots[index] = result } }

    var results: [CLI.Result?] { lock.withLock { slots } }
}
