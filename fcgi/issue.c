/* One issue: GET /api/issues/{key} reads it with its last comments,
 * PATCH /api/issues/{key} changes the fields sent. */
#include "config.h"

#include "jta_fcgi.h"

static const struct jta_field edit_fields[] = {
	{ "summary", JTA_FT_STRING, 0, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "description", JTA_FT_TEXT, JTA_F_NULLABLE, 0, JTA_LIMIT_DESCRIPTION,
	    NULL },
	/* The backend checks the name (a Jira site has its own). */
	{ "priority", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "labels", JTA_FT_LABELS, JTA_F_NULLABLE, 0, JTA_LIMIT_LABELS, NULL },
	/* a user name, an email or an account id, as create takes them;
	 * null: unassigned */
	{ "assignee", JTA_FT_STRING, JTA_F_NULLABLE, 1, JTA_LIMIT_EMAIL,
	    NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL, *f = NULL, *out = NULL;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	if ((rc = jta_req_issue_key(req, "", key, err)) != JTA_OK)
		return rc;
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		rc = ctx->backend->ops->get(ctx->backend, who, key, &out, err);
		break;
	case JTA_METHOD_PATCH:
		if ((rc = jta_req_json(req, edit_fields, sizeof(edit_fields) /
		    sizeof(edit_fields[0]), &f, err)) != JTA_OK)
			break;
		if (json_object_size(f) == 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "body",
			    "send at least one field to change");
			break;
		}
		rc = ctx->backend->ops->update(ctx->backend, who, key, f, &out,
		    err);
		break;
	case JTA_METHOD_POST:
	case JTA_METHOD_PUT:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, PATCH",
		    err);
	}
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(f);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-issue",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
