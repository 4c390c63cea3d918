/*
 * Drafts: what a ticket would be, before it is filed (README.md "The
 * ticket API").  POST /api/drafts resolves a create request and keeps it
 * (operation createDraft); GET /api/drafts/{id} shows it (getDraft);
 * PATCH /api/drafts/{id} changes it, revision + 1 (updateDraft); DELETE
 * /api/drafts/{id} discards it, 204 (discardDraft); POST
 * /api/drafts/{id}/submit files it exactly once (submitDraft, jta_once);
 * POST /api/drafts/{id}/files takes a browser's upload (multipart).
 * The operations, with their checks, are the operation table's
 * (jta_operation.h); this program maps paths and sets Location.  GPT
 * Actions cannot send an Idempotency-Key, so this is how an assistant
 * creates a ticket that a retry never duplicates.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_draft_files.h"
#include "jta_fcgi.h"
#include "jta_limits.h"
#include "jta_multipart.h"
#include "jta_once.h"
#include "jta_operation.h"

/* Run operation name; Location names what a create made: the new draft
 * (201 of createDraft) or the issue (201 of submitDraft). */
static enum jta_err
run(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *name, const char *id,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;
	const char	*made;
	char		 loc[JTA_CONF_URL_MAX + 64];
	int		 status;

	if ((rc = jta_operation_rest(jta_operation_get(name), ctx, req, who,
	    id, &status, &out, err)) != JTA_OK)
		goto out;
	if (status == 204) {
		rc = jta_resp_empty(resp, 204);
		goto out;
	}
	if (status == 201 && id == NULL &&
	    (made = json_string_value(json_object_get(out, "id"))) != NULL) {
		snprintf(loc, sizeof(loc), "%s/api/drafts/%s",
		    ctx->conf.public_url, made);
		if ((rc = jta_resp_header(resp, "Location", loc)) != JTA_OK)
			goto out;
	}
	if (status == 201 && id != NULL && (rc = jta_fcgi_location_issue(ctx,
	    resp, json_string_value(json_object_get(json_object_get(out,
	    "issue"), "key")))) != JTA_OK)
		goto out;
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(out);
	return rc;
}

/*
 * POST /api/drafts/{id}/files: a browser's upload (README "Attachments:
 * files as bytes"), multipart/form-data (RFC 7578), one or more parts
 * named "file", each with a filename and a Content-Type.  Another part is
 * refused, not ignored, so nothing the person sent is silently dropped.
 */
static enum jta_err
upload(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	struct jta_multipart_part parts[JTA_LIMIT_MULTIPART_PARTS];
	struct jta_draft_bytes files[JTA_LIMIT_MULTIPART_PARTS];
	char		 b[JTA_LIMIT_MULTIPART_BOUNDARY + 1];
	json_t		*out = NULL;
	enum jta_err	 rc;
	size_t		 i, n;
	int		 status = 200;

	if ((rc = jta_multipart_boundary(req->content_type, b, sizeof(b),
	    err)) != JTA_OK || (rc = jta_multipart_parse(b,
	    (const unsigned char *)req->body, req->body_len, parts,
	    JTA_LIMIT_MULTIPART_PARTS, &n, err)) != JTA_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(parts[i].name, "file") != 0 ||
		    !parts[i].has_filename)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "file",
			    "part %zu: send only parts named file, each with "
			    "a filename", i + 1);
		files[i].name = parts[i].filename;
		files[i].mime_type = parts[i].content_type;
		files[i].body = parts[i].body;
		files[i].len = parts[i].len;
	}
	if ((rc = jta_operation_draft_upload(ctx, req, who, id, files, n,
	    &status, &out, err)) == JTA_OK)
		rc = jta_resp_json(resp, status, out);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL;
	char		 id[JTA_LIMIT_PATH + 1];

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if (strcmp(req->path, "/api/drafts") == 0) {
		if (req->method == JTA_METHOD_POST)
			return run(ctx, req, who, "createDraft", NULL, resp,
			    err);
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	}
	if (jta_req_path_segment(req, "/api/drafts/", "/submit", id,
	    sizeof(id))) {
		if (!jta_once_draft_id_ok(id))
			goto nodraft;
		if (req->method == JTA_METHOD_POST)
			return run(ctx, req, who, "submitDraft", id, resp, err);
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	}
	if (jta_req_path_segment(req, "/api/drafts/", "/files", id,
	    sizeof(id))) {
		if (!jta_once_draft_id_ok(id))
			goto nodraft;
		if (req->method == JTA_METHOD_POST)
			return upload(ctx, req, who, id, resp, err);
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	}
	if (!jta_req_path_segment(req, "/api/drafts/", "", id, sizeof(id)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	if (!jta_once_draft_id_ok(id))
		goto nodraft;
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		return run(ctx, req, who, "getDraft", id, resp, err);
	case JTA_METHOD_PATCH:
		return run(ctx, req, who, "updateDraft", id, resp, err);
	case JTA_METHOD_DELETE:
		return run(ctx, req, who, "discardDraft", id, resp, err);
	case JTA_METHOD_POST:
	case JTA_METHOD_PUT:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, PATCH, DELETE",
	    err);
nodraft:
	/* A malformed id is as unknown as a well-formed one nobody has. */
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "there is no draft with that id; a draft id looks like "
	    "d_ and 22 letters, digits, - or _");
}

static const struct jta_endpoint endpoint = {
	.name = "jta-drafts",
	.handle = handle,
	/* uploads to /api/drafts/{id}/files; JSON stays at JTA_LIMIT_BODY */
	.max_body = JTA_LIMIT_UPLOAD_BODY,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
