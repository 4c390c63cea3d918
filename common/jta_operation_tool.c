/*
 * The operation table's tools side (jta_operation.h): what an MCP client
 * or a model is shown of each operation (the JSON Schemas of its input
 * and output), how a tool call's arguments become the operation's path
 * parameter and input, and the REST request a tool call is (for the
 * access rules and the audit).  The table itself, its validators and the
 * operations are in jta_operation.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_draft_files.h"
#include "jta_limits.h"
#include "jta_once.h"
#include "jta_operation.h"
#include "jta_text.h"

/* The path parameter's name in the arguments: {id} or {key}. */
static const char *
pnameof(const struct jta_operation *op)
{
	return op->param == JTA_OP_PARAM_DRAFT ||
	    op->param == JTA_OP_PARAM_ARTICLE ? "id" : "key";
}

/* ---- schemas ---- */

/* What a property means, for a model (by name, across operations). */
static const struct {
	const char	*name;
	const char	*text;
} docs[] = {
	{ "key", "Issue key, e.g. DEMO-12 (getCreateFields: a project key; "
	    "a service-desk request's key, e.g. IT-12)" },
	{ "id", "Draft id (d_ and 22 characters), from createDraft" },
	{ "project", "Project key, e.g. DEMO (listProjects names them)" },
	{ "summary", "One-line summary of the ticket" },
	{ "type", "Issue type name, e.g. Bug or Task" },
	{ "description", "Description in Markdown" },
	{ "priority", "Priority name, e.g. High" },
	{ "labels", "Labels (no blanks)" },
	{ "components", "Component names" },
	{ "assignee", "User name, email or Atlassian account id" },
	{ "reporter", "User name, email or Atlassian account id" },
	{ "parent", "Parent issue key, for a sub-task" },
	{ "fields", "Other fields by name or id: {\"Due date\": "
	    "\"2026-01-31\"}" },
	{ "text", "Words to look for" },
	{ "jql", "A JQL query (Jira only)" },
	{ "cursor", "next_cursor of the previous page" },
	{ "limit", "How many at most" },
	{ "space", "Only articles of this space key (e.g. HR)" },
	{ "body", "The comment, in Markdown" },
	{ "to", "The status to move to, by name (requests: a customer "
	    "transition's name or id)" },
	{ "revision", "The draft's revision the person confirmed" },
	{ "query", "A part of a name or an email" },
	{ "mine", "Whose: the signed-in person's (tickets: reported or "
	    "assigned; requests: reported, participated or approver)" },
	{ "request_type", "A service-desk request type, by name or id "
	    "(listServiceDesks)" },
	{ "request_types", "true: also rank the service desks' request "
	    "types for the text" },
	{ "visibility", "public (the customer sees it) or internal (agents "
	    "only)" },
	{ "comment", "A comment to add with the move, in Markdown" },
	{ "decision", "approve or decline" },
	{ "openaiFileIdRefs", "Files to attach (at most 10: screenshots, "
	    "logs, PDFs), each {name, mime_type} and one of download_link "
	    "(with id), uri (a resource link, fetched) or content_base64 (the "
	    "bytes, standard base64; the whole call stays under 64 KiB); "
	    "listed in the preview, attached on submit" },
	{ "status", "open, closed or all (requests); a status name "
	    "(tickets)" },
	{ "created_after", "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ" },
	{ "created_before", "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ" },
	{ "updated_after", "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ" },
	{ "updated_before", "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ" },
};

static const char *
docof(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (strcmp(docs[i].name, name) == 0)
			return docs[i].text;
	return NULL;
}

static json_t *
choices(const char *const *c)
{
	json_t	*a = json_array();

	for (; a != NULL && c != NULL && *c != NULL; c++)
		if (json_array_append_new(a, json_string(*c)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/*
 * One file of openaiFileIdRefs as jta_draft_files_refs_check takes it:
 * a name and a type, and where the bytes are: a GPT Action's
 * download_link (with its id), a resource link's uri (the MCP schema's
 * ResourceLink: type "resource_link", name, mimeType, uri), or the
 * content itself in base64 (as the MCP schema's BlobResourceContents
 * carry binary data; RFC 4648 §4, padded).
 */
static json_t *
fileschema(void)
{
	return json_pack("{s:s, s:[s], s:{s:{s:s, s:I}, s:{s:s, s:I}, "
	    "s:{s:s, s:I}, s:{s:s}, s:{s:s, s:I}, s:{s:s, s:s, s:I}, "
	    "s:{s:s, s:s, s:I}, s:{s:s, s:s}}, s:[{s:[s]}, {s:[s]}, "
	    "{s:[s]}]}",
	    "type", "object", "required", "name", "properties",
	    "name", "type", "string", "maxLength",
	    (json_int_t)JTA_LIMIT_ATTACH_NAME,
	    "mime_type", "type", "string", "maxLength", (json_int_t)95,
	    "mimeType", "type", "string", "maxLength", (json_int_t)95,
	    "type", "const", "resource_link",
	    "id", "type", "string", "maxLength",
	    (json_int_t)JTA_DRAFT_FILES_ID_MAX,
	    "download_link", "type", "string", "format", "uri", "maxLength",
	    (json_int_t)JTA_DRAFT_FILES_LINK_MAX,
	    "uri", "type", "string", "format", "uri", "maxLength",
	    (json_int_t)JTA_DRAFT_FILES_LINK_MAX,
	    "content_base64", "type", "string", "contentEncoding", "base64",
	    "anyOf", "required", "download_link", "required", "uri",
	    "required", "content_base64");
}

/* The JSON Schema of one field, as jta_req_check_object accepts it. */
static json_t *
fieldschema(const struct jta_field *f)
{
	json_t		*s = NULL, *items = NULL;
	const char	*doc = docof(f->name);

	switch (f->type) {
	case JTA_FT_STRING:
	case JTA_FT_TEXT:
	case JTA_FT_USERNAME:
		s = json_pack("{s:s, s:I, s:I}", "type", "string", "minLength",
		    (json_int_t)(f->min > 0 ? f->min : 0), "maxLength",
		    (json_int_t)f->max);
		break;
	case JTA_FT_UINT:
		s = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum",
		    (json_int_t)f->min, "maximum", (json_int_t)f->max);
		break;
	case JTA_FT_ENUM:
		s = json_pack("{s:s, s:o}", "type", "string", "enum",
		    choices(f->choices));
		break;
	case JTA_FT_ENUMLIST:
		items = json_pack("{s:s, s:o}", "type", "string", "enum",
		    choices(f->choices));
		break;
	case JTA_FT_TIME:
		s = json_pack("{s:s, s:s}", "type", "string", "pattern",
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
		    "(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?$");
		break;
	case JTA_FT_PROJECT:
		s = json_pack("{s:s, s:s, s:i}", "type", "string", "pattern",
		    "^[A-Z][A-Z0-9]*$", "maxLength", JTA_LIMIT_PROJECT_KEY);
		break;
	case JTA_FT_ISSUEKEY:
		s = json_pack("{s:s, s:s}", "type", "string", "pattern",
		    "^[A-Za-z][A-Za-z0-9]*-[1-9][0-9]*$");
		break;
	case JTA_FT_LABELS:
	case JTA_FT_NAMES:
		items = json_pack("{s:s}", "type", "string");
		break;
	case JTA_FT_UINTLIST:
		items = json_pack("{s:s}", "type", "integer");
		break;
	case JTA_FT_OBJECT:
		s = json_pack("{s:s, s:I}", "type", "object", "maxProperties",
		    (json_int_t)f->max);
		break;
	case JTA_FT_OBJECTS:
		/* The one list of objects is a draft's files. */
		items = fileschema();
		break;
	}
	if (items != NULL)
		s = json_pack("{s:s, s:o, s:I}", "type", "array", "items",
		    items, "maxItems", (json_int_t)f->max);
	if (s == NULL)
		return NULL;
	if ((f->flags & JTA_F_NULLABLE) &&
	    json_object_set_new(s, "type", json_pack("[O, s]",
	    json_object_get(s, "type"), "null")) != 0) {
		json_decref(s);
		return NULL;
	}
	if (doc != NULL && json_object_set_new(s, "description",
	    json_string(doc)) != 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

/* Members the description requires though the table does not: a create's
 * project and summary, which prepare reports missing among every other
 * problem (so that one answer, or one form, asks for all of them). */
static int
required_too(const struct jta_operation *op, const char *name)
{
	return op->flags & JTA_OP_FOLLOWUP && (strcmp(name, "project") == 0 ||
	    strcmp(name, "summary") == 0);
}

json_t *
jta_operation_input_schema(const struct jta_operation *op)
{
	json_t		*s, *props, *req, *p;
	const struct jta_field *f;
	const char	*pname;
	size_t		 i, n;

	if ((s = json_pack("{s:s, s:{}, s:[], s:b}", "type", "object",
	    "properties", "required", "additionalProperties", 0)) == NULL)
		return NULL;
	props = json_object_get(s, "properties");
	req = json_object_get(s, "required");
	if (op->param != JTA_OP_PARAM_NONE) {
		pname = pnameof(op);
		p = op->param == JTA_OP_PARAM_DRAFT ?
		    json_pack("{s:s, s:s, s:s}", "type", "string", "pattern",
		    "^d_[A-Za-z0-9_-]{22}$", "description", docof("id")) :
		    op->param == JTA_OP_PARAM_ARTICLE ?
		    json_pack("{s:s, s:i, s:i, s:s, s:s}", "type", "string",
		    "minLength", 1, "maxLength", JTA_LIMIT_KB_ID, "pattern",
		    "^[A-Za-z0-9_~-]+$", "description", "Article id from "
		    "searchKnowledge, e.g. kb-3 or page-1001") :
		    op->param == JTA_OP_PARAM_PROJECT ?
		    json_pack("{s:s, s:s, s:s}", "type", "string", "pattern",
		    "^[A-Z][A-Z0-9]*$", "description", "Project key, e.g. "
		    "DEMO") :
		    json_pack("{s:s, s:s, s:s}", "type", "string", "pattern",
		    "^[A-Za-z][A-Za-z0-9]*-[1-9][0-9]*$", "description",
		    docof("key"));
		if (p == NULL || json_object_set_new(props, pname, p) != 0 ||
		    json_array_append_new(req, json_string(pname)) != 0)
			goto fail;
		if (op->param == JTA_OP_PARAM_KEY_FILE && ((p = json_pack(
		    "{s:s, s:s, s:s}", "type", "string", "pattern",
		    "^[1-9][0-9]{0,18}$", "description", "Attachment id, "
		    "from getIssue's attachments")) == NULL ||
		    json_object_set_new(props, "id", p) != 0 ||
		    json_array_append_new(req, json_string("id")) != 0))
			goto fail;
	}
	f = jta_operation_fields(op, &n);
	for (i = 0; i < n; i++) {
		if ((p = fieldschema(&f[i])) == NULL ||
		    json_object_set_new(props, f[i].name, p) != 0)
			goto fail;
		if (((f[i].flags & JTA_F_REQUIRED) || required_too(op,
		    f[i].name)) && json_array_append_new(req,
		    json_string(f[i].name)) != 0)
			goto fail;
	}
	return s;
fail:
	json_decref(s);
	return NULL;
}

json_t *
jta_operation_output_schema(const struct jta_operation *op)
{
	/* Our own static text, parsed as any JSON is here. */
	return json_loadb(op->output, strlen(op->output),
	    JSON_REJECT_DUPLICATES, NULL);
}

/* ---- arguments ---- */

/* The attachment id "id" of args (a string of digits) appended to the
 * key in param as "KEY/ID", and dropped from args. */
static enum jta_err
fileid(json_t *args, char *param, size_t paramsz, struct jta_error *err)
{
	const char	*s = json_string_value(json_object_get(args, "id"));
	size_t		 n = s != NULL ? strlen(s) : 0, pl = strlen(param);
	uint64_t	 id;

	if (s == NULL || n == 0 || jta_text_parse_uint(s, n, INT64_MAX,
	    &id) != 0 || id == 0 || pl + 1 + n >= paramsz)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "an attachment id is a number getIssue lists");
	param[pl] = '/';
	memcpy(param + pl + 1, s, n + 1);
	return json_object_del(args, "id") == 0 ? JTA_OK : JTA_ERR_INTERNAL;
}

enum jta_err
jta_operation_args(const struct jta_operation *op, const json_t *args,
    char *param, size_t paramsz, json_t **in, struct jta_error *err)
{
	json_t		*rest = NULL;
	const json_t	*pv = NULL;
	const struct jta_field *f;
	const char	*pname = pnameof(op);
	const char	*s;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	size_t		 n, i;
	enum jta_err	 rc;

	*in = NULL;
	if (paramsz > 0)
		param[0] = '\0';
	if (args != NULL && !json_is_object(args))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "arguments",
		    "the arguments must be a JSON object");
	if ((rest = args != NULL ? json_copy((json_t *)(uintptr_t)args) :
	    json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if (op->param != JTA_OP_PARAM_NONE) {
		pv = json_object_get(rest, pname);
		if (pv == NULL) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, pname,
			    "%s is required", pname);
			goto out;
		}
		s = json_string_value(pv);
		n = s != NULL ? strlen(s) : 0;
		switch (op->param) {
		case JTA_OP_PARAM_KEY_FILE:
		case JTA_OP_PARAM_KEY:
			/* Keys are not case-sensitive: upper case first, as
			 * the REST path does (jta_req_issue_key). */
			if (s != NULL && n <= JTA_LIMIT_ISSUE_KEY &&
			    n < paramsz) {
				for (i = 0; i < n; i++)
					param[i] = s[i] >= 'a' && s[i] <= 'z' ?
					    (char)(s[i] - 'a' + 'A') : s[i];
				param[n] = '\0';
			}
			if (s == NULL || n > JTA_LIMIT_ISSUE_KEY ||
			    n >= paramsz || jta_text_parse_issue_key(param, n,
			    proj, sizeof(proj), &num) != 0) {
				param[0] = '\0';
				rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404,
				    "key", "there is no such issue: a key "
				    "looks like DEMO-12");
				goto out;
			}
			break;
		case JTA_OP_PARAM_PROJECT:
			if (s == NULL || !jta_text_is_project_key(s, n) ||
			    n >= paramsz) {
				rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404,
				    "key", "there is no such project: a key "
				    "is an upper-case letter and up to %d "
				    "upper-case letters or digits",
				    JTA_LIMIT_PROJECT_KEY - 1);
				goto out;
			}
			memcpy(param, s, n + 1);
			break;
		case JTA_OP_PARAM_DRAFT:
			if (s == NULL || n >= paramsz ||
			    !jta_once_draft_id_ok(s)) {
				rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404,
				    "id", "there is no draft with that id; a "
				    "draft id looks like d_ and 22 letters, "
				    "digits, - or _");
				goto out;
			}
			memcpy(param, s, n + 1);
			break;
		case JTA_OP_PARAM_ARTICLE:
			/* 422, as GET /api/knowledge/{id} answers it. */
			if (s == NULL || n >= paramsz ||
			    !jta_text_is_kb_name(s, n)) {
				rc = jta_error_set(err, JTA_ERR_INPUT, 422,
				    "id", "an article id is letters, digits "
				    "and '-', at most %d characters, as a "
				    "search returned it", JTA_LIMIT_KB_ID);
				goto out;
			}
			memcpy(param, s, n + 1);
			break;
		case JTA_OP_PARAM_NONE:
			break;
		}
		if (json_object_del(rest, pname) != 0) {
			rc = JTA_ERR_INTERNAL;
			goto out;
		}
		if (op->param == JTA_OP_PARAM_KEY_FILE &&
		    (rc = fileid(rest, param, paramsz, err)) != JTA_OK)
			goto out;
	}
	f = jta_operation_fields(op, &n);
	rc = jta_req_check_object(rest, f, n, in, err);
out:
	json_decref(rest);
	return rc;
}

/* ---- the REST request a tool call is ---- */

/* Append the query parameter k=v (v percent-encoded) to q. */
static void
qappend(char *q, size_t qsz, const char *k, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		 len = strlen(q);
	int		 n;

	n = snprintf(q + len, qsz - len, "%s%s=", len ? "&" : "", k);
	if (n < 0 || (size_t)n >= qsz - len) {
		q[len] = '\0';
		return;
	}
	len += (size_t)n;
	for (; *v != '\0' && len + 4 < qsz; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
			q[len++] = (char)c;
		else {
			q[len++] = '%';
			q[len++] = hex[c >> 4];
			q[len++] = hex[c & 15];
		}
	}
	q[len] = '\0';
}

/* 1 when s may stand in a path as one segment. */
static int
segment_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n;
}

enum jta_err
jta_operation_request(const struct jta_operation *op, const json_t *args,
    const struct jta_req *base, struct jta_req *r)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE", "OTHER" };
	const char	*brace, *close, *v, *k, *p;
	const json_t	*jv;
	char		 name[16];
	size_t		 pre, len;

	*r = *base;
	r->body = NULL;
	r->body_len = 0;
	r->has_body_length = 0;
	r->content_length = 0;
	r->query[0] = '\0';
	r->method = op->method;
	snprintf(r->method_name, sizeof(r->method_name), "%s",
	    names[op->method]);
	/* Each {name} of the path from the argument of that name (one
	 * "_" when it is not a plain segment). */
	r->path[0] = '\0';
	for (p = op->path; (brace = strchr(p, '{')) != NULL &&
	    (close = strchr(brace, '}')) != NULL; p = close + 1) {
		pre = (size_t)(brace - p);
		snprintf(name, sizeof(name), "%.*s", (int)(close - brace - 1),
		    brace + 1);
		v = json_string_value(json_object_get(args, name));
		len = strlen(r->path);
		snprintf(r->path + len, sizeof(r->path) - len, "%.*s%s",
		    (int)pre, p, segment_ok(v) ? v : "_");
	}
	len = strlen(r->path);
	snprintf(r->path + len, sizeof(r->path) - len, "%s", p);
	if (!json_is_object(args))
		return JTA_OK;
	if (op->body) {
		json_t	*b = json_copy((json_t *)(uintptr_t)args);

		if (b == NULL)
			return JTA_ERR_NOMEM;
		json_object_del(b, "key");
		json_object_del(b, "id");
		r->body = jta_arena_json_dumps(b, JSON_COMPACT);
		json_decref(b);
		if (r->body == NULL)
			return JTA_ERR_NOMEM;
		r->body_len = strlen(r->body);
		r->has_body_length = 1;
		r->content_length = r->body_len;
		snprintf(r->content_type, sizeof(r->content_type),
		    "application/json");
		return JTA_OK;
	}
	json_object_foreach((json_t *)(uintptr_t)args, k, jv)
		if (json_is_string(jv) && strcmp(k, "key") != 0 &&
		    strcmp(k, "id") != 0)
			qappend(r->query, sizeof(r->query), k,
			    json_string_value(jv));
	return JTA_OK;
}

void
jta_operation_request_clear(struct jta_req *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
