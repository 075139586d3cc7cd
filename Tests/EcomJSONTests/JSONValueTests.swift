import EcomJSON
import Testing

@Test func encodesAndParsesBackThroughJansson() throws {
    let value = JSONValue.object([
        ("name", .string("São Paulo \"quoted\" \\ tab\t")), ("count", .int(42)), ("ratio", .double(0.25)),
        ("flags", .array([.bool(true), .bool(false), .null])),
    ])
    let text = value.encoded()
    #expect(text.hasPrefix("{\"name\":"))
    #expect(try JSONValue.parse(text) == value)
}

@Test func parseErrorNamesLineAndColumn() {
    #expect(throws: JSONParseError.self) { try JSONValue.parse("{\n  \"a\": tru\n}") }
    do {
        _ = try JSONValue.parse("{\n  \"a\": tru\n}")
    } catch {
        #expect(error.line == 2)
    }
}
