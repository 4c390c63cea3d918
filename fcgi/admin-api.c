/*
 * The admin page's API (README.md "The admin page"), under /admin/api/:
 *
 *   GET    /admin/api/state       the switch, the rules, usage this
 *                                 period, recent audit rows, the last
 *                                 configuration change and the knowledge
 *                                 sync of declared spaces (jta_kb_status)
 *                                 and the chat model's state
 *                                 (jta_chat_status)
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
 * operator is the user it authenticated (REMOTE_USER, counted only
 * beside AUTH_TYPE) or the subject of the client certificate it verified
 * (SSL_CLIENT_S_DN).  A request that carries neither is refused here too,
 * so a configuration that opens /admin/ without authentication (an
 * address allow-list) still changes nothing, whatever Authorization
 * header the client sends.
 *
 * Basic auth and client certificates are ambient credentials a browser
 * sends on cross-site requests too, so every change must carry the header
 * X-JTA-Admin: 1 (a cross-site form cannot send one, and a cross-origin
 * fetch with it needs a CORS preflight we never grant), and its Origin and
 * Sec-Fetch-Site, when sent, must say it comes from this site.
 *
 * Neither the kill switch nor the access rules apply (JTA_ENDPOINT_OPEN): the
 * operator must be able to switch the service back on from here.  This
 * program parses and checks its requests; jta_operator validates, makes
 * and audits every change, as it does for jta-admin.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_chat.h"
#include "jta_fcgi.h"
#include "jta_kb.h"
#include "jta_operator.h"
#include "jta_time.h"
#include "jta_url.h"

/* Audit rows the page shows, newest first. */
#define ADMIN_AUDIT_ROWS	20

#define N(t)	(sizeof(t) / sizeof((t)[0]))

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
 * and lengths here; jta_operator_quota_set decides the values (the
 * limit's range too), for both. */
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
 * The operator as the web server authenticated them: the subject of the
 * client certificate it verified, else the user its basic auth named
 * (jta_operator_login cleans and cuts it).  403 when it authenticated
 * nobody.
 */
static enum jta_err
operator(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_operator *op, struct jta_error *err)
{
	/* The certificate first.  req->remote_user is set only beside
	 * AUTH_TYPE (jta_req_init): nginx sets REMOTE_USER from any
	 * client's Basic header, checked or not, so our nginx
	 * configuration passes AUTH_TYPE only where auth_basic is on.
	 * An address allow-list alone names nobody. */
	const char	*src = req->client_dn[0] != '\0' ? req->client_dn :
	    req->remote_user;

	if (src[0] == '\0')
		return jta_error_set(err, JTA_ERR_AUTH, 403, "operator",
		    "the web server authenticated nobody: protect /admin/ "
		    "with basic auth (on nginx with fastcgi_param AUTH_TYPE "
		    "Basic beside it) or a client certificate (README.md, "
		    "\"The admin page\")");
	return jta_operator_fcgi(op, ctx, src, err);
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
	if (strcmp(req->admin_header, "1") != 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "X-JTA-Admin",
		    "a change needs the header X-JTA-Admin: 1 (the admin "
		    "page sends it)");
	if (req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Sec-Fetch-Site",
		    "a change must come from the admin page itself");
	if (req->origin[0] != '\0' && !jta_url_same_origin(req->origin,
	    ctx->conf.public_url))
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Origin",
		    "a change must come from this site's admin page (its "
		    "Origin is not public_url's)");
	return JTA_OK;
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

static enum jta_err
state_get(struct jta_operator *op, const struct jta_conf *conf,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*body = NULL, *ks = NULL;

	if ((rc = jta_operator_state(op, ADMIN_AUDIT_ROWS, &body, err)) !=
	    JTA_OK)
		return rc;
	if ((rc = jta_kb_status(op->st, jta_time_now(), &ks, err)) != JTA_OK) {
		json_decref(body);
		return rc;
	}
	if (json_object_set_new(body, "knowledge_sync", ks) != 0 ||
	    json_object_set_new(body, "chat", jta_chat_status(conf)) != 0 ||
	    json_object_set_new(body, "operator", json_string(op->login)) !=
	    0) {
		json_decref(body);
		return JTA_ERR_NOMEM;
	}
	return answer(resp, 200, body);
}

static enum jta_err
switch_post(struct jta_operator *op, const struct jta_conf *conf,
    const struct jta_req *req, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*doc = NULL, *in = NULL, *v;
	const char	*msg = NULL;
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
	if ((v = json_object_get(in, "message")) != NULL && json_is_string(v))
		msg = json_string_value(v);
	if ((rc = jta_operator_switch(op, on, msg, err)) != JTA_OK)
		goto out;
	rc = state_get(op, conf, resp, err);
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
rule_post(struct jta_operator *op, const struct jta_req *req,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL, *r = NULL;

	if ((rc = jta_req_json(req, rule_fields, N(rule_fields), &in, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = jta_operator_rule_add(op, member(in, "effect"), member(in,
	    "kind"), member(in, "value"), member(in, "scope"), member(in,
	    "note"), &r, err)) != JTA_OK) {
		/* jta-admin's option is --for; this API's member is scope. */
		if (rc == JTA_ERR_INPUT && strcmp(err->field, "for") == 0)
			snprintf(err->field, sizeof(err->field), "scope");
		goto out;
	}
	rc = answer(resp, 201, r);
out:
	json_decref(in);
	return rc;
}

static enum jta_err
rule_delete(struct jta_operator *op, const char *seg, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;

	if ((rc = jta_operator_rule_remove(op, seg, err)) != JTA_OK)
		return rc;
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		return rc;
	return jta_resp_empty(resp, 204);
}

/*
 * jta_operator's quota errors name jta-admin's options (--person,
 * --site); this API's member is subject.
 */
static enum jta_err
quotafield(enum jta_err rc, struct jta_error *err)
{
	if (rc != JTA_OK && (strcmp(err->field, "person") == 0 ||
	    strcmp(err->field, "site") == 0))
		snprintf(err->field, sizeof(err->field), "subject");
	return rc;
}

/*
 * Set a quota or change its limit, as jta-admin quota set does (both
 * through jta_operator_quota_set), applied at the next request.  200
 * with the quota and its previous limit (null when it is new).
 */
static enum jta_err
quota_post(struct jta_operator *op, const struct jta_req *req,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL, *q = NULL;

	if ((rc = jta_req_json(req, quota_fields, N(quota_fields), &in,
	    err)) != JTA_OK)
		goto out;
	if ((rc = quotafield(jta_operator_quota_set(op, member(in, "scope"),
	    member(in, "subject"), member(in, "metric"), member(in, "per"),
	    (int64_t)json_integer_value(json_object_get(in, "limit")), &q,
	    err), err)) != JTA_OK)
		goto out;
	rc = answer(resp, 200, q);
out:
	json_decref(in);
	return rc;
}

/*
 * Remove a quota, as jta-admin quota remove does: its key in the query
 * string, per absent for either period.  204; 404 naming quota when
 * there is none.
 */
static enum jta_err
quota_delete(struct jta_operator *op, const struct jta_req *req,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*in = NULL;

	if (req->body_len > 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "a quota to remove is named in the query string "
		    "(?scope=&subject=&metric=&per=), not the body");
		goto out;
	}
	if ((rc = jta_req_query(req, quota_key_fields, N(quota_key_fields),
	    &in, err)) != JTA_OK)
		goto out;
	if ((rc = quotafield(jta_operator_quota_remove(op, member(in,
	    "scope"), member(in, "subject"), member(in, "metric"), member(in,
	    "per"), NULL, err), err)) != JTA_OK)
		goto out;
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
	struct jta_operator op;
	char		 seg[24];
	int		 get, change;

	(void)who;
	if ((rc = operator(ctx, req, &op, err)) != JTA_OK)
		return rc;
	get = req->method == JTA_METHOD_GET || req->method == JTA_METHOD_HEAD;
	change = req->method == JTA_METHOD_POST ||
	    req->method == JTA_METHOD_DELETE;
	if (change && (rc = sameorigin(ctx, req, err)) != JTA_OK)
		return rc;
	if (strcmp(req->path, "/admin/api/state") == 0)
		return get ? state_get(&op, &ctx->conf, resp, err) :
		    jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (strcmp(req->path, "/admin/api/switch") == 0)
		return req->method == JTA_METHOD_POST ? switch_post(&op,
		    &ctx->conf, req, resp, err) :
		    jta_fcgi_method_not_allowed(resp, "POST", err);
	if (strcmp(req->path, "/admin/api/rules") == 0)
		return req->method == JTA_METHOD_POST ? rule_post(&op, req,
		    resp, err) : jta_fcgi_method_not_allowed(resp, "POST",
		    err);
	if (strcmp(req->path, "/admin/api/quotas") == 0)
		return req->method == JTA_METHOD_POST ? quota_post(&op, req,
		    resp, err) : req->method == JTA_METHOD_DELETE ?
		    quota_delete(&op, req, resp, err) :
		    jta_fcgi_method_not_allowed(resp, "POST, DELETE", err);
	if (jta_req_path_segment(req, "/admin/api/rules/", "", seg,
	    sizeof(seg)))
		return req->method == JTA_METHOD_DELETE ? rule_delete(&op,
		    seg, resp, err) : jta_fcgi_method_not_allowed(resp,
		    "DELETE", err);
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
	    "no such resource");
}

static const struct jta_endpoint endpoint = {
	.name = "jta-admin-api",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
