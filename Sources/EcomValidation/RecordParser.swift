internal import CSimdJSON

/// Parses records with simdjson in jansson's dialect (what jansson would reject is rejected too, as with
/// ``FastJSONParser``) and hands out simdjson's tape as the view the checks read, with no conversion between.
final class RecordParser {
    enum Outcome {
        case success(Tokens)
        case failure(String)
    }

    private let parser: OpaquePointer

    init() {
        guard let parser = ecj_parser_new(ECJ_DIALECT_JANSSON) else { fatalError("simdjson could not allocate a parser (out of memory)") }
        self.parser = parser
    }

    deinit { ecj_parser_free(parser) }

    /// Parses `line`; `readable` bytes from its start may be read (padding lets simdjson skip a copy).
    func parse(_ line: UnsafeBufferPointer<UInt8>, readable: Int) -> Outcome {
        var tape: UnsafePointer<UInt64>?, strings: UnsafePointer<UInt8>?
        let count = ecj_parse_tape(parser, line.baseAddress, line.count, max(readable, 0), &tape, &strings)
        guard count > 0, let tape, let strings else { return .failure("not valid JSON: \(String(cString: ecj_error_message(count)))") }
        return .success(Tokens(tape: tape, strings: strings, count: Int(count)))
    }
}
