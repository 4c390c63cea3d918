/*
 * Fuzz harness for Markdown from clients: jta_adf_from_markdown, then
 * jta_adf_to_markdown of the document made, then both again.
 *
 * Invariants checked (abort() when violated): on failure there is no
 * document and the error is a 422 naming the field; on success the
 * document is a doc, Markdown carries all of it (lossy is 0), the
 * Markdown made is valid UTF-8 within JTA_LIMIT_ADF_MARKDOWN, and it is
 * a fixed point: converting it again gives the same Markdown (md2 ==
 * md3), whenever it fits the input limits itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_adf.h"
#include "jta_limits.h"
#include "jta_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_error(const struct jta_error *err)
{
	if (memchr(err->field, '\0', sizeof(err->field)) == NULL ||
	    memchr(err->detail, '\0', sizeof(err->detail)) == NULL ||
	    err->status != 422 || strcmp(err->field, "description") != 0)
		abort();
}

/* Markdown -> ADF -> Markdown; returns the Markdown or NULL when the
 * input was refused. */
static char *
convert(const char *s, size_t len, json_t **docp)
{
	struct jta_error err;
	json_t		*doc = NULL;
	char		*md = NULL;
	size_t		 lossy = 0;
	const char	*t;

	memset(&err, 0, sizeof(err));
	if (jta_adf_from_markdown(s, len, "description", &doc, &err) !=
	    JTA_OK) {
		if (doc != NULL)
			abort();
		check_error(&err);
		return NULL;
	}
	if (!json_is_object(doc) ||
	    (t = json_string_value(json_object_get(doc, "type"))) == NULL ||
	    strcmp(t, "doc") != 0)
		abort();
	memset(&err, 0, sizeof(err));
	if (jta_adf_to_markdown(doc, &md, &lossy, &err) != JTA_OK)
		abort();
	if (lossy != 0 || strlen(md) > JTA_LIMIT_ADF_MARKDOWN ||
	    !jta_text_utf8_valid(md, strlen(md)))
		abort();
	*docp = doc;
	return md;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*doc1 = NULL, *doc2 = NULL;
	char	*md2 = NULL, *md3 = NULL;

	if ((md2 = convert((const char *)data, size, &doc1)) == NULL)
		goto out;
	/* Markdown we made may be longer than a client may send, or its
	 * escapes may make more nodes: then there is nothing to compare. */
	if ((md3 = convert(md2, strlen(md2), &doc2)) == NULL)
		goto out;
	if (strcmp(md2, md3) != 0)
		abort();
out:
	free(md2);
	free(md3);
	json_decref(doc1);
	json_decref(doc2);
	return 0;
}
