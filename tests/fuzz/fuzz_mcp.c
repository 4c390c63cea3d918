/*
 * Fuzz harness for MCP messages (jta_mcp.h): the bytes as the body of a
 * POST /mcp under the header sets of each era (2026-07-28 with Mcp-Method
 * and Mcp-Name taken from the first bytes, 2025-11-25, none), through
 * jta_mcp_parse and, when it accepts, jta_mcp_answer with a runner that
 * never reaches a backend (it answers createDraft with missing fields,
 * so the follow-up form is built, and everything else with an object).
 *
 * Invariants checked (abort() when violated): a refusal has a 4xx
 * status and a JSON-RPC error object with an integer code and a message
 * of at most 200 bytes; an accepted request's answer is a JSON-RPC
 * response with the request's id (or nothing, 202, for a notification)
 * that serialises; a tool call's outcome has a status when it ran.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_mcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum jta_err
runner(void *arg, const struct jta_operation *op, const char *param,
    const json_t *in, int *status, json_t **out, struct jta_error *err)
{
	(void)arg;
	(void)param;
	if (strcmp(op->name, "createDraft") == 0 &&
	    json_object_get(in, "summary") == NULL) {
		jta_error_begin(err);
		jta_error_add(err, "summary", "is required");
		jta_error_ask_about(err, JTA_ASK_TEXT);
		return jta_error_collected(err);
	}
	*status = 200;
	*out = json_pack("{s:s}", "key", "DEMO-1");
	return *out != NULL ? JTA_OK : JTA_ERR_NOMEM;
}

static void
check_error(const json_t *a, int status)
{
	const json_t	*e = json_object_get(a, "error");
	const char	*m = json_string_value(json_object_get(e, "message"));

	if (status < 400 && status != 200)
		abort();
	if (!json_is_integer(json_object_get(e, "code")) || m == NULL ||
	    strlen(m) > 200)
		abort();
}

static void
one(const char *body, size_t len, const struct jta_mcp_http *h)
{
	struct jta_mcp_call c;
	struct jta_mcp_outcome oc;
	json_t		*a = NULL;
	char		*s;
	int		 st;

	if (jta_mcp_parse(body, len, h, &c, &st, &a) != JTA_OK) {
		if (a == NULL)
			abort();	/* only memory may fail without one */
		check_error(a, st);
		json_decref(a);
		return;
	}
	if (jta_mcp_answer(&c, runner, NULL, "rid", &st, &a, &oc) != JTA_OK)
		abort();
	if (c.id == NULL) {
		if (st != 202 || a != NULL)
			abort();
	} else {
		if (a == NULL || !json_equal(json_object_get(a, "id"), c.id))
			abort();
		if (json_object_get(a, "error") != NULL)
			check_error(a, st);
		if ((s = json_dumps(a, JSON_COMPACT)) == NULL)
			abort();
		free(s);
		if (c.op != NULL && json_object_get(a, "result") != NULL &&
		    oc.status == 0)
			abort();
	}
	json_decref(a);
	jta_mcp_call_clear(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "tools/call", "tools/list",
	    "server/discover", "initialize" };
	static const char *const names[] = { "createDraft", "getIssue",
	    "=?base64?Z2V0TWU=?=", "searchIssues" };
	struct jta_mcp_http h;
	size_t		 k = size > 0 ? data[0] : 0;

	h.content_type = "application/json";
	h.version = "2026-07-28";
	h.method = methods[k & 3];
	h.name = names[(k >> 2) & 3];
	one((const char *)data, size, &h);
	h.version = "2025-11-25";
	h.method = NULL;
	h.name = NULL;
	one((const char *)data, size, &h);
	h.version = "";
	one((const char *)data, size, &h);
	return 0;
}
