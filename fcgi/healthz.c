/* GET /healthz: the store answers and its schema is the one this build
 * needs, and whether the operators switched the service off (then
 * "enabled": false and their "message"; still 200, since the server is
 * healthy and monitors should not page anyone for a planned switch-off).
 * No authentication: monitors call it.  Not subject to the kill switch
 * or the access rules (JTA_ENDPOINT_OPEN).
 *
 * With declared Confluence spaces (README.md "Knowledge sync"),
 * "knowledge_sync" counts them: spaces, stale (never synced or not for
 * 48 hours), failed (the last attempt failed) and oldest (the oldest
 * last whole sync, null when one never synced).  A stale or failed sync
 * is visible but keeps 200: the old index is still served.  Keys and
 * error texts are for operators (jta-admin kb status, the admin page),
 * not for an unauthenticated monitor.
 *
 * "chat": {"configured"} says whether our own agent has a model server
 * (chat_base_url and chat_model set; README "Chat: our own agent"):
 * without one, /api/chat answers 503 "chat is not configured".  Its
 * "model" is the newest outcome of a call to the model across every
 * worker (jta_chat_status: {"state": "ok"|"failing", "cause",
 * "since"}), null before the first call or with metrics = off.  A
 * failing model keeps 200: the rest of the service works.
 *
 * "database": {"engine", "reachable", "schema_version",
 * "schema_expected"} names the store behind it (jta_store_dbhealth:
 * "sqlite", or "postgresql" for several hosts, README "Several hosts on
 * PostgreSQL"); one that is down or read-only is "reachable": false and
 * the answer 503 with Retry-After (closed, never open). */
#include "config.h"

#include <string.h>

#include "jta_chat.h"
#include "jta_fcgi.h"
#include "jta_kb.h"
#include "jta_time.h"

/* The knowledge sync summary of the declared spaces, or NULL when none
 * is declared or the store cannot tell (healthz's status says that). */
static json_t *
kbsync(struct jta_ctx *ctx)
{
	struct jta_error err;
	json_t		*list = NULL, *o, *out = NULL, *oldest = NULL;
	size_t		 i, stale = 0, failed = 0;
	const char	*t;

	memset(&err, 0, sizeof(err));
	if (jta_kb_status(ctx->backend->store, jta_time_now(), &list, &err) !=
	    JTA_OK || json_array_size(list) == 0)
		goto out;
	json_array_foreach(list, i, o) {
		stale += json_is_true(json_object_get(o, "stale"));
		failed += json_is_string(json_object_get(o, "error"));
		t = json_string_value(json_object_get(o, "synced"));
		/* RFC 3339 UTC strings of one length order as times. */
		if (t == NULL)
			oldest = json_null();
		else if (oldest == NULL || (json_is_string(oldest) &&
		    strcmp(t, json_string_value(oldest)) < 0))
			oldest = json_object_get(o, "synced");
	}
	out = json_pack("{s:i, s:i, s:i, s:O}", "spaces",
	    (json_int_t)json_array_size(list), "stale", (json_int_t)stale,
	    "failed", (json_int_t)failed, "oldest", oldest);
out:
	json_decref(list);
	return out;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_policy_health h;
	json_t		*body, *ks;

	(void)who;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	jta_policy_health(ctx->policy, &h);
	body = json_pack("{s:s, s:s, s:i, s:i, s:{s:s, s:b, s:i, s:i}}",
	    "status", h.ok ? "ok" : "unavailable", "backend",
	    ctx->backend->ops->name, "schema_version", h.version,
	    "schema_expected", h.expected, "database", "engine", h.engine,
	    "reachable", h.reachable, "schema_version", h.version,
	    "schema_expected", h.expected);
	if (body == NULL)
		return JTA_ERR_NOMEM;
	/* The switch, when the store could tell. */
	if (h.ok && (json_object_set_new(body, "enabled",
	    json_boolean(h.enabled)) != 0 || (!h.enabled &&
	    json_object_set_new(body, "message", json_string(h.message)) !=
	    0))) {
		json_decref(body);
		return JTA_ERR_NOMEM;
	}
	if (json_object_set_new(body, "chat", jta_chat_status(&ctx->conf)) !=
	    0) {
		json_decref(body);
		return JTA_ERR_NOMEM;
	}
	if (h.ok && (ks = kbsync(ctx)) != NULL && json_object_set_new(body,
	    "knowledge_sync", ks) != 0) {
		json_decref(body);
		return JTA_ERR_NOMEM;
	}
	rc = jta_resp_header(resp, "Cache-Control", "no-store");
	/* A database that is down says when to look again, as every other
	 * program's 503 does (RFC 9110 section 10.2.3); the body stays the
	 * health document monitors read. */
	if (rc == JTA_OK && !h.reachable)
		rc = jta_resp_header(resp, "Retry-After", "5");
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, h.ok ? 200 : 503, body);
	json_decref(body);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-healthz",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
