/*
 * Fuzz harness for the model client's stream reader: the SSE parser
 * (jta_llm_sse_feed) with each event folded into an answer
 * (jta_llm_chunk), the input fed in two pieces split where its first
 * byte says, so that lines, CRLFs and BOMs cut across pieces are
 * exercised.
 *
 * Invariants checked (abort() when violated): whatever the input, the
 * answer's text and every tool call's arguments stay within their
 * bounds and NUL-terminated, the tool calls are at most
 * JTA_LIMIT_LLM_TOOL_CALLS with NUL-terminated ids and names, the token
 * counts are not negative, and every failure is a 502.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_limits.h"
#include "jta_llm.h"
#include "jta_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum jta_err
onevent(const char *d, size_t len, void *arg, struct jta_error *err)
{
	return jta_llm_chunk(arg, d, len, NULL, NULL, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_llm_sse p;
	struct jta_llm_turn *t;
	struct jta_error *err;
	enum jta_err	 rc;
	size_t		 cut, i;

	jta_log_set_level(JTA_LOG_ERROR);
	if (size == 0)
		return 0;
	t = malloc(sizeof(*t));
	err = malloc(sizeof(*err));
	if (t == NULL || err == NULL) {
		free(t);
		free(err);
		return 0;
	}
	jta_llm_turn_init(t);
	jta_llm_sse_init(&p, onevent, t);
	cut = data[0] % size;
	data++;
	size--;
	if (cut > size)
		cut = size;
	rc = jta_llm_sse_feed(&p, (const char *)data, cut, err);
	if (rc == JTA_OK)
		rc = jta_llm_sse_feed(&p, (const char *)data + cut, size - cut,
		    err);
	if (rc != JTA_OK && err->status != 502)
		abort();
	if (t->text.len > JTA_LIMIT_LLM_TEXT ||
	    (t->text.p != NULL && t->text.p[t->text.len] != '\0'))
		abort();
	if (t->ncalls > JTA_LIMIT_LLM_TOOL_CALLS)
		abort();
	for (i = 0; i < t->ncalls; i++) {
		if (memchr(t->calls[i].id, '\0', sizeof(t->calls[i].id)) ==
		    NULL || memchr(t->calls[i].name, '\0',
		    sizeof(t->calls[i].name)) == NULL)
			abort();
		if (t->calls[i].args.len > JTA_LIMIT_LLM_TOOL_ARGS)
			abort();
	}
	if (t->prompt_tokens < 0 || t->completion_tokens < 0)
		abort();
	jta_llm_sse_free(&p);
	jta_llm_turn_free(t);
	free(t);
	free(err);
	return 0;
}
