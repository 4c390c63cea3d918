/*
 * A draft's files (jta_draft_files.h).
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

enum jta_err
jta_draft_files_refs_check(const json_t *refs, json_t **out,
    struct jta_error *err)
{
	static const struct {
		const char	*name;
		size_t		 min, max;
	} m[] = {
		{ "name", 1, JTA_LIMIT_ATTACH_NAME },
		{ "id", 1, JTA_DRAFT_FILES_ID_MAX },
		{ "mime_type", 1, 95 },
		{ "download_link", 1, JTA_DRAFT_FILES_LINK_MAX },
	};
	const json_t	*o;
	json_t		*res, *copy;
	const char	*v;
	size_t		 i, j;

	*out = NULL;
	if (!json_is_array(refs) || json_array_size(refs) >
	    JTA_STORE_DRAFT_FILES)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "openaiFileIdRefs must be an array of "
		    "at most %d files", JTA_STORE_DRAFT_FILES);
	if ((res = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(refs, i, o) {
		if (!json_is_object(o)) {
			json_decref(res);
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "openaiFileIdRefs", "openaiFileIdRefs[%zu] must be "
			    "an object {name, id, mime_type, download_link}",
			    i);
		}
		if ((copy = json_object()) == NULL ||
		    json_array_append_new(res, copy) != 0) {
			json_decref(res);
			return JTA_ERR_NOMEM;
		}
		for (j = 0; j < sizeof(m) / sizeof(m[0]); j++) {
			if ((v = member(o, m[j].name, m[j].min, m[j].max)) ==
			    NULL) {
				json_decref(res);
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    "openaiFileIdRefs", "openaiFileIdRefs[%zu]"
				    ".%s must be a string of %zu to %zu bytes",
				    i, m[j].name, m[j].min, m[j].max);
			}
			if (json_object_set_new(copy, m[j].name,
			    json_string(v)) != 0) {
				json_decref(res);
				return JTA_ERR_NOMEM;
			}
		}
	}
	*out = res;
	return JTA_OK;
}

/* Fetch, keep and record one file; on failure nothing is left. */
static enum jta_err
takeone(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id, const json_t *ref,
    int64_t max_bytes, int64_t now, char *name, size_t namesz,
    struct jta_error *err)
{
	struct jta_attach_file f;
	struct jta_draft_file row;
	enum jta_err	 rc;
	int64_t		 id;

	memset(&f, 0, sizeof(f));
	memset(&row, 0, sizeof(row));
	/* A name that cannot be cleaned keeps the caller's (its place). */
	if (jta_attach_name_clean(json_string_value(json_object_get(ref,
	    "name")), json_string_length(json_object_get(ref, "name")),
	    row.name, sizeof(row.name), err) != JTA_OK)
		return JTA_ERR_INPUT;
	snprintf(name, namesz, "%s", row.name);
	if ((rc = jta_attach_fetch(rules, name, json_string_value(
	    json_object_get(ref, "mime_type")), json_string_value(
	    json_object_get(ref, "download_link")), &f, err)) != JTA_OK)
		return rc;
	snprintf(name, namesz, "%s", f.name);
	/* Where a file is kept, its quotas and count (jta_usage.h: files,
	 * file_bytes), once its size is known and before anything is
	 * kept. */
	if ((rc = jta_usage_file_allow(usage, who, (int64_t)f.len, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = jta_attach_keep(statedir, &f, row.path, sizeof(row.path),
	    row.sha256, err)) != JTA_OK)
		goto out;
	snprintf(row.name, sizeof(row.name), "%s", f.name);
	snprintf(row.type, sizeof(row.type), "%s", f.mime_type);
	row.size = (int64_t)f.len;
	if ((rc = jta_store_draft_file_add(st, draft_id, &row, max_bytes, now,
	    &id, err)) != JTA_OK)
		jta_attach_forget(statedir, row.path);
	else
		jta_usage_file_count(usage, who, row.size);
out:
	jta_attach_file_free(&f);
	return rc;
}

enum jta_err
jta_draft_files_take(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, struct jta_usage *usage,
    const struct jta_user *who, const char *draft_id, const json_t *refs,
    int64_t max_bytes, int64_t now, json_t **taken, json_t **refused,
    struct jta_error *err)
{
	struct jta_error e, first;
	const json_t	*ref;
	enum jta_err	 rc, ret = JTA_OK;
	char		 name[JTA_LIMIT_ATTACH_NAME + 1];
	size_t		 i;

	*taken = json_array();
	*refused = json_array();
	if (*taken == NULL || *refused == NULL)
		goto nomem;
	memset(&first, 0, sizeof(first));
	json_array_foreach(refs, i, ref) {
		memset(&e, 0, sizeof(e));
		snprintf(name, sizeof(name), "openaiFileIdRefs[%zu]", i);
		rc = takeone(st, statedir, rules, usage, who, draft_id, ref,
		    max_bytes, now, name, sizeof(name), &e);
		if (rc == JTA_OK) {
			if (json_array_append_new(*taken, json_string(name)) !=
			    0)
				goto nomem;
			continue;
		}
		if (rc == JTA_ERR_NOMEM)
			goto nomem;
		if (json_array_append_new(*refused, json_pack("{s:s, s:s, s:s}",
		    "name", name, "field", e.field[0] != '\0' ? e.field :
		    "fetch", "reason", e.detail)) != 0)
			goto nomem;
		if (ret == JTA_OK) {
			ret = rc;
			first = e;
		}
	}
	if (ret != JTA_OK) {
		/* The file's name first: the person sees which one. */
		ret = jta_error_set(err, ret, first.status != 0 ?
		    first.status : 422, "openaiFileIdRefs", "%s: %s (%s)",
		    json_string_value(json_object_get(json_array_get(*refused,
		    0), "name")), first.detail, first.field[0] != '\0' ?
		    first.field : "fetch");
		/* A quota's 429 keeps its Retry-After. */
		if (err != NULL)
			err->retry_after = first.retry_after;
	}
	return ret;
nomem:
	json_decref(*taken);
	json_decref(*refused);
	*taken = *refused = NULL;
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
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
static int
keeps_files(const struct jta_backend *be)
{
	return be->ops->attach == NULL && strcmp(be->ops->name, "local") == 0;
}

enum jta_err
jta_draft_files_can(const struct jta_backend *be, const json_t *req,
    const json_t *preview, struct jta_error *err)
{
	if (be->ops->attach == NULL && !keeps_files(be))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "this server's %s backend cannot "
		    "take files yet; send the draft without "
		    "openaiFileIdRefs", be->ops->name);
	if (json_is_string(json_object_get(req, "request_type")) ||
	    json_is_string(json_object_get(preview, "request_type")))
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "openaiFileIdRefs", "a service-desk request cannot take "
		    "files yet; send the draft without openaiFileIdRefs");
	return JTA_OK;
}

/* One audit row for a file (never its content or link). */
static void
audit(struct jta_backend *be, const struct jta_user *who, const char *what,
    const char *ticket, const char *name, const char *type, int64_t size,
    int status)
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
	ev.endpoint = "drafts.attachments";
	ev.status = status;
	ev.detail = detail;
	if (jta_audit_write(be->store, &ev, &e) != JTA_OK)
		jta_log(JTA_LOG_ERROR, "audit: attachment of %s not recorded: "
		    "%s", ticket, e.detail);
}

enum jta_err
jta_draft_files_in(struct jta_backend *be, const struct jta_user *who,
    const char *id, const json_t *refs, struct jta_error *err)
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
	rc = jta_draft_files_take(be->store, dir, &rules, be->usage, who, id,
	    refs, JTA_LIMIT_ATTACH_BYTES_MAX, jta_time_now(), &taken, &refused,
	    err);
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
	if (rc != JTA_OK) {
		names[0] = '\0';
		json_array_foreach(taken, i, t)
			if (o < sizeof(names))
				o += (size_t)snprintf(names + o,
				    sizeof(names) - o, "%s%s", i > 0 ? ", " :
				    "", json_string_value(t));
		e = *err;
		jta_error_set(err, rc, e.status, "openaiFileIdRefs", "%s; %s",
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
			(void)jta_error_add(err, "openaiFileIdRefs", names);
		}
	}
	json_decref(taken);
	json_decref(refused);
	return rc;
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

/* 1 when issue (as get answers it) lists an attachment like f. */
static int
onissue(const json_t *issue, const struct jta_draft_file *f)
{
	const json_t	*a;
	const char	*name;
	size_t		 i;

	json_array_foreach(json_object_get(issue, "attachments"), i, a) {
		name = json_string_value(json_object_get(a, "name"));
		if (name != NULL && strcmp(name, f->name) == 0 &&
		    json_integer_value(json_object_get(a, "size")) == f->size)
			return 1;
	}
	return 0;
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
	if (pending > 0 && be->ops->attach == NULL && !keeps_files(be))
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
		if (keeps_files(be)) {
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
		if ((rc = be->ops->get(be, who, key, &issue, err)) != JTA_OK)
			goto busy;
		if (onissue(issue, &f[i]))
			audit(be, who, "found on", key, f[i].name, f[i].type,
			    f[i].size, 200);
		else if ((rc = be->ops->attach(be, who, key, f[i].path,
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
