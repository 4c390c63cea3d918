/* One issue: GET /api/issues/{key} reads it with its last comments
 * (operation getIssue), PATCH /api/issues/{key} changes the fields sent
 * (updateIssue), GET /api/issues/{key}/attachments/{id}/text reads a text
 * attachment (getAttachmentText).  jta_operation.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_operation.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;
	const char	*name;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	char		 param[JTA_LIMIT_ISSUE_KEY + 32];
	const char	*rest, *id;
	size_t		 n;

	if (strncmp(req->path, "/api/issues/", 12) == 0 &&
	    (rest = strchr(req->path + 12, '/')) != NULL) {
		/* /api/issues/KEY/attachments/ID/text (the table's route):
		 * the run function checks ID. */
		if ((rc = jta_req_issue_key(req, rest, key, err)) != JTA_OK)
			return rc;
		id = rest + 13;
		n = strcspn(id, "/");
		if (strncmp(rest, "/attachments/", 13) != 0 || n == 0 ||
		    n > 19 || strcmp(id + n, "/text") != 0)
			return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
			    "no such resource");
		snprintf(param, sizeof(param), "%s/%.*s", key, (int)n, id);
		rc = jta_operation_answer(jta_operation_get(
		    "getAttachmentText"), ctx, req, who, param, resp, &out,
		    err);
		json_decref(out);
		return rc;
	}
	if ((rc = jta_req_issue_key(req, "", key, err)) != JTA_OK)
		return rc;
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		name = "getIssue";
		break;
	case JTA_METHOD_PATCH:
		name = "updateIssue";
		break;
	case JTA_METHOD_POST:
	case JTA_METHOD_PUT:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
	default:
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, PATCH",
		    err);
	}
	rc = jta_operation_answer(jta_operation_get(name), ctx, req, who, key,
	    resp, &out, err);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-issue",
	.handle = handle,
	.store_reads = 1,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
