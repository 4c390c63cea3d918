/*
 * The ticket repository's reads that rank or page: the search of the
 * ticket API (keyset pagination over FTS5), the list of /api/tickets/
 * (its text searches on the trigram index), similar tickets (bm25) and
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
	S_TK_COUNT,
	S_TK_LIST,
	S_TK_LIST_FTS,
	S_TK_LIST_FTS_ANY,
	S_SEGS_FTS,
	S_SEGS_TRI,
	S_OPTIMIZE_FTS,
	S_OPTIMIZE_TRI,
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
	"SELECT " TICKET_SLIM_COLS TICKET_FROM SEARCH_WHERE \
	SEARCH_PAGE(col, cmp, dir)
/*
 * With words to find, the index drives: its matches are joined to their
 * tickets and only they are filtered, so the cost follows the matches,
 * not the store (walking the order's index and testing each ticket
 * against the matches read every ticket when few match: 2 ms of CPU a
 * search at 20,000 tickets, tests/bench/bench_store.py).  Every match
 * after the cursor comes out, in no order, and jta_store_ticket_search
 * keeps the page's in a heap (keeprow): no sorter, no
 * materialised table (the page chosen in SQL on the sort columns, then
 * its rows read again, cost 346,000 instructions for 15 matches at 1,000
 * tickets, of which the two MATERIALIZED tables about 80,000 and the
 * sorter 50,000; README "Embedded store: search and read speed", sixth
 * pass).
 */
#define SEARCH_TEXT(col, cmp) \
	"SELECT " TICKET_SLIM_COLS "FROM ticket_fts " \
	"CROSS JOIN tickets t ON t.id = ticket_fts.rowid " \
	"JOIN projects p ON p.id = t.project_id " \
	"JOIN users r ON r.id = t.reporter_id " \
	"LEFT JOIN users a ON a.id = t.assignee_id " SEARCH_WHERE \
	"AND ticket_fts MATCH :text " SEARCH_AFTER(col, cmp)

/* The filters of jta_store_tk_list; :sts holds stored statuses. */
#define TK_WHERE \
	"WHERE (:id IS NULL OR t.id = :id) " \
	"AND (:ids IS NULL OR t.id IN (SELECT value FROM json_each(:ids))) " \
	"AND (:title IS NULL OR instr(lower(t.summary), lower(:title)) > 0) " \
	"AND (:cgte IS NULL OR t.created >= :cgte) " \
	"AND (:clte IS NULL OR t.created <= :clte) " \
	"AND (:sts IS NULL OR t.status IN (SELECT value FROM " \
	"json_each(:sts))) " \
	"AND (:search IS NULL OR instr(lower(t.summary), lower(:search)) > 0 " \
	"OR instr(lower(t.description), lower(:search)) > 0) "

#define TK_SORT \
	"ORDER BY CASE :ord WHEN 'created' THEN t.created END ASC, " \
	"CASE :ord WHEN '-created' THEN t.created END DESC, " \
	"CASE :ord WHEN 'summary' THEN t.summary END ASC, " \
	"CASE :ord WHEN '-summary' THEN t.summary END DESC, " \
	"CASE :ord WHEN 'updated' THEN t.updated END ASC, " \
	"CASE :ord WHEN '-updated' THEN t.updated END DESC, " \
	"CASE WHEN :ord LIKE '-%' THEN t.id END DESC, t.id ASC "
#define TK_ORDER TK_SORT "LIMIT :lim OFFSET :off"
/* The matches of S_TK_LIST_FTS (see there). */
#define TK_FTS \
	"SELECT " TICKET_COLS "FROM ticket_tri " \
	"CROSS JOIN tickets t ON t.id = ticket_tri.rowid " \
	"JOIN projects p ON p.id = t.project_id " \
	"JOIN users r ON r.id = t.reporter_id " \
	"LEFT JOIN users a ON a.id = t.assignee_id " TK_WHERE \
	"AND ticket_tri MATCH :fq " \
	"AND (:tlike IS NULL OR t.summary LIKE :tlike ESCAPE '\\') " \
	"AND (:slike IS NULL OR t.summary LIKE :slike ESCAPE '\\' " \
	"OR t.description LIKE :slike ESCAPE '\\') "

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
	[S_TK_COUNT] = "SELECT count(*) FROM tickets t " TK_WHERE,
	[S_TK_LIST] = "SELECT " TICKET_COLS TICKET_FROM TK_WHERE TK_ORDER,
	/* The same page when title__icontains or search can use schema
	 * 12's trigram index (ticket_tri, case folded): the index's
	 * candidates drive the join (CROSS JOIN: no materialised table of
	 * them, which cost 37,000 instructions a search), TK_WHERE's
	 * instr() checks keep the exact meaning on them (the index folds
	 * more than ASCII, as lower() does not).  Every match is stepped
	 * (no LIMIT): the count comes from the same pass, counted in C
	 * (count(*) OVER () cost a quarter of the statement, 228,000
	 * instructions for 15 matches: the window copies every row), and
	 * tklistfts keeps the page's rows.  The candidates are checked
	 * with LIKE where tklike made a pattern (:tlike, :slike; the
	 * caller then binds :title, :search NULL): the same answer as
	 * instr(lower()), see tklike. */
	[S_TK_LIST_FTS] = TK_FTS TK_SORT,
	/* The same matches in no order, for tklistfts's heap. */
	[S_TK_LIST_FTS_ANY] = TK_FTS,
	/* An index's segments: every segment has a row per leaf page in
	 * its %_idx shadow table (https://www.sqlite.org/fts5.html,
	 * "Shadow tables" names them; a segment is never empty). */
	[S_SEGS_FTS] = "SELECT count(DISTINCT segid) FROM ticket_fts_idx",
	[S_SEGS_TRI] = "SELECT count(DISTINCT segid) FROM ticket_tri_idx",
	/* FTS5's 'optimize' command (https://www.sqlite.org/fts5.html,
	 * "The 'optimize' Command"): every segment merged into one. */
	[S_OPTIMIZE_FTS] = "INSERT INTO ticket_fts(ticket_fts) "
	    "VALUES ('optimize')",
	[S_OPTIMIZE_TRI] = "INSERT INTO ticket_tri(ticket_tri) "
	    "VALUES ('optimize')",
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

static void
heapswap(struct jta_store_ticket *a, struct jta_store_ticket *b)
{
	struct jta_store_ticket t = *a;

	*a = *b;
	*b = t;
}

/* Restore the heap of keeprow from v[i] up, or from v[0] down. */
static void
heapup(struct jta_store_ticket *v, size_t i,
    int (*cmp)(const void *, const void *))
{
	for (; i > 0 && cmp(&v[i], &v[(i - 1) / 2]) > 0; i = (i - 1) / 2)
		heapswap(&v[i], &v[(i - 1) / 2]);
}

static void
heapdown(struct jta_store_ticket *v, size_t n,
    int (*cmp)(const void *, const void *))
{
	size_t	 i = 0, c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && cmp(&v[c + 1], &v[c]) > 0)
			c++;
		if (cmp(&v[c], &v[i]) <= 0)
			break;
		heapswap(&v[i], &v[c]);
		i = c;
	}
}

/*
 * Keep the current row of s if it is among the first keep rows in the
 * order cmp (a qsort comparator of rows, ids breaking every tie): l holds
 * them as a heap (v[0] the last of them, each row after its two
 * children; the caller sorts l->v when done).  A row is appended while
 * fewer are kept, else it takes the place of the last kept when it comes
 * before it.  bytime: cmp reads only id, created and updated, so a row
 * that does not come first is never read.  0, or -1 when memory runs out
 * (l stays clearable).
 */
static int
keeprow(struct jta_store_ticket_list *l, size_t keep, sqlite3_stmt *s,
    int (*cmp)(const void *, const void *), int bytime)
{
	struct jta_store_ticket t;

	if (l->n < keep) {
		if (jta_tickets_append(l, s) != 0)
			return -1;
		heapup(l->v, l->n - 1, cmp);
		return 0;
	}
	if (keep == 0)
		return 0;
	if (bytime) {
		memset(&t, 0, sizeof(t));
		t.id = sqlite3_column_int64(s, 10);
		t.created = sqlite3_column_int64(s, 8);
		t.updated = sqlite3_column_int64(s, 9);
		if (cmp(&t, &l->v[0]) >= 0)
			return 0;
	}
	if (jta_tickets_row(s, &t) != 0)
		return -1;
	if (cmp(&t, &l->v[0]) >= 0) {
		jta_store_ticket_clear(&t);
		return 0;
	}
	jta_store_ticket_clear(&l->v[0]);
	l->v[0] = t;
	heapdown(l->v, l->n, cmp);
	return 0;
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
			if (keeprow(out, limit + 1, s, sorts[order],
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

/* ---- keeping the search indexes merged ---- */

/* The segments of index sid (S_SEGS_*) into *n. */
static enum jta_err
segments(struct jta_store *st, enum sid id, int64_t *n,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "index segments", err);
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return JTA_OK;
}

enum jta_err
jta_store_search_optimize(struct jta_store *st,
    struct jta_store_search_segments *before,
    struct jta_store_search_segments *after, struct jta_error *err)
{
	static const enum sid opt[] = { S_OPTIMIZE_FTS, S_OPTIMIZE_TRI };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	memset(before, 0, sizeof(*before));
	memset(after, 0, sizeof(*after));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = segments(st, S_SEGS_FTS, &before->words, err)) != JTA_OK ||
	    (ret = segments(st, S_SEGS_TRI, &before->trigrams, err)) !=
	    JTA_OK)
		goto out;
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		if ((s = stmt(st, opt[i])) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "optimize", err);
			goto out;
		}
	}
	if ((ret = segments(st, S_SEGS_FTS, &after->words, err)) != JTA_OK ||
	    (ret = segments(st, S_SEGS_TRI, &after->trigrams, err)) !=
	    JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK)
		goto out;
	return JTA_OK;
out:
	jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_search_segments(struct jta_store *st,
    struct jta_store_search_segments *n, struct jta_error *err)
{
	enum jta_err	 ret;

	memset(n, 0, sizeof(*n));
	if ((ret = segments(st, S_SEGS_FTS, &n->words, err)) != JTA_OK)
		return ret;
	return segments(st, S_SEGS_TRI, &n->trigrams, err);
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

/* ---- /api/tickets/ ---- */

static int
tkbind(sqlite3_stmt *s, const struct jta_tk_query *q)
{
	int	 rc;

	if ((rc = jta_db_bint0(s, ":id", q->id)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":ids", q->ids)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":title", q->title_icontains)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":cgte", q->created_gte)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":clte", q->created_lte)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":sts", q->statuses)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":search", q->search)) != SQLITE_OK)
		return rc;
	return SQLITE_OK;
}

/* Append n bytes of p to out[*o] as an FTS5 string, its quotes doubled;
 * 0, or -1 when out is too small (with room left for a NUL). */
static int
tkstr(const char *p, size_t n, char *out, size_t outsz, size_t *o)
{
	size_t	 i;

	if (*o + 2 >= outsz)
		return -1;
	out[(*o)++] = '"';
	for (i = 0; i < n; i++) {
		if (*o + 3 >= outsz)
			return -1;
		if (p[i] == '"')
			out[(*o)++] = '"';
		out[(*o)++] = p[i];
	}
	out[(*o)++] = '"';
	return 0;
}

/*
 * Append to out[*o] the FTS5 query that finds v as a substring in the
 * trigram index, joined by AND to what is there.  Every piece of v is a
 * quoted string, its quotes doubled, so no byte of v can be FTS5 syntax
 * (an operator, a column, a prefix star, NEAR, parentheses).  No column
 * filter: the caller rechecks the columns anyway, and a filter doubles
 * the index's work (positions must be read; 170 against 74 us at 20,000
 * tickets).
 *
 * Text of three or four characters is one string (a phrase of its one or
 * two trigrams).  Longer text names fewer trigrams than the phrase's
 * L - 2: those starting at characters 0, 3, 6, ... and the last one (at
 * L - 3), which together cover every character, as one NEAR group whose
 * span is the text's: NEAR("quo" "kka", 2) for "quokka".  The trigram
 * tokenizer makes a token at every character position (SQLite's "The
 * Trigram Tokenizer"), so a column holding v at character c holds each of
 * these trigrams at c + its offset, and the first and the last are L - 4
 * tokens apart: within the group's span (FTS5's "NEAR groups": the
 * tokens between the end of the clump's first phrase and the start of its
 * last).  The candidates are therefore all of the phrase's and a few
 * more, which the caller's exact check drops as it drops the index's
 * other extra candidates.  The index reads ceil(L / 3) or one more
 * trigrams' doclists instead of L - 2 (two instead of four for
 * "quokka"; README "Embedded store: search and read speed", sixth pass).
 *
 * 0, or -1 when the index cannot answer for v: fewer than three
 * characters (a trigram tokenizer matches nothing then), not UTF-8, or
 * out too small; the caller then scans.
 */
static int
tkftsput(const char *v, char *out, size_t outsz, size_t *o)
{
	/* Byte offsets of v's characters (search and title__icontains
	 * take at most JTA_LIMIT_TEXT_QUERY; longer text is scanned). */
	size_t		 at[JTA_LIMIT_TEXT_QUERY + 1];
	size_t		 len = strlen(v), i, n, chars = 0, k, w = *o;
	uint32_t	 cp;
	int		 r;

	if (!jta_text_utf8_valid(v, len))
		return -1;
	for (i = 0; i < len; i += n, chars++) {
		if ((n = jta_text_utf8_next(v + i, len - i, &cp)) == 0 ||
		    chars + 1 >= sizeof(at) / sizeof(at[0]))
			return -1;
		at[chars] = i;
	}
	at[chars] = len;
	if (chars < 3)
		return -1;
	if (w > 0) {
		if (w + 6 >= outsz)
			return -1;
		memcpy(out + w, " AND ", 5);
		w += 5;
	}
	if (chars < 5) {
		if (tkstr(v, len, out, outsz, &w) != 0)
			return -1;
	} else {
		if (w + 6 >= outsz)
			return -1;
		memcpy(out + w, "NEAR(", 5);
		w += 5;
		for (k = 0;; k += 3) {
			if (k + 3 > chars)
				k = chars - 3;
			if (k > 0) {
				if (w + 2 >= outsz)
					return -1;
				out[w++] = ' ';
			}
			if (tkstr(v + at[k], at[k + 3] - at[k], out, outsz,
			    &w) != 0)
				return -1;
			if (k + 3 == chars)
				break;
		}
		r = snprintf(out + w, outsz - w, ", %zu)", chars - 4);
		if (r < 0 || (size_t)r >= outsz - w)
			return -1;
		w += (size_t)r;
	}
	out[w] = '\0';
	*o = w;
	return 0;
}

/* tkftsput, leaving out as it was (the query up to *o) when it fails. */
static int
tkfts(const char *v, char *out, size_t outsz, size_t *o)
{
	if (tkftsput(v, out, outsz, o) == 0)
		return 0;
	/* What was written past *o is dropped: out stays the query it
	 * was. */
	out[*o] = '\0';
	return -1;
}

static int
tkbindpage(sqlite3_stmt *s, const struct jta_tk_query *q, int64_t lim,
    int64_t off)
{
	int	 rc;

	if ((rc = tkbind(s, q)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":ord",
	    q->ordering ? q->ordering : "-created")) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":lim", lim)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":off", off)) != SQLITE_OK)
		return rc;
	return SQLITE_OK;
}

/*
 * The LIKE pattern "%v%" (ESCAPE '\') that holds exactly the texts
 * instr(lower(text), lower(v)) > 0 finds, when v is UTF-8: SQLite's LIKE
 * folds ASCII letters only and compares every other character as it is,
 * as its lower() does ("The LIKE, GLOB, REGEXP, MATCH, and extract
 * operators" and lower() in SQLite's "Core Functions"), and a UTF-8
 * substring is a substring of characters.  '%', '_' and '\' in v are
 * escaped.  0, or -1 (use instr()) when v is not UTF-8 or out is too
 * small.  LIKE is cheaper: no lower() copy of every candidate's summary
 * and description (168,000 of the statement's 671,000 instructions at
 * 1,000 tickets and 15 matches, 34,000 with LIKE; README "Embedded
 * store: search and read speed").
 */
static int
tklike(const char *v, char *out, size_t outsz)
{
	size_t	 len = strlen(v), i, o = 0;

	if (!jta_text_utf8_valid(v, len) || outsz < 2 * len + 3)
		return -1;
	out[o++] = '%';
	for (i = 0; i < len; i++) {
		if (v[i] == '%' || v[i] == '_' || v[i] == '\\')
			out[o++] = '\\';
		out[o++] = v[i];
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

/*
 * TK_SORT's orders on rows, for the heap of tklistfts: by the column, then
 * by id in the same direction (created and updated as the full-text
 * search's by*, above; summary by bytes, as SQLite's BINARY collation
 * compares text without NULs, which the store's text never holds).
 */
static int
tksummary(const void *a, const void *b)
{
	const struct jta_store_ticket *x = a, *y = b;
	int	 c = strcmp(x->summary, y->summary);

	return c != 0 ? CMP3(c, 0) : CMP3(x->id, y->id);
}

static int
tksummary_desc(const void *a, const void *b)
{
	return tksummary(b, a);
}

/* The comparator of ordering (NULL: -created), NULL for another. */
static int
(*tkcmp(const char *ordering))(const void *, const void *)
{
	static const struct {
		const char	*name;
		int		(*cmp)(const void *, const void *);
	} orders[] = {
		{ "created", bycreated_asc }, { "-created", bycreated_desc },
		{ "updated", byupdated_asc }, { "-updated", byupdated_desc },
		{ "summary", tksummary }, { "-summary", tksummary_desc },
	};
	size_t	 i;

	if (ordering == NULL)
		ordering = "-created";
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		if (strcmp(orders[i].name, ordering) == 0)
			return orders[i].cmp;
	return NULL;
}

/*
 * The rows a page of a trigram search may keep in its heap: the page and
 * every row before it.  A later page is sorted by SQLite
 * (S_TK_LIST_FTS), whose sorter copies every match's row (87,000 of the
 * statement's 360,000 instructions for 15 matches at 1,000 tickets).
 */
#define TK_KEEP_MAX	(2 * JTA_LIMIT_PAGE_MAX)

/*
 * The page of a search the trigram index can answer (fq) and the count,
 * from one pass over the matches.  While the page and the rows before it
 * are at most TK_KEEP_MAX, the matches come in no order and the first of
 * them are kept in a heap (keeprow), sorted, and those before
 * the page dropped; else they come sorted, the rows before the page are
 * stepped over unread and the page's read.  The rest are counted.
 */
static enum jta_err
tklistfts(struct jta_store *st, const struct jta_tk_query *q,
    const char *fq, struct jta_store_ticket_list *out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	struct jta_tk_query lq = *q;
	int		(*cmp)(const void *, const void *);
	/* The patterns, or NULL where instr() stays. */
	char		 tlike[2 * JTA_LIMIT_SUMMARY + 3];
	char		 slike[2 * JTA_LIMIT_TEXT_QUERY + 3];
	int64_t		 count = 0, off;
	size_t		 i, drop;
	int		 rc, tl = -1, sl = -1, heap;

	off = (q->page - 1) * q->page_size;
	cmp = tkcmp(q->ordering);
	heap = cmp != NULL && off >= 0 && q->page_size >= 0 &&
	    q->page_size <= TK_KEEP_MAX && off <= TK_KEEP_MAX - q->page_size;
	if (q->title_icontains != NULL &&
	    (tl = tklike(q->title_icontains, tlike, sizeof(tlike))) == 0)
		lq.title_icontains = NULL;
	if (q->search != NULL &&
	    (sl = tklike(q->search, slike, sizeof(slike))) == 0)
		lq.search = NULL;
	if ((s = stmt(st, heap ? S_TK_LIST_FTS_ANY : S_TK_LIST_FTS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = tkbind(s, &lq)) != SQLITE_OK ||
	    (rc = (heap ? SQLITE_OK : jta_db_btext(s, ":ord",
	    q->ordering ? q->ordering : "-created"))) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":fq", fq)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":tlike", tl == 0 ? tlike : NULL)) !=
	    SQLITE_OK ||
	    (rc = jta_db_btext(s, ":slike", sl == 0 ? slike : NULL)) !=
	    SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (heap) {
			if (keeprow(out, (size_t)(off + q->page_size),
			    s, cmp, 0) != 0)
				goto out;
		} else if (count >= off && count - off < q->page_size &&
		    jta_tickets_append(out, s) != 0)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "list", err);
		goto out;
	}
	if (heap && out->n > 0) {
		qsort(out->v, out->n, sizeof(*out->v), cmp);
		drop = (size_t)off < out->n ? (size_t)off : out->n;
		for (i = 0; i < drop; i++)
			jta_store_ticket_clear(&out->v[i]);
		memmove(out->v, out->v + drop, (out->n - drop) *
		    sizeof(*out->v));
		out->n -= drop;
	}
	out->count = count;
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_tk_list(struct jta_store *st, const struct jta_tk_query *q,
    struct jta_store_ticket_list *out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	char		 fq[2 * (2 * JTA_LIMIT_TEXT_QUERY + 64)];
	size_t		 o = 0;
	int64_t		 count;
	int		 rc;

	memset(out, 0, sizeof(*out));
	fq[0] = '\0';
	/* Either text the index can answer narrows the search to its
	 * candidates; text it cannot (too short) is left to instr(). */
	if (q->title_icontains != NULL)
		(void)tkfts(q->title_icontains, fq, sizeof(fq), &o);
	if (q->search != NULL)
		(void)tkfts(q->search, fq, sizeof(fq), &o);
	if (o > 0) {
		if ((ret = tklistfts(st, q, fq, out, err)) != JTA_OK)
			jta_store_ticket_list_clear(out);
		return ret;
	}
	if ((s = stmt(st, S_TK_COUNT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = tkbind(s, q)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	count = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "count", err);
	if ((s = stmt(st, S_TK_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = tkbindpage(s, q, q->page_size, (q->page - 1) *
	    q->page_size)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (jta_tickets_append(out, s) != 0)
			goto out;
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "list", err);
		goto out;
	}
	out->count = count;
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	if (ret != JTA_OK)
		jta_store_ticket_list_clear(out);
	return ret;
}
