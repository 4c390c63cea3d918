/*
 * The admin page's API (README.md "The admin page"), under /admin/api/:
 *
 *   GET    /admin/api/state       the switch, the rules, usage this
 *                                 period, recent audit rows and the last
 *                                 configuration change
 *   POST   /admin/api/switch      {"enabled": bool, "message": str}
 *   POST   /admin/api/rules       {"effect", "kind", "value", "scope",
 *                                 "note"}: add an access rule
 *   DELETE /admin/api/rules/{id}  remove one
 *   POST   /admin/api/quotas      {"scope", "subject", "metric", "limit",
 *                                 "per"}: set a quota or change its limit
 *   DELETE /admin/api/quotas?scope=&subject=&metric=[&per=]
 *                                 remove one (the key in the query string:
 *                                 a DELETE's content has no defined
 *                                 meaning, RFC 9110 §9.3.5)
 *
 * The web server protects /admin/ with its own authentication (basic auth
 * over TLS or a client certificate; denied to everyone by default): the
 * operator is the user it authenticated (REMOTE_USER) or the subject of
 * the client certificate it verified (SSL_CLIENT_S_DN).  A request that
 * carries neither is refused here too, so a configuration that opens
 * /admin/ without authentication still changes nothing.
 *
 * Basic auth and client certificates are ambient credentials a browser
 * sends on cross-site requests too, so every change must carry the header
 * X-JTA-Admin: 1 (a cross-site form cannot send one, and a cross-origin
 * fetch with it needs a CORS preflight we never grant), and its Origin and
 * Sec-Fetch-Site, when sent, must say it comes from this site.
 *
 * Neither the kill switch nor the access rules apply (no_policy): the
 * operator must be able to switch the service back on from here.  Every
 * change is written to the audit log (admin_audit).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_audit.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_store_ops.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_usage.h"

/* Audit rows the page shows, newest first. */
#define ADMIN_AUDIT_ROWS	20

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* The operator's name as changed_by and the audit log keep it. */
#define OPERATOR_MAX	JTA_LIMIT_POLICY_BY

static const char *const effects[] = { "allow", "deny", NULL };
static const char *const kinds[] = { "site", "project", "person", "group",
    "domain", "readonly", NULL };
static const char *const scopes[] = { "read", "create", "write", "all",
    NULL };

/* "enabled" is a JSON boolean, which the field tables have no type for:
 * switch_post takes it out and checks the rest against this table. */
static const struct jta_field switch_fields[] = {
	{ "message", JTA_FT_STRING, JTA_F_NULLABLE, 0,
	    JTA_LIMIT_POLICY_MESSAGE, NULL },
};

static const struct jta_field rule_fields[] = {
	{ "effect", JTA_FT_ENUM, JTA_F_REQUIRED, 0, 0, effects },
	{ "kind", JTA_FT_ENUM, JTA_F_REQUIRED, 0, 0, kinds },
	{ "value", JTA_FT_STRING, JTA_F_NULLABLE, 0, JTA_LIMIT_POLICY_VALUE,
	    NULL },
	{ "scope", JTA_FT_ENUM, JTA_F_NULLABLE, 0, 0, scopes },
	{ "note", JTA_FT_STRING, JTA_F_NULLABLE, 0, JTA_LIMIT_POLICY_NOTE,
	    NULL },
};

/* A quota's words as jta-admin quota set takes them: only their types
 * and lengths here; jta_usage_quota_make and jta_usage_quota_check
 * decide the values (the limit's range too), for both. */
static const struct jta_field quota_fields[] = {
	{ "scope", JTA_FT_STRING, JTA_F_REQUIRED, 1, 16, NULL },
	{ "subject", JTA_FT_STRING, JTA_F_NULLABLE, 1, JTA_LIMIT_USAGE_SITE,
	    NULL },
	{ "metric", JTA_FT_STRING, JTA_F_REQUIRED, 1, 32, NULL },
	{ "limit", JTA_FT_UINT, JTA_F_REQUIRED, 0, INT64_MAX, NULL },
	{ "per", JTA_FT_STRING, JTA_F_NULLABLE, 1, 16, NULL },
};

/* The key of a quota to remove (query string); per absent: of either
 * period, as jta-admin quota remove without --per. */
static const struct jta_field quota_key_fields[] = {
	{ "scope", JTA_FT_STRING, JTA_F_REQUIRED, 1, 16, NULL },
	{ "subject", JTA_FT_STRING, 0, 1, JTA_LIMIT_USAGE_SITE, NULL },
	{ "metric", JTA_FT_STRING, JTA_F_REQUIRED, 1, 32, NULL },
	{ "per", JTA_FT_STRING, 0, 1, 16, NULL },
};

/*
 * The operator: the subject of the client certificate the web server
 * verified, else the user its basic auth authenticated, into buf
 * (OPERATOR_MAX + 1 bytes), control characters as '?', cut on a UTF-8
 * boundary (a long DN is kept as its start; the whole one is in the web
 * server's log).  403 when the
 * web server authenticated nobody.
 */
static enum jta_err
operator(const struct jta_req *req, char *buf, struct jta_error *err)
{
	/* The certificate first: nginx sets REMOTE_USER from any Basic
	 * header, checked or not, so it names the operator only where
	 * basic auth is what protects /admin/. */
	const char	*src = req->client_dn[0] != '\0' ? req->client_dn :
	    req->remote_user;
	size_t		 n = strlen(src), i;

	if (n == 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "operator",
		    "the web server authenticated nobody: protect /admin/ "
		    "with basic auth or a client certificate (README.md, "
		    "\"The admin page\")");
	if (n > OPERATOR_MAX) {
		n = OPERATOR_MAX;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, src, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	if (!jta_req_utf8_valid(buf, n))
		for (i = 0; i < n; i++)
			if ((unsigned char)buf[i] > 0x7e)
				buf[i] = '?';
	return JTA_OK;
}

/* The origin (RFC 6454 §4: scheme "://" host [":" port]) of public_url,
 * whose path, if any, starts at the first '/' after "://". */
static size_t
ownorigin(const char *public_url)
{
	const char	*p = strstr(public_url, "://");

	if (p == NULL)
		return strlen(public_url);
	return (size_t)(p + 3 - public_url) + strcspn(p + 3, "/");
}

/*
 * A change must come from this site's own page: X-JTA-Admin: 1 (only a
 * same-origin script can send a custom header without a preflight), and
 * when the browser says where it comes from, Sec-Fetch-Site same-origin
 * (W3C Fetch Metadata Request Headers §2.4) and Origin equal to ours
 * (RFC 6454 §7; "null" is refused).  403 otherwise.
 */
static enum jta_err
sameorigin(const struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_error *err)
{
	size_t	 ol = ownorigin(ctx->conf.public_url);

	if (strcmp(req->admin_header, "1") != 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "X-JTA-Admin",
		    "a change needs the header X-JTA-Admin: 1 (the admin "
		    "page sends it)");
	if (req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Sec-Fetch-Site",
		    "a change must come from the admin page itself");
	if (req->origin[0] != '\0' && (strlen(req->origin) != ol ||
	    strncasecmp(req->origin, ctx->conf.public_url, ol) != 0))
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Origin",
		    "a change must come from this site's admin page (its "
		    "Origin is not public_url's)");
	return JTA_OK;
}

/*
 * Record a change made on the page in the audit log: who is
 * "operator:<login>", action "admin:<what>", endpoint "admin", status
 * the answer's, detail short and never a secret.  JTA_OK, or the audit
 * log's error.
 */
static enum jta_err
admin_audit(struct jta_ctx *ctx, const char *login, const char *what,
    int status, const char *detail, struct jta_error *err)
{
	struct jta_audit_event ev;
	char	 who[OPERATOR_MAX + 16], action[64];

	snprintf(who, sizeof(who), "operator:%s", login);
	snprintf(action, sizeof(action), "admin:%s", what);
	memset(&ev, 0, sizeof(ev));
	ev.when = jta_time_now();
	ev.who = who;
	ev.account_id = NULL;
	ev.site = NULL;		/* a change of ours, of no site */
	ev.action = action;
	ev.issue_key = NULL;
	ev.endpoint = "admin";
	ev.status = status;
	ev.detail = detail;
	if (jta_audit_write(ctx->store, &ev, err) != JTA_OK) {
		jta_errorlog("audit: %s %s status=%d %s: not recorded: %s",
		    who, action, status, detail, err->detail);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the change was made, but the audit log could not "
		    "record it; the log has details");
	}
	return JTA_OK;
}

/* Usage this period as jta_store_usage_summary gives it.  *out is new. */
static enum jta_err
admin_usage(struct jta_ctx *ctx, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_store_usage_summary(ctx->store, jta_time_now(), out)) !=
	    JTA_OK)
		return jta_error_set(err, rc, jta_err_status(rc), NULL,
		    "the usage could not be read; the log has details");
	return JTA_OK;
}

/* The newest ADMIN_AUDIT_ROWS audit rows, newest first.  *out is new. */
static enum jta_err
admin_audit_recent(struct jta_ctx *ctx, json_t **out, struct jta_error *err)
{
	struct jta_audit_filter f;

	memset(&f, 0, sizeof(f));
	f.limit = ADMIN_AUDIT_ROWS;
	*out = NULL;
	return jta_store_audit_query(ctx->store, &f, out, err);
}

/* t as "YYYY-MM-DDTHH:MM:SSZ", or null when 0 (never). */
static json_t *
timejson(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	if (t == 0)
		return json_null();
	jta_time_format(t, buf);
	return json_string(buf);
}

static json_t *
rulejson(const struct jta_store_rule *r)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id",
	    (json_int_t)r->id, "effect", r->effect, "kind", r->kind, "value",
	    r->value, "scope", r->scope, "created", timejson(r->created),
	    "created_by", r->created_by, "note", r->note);
}

/* Answer a body with no-store: the page must always show the present. */
static enum jta_err
answer(struct jta_resp *resp, int status, json_t *body)
{
	enum jta_err	 rc;

	if (body == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) ==
	    JTA_OK)
		rc = jta_resp_json(resp, status, body);
	json_decref(body);
	return rc;
}

/*
 * A quota of qs (jta_store_quota_list) set after last's "at" makes it
 * the last configuration change (their times are RFC 3339 UTC strings
 * like ours, which sort as the times do).
 */
static enum jta_err
lastquota(const json_t *qs, json_t *last)
{
	json_t		*q;
	const char	*at, *newest;
	char		 what[JTA_LIMIT_USAGE_SITE + 64];
	size_t		 i;

	json_array_foreach(qs, i, q) {
		at = json_string_value(json_object_get(q, "created"));
		newest = json_string_value(json_object_get(last, "at"));
		if (at == NULL || (newest != NULL && strcmp(at, newest) < 0))
			continue;
		snprintf(what, sizeof(what), "quota set: %s %s %s",
		    json_string_value(json_object_get(q, "scope")),
		    json_string_value(json_object_get(q, "subject")),
		    json_string_value(json_object_get(q, "metric")));
		if (json_object_set_new(last, "at", json_string(at)) != 0 ||
		    json_object_set(last, "by", json_object_get(q,
		    "created_by")) != 0 || json_object_set_new(last, "what",
		    json_string(what)) != 0)
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

static enum jta_err
state_get(struct jta_ctx *ctx, const char *login, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_policy pol;
	struct jta_store_rule *rules = NULL;
	json_t		*body = NULL, *arr = NULL, *usage = NULL, *audit = NULL;
	json_t		*last = NULL, *quotas = NULL;
	size_t		 n = 0, i;
	int64_t		 lat;
	const char	*lby, *lwhat;
	char		 what[64];

	memset(&pol, 0, sizeof(pol));
	if ((rules = calloc(JTA_LIMIT_POLICY_RULES, sizeof(*rules))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_store_policy_get(ctx->store, &pol, err)) != JTA_OK ||
	    (rc = jta_store_rule_list(ctx->store, rules,
	    JTA_LIMIT_POLICY_RULES, &n, err)) != JTA_OK ||
	    (rc = admin_usage(ctx, &usage, err)) != JTA_OK ||
	    (rc = jta_store_quota_list(ctx->store, &quotas, err)) != JTA_OK ||
	    (rc = admin_audit_recent(ctx, &audit, err)) != JTA_OK)
		goto out;
	if ((arr = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	/* The last configuration change: the switch's, or the newest
	 * rule's if it came later.  (A rule's removal leaves no date in
	 * the store; the audit rows show it.) */
	lat = pol.changed_at;
	lby = pol.changed_by;
	lwhat = pol.changed_at != 0 ? (pol.enabled ? "switched on" :
	    "switched off") : "none";
	for (i = 0; i < n; i++) {
		if (json_array_append_new(arr, rulejson(&rules[i])) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		if (rules[i].created >= lat) {
			lat = rules[i].created;
			lby = rules[i].created_by;
			snprintf(what, sizeof(what), "rule %" PRId64 " added",
			    rules[i].id);
			lwhat = what;
		}
	}
	last = json_pack("{s:o, s:s, s:s}", "at", timejson(lat), "by", lby,
	    "what", lwhat);
	if (last == NULL || (rc = lastquota(quotas, last)) != JTA_OK) {
		rc = last == NULL ? JTA_ERR_NOMEM : rc;
		goto out;
	}
	body = json_pack("{s:b, s:s, s:o, s:s, s:s, s:O, s:O, s:O, s:O, s:O}",
	    "enabled", pol.enabled, "message", pol.message, "changed_at",
	    timejson(pol.changed_at), "changed_by", pol.changed_by,
	    "operator", login, "rules", arr, "quotas", quotas, "usage", usage,
	    "audit", audit, "last_change", last);
	rc = answer(resp, 200, body);
out:
	json_decref(arr);
	json_decref(usage);
	json_decref(audit);
	json_decref(last);
	json_decref(quotas);
	free(rules);
	return rc;
}

static enum jta_err
switch_post(struct jta_ctx *ctx, const struct jta_req *req,
    const char *login, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*doc = NULL, *in = NULL, *v;
	const char	*msg = NULL;
	char		 detail[JTA_LIMIT_POLICY_MESSAGE + 32];
	size_t		 tl;
	int		 on;

	/* RFC 8259 §11, as jta_req_json checks it. */
	tl = strcspn(req->content_type, "; \t");
	if (tl != strlen("application/json") ||
	    strncasecmp(req->content_type, "application/json", tl) != 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 415, "Content-Type",
		    "send the body as application/json");
		goto out;
	}
	if ((rc = jta_req_parse_json(req->body, req->body_len, &doc, err)) !=
	    JTA_OK)
		goto out;
	v = json_object_get(doc, "enabled");
	if (!json_is_boolean(v)) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "enabled",
		    "enabled must be true or false");
		goto out;
	}
	on = json_is_true(v);
	if (json_object_del(doc, "enabled") != 0) {
		rc = JTA_ERR_INTERNAL;
		goto out;
	}
	if ((rc = jta_req_check_object(doc, switch_fields, N(switch_fields),
	    &in, err)) != JTA_OK)
		goto out;
	if (!on && (v = json_object_get(in, "message")) != NULL &&
	    json_is_string(v) && json_string_length(v) > 0)
		msg = json_string_value(v);
	if ((rc = jta_store_policy_set(ctx->store, on, msg, jta_time_now(),
	    login, err)) != JTA_OK)
		goto out;
	snprintf(detail, sizeof(detail), "%s%s%s", on ? "on" : "off",
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	if ((rc = admin_audit(ctx, login, on ? "switch-on" : "switch-off",
	    200, detail, err)) != JTA_OK)
		goto out;
	jta_info("admin: %s switched the service %s", login, on ? "on" :
	    "off");
	rc = state_get(ctx, login, resp, err);
out:
	json_decref(doc);
	json_decref(in);
	return rc;
}

/* The string member name of o, or NULL when absent or null. */
static const char *
member(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static enum jta_err
rule_post(struct jta_ctx *ctx, const struct jta_req *req, const char *login,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL;
	struct jta_store_rule r;
	char		 detail[128];
	int64_t		 id = 0;

	memset(&r, 0, sizeof(r));
	if ((rc = jta_req_json(req, rule_fields, N(rule_fields), &in, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = jta_policy_rule_make(member(in, "effect"), member(in,
	    "kind"), member(in, "value"), member(in, "scope"), member(in,
	    "note"), &r, err)) != JTA_OK) {
		/* jta-admin's option is --for; this API's member is scope. */
		if (strcmp(err->field, "for") == 0)
			snprintf(err->field, sizeof(err->field), "scope");
		goto out;
	}
	if ((rc = jta_store_rule_add(ctx->store, &r, jta_time_now(), login,
	    &id, err)) != JTA_OK)
		goto out;
	/* The rule's words, never its note (free text). */
	snprintf(detail, sizeof(detail), "rule %" PRId64 ": %s %s %.64s for "
	    "%s", id, r.effect, r.kind, r.value, r.scope);
	if ((rc = admin_audit(ctx, login, "rule-add", 201, detail, err)) !=
	    JTA_OK)
		goto out;
	jta_info("admin: %s added %s", login, detail);
	r.id = id;
	r.created = jta_time_now();
	snprintf(r.created_by, sizeof(r.created_by), "%s", login);
	rc = answer(resp, 201, rulejson(&r));
out:
	json_decref(in);
	return rc;
}

static enum jta_err
rule_delete(struct jta_ctx *ctx, const char *seg, const char *login,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	uint64_t	 id;
	char		 detail[64];

	if (jta_req_parse_uint(seg, strlen(seg), INT64_MAX, &id) != 0 ||
	    id == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "a rule id is a whole number from 1");
	if ((rc = jta_store_rule_remove(ctx->store, (int64_t)id, err)) !=
	    JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "rule %" PRIu64 " removed", id);
	if ((rc = admin_audit(ctx, login, "rule-remove", 204, detail, err)) !=
	    JTA_OK)
		return rc;
	jta_info("admin: %s removed rule %" PRIu64, login, id);
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		return rc;
	return jta_resp_empty(resp, 204);
}

/*
 * jta_usage_quota_make and jta_usage_quota_check name jta-admin's
 * options (--person, --site); this API's member is subject.
 */
static enum jta_err
quotafield(enum jta_err rc, struct jta_error *err)
{
	if (rc == JTA_ERR_INPUT && (strcmp(err->field, "person") == 0 ||
	    strcmp(err->field, "site") == 0))
		snprintf(err->field, sizeof(err->field), "subject");
	return rc;
}

/* "person alice: calls per day", or "(default)" for "*". */
static void
quotaname(const struct jta_store_quota *q, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s %s: %s per %s", q->scope,
	    strcmp(q->subject, "*") == 0 ? "(default)" : q->subject, q->metric,
	    q->per);
}

/* The limit of the quota q names in qs (jta_store_quota_list), or -1
 * when there is none yet. */
static int64_t
quotalimit(const json_t *qs, const struct jta_store_quota *q)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(qs, i, o)
		if (strcmp(member(o, "scope") ? member(o, "scope") : "",
		    q->scope) == 0 && strcmp(member(o, "subject") ?
		    member(o, "subject") : "", q->subject) == 0 &&
		    strcmp(member(o, "metric") ? member(o, "metric") : "",
		    q->metric) == 0 && strcmp(member(o, "per") ?
		    member(o, "per") : "", q->per) == 0)
			return (int64_t)json_integer_value(json_object_get(o,
			    "limit"));
	return -1;
}

/*
 * Set a quota or change its limit, as jta-admin quota set does: the
 * same checks (jta_usage_quota_make, jta_usage_quota_check), applied at
 * the next request.  200 with the quota and its previous limit (null
 * when it is new).
 */
static enum jta_err
quota_post(struct jta_ctx *ctx, const struct jta_req *req,
    const char *login, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL, *qs = NULL;
	struct jta_store_quota q;
	const char	*subject;
	char		 name[JTA_LIMIT_USAGE_SITE + 64];
	char		 detail[JTA_LIMIT_USAGE_SITE + 128];
	int64_t		 prev;

	if ((rc = jta_req_json(req, quota_fields, N(quota_fields), &in,
	    err)) != JTA_OK)
		goto out;
	subject = member(in, "subject") != NULL ? member(in, "subject") : "*";
	if ((rc = quotafield(jta_usage_quota_make(member(in, "scope"),
	    subject, member(in, "metric"), member(in, "per"), &q, err),
	    err)) != JTA_OK ||
	    (rc = quotafield(jta_usage_quota_check(ctx->store, &q,
	    (int64_t)json_integer_value(json_object_get(in, "limit")), err),
	    err)) != JTA_OK)
		goto out;
	if ((rc = jta_store_quota_list(ctx->store, &qs, err)) != JTA_OK)
		goto out;
	prev = quotalimit(qs, &q);
	if ((rc = jta_store_quota_set(ctx->store, &q, jta_time_now(), login,
	    err)) != JTA_OK)
		goto out;
	quotaname(&q, name, sizeof(name));
	if (prev < 0)
		snprintf(detail, sizeof(detail), "%s: %" PRId64 " (new)", name,
		    q.limit);
	else
		snprintf(detail, sizeof(detail), "%s: %" PRId64 " (was %"
		    PRId64 ")", name, q.limit, prev);
	if ((rc = admin_audit(ctx, login, "quota-set", 200, detail, err)) !=
	    JTA_OK)
		goto out;
	jta_info("admin: %s set quota %s", login, detail);
	rc = answer(resp, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}",
	    "scope", q.scope, "subject", q.subject, "metric", q.metric, "per",
	    q.per, "limit", (json_int_t)q.limit, "previous_limit", prev < 0 ?
	    json_null() : json_integer((json_int_t)prev)));
out:
	json_decref(in);
	json_decref(qs);
	return rc;
}

/*
 * Remove a quota, as jta-admin quota remove does: its key in the query
 * string, per absent for either period.  204; 404 naming quota when
 * there is none.
 */
static enum jta_err
quota_delete(struct jta_ctx *ctx, const struct jta_req *req,
    const char *login, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL;
	struct jta_store_quota q;
	const char	*subject, *per;
	char		 name[JTA_LIMIT_USAGE_SITE + 64];

	if (req->body_len > 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "a quota to remove is named in the query string "
		    "(?scope=&subject=&metric=&per=), not the body");
		goto out;
	}
	if ((rc = jta_req_query(req, quota_key_fields, N(quota_key_fields),
	    &in, err)) != JTA_OK)
		goto out;
	subject = member(in, "subject") != NULL ? member(in, "subject") : "*";
	per = member(in, "per");
	/* per NULL removes the quota of either period; "day" only stands
	 * in for it in the check. */
	if ((rc = quotafield(jta_usage_quota_make(member(in, "scope"),
	    subject, member(in, "metric"), per != NULL ? per : "day", &q,
	    err), err)) != JTA_OK)
		goto out;
	if ((rc = jta_store_quota_remove(ctx->store, q.scope, q.subject,
	    q.metric, per != NULL ? q.per : NULL, err)) != JTA_OK)
		goto out;
	if (per == NULL)
		snprintf(q.per, sizeof(q.per), "any");
	quotaname(&q, name, sizeof(name));
	if ((rc = admin_audit(ctx, login, "quota-remove", 204, name, err)) !=
	    JTA_OK)
		goto out;
	jta_info("admin: %s removed quota %s", login, name);
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) ==
	    JTA_OK)
		rc = jta_resp_empty(resp, 204);
out:
	json_decref(in);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 login[OPERATOR_MAX + 1];
	char		 seg[24];
	int		 get, change;

	(void)who;
	if ((rc = operator(req, login, err)) != JTA_OK)
		return rc;
	get = req->method == JTA_METHOD_GET || req->method == JTA_METHOD_HEAD;
	change = req->method == JTA_METHOD_POST ||
	    req->method == JTA_METHOD_DELETE;
	if (change && (rc = sameorigin(ctx, req, err)) != JTA_OK)
		return rc;
	if (strcmp(req->path, "/admin/api/state") == 0)
		return get ? state_get(ctx, login, resp, err) :
		    jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (strcmp(req->path, "/admin/api/switch") == 0)
		return req->method == JTA_METHOD_POST ? switch_post(ctx, req,
		    login, resp, err) : jta_fcgi_method_not_allowed(resp,
		    "POST", err);
	if (strcmp(req->path, "/admin/api/rules") == 0)
		return req->method == JTA_METHOD_POST ? rule_post(ctx, req,
		    login, resp, err) : jta_fcgi_method_not_allowed(resp,
		    "POST", err);
	if (strcmp(req->path, "/admin/api/quotas") == 0)
		return req->method == JTA_METHOD_POST ? quota_post(ctx, req,
		    login, resp, err) : req->method == JTA_METHOD_DELETE ?
		    quota_delete(ctx, req, login, resp, err) :
		    jta_fcgi_method_not_allowed(resp, "POST, DELETE", err);
	if (jta_req_path_segment(req, "/admin/api/rules/", "", seg,
	    sizeof(seg)))
		return req->method == JTA_METHOD_DELETE ? rule_delete(ctx,
		    seg, login, resp, err) : jta_fcgi_method_not_allowed(resp,
		    "DELETE", err);
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
	    "no such resource");
}

static const struct jta_endpoint endpoint = {
	.name = "jta-admin-api",
	.handle = handle,
	.auth = 0,
	.no_policy = 1,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
