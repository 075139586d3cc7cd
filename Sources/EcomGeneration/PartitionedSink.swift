import EcomJSON
import EcomModel
import Foundation

/// Writes a time-ordered stream into `DIR/<type>/date=YYYY-MM-DD/part-00000.ndjson`, one file per UTC day,
/// keeping a count and SHA-256 of each file for the manifest.
public final class PartitionedSink: RecordTarget {
    /// One day's file.
    public struct Partition: Sendable {
        /// UTC date of the records.
        public let date: CivilDate
        /// Path relative to the root directory.
        public let path: String
        /// Records in the file.
        public let records: Int
        /// Bytes in the file.
        public let bytes: Int
        /// SHA-256 of the file.
        public let sha256: String
    }

    private let root: String
    private let type: RecordType
    private var current: (day: Int64, sink: RecordSink, path: String)?
    /// Finished partitions, in date order.
    public private(set) var partitions: [Partition] = []

    /// Writes `type` under `root`.
    public init(root: String, type: RecordType) {
        self.root = root
        self.type = type
    }

    public func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
        let day = Timestamp.floorDiv(timestamp, Timestamp.millisecondsPerDay)
        if current?.day != day {
            try closeCurrent()
            try open(day: day)
        }
        try current!.sink.write(record, timestamp: timestamp)
    }

    public func write(_ output: BlockOutput, entries: ArraySlice<BlockOutput.Entry>) throws(GenerationError) {
        guard let first = entries.first, let last = entries.last else { return }
        let day = Timestamp.floorDiv(first.timestamp, Timestamp.millisecondsPerDay)
        if day == Timestamp.floorDiv(last.timestamp, Timestamp.millisecondsPerDay) {
            if current?.day != day {
                try closeCurrent()
                try open(day: day)
            }
            try current!.sink.write(output, entries: entries)
        } else {
            for entry in entries { try write(output.bytes(of: entry), timestamp: entry.timestamp) }
        }
    }

    /// Makes sure a partition exists for every day in [first, last] (an empty file for a day without records).
    public func finish(days: ClosedRange<Int64>) throws(GenerationError) {
        try closeCurrent()
        let written = Set(partitions.map(\.date.daysSinceEpoch))
        for day in days where !written.contains(day) {
            try open(day: day)
            try closeCurrent()
        }
        partitions.sort { $0.date < $1.date }
    }

    private func open(day: Int64) throws(GenerationError) {
        let date = CivilDate(daysSinceEpoch: day)
        let relative = "\(type.rawValue)/date=\(date)/part-00000.ndjson"
        let directory = "\(root)/\(type.rawValue)/date=\(date)"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the directory")
        }
        current = (day, try RecordSink(path: "\(root)/\(relative)", computeDigest: true), relative)
    }

    private func closeCurrent() throws(GenerationError) {
        guard let current else { return }
        let digest = try current.sink.finish() ?? ""
        partitions.append(Partition(date: CivilDate(daysSinceEpoch: current.day), path: current.path,
                                    records: current.sink.records, bytes: current.sink.bytes, sha256: digest))
        self.current = nil
    }
}

extension ECommerceDataGenerator {
    /// Every type over `days` days from `start` at the configured rates, partitioned by day under `directory`,
    /// with catalogs and a `manifest.json` (counts and digests per type and day). Alerts are the ones the
    /// transactions raised; every transaction is the purchase of a session of the user events. Returns the manifest.
    public func generateHistorical(days: Int, start: Timestamp, directory: String, rateMultiplier: Double = 1,
                                   threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                   progress: ((RecordType, Int, Int) -> Void)? = nil) throws(GenerationError) -> JSONValue {
        guard days >= 1 else { throw .invalidRequest("--days must be at least 1") }
        let end = start.adding(milliseconds: Int64(days) * Timestamp.millisecondsPerDay)
        try catalog.write(to: "\(directory)/catalog")
        let firstDay = Timestamp.floorDiv(start.milliseconds, Timestamp.millisecondsPerDay)
        let lastDay = Timestamp.floorDiv(end.milliseconds - 1, Timestamp.millisecondsPerDay)
        var sinks: [RecordType: PartitionedSink] = [:]
        for type in RecordType.allCases { sinks[type] = PartitionedSink(root: directory, type: type) }
        // User events hold the purchase session of every transaction written here.
        let transactions = expectedCount(type: .transactions, start: start, end: end, rateMultiplier: rateMultiplier)
        for type in RecordType.allCases where type != .fraudAlerts {
            let count = expectedCount(type: type, start: start, end: end, rateMultiplier: rateMultiplier)
            try write(type: type, count: count, start: start, end: end, to: sinks[type]!,
                      alerts: type == .transactions ? sinks[.fraudAlerts] : nil, transactions: transactions, rateMultiplier: rateMultiplier, threads: threads,
                      progress: progress.map { report in { written, planned in report(type, written, planned) } })
        }
        var types: [(String, JSONValue)] = []
        for type in RecordType.allCases {
            let sink = sinks[type]!
            try sink.finish(days: firstDay...lastDay)
            types.append((type.rawValue, .object([
                ("topic", .string(type.topic)),
                ("records", .int(Int64(sink.partitions.reduce(0) { $0 + $1.records }))),
                ("days", .array(sink.partitions.map { partition in
                    .object([
                        ("date", .string(partition.date.description)),
                        ("path", .string(partition.path)),
                        ("records", .int(Int64(partition.records))),
                        ("bytes", .int(Int64(partition.bytes))),
                        ("sha256", .string(partition.sha256)),
                    ])
                })),
            ])))
        }
        let manifest = JSONValue.object([
            ("format", .string("ecomdata.historical/v1")),
            ("tool_version", .string(EcomVersion.current)),
            ("seed", .int(Int64(bitPattern: seed))),
            ("scenario", .string(scenario.rawValue)),
            ("config_sha256", .string(config.digest)),
            ("start", .string(start.description)),
            ("end", .string(end.description)),
            ("catalog", .object([
                ("users", .int(Int64(catalog.users.count))),
                ("products", .int(Int64(catalog.products.count))),
                ("cities", .int(Int64(catalog.cities.count))),
                ("path", .string("catalog/")),
            ])),
            ("types", .object(types)),
        ])
        let path = "\(directory)/manifest.json"
        if let problem = Paths.write(manifest.encoded(pretty: true) + "\n", to: path) { throw .io(path: path, reason: problem) }
        return manifest
    }
}
