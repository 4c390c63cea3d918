/*
 * multipart/form-data (RFC 7578) as a browser sends files: a bounded
 * parser of outside bytes for POST /api/drafts/{id}/files (README
 * "Attachments: files as bytes").  It never copies a part's content: each
 * part points into the caller's body.  Every bound is in jta_limits.h
 * (JTA_LIMIT_MULTIPART_*); nothing is read past the body's length.
 */
#ifndef JTA_MULTIPART_H
#define JTA_MULTIPART_H

#include <stddef.h>

#include "jta_err.h"
#include "jta_limits.h"

/* One part.  body points into the parsed body (borrowed: it lives as
 * long as the caller's buffer). */
struct jta_multipart_part {
	char		 name[JTA_LIMIT_MULTIPART_NAME + 1];
	char		 filename[JTA_LIMIT_MULTIPART_FILENAME + 1];
	int		 has_filename;
	char		 content_type[JTA_LIMIT_MULTIPART_TYPE + 1];
	const unsigned char *body;
	size_t		 len;
};

/*
 * The boundary of a Content-Type header value (NUL-terminated) that must
 * be multipart/form-data (RFC 7578 §4.1, case-insensitive) with a
 * boundary parameter of 1 to 70 characters of RFC 2046 §5.1.1's bchars,
 * quoted or not, into out (outsz bytes).  JTA_ERR_INPUT: 415 (field
 * "Content-Type") when the type is another, 400 when the boundary is
 * missing or not valid.
 */
enum jta_err jta_multipart_boundary(const char *content_type, char *out,
    size_t outsz, struct jta_error *err) JTA_WUR;

/*
 * Parse body (len bytes) framed by boundary (from jta_multipart_boundary)
 * into parts (room for max), *n of them, in order: the preamble before
 * the first delimiter and the epilogue after the close delimiter are
 * ignored (RFC 2046 §5.1.1); each part's header section is at most
 * JTA_LIMIT_MULTIPART_HEADERS bytes of CRLF-ended lines (no folding),
 * needs Content-Disposition: form-data with a name (RFC 7578 §4.2), may
 * have a filename and a Content-Type, and a Content-Transfer-Encoding
 * other than 7bit, 8bit or binary is refused (§4.7).  JTA_ERR_INPUT with
 * field "body" (400; 413 over max parts, 431 over the header bound) when
 * the body is not such a form; nothing is read past len.
 */
enum jta_err jta_multipart_parse(const char *boundary,
    const unsigned char *body, size_t len, struct jta_multipart_part *parts,
    size_t max, size_t *n, struct jta_error *err) JTA_WUR;

#endif
