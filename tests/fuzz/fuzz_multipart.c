/*
 * Fuzz harness for multipart/form-data (jta_multipart): the input's first
 * line is a Content-Type value for jta_multipart_boundary, the rest the
 * body jta_multipart_parse reads with that boundary (or "XyZ" when the
 * line gives none), in a buffer of exactly its length.
 *
 * Built two ways: with clang -fsanitize=fuzzer by tests/fuzz/run-fuzzers.sh,
 * and with a plain main() (tests/fuzz/replay.c) by `make check`, which
 * replays tests/fuzz/corpus/multipart/.
 *
 * Invariants checked (abort() when violated): a boundary found is 1 to 70
 * characters; every part parsed lies inside the body, in order, with a
 * NUL-terminated name that is not empty; a failure is a 4xx and leaves no
 * part.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_limits.h"
#include "jta_multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_multipart_part parts[JTA_LIMIT_MULTIPART_PARTS];
	struct jta_error e;
	char		 ct[512], b[JTA_LIMIT_MULTIPART_BOUNDARY + 1];
	const uint8_t	*nl;
	unsigned char	*body;
	size_t		 ctlen, len, n, i;
	enum jta_err	 rc;

	nl = memchr(data, '\n', size < sizeof(ct) ? size : sizeof(ct) - 1);
	ctlen = nl != NULL ? (size_t)(nl - data) : 0;
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	if (jta_multipart_boundary(ct, b, sizeof(b), &e) == JTA_OK) {
		if (strlen(b) == 0 || strlen(b) > JTA_LIMIT_MULTIPART_BOUNDARY)
			abort();
	} else {
		if (e.status < 400 || e.status > 499)
			abort();
		memcpy(b, "XyZ", 4);
	}
	len = size - (nl != NULL ? ctlen + 1 : 0);
	if ((body = malloc(len + 1)) == NULL)
		return 0;
	memcpy(body, data + (size - len), len);
	rc = jta_multipart_parse(b, body, len, parts,
	    JTA_LIMIT_MULTIPART_PARTS, &n, &e);
	if (rc == JTA_OK) {
		for (i = 0; i < n; i++) {
			if (parts[i].body < body || parts[i].body +
			    parts[i].len > body + len || (i > 0 &&
			    parts[i].body < parts[i - 1].body +
			    parts[i - 1].len) || parts[i].name[0] == '\0' ||
			    memchr(parts[i].name, '\0',
			    sizeof(parts[i].name)) == NULL ||
			    memchr(parts[i].filename, '\0',
			    sizeof(parts[i].filename)) == NULL)
				abort();
		}
	} else if (n != 0 || e.status < 400 || e.status > 499)
		abort();
	free(body);
	return 0;
}
