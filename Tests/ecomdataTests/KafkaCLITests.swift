import EcomJSON
import Foundation
import Testing

/// Starts `ecomdata broker` as a process and waits for its bootstrap file.
final class BrokerProcess {
    let process = Process()
    let bootstrap: String

    init(brokers: Int, arguments: [String] = []) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-bootstrap-\(UUID().uuidString)")
        process.executableURL = CLI.executable
        process.arguments = ["broker", "--brokers-count", "\(brokers)", "--bootstrap-file", file.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try? FileManager.default.removeItem(at: file)
        bootstrap = text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        process.interrupt()
        process.waitUntilExit()
    }
}

/// Reads a topic from its start to its end with kcat, an independent client, one line per record in `format`.
func kcatLines(brokers: String, topic: String, format: String) throws -> [String] {
    let read = Process()
    read.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    read.arguments = ["-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", format]
    let pipe = Pipe()
    read.standardOutput = pipe
    read.standardError = FileHandle.nullDevice
    try read.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    read.waitUntilExit()
    return output.split(separator: "\n").map(String.init)
}

/// A regular file is sent from a memory mapping without copies, released in 8 MB segments as it is delivered;
/// a pipe goes through a buffer. Both must arrive byte for byte, keyed and digested as the manifest says.
@Test func producedFileArrivesWholeAndKeyedAsKcatReadsIt() throws {
    let broker = try BrokerProcess(brokers: 3)
    try #require(!broker.bootstrap.isEmpty, "the broker wrote no bootstrap address")
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    // Over 8 MB: two segments of the mapping.
    #expect(try CLI.run(["generate", "--type", "user_events", "--count", "30000", "--seed", "11", "--out", file]).status == 0)
    let expected = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    #expect(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0 > 8 << 20)

    let fifo = dir.appendingPathComponent("events.pipe").path
    #expect(mkfifo(fifo, 0o600) == 0)
    for (source, topic) in [(file, "user-events"), (fifo, "piped-events")] {
        if source == fifo {
            // The writer blocks until produce opens the pipe.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            Thread.detachNewThread { FileHandle(forWritingAtPath: fifo)?.write(bytes) }
        }
        let manifestPath = dir.appendingPathComponent("\(topic).json").path
        let produced = try CLI.run(["produce", source, "--topic", topic, "--key-field", "session_id",
                                    "--brokers", broker.bootstrap, "--manifest", manifestPath])
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.text.contains("30000 sent, 30000 delivered, 0 failed"), "\(produced.text)")
        let manifest = try JSONValue.parse(String(contentsOfFile: manifestPath, encoding: .utf8))
        #expect(manifest["kind"]?.stringValue == "produce")
        let entry = try #require(manifest["topics"]?[topic])
        let payloads = try expectTopicMatchesManifest(entry, topic: topic, brokers: broker.bootstrap, sent: 30000)
        #expect(payloads.sorted() == expected, "\(topic): records lost or altered on the way")
        // The same key always lands on the same partition.
        var partitionOfKey: [String: String] = [:]
        for line in try kcatLines(brokers: broker.bootstrap, topic: topic, format: "%k\t%p\n") {
            let fields = line.split(separator: "\t").map(String.init)
            if let partition = partitionOfKey[fields[0]] { #expect(partition == fields[1], "session \(fields[0]) on two partitions") }
            partitionOfKey[fields[0]] = fields[1]
        }
    }
}

@Test func produceStopsAtARecordWithoutItsKeyNamingFileAndLine() throws {
    let broker = try BrokerProcess(brokers: 1)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("bad.ndjson")
    try "{\"user_id\":\"user_000001\",\"n\":1}\n{\"n\":2}\n".write(to: file, atomically: true, encoding: .utf8)
    let result = try CLI.run(["produce", file.path, "--topic", "transactions", "--brokers", broker.bootstrap,
                              "--manifest", dir.appendingPathComponent("m.json").path])
    #expect(result.status == 3)
    #expect(result.stderr.contains("\(file.path):2"), "\(result.stderr)")
}

@Test func badKafkaPropertyExitsTwoAndUnreachableBrokerThree() throws {
    let bad = try CLI.run(["topics", "list", "--brokers", "127.0.0.1:1", "-X", "socket.timeout.ms=banana"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("socket.timeout.ms"))
    let started = Date()
    let unreachable = try CLI.run(["topics", "list", "--brokers", "127.0.0.1:1", "--timeout", "2"])
    #expect(unreachable.status == 3)
    #expect(unreachable.stderr.contains("127.0.0.1:1"))
    #expect(Date().timeIntervalSince(started) < 15)

    let streamStarted = Date()
    let stream = try CLI.run(["stream", "--duration", "0.01", "--brokers", "127.0.0.1:1", "--connect-timeout", "2"])
    #expect(stream.status == 3)
    #expect(stream.stderr.contains("127.0.0.1:1"))
    #expect(Date().timeIntervalSince(streamStarted) < 15, "stream must give up on an unreachable broker, not queue records")
}

@Test func healthIsGreenOnTheBrokerAndRedWithoutOne() throws {
    let broker = try BrokerProcess(brokers: 1)
    let healthy = try CLI.run(["health", "--brokers", broker.bootstrap, "--json"])
    #expect(healthy.status == 0, "\(healthy.text)\(healthy.stderr)")
    let report = try JSONValue.parse(healthy.text)
    #expect(report["healthy"]?.boolValue == true)
    #expect(report["topics"]?.arrayValue?.allSatisfy { $0["partitions"]?.intValue == 4 } == true)
    #expect((report["canary_ms"]?.doubleValue ?? -1) >= 0)

    let down = try CLI.run(["health", "--brokers", "127.0.0.1:1", "--timeout", "2"])
    #expect(down.status == 3)
    #expect(down.text.contains("NOT healthy") && down.text.contains("127.0.0.1:1"))
}

/// `health` with a property librdkafka rejects is a usage error (not a cluster that seems down); `topics create` with
/// every topic there has nothing to create and says so at once; `topics list` on the in-process broker lists the seed's
/// topics, as `broker` creates them; an unknown property's value is not shown (it may be a misspelt secret).
@Test func topicsAndHealthAnswerAsTheClusterIs() throws {
    let broker = try BrokerProcess(brokers: 1)
    try #require(!broker.bootstrap.isEmpty)
    let health = try CLI.run(["health", "--brokers", broker.bootstrap, "-X", "nope=1"])
    #expect(health.status == 2 && health.stderr.contains("nope=***"), "\(health.stderr)")
    let started = Date()
    let create = try CLI.run(["topics", "create", "--brokers", broker.bootstrap, "--timeout", "5"])
    #expect(create.status == 0 && create.text.contains("nothing to create") && Date().timeIntervalSince(started) < 10, "\(create.text)\(create.stderr)")
    let embedded = try CLI.run(["topics", "list", "--brokers", "embedded"])
    #expect(embedded.status == 0 && !embedded.text.contains("missing") && embedded.text.contains("transactions         4 partitions"), "\(embedded.text)")
    let misspelt = try CLI.run(["topics", "list", "--brokers", broker.bootstrap, "-X", "sasl.pasword=hunter2"])
    #expect(misspelt.status == 2 && !misspelt.stderr.contains("hunter2"), "\(misspelt.stderr)")
}
