/*
 * A draft's files (jta_draft_files.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_draft_files.h"
#include "jta_limits.h"
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
    const struct jta_attach_rules *rules, const char *draft_id,
    const json_t *ref, int64_t max_bytes, int64_t now, char *name,
    size_t namesz, struct jta_error *err)
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
	if ((rc = jta_attach_keep(statedir, &f, row.path, sizeof(row.path),
	    row.sha256, err)) != JTA_OK)
		goto out;
	snprintf(row.name, sizeof(row.name), "%s", f.name);
	snprintf(row.type, sizeof(row.type), "%s", f.mime_type);
	row.size = (int64_t)f.len;
	if ((rc = jta_store_draft_file_add(st, draft_id, &row, max_bytes, now,
	    &id, err)) != JTA_OK)
		jta_attach_forget(statedir, row.path);
out:
	jta_attach_file_free(&f);
	return rc;
}

enum jta_err
jta_draft_files_take(struct jta_store *st, const char *statedir,
    const struct jta_attach_rules *rules, const char *draft_id,
    const json_t *refs, int64_t max_bytes, int64_t now, json_t **taken,
    json_t **refused, struct jta_error *err)
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
		rc = takeone(st, statedir, rules, draft_id, ref, max_bytes, now,
		    name, sizeof(name), &e);
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
