/*
 * A draft's files (jta_draft_files.h).
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jta_audit.h"
#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_draft_files.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_usage.h"
#include "jta_vault.h"
#include "jta_store_drafts.h"

static void audit(struct jta_backend *, const struct jta_user *,
    const char *, const char *, const char *, const char *, int64_t, int);

/* How many gone drafts' files one collect removes at most. */
#define COLLECT_BATCH	32

/* Member m of element o as a bounded string, or NULL. */
static const char *
member(const json_t *o, const char *m, size_t min, size_t max)
{
	const json_t	*v = json_object_get(o, m);
	size_t		 len;

	if (!json_is_string(v))
		return NULL;
	len = json_string_length(v);
	if (len < min || len > max || strlen(json_string_value(v)) != len)
		return NULL;
	return json_string_value(v);
}

/* Where a file comes from, one of three members (README "Attachments"):
 * a GPT Action's download link (with its id), an MCP resource link's uri
 * (fetched under the same rules), or the bytes themselves in base64. */
static const struct source {
	const char	*name;
	size_t		 max;
} sources[] = {
	{ "download_link", JTA_DRAFT_FILES_LINK_MAX },
	{ "uri", JTA_DRAFT_FILES_LINK_MAX },
	/* The request's body cap bounds it first (all files together). */
	{ "content_base64", JTA_LIMIT_BODY },
};
#define NSOURCES	(sizeof(sources) / sizeof(sources[0]))

/* Set member m of copy to v (a string). */
static enum jta_err
keepmember(json_t *copy, const char *m, const char *v)
{
	return json_object_set_new(copy, m, json_string(v)) == 0 ? JTA_OK :
	    JTA_ERR_NOMEM;
}

/* Check element i (o) into copy; JTA_ERR_INPUT saying what is wrong. */
static enum jta_err
refcheck(const json_t *o, size_t i, json_t *copy, struct jta_error *err)
{
	const char	*name, *mime, *mime2, *v = NULL;
	size_t		 j, k = NSOURCES;

	if (!json_is_object(o))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs[%zu] must be an "
		    "object {name, mime_type} with download_link (and id), "
		    "uri or content_base64", i);
	if ((name = member(o, "name", 1, JTA_LIMIT_ATTACH_NAME)) == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs[%zu].name must be a "
		    "string of 1 to %d bytes", i, JTA_LIMIT_ATTACH_NAME);
	/* mimeType: the MCP schema's name (ResourceLink, BlobResource-
	 * Contents); mime_type: OpenAI's.  Exactly one of them. */
	mime = member(o, "mime_type", 1, 95);
	mime2 = member(o, "mimeType", 1, 95);
	if ((mime == NULL) == (mime2 == NULL))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs[%zu] needs one "
		    "mime_type (or mimeType), a string of 1 to 95 bytes", i);
	for (j = 0; j < NSOURCES; j++) {
		if (json_object_get(o, sources[j].name) == NULL)
			continue;
		if (k != NSOURCES)
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "openaiFileIdRefs", "openaiFileIdRefs[%zu] must "
			    "have only one of download_link, uri and "
			    "content_base64", i);
		k = j;
		if ((v = member(o, sources[j].name, 1, sources[j].max)) ==
		    NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "openaiFileIdRefs", "openaiFileIdRefs[%zu].%s must "
			    "be a string of 1 to %zu bytes", i,
			    sources[j].name, sources[j].max);
	}
	if (k == NSOURCES)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs[%zu] needs "
		    "download_link (and id), uri or content_base64", i);
	if (k == 0 && member(o, "id", 1, JTA_DRAFT_FILES_ID_MAX) == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs[%zu].id must be a "
		    "string of 1 to %d bytes", i, JTA_DRAFT_FILES_ID_MAX);
	if (keepmember(copy, "name", name) != JTA_OK ||
	    keepmember(copy, "mime_type", mime != NULL ? mime : mime2) !=
	    JTA_OK || keepmember(copy, sources[k].name, v) != JTA_OK ||
	    (k == 0 && keepmember(copy, "id", json_string_value(
	    json_object_get(o, "id"))) != JTA_OK))
		return JTA_ERR_NOMEM;
	return JTA_OK;
}

enum jta_err
jta_draft_files_refs_check(const json_t *refs, json_t **out,
    struct jta_error *err)
{
	const json_t	*o;
	json_t		*res, *copy;
	enum jta_err	 rc;
	size_t		 i;

	*out = NULL;
	if (!json_is_array(refs) || json_array_size(refs) >
	    JTA_STORE_DRAFT_FILES)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs must be an array of "
		    "at most %d files", JTA_STORE_DRAFT_FILES);
	if ((res = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(refs, i, o) {
		if ((copy = json_object()) == NULL ||
		    json_array_append_new(res, copy) != 0) {
			json_decref(res);
			return JTA_ERR_NOMEM;
		}
		if ((rc = refcheck(o, i, copy, err)) != JTA_OK) {
			json_decref(res);
			return rc;
		}
	}
	*out = res;
	return JTA_OK;
}

enum jta_err
jta_draft_files_keep(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id,
    const struct jta_attach_file *f, int64_t max_bytes, int64_t now,
    char *sig, size_t sigsz, struct jta_error *err)
{
	struct jta_draft_file row;
	enum jta_err	 rc;
	int64_t		 id;

	memset(&row, 0, sizeof(row));
	/* Where a file is kept, its quotas and count (jta_usage.h: files,
	 * file_bytes), once its size is known and before anything is
	 * scanned or kept. */
	if ((rc = jta_usage_file_allow(usage, who, (int64_t)f->len, err)) !=
	    JTA_OK)
		return rc;
	/* Scanned before anything is written: a finding never touches
	 * the disk, and a scanner that cannot answer keeps nothing. */
	if ((rc = jta_attach_scan(rules, f, sig, sigsz, err)) != JTA_OK)
		return rc;
	if ((rc = jta_attach_keep(statedir, f, row.path, sizeof(row.path),
	    row.sha256, err)) != JTA_OK)
		return rc;
	snprintf(row.name, sizeof(row.name), "%s", f->name);
	snprintf(row.type, sizeof(row.type), "%s", f->mime_type);
	row.size = (int64_t)f->len;
	if ((rc = jta_store_draft_file_add(st, draft_id, &row, max_bytes, now,
	    &id, err)) != JTA_OK)
		jta_attach_forget(statedir, row.path);
	else
		jta_usage_file_count(usage, who, row.size);
	return rc;
}

/*
 * Decode b64 (len bytes) strictly (RFC 4648 §4, the standard alphabet
 * with padding; no blanks and nothing after it: libsodium's
 * sodium_base642bin with no characters to ignore) into a new *body.
 * JTA_ERR_INPUT (422, field "content_base64") when it is not base64.
 */
static enum jta_err
unbase64(const char *b64, size_t len, unsigned char **body, size_t *n,
    struct jta_error *err)
{
	const char	*end = NULL;
	size_t		 cap = len / 4 * 3 + 3;

	*n = 0;
	if ((*body = malloc(cap)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	if (sodium_base642bin(*body, cap, b64, len, NULL, n, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len) {
		free(*body);
		*body = NULL;
		*n = 0;
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "content_base64", "its content_base64 is not base64 "
		    "(RFC 4648, standard alphabet, padded, no blanks)");
	}
	return JTA_OK;
}

/* The file ref names, into *f: fetched from its link or uri, or its
 * base64 content decoded; judged by jta_attach_bytes either way. */
static enum jta_err
obtain(const struct jta_attach_rules *rules, const json_t *ref,
    struct jta_attach_file *f, struct jta_error *err)
{
	const char	*name = json_string_value(json_object_get(ref, "name"));
	const char	*mime = json_string_value(json_object_get(ref,
			    "mime_type"));
	const json_t	*link = json_object_get(ref, "download_link");
	const json_t	*b64 = json_object_get(ref, "content_base64");
	unsigned char	*body = NULL;
	size_t		 n;
	enum jta_err	 rc;

	memset(f, 0, sizeof(*f));
	if (link == NULL)
		link = json_object_get(ref, "uri");
	if (link != NULL)
		return jta_attach_fetch(rules, name, mime,
		    json_string_value(link), f, err);
	/* Decoded whole (the body cap bounds it), then judged: the size
	 * cap too is jta_attach_bytes's alone. */
	if ((rc = unbase64(json_string_value(b64), json_string_length(b64),
	    &body, &n, err)) != JTA_OK)
		return rc;
	return jta_attach_bytes(rules, name, mime, body, n, f, err);
}

/* A file given as bytes into *f: a copy of its body, judged by
 * jta_attach_bytes. */
static enum jta_err
obtainbytes(const struct jta_attach_rules *rules,
    const struct jta_draft_bytes *b, struct jta_attach_file *f,
    struct jta_error *err)
{
	unsigned char	*body;

	memset(f, 0, sizeof(*f));
	if ((body = malloc(b->len + 1)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	if (b->len > 0)
		memcpy(body, b->body, b->len);
	return jta_attach_bytes(rules, b->name, b->mime_type, body, b->len, f,
	    err);
}

/* Obtain (ref, or else the bytes b), keep and record one file; on
 * failure nothing is left. */
static enum jta_err
takeone(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id,
    const json_t *ref, const struct jta_draft_bytes *b, int64_t max_bytes,
    int64_t now, char *name, size_t namesz, char *sig, size_t sigsz,
    struct jta_error *err)
{
	struct jta_attach_file f;
	char		 clean[JTA_LIMIT_ATTACH_NAME + 1];
	const char	*given = ref != NULL ? json_string_value(
			    json_object_get(ref, "name")) : b->name;
	enum jta_err	 rc;

	/* A name that cannot be cleaned keeps the caller's (its place). */
	if (jta_attach_name_clean(given, strlen(given), clean, sizeof(clean),
	    err) != JTA_OK)
		return JTA_ERR_INPUT;
	snprintf(name, namesz, "%s", clean);
	if ((rc = ref != NULL ? obtain(rules, ref, &f, err) :
	    obtainbytes(rules, b, &f, err)) != JTA_OK)
		return rc;
	snprintf(name, namesz, "%s", f.name);
	rc = jta_draft_files_keep(st, statedir, rules, usage, who, draft_id, &f,
	    max_bytes, now, sig, sigsz, err);
	jta_attach_file_free(&f);
	return rc;
}

/* jta_draft_files_take of refs, or else of the n files given as bytes
 * (field names the list in errors). */
static enum jta_err
take(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id,
    const json_t *refs, const struct jta_draft_bytes *bytes, size_t nbytes,
    const char *field, int64_t max_bytes, int64_t now, json_t **taken,
    json_t **refused, struct jta_error *err)
{
	struct jta_error e, first;
	const json_t	*ref = NULL;
	enum jta_err	 rc, ret = JTA_OK;
	char		 name[JTA_LIMIT_ATTACH_NAME + 1];
	char		 sig[JTA_LIMIT_CLAMD_SIGNATURE + 1];
	json_t		*r;
	size_t		 i, n = refs != NULL ? json_array_size(refs) : nbytes;

	*taken = json_array();
	*refused = json_array();
	if (*taken == NULL || *refused == NULL)
		goto nomem;
	memset(&first, 0, sizeof(first));
	for (i = 0; i < n; i++) {
		if (refs != NULL)
			ref = json_array_get(refs, i);
		memset(&e, 0, sizeof(e));
		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		sig[0] = '\0';
		rc = takeone(st, statedir, rules, usage, who, draft_id, ref,
		    ref != NULL ?
		    NULL : &bytes[i], max_bytes, now, name, sizeof(name), sig,
		    sizeof(sig), &e);
		if (rc == JTA_OK) {
			if (json_array_append_new(*taken, json_string(name)) !=
			    0)
				goto nomem;
			continue;
		}
		if (rc == JTA_ERR_NOMEM)
			goto nomem;
		if ((r = json_pack("{s:s, s:s, s:s}", "name", name, "field",
		    e.field[0] != '\0' ? e.field : "fetch", "reason",
		    e.detail)) == NULL || json_array_append_new(*refused, r) !=
		    0)
			goto nomem;
		if (sig[0] != '\0' && json_object_set_new(r, "signature",
		    json_string(sig)) != 0)
			goto nomem;
		if (ret == JTA_OK) {
			ret = rc;
			first = e;
		}
	}
	if (ret != JTA_OK) {
		/* The file's name first: the person sees which one. */
		ret = jta_error_set(err, ret, first.status != 0 ?
		    first.status : 422, field, "%s: %s (%s)",
		    json_string_value(json_object_get(json_array_get(*refused,
		    0), "name")), first.detail, first.field[0] != '\0' ?
		    first.field : "fetch");
		err->retry_after = first.retry_after;	/* a busy scanner */
	}
	return ret;
nomem:
	json_decref(*taken);
	json_decref(*refused);
	*taken = *refused = NULL;
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

enum jta_err
jta_draft_files_take(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id,
    const json_t *refs, int64_t max_bytes, int64_t now, json_t **taken,
    json_t **refused, struct jta_error *err)
{
	return take(st, statedir, rules, usage, who, draft_id, refs, NULL, 0,
	    "openaiFileIdRefs", max_bytes, now, taken, refused, err);
}

enum jta_err
jta_draft_files_take_bytes(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id,
    const struct jta_draft_bytes *files, size_t n, int64_t max_bytes,
    int64_t now, json_t **taken, json_t **refused, struct jta_error *err)
{
	return take(st, statedir, rules, usage, who, draft_id, NULL, files, n,
	    "file",
	    max_bytes, now, taken, refused, err);
}

enum jta_err
jta_draft_files_preview(struct jta_store *st, const char *draft_id,
    json_t **out, struct jta_error *err)
{
	struct jta_draft_file f[JTA_STORE_DRAFT_FILES];
	enum jta_err	 rc;
	size_t		 i, n;

	*out = NULL;
	if ((rc = jta_store_draft_file_list(st, draft_id, f,
	    JTA_STORE_DRAFT_FILES, &n, err)) != JTA_OK)
		return rc;
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (json_array_append_new(*out, json_pack("{s:s, s:s, s:I}",
		    "name", f[i].name, "type", f[i].type, "size",
		    (json_int_t)f[i].size)) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	return JTA_OK;
}

enum jta_err
jta_draft_files_collect(struct jta_store *st, const char *statedir,
    size_t *n, struct jta_error *err)
{
	struct jta_draft_file f[COLLECT_BATCH];
	enum jta_err	 rc;
	size_t		 i;

	if ((rc = jta_store_draft_file_gc(st, f, COLLECT_BATCH, n, err)) !=
	    JTA_OK)
		return rc;
	/* The rows are gone; a file that cannot be removed is logged and
	 * left (jta_store_draft_file_gc). */
	for (i = 0; i < *n; i++)
		jta_attach_forget(statedir, f[i].path);
	return JTA_OK;
}

/* ---- the operations' side ---- */

void
jta_draft_files_statedir(const struct jta_backend *be, char *out,
    size_t outsz)
{
	const char	*db = be->conf->database, *slash = strrchr(db, '/');

	if (slash == NULL)
		snprintf(out, outsz, ".");
	else if (slash == db)
		snprintf(out, outsz, "/");
	else
		snprintf(out, outsz, "%.*s", (int)(slash - db), db);
}

/* Whether be is the embedded store, which keeps a ticket's files itself
 * (README "Attachments: the embedded store") rather than through an
 * attach call. */
int
jta_draft_files_keeps(const struct jta_backend *be)
{
	return be->ops->attach == NULL && strcmp(be->ops->name, "local") == 0;
}

enum jta_err
jta_draft_files_can(const struct jta_backend *be, const json_t *req,
    const json_t *preview, struct jta_error *err)
{
	if (be->ops->attach == NULL && !jta_draft_files_keeps(be))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "this server's %s backend cannot "
		    "take files yet; send the draft without "
		    "openaiFileIdRefs", be->ops->name);
	if ((json_is_string(json_object_get(req, "request_type")) ||
	    json_is_string(json_object_get(preview, "request_type"))) &&
	    be->ops->sd_attach == NULL && !jta_draft_files_keeps(be))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "a service-desk request cannot take "
		    "files yet; send the draft without openaiFileIdRefs");
	return JTA_OK;
}

/* One audit row for a file (never its content or link), as endpoint. */
void
jta_draft_files_audit(struct jta_backend *be, const struct jta_user *who,
    const char *endpoint, const char *what, const char *ticket,
    const char *name, const char *type, int64_t size, int status)
{
	struct jta_audit_event ev;
	struct jta_error e;
	char		 detail[JTA_AUDIT_DETAIL_MAX + 1];

	snprintf(detail, sizeof(detail), "%s %s (%s, %lld bytes)", what,
	    name, type, (long long)size);
	memset(&ev, 0, sizeof(ev));
	ev.who = who->name;
	ev.site = strcmp(be->ops->name, "jira") == 0 ? NULL : "local";
	ev.action = "attach";
	ev.issue_key = ticket;
	ev.endpoint = endpoint;
	ev.status = status;
	ev.detail = detail;
	if (jta_audit_write(be->store, &ev, &e) != JTA_OK)
		jta_log(JTA_LOG_ERROR, "audit: attachment of %s not recorded: "
		    "%s", ticket, e.detail);
}

/* The audit row of a file refused for a virus: "refused NAME:
 * SIGNATURE" (never its content or link), under endpoint, for ticket (a
 * draft id or an issue key). */
void
jta_draft_files_audit_virus(struct jta_backend *be,
    const struct jta_user *who, const char *endpoint, const char *ticket,
    const char *name, const char *sig)
{
	struct jta_audit_event ev;
	struct jta_error e;
	char		 detail[JTA_AUDIT_DETAIL_MAX + 1];

	snprintf(detail, sizeof(detail), "refused %s: %s", name, sig);
	memset(&ev, 0, sizeof(ev));
	ev.who = who->name;
	ev.site = strcmp(be->ops->name, "jira") == 0 ? NULL : "local";
	ev.action = "attach";
	ev.issue_key = ticket;
	ev.endpoint = endpoint;
	ev.status = 422;
	ev.detail = detail;
	if (jta_audit_write(be->store, &ev, &e) != JTA_OK)
		jta_log(JTA_LOG_ERROR, "audit: refusal of a file of %s not "
		    "recorded: %s", ticket, e.detail);
}

/* jta_draft_files_in of refs, or else of n files given as bytes, their
 * refusals under field. */
static enum jta_err
filesin(struct jta_backend *be, const struct jta_user *who, const char *id,
    const json_t *refs, const struct jta_draft_bytes *bytes, size_t nbytes,
    const char *field, struct jta_error *err)
{
	struct jta_attach_rules rules;
	struct jta_draft_file f[JTA_STORE_DRAFT_FILES];
	struct jta_error e;
	json_t		*taken = NULL, *refused = NULL, *r;
	char		 dir[4096], names[JTA_ERROR_DETAIL / 2];
	const json_t	*t;
	enum jta_err	 rc;
	size_t		 i, j, n = 0, o = 0;

	jta_draft_files_statedir(be, dir, sizeof(dir));
	jta_attach_rules_conf(&rules, be->conf);
	rc = take(be->store, dir, &rules, be->usage, who, id, refs, bytes,
	    nbytes, field,
	    JTA_LIMIT_ATTACH_BYTES_MAX, jta_time_now(), &taken, &refused, err);
	if (taken == NULL)
		return rc;
	/* Audit what went in, by its row (the cleaned name, type, size). */
	if (json_array_size(taken) > 0 && jta_store_draft_file_list(be->store,
	    id, f, JTA_STORE_DRAFT_FILES, &n, &e) == JTA_OK)
		json_array_foreach(taken, i, t)
			for (j = 0; j < n; j++)
				if (strcmp(f[j].name, json_string_value(t)) ==
				    0)
					audit(be, who, "kept", id, f[j].name,
					    f[j].type, f[j].size, 200);
	json_array_foreach(refused, i, r)
		if (json_is_string(json_object_get(r, "signature")))
			jta_draft_files_audit_virus(be, who,
			    "drafts.attachments", id, json_string_value(
			    json_object_get(r, "name")), json_string_value(
			    json_object_get(r, "signature")));
	if (rc != JTA_OK) {
		names[0] = '\0';
		json_array_foreach(taken, i, t)
			if (o < sizeof(names))
				o += (size_t)snprintf(names + o,
				    sizeof(names) - o, "%s%s", i > 0 ? ", " :
				    "", json_string_value(t));
		e = *err;
		jta_error_set(err, rc, e.status, field, "%s; %s",
		    e.detail, names[0] != '\0' ? names : "no file went in");
		err->retry_after = e.retry_after;
		if (names[0] != '\0')
			snprintf(err->detail + strlen(err->detail),
			    sizeof(err->detail) - strlen(err->detail),
			    " went in");
		json_array_foreach(refused, i, r) {
			snprintf(names, sizeof(names), "%s: %s",
			    json_string_value(json_object_get(r, "name")),
			    json_string_value(json_object_get(r, "reason")));
			(void)jta_error_add(err, field, names);
		}
	}
	json_decref(taken);
	json_decref(refused);
	return rc;
}

enum jta_err
jta_draft_files_in(struct jta_backend *be, const struct jta_user *who,
    const char *id, const json_t *refs, struct jta_error *err)
{
	return filesin(be, who, id, refs, NULL, 0, "openaiFileIdRefs", err);
}

enum jta_err
jta_draft_files_in_bytes(struct jta_backend *be, const struct jta_user *who,
    const char *id, const struct jta_draft_bytes *files, size_t n,
    struct jta_error *err)
{
	return filesin(be, who, id, NULL, files, n, "file", err);
}

enum jta_err
jta_draft_files_show(struct jta_store *st, json_t *draft,
    struct jta_error *err)
{
	json_t		*list = NULL, *preview = json_object_get(draft,
			    "preview");
	const char	*id = json_string_value(json_object_get(draft, "id"));
	enum jta_err	 rc;

	if (id == NULL || !json_is_object(preview))
		return JTA_OK;
	if ((rc = jta_draft_files_preview(st, id, &list, err)) != JTA_OK)
		return rc;
	if (json_object_set_new(preview, "attachments", list) != 0)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

int
jta_draft_files_on(const json_t *issue, const char *fname, int64_t size)
{
	const json_t	*a;
	const char	*name;
	size_t		 i;

	json_array_foreach(json_object_get(issue, "attachments"), i, a) {
		name = json_string_value(json_object_get(a, "name"));
		if (name != NULL && strcmp(name, fname) == 0 &&
		    json_integer_value(json_object_get(a, "size")) == size)
			return 1;
	}
	return 0;
}

/* 1 when issue (as get answers it) lists an attachment like f. */
static int
onissue(const json_t *issue, const struct jta_draft_file *f)
{
	return jta_draft_files_on(issue, f->name, f->size);
}

/* One audit row for a draft's file. */
static void
audit(struct jta_backend *be, const struct jta_user *who, const char *what,
    const char *ticket, const char *name, const char *type, int64_t size,
    int status)
{
	jta_draft_files_audit(be, who, "drafts.attachments", what, ticket,
	    name, type, size, status);
}

/*
 * What key holds now (*out, a new object with "attachments"): a
 * service-desk request (desk not NULL) as getRequest reads it (what its
 * customer sees; JSM's own list, "servicedesk_id" included), an issue as
 * getIssue does.
 */
static enum jta_err
readback(struct jta_backend *be, const struct jta_user *who, const char *key,
    const char *desk, json_t **out, struct jta_error *err)
{
	if (desk != NULL)
		return be->ops->sd_request(be, who, key, out, err);
	return be->ops->get(be, who, key, out, err);
}

/* Send the kept file to key once (readback's now: a request's desk is
 * its servicedesk_id): a request through JSM, an issue through attach. */
static enum jta_err
sendone(struct jta_backend *be, const struct jta_user *who, const char *key,
    const json_t *now, const char *desk, const char *file, const char *name,
    const char *type, struct jta_error *err)
{
	if (desk == NULL)
		return be->ops->attach(be, who, key, file, name, type, err);
	return be->ops->sd_attach(be, who, key, json_string_value(
	    json_object_get(now, "servicedesk_id")), file, name, type, err);
}

/* Whether file id of draft_id is marked uploaded now (*up). */
static enum jta_err
uploaded_now(struct jta_store *st, const char *draft_id, int64_t id,
    int *up, struct jta_error *err)
{
	struct jta_draft_file f[JTA_STORE_DRAFT_FILES];
	enum jta_err	 rc;
	size_t		 i, n;

	*up = 0;
	if ((rc = jta_store_draft_file_list(st, draft_id, f,
	    JTA_STORE_DRAFT_FILES, &n, err)) != JTA_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (f[i].id == id)
			*up = f[i].uploaded;
	return JTA_OK;
}

/*
 * The embedded store: put the kept file f of draft_id on ticket key, a
 * second name for its kept copy (the draft's name is forgotten after)
 * recorded with the ticket in the transaction that marks f uploaded.  A
 * file marked meanwhile (another submit) is JTA_OK with nothing added.
 */
static enum jta_err
ontoticket(struct jta_backend *be, const struct jta_user *who,
    const char *draft_id, const char *key, const char *dir,
    const struct jta_draft_file *f, struct jta_error *err)
{
	char		 path[4096], proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	enum jta_err	 rc;

	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, "key",
		    "%s is not an issue key", key);
	if ((rc = jta_attach_keep_link(dir, f->path, path, sizeof(path),
	    err)) != JTA_OK)
		return rc;
	rc = jta_store_ticket_file_add(be->store, draft_id, f, path, proj,
	    num, who->name, jta_time_now(), err);
	if (rc == JTA_OK) {
		audit(be, who, "attached", key, f->name, f->type, f->size,
		    200);
		return JTA_OK;
	}
	jta_attach_forget(dir, path);
	if (rc == JTA_ERR_CONFLICT)
		return JTA_OK;
	audit(be, who, "failed", key, f->name, f->type, f->size,
	    err->status);
	return rc;
}

enum jta_err
jta_draft_files_upload(struct jta_backend *be, const struct jta_user *who,
    const char *id, json_t *answer, struct jta_error *err)
{
	struct jta_draft_file f[JTA_STORE_DRAFT_FILES];
	struct jta_error e;
	json_t		*issue = NULL, *list = NULL;
	const char	*key = json_string_value(json_object_get(
			    json_object_get(answer, "issue"), "key"));
	const char	*desk;
	char		 dir[4096];
	enum jta_err	 rc;
	size_t		 i, n, pending = 0;
	int		 fd = -1, up;

	if (key == NULL)
		return JTA_OK;
	if ((rc = jta_store_draft_file_list(be->store, id, f,
	    JTA_STORE_DRAFT_FILES, &n, err)) != JTA_OK)
		return rc;
	if (n == 0)
		return JTA_OK;
	for (i = 0; i < n; i++)
		pending += !f[i].uploaded;
	/* A service-desk request (its answer names its desk) takes files
	 * through JSM (sd_attach), public to its customer. */
	desk = json_is_string(json_object_get(json_object_get(answer,
	    "issue"), "servicedesk_id")) ? "" : NULL;
	if (pending > 0 && !jta_draft_files_keeps(be) && (desk != NULL ?
	    be->ops->sd_attach == NULL || be->ops->sd_request == NULL :
	    be->ops->attach == NULL))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "%s was filed, but this server's %s "
		    "backend cannot take its files", key, be->ops->name);
	jta_draft_files_statedir(be, dir, sizeof(dir));
	for (i = 0; i < n; i++) {
		if (f[i].uploaded)
			continue;
		/*
		 * Two submits of one draft may run at once (a retry while
		 * the first still uploads): each file is sent under an
		 * exclusive lock on its kept copy, and only when, under the
		 * lock, it is still not marked and the issue (read under
		 * the lock, after any upload that held it) does not have
		 * it.  The other submit is told to come back.
		 */
		if ((fd = open(f[i].path, O_RDONLY | O_CLOEXEC)) >= 0 &&
		    flock(fd, LOCK_EX | LOCK_NB) != 0) {
			rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
			    "%s was filed and its files are being attached by "
			    "another submit; submit again in a moment", key);
			err->retry_after = 2;
			goto out;
		}
		if ((rc = uploaded_now(be->store, id, f[i].id, &up, err)) !=
		    JTA_OK)
			goto out;
		if (up) {
			f[i].uploaded = 1;
			if (fd >= 0)
				close(fd);
			fd = -1;
			continue;
		}
		if (fd < 0) {
			jta_log(JTA_LOG_ERROR, "attachments: %s: %s", f[i].path,
			    strerror(errno));
			rc = jta_error_set(err, JTA_ERR_INTERNAL, 500,
			    "openaiFileIdRefs", "%s was filed, but the kept "
			    "copy of %s is gone", key, f[i].name);
			goto out;
		}
		if (jta_draft_files_keeps(be)) {
			if ((rc = ontoticket(be, who, id, key, dir, &f[i],
			    err)) != JTA_OK)
				goto out;
			f[i].uploaded = 1;
			jta_attach_forget(dir, f[i].path);
			close(fd);
			fd = -1;
			continue;
		}
		json_decref(issue);
		issue = NULL;
		if ((rc = readback(be, who, key, desk, &issue, err)) != JTA_OK)
			goto busy;
		if (onissue(issue, &f[i]))
			audit(be, who, "found on", key, f[i].name, f[i].type,
			    f[i].size, 200);
		else if ((rc = sendone(be, who, key, issue, desk, f[i].path,
		    f[i].name, f[i].type, err)) != JTA_OK) {
			audit(be, who, "failed", key, f[i].name, f[i].type,
			    f[i].size, err->status);
			goto busy;
		} else
			audit(be, who, "attached", key, f[i].name, f[i].type,
			    f[i].size, 200);
		if ((rc = jta_store_draft_file_uploaded(be->store, id,
		    f[i].id, err)) != JTA_OK)
			goto out;
		f[i].uploaded = 1;
		jta_attach_forget(dir, f[i].path);
		close(fd);
		fd = -1;
	}
	if ((list = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:I}",
		    "name", f[i].name, "type", f[i].type, "size",
		    (json_int_t)f[i].size)) != 0)
			goto nomem;
	if (json_object_set_new(answer, "attachments", list) != 0) {
		list = NULL;
		goto nomem;
	}
	list = NULL;
	rc = JTA_OK;
	goto out;
busy:
	/* The ticket is filed; what failed is a file.  A lost answer or a
	 * busy Jira: submit again (nothing goes on twice).  Anything else
	 * says what Jira said. */
	e = *err;
	if (rc == JTA_ERR_UPSTREAM || rc == JTA_ERR_BUSY) {
		rc = jta_error_set(err, JTA_ERR_BUSY, 503, "openaiFileIdRefs",
		    "%s was filed, but its files are not all attached yet "
		    "(%s); submit again to finish (nothing is attached "
		    "twice)", key, e.detail);
		err->retry_after = e.retry_after > 0 ? e.retry_after : 2;
	} else
		rc = jta_error_set(err, rc, e.status, "openaiFileIdRefs",
		    "%s was filed, but a file could not be attached: %s", key,
		    e.detail);
	goto out;
nomem:
	rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
out:
	if (fd >= 0)
		close(fd);
	json_decref(list);
	json_decref(issue);
	return rc;
}
