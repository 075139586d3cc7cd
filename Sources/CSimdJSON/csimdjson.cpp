// The C interface of include/csimdjson.h over simdjson's DOM parser (Debian's libsimdjson 3.0.1).
//
// After dom::parser::parse has validated a document (structure, numbers, strings, UTF-8), the tokens
// are read off simdjson's tape in one linear pass: the tape is the DOM's own pre-order layout
// (simdjson's doc/tape.md), so the walk needs no recursion and allocates nothing once the token and
// stack vectors have grown to the largest document seen.
#include "csimdjson.h"

#include <simdjson.h>

#include <chrono>
#include <cstring>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static_assert(simdjson::SIMDJSON_VERSION_MAJOR == 3, "the tape walk follows simdjson 3's tape format");
static_assert(sizeof(ecj_token) == 64, "one token per cache line");

namespace {

// jansson's JSON_PARSER_MAX_DEPTH. simdjson counts depth the same way (a scalar inside N containers is
// at depth N + 1), so giving simdjson this max_depth reproduces jansson's limit exactly.
constexpr size_t janssonMaxDepth = 2048;

// An enclosing container while the walk is inside one of its children.
struct Frame {
    uint32_t token;       // index of the container's token
    uint32_t count;       // children so far
    bool object;
};

} // namespace

struct ecj_parser {
    simdjson::dom::parser dom;
    std::vector<ecj_token> tokens;
    std::vector<Frame> stack; // one frame per level simdjson allows, so the walk never checks
    ecj_dialect dialect;
};

extern "C" ecj_parser *ecj_parser_new(ecj_dialect dialect) {
    auto *parser = new (std::nothrow) ecj_parser();
    if (parser == nullptr) { return nullptr; }
    parser->dialect = dialect;
    size_t depth = dialect == ECJ_DIALECT_JANSSON ? janssonMaxDepth : simdjson::DEFAULT_MAX_DEPTH;
    // The capacity grows on demand (keeping this depth); 64 KiB covers any generated record.
    if (parser->dom.allocate(64 * 1024, depth) != simdjson::SUCCESS) {
        delete parser;
        return nullptr;
    }
    parser->tokens.resize(256);
    parser->stack.resize(depth + 1);
    return parser;
}

extern "C" void ecj_parser_free(ecj_parser *parser) { delete parser; }

extern "C" size_t ecj_padding(void) { return simdjson::SIMDJSON_PADDING; }

// Reads the validated document off the tape into parser->tokens; returns the token count or an
// ECJ_ERROR_* code for what the jansson dialect rejects beyond simdjson.
static int64_t readTape(ecj_parser *parser, bool checkKeys) {
    const uint64_t *tape = parser->dom.doc.tape.get();
    const uint8_t *strings = parser->dom.doc.string_buf.get();
    const bool allowUInt64 = parser->dialect == ECJ_DIALECT_SIMDJSON;

    // tape[0] is the opening root word, its payload the index one past the closing root word.
    const size_t last = size_t(tape[0] & simdjson::internal::JSON_VALUE_MASK);
    // There are fewer tokens than tape words; the vector only ever grows, so this rarely allocates.
    if (parser->tokens.size() < last) { parser->tokens.resize(last); }
    ecj_token *const tokens = parser->tokens.data();
    Frame *const frames = parser->stack.data();
    uint32_t size = 0;

    // The innermost open container lives in locals (the root's "parent" is a dummy frame); the
    // enclosing ones are saved in frames[0..<depth].
    uint32_t parent = 0;
    uint32_t count = 0;
    bool inObject = false;
    bool expectingKey = false;
    size_t depth = 0;
    const char *key = nullptr;
    uint32_t keyLength = 0;
    for (size_t index = 1; index < last; index++) {
        const uint64_t word = tape[index];
        const auto type = static_cast<char>(word >> 56);
        if (type == 'r') { break; } // the closing root word
        if (type == '}' || type == ']') {
            tokens[parent].end = size;
            tokens[parent].count = count;
            const Frame frame = frames[--depth];
            parent = frame.token;
            count = frame.count;
            inObject = frame.object;
            expectingKey = inObject;
            continue;
        }
        const char *text = nullptr;
        uint32_t length = 0;
        if (type == '"') {
            // The payload is an offset into the string buffer: a 32-bit length, the bytes, a NUL.
            const uint8_t *entry = strings + size_t(word & simdjson::internal::JSON_VALUE_MASK);
            std::memcpy(&length, entry, sizeof length);
            text = reinterpret_cast<const char *>(entry + sizeof length);
            if (expectingKey) {
                if (checkKeys && std::memchr(text, 0, length) != nullptr) { return ECJ_ERROR_NUL_IN_KEY; }
                expectingKey = false;
                key = text;
                keyLength = length;
                continue;
            }
        }

        // Every field is written straight into the array: a token built on the stack and copied stalls
        // on store forwarding (its narrow stores read back as 16-byte loads), a third of the walk's time.
        const uint32_t position = size++;
        ecj_token *token = &tokens[position];
        token->key = key;
        token->key_length = keyLength;
        token->string = nullptr;
        token->string_length = 0;
        token->i = 0;
        token->u = 0;
        token->d = 0;
        token->end = position + 1;
        token->count = 0;
        key = nullptr;
        keyLength = 0;
        count++;
        expectingKey = inObject;
        switch (type) {
        case '{':
        case '[':
            token->kind = type == '{' ? ECJ_OBJECT : ECJ_ARRAY;
            frames[depth++] = Frame{parent, count, inObject};
            parent = position;
            count = 0;
            inObject = type == '{';
            expectingKey = inObject;
            break;
        case '"':
            token->kind = ECJ_STRING;
            token->string = text;
            token->string_length = length;
            break;
        case 'l':
            token->kind = ECJ_INT64;
            std::memcpy(&token->i, &tape[++index], sizeof token->i);
            break;
        case 'u':
            if (!allowUInt64) { return ECJ_ERROR_BIG_INTEGER; }
            token->kind = ECJ_UINT64;
            std::memcpy(&token->u, &tape[++index], sizeof token->u);
            break;
        case 'd':
            token->kind = ECJ_DOUBLE;
            std::memcpy(&token->d, &tape[++index], sizeof token->d);
            break;
        case 't': token->kind = ECJ_TRUE; break;
        case 'f': token->kind = ECJ_FALSE; break;
        case 'n': token->kind = ECJ_NULL; break;
        default: return -int64_t(simdjson::TAPE_ERROR); // not a simdjson 3 tape
        }
    }
    return int64_t(size);
}

// Parses with simdjson's DOM parser, leaving the document on parser->dom's tape; returns 0 or a negative code.
static int64_t parseDocument(ecj_parser *parser, const uint8_t *json, size_t length, size_t readable) {
    // Past 4 GiB the 32-bit token fields would overflow; simdjson's own limit is the same.
    if (length > UINT32_MAX) { return -int64_t(simdjson::CAPACITY); }
    if (length == 0) { return -int64_t(simdjson::EMPTY); } // json may then be NULL
    const bool padded = readable >= length && readable - length >= simdjson::SIMDJSON_PADDING;
    // Without padding simdjson copies into a buffer the parser keeps and reuses.
    const simdjson::error_code error = parser->dom.parse(json, length, !padded).error();
    if (error != simdjson::SUCCESS) { return -int64_t(error); }
    return 0;
}

// A NUL in a member name can only come from a "\u0000" escape, so lines without a backslash skip the check.
static bool mayHaveNulInKey(const ecj_parser *parser, const uint8_t *json, size_t length) {
    return parser->dialect == ECJ_DIALECT_JANSSON && std::memchr(json, '\\', length) != nullptr;
}

// Whether one of `count` tape words has `type` in its top byte (its type byte, or the top byte of a number's value).
static bool anyTypeByte(const uint64_t *words, size_t count, char type) {
    size_t index = 0;
#if defined(__SSE2__)
    // Two words at a time: every byte compared, then only the top byte of each word looked at.
    const __m128i wanted = _mm_set1_epi8(type);
    __m128i hits = _mm_setzero_si128();
    for (; index + 2 <= count; index += 2) {
        const __m128i pair = _mm_loadu_si128(reinterpret_cast<const __m128i *>(words + index));
        hits = _mm_or_si128(hits, _mm_cmpeq_epi8(pair, wanted));
    }
    if ((_mm_movemask_epi8(hits) & 0x8080) != 0) { return true; }
#endif
    bool found = false;
    for (; index < count; index++) { found |= static_cast<char>(words[index] >> 56) == type; }
    return found;
}

extern "C" int64_t ecj_parse(ecj_parser *parser, const uint8_t *json, size_t length, size_t readable,
                             const ecj_token **tokens) {
    const int64_t error = parseDocument(parser, json, length, readable);
    if (error != 0) { return error; }
    const int64_t count = readTape(parser, mayHaveNulInKey(parser, json, length));
    if (count > 0) { *tokens = parser->tokens.data(); }
    return count;
}

extern "C" int64_t ecj_parse_tape(ecj_parser *parser, const uint8_t *json, size_t length, size_t readable,
                                  const uint64_t **tape, const uint8_t **strings) {
    const int64_t error = parseDocument(parser, json, length, readable);
    if (error != 0) { return error; }
    const uint64_t *words = parser->dom.doc.tape.get();
    const size_t last = size_t(words[0] & simdjson::internal::JSON_VALUE_MASK); // one past the closing root word
    if (parser->dialect == ECJ_DIALECT_JANSSON) {
        if (mayHaveNulInKey(parser, json, length)) {
            // Rare: the token walk finds the first of the dialect's errors in document order, as ecj_parse does.
            const int64_t count = readTape(parser, true);
            if (count < 0) { return count; }
        } else {
            // Without a NUL in a name, the only rule simdjson does not apply is the one against big integers. A
            // number's second word may look like a 'u' word, so a first pass over every word (which compilers
            // vectorise) only tells that one may be there; the exact walk follows then.
            const bool maybe = anyTypeByte(words + 1, last - 2, 'u');
            for (size_t index = 1; maybe && index + 1 < last;) {
                const auto type = static_cast<char>(words[index] >> 56);
                if (type == 'u') { return ECJ_ERROR_BIG_INTEGER; }
                index += (type == 'l' || type == 'd') ? 2 : 1;
            }
        }
    }
    *tape = words + 1;
    *strings = parser->dom.doc.string_buf.get();
    return int64_t(last - 2);
}

extern "C" int64_t ecj_member(const ecj_token *tokens, uint32_t object, const char *name, size_t length) {
    if (tokens[object].kind != ECJ_OBJECT) { return -1; }
    int64_t found = -1;
    for (uint32_t index = object + 1; index < tokens[object].end; index = tokens[index].end) {
        const ecj_token &member = tokens[index];
        if (member.key_length == length && std::memcmp(member.key, name, length) == 0) { found = index; }
    }
    return found;
}

extern "C" const char *ecj_error_message(int64_t code) {
    switch (code) {
    case ECJ_ERROR_BIG_INTEGER:
        return "too big integer: above INT64_MAX (9223372036854775807), which jansson rejects";
    case ECJ_ERROR_NUL_IN_KEY:
        return "NUL byte (\\u0000) in object key, which jansson rejects";
    default:
        if (code < 0 && code > -int64_t(simdjson::NUM_ERROR_CODES)) {
            return simdjson::error_message(simdjson::error_code(-code));
        }
        return "unknown error code";
    }
}

// The timed part of ecj_count_documents.
static int64_t countDocuments(const simdjson::padded_string &file, ecj_count_mode mode) {
    simdjson::dom::parser parser;
    int64_t documents = 0;
    if (mode == ECJ_COUNT_PARSE_MANY) {
        simdjson::dom::document_stream stream;
        // parse_many's batch must hold the largest document; 1 MB is its default.
        simdjson::error_code error = parser.parse_many(file).get(stream);
        if (error != simdjson::SUCCESS) { return -int64_t(error); }
        for (auto document : stream) {
            if (document.error() != simdjson::SUCCESS) { return -int64_t(document.error()); }
            documents++;
        }
        // parse_many stops quietly before an unfinished last document.
        if (stream.truncated_bytes() != 0) { return -int64_t(simdjson::INCOMPLETE_ARRAY_OR_OBJECT); }
        return documents;
    }
    // Every line but the last is followed by the rest of the file and the padding, so all parse in place.
    const char *cursor = file.data();
    const char *end = cursor + file.size();
    while (cursor < end) {
        const char *newline = static_cast<const char *>(std::memchr(cursor, '\n', size_t(end - cursor)));
        const char *lineEnd = newline != nullptr ? newline : end;
        if (lineEnd > cursor) {
            simdjson::error_code error = parser.parse(cursor, size_t(lineEnd - cursor), false).error();
            if (error != simdjson::SUCCESS) { return -int64_t(error); }
            documents++;
        }
        cursor = lineEnd + 1;
    }
    return documents;
}

extern "C" int64_t ecj_count_documents(const char *path, ecj_count_mode mode, size_t *bytes,
                                       uint64_t *parse_nanoseconds) {
    simdjson::padded_string file;
    if (simdjson::padded_string::load(path).get(file) != simdjson::SUCCESS) {
        return -int64_t(simdjson::IO_ERROR);
    }
    *bytes = file.size();
    const auto start = std::chrono::steady_clock::now();
    const int64_t documents = countDocuments(file, mode);
    if (parse_nanoseconds != nullptr) {
        *parse_nanoseconds = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - start).count());
    }
    return documents;
}

#if defined(__x86_64__)
#include <immintrin.h>
// 32 bytes a step, the matches of up to 255 steps summed per byte lane before they are added up.
__attribute__((target("avx2"))) static size_t countByteAVX2(const uint8_t *bytes, size_t length, uint8_t byte) {
    const __m256i wanted = _mm256_set1_epi8(static_cast<char>(byte));
    size_t index = 0, count = 0;
    while (index + 32 <= length) {
        __m256i lanes = _mm256_setzero_si256();
        for (int step = 0; step < 255 && index + 32 <= length; step++, index += 32) {
            const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(bytes + index));
            lanes = _mm256_sub_epi8(lanes, _mm256_cmpeq_epi8(block, wanted));
        }
        const __m256i sums = _mm256_sad_epu8(lanes, _mm256_setzero_si256());
        count += size_t(_mm256_extract_epi64(sums, 0)) + size_t(_mm256_extract_epi64(sums, 1)) + size_t(_mm256_extract_epi64(sums, 2))
            + size_t(_mm256_extract_epi64(sums, 3));
    }
    for (; index < length; index++) { count += bytes[index] == byte; }
    return count;
}
#endif

extern "C" size_t ecj_count_byte(const uint8_t *bytes, size_t length, uint8_t byte) {
#if defined(__x86_64__)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) { return countByteAVX2(bytes, length, byte); }
#endif
    size_t count = 0;
    for (size_t index = 0; index < length; index++) { count += bytes[index] == byte; }
    return count;
}

#if defined(__x86_64__)
// 32 candidate positions a step: those whose second and second-to-last bytes are the pattern's (for a quoted member
// name, its first and last letters) are compared in full. glibc's memmem is a byte-at-a-time two-way search here.
__attribute__((target("avx2"))) static bool containsAVX2(const uint8_t *bytes, size_t length, const uint8_t *pattern, size_t size) {
    const size_t near = 1, far = size - 2;
    const __m256i first = _mm256_set1_epi8(static_cast<char>(pattern[near]));
    const __m256i last = _mm256_set1_epi8(static_cast<char>(pattern[far]));
    size_t index = 0;
    for (; index + size + 32 <= length + 1; index += 32) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(bytes + index + near));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(bytes + index + far));
        uint32_t mask = uint32_t(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last))));
        while (mask != 0) {
            const unsigned bit = unsigned(__builtin_ctz(mask));
            if (std::memcmp(bytes + index + bit, pattern, size) == 0) { return true; }
            mask &= mask - 1;
        }
    }
    return index < length && memmem(bytes + index, length - index, pattern, size) != nullptr;
}
#endif

extern "C" bool ecj_contains_bytes(const uint8_t *bytes, size_t length, const uint8_t *pattern, size_t pattern_length) {
    if (pattern_length == 0) { return true; }
    if (length < pattern_length) { return false; }
#if defined(__x86_64__)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2 && pattern_length >= 4) { return containsAVX2(bytes, length, pattern, pattern_length); }
#endif
    return memmem(bytes, length, pattern, pattern_length) != nullptr;
}
