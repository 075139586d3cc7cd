import Testing
import Foundation
@testable import EcomGeneration
import EcomModel
import EcomJSON

@Test func probe() throws {
    let t0 = Date()
    let g = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42)
    let t1 = Date()
    let c = RecordCollector()
    try g.write(type: .transactions, count: 100_000, start: g.window.start, end: g.window.end, to: c)
    let t2 = Date()
    let parsed = try c.lines.map { try JSONValue.parse($0) }
    let t3 = Date()
    print("catalog \(t1.timeIntervalSince(t0)) gen \(t2.timeIntervalSince(t1)) parse \(t3.timeIntervalSince(t2)) n=\(parsed.count)")
    print(c.lines[0])
    let f = ECommerceDataGenerator(config: DataGenerationConfig(), seed: 42, scenario: .fraudTesting)
    let recs = try f.generateRecords(type: .transactions, count: 50_000)
    var kinds: [String: Int] = [:]
    for r in recs { if r["is_fraud"]?.boolValue == true { kinds[r["fraud_type"]?.stringValue ?? "?", default: 0] += 1 } }
    print(kinds, kinds.values.reduce(0,+))
    print("plan blocks", f.plan(type: .transactions, count: 50_000, start: f.window.start, end: f.window.end).blocks.count)
}
