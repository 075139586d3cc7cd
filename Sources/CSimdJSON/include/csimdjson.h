/*
 * csimdjson: simdjson's validating DOM parser behind a C interface, so Swift imports it as a plain C
 * module. One document becomes a flat pre-order array of tokens; all C++ stays in csimdjson.cpp.
 */
#ifndef CSIMDJSON_H
#define CSIMDJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a token. */
typedef enum {
    ECJ_OBJECT = 1,
    ECJ_ARRAY,
    ECJ_STRING,
    ECJ_INT64,
    ECJ_UINT64, /* only in the ECJ_DIALECT_SIMDJSON dialect: integers above INT64_MAX */
    ECJ_DOUBLE,
    ECJ_TRUE,
    ECJ_FALSE,
    ECJ_NULL
} ecj_kind;

/*
 * Which documents a parser accepts.
 * ECJ_DIALECT_JANSSON accepts exactly what libjansson 2.14 accepts with JSON_DECODE_ANY | JSON_ALLOW_NUL:
 * simdjson's validation plus three rules: integers above INT64_MAX are rejected (ECJ_ERROR_BIG_INTEGER),
 * "\u0000" in a member name is rejected (ECJ_ERROR_NUL_IN_KEY), and nesting is limited to 2048 values
 * deep, scalars counting as a level, like jansson's JSON_PARSER_MAX_DEPTH (simdjson's DEPTH_ERROR).
 * Duplicate member names are kept as separate tokens in both dialects; jansson keeps the last value.
 * ECJ_DIALECT_SIMDJSON is plain simdjson: uint64 integers, NUL in names, 1024 levels.
 */
typedef enum {
    ECJ_DIALECT_JANSSON = 0,
    ECJ_DIALECT_SIMDJSON = 1
} ecj_dialect;

/* Error codes beyond simdjson's own (which are returned negated: -simdjson::error_code). */
enum {
    ECJ_ERROR_BIG_INTEGER = -1001,
    ECJ_ERROR_NUL_IN_KEY = -1002
};

/* One JSON value. 64 bytes; the pointers point into the parser and are valid until its next parse. */
typedef struct {
    const char *key;         /* the member name when the parent is an object, else NULL (unescaped UTF-8) */
    const char *string;      /* ECJ_STRING: the unescaped value (UTF-8, may contain NUL), else NULL */
    int64_t i;               /* ECJ_INT64 */
    uint64_t u;              /* ECJ_UINT64 */
    double d;                /* ECJ_DOUBLE */
    uint32_t key_length;
    uint32_t string_length;
    uint32_t end;            /* ECJ_OBJECT/ECJ_ARRAY: index one past its last descendant; others: own index + 1 */
    uint32_t count;          /* ECJ_OBJECT/ECJ_ARRAY: number of direct children; others: 0 */
    uint8_t kind;            /* ecj_kind */
} ecj_token;

typedef struct ecj_parser ecj_parser;

/* A parser for one thread; NULL when out of memory. */
ecj_parser *ecj_parser_new(ecj_dialect dialect);
void ecj_parser_free(ecj_parser *parser);

/* SIMDJSON_PADDING: how many readable bytes past a document let simdjson parse it in place. */
size_t ecj_padding(void);

/*
 * Parses one JSON document of `length` bytes. `readable` is how many bytes may be read from `json`:
 * with readable >= length + ecj_padding() simdjson parses in place, otherwise the document is copied
 * into a padded buffer the parser keeps. On success returns the number of tokens (>= 1) and sets
 * *tokens to a pre-order array (token 0 is the root) valid until the next call on this parser; on
 * error returns a negative code for ecj_error_message.
 */
int64_t ecj_parse(ecj_parser *parser, const uint8_t *json, size_t length, size_t readable,
                  const ecj_token **tokens);

/*
 * Parses one JSON document as ecj_parse does, with the same dialect rules and error codes, but hands out
 * simdjson's own tape instead of converting it to tokens: on success returns the number of tape words of the
 * document (>= 1) and sets *tape to the word of its root value (simdjson's opening root word skipped, so a
 * container's payload, an absolute tape index, is one more than the index from *tape) and *strings to the
 * string buffer the string words point into. Both are valid until the next call on this parser. The layout is
 * simdjson 3's (doc/tape.md): a member is its name's string word followed by its value's words.
 */
int64_t ecj_parse_tape(ecj_parser *parser, const uint8_t *json, size_t length, size_t readable,
                       const uint64_t **tape, const uint8_t **strings);

/*
 * The index of the value of member `name` (`length` bytes) of the object token at `object`, or -1 when
 * there is none (or `object` is not an object). With duplicate names the last one wins, as in jansson.
 */
int64_t ecj_member(const ecj_token *tokens, uint32_t object, const char *name, size_t length);

/*
 * Asks the CPU to start loading the cache line at `address` (callers that will look up a large table at a
 * place they already know, such as the validator's ID sets, overlap the load with other work).
 */
static inline void ecj_prefetch(const void *address) { __builtin_prefetch(address); }

/* How many of the `length` bytes at `bytes` are `byte` (AVX2 where the processor has it): a file's lines counted
 * without a call per line. */
size_t ecj_count_byte(const uint8_t *bytes, size_t length, uint8_t byte);

/* Whether the `pattern_length` bytes at `pattern` occur among the `length` bytes at `bytes` (glibc's memmem, which Swift
 * does not import). */
bool ecj_contains_bytes(const uint8_t *bytes, size_t length, const uint8_t *pattern, size_t pattern_length);

/* simdjson's message for a negative code from ecj_parse or ecj_count_documents (static storage). */
const char *ecj_error_message(int64_t code);

/* How ecj_count_documents parses. */
typedef enum {
    ECJ_COUNT_PARSE_MANY = 0, /* simdjson's parse_many over the whole file (its NDJSON mode) */
    ECJ_COUNT_PER_LINE = 1    /* one dom::parser::parse per non-empty line, in place */
} ecj_count_mode;

/*
 * Benchmark baseline: loads an NDJSON file into a padded buffer and parses every document (full DOM
 * validation, no tokens). Returns the number of documents, sets *bytes to the file size and, when not
 * NULL, *parse_nanoseconds to the time spent parsing (the load excluded); or returns a negative code
 * (the first error; -simdjson::IO_ERROR when the file cannot be read).
 */
int64_t ecj_count_documents(const char *path, ecj_count_mode mode, size_t *bytes, uint64_t *parse_nanoseconds);

#ifdef __cplusplus
}
#endif

#endif
