/*
 * GET /api/similar?text=...[&project=KEY][&limit=N]: the tickets most like
 * a text the person is about to file, and what they suggest for it
 * (project, type, priority, labels, components).  README.md "The ticket
 * API".  With request_types=true, also the service desks' request types
 * ranked for the text, the best as suggestion.request_type (README.md
 * "Jira Service Management").
 */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"

/* Request types shown, at most. */
#define JTA_SUGGEST_REQUEST_TYPES	5

static const char *const booleans[] = { "true", "false", NULL };

static const struct jta_field fields[] = {
	{ "text", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_TEXT_QUERY,
	    NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_SIMILAR_MAX, NULL },
	{ "request_types", JTA_FT_ENUM, 0, 0, 0, booleans },
};

/* Add "request_types" (ranked) to out, and the best to
 * out.suggestion.request_type. */
static enum jta_err
request_types(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *text, json_t *out,
    struct jta_error *err)
{
	json_t		*ranked = NULL, *sug;
	size_t		 i;
	int		 ok;
	enum jta_err	 rc;

	if ((rc = ctx->backend->ops->sd_suggest(ctx->backend, who, text,
	    JTA_SUGGEST_REQUEST_TYPES, &ranked, err)) != JTA_OK)
		return rc;
	/* only the desks the access rules let the person raise requests in
	 * (the best left is the suggestion) */
	for (i = json_array_size(ranked); i > 0; i--) {
		if ((rc = jta_policy_may_create(ctx->policy, req, who,
		    json_string_value(json_object_get(json_array_get(ranked,
		    i - 1), "project")), &ok, err)) != JTA_OK) {
			json_decref(ranked);
			return rc;
		}
		if (ok == 0 && json_array_remove(ranked, i - 1) != 0) {
			json_decref(ranked);
			return JTA_ERR_NOMEM;
		}
	}
	if ((sug = json_object_get(out, "suggestion")) == NULL &&
	    json_object_set_new(out, "suggestion", sug = json_object()) != 0)
		rc = JTA_ERR_NOMEM;
	else if (json_array_size(ranked) > 0 && json_object_set(sug,
	    "request_type", json_array_get(ranked, 0)) != 0)
		rc = JTA_ERR_NOMEM;
	else if (json_object_set(out, "request_types", ranked) != 0)
		rc = JTA_ERR_NOMEM;
	json_decref(ranked);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*p = NULL, *out = NULL;
	const json_t	*lim;

	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &p, err)) != JTA_OK)
		return rc;
	lim = json_object_get(p, "limit");
	if ((rc = ctx->backend->ops->similar(ctx->backend, who,
	    json_string_value(json_object_get(p, "text")),
	    json_string_value(json_object_get(p, "project")), lim != NULL ?
	    (size_t)json_integer_value(lim) : JTA_LIMIT_SIMILAR_DEFAULT, &out,
	    err)) == JTA_OK && json_is_string(json_object_get(p,
	    "request_types")) && strcmp(json_string_value(json_object_get(p,
	    "request_types")), "true") == 0)
		rc = request_types(ctx, req, who, json_string_value(
		    json_object_get(p, "text")), out, err);
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(out);
	json_decref(p);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-similar",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
