/*
 * The embedded store's /api/tickets/ operations (the basic ticketing
 * API, README "/api/tickets/"): the store's own tickets in that API's
 * shapes, with its resolution statuses mapped onto the workflow.  The
 * ticket API's operations are in jta_local.c; what the two share is
 * declared in jta_local_int.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_attach.h"
#include "jta_backend.h"
#include "jta_draft_files.h"
#include "jta_local_int.h"
#include "jta_store_drafts.h"
#include "jta_store_tickets.h"
#include "jta_text.h"
#include "jta_time.h"

/* The resolution_status of each workflow status (README.md "/api/tickets/"):
 * OPEN is Open or In Progress. */
static const struct {
	const char	*res;
	const char	*status;
} resolutions[] = {
	{ "OPEN",	"Open" },
	{ "OPEN",	"In Progress" },
	{ "RESOLVED",	"Resolved" },
	{ "CLOSED",	"Closed" },
};

/* The resolution_status of a stored status (CLOSED for one the workflow
 * does not know: it is not being worked on). */
static const char *
resof(const char *status)
{
	size_t	 i;

	for (i = 0; i < sizeof(resolutions) / sizeof(resolutions[0]); i++)
		if (strcmp(resolutions[i].status, status) == 0)
			return resolutions[i].res;
	return "CLOSED";
}

/* The workflow status for a resolution_status, given the current one
 * (NULL for a new ticket): OPEN keeps a ticket being worked on In
 * Progress. */
static const char *
tkstatus(const char *res, const char *cur)
{
	if (strcmp(res, "RESOLVED") == 0)
		return "Resolved";
	if (strcmp(res, "CLOSED") == 0)
		return "Closed";
	return cur != NULL && strcmp(cur, "In Progress") == 0 ?
	    "In Progress" : "Open";
}

/* One ticket in /api/tickets/' shape: {id, title, description, created,
 * resolution_status}; NULL when memory runs out. */
static json_t *
tkjs(const struct jta_store_ticket *t)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)t->id,
	    "title", t->summary, "description", t->description, "created",
	    jta_local_timejs(t->created), "resolution_status",
	    resof(t->status));
}

/* The answer for a ticket id that is not there. */
static enum jta_err
tknotfound(int64_t id, struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "Ticket with id '%" PRId64 "' was not found.", id);
}

/* /api/tickets/ field names onto the store's: title is the summary. */
static json_t *
tkfields(const json_t *fields)
{
	json_t		*f = json_object();
	const json_t	*v;

	if (f == NULL)
		return NULL;
	if ((v = json_object_get(fields, "title")) != NULL &&
	    json_object_set(f, "summary", jta_local_unconst(v)) != 0)
		goto fail;
	if ((v = json_object_get(fields, "description")) != NULL &&
	    json_object_set(f, "description", jta_local_unconst(v)) != 0)
		goto fail;
	return f;
fail:
	json_decref(f);
	return NULL;
}

/* The stored statuses of the resolution statuses in res (an array of
 * OPEN/RESOLVED/CLOSED), a new array; NULL when memory runs out. */
static json_t *
tkstatuses(const json_t *res)
{
	json_t		*out = json_array();
	const json_t	*v;
	size_t		 i, k;

	json_array_foreach(res, i, v)
		for (k = 0; out != NULL &&
		    k < sizeof(resolutions) / sizeof(resolutions[0]); k++)
			if (json_is_string(v) && strcmp(resolutions[k].res,
			    json_string_value(v)) == 0 &&
			    json_array_append_new(out, json_string(
			    resolutions[k].status)) != 0) {
				json_decref(out);
				out = NULL;
			}
	return out;
}

enum jta_err
jta_local_tk_list(struct jta_backend *be, const struct jta_user *who,
    const struct jta_tk_query *q, json_t **out, struct jta_error *err)
{
	struct jta_tk_query canon = *q;
	struct jta_store_ticket_list list;
	json_t		*sts = NULL, *arr = NULL, *row;
	size_t		 i;
	enum jta_err	 rc = JTA_ERR_NOMEM;

	(void)who;	/* every local user sees every local ticket */
	*out = NULL;
	memset(&list, 0, sizeof(list));
	if (q->statuses != NULL &&
	    (canon.statuses = sts = tkstatuses(q->statuses)) == NULL)
		goto out;
	/* The title is the stored summary. */
	if (q->ordering != NULL && strcmp(q->ordering, "title") == 0)
		canon.ordering = "summary";
	else if (q->ordering != NULL && strcmp(q->ordering, "-title") == 0)
		canon.ordering = "-summary";
	if ((rc = jta_store_tk_list(be->store, &canon, &list, err)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < list.n; i++)
		if ((row = tkjs(&list.v[i])) == NULL ||
		    json_array_append_new(arr, row) != 0)
			goto out;
	if ((*out = json_pack("{s:I, s:O}", "count", (json_int_t)list.count,
	    "results", arr)) != NULL)
		rc = JTA_OK;
out:
	jta_store_ticket_list_clear(&list);
	json_decref(sts);
	json_decref(arr);
	return rc;
}

enum jta_err
jta_local_tk_get(struct jta_backend *be, const struct jta_user *who,
    int64_t id, json_t **out, struct jta_error *err)
{
	struct jta_store_ticket t;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = jta_store_tk_get(be->store, id, &t, err)) ==
	    JTA_ERR_NOTFOUND)
		return tknotfound(id, err);
	if (rc != JTA_OK)
		return rc;
	*out = tkjs(&t);
	jta_store_ticket_clear(&t);
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

enum jta_err
jta_local_tk_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	const char	*res = json_string_value(json_object_get(fields,
			    "resolution_status"));
	json_t		*f;
	int64_t		 id;
	enum jta_err	 rc;

	*out = NULL;
	if ((f = tkfields(fields)) == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = jta_local_refs(be, be->conf->default_project, f, err)) ==
	    JTA_OK)
		rc = jta_local_stale(jta_store_tk_create(be->store, who,
		    be->conf->default_project, f, tkstatus(res != NULL ? res :
		    "OPEN", NULL), &id, err), err);
	json_decref(f);
	if (rc != JTA_OK)
		return rc;
	return jta_local_tk_get(be, who, id, out, err);
}

/*
 * Change ticket id.  Its new status depends on the one it has (OPEN keeps
 * In Progress), so the status is read here and the store writes only
 * while it is still the one read; a concurrent move makes this read it
 * again (at most JTA_LOCAL_MOVE_TRIES times).
 */
enum jta_err
jta_local_tk_update(struct jta_backend *be, const struct jta_user *who,
    int64_t id, const json_t *fields, json_t **out, struct jta_error *err)
{
	const char	*res = json_string_value(json_object_get(fields,
			    "resolution_status"));
	struct jta_store_ticket cur;
	json_t		*f;
	enum jta_err	 rc = JTA_ERR_CONFLICT;
	int		 tries;

	*out = NULL;
	if ((f = tkfields(fields)) == NULL)
		return JTA_ERR_NOMEM;
	for (tries = 0; tries < JTA_LOCAL_MOVE_TRIES && rc == JTA_ERR_CONFLICT;
	    tries++) {
		if ((rc = jta_store_tk_get(be->store, id, &cur, err)) !=
		    JTA_OK)
			break;
		rc = jta_store_tk_update(be->store, id, f, cur.status,
		    res != NULL ? tkstatus(res, cur.status) : NULL, err);
		jta_store_ticket_clear(&cur);
	}
	json_decref(f);
	if (rc == JTA_ERR_NOTFOUND)
		return tknotfound(id, err);
	if (rc == JTA_ERR_CONFLICT)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the ticket kept changing while it was updated; read it "
		    "and try again");
	if (rc != JTA_OK)
		return rc;
	return jta_local_tk_get(be, who, id, out, err);
}

enum jta_err
jta_local_tk_delete(struct jta_backend *be, const struct jta_user *who,
    int64_t id, struct jta_error *err)
{
	struct jta_store_ticket cur;
	struct jta_ticket_file *f = NULL;
	struct jta_error e;
	char		 dir[4096];
	int64_t		 total;
	size_t		 i, n = 0;
	enum jta_err	 rc;

	(void)who;
	/* Its kept files (README "Attachments: the embedded store") go
	 * with it: their rows in the delete's transaction, then the files
	 * (a ticket has at most one draft's, JTA_STORE_DRAFT_FILES). */
	memset(&cur, 0, sizeof(cur));
	if (jta_store_tk_get(be->store, id, &cur, &e) == JTA_OK) {
		if ((f = calloc(JTA_STORE_TICKET_FILES, sizeof(*f))) != NULL &&
		    jta_store_ticket_file_list(be->store, cur.project, cur.num,
		    f, JTA_STORE_TICKET_FILES, &n, &total, &e) != JTA_OK)
			n = 0;
		jta_store_ticket_clear(&cur);
	}
	if ((rc = jta_store_tk_delete(be->store, id, err)) == JTA_OK) {
		jta_draft_files_statedir(be, dir, sizeof(dir));
		for (i = 0; i < n; i++)
			jta_attach_forget(dir, f[i].path);
	}
	free(f);
	if (rc == JTA_ERR_NOTFOUND)
		return tknotfound(id, err);
	return rc;
}
