#include <jansson.h>
#include <string.h>
#include <stdlib.h>

/* Function forms of jansson's flag macros, which Swift cannot import. */
static inline size_t cjansson_indent(int n) { return JSON_INDENT(n); }
static inline size_t cjansson_real_precision(int n) { return JSON_REAL_PRECISION(n); }
static inline size_t cjansson_flag_preserve_order(void) { return JSON_PRESERVE_ORDER; }
static inline size_t cjansson_flag_compact(void) { return JSON_COMPACT; }
static inline size_t cjansson_flag_encode_any(void) { return JSON_ENCODE_ANY; }
static inline size_t cjansson_flag_decode_any(void) { return JSON_DECODE_ANY; }
static inline size_t cjansson_flag_allow_nul(void) { return JSON_ALLOW_NUL; }
