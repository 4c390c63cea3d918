/*
 * The knowledge base with SQLite (jta_store_kb.h, schemas 11 and 12;
 * declared spaces in jta_store_kb_sync.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_sqlite.h"
#include "jta_store_kb.h"
#include "jta_text.h"

/* Three-character windows one search sends to the trigram index, at
 * most: a text of JTA_LIMIT_TEXT_QUERY bytes has at most 85 CJK
 * characters (three bytes each), so 83 windows; every one fits in
 * struct jta_store_kb_query's tri (15 bytes each with quotes and " OR "). */
#define TRI_WINDOWS	(JTA_LIMIT_TEXT_QUERY / 3)

enum sid {
	S_FIND,
	S_ADD,
	S_REPLACE,
	S_SEARCH,
	S_GET,
	S_LIST,
	S_REMOVE,
	S_ANSWERED,
	S_ANSWERS,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_FIND] = "SELECT id FROM kb_articles WHERE source = :source",
	[S_ADD] = "INSERT INTO kb_articles (title, body, source, url, space, "
	    "updated) VALUES (:title, :body, :source, :url, :space, "
	    ":updated)",
	/* The triggers re-index the old and the new text. */
	[S_REPLACE] = "UPDATE kb_articles SET title = :title, body = :body, "
	    "url = :url, space = :space, updated = :updated WHERE id = :id",
	/*
	 * Both indexes once each (MATERIALIZED), their matches joined:
	 * bm25 is negative and lower is better, so the sum ranks an
	 * article both indexes find above one only one finds.  A title
	 * match weighs five body matches.  A NULL query matches nothing
	 * (":w IS NOT NULL" is tested before MATCH runs).
	 */
	[S_SEARCH] = "WITH w AS MATERIALIZED (SELECT rowid AS id, "
	    "bm25(kb_fts, 5.0, 1.0) AS r, snippet(kb_fts, 1, '', '', '…', "
	    "32) AS ex FROM kb_fts WHERE :w IS NOT NULL AND kb_fts MATCH :w), "
	    "t AS MATERIALIZED (SELECT rowid AS id, bm25(kb_tri, 5.0, 1.0) "
	    "AS r, snippet(kb_tri, 1, '', '', '…', 32) AS ex FROM kb_tri "
	    "WHERE :t IS NOT NULL AND kb_tri MATCH :t), "
	    "m AS (SELECT id FROM w UNION SELECT id FROM t) "
	    "SELECT a.id, a.title, a.space, a.url, a.updated, "
	    "coalesce(w.ex, t.ex, ''), coalesce(w.r, 0.0) + "
	    "coalesce(t.r, 0.0) AS rank FROM m JOIN kb_articles a ON a.id = "
	    "m.id LEFT JOIN w ON w.id = a.id LEFT JOIN t ON t.id = a.id "
	    "WHERE a.audience = 'everyone' AND (a.site = '' OR a.site = "
	    ":site) AND (:space IS NULL OR a.space = :space) "
	    "ORDER BY rank, a.id LIMIT :limit",
	[S_GET] = "SELECT id, title, body, space, url, updated FROM "
	    "kb_articles WHERE id = :id AND audience = 'everyone' AND "
	    "(site = '' OR site = :site)",
	[S_LIST] = "SELECT id, title, space, source, updated, length(body), "
	    "url "
	    "FROM kb_articles ORDER BY id",
	[S_REMOVE] = "DELETE FROM kb_articles WHERE id = :id",
	[S_ANSWERED] = "INSERT INTO kb_answers (at, day, user_id, article) "
	    "VALUES (:at, :day, :uid, :article)",
	[S_ANSWERS] = "SELECT count(*) FROM kb_answers WHERE day >= :from "
	    "AND day <= :to",
};

static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_KB, sql, S_COUNT, (size_t)id);
}

/* ---- the person's words as FTS5 strings ---- */

/* The code point at s (len bytes left) and its length in *n; a byte
 * that does not start a well-formed sequence is itself (n 1). */
static unsigned long
cp(const unsigned char *s, size_t len, size_t *n)
{
	size_t		 i, want;
	unsigned long	 c;

	*n = 1;
	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xe0) == 0xc0) {
		want = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		want = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		want = 4;
		c = s[0] & 0x07;
	} else
		return s[0];
	if (want > len)
		return s[0];
	for (i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return s[0];
		c = (c << 6) | (s[i] & 0x3f);
	}
	*n = want;
	return c;
}

enum cls { C_SEP, C_WORD, C_CJK };

/* What c is to a query: a separator (blanks, CJK and full-width
 * punctuation), a character of a script written without spaces
 * (kana, CJK ideographs, half-width katakana, Hangul), or a word
 * character (everything else, ASCII punctuation included, so that
 * "Wi-Fi" stays one FTS5 string, which unicode61 makes the phrase
 * "wi fi"). */
static enum cls
classify(unsigned long c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v' || c == 0xa0)
		return C_SEP;
	if ((c >= 0x3000 && c <= 0x303f) || (c >= 0xff01 && c <= 0xff0f) ||
	    (c >= 0xff1a && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
	    (c >= 0xff5b && c <= 0xff65))
		return C_SEP;
	if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) ||
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff66 && c <= 0xff9f) ||
	    (c >= 0xac00 && c <= 0xd7af) || (c >= 0x20000 && c <= 0x2ffff))
		return C_CJK;
	return C_WORD;
}

/* Append s[0..n) to out (at *o, outsz bytes) as one quoted FTS5 string,
 * preceded by " OR " unless first; quotes doubled.  -1 when it does not
 * fit (the query is refused, never cut: a dropped word would change
 * what is searched). */
static int
quoted(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	size_t	 i;

	if (*o > 0) {
		if (*o + 4 >= outsz)
			return -1;
		memcpy(out + *o, " OR ", 4);
		*o += 4;
	}
	if (*o + 1 >= outsz)
		return -1;
	out[(*o)++] = '"';
	for (i = 0; i < n; i++) {
		if (*o + 3 >= outsz)
			return -1;
		if (s[i] == '"')
			out[(*o)++] = '"';
		out[(*o)++] = s[i];
	}
	out[(*o)++] = '"';
	out[*o] = '\0';
	return 0;
}

/* 1 when s[0..n) holds a letter or digit (ASCII) or any non-ASCII byte:
 * a run of punctuation alone ("?", "--") searches for nothing. */
static int
searchable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || (c >= '0' && c <= '9') ||
		    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			return 1;
	}
	return 0;
}

enum jta_err
jta_store_kb_queries(const char *text, struct jta_store_kb_query *q,
    struct jta_error *err)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t	 len, i, n, wo = 0, to = 0, wstart = 0, windows = 0;
	size_t	 starts[3] = { 0, 0, 0 }, rn = 0; /* a CJK run's last
						  * three characters */
	enum cls c, prev = C_SEP;
	int	 inword = 0;

	q->words[0] = q->tri[0] = '\0';
	len = strlen(text);
	if (len > JTA_LIMIT_TEXT_QUERY)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "the text is too long to search for");
	for (i = 0; i <= len; i += n) {
		if (i == len) {
			c = C_SEP;
			n = 1;
		} else
			c = classify(cp(s + i, len - i, &n));
		/* A run of word characters ends. */
		if (inword && c != C_WORD) {
			if (searchable(text + wstart, i - wstart) &&
			    quoted(q->words, sizeof(q->words), &wo,
			    text + wstart, i - wstart) != 0)
				goto toolong;
			inword = 0;
		}
		if (c == C_WORD && !inword) {
			inword = 1;
			wstart = i;
		}
		/* A CJK run: each character ends a window of three. */
		if (c == C_CJK) {
			if (prev != C_CJK)
				rn = 0;
			if (rn == 3) {
				starts[0] = starts[1];
				starts[1] = starts[2];
				rn = 2;
			}
			starts[rn++] = i;
			if (rn == 3) {
				if (windows == TRI_WINDOWS)
					goto toolong;
				windows++;
				if (quoted(q->tri, sizeof(q->tri), &to,
				    text + starts[0], i + n - starts[0]) != 0)
					goto toolong;
			}
		}
		prev = c;
	}
	if (wo == 0 && to == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "give a few words to search for (a word of three or more "
		    "characters in Japanese or Chinese)");
	return JTA_OK;
toolong:
	q->words[0] = q->tri[0] = '\0';
	return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
	    "the text has too many words to search for; shorten it");
}

/* ---- articles ---- */

enum jta_err
jta_store_kb_check(const struct jta_store_kb_article *a,
    struct jta_error *err)
{
	size_t	 n;

	n = a->title != NULL ? strlen(a->title) : 0;
	if (n == 0 || n > JTA_LIMIT_KB_TITLE ||
	    !jta_text_utf8_valid(a->title, n))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "title",
		    "a title is 1 to 255 bytes of UTF-8");
	n = a->body != NULL ? strlen(a->body) : 0;
	if (a->body == NULL || n > JTA_LIMIT_KB_BODY ||
	    !jta_text_utf8_valid(a->body, n))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "an article's body is at most 1 MiB of UTF-8");
	n = a->source != NULL ? strlen(a->source) : 0;
	if (n == 0 || n > JTA_LIMIT_KB_SOURCE ||
	    !jta_text_utf8_valid(a->source, n))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "source",
		    "a source is 1 to 1024 bytes of UTF-8");
	n = a->url != NULL ? strlen(a->url) : 0;
	if (n > 2048 || (n > 0 && !jta_db_printable(a->url, 2048)))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "url",
		    "a link is at most 2048 printable characters");
	n = a->space != NULL ? strlen(a->space) : 0;
	if (n > JTA_LIMIT_KB_SPACE || (n > 0 &&
	    !jta_db_printable(a->space, JTA_LIMIT_KB_SPACE)))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "space",
		    "a space key is at most 64 printable characters");
	return JTA_OK;
}

enum jta_err
jta_store_kb_put(struct jta_store *st, const struct jta_store_kb_article *a,
    int64_t *id, int *added, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;
	int64_t		 old = 0;

	if ((ret = jta_store_kb_check(a, err)) != JTA_OK)
		return ret;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FIND)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":source", a->source)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb find", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		old = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "kb find", err);
		goto out;
	}
	if ((s = stmt(st, old != 0 ? S_REPLACE : S_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":title", a->title)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":body", a->body)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":space", a->space != NULL ? a->space :
	    "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":url", a->url != NULL ? a->url : "")) !=
	    SQLITE_OK ||
	    (rc = jta_db_bint(s, ":updated", a->updated)) != SQLITE_OK ||
	    (rc = old != 0 ? jta_db_bint(s, ":id", old) :
	    jta_db_btext(s, ":source", a->source)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb put", err);
		goto out;
	}
	*id = old != 0 ? old : jta_db_last_rowid(st);
	*added = old == 0;
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_kb_search(struct jta_store *st, const struct jta_store_kb_query *q,
    const char *space, const char *site, size_t limit, json_t **out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*a = NULL, *o;
	int		 rc;

	*out = NULL;
	if (limit < 1 || limit > JTA_LIMIT_KB_MAX)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "limit",
		    "limit is 1 to 20");
	if ((s = stmt(st, S_SEARCH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":w", q->words[0] != '\0' ? q->words :
	    NULL)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":t", q->tri[0] != '\0' ? q->tri : NULL)) !=
	    SQLITE_OK ||
	    (rc = jta_db_btext(s, ":space", space)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":limit", (int64_t)limit)) != SQLITE_OK) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "kb search", err);
	}
	if ((a = json_array()) == NULL)
		goto nomem;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((o = json_object()) == NULL || json_array_append_new(a,
		    o) != 0)
			goto nomem;
		if (jta_db_oset(o, "id", json_integer(sqlite3_column_int64(s,
		    0))) != 0 ||
		    jta_db_oset(o, "title", json_string(jta_db_col(s, 1))) !=
		    0 ||
		    jta_db_oset(o, "space", json_string(jta_db_col(s, 2))) !=
		    0 ||
		    jta_db_oset(o, "url", json_string(jta_db_col(s, 3))) !=
		    0 ||
		    jta_db_oset(o, "updated", jta_db_timejs(
		    sqlite3_column_int64(s, 4))) != 0 ||
		    jta_db_oset(o, "excerpt", json_string(jta_db_col(s, 5))) !=
		    0)
			goto nomem;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return jta_db_err(st, rc, "kb search", err);
	}
	*out = a;
	return JTA_OK;
nomem:
	sqlite3_reset(s);
	json_decref(a);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
	    "out of memory");
}

enum jta_err
jta_store_kb_get(struct jta_store *st, int64_t id, const char *site,
    json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*o = NULL;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "kb get", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if ((o = json_object()) == NULL ||
		    jta_db_oset(o, "id", json_integer(sqlite3_column_int64(s,
		    0))) != 0 ||
		    jta_db_oset(o, "title", json_string(jta_db_col(s, 1))) !=
		    0 ||
		    jta_db_oset(o, "body", json_string(jta_db_col(s, 2))) !=
		    0 ||
		    jta_db_oset(o, "space", json_string(jta_db_col(s, 3))) !=
		    0 ||
		    jta_db_oset(o, "url", json_string(jta_db_col(s, 4))) !=
		    0 ||
		    jta_db_oset(o, "updated", jta_db_timejs(
		    sqlite3_column_int64(s, 5))) != 0) {
			sqlite3_reset(s);
			json_decref(o);
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "no article has this id");
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "kb get", err);
	*out = o;
	return JTA_OK;
}

enum jta_err
jta_store_kb_list(struct jta_store *st, json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*a = NULL, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((a = json_array()) == NULL)
		goto nomem;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((o = json_object()) == NULL || json_array_append_new(a,
		    o) != 0)
			goto nomem;
		if (jta_db_oset(o, "id", json_integer(sqlite3_column_int64(s,
		    0))) != 0 ||
		    jta_db_oset(o, "title", json_string(jta_db_col(s, 1))) !=
		    0 ||
		    jta_db_oset(o, "space", json_string(jta_db_col(s, 2))) !=
		    0 ||
		    jta_db_oset(o, "source", json_string(jta_db_col(s, 3))) !=
		    0 ||
		    jta_db_oset(o, "updated", jta_db_timejs(
		    sqlite3_column_int64(s, 4))) != 0 ||
		    jta_db_oset(o, "chars", json_integer(sqlite3_column_int64(
		    s, 5))) != 0 ||
		    jta_db_oset(o, "url", json_string(jta_db_col(s, 6))) != 0)
			goto nomem;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return jta_db_err(st, rc, "kb list", err);
	}
	*out = a;
	return JTA_OK;
nomem:
	sqlite3_reset(s);
	json_decref(a);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
	    "out of memory");
}

enum jta_err
jta_store_kb_remove(struct jta_store *st, int64_t id, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_REMOVE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb remove", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "no article has this id");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* ---- answered from knowledge ---- */

enum jta_err
jta_store_kb_answered(struct jta_store *st, int64_t user_id,
    const char *article, int64_t now, const char *day,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_ANSWERED)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":at", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", day)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":article", article)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb answered", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_kb_answers(struct jta_store *st, const char *from, const char *to,
    int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*n = 0;
	if ((s = stmt(st, S_ANSWERS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":from", from)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":to", to)) != SQLITE_OK) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "kb answers", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "kb answers",
	    err);
}
