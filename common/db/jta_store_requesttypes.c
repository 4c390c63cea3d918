/*
 * The embedded store's request types with SQLite
 * (jta_store_requesttypes.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_sqlite.h"
#include "jta_limits.h"
#include "jta_store_requesttypes.h"
#include "jta_text.h"
#include "jta_time.h"

enum sid {
	S_PROJ,
	S_COUNT_TYPES,
	S_ADD,
	S_LIST,
	S_FIND,
	S_USED,
	S_DEL,
	S_TICKET,
	S_MARK,
	S_REQS,
	S_OF,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_PROJ] = "SELECT id FROM projects WHERE key = :key",
	[S_COUNT_TYPES] = "SELECT count(*) FROM request_types WHERE "
	    "project_id = :pid",
	[S_ADD] = "INSERT INTO request_types (project_id, name, description, "
	    "help_text, fields, created) VALUES (:pid, :name, :desc, :help, "
	    ":fields, :now)",
	[S_LIST] = "SELECT r.id, p.key, p.name, r.name, r.description, "
	    "r.help_text, r.fields FROM request_types r JOIN projects p ON "
	    "p.id = r.project_id WHERE (:key IS NULL OR p.key = :key) "
	    "ORDER BY p.key, r.id LIMIT :max",
	[S_FIND] = "SELECT r.id FROM request_types r JOIN projects p ON "
	    "p.id = r.project_id WHERE p.key = :key AND r.name = :name",
	[S_USED] = "SELECT count(*) FROM ticket_request_types WHERE "
	    "request_type_id = :id",
	[S_DEL] = "DELETE FROM request_types WHERE id = :id",
	/* the ticket of key, and whether type id is of its project */
	[S_TICKET] = "SELECT t.id, (SELECT count(*) FROM request_types r "
	    "WHERE r.id = :id AND r.project_id = t.project_id) FROM tickets t "
	    "JOIN projects p ON p.id = t.project_id WHERE p.key = :key AND "
	    "t.num = :num",
	[S_MARK] = "INSERT OR IGNORE INTO ticket_request_types (ticket_id, "
	    "request_type_id) VALUES (:tid, :id)",
	[S_REQS] = "SELECT p.key || '-' || t.num, r.id, r.name FROM "
	    "ticket_request_types x JOIN tickets t ON t.id = x.ticket_id "
	    "JOIN projects p ON p.id = t.project_id JOIN request_types r ON "
	    "r.id = x.request_type_id WHERE t.reporter_id = :uid AND "
	    "(:rt = 0 OR r.id = :rt) ORDER BY t.created DESC, t.id DESC "
	    "LIMIT :max",
	[S_OF] = "SELECT r.id, r.name, p.key FROM ticket_request_types x "
	    "JOIN tickets t ON t.id = x.ticket_id JOIN projects p ON p.id = "
	    "t.project_id JOIN request_types r ON r.id = x.request_type_id "
	    "WHERE p.key = :key AND t.num = :num",
};

static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_REQUESTTYPES, sql, S_COUNT,
	    (size_t)id);
}

/* One integer of a statement bound already; rc an SQLite code. */
static int
one(sqlite3_stmt *s, int64_t *v)
{
	int	 rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc;
}

enum jta_err
jta_store_rtype_add(struct jta_store *st, const char *project,
    const char *name, const char *description, const char *help_text,
    const char *fields, int64_t *id, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int64_t		 pid = 0, n = 0;
	enum jta_err	 ret;
	int		 rc;

	*id = 0;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PROJ)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":key", project)) != SQLITE_OK ||
	    ((rc = one(s, &pid)) != SQLITE_ROW && rc != SQLITE_DONE)) {
		ret = jta_db_err(st, rc, "project", err);
		goto out;
	}
	if (pid == 0) {
		ret = JTA_ERR_NOTFOUND;
		goto out;
	}
	if ((s = stmt(st, S_COUNT_TYPES)) == NULL ||
	    (rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = one(s, &n)) != SQLITE_ROW) {
		ret = jta_db_err(st, s == NULL ? SQLITE_ERROR : rc, "count",
		    err);
		goto out;
	}
	if (n >= JTA_LIMIT_RT_TYPES) {
		ret = JTA_ERR_INPUT;
		goto out;
	}
	if ((s = stmt(st, S_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":desc", description != NULL ? description :
	    "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":help", help_text != NULL ? help_text :
	    "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":fields", fields != NULL ? fields : "")) !=
	    SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = jta_db_run(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ret = JTA_ERR_CONFLICT;
		goto out;
	}
	if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "add", err);
		goto out;
	}
	*id = jta_db_last_rowid(st);
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* "a,b,c" as a new array of its non-empty parts. */
static json_t *
split(const char *list)
{
	json_t		*a = json_array();
	const char	*p = list, *e;

	while (a != NULL && p != NULL && *p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p && json_array_append_new(a, json_stringn(p,
		    (size_t)(e - p))) != 0) {
			json_decref(a);
			return NULL;
		}
		p = *e == ',' ? e + 1 : e;
	}
	return a;
}

enum jta_err
jta_store_rtype_list(struct jta_store *st, const char *project,
    json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*row;
	char		 id[24];
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((project != NULL && (rc = jta_db_btext(s, ":key", project)) !=
	    SQLITE_OK) || (rc = jta_db_bint(s, ":max",
	    JTA_LIMIT_RT_TYPES * 100)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((*out = json_array()) == NULL) {
		sqlite3_reset(s);
		return JTA_ERR_NOMEM;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(s, 0));
		if ((row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o*}",
		    "id", id, "project", jta_db_col(s, 1), "project_name",
		    jta_db_col(s, 2), "name", jta_db_col(s, 3), "description",
		    jta_db_col(s, 4), "help_text", jta_db_col(s, 5), "fields",
		    split(jta_db_col(s, 6)))) == NULL ||
		    json_array_append_new(*out, row) != 0) {
			sqlite3_reset(s);
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return jta_db_err(st, rc, "list", err);
	}
	return JTA_OK;
}

enum jta_err
jta_store_rtype_remove(struct jta_store *st, const char *project,
    const char *name, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int64_t		 id = 0, used = 0;
	enum jta_err	 ret;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FIND)) == NULL ||
	    (rc = jta_db_btext(s, ":key", project)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    ((rc = one(s, &id)) != SQLITE_ROW && rc != SQLITE_DONE)) {
		ret = jta_db_err(st, s == NULL ? SQLITE_ERROR : rc, "find",
		    err);
		goto out;
	}
	if (id == 0) {
		ret = JTA_ERR_NOTFOUND;
		goto out;
	}
	if ((s = stmt(st, S_USED)) == NULL ||
	    (rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = one(s, &used)) != SQLITE_ROW) {
		ret = jta_db_err(st, s == NULL ? SQLITE_ERROR : rc, "used",
		    err);
		goto out;
	}
	if (used > 0) {
		ret = JTA_ERR_CONFLICT;
		goto out;
	}
	if ((s = stmt(st, S_DEL)) == NULL ||
	    (rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, s == NULL ? SQLITE_ERROR : rc, "remove",
		    err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_rtype_mark(struct jta_store *st, const char *key, int64_t id,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num, tid = 0, same = 0;
	int		 rc;

	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return JTA_ERR_NOTFOUND;
	if ((s = stmt(st, S_TICKET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		tid = sqlite3_column_int64(s, 0);
		same = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jta_db_err(st, rc, "ticket", err);
	if (tid == 0 || same == 0)
		return JTA_ERR_NOTFOUND;
	if ((s = stmt(st, S_MARK)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "mark", err);
	return JTA_OK;
}

enum jta_err
jta_store_rtype_requests(struct jta_store *st, int64_t reporter,
    int64_t request_type, json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*row;
	char		 id[24];
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_REQS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", reporter)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":rt", request_type)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":max", JTA_LIMIT_RT_REQUESTS)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((*out = json_array()) == NULL) {
		sqlite3_reset(s);
		return JTA_ERR_NOMEM;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(s, 1));
		if ((row = json_pack("{s:s, s:s, s:s}", "key", jta_db_col(s, 0),
		    "request_type_id", id, "request_type",
		    jta_db_col(s, 2))) == NULL ||
		    json_array_append_new(*out, row) != 0) {
			sqlite3_reset(s);
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return jta_db_err(st, rc, "requests", err);
	}
	return JTA_OK;
}

enum jta_err
jta_store_rtype_of(struct jta_store *st, const char *key, json_t **out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1], id[24];
	int64_t		 num;
	int		 rc;

	*out = NULL;
	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return JTA_ERR_NOTFOUND;
	if ((s = stmt(st, S_OF)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":key", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(s, 0));
		*out = json_pack("{s:s, s:s, s:s}", "id", id, "name",
		    jta_db_col(s, 1), "project", jta_db_col(s, 2));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return JTA_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "request type of", err);
	return *out != NULL ? JTA_OK : JTA_ERR_NOMEM;
}
