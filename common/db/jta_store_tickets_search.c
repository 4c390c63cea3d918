/*
 * The ticket repository's reads that rank or page: the search of the
 * ticket API (keyset pagination over FTS5), similar tickets (bm25) and
 * the user look-up of the assignee picker (jta_store_tickets.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jta_db_sqlite.h"
#include "jta_text.h"
#include "jta_store_tickets.h"
#include "jta_store_kb.h"
#include "jta_store_tickets_int.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_SEARCH_UPDATED_DESC,
	S_SEARCH_UPDATED_ASC,
	S_SEARCH_CREATED_DESC,
	S_SEARCH_CREATED_ASC,
	S_TEXT_UPDATED_DESC,
	S_TEXT_UPDATED_ASC,
	S_TEXT_CREATED_DESC,
	S_TEXT_CREATED_ASC,
	S_SIMILAR,
	S_USER_FIND,
	S_COUNT
};

#define SEARCH_WHERE \
	"WHERE (:project IS NULL OR p.key = :project) " \
	"AND (:status IS NULL OR t.status = :status) " \
	"AND (:type IS NULL OR t.type = :type COLLATE NOCASE) " \
	"AND (:priority IS NULL OR t.priority = :priority) " \
	"AND (:label IS NULL OR EXISTS (SELECT 1 FROM ticket_labels l " \
	"WHERE l.ticket_id = t.id AND l.label = :label)) " \
	"AND (:assignee IS NULL OR a.name = :assignee) " \
	"AND (:reporter IS NULL OR r.name = :reporter) " \
	"AND (:cfrom IS NULL OR t.created >= :cfrom) " \
	"AND (:cto IS NULL OR t.created <= :cto) " \
	"AND (:ufrom IS NULL OR t.updated >= :ufrom) " \
	"AND (:uto IS NULL OR t.updated <= :uto) "
/* Keyset pagination: rows after (:cv, :cid) in the order, then a page. */
#define SEARCH_AFTER(col, cmp) \
	"AND (:cv IS NULL OR t." col " " cmp " :cv OR (t." col " = :cv " \
	"AND t.id " cmp " :cid)) "
#define SEARCH_PAGE(col, cmp, dir) \
	SEARCH_AFTER(col, cmp) "ORDER BY t." col " " dir ", t.id " dir \
	" LIMIT :lim"
#define SEARCH(col, cmp, dir) \
	"SELECT " TICKET_COLS TICKET_FROM SEARCH_WHERE \
	SEARCH_PAGE(col, cmp, dir)
/*
 * With words to find, the index drives: its matches are joined to their
 * tickets and only they are filtered, so the cost follows the matches,
 * not the store (walking the order's index and testing each ticket
 * against the matches read every ticket when few match: 2 ms of CPU a
 * search at 20,000 tickets, tests/bench/bench_store.py).  Every match
 * after the cursor comes out, in no order, and jta_store_ticket_search
 * keeps the page's in a heap (jta_tickets_keep): no sorter, no
 * materialised table (the page chosen in SQL on the sort columns, then
 * its rows read again, cost 346,000 instructions for 15 matches at 1,000
 * tickets, of which the two MATERIALIZED tables about 80,000 and the
 * sorter 50,000; README "Embedded store: search and read speed", sixth
 * pass).
 */
#define SEARCH_TEXT(col, cmp) \
	"SELECT " TICKET_COLS "FROM ticket_fts " \
	"CROSS JOIN tickets t ON t.id = ticket_fts.rowid " \
	"JOIN projects p ON p.id = t.project_id " \
	"JOIN users r ON r.id = t.reporter_id " \
	"LEFT JOIN users a ON a.id = t.assignee_id " SEARCH_WHERE \
	"AND ticket_fts MATCH :text " SEARCH_AFTER(col, cmp)

static const char *const sql[S_COUNT] = {
	[S_SEARCH_UPDATED_DESC] = SEARCH("updated", "<", "DESC"),
	[S_SEARCH_UPDATED_ASC] = SEARCH("updated", ">", "ASC"),
	[S_SEARCH_CREATED_DESC] = SEARCH("created", "<", "DESC"),
	[S_SEARCH_CREATED_ASC] = SEARCH("created", ">", "ASC"),
	[S_TEXT_UPDATED_DESC] = SEARCH_TEXT("updated", "<"),
	[S_TEXT_UPDATED_ASC] = SEARCH_TEXT("updated", ">"),
	[S_TEXT_CREATED_DESC] = SEARCH_TEXT("created", "<"),
	[S_TEXT_CREATED_ASC] = SEARCH_TEXT("created", ">"),
	/* Similar tickets: bm25 with a summary match worth ten of a
	 * comment's and a description's three (lower bm25 is better),
	 * summed over both indexes (schema 12): ticket_fts's words and
	 * ticket_tri's three-character windows of Japanese or Chinese
	 * (a NULL :t matches nothing there), as the knowledge base ranks
	 * (jta_store_kb.c). */
	[S_SIMILAR] = "WITH fw AS MATERIALIZED (SELECT rowid AS id, "
	    "bm25(ticket_fts, 10.0, 3.0, 1.0) AS r FROM ticket_fts WHERE "
	    "ticket_fts MATCH :q), ft AS MATERIALIZED (SELECT rowid AS id, "
	    "bm25(ticket_tri, 10.0, 3.0, 1.0) AS r FROM ticket_tri WHERE "
	    ":t IS NOT NULL AND ticket_tri MATCH :t), m AS (SELECT id FROM "
	    "fw UNION SELECT id FROM ft) "
	    "SELECT " TICKET_COLS ", coalesce(fw.r, 0.0) + coalesce(ft.r, "
	    "0.0) AS rank FROM m JOIN tickets t ON t.id = m.id "
	    "JOIN projects p ON p.id = t.project_id "
	    "JOIN users r ON r.id = t.reporter_id "
	    "LEFT JOIN users a ON a.id = t.assignee_id "
	    "LEFT JOIN fw ON fw.id = t.id LEFT JOIN ft ON ft.id = t.id "
	    "WHERE (:project IS NULL OR p.key = :project) "
	    "ORDER BY rank, t.id DESC LIMIT :lim",
	[S_USER_FIND] = "SELECT name, display_name, email FROM users "
	    "WHERE instr(lower(name), lower(:q)) > 0 "
	    "OR instr(lower(display_name), lower(:q)) > 0 "
	    "OR instr(lower(email), lower(:q)) > 0 ORDER BY name LIMIT :lim",
};

/* Statement id of this file, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_TICKETS_SEARCH, sql, S_COUNT,
	    (size_t)id);
}

/* ---- search ---- */

/*
 * Turn free words into an FTS5 query that cannot be an FTS5 expression:
 * each blank-separated word becomes a quoted string (quotes doubled), all
 * of them required.  Returns 0, -1 when there is no word, -2 when the
 * query does not fit in out.
 */
static int
ftsquery(const char *text, char *out, size_t outsz)
{
	size_t	 o = 0, words = 0;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		words++;
		/* Every byte may double (a quote) and each word adds three:
		 * a text that does not fit is refused, never cut, since a
		 * dropped word would widen the search. */
		if (o + 4 >= outsz)
			return -2;
		if (o > 0)
			out[o++] = ' ';
		out[o++] = '"';
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (o + 4 >= outsz)
				return -2;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	return words == 0 ? -1 : 0;
}

/* A cursor is base64url("ORDER|VALUE|ID"): where the last page ended. */
static int
cursor_make(size_t order, int64_t v, int64_t id, char *out, size_t outsz)
{
	char	 raw[64];
	int	 n;

	n = snprintf(raw, sizeof(raw), "%zu|%" PRId64 "|%" PRId64, order, v,
	    id);
	if (n < 0 || (size_t)n >= sizeof(raw) || outsz <
	    sodium_base64_ENCODED_LEN((size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	sodium_bin2base64(out, outsz, (const unsigned char *)raw, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

static int
cursor_read(const char *c, size_t order, int64_t *v, int64_t *id)
{
	unsigned char	 raw[64];
	const char	*p, *q;
	size_t		 len = 0;
	uint64_t	 o, a, b;

	if (strlen(c) > JTA_LIMIT_CURSOR ||
	    sodium_base642bin(raw, sizeof(raw) - 1, c, strlen(c), NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	raw[len] = '\0';
	p = (const char *)raw;
	if (strlen(p) != len || (q = strchr(p, '|')) == NULL ||
	    jta_text_parse_uint(p, (size_t)(q - p), 16, &o) != 0 || o != order)
		return -1;
	p = q + 1;
	if ((q = strchr(p, '|')) == NULL ||
	    jta_text_parse_uint(p, (size_t)(q - p), INT64_MAX, &a) != 0 ||
	    jta_text_parse_uint(q + 1, strlen(q + 1), INT64_MAX, &b) != 0)
		return -1;
	*v = (int64_t)a;
	*id = (int64_t)b;
	return 0;
}

/*
 * The orders of jta_store_orders on rows: by the sort column, then by id
 * in the same direction (SEARCH_PAGE's order; ids are unique, so no two
 * rows tie).
 */
#define CMP3(x, y)	((x) < (y) ? -1 : (x) > (y))

static int
byupdated_desc(const void *a, const void *b)
{
	const struct jta_store_ticket *x = a, *y = b;

	return x->updated != y->updated ? CMP3(y->updated, x->updated) :
	    CMP3(y->id, x->id);
}

static int
byupdated_asc(const void *a, const void *b)
{
	return byupdated_desc(b, a);
}

static int
bycreated_desc(const void *a, const void *b)
{
	const struct jta_store_ticket *x = a, *y = b;

	return x->created != y->created ? CMP3(y->created, x->created) :
	    CMP3(y->id, x->id);
}

static int
bycreated_asc(const void *a, const void *b)
{
	return bycreated_desc(b, a);
}

enum jta_err
jta_store_ticket_search(struct jta_store *st, const struct jta_search *q,
    struct jta_store_ticket_list *out, char *next, size_t nextsz,
    struct jta_error *err)
{
	static const enum sid byorder[] = { S_SEARCH_UPDATED_DESC,
	    S_SEARCH_UPDATED_ASC, S_SEARCH_CREATED_DESC, S_SEARCH_CREATED_ASC };
	static const enum sid bytext[] = { S_TEXT_UPDATED_DESC,
	    S_TEXT_UPDATED_ASC, S_TEXT_CREATED_DESC, S_TEXT_CREATED_ASC };
	static int (*const sorts[])(const void *, const void *) = {
	    byupdated_desc, byupdated_asc, bycreated_desc, bycreated_asc };
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	char		 fts[1200];
	size_t		 order = 0, n = 0, limit;
	int64_t		 cv = 0, cid = 0;
	int		 rc, fq, more;

	memset(out, 0, sizeof(*out));
	if (nextsz > 0)
		next[0] = '\0';
	if (q->order != NULL)
		for (order = 0; jta_store_orders[order] != NULL; order++)
			if (strcmp(jta_store_orders[order], q->order) == 0)
				break;
	/* The caller checked the order: another is a bug of ours. */
	if (jta_store_orders[order] == NULL)
		return JTA_ERR_INTERNAL;
	if (q->cursor != NULL && cursor_read(q->cursor, order, &cv, &cid) != 0)
		return JTA_ERR_NOTFOUND;
	limit = q->limit == 0 ? JTA_LIMIT_PAGE_DEFAULT : q->limit;
	fq = q->text != NULL ? ftsquery(q->text, fts, sizeof(fts)) : -1;
	if (fq == -2)
		return JTA_ERR_INPUT;
	if ((s = stmt(st, fq == 0 ? bytext[order] : byorder[order])) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":project", q->project)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":status", q->status)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":type", q->type)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":priority", q->priority)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":label", q->label)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":assignee", q->assignee)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":reporter", q->reporter)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":cfrom", q->created_from)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":cto", q->created_to)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":ufrom", q->updated_from)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":uto", q->updated_to)) != SQLITE_OK ||
	    (rc = (fq == 0 ? jta_db_btext(s, ":text", fts) : SQLITE_OK)) !=
	    SQLITE_OK ||
	    (rc = (q->cursor ? jta_db_bint(s, ":cv", cv) : SQLITE_OK)) !=
	    SQLITE_OK ||
	    (rc = jta_db_bint(s, ":cid", cid)) != SQLITE_OK ||
	    /* One row more than asked tells whether a next page exists
	     * (the text statements have no LIMIT: heapkeep keeps as
	     * many). */
	    (rc = (fq != 0 ? jta_db_bint(s, ":lim", (int64_t)limit + 1) :
	    SQLITE_OK)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fq == 0) {
			/* sorts[] compare times and ids only. */
			if (jta_tickets_keep(out, limit + 1, s, sorts[order],
			    1) != 0)
				goto out;
			continue;
		}
		if (out->n == limit)
			break;
		if (jta_tickets_append(out, s) != 0)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "search", err);
		goto out;
	}
	/* No row, no array: qsort wants one even for none. */
	if (fq == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), sorts[order]);
	more = rc == SQLITE_ROW || out->n > limit;
	while (out->n > limit)
		jta_store_ticket_clear(&out->v[--out->n]);
	n = out->n;
	if (more && n > 0 && cursor_make(order, order < 2 ?
	    out->v[n - 1].updated : out->v[n - 1].created, out->v[n - 1].id,
	    next, nextsz) != 0) {
		ret = JTA_ERR_INTERNAL;
		goto out;
	}
	out->count = (int64_t)n;
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	if (ret != JTA_OK) {
		jta_store_ticket_list_clear(out);
		if (nextsz > 0)
			next[0] = '\0';
	}
	return ret;
}

/* ---- similar tickets and user look-up ---- */

/*
 * The FTS5 query for a similar search: every term a quoted string, joined
 * by OR (any term may match; bm25 ranks the tickets holding more of them,
 * and rarer ones, first).  Terms hold no '"' (jta_suggest_terms), but
 * quotes are doubled anyway, as FTS5 strings want.  Returns 0, or -1 when
 * there is no term or out is too small.
 */
static int
ftsany(const struct jta_suggest_terms *t, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	const char *p;

	if (t->n == 0 || outsz == 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (o + 6 >= outsz)
			return -1;
		if (i > 0) {
			memcpy(out + o, " OR ", 4);
			o += 4;
		}
		out[o++] = '"';
		for (p = t->term[i]; *p != '\0'; p++) {
			if (o + 3 >= outsz)
				return -1;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	return 0;
}

enum jta_err
jta_store_ticket_similar(struct jta_store *st,
    const struct jta_suggest_terms *terms, const char *project, size_t limit,
    struct jta_store_ticket_list *out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	struct jta_store_ticket *t;
	struct jta_store_kb_query *kq = NULL;
	struct jta_error qerr;
	char		 q[2 * JTA_LIMIT_TEXT_QUERY + 8 *
			    JTA_LIMIT_SIMILAR_TERMS + 1];
	char		 joined[JTA_LIMIT_TEXT_QUERY + 1];
	size_t		 i, o = 0, n;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (ftsany(terms, q, sizeof(q)) != 0)
		return JTA_ERR_INPUT;
	/* The trigram query of the terms' Japanese or Chinese runs, made
	 * as the knowledge base makes its own (jta_store_kb_queries); the
	 * terms are the text's words, so they fit the text's limit. */
	joined[0] = '\0';
	for (i = 0; i < terms->n; i++) {
		n = strlen(terms->term[i]);
		if (o + n + 1 >= sizeof(joined))
			break;
		if (o > 0)
			joined[o++] = ' ';
		memcpy(joined + o, terms->term[i], n);
		o += n;
		joined[o] = '\0';
	}
	if ((kq = malloc(sizeof(*kq))) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	memset(&qerr, 0, sizeof(qerr));
	if (jta_store_kb_queries(joined, kq, &qerr) != JTA_OK)
		kq->tri[0] = '\0';
	if (limit == 0 || limit > JTA_LIMIT_SIMILAR_MAX)
		limit = JTA_LIMIT_SIMILAR_DEFAULT;
	if ((s = stmt(st, S_SIMILAR)) == NULL) {
		free(kq);
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	}
	if ((rc = jta_db_btext(s, ":q", q)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":t", kq->tri[0] != '\0' ? kq->tri :
	    NULL)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":project", project)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":lim", (int64_t)limit)) != SQLITE_OK) {
		free(kq);
		return jta_db_err(st, rc, "bind", err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (jta_tickets_append(out, s) != 0)
			goto out;
		t = &out->v[out->n - 1];
		/* bm25 is negative, more so for better matches. */
		t->score = -sqlite3_column_double(s, 12);
		/* The labels come from another statement: this one stays
		 * put. */
		if ((ret = jta_tickets_labels(st, t->id, t)) != JTA_OK)
			goto out;
		ret = JTA_ERR_NOMEM;
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "similar", err);
		goto out;
	}
	out->count = (int64_t)out->n;
	ret = JTA_OK;
out:
	free(kq);
	sqlite3_reset(s);
	if (ret != JTA_OK)
		jta_store_ticket_list_clear(out);
	return ret;
}

enum jta_err
jta_store_user_find(struct jta_store *st, const char *query, size_t limit,
    struct jta_user **out, size_t *n, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	struct jta_user	*v, *u;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((s = stmt(st, S_USER_FIND)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":q", query)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":lim", (int64_t)limit)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= SIZE_MAX / sizeof(*v) - 1 ||
		    (v = realloc(*out, (*n + 1) * sizeof(*v))) == NULL)
			goto out;
		*out = v;
		u = &v[(*n)++];
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%s", jta_db_col(s, 0));
		snprintf(u->display_name, sizeof(u->display_name), "%s",
		    jta_db_col(s, 1));
		snprintf(u->email, sizeof(u->email), "%s", jta_db_col(s, 2));
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "user find", err);
		goto out;
	}
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	if (ret != JTA_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
