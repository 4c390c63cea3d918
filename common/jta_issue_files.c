/*
 * Files attached to a ticket that exists (jta_issue_files.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_attach.h"
#include "jta_backend.h"
#include "jta_draft_files.h"
#include "jta_issue_files.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_store_drafts.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_usage.h"

/* What the audit log counts these files under (the endpoint table's
 * name for POST /api/issues/{key}/attachments). */
#define AUDIT_ENDPOINT	"attachments"

/* The files of one call: where they go and what happened. */
struct run {
	struct jta_backend	*be;
	const struct jta_user	*who;
	const char		*key;
	const char		*desk;	/* a request's desk, or NULL */
	json_t			*now;	/* the ticket as read first */
	json_t			*went;	/* [{name, type, size, already?}] */
	json_t			*refused;	/* [{name, field, reason}] */
	char			 dir[4096];	/* the state directory */
};

/*
 * Read r->key into r->now: in Jira mode a service-desk request as
 * getRequest reads it (JSM's own list of the files its customer sees;
 * r->desk its desk), else, or when it is no request (JSM answers 404,
 * or refuses the person's link without its scopes), as getIssue.
 */
static enum jta_err
readfirst(struct run *r, struct jta_error *err)
{
	struct jta_error e;
	enum jta_err	 rc;

	if (!jta_draft_files_keeps(r->be) && r->be->ops->sd_attach != NULL &&
	    r->be->ops->sd_request != NULL) {
		memset(&e, 0, sizeof(e));
		rc = r->be->ops->sd_request(r->be, r->who, r->key, &r->now, &e);
		if (rc == JTA_OK && json_is_string(json_object_get(r->now,
		    "servicedesk_id"))) {
			r->desk = json_string_value(json_object_get(r->now,
			    "servicedesk_id"));
			return JTA_OK;
		}
		json_decref(r->now);
		r->now = NULL;
		if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND &&
		    rc != JTA_ERR_AUTH) {
			*err = e;
			return rc;
		}
	}
	return r->be->ops->get(r->be, r->who, r->key, &r->now, err);
}

/* 1 when the ticket had a file like name/size, or this call put one. */
static int
there(const struct run *r, const char *name, int64_t size)
{
	const json_t	*a;
	size_t		 i;

	if (jta_draft_files_on(r->now, name, size))
		return 1;
	json_array_foreach(r->went, i, a)
		if (strcmp(json_string_value(json_object_get(a, "name")),
		    name) == 0 && json_integer_value(json_object_get(a,
		    "size")) == size)
			return 1;
	return 0;
}

/* Put the fetched file f on the ticket: the embedded store keeps its own
 * copy (recorded with the ticket), Jira and JSM get an upload of a kept
 * copy that is removed after. */
static enum jta_err
put(struct run *r, const struct jta_attach_file *f, struct jta_error *err)
{
	struct jta_draft_file row;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	enum jta_err	 rc;

	memset(&row, 0, sizeof(row));
	if ((rc = jta_attach_keep(r->dir, f, row.path, sizeof(row.path),
	    row.sha256, err)) != JTA_OK)
		return rc;
	snprintf(row.name, sizeof(row.name), "%s", f->name);
	snprintf(row.type, sizeof(row.type), "%s", f->mime_type);
	row.size = (int64_t)f->len;
	if (jta_draft_files_keeps(r->be)) {
		if (jta_text_parse_issue_key(r->key, strlen(r->key), proj,
		    sizeof(proj), &num) != 0)
			rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
			    "there is no issue %s", r->key);
		else
			rc = jta_store_ticket_file_add(r->be->store, NULL, &row,
			    row.path, proj, num, r->who->name, jta_time_now(),
			    err);
		if (rc != JTA_OK)
			jta_attach_forget(r->dir, row.path);
		return rc;
	}
	if (r->desk != NULL)
		rc = r->be->ops->sd_attach(r->be, r->who, r->key, r->desk,
		    row.path, row.name, row.type, err);
	else
		rc = r->be->ops->attach(r->be, r->who, r->key, row.path,
		    row.name, row.type, err);
	jta_attach_forget(r->dir, row.path);
	return rc;
}

static enum jta_err
refuse(struct run *r, const char *name, const struct jta_error *e)
{
	return json_array_append_new(r->refused, json_pack("{s:s, s:s, s:s}",
	    "name", name, "field", e->field[0] != '\0' ? e->field : "fetch",
	    "reason", e->detail)) == 0 ? JTA_OK : JTA_ERR_NOMEM;
}

/* One reference: fetched, judged, put on the ticket (or refused). */
static enum jta_err
one(struct run *r, const json_t *ref, size_t i, int64_t *total,
    struct jta_error *err)
{
	struct jta_attach_rules rules;
	struct jta_attach_file f;
	struct jta_error e;
	char		 name[JTA_LIMIT_ATTACH_NAME + 32];
	char		 sig[JTA_LIMIT_CLAMD_SIGNATURE + 1];
	enum jta_err	 rc;

	memset(&f, 0, sizeof(f));
	sig[0] = '\0';
	memset(&e, 0, sizeof(e));
	jta_attach_rules_conf(&rules, r->be->conf);
	snprintf(name, sizeof(name), "openaiFileIdRefs[%zu]", i);
	if (jta_attach_name_clean(json_string_value(json_object_get(ref,
	    "name")), json_string_length(json_object_get(ref, "name")), f.name,
	    sizeof(f.name), &e) == JTA_OK)
		snprintf(name, sizeof(name), "%s", f.name);
	if ((rc = jta_attach_fetch(&rules, name, json_string_value(
	    json_object_get(ref, "mime_type")), json_string_value(
	    json_object_get(ref, "download_link")), &f, &e)) != JTA_OK) {
		rc = rc == JTA_ERR_NOMEM ? rc : refuse(r, name, &e);
		goto out;
	}
	if ((int64_t)f.len > JTA_LIMIT_ATTACH_BYTES_MAX - *total) {
		jta_error_set(&e, JTA_ERR_INPUT, 413, "size", "the files "
		    "together are over %d MiB", JTA_LIMIT_ATTACH_BYTES_MAX >>
		    20);
		rc = refuse(r, f.name, &e);
		goto out;
	}
	*total += (int64_t)f.len;
	if (there(r, f.name, (int64_t)f.len)) {
		/* Sent before (a repeat whose first answer was lost). */
		jta_draft_files_audit(r->be, r->who, AUDIT_ENDPOINT,
		    "found on", r->key, f.name, f.mime_type, (int64_t)f.len,
		    200);
		rc = json_array_append_new(r->went, json_pack("{s:s, s:s, "
		    "s:I, s:b}", "name", f.name, "type", f.mime_type, "size",
		    (json_int_t)f.len, "already", 1)) == 0 ? JTA_OK :
		    JTA_ERR_NOMEM;
		goto out;
	}
	/* Counted against who's files and file_bytes quotas before it is
	 * scanned, kept or sent, as a draft's files are (a refusal is this
	 * file's 429 and stops the call: the next would be refused too). */
	if ((rc = jta_usage_file_allow(r->be->usage, r->who, (int64_t)f.len,
	    err)) != JTA_OK)
		goto out;
	/* Scanned before it is kept or sent, as a draft's files are
	 * (jta_draft_files_keep): a finding is this file's refusal, a
	 * scanner that cannot answer stops the call (503, closed). */
	if ((rc = jta_attach_scan(&rules, &f, sig, sizeof(sig), &e)) !=
	    JTA_OK) {
		if (sig[0] != '\0') {
			jta_draft_files_audit_virus(r->be, r->who,
			    AUDIT_ENDPOINT, r->key, f.name, sig);
			rc = refuse(r, f.name, &e);
		} else
			*err = e;
		goto out;
	}
	if ((rc = put(r, &f, err)) != JTA_OK) {
		jta_draft_files_audit(r->be, r->who, AUDIT_ENDPOINT, "failed",
		    r->key, f.name, f.mime_type, (int64_t)f.len, err->status);
		/* A lost answer, a busy Jira, a refused link, a store that
		 * fails: the call stops; a refusal of this file (Jira's
		 * 4xx) is this file's. */
		if (rc == JTA_ERR_INPUT || rc == JTA_ERR_CONFLICT) {
			e = *err;
			rc = refuse(r, f.name, &e);
		}
		goto out;
	}
	jta_draft_files_audit(r->be, r->who, AUDIT_ENDPOINT, "attached",
	    r->key, f.name, f.mime_type, (int64_t)f.len, 200);
	jta_usage_file_count(r->be->usage, r->who, (int64_t)f.len);
	rc = json_array_append_new(r->went, json_pack("{s:s, s:s, s:I}",
	    "name", f.name, "type", f.mime_type, "size", (json_int_t)f.len)) ==
	    0 ? JTA_OK : JTA_ERR_NOMEM;
out:
	jta_attach_file_free(&f);
	return rc;
}

enum jta_err
jta_issue_files_attach(struct jta_backend *be, const struct jta_user *who,
    const char *key, const json_t *refs, json_t **out, struct jta_error *err)
{
	struct run	 r;
	struct jta_error first;
	const json_t	*ref, *x;
	char		 item[JTA_ERROR_DETAIL];
	int64_t		 total = 0;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.be = be;
	r.who = who;
	r.key = key;
	if (!jta_draft_files_keeps(be) && be->ops->attach == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "this server's %s backend cannot take "
		    "files", be->ops->name);
	jta_draft_files_statedir(be, r.dir, sizeof(r.dir));
	if ((r.went = json_array()) == NULL ||
	    (r.refused = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = readfirst(&r, err)) != JTA_OK)
		goto out;
	json_array_foreach(refs, i, ref)
		if ((rc = one(&r, ref, i, &total, err)) != JTA_OK)
			goto stopped;
	if (json_array_size(r.went) == 0 && json_array_size(r.refused) > 0) {
		x = json_array_get(r.refused, 0);
		memset(&first, 0, sizeof(first));
		rc = jta_error_set(err, JTA_ERR_INPUT, strcmp(json_string_value(
		    json_object_get(x, "field")), "size") == 0 ? 413 : 422,
		    "openaiFileIdRefs", "%s: %s (%s); no file went in",
		    json_string_value(json_object_get(x, "name")),
		    json_string_value(json_object_get(x, "reason")),
		    json_string_value(json_object_get(x, "field")));
		json_array_foreach(r.refused, i, x) {
			snprintf(item, sizeof(item), "%s: %s",
			    json_string_value(json_object_get(x, "name")),
			    json_string_value(json_object_get(x, "reason")));
			(void)jta_error_add(err, "openaiFileIdRefs", item);
		}
		goto out;
	}
	if ((*out = json_pack("{s:s, s:O, s:O}", "key", key, "attachments",
	    r.went, "refused", r.refused)) == NULL)
		rc = JTA_ERR_NOMEM;
	goto out;
stopped:
	if (rc == JTA_ERR_NOMEM)
		goto out;
	first = *err;
	if (rc == JTA_ERR_UPSTREAM || rc == JTA_ERR_BUSY) {
		rc = jta_error_set(err, JTA_ERR_BUSY, 503, "openaiFileIdRefs",
		    "not every file is on %s yet (%s); send the same files "
		    "again to finish (none is attached twice)", key,
		    first.detail);
		err->retry_after = first.retry_after > 0 ? first.retry_after :
		    2;
	} else if (rc != JTA_ERR_AUTH && strcmp(first.field, "key") != 0) {
		rc = jta_error_set(err, rc, first.status, "openaiFileIdRefs",
		    "a file could not be attached to %s: %s", key,
		    first.detail);
		err->retry_after = first.retry_after;	/* a quota's 429 */
	}
out:
	if (rc == JTA_ERR_NOMEM)
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	json_decref(r.now);
	json_decref(r.went);
	json_decref(r.refused);
	return rc;
}
