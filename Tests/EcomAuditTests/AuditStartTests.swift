@testable import EcomAudit
import Testing

// A group member's partial keeps where the audit started reading, so that the merged report says what the single
// audit says.

@Test func aPartialKeepsTheInstantOfATimestampStart() throws {
    let instant: Int64 = 1_795_000_000_123
    guard case let .timestamp(read) = AuditRequest.Start.named(AuditRequest.Start.timestamp(instant).partialText) else {
        Issue.record("a timestamp start read back as another start")
        return
    }
    #expect(read == instant)
    #expect(AuditRequest.Start.timestamp(instant).name == "timestamp", "reports name the start without its instant")
    guard case .beginning = AuditRequest.Start.named(AuditRequest.Start.beginning.partialText) else {
        Issue.record("beginning read back as another start")
        return
    }
}
