import EcomGeneration
import EcomModel
import Testing

/// Output bytes depend on seed, config and scenario only: never on the thread count or the generator instance.
@Suite("Determinism")
struct DeterminismTests {
    /// Records per type for the seed comparisons (the thread comparison uses `TestData.referenceCount`).
    static let seedCount = 5_000

    /// `seedCount` records of every type from `TestData.standard` (seed 42), written on all cores.
    static let seed42: [RecordType: [String]] = {
        var result: [RecordType: [String]] = [:]
        for type in RecordType.allCases { result[type] = TestData.lines(TestData.standard, type: type, count: seedCount) }
        return result
    }()

    @Test(arguments: RecordType.allCases)
    func twoThreadsWriteTheSameBytesAsOne(_ type: RecordType) throws {
        let reference = try #require(TestData.referenceLines[type])
        #expect(reference.count == TestData.referenceCount)
        let parallel = TestData.lines(TestData.standard, type: type, count: TestData.referenceCount, threads: 2)
        #expect(parallel == reference, "\(type.rawValue): first difference at line \(firstDifference(parallel, reference))")
    }

    @Test(arguments: RecordType.allCases)
    func aSecondGeneratorWithTheSameSeedWritesTheSameBytes(_ type: RecordType) throws {
        let reference = try #require(Self.seed42[type])
        let twin = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
        let again = TestData.lines(twin, type: type, count: Self.seedCount)
        #expect(again == reference, "\(type.rawValue): first difference at line \(firstDifference(again, reference))")
    }

    @Test(arguments: RecordType.allCases)
    func aDifferentSeedWritesDifferentBytes(_ type: RecordType) throws {
        let reference = try #require(Self.seed42[type])
        let other = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 43)
        let lines = TestData.lines(other, type: type, count: Self.seedCount)
        #expect(lines.count == Self.seedCount)
        #expect(lines != reference, "\(type.rawValue): seeds 42 and 43 wrote the same bytes")
        let shared = Set(lines).intersection(reference).count
        #expect(shared < Self.seedCount / 100, "\(type.rawValue): \(shared) identical records under seeds 42 and 43")
    }

    func firstDifference(_ a: [String], _ b: [String]) -> Int {
        Array(zip(a, b)).firstIndex { $0 != $1 }.map { $0 + 1 } ?? min(a.count, b.count) + 1
    }
}
