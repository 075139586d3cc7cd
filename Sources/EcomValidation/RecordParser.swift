internal import CSimdJSON
import EcomJSON

/// Parses records with simdjson (through ``FastJSONParser``, in jansson's dialect: what jansson would reject
/// is rejected too) into the token view the checks read.
final class RecordParser {
    enum Outcome {
        case success(Tokens)
        case failure(String)
    }

    private let parser = FastJSONParser()

    /// Parses `line`; `readable` bytes from its start may be read (padding lets simdjson skip a copy).
    func parse(_ line: UnsafeBufferPointer<UInt8>, readable: Int) -> Outcome {
        switch parser.parse(line, readable: readable) {
        case let .success(document):
            return .success(Tokens(document.rawTokens.assumingMemoryBound(to: ecj_token.self), count: document.count))
        case let .failure(error):
            return .failure("not valid JSON: \(error.message)")
        }
    }
}
