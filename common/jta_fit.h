/*
 * The response cap: every JSON answer stays under JTA_LIMIT_RESPONSE_CHARS
 * Unicode characters (GPT Actions refuse longer ones).  jta_resp_json
 * sends what jta_fit makes of each body.
 */
#ifndef JTA_FIT_H
#define JTA_FIT_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"

/* The smallest cap jta_fit accepts: room for its last-resort answer. */
#define JTA_FIT_MIN	256

/*
 * Serialise body (compact JSON) into *text (new, NUL-terminated, *len
 * bytes; release with jta_arena_free: it comes from jansson) so that it
 * has fewer than maxchars Unicode characters (maxchars >= JTA_FIT_MIN;
 * the caller's trailing newline is counted in).  A body that fits is
 * sent as it is.  Otherwise a copy is shrunk, deterministically:
 *
 *  1. the longest strings are cut to one common length (never inside a
 *     UTF-8 sequence, never shorter than 256 characters), each followed
 *     by "\n\n[... N more characters not shown]" (N in characters);
 *  2. if that is not enough, the longest arrays that are object members
 *     lose their tail, and a sibling "<member>_omitted": N says how many
 *     elements went;
 *  3. an object top level gets "truncated": true.
 *
 * The steps repeat a bounded number of times (a tail dropped may hold a
 * string already cut); if the answer still does not fit (or body is not
 * an object) it becomes {"truncated": true, "detail": "..."}.  Each round
 * sorts the strings and arrays once: O(n log n) in the size of body.
 * *cut (when not NULL) is 1 when anything was shrunk.
 */
enum jta_err jta_fit(const json_t *body, size_t maxchars, char **text,
    size_t *len, int *cut) JTA_WUR;

/*
 * json_dumps(v, JSON_COMPACT), byte for byte, in *len bytes (README
 * "issue 16, fifth pass": jansson's dump writes each string through a
 * callback a piece at a time, about 33 instructions a byte).  Strings,
 * keys, integers, true, false and null are written here, with jansson's
 * escapes (dump.c: \" \\ \b \f \n \r \t, other bytes below 0x20 as
 * \u00XX in capitals, nothing else escaped); a tree holding a real, a
 * string that is not UTF-8, or nesting deeper than 512 (a cycle) is left
 * to json_dumps itself.  NULL when json_dumps would give NULL (v not an
 * object or array, invalid UTF-8, a cycle) or memory runs out.  Free
 * with jta_arena_free.
 */
char *jta_fit_dumps(const json_t *v, size_t *len);

/* Whether text[0..len), an answer already written (as jta_fit_dumps
 * writes its tree), is within maxchars as it is: what jta_fit sends
 * without cutting.  0 when it is not, or maxchars is below
 * JTA_FIT_MIN. */
int jta_fit_fits(const char *text, size_t len, size_t maxchars);

/* The number of Unicode characters in the UTF-8 s[0..len). */
size_t jta_fit_chars(const char *s, size_t len);

#endif
