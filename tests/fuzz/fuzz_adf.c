/*
 * Fuzz harness for ADF from Jira: bytes -> json_loadb (with
 * JSON_REJECT_DUPLICATES, as for any JSON from the network) ->
 * jta_adf_to_markdown, then the Markdown made back through
 * jta_adf_from_markdown.
 *
 * Invariants checked (abort() when violated): a document is converted
 * exactly when it is an object of type "doc"; then the Markdown is valid
 * UTF-8, at most JTA_LIMIT_ADF_MARKDOWN bytes; otherwise the error is a
 * 502 and there is no output.  Converting the Markdown back either works
 * or is a 422.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_error err;
	json_error_t	 je;
	json_t		*doc = NULL, *back = NULL;
	char		*md = NULL;
	const char	*t;
	size_t		 lossy = 0;
	int		 isdoc;
	enum jta_err	 rc;

	if ((doc = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, &je)) == NULL)
		return 0;
	isdoc = json_is_object(doc) &&
	    (t = json_string_value(json_object_get(doc, "type"))) != NULL &&
	    strcmp(t, "doc") == 0;
	memset(&err, 0, sizeof(err));
	rc = jta_adf_to_markdown(doc, &md, &lossy, &err);
	if (!isdoc) {
		if (rc != JTA_ERR_INPUT || md != NULL || err.status != 502)
			abort();
		goto out;
	}
	if (rc != JTA_OK || md == NULL || strlen(md) >
	    JTA_LIMIT_ADF_MARKDOWN || !jta_text_utf8_valid(md, strlen(md)))
		abort();
	memset(&err, 0, sizeof(err));
	rc = jta_adf_from_markdown(md, strlen(md), "comment", &back, &err);
	if (rc != JTA_OK && (rc != JTA_ERR_INPUT || err.status != 422 ||
	    back != NULL))
		abort();
out:
	free(md);
	json_decref(back);
	json_decref(doc);
	return 0;
}
