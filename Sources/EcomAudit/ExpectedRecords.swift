import EcomGeneration
import EcomKafka
import EcomModel

/// The records a seeded run sent to one topic, generated again, so that the audit can compare each record it
/// reads with the one that was sent and name what is missing or altered.
public final class ExpectedRecords {
    /// Record IDs in the order they were sent.
    public private(set) var ids: [String] = []
    /// ``EcomKafka/fnv1a(_:)`` of each payload.
    private(set) var payloadHashes: [UInt64] = []
    /// The partition each record's key lands on.
    private(set) var partitions: [Int32] = []
    /// Position of a record by the hash of its ID.
    private var positions: [UInt64: Int32] = [:]
    /// Whether each record has been read.
    var seen: [Bool] = []

    /// Records expected.
    public var count: Int { ids.count }

    /// The position of the record whose ID hashes to `idHash`.
    func position(ofID idHash: UInt64) -> Int? { positions[idHash].map(Int.init) }

    /// Keeps only the first `count` records (a run stopped early sent a prefix of its records).
    func truncate(to count: Int) {
        guard count < ids.count else { return }
        for index in count..<ids.count { positions[fnv1aOf(ids[index])] = nil }
        ids.removeSubrange(count...)
        payloadHashes.removeSubrange(count...)
        partitions.removeSubrange(count...)
        seen.removeSubrange(count...)
    }

    /// The records of every generated topic of a stream: `plans` says per topic how many records the run planned
    /// (for alerts raised by the transactions, the transactions' count) and how many partitions the topic has.
    /// - Throws: ``EcomGeneration/GenerationError`` from the generator.
    public static func regenerate(generator: ECommerceDataGenerator, start: Timestamp, end: Timestamp, rateMultiplier: Double,
                                  plans: [(type: RecordType, planned: Int, derivedFrom: Int?, partitions: Int)]) throws(GenerationError) -> [String: ExpectedRecords] {
        var result: [String: ExpectedRecords] = [:]
        for plan in plans {
            let records = ExpectedRecords()
            let collector = Collector(records: records, type: plan.type, partitions: plan.partitions)
            if let transactions = plan.derivedFrom {
                try generator.write(type: .transactions, count: transactions, start: start, end: end, to: Discard(), alerts: collector, threads: 2)
            } else {
                try generator.write(type: plan.type, count: plan.planned, start: start, end: end, to: collector, rateMultiplier: rateMultiplier, threads: 2)
            }
            records.seen = Array(repeating: false, count: records.count)
            result[plan.type.topic] = records
        }
        return result
    }

    /// Takes generated records: their IDs, payload hashes and partitions.
    private final class Collector: RecordTarget {
        let records: ExpectedRecords
        let ids: KeyExtractor
        let keys: KeyExtractor
        let partitionCount: Int

        init(records: ExpectedRecords, type: RecordType, partitions: Int) {
            self.records = records
            ids = KeyExtractor(field: type.idField)
            keys = KeyExtractor(field: type.keyField)
            partitionCount = partitions
        }

        func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {
            let payload = UnsafeBufferPointer(rebasing: record.dropLast()) // without the newline
            let id = ids.key(in: payload).map { String(decoding: $0, as: UTF8.self) } ?? ""
            records.positions[fnv1aOf(id)] = Int32(records.ids.count)
            records.ids.append(id)
            records.payloadHashes.append(fnv1a(payload))
            records.partitions.append(keys.key(in: payload).map { KafkaPartitioner.partition(of: $0, partitions: partitionCount) } ?? -1)
        }
    }

    private final class Discard: RecordTarget {
        func write(_ record: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(GenerationError) {}
    }
}

/// ``EcomKafka/fnv1a(_:)`` of a string's UTF-8 bytes.
func fnv1aOf(_ text: String) -> UInt64 {
    var copy = text
    return copy.withUTF8 { fnv1a($0) }
}

extension ExpectedRecords {
    /// The records of a seeded stream run, from its manifest and the configuration it ran with, for the
    /// topics given (with their partition counts); empty with the reason when they cannot be generated again.
    public static func regenerate(manifest: AuditManifest, config: DataGenerationConfig,
                                  partitions: [String: Int]) -> (records: [String: ExpectedRecords], note: String?) {
        guard manifest.isRegenerable, let seed = manifest.seed, let scenario = manifest.scenario,
              let start = manifest.simulatedStart, let end = manifest.simulatedEnd else {
            return ([:], "the manifest is not a seeded stream run's (kind \(manifest.kind)): records are compared by count and digest")
        }
        guard config.digest == manifest.configSHA256 else {
            return ([:], "the configuration given is not the run's (config_sha256 differs): pass --config and --set as the run had them to name records; compared by count and digest")
        }
        let generator = ECommerceDataGenerator(config: config, seed: seed, scenario: scenario, window: (start, end))
        var plans: [(type: RecordType, planned: Int, derivedFrom: Int?, partitions: Int)] = []
        for (topic, count) in partitions.sorted(by: { $0.key < $1.key }) {
            guard let type = RecordType.allCases.first(where: { $0.topic == topic }), let entry = manifest.topics[topic],
                  let planned = entry.planned else { continue }
            let derivedFrom = entry.derivedFromTransactions ? manifest.topics[RecordType.transactions.topic]?.planned : nil
            if entry.derivedFromTransactions && derivedFrom == nil { continue }
            plans.append((type, planned, derivedFrom, count))
        }
        do {
            return (try regenerate(generator: generator, start: start, end: end, rateMultiplier: manifest.rateMultiplier, plans: plans), nil)
        } catch {
            return ([:], "the records cannot be generated again: \(error)")
        }
    }
}
