/*
 * Jira Service Management requests (README.md "Jira Service
 * Management"): GET /api/requests lists the person's requests, POST
 * /api/requests raises one (the body of POST /api/issues with a
 * request_type, resolved the same way, one 422 with every problem),
 * GET /api/requests/{key} reads one with its comments and SLAs; POST
 * .../comments comments (public, or internal for agents), GET|POST
 * .../transitions lists and takes the customer transitions, POST
 * .../approval approves or declines the approval waiting for the person.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_text.h"
#include "jta_time.h"

static const char *const status_values[] = { "open", "closed", "all", NULL };
static const char *const mine_values[] = { "reported", "participated",
    "approver", NULL };

static const struct jta_field list_fields[] = {
	{ "status", JTA_FT_ENUM, 0, 0, 0, status_values },
	{ "mine", JTA_FT_ENUM, 0, 0, 0, mine_values },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	/* a request type's id (GET /api/servicedesks) */
	{ "request_type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "text", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_MAX, NULL },
};

static const char *const visibilities[] = { "public", "internal", NULL };

static const struct jta_field comment_fields[] = {
	{ "body", JTA_FT_TEXT, JTA_F_REQUIRED, 1, JTA_LIMIT_COMMENT, NULL },
	/* internal: seen by the desk's agents only (agents only) */
	{ "visibility", JTA_FT_ENUM, 0, 0, 0, visibilities },
};

static const struct jta_field move_fields[] = {
	{ "to", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_NAME, NULL },
	{ "comment", JTA_FT_TEXT, 0, 1, JTA_LIMIT_COMMENT, NULL },
};

static const char *const decisions[] = { "approve", "decline", NULL };

static const struct jta_field decide_fields[] = {
	{ "decision", JTA_FT_ENUM, JTA_F_REQUIRED, 0, 0, decisions },
};

#define N(t)	(sizeof(t) / sizeof((t)[0]))

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static enum jta_err
list(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_sd_query q;
	json_t		*p = NULL, *out = NULL;
	enum jta_err	 rc;

	if ((rc = jta_req_query(req, list_fields, N(list_fields), &p, err)) !=
	    JTA_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	q.status = str(p, "status");
	q.mine = str(p, "mine");
	q.project = str(p, "project");
	q.request_type = str(p, "request_type");
	q.text = str(p, "text");
	q.limit = (size_t)json_integer_value(json_object_get(p, "limit"));
	if ((rc = ctx->backend->ops->sd_requests(ctx->backend, who, &q, &out,
	    err)) == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(out);
	json_decref(p);
	return rc;
}

/* A raise: a create that must name its request type; with an
 * Idempotency-Key, exactly once per key (jta_once), as POST /api/issues. */
static enum jta_err
raise(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 status = 201;
	json_t		*f = NULL, *out = NULL, *q = NULL, *prep = NULL;
	char		 key[JTA_LIMIT_IDEMPOTENCY_KEY + 1];
	char		 loc[JTA_CONF_URL_MAX + JTA_LIMIT_ISSUE_KEY + 16];

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
	    (rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK)
		goto out;
	if (json_object_get(f, "request_type") == NULL) {
		jta_error_begin(err);
		if (jta_error_add(err, "request_type", "is required") == 0) {
			(void)jta_error_name(err, "Request type");
			(void)jta_error_ask(err, "Which request type is it? "
			    "(GET /api/servicedesks lists them)");
		}
		rc = jta_error_collected(err);
		goto out;
	}
	if (req->has_idempotency_key) {
		if ((rc = jta_once_key_parse(req->idempotency_key,
		    strlen(req->idempotency_key), key, err)) != JTA_OK ||
		    (rc = jta_once_issue_create(ctx->backend, ctx->vault, who,
		    key, req->method_name, req->path, req->body, req->body_len,
		    f, jta_time_now(), &status, &out, err)) != JTA_OK)
			goto out;
	} else if ((rc = ctx->backend->ops->prepare(ctx->backend, who, f,
	    &prep, err)) != JTA_OK ||
	    (rc = ctx->backend->ops->create(ctx->backend, who, prep, NULL,
	    &out, err)) != JTA_OK)
		goto out;
	/* The created resource (RFC 9110 §10.2.2): the API's request; "url"
	 * is the portal page a person opens. */
	if (str(out, "key") != NULL) {
		snprintf(loc, sizeof(loc), "%s/api/requests/%s",
		    ctx->conf.public_url, str(out, "key"));
		if ((rc = jta_resp_header(resp, "Location", loc)) != JTA_OK)
			goto out;
	}
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(q);
	json_decref(f);
	json_decref(prep);
	json_decref(out);
	return rc;
}

/* POST /api/requests/{key}/{what}: comments, transitions, approval. */
static enum jta_err
act(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *key, const char *what,
    json_t **out, int *status, struct jta_error *err)
{
	struct jta_backend *be = ctx->backend;
	json_t		*f = NULL;
	enum jta_err	 rc;

	*status = 200;
	if (strcmp(what, "comments") == 0) {
		if ((rc = jta_req_json(req, comment_fields, N(comment_fields),
		    &f, err)) == JTA_OK && (rc = be->ops->sd_comment(be, who,
		    key, str(f, "body"), str(f, "visibility") != NULL &&
		    strcmp(str(f, "visibility"), "internal") == 0, out,
		    err)) == JTA_OK)
			*status = 201;
	} else if (strcmp(what, "transitions") == 0) {
		if ((rc = jta_req_json(req, move_fields, N(move_fields), &f,
		    err)) == JTA_OK)
			rc = be->ops->sd_transition(be, who, key, str(f, "to"),
			    str(f, "comment"), out, err);
	} else if ((rc = jta_req_json(req, decide_fields, N(decide_fields), &f,
	    err)) == JTA_OK)
		rc = be->ops->sd_decide(be, who, key, strcmp(str(f,
		    "decision"), "approve") == 0, out, err);
	json_decref(f);
	return rc;
}

static enum jta_err
one(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	static const char *const subs[] = { "", "/comments", "/transitions",
	    "/approval", NULL };
	enum jta_err	 rc;
	json_t		*q = NULL, *out = NULL;
	char		 seg[JTA_LIMIT_ISSUE_KEY + 2];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	size_t		 i, s;
	int		 status = 200;

	for (s = 0; subs[s] != NULL; s++)
		if (jta_req_path_segment(req, "/api/requests/", subs[s], seg,
		    sizeof(seg)))
			break;
	if (subs[s] == NULL)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	for (i = 0; seg[i] != '\0'; i++)
		if (seg[i] >= 'a' && seg[i] <= 'z')
			seg[i] = (char)(seg[i] - 'a' + 'A');
	if (jta_text_parse_issue_key(seg, strlen(seg), proj, sizeof(proj),
	    &(int64_t){ 0 }) != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "a request is named by its key, such as IT-12");
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if (req->method == JTA_METHOD_POST && s > 0)
		rc = act(ctx, req, who, seg, subs[s] + 1, &out, &status, err);
	else if (req->method != JTA_METHOD_GET &&
	    req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, s == 0 ? "GET, HEAD" :
		    s == 2 ? "GET, HEAD, POST" : "POST", err);
	else if (s == 0)
		rc = ctx->backend->ops->sd_request(ctx->backend, who, seg, &out,
		    err);
	else if (s == 2)
		rc = ctx->backend->ops->sd_transitions(ctx->backend, who, seg,
		    &out, err);
	else
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, status, out);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	if (strcmp(req->path, "/api/requests") != 0)
		return one(ctx, req, who, resp, err);
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		return list(ctx, req, who, resp, err);
	case JTA_METHOD_POST:
		return raise(ctx, req, who, resp, err);
	case JTA_METHOD_PUT:
	case JTA_METHOD_PATCH:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST", err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-requests",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
