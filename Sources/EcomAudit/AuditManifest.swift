import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

/// What an audit needs from a run's `ecomdata.manifest/v1` (see ``EcomKafka/RunManifest``): per topic and
/// partition the delivered offsets, counts and digests, and for a generated run what regenerates its records.
public struct AuditManifest: Sendable {
    /// One partition as the producer's delivery reports saw it.
    public struct Partition: Sendable {
        /// The first and last offsets the delivery reports gave.
        public var firstOffset: Int64
        public var lastOffset: Int64
        /// Records delivered.
        public var count: Int
        /// Order-independent digests of the IDs and payloads delivered (see the manifest's `digest_method`).
        public var idDigest: UInt64?
        public var payloadDigest: UInt64?
    }

    /// One topic of the run.
    public struct Topic: Sendable {
        /// The payload field the records were keyed by.
        public var keyField: String
        /// The payload field digested as the record ID, when the topic has one.
        public var idField: String?
        /// Records handed to the producer, and records the broker confirmed.
        public var sent: Int
        public var delivered: Int
        /// Records the schedule held (generated runs).
        public var planned: Int?
        /// Alerts raised by the streamed transactions rather than generated on their own.
        public var derivedFromTransactions: Bool
        /// The topic's partition count when the run ended (manifests written before it was recorded have none).
        public var partitionCount: Int?
        public var partitions: [Int32: Partition]
    }

    /// Where the manifest was read from (nil when built in memory).
    public var path: String?
    /// `stream`, `produce`, ...
    public var kind: String
    public var runID: String
    /// Seed, scenario, config digest and simulated window of a generated run.
    public var seed: UInt64?
    public var scenario: Scenario?
    public var configSHA256: String?
    public var simulatedStart: Timestamp?
    public var simulatedEnd: Timestamp?
    /// The rates' multiplier of a stream run (1 when the manifest does not say).
    public var rateMultiplier: Double = 1
    /// For a replay that rebased its records or looped them on in time, how: their timestamps are then not those the
    /// records were made at (see `ValidationSettings.timesMoved`).
    public var timesMoved: String?
    /// For such a replay: how far its first pass moved the timestamps, and how much further its last pass did
    /// (milliseconds); the window its records are in moves by as much.
    public var timeShift: (first: Int64, lastPassFurther: Int64) = (0, 0)
    /// Why the run stopped early, or nil when it ran to its end.
    public var stopped: String?
    /// Per topic name.
    public var topics: [String: Topic]
    /// The document, as JSON text (a group's partials carry it, so that their merge needs no other file).
    public let text: String

    /// Reads a manifest document.
    /// - Throws: ``AuditError/manifest(path:problem:)`` naming what is wrong.
    public init(json: JSONValue, path: String? = nil) throws(AuditError) {
        let name = path ?? "manifest"
        guard json["format"]?.stringValue == "ecomdata.manifest/v1" else {
            throw .manifest(path: name, problem: "not an ecomdata.manifest/v1 document (format is \(json["format"]?.stringValue ?? "missing"))")
        }
        self.path = path
        text = json.encoded()
        kind = json["kind"]?.stringValue ?? "unknown"
        runID = json["run_id"]?.stringValue ?? ""
        seed = json["seed"]?.intValue.map { UInt64(bitPattern: $0) }
        scenario = json["scenario"]?.stringValue.flatMap(Scenario.init(rawValue:))
        configSHA256 = json["config_sha256"]?.stringValue
        simulatedStart = json["simulated_start"]?.stringValue.flatMap(Timestamp.init(parsing:))
        simulatedEnd = json["simulated_end"]?.stringValue.flatMap(Timestamp.init(parsing:))
        rateMultiplier = json["rate_multiplier"]?.doubleValue ?? 1
        stopped = json["stopped"]?.stringValue
        if kind == "replay" {
            var moves: [String] = []
            if let shift = json["timestamp_shift_ms"]?.intValue, shift != 0 {
                moves.append("rebased by \(shift) ms")
                timeShift.first = shift
            }
            if let loops = json["loops"]?.intValue, loops > 1 {
                let period = json["loop_period_ms"]?.intValue
                moves.append("looped \(loops) times, each pass \(period.map { "\($0) ms" } ?? "a period") later")
                let (further, overflow) = (loops - 1).multipliedReportingOverflow(by: period ?? 0)
                timeShift.lastPassFurther = overflow ? Int64.max / 4 : further
            }
            timesMoved = moves.isEmpty ? nil : "the replay " + moves.joined(separator: " and ")
        }
        guard let topicMembers = json["topics"]?.objectValue else { throw .manifest(path: name, problem: "no topics") }
        func digest(_ value: JSONValue?) -> UInt64? { value?.stringValue.flatMap { UInt64($0, radix: 16) } }
        var topics: [String: Topic] = [:]
        for (topicName, entry) in topicMembers {
            var partitions: [Int32: Partition] = [:]
            for partition in entry["partitions"]?.arrayValue ?? [] {
                guard let number = partition["partition"]?.intValue, let first = partition["first_offset"]?.intValue,
                      let last = partition["last_offset"]?.intValue, let count = partition["count"]?.intValue else {
                    throw .manifest(path: name, problem: "topic \(topicName): a partition entry without partition, first_offset, last_offset or count")
                }
                partitions[Int32(number)] = Partition(firstOffset: first, lastOffset: last, count: Int(count),
                                                      idDigest: digest(partition["id_digest"]), payloadDigest: digest(partition["payload_digest"]))
            }
            topics[topicName] = Topic(
                keyField: entry["key_field"]?.stringValue ?? RecordType.allCases.first { $0.topic == topicName }?.keyField ?? "",
                idField: entry["id_field"]?.stringValue, sent: Int(entry["sent"]?.intValue ?? 0),
                delivered: Int(entry["delivered"]?.intValue ?? 0), planned: entry["planned"]?.intValue.map { Int($0) },
                derivedFromTransactions: entry["derived_from_transactions"]?.boolValue ?? false,
                partitionCount: entry["partition_count"]?.intValue.map { Int($0) }, partitions: partitions)
        }
        self.topics = topics
    }

    /// Reads a manifest from its JSON text; `path` names it in errors and reports.
    /// - Throws: ``AuditError/manifest(path:problem:)``.
    public static func parse(_ text: String, path: String?) throws(AuditError) -> AuditManifest {
        do {
            return try AuditManifest(json: try JSONValue.parse(text), path: path)
        } catch let error as AuditError {
            throw error
        } catch {
            throw .manifest(path: path ?? "manifest", problem: "not JSON: \(error)")
        }
    }

    /// Reads the manifest at `path`.
    /// - Throws: ``AuditError/manifest(path:problem:)``.
    public static func load(path: String) throws(AuditError) -> AuditManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .manifest(path: path, problem: "cannot read the file")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw .manifest(path: path, problem: "not JSON: \(error)")
        }
        return try AuditManifest(json: json, path: path)
    }

    /// Whether the run's records can be generated again: a stream run with its seed, scenario and window.
    public var isRegenerable: Bool { kind == "stream" && seed != nil && scenario != nil && simulatedStart != nil && simulatedEnd != nil }
}
