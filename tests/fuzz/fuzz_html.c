/*
 * Fuzz harness for HTML articles from outside (jta-admin kb import):
 * jta_html_to_markdown.
 *
 * Invariants checked (abort() when violated): on failure nothing is left
 * to release and the error names "file" or "body" with a 4xx status; on
 * success the Markdown is valid UTF-8 within JTA_LIMIT_KB_BODY + 1 bytes,
 * holds no '<' outside code fences and code spans (text's angle brackets
 * become entity references, no tag survives; code is shown as text),
 * and the title, when there is one, is valid UTF-8 within
 * JTA_LIMIT_KB_TITLE bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_html.h"
#include "jta_limits.h"
#include "jta_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when md has a '<' outside ``` fences and `code spans` (outside
 * them, a '\\' escapes the character after it). */
static int
bare_lt(const char *md)
{
	const char	*p;
	int		 fence = 0, span = 0, bol = 1;

	for (p = md; *p != '\0'; p++) {
		if (bol && strncmp(p, "```", 3) == 0) {
			fence = !fence;
			p += 2;
			bol = 0;
			continue;
		}
		bol = *p == '\n';
		if (fence)
			continue;
		/* A backslash escapes outside code only (CommonMark §6.1:
		 * in a code span it is itself). */
		if (!span && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '`')
			span = !span;
		else if (*p == '<' && !span)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_html_doc doc;
	struct jta_error err;
	size_t		 n;

	memset(&err, 0, sizeof(err));
	if (jta_html_to_markdown((const char *)data, size, &doc, &err) !=
	    JTA_OK) {
		if (doc.markdown != NULL || doc.title != NULL ||
		    err.status < 400 || err.status > 499 ||
		    (strcmp(err.field, "file") != 0 &&
		    strcmp(err.field, "body") != 0))
			abort();
		return 0;
	}
	n = strlen(doc.markdown);
	if (n > JTA_LIMIT_KB_BODY + 1 ||
	    !jta_text_utf8_valid(doc.markdown, n) ||
	    bare_lt(doc.markdown))
		abort();
	if (doc.title != NULL && (strlen(doc.title) > JTA_LIMIT_KB_TITLE ||
	    !jta_text_utf8_valid(doc.title, strlen(doc.title))))
		abort();
	jta_html_doc_clear(&doc);
	return 0;
}
