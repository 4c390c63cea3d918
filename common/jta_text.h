/*
 * Strict text: the one number parser, UTF-8 validity and the syntax of
 * Jira's keys.  Pure functions over pointer + length, no allocation and
 * no I/O, so every layer may use them (requests, configuration, the
 * vault, storage, Jira's answers) without depending on the request
 * model.  Includes nothing of ours but jta_limits.h and jta_err.h.
 */
#ifndef JTA_TEXT_H
#define JTA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"
#include "jta_limits.h"

/*
 * The one strict number parser: s[0..len) must be decimal digits only (no
 * sign, no blanks, no leading zeros but "0" itself), at most max.
 * Returns 0 with the value in *out, or -1 (*out untouched).
 */
int jta_text_parse_uint(const char *s, size_t len, uint64_t max,
    uint64_t *out) JTA_WUR;

/* 1 when s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), else 0. */
int jta_text_utf8_valid(const char *s, size_t len);

/* Decode the one code point at s[0..len) into *cp: returns its length,
 * 1..4, or 0 when s is empty or does not start with a well-formed UTF-8
 * sequence (as jta_text_utf8_valid; *cp untouched).  Reads no byte at or
 * past s + len. */
size_t jta_text_utf8_next(const char *s, size_t len, uint32_t *cp);

/* The value of one hexadecimal digit (0-9, a-f, A-F), or -1 when c is
 * none (percent-encoding, RFC 3986 section 2.1; JSON's \\u escapes,
 * RFC 8259 section 7). */
int jta_text_hexval(int c);

/* v in decimal at dst, without a NUL: the number of digits written (1
 * to JTA_TEXT_U64_MAX), as snprintf's "%" PRIu64 writes them without
 * its format parsing (issue 16: a search's keys and ids). */
#define JTA_TEXT_U64_MAX	20
size_t jta_text_u64(uint64_t v, char dst[JTA_TEXT_U64_MAX]);

/* 1 when s[0..len) is a project key: [A-Z][A-Z0-9]{0,9}
 * (JTA_LIMIT_PROJECT_KEY), else 0. */
int jta_text_is_project_key(const char *s, size_t len);

/* 1 when s[0..len) is a knowledge article id or a space key as the API
 * takes them (README.md "Knowledge before tickets"): 1..JTA_LIMIT_KB_ID
 * ASCII letters, digits, '-', '_' or (Confluence's personal spaces) '~',
 * so it is one path segment and no search syntax; else 0. */
int jta_text_is_kb_name(const char *s, size_t len);

/*
 * Split an issue key "PROJ-12" (len bytes, at most JTA_LIMIT_ISSUE_KEY)
 * into its project key (copied NUL-terminated into proj, projsz bytes)
 * and its number, 1..INT32_MAX.  Returns 0, or -1 with proj and *num
 * untouched.
 */
int jta_text_parse_issue_key(const char *s, size_t len, char *proj,
    size_t projsz, int64_t *num) JTA_WUR;

#endif
