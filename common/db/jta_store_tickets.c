/*
 * The embedded ticket store with SQLite (jta_store_tickets.h): projects,
 * tickets, labels, comments, /api/tickets/ rows, conditional status
 * moves and the exactly-once create; the ranked and paged reads (the
 * /api/tickets/ list among them) are in jta_store_tickets_search.c.
 * Plain rows out, bare storage facts as errors: the workflow and the
 * API's shapes are jta_local.c's.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_sqlite.h"
#include "jta_text.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_store_tickets_int.h"
#include "jta_time.h"

static enum jta_err issueget(struct jta_store *, int64_t, const char *,
    int64_t, struct jta_store_issue *, struct jta_error *);

/* ---- the fixed table of statements ---- */

enum sid {
	S_PROJ_ADD,
	S_PROJ_TYPE_ADD,
	S_PROJ_LIST,
	S_PROJ_TYPES,
	S_PROJ_GET,
	S_PROJ_TYPE_FIND,
	S_PROJ_TYPE_FIRST,
	S_PROJ_BUMP,
	S_T_INSERT,
	S_T_LABEL_ADD,
	S_T_LABEL_CLEAR,
	S_T_LABELS,
	S_T_FIND,
	S_T_GET,
	S_T_GET_KEY,
	S_T_COMMENTS,
	S_T_COMMENT_ADD,
	S_T_SET_SUMMARY,
	S_T_SET_DESC,
	S_T_SET_TYPE,
	S_T_SET_PRIORITY,
	S_T_SET_ASSIGNEE,
	S_T_MOVE,
	S_T_TOUCH,
	S_TK_GET,
	S_TK_DEL_COMMENTS,
	S_TK_DEL_LABELS,
	S_TK_DEL_FILES,
	S_TK_DEL,
	S_T_ONCE_FIND,
	S_T_ONCE_SET,
	S_COUNT
};

#define T_NCOMMENTS \
	", (SELECT count(*) FROM comments c WHERE c.ticket_id = t.id) "

static const char *const sql[S_COUNT] = {
	[S_PROJ_ADD] = "INSERT INTO projects (key, name, created) "
	    "VALUES (:key, :name, :now)",
	[S_PROJ_TYPE_ADD] = "INSERT INTO project_types (project_id, pos, name) "
	    "VALUES (:pid, :pos, :name)",
	[S_PROJ_LIST] = "SELECT id, key, name FROM projects ORDER BY key",
	[S_PROJ_TYPES] = "SELECT name FROM project_types WHERE project_id = "
	    ":pid ORDER BY pos",
	[S_PROJ_GET] = "SELECT id, next_num FROM projects WHERE key = :key",
	[S_PROJ_TYPE_FIND] = "SELECT name FROM project_types "
	    "WHERE project_id = :pid AND name = :name",
	[S_PROJ_TYPE_FIRST] = "SELECT name FROM project_types "
	    "WHERE project_id = :pid ORDER BY pos LIMIT 1",
	[S_PROJ_BUMP] = "UPDATE projects SET next_num = next_num + 1 "
	    "WHERE id = :pid",
	[S_T_INSERT] = "INSERT INTO tickets (project_id, num, type, summary, "
	    "description, status, priority, reporter_id, assignee_id, created, "
	    "updated) VALUES (:pid, :num, :type, :summary, :desc, :status, "
	    ":priority, :reporter, :assignee, :now, :now)",
	[S_T_LABEL_ADD] = "INSERT OR IGNORE INTO ticket_labels (ticket_id, "
	    "label) VALUES (:tid, :label)",
	[S_T_LABEL_CLEAR] = "DELETE FROM ticket_labels WHERE ticket_id = :tid",
	[S_T_LABELS] = "SELECT label FROM ticket_labels WHERE ticket_id = :tid "
	    "ORDER BY label",
	[S_T_FIND] = "SELECT t.id, t.status FROM tickets t JOIN projects p ON "
	    "p.id = t.project_id WHERE p.key = :key AND t.num = :num",
	/* An issue read: the row and its comment count in one statement,
	 * by id or by key (one look-up instead of three). */
	[S_T_GET] = "SELECT " TICKET_COLS T_NCOMMENTS TICKET_FROM
	    "WHERE t.id = :tid",
	[S_T_GET_KEY] = "SELECT " TICKET_COLS T_NCOMMENTS TICKET_FROM
	    "WHERE p.key = :key AND t.num = :num",
	[S_T_COMMENTS] = "SELECT * FROM (SELECT c.id, u.name, c.body, "
	    "c.created FROM comments c JOIN users u ON u.id = c.author_id "
	    "WHERE c.ticket_id = :tid ORDER BY c.id DESC LIMIT :lim) "
	    "ORDER BY id",
	[S_T_COMMENT_ADD] = "INSERT INTO comments (ticket_id, author_id, body, "
	    "created) VALUES (:tid, :uid, :body, :now)",
	[S_T_SET_SUMMARY] = "UPDATE tickets SET summary = :v WHERE id = :tid",
	[S_T_SET_DESC] = "UPDATE tickets SET description = :v WHERE id = :tid",
	[S_T_SET_TYPE] = "UPDATE tickets SET type = :v WHERE id = :tid",
	[S_T_SET_PRIORITY] = "UPDATE tickets SET priority = :v WHERE id = :tid",
	[S_T_SET_ASSIGNEE] = "UPDATE tickets SET assignee_id = :v "
	    "WHERE id = :tid",
	/* Conditional on the status the caller read: a concurrent move
	 * leaves no row changed. */
	[S_T_MOVE] = "UPDATE tickets SET status = :to, "
	    "updated = max(updated, :now) WHERE id = :tid AND status = :from",
	[S_T_TOUCH] = "UPDATE tickets SET updated = max(updated, :now) "
	    "WHERE id = :tid",
	[S_TK_GET] = "SELECT " TICKET_COLS TICKET_FROM "WHERE t.id = :id",
	[S_TK_DEL_COMMENTS] = "DELETE FROM comments WHERE ticket_id = :tid",
	[S_TK_DEL_LABELS] = "DELETE FROM ticket_labels WHERE ticket_id = :tid",
	[S_TK_DEL_FILES] = "DELETE FROM ticket_attachments WHERE "
	    "ticket_id = :tid",
	[S_TK_DEL] = "DELETE FROM tickets WHERE id = :tid",
	[S_T_ONCE_FIND] = "SELECT id FROM tickets WHERE once_token = :token",
	[S_T_ONCE_SET] = "UPDATE tickets SET once_token = :token "
	    "WHERE id = :tid",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_TICKETS, sql, S_COUNT, (size_t)id);
}

const char *const jta_store_orders[] = { "-updated", "updated", "-created",
    "created", NULL };


/* ---- projects ---- */

enum jta_err
jta_store_project_add(struct jta_store *st, const char *key,
    const char *name, const json_t *types, struct jta_error *err)
{
	static const char *const deftypes[] = { "Task", "Bug", "Story" };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 pid;
	size_t		 i, n;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PROJ_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_UNIQUE) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "key",
		    "a project with that key exists already");
		goto out;
	} else if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "project add", err);
		goto out;
	}
	pid = jta_db_last_rowid(st);
	n = types != NULL ? json_array_size(types) : 3;
	for (i = 0; i < n; i++) {
		const char *t = types != NULL ?
		    json_string_value(json_array_get(types, i)) : deftypes[i];

		if (t == NULL || (s = stmt(st, S_PROJ_TYPE_ADD)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
		    (rc = jta_db_bint(s, ":pos", (int64_t)i)) != SQLITE_OK ||
		    (rc = jta_db_btext(s, ":name", t)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "bind", err);
			goto out;
		}
		if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
			ret = jta_error_set(err, JTA_ERR_INPUT, 422, "types",
			    "an issue type is listed twice");
			goto out;
		} else if (rc != SQLITE_OK) {
			ret = jta_db_err(st, rc, "project type add", err);
			goto out;
		}
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* The issue types of project pid as a JSON array. */
static enum jta_err
projtypes(struct jta_store *st, int64_t pid, json_t **out)
{
	sqlite3_stmt	*s;
	json_t		*arr;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_PROJ_TYPES)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(arr, json_string(jta_db_col(s, 0))) !=
		    0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return jta_db_err(st, rc, "project types", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_project_list(struct jta_store *st, json_t **out)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o = NULL, *types = NULL;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_PROJ_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((arr = json_array()) == NULL)
		goto out;
	/* S_PROJ_TYPES runs while S_PROJ_LIST is stepping: SQLite allows
	 * several statements of one connection to be active at once. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((ret = projtypes(st, sqlite3_column_int64(s, 0), &types)) !=
		    JTA_OK)
			goto out;
		o = json_pack("{s:s, s:s, s:o}", "key", jta_db_col(s, 1),
		    "name", jta_db_col(s, 2), "types", types);
		ret = JTA_ERR_NOMEM;
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "project list", NULL);
		goto out;
	}
	*out = arr;
	arr = NULL;
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

/* ---- tickets ---- */

/* Find the ticket with key; *tid and its status (statussz bytes). */
static enum jta_err
findticket(struct jta_store *st, const char *key, int64_t *tid,
    char *status, size_t statussz, struct jta_error *err)
{
	sqlite3_stmt	*s;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	int		 rc;

	/* No ticket has a key that is not one (the backend says why). */
	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return JTA_ERR_NOTFOUND;
	if ((s = stmt(st, S_T_FIND)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":key", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*tid = sqlite3_column_int64(s, 0);
		if (status != NULL)
			snprintf(status, statussz, "%s", jta_db_col(s, 1));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_NOTFOUND;
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "find", err);
}

/* A copy of column i of s ("" for NULL); NULL when memory runs out. */
static char *
coldup(sqlite3_stmt *s, int i)
{
	return strdup(jta_db_col(s, i));
}

/*
 * Column i of s into dst (dstsz bytes, "" for NULL), cut as snprintf's
 * "%s" cuts: at its first NUL or after dstsz - 1 bytes.  A search copies
 * six of these a row: snprintf cost 54,000 instructions a page of 15.
 */
static void
colcpy(char *dst, size_t dstsz, sqlite3_stmt *s, int i)
{
	const char	*v = jta_db_col(s, i);
	size_t		 n = strnlen(v, dstsz - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

int
jta_tickets_row(sqlite3_stmt *s, struct jta_store_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 10);
	t->num = sqlite3_column_int64(s, 1);
	colcpy(t->project, sizeof(t->project), s, 0);
	colcpy(t->status, sizeof(t->status), s, 3);
	colcpy(t->type, sizeof(t->type), s, 4);
	colcpy(t->priority, sizeof(t->priority), s, 5);
	colcpy(t->assignee, sizeof(t->assignee), s, 6);
	colcpy(t->reporter, sizeof(t->reporter), s, 7);
	t->created = sqlite3_column_int64(s, 8);
	t->updated = sqlite3_column_int64(s, 9);
	if ((t->summary = coldup(s, 2)) == NULL ||
	    (sqlite3_column_count(s) > 11 &&
	    (t->description = coldup(s, 11)) == NULL)) {
		jta_store_ticket_clear(t);
		return -1;
	}
	return 0;
}

int
jta_tickets_append(struct jta_store_ticket_list *l, sqlite3_stmt *s)
{
	struct jta_store_ticket *v;

	if (l->n >= SIZE_MAX / sizeof(*v) - 1 || (v = realloc(l->v,
	    (l->n + 1) * sizeof(*v))) == NULL)
		return -1;
	l->v = v;
	if (jta_tickets_row(s, &l->v[l->n]) != 0)
		return -1;
	l->n++;
	return 0;
}

void
jta_store_ticket_clear(struct jta_store_ticket *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	free(t->summary);
	free(t->description);
	for (i = 0; i < t->nlabels; i++)
		free(t->labels[i]);
	free(t->labels);
	t->summary = t->description = NULL;
	t->labels = NULL;
	t->nlabels = 0;
}

void
jta_store_ticket_list_clear(struct jta_store_ticket_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		jta_store_ticket_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

enum jta_err
jta_tickets_labels(struct jta_store *st, int64_t tid,
    struct jta_store_ticket *t)
{
	sqlite3_stmt	*s;
	char		**v;
	int		 rc;

	if ((s = stmt(st, S_T_LABELS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", NULL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (t->nlabels >= SIZE_MAX / sizeof(*v) - 1 ||
		    (v = realloc(t->labels, (t->nlabels + 1) *
		    sizeof(*v))) == NULL)
			break;
		t->labels = v;
		if ((v[t->nlabels] = strdup(jta_db_col(s, 0))) == NULL)
			break;
		t->nlabels++;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return JTA_ERR_NOMEM;
	return rc == SQLITE_DONE ? JTA_OK : jta_db_err(st, rc, "labels", NULL);
}

void
jta_store_issue_clear(struct jta_store_issue *is)
{
	size_t	 i;

	if (is == NULL)
		return;
	jta_store_ticket_clear(&is->t);
	for (i = 0; i < is->ncomments; i++)
		free(is->comments[i].body);
	free(is->comments);
	memset(is, 0, sizeof(*is));
}

/* The whole ticket tid (labels, comment count, last comments) into
 * *out, which the caller clears. */
static enum jta_err
issueread(struct jta_store *st, int64_t tid, struct jta_store_issue *out,
    struct jta_error *err)
{
	return issueget(st, tid, NULL, 0, out, err);
}

/* issueread of the ticket tid, or when proj is not NULL of the ticket
 * proj-num. */
static enum jta_err
issueget(struct jta_store *st, int64_t tid, const char *proj, int64_t num,
    struct jta_store_issue *out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	struct jta_store_comment *c;
	sqlite3_stmt	*s;
	int		 rc, bad = 0;

	memset(out, 0, sizeof(*out));
	if ((s = stmt(st, proj != NULL ? S_T_GET_KEY : S_T_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = (proj != NULL ? jta_db_btext(s, ":key", proj) :
	    jta_db_bint(s, ":tid", tid))) != SQLITE_OK ||
	    (rc = (proj != NULL ? jta_db_bint(s, ":num", num) : SQLITE_OK)) !=
	    SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		bad = jta_tickets_row(s, &out->t);
		tid = sqlite3_column_int64(s, 10);
		out->comment_count = sqlite3_column_int64(s, 12);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "get", err);
	if (bad != 0)
		return JTA_ERR_NOMEM;
	if ((ret = jta_tickets_labels(st, tid, &out->t)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_T_COMMENTS)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":lim", JTA_LIMIT_COMMENTS_SHOWN)) !=
	    SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	ret = JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* At most JTA_LIMIT_COMMENTS_SHOWN rows (the LIMIT). */
		if ((c = realloc(out->comments, (out->ncomments + 1) *
		    sizeof(*c))) == NULL) {
			sqlite3_reset(s);
			goto out;
		}
		out->comments = c;
		c = &c[out->ncomments];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		snprintf(c->author, sizeof(c->author), "%s",
		    jta_db_col(s, 1));
		c->created = sqlite3_column_int64(s, 3);
		if ((c->body = strdup(jta_db_col(s, 2))) == NULL) {
			sqlite3_reset(s);
			goto out;
		}
		out->ncomments++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "comments", err);
		goto out;
	}
	ret = JTA_OK;
out:
	if (ret != JTA_OK)
		jta_store_issue_clear(out);
	return ret;
}

/* The canonical name of issue type `type` in project pid (matched as the
 * column's collation does: ASCII case ignored), or the project's first
 * type when type is NULL.  JTA_ERR_INPUT, err untouched, when the project
 * has no such type. */
static enum jta_err
projtype(struct jta_store *st, int64_t pid, const char *type, char *out,
    size_t outsz, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, type ? S_PROJ_TYPE_FIND : S_PROJ_TYPE_FIRST)) ==
	    NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
	    (type != NULL &&
		(rc = jta_db_btext(s, ":name", type)) != SQLITE_OK))
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, outsz, "%s", jta_db_col(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return JTA_OK;
	return rc == SQLITE_DONE ? JTA_ERR_INPUT : jta_db_err(st, rc, "type",
	    err);
}

/* The id of the user named name, for an assignee: JTA_ERR_INPUT, err
 * untouched, when there is none. */
static enum jta_err
assigneeid(struct jta_store *st, const char *name, int64_t *id,
    struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_error scratch;
	enum jta_err	 rc;

	memset(&scratch, 0, sizeof(scratch));
	if ((rc = jta_store_user_get(st, name, &u, &scratch)) ==
	    JTA_ERR_NOTFOUND)
		return JTA_ERR_INPUT;
	if (rc != JTA_OK) {
		if (err != NULL)
			*err = scratch;
		return rc;
	}
	*id = u.id;
	return JTA_OK;
}

static enum jta_err
setlabels(struct jta_store *st, int64_t tid, const json_t *arr,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	const json_t	*v;
	size_t		 i;
	int		 rc;

	if ((s = stmt(st, S_T_LABEL_CLEAR)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "labels", err);
	json_array_foreach(arr, i, v) {
		if ((s = stmt(st, S_T_LABEL_ADD)) == NULL)
			return jta_db_err(st, SQLITE_ERROR, "prepare", err);
		if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = jta_db_btext(s, ":label", json_string_value(v))) !=
		    SQLITE_OK || (rc = jta_db_run(s)) != SQLITE_OK)
			return jta_db_err(st, rc, "label", err);
	}
	return JTA_OK;
}

static const char *
fstr(const json_t *fields, const char *name)
{
	return json_string_value(json_object_get(fields, name));
}

/* Insert a ticket in project key; *tid gets its id. */
static enum jta_err
insertticket(struct jta_store *st, const struct jta_user *reporter,
    const char *project, const json_t *fields, const char *status,
    int64_t *tid, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const char	*v;
	const json_t	*a;
	char		 type[JTA_LIMIT_NAME + 1];
	int64_t		 pid, num, aid = 0;
	int		 rc;

	if ((s = stmt(st, S_PROJ_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":key", project)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	pid = sqlite3_column_int64(s, 0);
	num = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_INPUT;
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "project", err);
	if ((ret = projtype(st, pid, fstr(fields, "type"), type,
	    sizeof(type), err)) != JTA_OK)
		return ret;
	if ((v = fstr(fields, "assignee")) != NULL &&
	    (ret = assigneeid(st, v, &aid, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PROJ_BUMP)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "number", err);
	if ((s = stmt(st, S_T_INSERT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	v = fstr(fields, "priority");
	if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":type", type)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":summary", fstr(fields, "summary"))) !=
	    SQLITE_OK ||
	    (rc = jta_db_btext(s, ":desc", fstr(fields, "description") ?
	    fstr(fields, "description") : "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":status", status)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":priority", v ? v : "Medium")) !=
	    SQLITE_OK ||
	    (rc = jta_db_bint(s, ":reporter", reporter->id)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":assignee", aid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "insert", err);
	*tid = jta_db_last_rowid(st);
	if ((a = json_object_get(fields, "labels")) != NULL &&
	    json_is_array(a) && (ret = setlabels(st, *tid, a, err)) != JTA_OK)
		return ret;
	return JTA_OK;
}

enum jta_err
jta_store_ticket_create(struct jta_store *st, const struct jta_user *reporter,
    const json_t *fields, struct jta_store_issue *out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	memset(out, 0, sizeof(*out));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = insertticket(st, reporter, fstr(fields, "project"), fields,
	    "Open", &tid, err)) != JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK) {
		jta_db_rollback(st);
		return ret;
	}
	return issueread(st, tid, out, err);
}

enum jta_err
jta_store_ticket_get(struct jta_store *st, const char *key,
    struct jta_store_issue *out, struct jta_error *err)
{
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;

	memset(out, 0, sizeof(*out));
	/* No ticket has a key that is not one (the backend says why). */
	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return JTA_ERR_NOTFOUND;
	return issueget(st, 0, proj, num, out, err);
}

static enum jta_err
setfield(struct jta_store *st, enum sid id, int64_t tid, const char *v,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":v", v)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "update", err);
	return JTA_OK;
}

static enum jta_err
touch(struct jta_store *st, int64_t tid, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_T_TOUCH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "touch", err);
	return JTA_OK;
}

/* Apply the ticket-API fields present in fields to ticket tid. */
static enum jta_err
applyfields(struct jta_store *st, int64_t tid, const json_t *fields,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const json_t	*v;
	char		 type[JTA_LIMIT_NAME + 1];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 aid, pid;
	int		 rc;

	if ((v = json_object_get(fields, "summary")) != NULL &&
	    (ret = setfield(st, S_T_SET_SUMMARY, tid, json_string_value(v),
	    err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "description")) != NULL &&
	    (ret = setfield(st, S_T_SET_DESC, tid, json_is_null(v) ? "" :
	    json_string_value(v), err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "priority")) != NULL &&
	    (ret = setfield(st, S_T_SET_PRIORITY, tid, json_string_value(v),
	    err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "type")) != NULL) {
		if ((s = stmt(st, S_T_GET)) == NULL)
			return jta_db_err(st, SQLITE_ERROR, "prepare", err);
		/* The project of the ticket, for its allowed types. */
		if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_reset(s);
			return jta_db_err(st, rc, "get", err);
		}
		snprintf(proj, sizeof(proj), "%s", jta_db_col(s, 0));
		sqlite3_reset(s);
		if ((s = stmt(st, S_PROJ_GET)) == NULL)
			return jta_db_err(st, SQLITE_ERROR, "prepare", err);
		if ((rc = jta_db_btext(s, ":key", proj)) != SQLITE_OK ||
		    (rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_reset(s);
			return jta_db_err(st, rc, "project", err);
		}
		pid = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if ((ret = projtype(st, pid, json_string_value(v), type,
		    sizeof(type), err)) != JTA_OK ||
		    (ret = setfield(st, S_T_SET_TYPE, tid, type, err)) !=
		    JTA_OK)
			return ret;
	}
	if ((v = json_object_get(fields, "assignee")) != NULL) {
		aid = 0;
		if (!json_is_null(v) && (ret = assigneeid(st,
		    json_string_value(v), &aid, err)) != JTA_OK)
			return ret;
		if ((s = stmt(st, S_T_SET_ASSIGNEE)) == NULL)
			return jta_db_err(st, SQLITE_ERROR, "prepare", err);
		if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = jta_db_bint0(s, ":v", aid)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK)
			return jta_db_err(st, rc, "assignee", err);
	}
	if ((v = json_object_get(fields, "labels")) != NULL &&
	    (ret = setlabels(st, tid, json_is_null(v) ? NULL : v, err)) !=
	    JTA_OK)
		return ret;
	return touch(st, tid, err);
}

enum jta_err
jta_store_ticket_update(struct jta_store *st, const char *key,
    const json_t *fields, struct jta_store_issue *out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	memset(out, 0, sizeof(*out));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK ||
	    (ret = applyfields(st, tid, fields, err)) != JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK) {
		jta_db_rollback(st);
		return ret;
	}
	return issueread(st, tid, out, err);
}

enum jta_err
jta_store_ticket_comment(struct jta_store *st, const char *key,
    const struct jta_user *author, const char *body,
    struct jta_store_comment *out, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 tid, now = jta_time_now();
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK)
		goto fail;
	if ((s = stmt(st, S_T_COMMENT_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto fail;
	}
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", author->id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":body", body)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "comment", err);
		goto fail;
	}
	out->id = jta_db_last_rowid(st);
	out->created = now;
	snprintf(out->author, sizeof(out->author), "%s", author->name);
	if ((out->body = strdup(body)) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto fail;
	}
	if ((ret = touch(st, tid, err)) != JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK)
		goto fail;
	return JTA_OK;
fail:
	jta_store_comment_clear(out);
	jta_db_rollback(st);
	return ret;
}

void
jta_store_comment_clear(struct jta_store_comment *c)
{
	if (c == NULL)
		return;
	free(c->body);
	c->body = NULL;
}

enum jta_err
jta_store_ticket_status(struct jta_store *st, const char *key, char *status,
    size_t statussz, struct jta_error *err)
{
	int64_t		 tid;

	return findticket(st, key, &tid, status, statussz, err);
}

/* Move ticket tid from status from to status to, inside the caller's
 * transaction: JTA_ERR_CONFLICT when its status is no longer from. */
static enum jta_err
move(struct jta_store *st, int64_t tid, const char *from, const char *to,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_T_MOVE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":from", from)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":to", to)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "move", err);
	return jta_db_changes(st) == 0 ? JTA_ERR_CONFLICT : JTA_OK;
}

enum jta_err
jta_store_ticket_move(struct jta_store *st, const char *key,
    const char *from, const char *to, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK ||
	    (ret = move(st, tid, from, to, err)) != JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* ---- /api/tickets/ ---- */

enum jta_err
jta_store_tk_get(struct jta_store *st, int64_t id,
    struct jta_store_ticket *out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc, bad = 0;

	memset(out, 0, sizeof(*out));
	if ((s = stmt(st, S_TK_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		bad = jta_tickets_row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "get", err);
	if (bad != 0) {
		jta_store_ticket_clear(out);
		return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

/* Whether ticket id exists (JTA_ERR_NOTFOUND when not). */
static enum jta_err
tkexists(struct jta_store *st, int64_t id, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TK_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_NOTFOUND;
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "get", err);
}

enum jta_err
jta_store_tk_create(struct jta_store *st, const struct jta_user *reporter,
    const char *project, const json_t *fields, const char *status,
    int64_t *id, struct jta_error *err)
{
	enum jta_err	 ret;

	*id = 0;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = insertticket(st, reporter, project, fields, status, id,
	    err)) != JTA_OK || (ret = jta_db_commit(st, err)) != JTA_OK) {
		jta_db_rollback(st);
		*id = 0;
	}
	return ret;
}

enum jta_err
jta_store_tk_update(struct jta_store *st, int64_t id, const json_t *fields,
    const char *from, const char *to, struct jta_error *err)
{
	enum jta_err	 ret;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = tkexists(st, id, err)) != JTA_OK ||
	    (ret = applyfields(st, id, fields, err)) != JTA_OK ||
	    (to != NULL && (ret = move(st, id, from, to, err)) != JTA_OK) ||
	    (ret = jta_db_commit(st, err)) != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_tk_delete(struct jta_store *st, int64_t id, struct jta_error *err)
{
	static const enum sid steps[] = { S_TK_DEL_COMMENTS, S_TK_DEL_LABELS,
	    S_TK_DEL_FILES, S_TK_DEL };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = tkexists(st, id, err)) != JTA_OK)
		goto fail;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((s = stmt(st, steps[i])) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto fail;
		}
		if ((rc = jta_db_bint(s, ":tid", id)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "delete", err);
			goto fail;
		}
	}
	if ((ret = jta_db_commit(st, err)) != JTA_OK)
		goto fail;
	return JTA_OK;
fail:
	jta_db_rollback(st);
	return ret;
}

/* The ticket carrying token, inside the caller's transaction or not:
 * *tid 0 when there is none. */
static enum jta_err
oncefind(struct jta_store *st, const char *token, int64_t *tid,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*tid = 0;
	if ((s = stmt(st, S_T_ONCE_FIND)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":token", token)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*tid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JTA_OK :
	    jta_db_err(st, rc, "once find", err);
}

enum jta_err
jta_store_ticket_create_once(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields, const char *token,
    int *created, struct jta_store_issue *out, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 tid = 0;
	int		 rc;

	memset(out, 0, sizeof(*out));
	*created = 0;
	if (token == NULL)
		return jta_store_ticket_create(st, reporter, fields, out, err);
	if (!jta_db_printable(token, JTA_LIMIT_ONCE_TOKEN))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the submit token is malformed");
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = oncefind(st, token, &tid, err)) != JTA_OK)
		goto out;
	if (tid == 0) {
		if ((ret = insertticket(st, reporter, fstr(fields, "project"),
		    fields, "Open", &tid, err)) != JTA_OK)
			goto out;
		if ((s = stmt(st, S_T_ONCE_SET)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_btext(s, ":token", token)) != SQLITE_OK ||
		    (rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "once set", err);
			goto out;
		}
		*created = 1;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK) {
		jta_db_rollback(st);
		*created = 0;
		return ret;
	}
	return issueread(st, tid, out, err);
}

enum jta_err
jta_store_ticket_by_once(struct jta_store *st, const char *token,
    struct jta_store_issue *out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	memset(out, 0, sizeof(*out));
	if ((ret = oncefind(st, token, &tid, err)) != JTA_OK)
		return ret;
	if (tid == 0)
		return JTA_ERR_NOTFOUND;
	return issueread(st, tid, out, err);
}

