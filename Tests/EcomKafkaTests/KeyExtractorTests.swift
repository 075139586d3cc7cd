import EcomKafka
import Testing

/// The key and ID a producer and the audit find in a payload without parsing it: what a JSON reader finds.
struct KeyExtractorTests {
    private func key(_ field: String, _ json: String) -> String? {
        Array(json.utf8).withUnsafeBufferPointer { line in KeyExtractor(field: field).key(in: line).map { String(decoding: $0, as: UTF8.self) } }
    }

    private func values(_ fields: [String], _ json: String, last: Bool = false) -> (found: [Int: String], escaped: Bool) {
        var found: [Int: String] = [:]
        var escaped = false
        Array(json.utf8).withUnsafeBufferPointer { line in
            let extractor = FieldExtractor(fields: fields)
            if last {
                extractor.lastValues(in: line) { found[$0] = String(decoding: $1, as: UTF8.self) }
            } else {
                escaped = extractor.values(in: line) { found[$0] = String(decoding: $1, as: UTF8.self) }
            }
        }
        return (found, escaped)
    }

    @Test func whitespaceAroundTheColonIsJSONs() {
        #expect(key("user_id", #"{"id":"a","user_id" :"u1"}"#) == "u1")
        #expect(key("user_id", "{\"id\":\"a\",\"user_id\"\t:\t\"u2\"}") == "u2")
        #expect(key("user_id", "{\"user_id\"\r\n: \"u3\"}") == "u3")
        #expect(values(["user_id", "id"], #"{"id" : "a", "user_id" : "u4"}"#).found == [0: "u4", 1: "a"])
    }

    @Test func onlyTopLevelMemberNamesCount() {
        #expect(key("user_id", #"{"nested":{"user_id":"inner"},"note":"user_id","user_id":"outer"}"#) == "outer")
        #expect(key("user_id", #"{"note":"user_id"}"#) == nil)
        #expect(key("user_id", #"{"user_id":42}"#) == nil)
        #expect(key("user_id", #"{"user_id":"cut"#) == nil)
    }

    @Test func aNameWrittenWithEscapesIsTheName() {
        #expect(key("user_id", #"{"user\u005fid":"u5"}"#) == "u5")
        #expect(key("user_id", #"{"user\u005fidx":"no"}"#) == nil)
        // The fast pass reports that it missed a field while a name with escapes went by; the full pass reads it.
        let fast = values(["transaction_id", "user_id"], #"{"transaction\u005fid":"t1","user_id":"u6"}"#)
        #expect(fast.found == [1: "u6"] && fast.escaped)
        #expect(values(["transaction_id", "user_id"], #"{"transaction\u005fid":"t1","user_id":"u6"}"#, last: true).found == [0: "t1", 1: "u6"])
        #expect(!values(["transaction_id", "user_id"], #"{"transaction_id":"t1","user_id":"u6"}"#).escaped)
    }

    @Test func aProducerKeysByTheMemberAReaderKeeps() {
        #expect(key("user_id", #"{"user_id":"first","id":"a","user_id":"second"}"#) == "second")
        #expect(key("user_id", #"{"user_id":"first","user\u005fid":"escaped"}"#) == "escaped")
        #expect(key("user_id", #"{"user\u005fid":"escaped","user_id":"plain"}"#) == "plain")
        // The last member is not a string: there is no key, as for the validator the field is mistyped.
        #expect(key("user_id", #"{"user_id":"first","user_id":7}"#) == nil)
        // A value naming the field, or a nested member of its name, is not a second member.
        #expect(key("user_id", #"{"user_id":"u1","note":"\"user_id\"","nested":{"user_id":"inner"}}"#) == "u1")
    }

    /// Long records (the repeat search goes 32 positions a step): a second member found at every offset, near the end
    /// included, and none found where the name only appears cut or nested.
    @Test func aSecondMemberIsFoundAnywhereInALongRecord() {
        for padding in 0..<80 {
            let filler = String(repeating: "x", count: padding)
            let body = #"{"user_id":"first","note":"\#(filler)","a":"\#(String(repeating: "y", count: 300))""#
            #expect(key("user_id", body + #","user_id":"last"}"#) == "last", "padding \(padding)")
            #expect(key("user_id", body + #","user_i":"no","nested":{"user_id":"inner"}}"#) == "first", "padding \(padding)")
        }
    }

    @Test func theKeySentIsTheTextItsEscapesStandFor() {
        func sent(_ json: String) -> String? {
            Array(json.utf8).withUnsafeBufferPointer { line in
                KeyExtractor(field: "user_id").withKey(in: line) { $0.map { String(decoding: $0, as: UTF8.self) } }
            }
        }
        #expect(sent(#"{"user_id":"user\u005f000123"}"#) == "user_000123")
        #expect(sent(#"{"user_id":"plain"}"#) == "plain")
        #expect(sent(#"{"id":"no key"}"#) == nil)
    }

    @Test func theLastMemberOfANameIsTheOneAReaderKeeps() {
        let json = #"{"user_id":"first","id":"a","user_id":"second","id":7}"#
        #expect(values(["user_id", "id"], json).found == [0: "first", 1: "a"])
        // As jansson and simdjson keep it: the last member, a string or not.
        #expect(values(["user_id", "id"], json, last: true).found == [0: "second"])
    }
}
