/*
 * Jira Cloud <-> the ticket API, with no I/O (see jta_jira.h).  Shapes
 * come from Atlassian's OpenAPI document for REST API v3; every member
 * read from Jira is checked for its type before use.
 */
#include "config.h"

#include <inttypes.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jta_buf.h"
#include "jta_http.h"
#include "jta_jira.h"
#include "jta_suggest.h"
#include "jta_text.h"
#include "jta_time.h"

const char jta_jira_current_user[] = "currentUser()";

/* ---- text into a bounded buffer ---- */

/*
 * Append upstream text: at most max bytes of s and no more than fits,
 * cut on a UTF-8 character boundary, control characters as spaces.  Never
 * fails b: text for people may be cut, JQL may not (it uses jta_buf_add).
 */
static void
sb_text(struct jta_buf *b, const char *s, size_t max)
{
	size_t	 n = 0, i, at = b->len, room = jta_buf_room(b);

	if (max > room)
		max = room;
	while (s[n] != '\0' && n < max)
		n++;
	if (s[n] != '\0')	/* cut: do not end inside a character */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	if (jta_buf_add(b, s, n) != JTA_OK)
		return;
	for (i = at; i < b->len; i++)
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			b->p[i] = ' ';
}

/* ---- reading Jira's JSON ---- */

/* The string member k of o, or NULL (o not an object, k missing or not a
 * string). */
static const char *
strmem(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A new copy of o[k][sub] when it is a string, else JSON null. */
static json_t *
subname(const json_t *o, const char *k, const char *sub)
{
	const json_t	*v = json_object_get(json_object_get(o, k), sub);

	return json_is_string(v) ? json_deep_copy(v) : json_null();
}

/* Our time string for Jira's time value v, or JSON null. */
static json_t *
ourtime(const json_t *v)
{
	char	 buf[JTA_TIME_STRLEN];
	int64_t	 t;

	if (!json_is_string(v) || jta_time_parse_jira(json_string_value(v),
	    json_string_length(v), &t) != 0)
		return json_null();
	jta_time_format(t, buf);
	return json_string(buf);
}

/* jansson's object iterator takes a json_t * although it only reads;
 * this is the one place that drops const, for json_object_foreach. */
static json_t *
unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* json_object_set_new that reports a NULL value (no memory) as failure. */
static int
oset(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static enum jta_err
bad(struct jta_error *err, const char *what)
{
	return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
	    "Jira gave an answer this server cannot use (%s); try again "
	    "later", what);
}

/* 1 when s[0..len) looks like an issue key: [A-Za-z][A-Za-z0-9_]*-[0-9]+,
 * at most JTA_LIMIT_ISSUE_KEY bytes.  Keys go into URLs. */
static int
iskey(const char *s, size_t len)
{
	size_t	 i, dash = 0;

	if (len < 3 || len > JTA_LIMIT_ISSUE_KEY || !((s[0] >= 'A' &&
	    s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	for (i = 1; i < len; i++) {
		if (dash) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
		} else if (s[i] == '-')
			dash = i;
		else if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	}
	return dash != 0 && dash + 1 < len;
}

/* ---- JQL ---- */

/* Check a filter value: UTF-8 with no C0, DEL or C1 control character. */
static enum jta_err
jqlvalue(const char *s, const char *field, struct jta_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 i, len = strlen(s);

	if (!jta_text_utf8_valid(s, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is not valid UTF-8", field);
	for (i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 &&
		    i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			return jta_error_set(err, JTA_ERR_INPUT, 422, field,
			    "%s must not contain control characters", field);
	return JTA_OK;
}

/* Append s as a JQL string literal: "...", with '\' and '"' escaped. */
static void
sb_quoted(struct jta_buf *b, const char *s)
{
	size_t	 i, run = 0;

	jta_buf_add(b, "\"", 1);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '"' || s[i] == '\\') {
			jta_buf_add(b, s + run, i - run);
			jta_buf_add(b, "\\", 1);
			run = i;
		}
	jta_buf_add(b, s + run, i - run);
	jta_buf_add(b, "\"", 1);
}

/* The Lucene query syntax characters (Apache Lucene, "Escaping Special
 * Characters"), which Jira's text search passes on to Lucene. */
static int
lucene_special(char c)
{
	return c != '\0' && strchr("+-&|!(){}[]^\"~*?:\\/", c) != NULL;
}

/*
 * Make the text filter plain words into out (outsz bytes): Lucene
 * characters become spaces, blanks collapse, the operator words AND, OR,
 * NOT and TO (operators only in upper case) are lower-cased.  Returns the
 * length; 0 when no word is left.
 */
static size_t
plainwords(const char *s, char *out, size_t outsz)
{
	size_t	 i, o = 0, w, k;

	for (i = 0; s[i] != '\0' && o + 1 < outsz; i++) {
		if (lucene_special(s[i]) || s[i] == ' ') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = s[i];
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	for (i = 0; i < o; i = w + 1) {
		for (w = i; w < o && out[w] != ' '; w++)
			;
		if ((w - i == 3 && (memcmp(out + i, "AND", 3) == 0 ||
		    memcmp(out + i, "NOT", 3) == 0)) || (w - i == 2 &&
		    (memcmp(out + i, "OR", 2) == 0 ||
		    memcmp(out + i, "TO", 2) == 0)))
			for (k = i; k < w; k++)
				out[k] = (char)(out[k] - 'A' + 'a');
	}
	return o;
}

/* Append a time as a JQL date literal in UTC, minutes precision. */
static void
sb_date(struct jta_buf *b, int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "\"%Y-%m-%d %H:%M\"", &tm) == 0) {
		b->err = JTA_ERR_INPUT;	/* not a time we can write: refuse */
		return;
	}
	jta_buf_add_str(b, buf);
}

static void
sb_and(struct jta_buf *b, size_t *n)
{
	if ((*n)++ > 0)
		jta_buf_add_str(b, " AND ");
}

enum jta_err
jta_jira_jql(const struct jta_search *q, const char *me_account_id,
    char *buf, size_t bufsz, struct jta_error *err)
{
	/* The equality clauses, in the order they are written. */
	static const struct {
		const char	*jql;	/* Jira's field */
		const char	*ours;	/* our filter, for errors */
	} eq[] = {
		{ "project", "project" },
		{ "status", "status" },
		{ "issuetype", "type" },
		{ "priority", "priority" },
		{ "labels", "label" },
		{ "assignee", "assignee" },
		{ "reporter", "reporter" },
	};
	static const struct {
		const char	*ours;
		const char	*jql;
	} orders[] = {
		{ "-updated", "updated DESC" },
		{ "updated", "updated ASC" },
		{ "-created", "created DESC" },
		{ "created", "created ASC" },
	};
	const char	*vals[sizeof(eq) / sizeof(eq[0])] = { q->project,
			    q->status, q->type, q->priority, q->label,
			    q->assignee, q->reporter };
	enum jta_err	 rc;
	struct jta_buf	 b;
	char		 words[JTA_LIMIT_TEXT_QUERY + 1];
	const char	*v, *order = NULL;
	size_t		 i, n = 0;

	if (buf == NULL || bufsz == 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "no room for the query");
	jta_buf_init_fixed(&b, buf, bufsz > JTA_LIMIT_JQL + 1 ?
	    JTA_LIMIT_JQL + 1 : bufsz);
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		if (q->order == NULL || strcmp(q->order, orders[i].ours) == 0) {
			order = orders[i].jql;
			break;
		}
	if (order == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "order",
		    "order must be one of -updated, updated, -created, "
		    "created");
		goto out;
	}
	for (i = 0; i < sizeof(eq) / sizeof(eq[0]); i++) {
		if ((v = vals[i]) == NULL)
			continue;
		sb_and(&b, &n);
		jta_buf_add_str(&b, eq[i].jql);
		jta_buf_add_str(&b, " = ");
		if (v == jta_jira_current_user && me_account_id == NULL) {
			jta_buf_add_str(&b, "currentUser()");
			continue;
		}
		if (v == jta_jira_current_user)
			v = me_account_id;
		if ((rc = jqlvalue(v, eq[i].ours, err)) != JTA_OK)
			goto out;
		sb_quoted(&b, v);
	}
	if (q->text != NULL) {
		if (strlen(q->text) > JTA_LIMIT_TEXT_QUERY) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "text",
			    "text is longer than %d bytes",
			    JTA_LIMIT_TEXT_QUERY);
			goto out;
		}
		if ((rc = jqlvalue(q->text, "text", err)) != JTA_OK)
			goto out;
		if (plainwords(q->text, words, sizeof(words)) == 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "text",
			    "text has no word to search for");
			goto out;
		}
		sb_and(&b, &n);
		jta_buf_add_str(&b, "text ~ ");
		sb_quoted(&b, words);
	}
	if (q->created_from > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "created >= ");
		sb_date(&b, q->created_from);
	}
	if (q->created_to > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "created <= ");
		sb_date(&b, q->created_to);
	}
	if (q->updated_from > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "updated >= ");
		sb_date(&b, q->updated_from);
	}
	if (q->updated_to > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "updated <= ");
		sb_date(&b, q->updated_to);
	}
	if (n == 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, NULL,
		    "Jira searches need at least one filter: project, status, "
		    "type, priority, label, assignee, reporter, mine, text or "
		    "a date");
		goto out;
	}
	jta_buf_add_str(&b, " ORDER BY ");
	jta_buf_add_str(&b, order);
	if (b.err != JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, NULL,
		    "the filters make a Jira query longer than %d bytes; "
		    "use fewer or shorter values", (int)b.max);
		goto out;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK)
		buf[0] = '\0';
	return rc;
}

enum jta_err
jta_jira_jql_raw_check(const char *jql, size_t len, struct jta_error *err)
{
	size_t	 i;

	if (jql == NULL || len == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql is empty");
	if (len > JTA_LIMIT_JQL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql is longer than %d bytes", JTA_LIMIT_JQL);
	if (!jta_text_utf8_valid(jql, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql is not valid UTF-8");
	for (i = 0; i < len; i++)
		if ((unsigned char)jql[i] < 0x20 || jql[i] == 0x7f ||
		    ((unsigned char)jql[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)jql[i + 1] >= 0x80 &&
		    (unsigned char)jql[i + 1] <= 0x9f))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
			    "jql must not contain control characters");
	return JTA_OK;
}

json_t *
jta_jira_search_body(const char *jql, size_t limit, const char *cursor)
{
	json_t	*o;

	if (jql == NULL)
		return NULL;
	if (limit == 0)
		limit = JTA_LIMIT_PAGE_DEFAULT;
	if (limit > JTA_LIMIT_PAGE_MAX)
		limit = JTA_LIMIT_PAGE_MAX;
	o = json_pack("{s:s, s:I, s:[s,s,s,s,s,s,s,s]}", "jql", jql,
	    "maxResults", (json_int_t)limit, "fields", "summary", "status",
	    "issuetype", "priority", "assignee", "reporter", "created",
	    "updated");
	if (o != NULL && cursor != NULL && oset(o, "nextPageToken",
	    json_string(cursor)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* ---- issues ---- */

/* The slim row of one IssueBean; url opens it on site (the Jira site's
 * address, as in the person's link). */
static enum jta_err
slimrow(const json_t *issue, const char *site, json_t **out,
    struct jta_error *err)
{
	const json_t	*f = json_object_get(issue, "fields");
	const json_t	*k = json_object_get(issue, "key");
	json_t		*o;
	char		 url[JTA_LIMIT_PATH];
	size_t		 len;
	int		 n;

	*out = NULL;
	if (site == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "no site address to make issue urls with");
	/* A link we hand out for people to open: https only (http to the
	 * loopback stand-in), nothing Atlassian could smuggle in. */
	len = strlen(site);
	while (len > 0 && site[len - 1] == '/')
		len--;
	if (!jta_http_url_allowed(site) || strcspn(site, " \"'<>\\`") !=
	    strlen(site))
		return bad(err, "a site address that is not https");
	if (!json_is_string(k) || !iskey(json_string_value(k),
	    json_string_length(k)))
		return bad(err, "an issue without a valid key");
	n = snprintf(url, sizeof(url), "%.*s/browse/%s", (int)len, site,
	    json_string_value(k));
	if (n < 0 || (size_t)n >= sizeof(url))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the site address is too long for an issue url");
	if ((o = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if (oset(o, "key", json_string(json_string_value(k))) ||
	    oset(o, "url", json_string(url)) ||
	    oset(o, "summary", json_is_string(json_object_get(f, "summary")) ?
	    json_deep_copy(json_object_get(f, "summary")) : json_null()) ||
	    oset(o, "status", subname(f, "status", "name")) ||
	    oset(o, "type", subname(f, "issuetype", "name")) ||
	    oset(o, "priority", subname(f, "priority", "name")) ||
	    oset(o, "assignee", subname(f, "assignee", "displayName")) ||
	    oset(o, "reporter", subname(f, "reporter", "displayName")) ||
	    oset(o, "created", ourtime(json_object_get(f, "created"))) ||
	    oset(o, "updated", ourtime(json_object_get(f, "updated")))) {
		json_decref(o);
		return JTA_ERR_NOMEM;
	}
	*out = o;
	return JTA_OK;
}

/* The cursor for Jira's nextPageToken: JSON null when there is no next
 * page; NULL with *rc set when the token cannot be a cursor. */
static json_t *
cursorof(const json_t *jira, enum jta_err *rc, struct jta_error *err)
{
	const json_t	*tok = json_object_get(jira, "nextPageToken");
	const char	*s;
	json_t		*cur;
	size_t		 i, len;

	*rc = JTA_OK;
	if (!json_is_string(tok) || json_is_true(json_object_get(jira,
	    "isLast")))
		return json_null();
	s = json_string_value(tok);
	len = json_string_length(tok);
	if (len == 0)
		return json_null();
	if (len > JTA_LIMIT_CURSOR) {
		*rc = bad(err, "a page token longer than a cursor may be");
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f) {
			*rc = bad(err, "a page token that is not printable");
			return NULL;
		}
	if ((cur = json_string(s)) == NULL)
		*rc = JTA_ERR_NOMEM;
	return cur;
}

enum jta_err
jta_jira_search_result(const json_t *jira, const char *site,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*issues = json_object_get(jira, "issues"), *it;
	json_t		*res = NULL, *arr = NULL, *row, *cur;
	size_t		 i;

	*out = NULL;
	if (!json_is_array(issues)) {
		rc = bad(err, "a search result without issues");
		goto out;
	}
	if (json_array_size(issues) > JTA_LIMIT_PAGE_MAX) {
		rc = bad(err, "more issues than asked for");
		goto out;
	}
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	json_array_foreach(issues, i, it) {
		if ((rc = slimrow(it, site, &row, err)) != JTA_OK)
			goto out;
		if (json_array_append_new(arr, row) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if ((cur = cursorof(jira, &rc, err)) == NULL)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((res = json_object()) == NULL) {
		json_decref(cur);
		goto out;
	}
	if (oset(res, "issues", arr) != 0) {
		arr = NULL;
		json_decref(cur);
		goto out;
	}
	arr = NULL;
	if (oset(res, "next_cursor", cur) != 0)
		goto out;
	*out = res;
	res = NULL;
	rc = JTA_OK;
out:
	json_decref(arr);
	json_decref(res);
	return rc;
}

/* A comment's id as an integer, or JSON null. */
static json_t *
commentid(const json_t *v)
{
	uint64_t	 n;

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return json_integer(json_integer_value(v));
	if (json_is_string(v) && jta_text_parse_uint(json_string_value(v),
	    json_string_length(v), INT64_MAX, &n) == 0)
		return json_integer((json_int_t)n);
	return json_null();
}

/* comment_count and the last comments of fields.comment. */
static enum jta_err
comments(const json_t *f, json_t *o)
{
	const json_t	*c = json_object_get(f, "comment"), *list, *tot, *it;
	json_t		*arr, *one;
	size_t		 n, i;
	json_int_t	 count;

	list = json_is_array(c) ? c : json_object_get(c, "comments");
	n = json_is_array(list) ? json_array_size(list) : 0;
	tot = json_object_get(c, "total");
	count = json_is_integer(tot) && json_integer_value(tot) >= 0 &&
	    (uint64_t)json_integer_value(tot) >= n ?
	    json_integer_value(tot) : (json_int_t)n;
	if (oset(o, "comment_count", json_integer(count)) != 0 ||
	    oset(o, "comments", arr = json_array()) != 0)
		return JTA_ERR_NOMEM;
	for (i = n > JTA_LIMIT_COMMENTS_SHOWN ? n -
	    JTA_LIMIT_COMMENTS_SHOWN : 0; i < n; i++) {
		it = json_array_get(list, i);
		if (!json_is_object(it))
			continue;
		if ((one = json_object()) == NULL)
			return JTA_ERR_NOMEM;
		if (json_array_append_new(arr, one) != 0 ||
		    oset(one, "id", commentid(json_object_get(it, "id"))) ||
		    oset(one, "author", subname(it, "author",
		    "displayName")) ||
		    oset(one, "body", json_is_object(json_object_get(it,
		    "body")) ? json_deep_copy(json_object_get(it, "body")) :
		    json_null()) ||
		    oset(one, "created", ourtime(json_object_get(it,
		    "created"))))
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

/* The strings of an array of at most JTA_LIMIT_JIRA_ITEMS (not an array:
 * empty). */
static enum jta_err
strings(const json_t *a, json_t **out, struct jta_error *err)
{
	const json_t	*it;
	size_t		 i;

	*out = NULL;
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "a list longer than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(a, i, it)
		if (json_is_string(it) &&
		    json_array_append_new(*out, json_deep_copy(it)) != 0)
			return JTA_ERR_NOMEM;
	return JTA_OK;
}

enum jta_err
jta_jira_issue(const json_t *jira, const char *site, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*f = json_object_get(jira, "fields"), *d;
	json_t		*o = NULL, *labels = NULL;

	*out = NULL;
	if ((rc = slimrow(jira, site, &o, err)) != JTA_OK)
		goto out;
	if ((rc = strings(json_object_get(f, "labels"), &labels, err)) !=
	    JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	d = json_object_get(f, "description");
	if (oset(o, "project", subname(f, "project", "key")) ||
	    oset(o, "labels", labels) ||
	    oset(o, "description", json_is_object(d) ? json_deep_copy(d) :
	    json_null())) {
		labels = NULL;
		goto out;
	}
	labels = NULL;
	if ((rc = comments(f, o)) != JTA_OK)
		goto out;
	*out = o;
	o = NULL;
	rc = JTA_OK;
out:
	json_decref(labels);
	json_decref(o);
	return rc;
}

/* ---- transitions ---- */

/* The transitions array of a Transitions object, checked. */
static enum jta_err
translist(const json_t *jira, const json_t **list, struct jta_error *err)
{
	*list = json_object_get(jira, "transitions");
	if (!json_is_array(*list))
		return bad(err, "no list of transitions");
	if (json_array_size(*list) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "more transitions than this server reads");
	return JTA_OK;
}

/* The target status name of a transition Jira offers now, or NULL. */
static const char *
target(const json_t *t)
{
	if (json_is_false(json_object_get(t, "isAvailable")))
		return NULL;
	return strmem(json_object_get(t, "to"), "name");
}

/* The distinct target status names, in Jira's order. */
static enum jta_err
targets(const json_t *list, json_t **out)
{
	const json_t	*t, *seen;
	const char	*name;
	size_t		 i, j;

	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(list, i, t) {
		if ((name = target(t)) == NULL)
			continue;
		json_array_foreach(*out, j, seen)
			if (strcasecmp(json_string_value(seen), name) == 0)
				break;
		if (j == json_array_size(*out) &&
		    json_array_append_new(*out, json_string(name)) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	return JTA_OK;
}

enum jta_err
jta_jira_transitions(const json_t *jira, const char *key,
    const char *status, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*list;
	json_t		*names = NULL, *o = NULL, *arr, *nm;
	size_t		 i;

	*out = NULL;
	if ((rc = translist(jira, &list, err)) != JTA_OK ||
	    (rc = targets(list, &names)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((o = json_object()) == NULL)
		goto out;
	if (oset(o, "key", key != NULL ? json_string(key) : json_null()) ||
	    oset(o, "status", status != NULL ? json_string(status) :
	    json_null()) || oset(o, "transitions", arr = json_array()))
		goto out;
	json_array_foreach(names, i, nm)
		if (json_array_append_new(arr, json_pack("{s:O}", "to",
		    nm)) != 0)
			goto out;
	*out = o;
	o = NULL;
	rc = JTA_OK;
out:
	json_decref(names);
	json_decref(o);
	return rc;
}

enum jta_err
jta_jira_transition_id(const json_t *jira, const char *to,
    const char **id, json_t **allowed, struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*list, *t, *found = NULL, *nm;
	json_t		*names = NULL;
	const char	*s;
	char		 text[JTA_ERROR_DETAIL - 64];
	struct jta_buf	 b;
	size_t		 i;

	*id = NULL;
	if (allowed != NULL)
		*allowed = NULL;
	if (to == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "to",
		    "to is required");
		goto out;
	}
	if ((rc = translist(jira, &list, err)) != JTA_OK)
		goto out;
	json_array_foreach(list, i, t)
		if ((s = target(t)) != NULL && strcasecmp(s, to) == 0) {
			found = t;
			break;
		}
	if (found == NULL)
		json_array_foreach(list, i, t)
			if (target(t) != NULL && (s = strmem(t, "name")) !=
			    NULL && strcasecmp(s, to) == 0) {
				found = t;
				break;
			}
	if (found != NULL) {
		if ((*id = strmem(found, "id")) == NULL) {
			rc = bad(err, "a transition without an id");
			goto out;
		}
		rc = JTA_OK;
		goto out;
	}
	if ((rc = targets(list, &names)) != JTA_OK)
		goto out;
	jta_buf_init_fixed(&b, text, sizeof(text));
	json_array_foreach(names, i, nm) {
		if (i > 0)
			sb_text(&b, ", ", 2);
		sb_text(&b, json_string_value(nm), JTA_LIMIT_NAME);
	}
	if (b.len == 0)
		sb_text(&b, "nothing (the workflow allows no move now)",
		    sizeof(text));
	rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "to",
	    "this issue can move only to: %s", text);
	if (allowed != NULL) {
		*allowed = names;
		names = NULL;
	}
out:
	json_decref(names);
	return rc;
}

json_t *
jta_jira_transition_body(const char *id)
{
	return id == NULL ? NULL : json_pack("{s:{s:s}}", "transition", "id",
	    id);
}

/* ---- projects, issue types, priorities ---- */

/* The names of the issue types in the array a that are not sub-tasks. */
static enum jta_err
typenames(const json_t *a, json_t **out, struct jta_error *err)
{
	const json_t	*t, *nm;
	size_t		 i;

	*out = NULL;
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "more issue types than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(a, i, t) {
		nm = json_object_get(t, "name");
		if (!json_is_string(nm) ||
		    json_is_true(json_object_get(t, "subtask")))
			continue;
		if (json_array_append_new(*out, json_deep_copy(nm)) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	return JTA_OK;
}

enum jta_err
jta_jira_types(const json_t *jira, json_t **out, struct jta_error *err)
{
	const json_t	*a = jira;

	*out = NULL;
	if (!json_is_array(a))
		a = json_object_get(jira, "issueTypes");
	if (!json_is_array(a))
		a = json_object_get(jira, "createMetaIssueType");
	if (!json_is_array(a))
		return bad(err, "no list of issue types");
	return typenames(a, out, err);
}

/* The names of the priorities in an array of Priority or a page of them. */
static enum jta_err
prionames(const json_t *p, json_t **out, struct jta_error *err)
{
	const json_t	*a = json_is_array(p) ? p : json_object_get(p,
			    "values"), *it, *nm;
	size_t		 i;

	*out = NULL;
	if (p != NULL && !json_is_array(a))
		return bad(err, "no list of priorities");
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "more priorities than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(a, i, it)
		if (json_is_string(nm = json_object_get(it, "name")) &&
		    json_array_append_new(*out, json_deep_copy(nm)) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	return JTA_OK;
}

enum jta_err
jta_jira_projects(const json_t *projects, const json_t *priorities,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*vals, *p, *k;
	json_t		*prio = NULL, *arr = NULL, *one = NULL, *types;
	size_t		 i;

	*out = NULL;
	vals = json_is_array(projects) ? projects :
	    json_object_get(projects, "values");
	if (!json_is_array(vals)) {
		rc = bad(err, "no list of projects");
		goto out;
	}
	if (json_array_size(vals) > JTA_LIMIT_JIRA_ITEMS) {
		rc = bad(err, "more projects in a page than this server "
		    "reads");
		goto out;
	}
	if ((rc = prionames(priorities, &prio, err)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	json_array_foreach(vals, i, p) {
		k = json_object_get(p, "key");
		if (!json_is_string(k))
			continue;
		if ((rc = typenames(json_object_get(p, "issueTypes"), &types,
		    err)) != JTA_OK)
			goto out;
		rc = JTA_ERR_NOMEM;
		if ((one = json_object()) == NULL) {
			json_decref(types);
			goto out;
		}
		if (oset(one, "types", types) ||
		    oset(one, "key", json_deep_copy(k)) ||
		    oset(one, "name", json_is_string(json_object_get(p,
		    "name")) ? json_deep_copy(json_object_get(p, "name")) :
		    json_null()) ||
		    oset(one, "priorities", json_deep_copy(prio)))
			goto out;
		if (json_array_append_new(arr, one) != 0) {
			one = NULL;
			goto out;
		}
		one = NULL;
	}
	if ((*out = json_pack("{s:o}", "projects", arr)) == NULL) {
		arr = NULL;
		goto out;
	}
	arr = NULL;
	rc = JTA_OK;
out:
	json_decref(one);
	json_decref(arr);
	json_decref(prio);
	return rc;
}

/* ---- the user ---- */

enum jta_err
jta_jira_me(const json_t *myself, const char *site, json_t **out,
    struct jta_error *err)
{
	const json_t	*id = json_object_get(myself, "accountId");
	const json_t	*dn = json_object_get(myself, "displayName");
	const json_t	*em = json_object_get(myself, "emailAddress");
	const char	*s;
	json_t		*o;
	size_t		 i, len;

	*out = NULL;
	if (!json_is_string(id) || (len = json_string_length(id)) == 0 ||
	    len > JTA_LIMIT_ACCOUNT_ID)
		return bad(err, "a user without a valid account id");
	s = json_string_value(id);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == ':' || s[i] == '-' || s[i] == '_'))
			return bad(err, "a user without a valid account id");
	if ((o = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if (oset(o, "name", json_string(s)) ||
	    oset(o, "display_name", json_is_string(dn) ? json_deep_copy(dn) :
	    json_null()) ||
	    oset(o, "email", json_is_string(em) && json_string_length(em) >
	    0 ? json_deep_copy(em) : json_null()) ||
	    oset(o, "backend", json_string("jira")) ||
	    (site != NULL && oset(o, "site", json_string(site)))) {
		json_decref(o);
		return JTA_ERR_NOMEM;
	}
	*out = o;
	return JTA_OK;
}

/* ---- request bodies ---- */

/* {"name": v} or {"accountId": v} for a string v, JSON null for null. */
static json_t *
ref(const char *member, const json_t *v)
{
	json_t	*copy;

	if (json_is_null(v))
		return json_null();
	if ((copy = json_deep_copy(v)) == NULL)
		return NULL;
	return json_pack("{s:o}", member, copy);
}

/* A copy of our labels for Jira: strings without blanks (Jira refuses a
 * label with a space). */
static enum jta_err
labelsfor(const json_t *v, json_t **out, struct jta_error *err)
{
	const json_t	*it;
	const char	*s;
	size_t		 i, j;

	*out = NULL;
	if (!json_is_array(v) || json_array_size(v) > JTA_LIMIT_LABELS)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "labels",
		    "labels must be a list of at most %d strings",
		    JTA_LIMIT_LABELS);
	json_array_foreach(v, i, it) {
		if (!json_is_string(it) || json_string_length(it) == 0)
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "labels", "labels must be non-empty strings");
		s = json_string_value(it);
		for (j = 0; j < json_string_length(it); j++)
			if ((unsigned char)s[j] <= 0x20 || s[j] == 0x7f)
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    "labels", "a Jira label cannot contain "
				    "spaces or control characters; join the "
				    "words with - or _");
	}
	return (*out = json_deep_copy(v)) == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

/* Our fields' names and what they become in Jira's "fields". */
static const struct {
	const char	*ours;
	const char	*jira;
	const char	*refmember;	/* {"name": v} etc.; NULL: as is */
	int		 create;	/* 2 required, 1 allowed on create */
	int		 edit;		/* 2 nullable, 1 allowed on edit */
} bodyfields[] = {
	{ "project", "project", "key", 2, 0 },
	{ "summary", "summary", NULL, 2, 1 },
	{ "type", "issuetype", "name", 2, 1 },
	{ "description", "description", NULL, 1, 2 },
	{ "priority", "priority", "name", 1, 2 },
	{ "labels", "labels", NULL, 1, 2 },
	{ "assignee", "assignee", "accountId", 1, 2 },
};

#define NBODYFIELDS	(sizeof(bodyfields) / sizeof(bodyfields[0]))

static enum jta_err
fieldsbody(const json_t *fields, const json_t *adf, int edit, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*v;
	const char	*name;
	json_t		*jf = NULL, *val = NULL;
	size_t		 i;

	*out = NULL;
	if (!json_is_object(fields)) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, NULL,
		    "the fields must be an object");
		goto out;
	}
	json_object_foreach(unconst(fields), name, v) {
		for (i = 0; i < NBODYFIELDS; i++)
			if (strcmp(bodyfields[i].ours, name) == 0)
				break;
		if (i == NBODYFIELDS || (edit && !bodyfields[i].edit)) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422,
			    i == NBODYFIELDS ? NULL : bodyfields[i].ours,
			    "%s", i == NBODYFIELDS ? "a field this server "
			    "does not send to Jira was given" : "project "
			    "cannot be changed; create the issue in the "
			    "other project instead");
			goto out;
		}
	}
	rc = JTA_ERR_NOMEM;
	if ((jf = json_object()) == NULL)
		goto out;
	for (i = 0; i < NBODYFIELDS; i++) {
		name = bodyfields[i].ours;
		v = json_object_get(fields, name);
		if (strcmp(name, "description") == 0) {
			/* The caller's ADF, not our Markdown: on create
			 * whenever there is one, on edit when asked. */
			if (edit ? v == NULL : adf == NULL)
				continue;
			val = adf != NULL ? json_deep_copy(adf) : json_null();
		} else if (v == NULL) {
			if (!edit && bodyfields[i].create == 2) {
				rc = jta_error_set(err, JTA_ERR_INPUT, 422,
				    name, "%s is required", name);
				goto out;
			}
			continue;
		} else if (json_is_null(v)) {
			if (!edit && bodyfields[i].create == 2) {
				rc = jta_error_set(err, JTA_ERR_INPUT, 422,
				    name, "%s is required", name);
				goto out;
			}
			if (edit && bodyfields[i].edit != 2) {
				rc = jta_error_set(err, JTA_ERR_INPUT, 422,
				    name, "%s cannot be cleared", name);
				goto out;
			}
			if (!edit)
				continue;	/* Jira's default */
			val = strcmp(name, "labels") == 0 ? json_array() :
			    json_null();
		} else if (strcmp(name, "labels") == 0) {
			if ((rc = labelsfor(v, &val, err)) != JTA_OK)
				goto out;
		} else if (!json_is_string(v) || json_string_length(v) == 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, name,
			    "%s must be a non-empty string", name);
			goto out;
		} else
			val = bodyfields[i].refmember != NULL ?
			    ref(bodyfields[i].refmember, v) : json_deep_copy(v);
		rc = JTA_ERR_NOMEM;
		if (oset(jf, bodyfields[i].jira, val) != 0) {
			val = NULL;
			goto out;
		}
		val = NULL;
	}
	if (edit && json_object_size(jf) == 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, NULL,
		    "give at least one field to change: summary, type, "
		    "description, priority, labels or assignee");
		goto out;
	}
	rc = JTA_ERR_NOMEM;
	if ((*out = json_pack("{s:o}", "fields", jf)) == NULL) {
		jf = NULL;
		goto out;
	}
	jf = NULL;
	rc = JTA_OK;
out:
	json_decref(val);
	json_decref(jf);
	return rc;
}

enum jta_err
jta_jira_create_body(const json_t *fields, const json_t *adf_description,
    json_t **out, struct jta_error *err)
{
	return fieldsbody(fields, adf_description, 0, out, err);
}

enum jta_err
jta_jira_edit_body(const json_t *fields, const json_t *adf_description,
    json_t **out, struct jta_error *err)
{
	return fieldsbody(fields, adf_description, 1, out, err);
}

json_t *
jta_jira_comment_body(const json_t *adf)
{
	json_t	*copy;

	if (adf == NULL || (copy = json_deep_copy(adf)) == NULL)
		return NULL;
	return json_pack("{s:o}", "body", copy);
}

/* ---- errors ---- */

/* Our name for a field Jira names in an ErrorCollection, or NULL when its
 * name is not safe to show. */
static const char *
ourfield(const char *jira)
{
	size_t	 i;

	for (i = 0; i < NBODYFIELDS; i++)
		if (strcmp(bodyfields[i].jira, jira) == 0)
			return bodyfields[i].ours;
	for (i = 0; jira[i] != '\0'; i++)
		if (!((jira[i] >= 'A' && jira[i] <= 'Z') || (jira[i] >= 'a' &&
		    jira[i] <= 'z') || (jira[i] >= '0' && jira[i] <= '9') ||
		    jira[i] == '_' || jira[i] == '.' || jira[i] == '-'))
			return NULL;
	return i > 0 && i < JTA_ERROR_FIELD ? jira : NULL;
}

/*
 * The field a JQL refusal names ("The value 'Urgent' does not exist for
 * the field 'priority'."), as ours, into ours (JTA_ERROR_FIELD bytes);
 * 0 when none.  Jira answers an unknown JQL value with this message only,
 * no ErrorCollection member.
 */
static int
jqlfield(const json_t *body, char *ours)
{
	static const char mark[] = "for the field '";
	const json_t	*m;
	const char	*s, *e, *f;
	char		 name[JTA_ERROR_FIELD];
	size_t		 i;

	json_array_foreach(json_object_get(body, "errorMessages"), i, m) {
		if (!json_is_string(m) || (s = strstr(json_string_value(m),
		    mark)) == NULL)
			continue;
		s += sizeof(mark) - 1;
		if ((e = strchr(s, '\'')) == NULL || e == s ||
		    (size_t)(e - s) >= sizeof(name))
			continue;
		memcpy(name, s, (size_t)(e - s));
		name[e - s] = '\0';
		if ((f = ourfield(name)) != NULL) {
			snprintf(ours, JTA_ERROR_FIELD, "%s", f);
			return 1;
		}
	}
	return 0;
}

/* Append Jira's errorMessages to b, "; "-separated; returns how many. */
static size_t
messages(struct jta_buf *b, const json_t *body)
{
	const json_t	*m;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(body, "errorMessages"), i, m) {
		if (n >= JTA_ERROR_ITEMS)
			break;
		if (!json_is_string(m))
			continue;
		sb_text(b, n++ ? "; " : "", 2);
		sb_text(b, json_string_value(m), JTA_ERROR_MESSAGE - 1);
	}
	return n;
}

enum jta_err
jta_jira_error(long http_status, const json_t *body, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_buf	 b;
	char		 text[JTA_ERROR_DETAIL - 64], jf[JTA_ERROR_FIELD];
	const char	*k, *f, *first = NULL;
	const json_t	*v;
	size_t		 n = 0;

	jta_buf_init_fixed(&b, text, sizeof(text));
	switch (http_status) {
	case 400:
	case 422:
		json_object_foreach(unconst(json_object_get(body, "errors")),
		    k, v) {
			if (!json_is_string(v))
				continue;
			if (n >= JTA_ERROR_ITEMS)
				break;
			f = ourfield(k);
			if (first == NULL && f != NULL)
				first = f;
			sb_text(&b, n++ ? "; " : "", 2);
			sb_text(&b, f != NULL ? f : "a field", JTA_ERROR_FIELD);
			sb_text(&b, ": ", 2);
			sb_text(&b, json_string_value(v),
			    JTA_ERROR_MESSAGE - 1);
		}
		if (n > 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, first,
			    "Jira refused the fields: %s", text);
			json_object_foreach(unconst(json_object_get(body,
			    "errors")), k, v)
				if (json_is_string(v) && (f = ourfield(k)) !=
				    NULL && jta_error_add(err, f,
				    json_string_value(v)) != 0)
					break;
			break;
		}
		if (jqlfield(body, jf)) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, jf,
			    "Jira refused the search: %s", messages(&b,
			    body) > 0 ? text : "no reason given");
			break;
		}
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, NULL,
		    "Jira refused the request: %s", messages(&b, body) > 0 ?
		    text : "no reason given");
		break;
	case 401:
		rc = jta_error_set(err, JTA_ERR_AUTH, 401, NULL,
		    "Jira did not accept this account's authorization; link "
		    "the Atlassian account again");
		break;
	case 403:
		rc = jta_error_set(err, JTA_ERR_AUTH, 403, NULL,
		    "Jira does not allow this account to do that: %s",
		    messages(&b, body) > 0 ? text : "no reason given");
		break;
	case 404:
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key");
		break;
	case 409:
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "Jira refused the change: %s", messages(&b, body) > 0 ?
		    text : "it conflicts with the issue's state");
		break;
	case 429:
	case 503:
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 503, NULL,
		    "Jira is busy; try again in a minute");
		break;
	default:
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira failed (HTTP %ld); try again later", http_status);
		break;
	}
	return rc;
}

/* ---- exactly-once creates ---- */

enum jta_err
jta_jira_once_property(json_t *body, const char *once)
{
	size_t	 i, n = once != NULL ? strlen(once) : 0;

	if (n == 0 || n > JTA_LIMIT_ONCE_TOKEN)
		return JTA_ERR_INTERNAL;
	for (i = 0; i < n; i++)
		if (once[i] <= ' ' || once[i] > '~')
			return JTA_ERR_INTERNAL;
	return json_object_set_new(body, "properties", json_pack(
	    "[{s:s, s:{s:s}}]", "key", JTA_JIRA_ONCE_PROPERTY, "value",
	    "token", once)) == 0 ? JTA_OK : JTA_ERR_NOMEM;
}

int
jta_jira_once_jql(const char *project, int64_t since, int64_t now,
    char *buf, size_t bufsz)
{
	int64_t	 min;
	int	 n;

	if (project == NULL || !jta_text_is_project_key(project,
	    strlen(project)))
		return -1;
	min = since > 0 && now > since ? (now - since) / 60 + 2 : 0;
	if (min < 15)
		min = 15;
	if (min > 7 * 24 * 60)
		min = 7 * 24 * 60;
	n = snprintf(buf, bufsz, "project = \"%s\" AND reporter = "
	    "currentUser() AND created >= \"-%" PRId64 "m\" ORDER BY created "
	    "DESC", project, min);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
jta_jira_once_match(const json_t *prop, const char *once)
{
	const char	*t;

	if (!json_is_object(prop) || once == NULL)
		return 0;
	t = json_string_value(json_object_get(json_object_get(prop, "value"),
	    "token"));
	return t != NULL && strcmp(t, once) == 0;
}

/* ---- create screens (createmeta) and create with names ---- */

/* Fields this API never sets: left out of field lists and never asked
 * for (Jira fills project, issue type and reporter from the request). */
static const char *const unsettable[] = { "project", "issuetype",
    "reporter", "attachment", "issuelinks", NULL };

/* Our members of a create request that set a Jira system field of the
 * same id. */
static const char *const members[] = { "summary", "description",
    "priority", "labels", "components", "assignee", "parent", NULL };

static int
inlist(const char *const *list, const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int
endswith(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A createmeta field's id: fieldId, else key. */
static const char *
metaid(const json_t *m)
{
	const char	*id = strmem(m, "fieldId");

	return id != NULL ? id : strmem(m, "key");
}

/* The name an allowed value goes by: an option's value, else its name. */
static const char *
valname(const json_t *v)
{
	const char	*s = strmem(v, "value");

	if (s == NULL)
		s = strmem(v, "name");
	return s != NULL ? s : json_string_value(v);
}

const char *
jta_jira_field_type(const json_t *meta)
{
	const json_t	*sc = json_object_get(meta, "schema");
	const char	*t = strmem(sc, "type"), *items = strmem(sc, "items");
	const char	*sys = strmem(sc, "system"), *cu = strmem(sc, "custom");
	const char	*id = metaid(meta);

	if (t == NULL)
		return "other";
	/* Rich text is ADF in API v3: the description and paragraph
	 * (textarea) custom fields. */
	if ((sys != NULL && strcmp(sys, "description") == 0) ||
	    (cu != NULL && endswith(cu, ":textarea")))
		return "text";
	if ((id != NULL && strcmp(id, "parent") == 0) ||
	    strcmp(t, "issuelink") == 0)
		return "issue";
	if (strcmp(t, "string") == 0)
		return "string";
	if (strcmp(t, "number") == 0)
		return "number";
	if (strcmp(t, "date") == 0)
		return "date";
	if (strcmp(t, "datetime") == 0)
		return "datetime";
	if (strcmp(t, "user") == 0)
		return "user";
	if (strcmp(t, "option") == 0 || strcmp(t, "priority") == 0 ||
	    strcmp(t, "version") == 0 || strcmp(t, "component") == 0 ||
	    strcmp(t, "securitylevel") == 0 || strcmp(t, "resolution") == 0)
		return "option";
	if (strcmp(t, "array") != 0 || items == NULL)
		return "other";
	if (strcmp(items, "user") == 0)
		return "users";
	if (strcmp(items, "option") == 0 || strcmp(items, "component") == 0 ||
	    strcmp(items, "version") == 0)
		return "options";
	if (strcmp(items, "string") == 0)
		return json_is_array(json_object_get(meta, "allowedValues")) ?
		    "options" : "labels";
	return "other";
}

/* What to ask about a field of our type t. */
static enum jta_ask
askkind(const char *t)
{
	if (strcmp(t, "option") == 0)
		return JTA_ASK_ONE;
	if (strcmp(t, "options") == 0)
		return JTA_ASK_SOME;
	if (strcmp(t, "user") == 0 || strcmp(t, "users") == 0)
		return JTA_ASK_USER;
	if (strcmp(t, "issue") == 0)
		return JTA_ASK_ISSUE;
	if (strcmp(t, "number") == 0)
		return JTA_ASK_NUMBER;
	if (strcmp(t, "date") == 0)
		return JTA_ASK_DATE;
	if (strcmp(t, "datetime") == 0)
		return JTA_ASK_DATETIME;
	return JTA_ASK_TEXT;
}

/* 1 when Jira says the field is required and has no default. */
static int
mustgive(const json_t *m)
{
	return json_is_true(json_object_get(m, "required")) &&
	    !json_is_true(json_object_get(m, "hasDefaultValue"));
}

/* One createmeta field in our shape, or *out NULL when this API never
 * sets it (or Jira's entry has no usable id or name). */
static enum jta_err
metafield(const json_t *m, json_t **out, struct jta_error *err)
{
	const char	*id = metaid(m), *name = strmem(m, "name");
	const char	*t, *d;
	const json_t	*ops = json_object_get(m, "operations"), *v, *dv;
	json_t		*o = NULL, *allowed;
	size_t		 i, j;
	int		 settable = !json_is_array(ops);

	*out = NULL;
	if (id == NULL || name == NULL || inlist(unsettable, id) ||
	    strlen(id) > JTA_LIMIT_FIELD_VALUE)
		return JTA_OK;
	json_array_foreach(ops, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "set") ==
		    0)
			settable = 1;
	if (!settable)
		return JTA_OK;
	t = jta_jira_field_type(m);
	if ((o = json_pack("{s:s, s:s, s:b, s:s}", "id", id, "name", name,
	    "required", mustgive(m), "type", t)) == NULL)
		return JTA_ERR_NOMEM;
	v = json_object_get(m, "allowedValues");
	if ((strcmp(t, "option") == 0 || strcmp(t, "options") == 0) &&
	    json_is_array(v)) {
		if (json_array_size(v) > JTA_LIMIT_JIRA_ITEMS) {
			json_decref(o);
			return bad(err, "a field with too many allowed values");
		}
		if (oset(o, "allowed", allowed = json_array()) != 0)
			goto nomem;
		json_array_foreach(v, j, dv)
			if ((d = valname(dv)) != NULL &&
			    json_array_append_new(allowed, json_string(d)) != 0)
				goto nomem;
	}
	if (json_is_true(json_object_get(m, "hasDefaultValue"))) {
		dv = json_object_get(m, "defaultValue");
		if (json_is_array(dv))
			dv = json_array_get(dv, 0);
		if ((d = valname(dv)) != NULL) {
			if (oset(o, "default", json_string(d)) != 0)
				goto nomem;
		} else if (json_is_number(dv) && oset(o, "default",
		    json_deep_copy(dv)) != 0)
			goto nomem;
	}
	*out = o;
	return JTA_OK;
nomem:
	json_decref(o);
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_jira_meta_fields(const json_t *meta, json_t **out, struct jta_error *err)
{
	const json_t	*m;
	json_t		*f;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if (!json_is_array(meta))
		return bad(err, "no list of fields");
	if (json_array_size(meta) > JTA_LIMIT_META_FIELDS)
		return bad(err, "more fields than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(meta, i, m) {
		if ((rc = metafield(m, &f, err)) != JTA_OK) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
		if (f != NULL && json_array_append_new(*out, f) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	return JTA_OK;
}

enum jta_err
jta_jira_meta_type(const json_t *page, const char *name,
    const json_t **type, json_t **names, struct jta_error *err)
{
	const json_t	*a = json_is_array(page) ? page :
			    json_object_get(page, "issueTypes"), *t;
	const json_t	*first = NULL, *found = NULL;
	const char	*n;
	char		 list[300];
	size_t		 i, o = 0;

	*type = NULL;
	*names = NULL;
	if (!json_is_array(a))
		return bad(err, "no list of issue types");
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "more issue types than this server reads");
	if ((*names = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	list[0] = '\0';
	json_array_foreach(a, i, t) {
		if ((n = strmem(t, "name")) == NULL || strmem(t, "id") == NULL)
			continue;
		if (json_array_append_new(*names, json_string(n)) != 0)
			return JTA_ERR_NOMEM;
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", o ? ", " : "", n);
		if (first == NULL && !json_is_true(json_object_get(t,
		    "subtask")))
			first = t;
		if (found == NULL && name != NULL && strcasecmp(n, name) == 0)
			found = t;
	}
	*type = name != NULL ? found : first;
	if (*type != NULL)
		return JTA_OK;
	if (name == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "type",
		    "this project has no issue type you may create");
	return jta_error_set(err, JTA_ERR_INPUT, 422, "type",
	    "this project has no such issue type; its types: %s", list);
}

/* Add a problem about request member field (a Jira field m, or NULL) to
 * err: its name, up to JTA_ERROR_NALLOWED allowed values of m or of
 * names (an array of strings) and a question. */
static int
problem(struct jta_error *err, const char *field, const json_t *m,
    const json_t *names, enum jta_ask kind, const char *fmt, ...)
    JTA_PRINTF(6, 7);

static int
problem(struct jta_error *err, const char *field, const json_t *m,
    const json_t *names, enum jta_ask kind, const char *fmt, ...)
{
	char		 msg[JTA_ERROR_MESSAGE];
	const json_t	*v;
	const char	*s;
	size_t		 i;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (jta_error_add(err, field, msg) != 0)
		return -1;
	if (m != NULL) {
		(void)jta_error_name(err, strmem(m, "name"));
		names = json_object_get(m, "allowedValues");
	}
	json_array_foreach(names, i, v)
		if ((s = valname(v)) != NULL && jta_error_allow(err, s) != 0)
			break;
	(void)jta_error_ask_about(err, kind);
	return 0;
}

/* The field of meta whose id is key, else whose name is key ignoring
 * case; NULL when none. */
static const json_t *
findmeta(const json_t *meta, const char *key)
{
	const json_t	*m;
	const char	*s;
	size_t		 i;

	json_array_foreach(meta, i, m)
		if ((s = metaid(m)) != NULL && strcmp(s, key) == 0)
			return m;
	json_array_foreach(meta, i, m)
		if ((s = strmem(m, "name")) != NULL && strcasecmp(s, key) == 0)
			return m;
	return NULL;
}

/* The allowed value of m named name (ignoring case), or NULL. */
static const json_t *
findvalue(const json_t *m, const char *name)
{
	const json_t	*v;
	const char	*s;
	size_t		 i;

	json_array_foreach(json_object_get(m, "allowedValues"), i, v)
		if ((s = valname(v)) != NULL && strcasecmp(s, name) == 0)
			return v;
	return NULL;
}

/* {"id": the allowed value's id} (or {"value": name} when Jira lists no
 * values), and its name for the preview. */
static json_t *
idof(const json_t *v, const char *name, const char **shown)
{
	const char	*id = strmem(v, "id");

	*shown = v != NULL && valname(v) != NULL ? valname(v) : name;
	if (id != NULL)
		return json_pack("{s:s}", "id", id);
	return json_pack("{s:s}", "value", name);
}

/* State of one resolution. */
struct resolving {
	const json_t	*meta;		/* the type's createmeta fields */
	const char	*tname;		/* the type's name */
	json_t		*prep;		/* the preview */
	json_t		*jf;		/* _ids.fields: Jira's create fields */
	json_t		*adf;		/* _ids.adf: ids holding Markdown */
	json_t		*users;		/* _ids.users: people to look up */
	json_t		*shown;		/* the preview's "fields" */
	json_t		*given;		/* ids the request set, right or
					 * wrong: not asked for again */
	struct jta_error *err;
};

/* A single name for option field m, as member field; returns 0, or -1
 * when memory ran out. */
static int
one(struct resolving *r, const json_t *m, const char *field, const char *id,
    const char *name, const char *as)
{
	const json_t	*v = findvalue(m, name);
	const char	*shown;

	if (v == NULL && json_is_array(json_object_get(m, "allowedValues"))) {
		problem(r->err, field, m, NULL, JTA_ASK_ONE, "has no value "
		    "'%.64s'", name);
		return 0;
	}
	if (oset(r->jf, id, idof(v, name, &shown)) != 0)
		return -1;
	return oset(as != NULL ? r->shown : r->prep, as != NULL ? as : field,
	    json_string(shown));
}

/* Several names (an array of strings or one string) for options field m. */
static int
some(struct resolving *r, const json_t *m, const char *field, const char *id,
    const json_t *names, const char *as)
{
	json_t		*ids = json_array(), *shownl = json_array();
	json_t		*tmp = NULL;
	const json_t	*x, *v, *list = names;
	const char	*shown;
	size_t		 i, nbad = 0;
	char		 badl[JTA_ERROR_MESSAGE];
	struct jta_buf	 b;

	jta_buf_init_fixed(&b, badl, sizeof(badl));
	if (ids == NULL || shownl == NULL)
		goto nomem;
	if (json_is_string(names) && (list = tmp = json_pack("[O]", names)) ==
	    NULL)
		goto nomem;
	json_array_foreach(list, i, x) {
		if (!json_is_string(x)) {
			sb_text(&b, nbad++ ? "', '" : "", 4);
			sb_text(&b, "(not a name)", 16);
			continue;
		}
		v = findvalue(m, json_string_value(x));
		if (v == NULL && json_is_array(json_object_get(m,
		    "allowedValues"))) {
			sb_text(&b, nbad++ ? "', '" : "", 4);
			sb_text(&b, json_string_value(x), 64);
			continue;
		}
		if (json_array_append_new(ids, idof(v, json_string_value(x),
		    &shown)) != 0 || json_array_append_new(shownl,
		    json_string(shown)) != 0)
			goto nomem;
	}
	json_decref(tmp);
	tmp = NULL;
	if (nbad > 0) {
		problem(r->err, field, m, NULL, JTA_ASK_SOME, "has no value%s "
		    "'%s'", nbad > 1 ? "s" : "", badl);
		json_decref(ids);
		json_decref(shownl);
		return 0;
	}
	if (oset(r->jf, id, ids) != 0) {
		json_decref(shownl);
		return -1;
	}
	return oset(as != NULL ? r->shown : r->prep, as != NULL ? as : field,
	    shownl);
nomem:
	json_decref(tmp);
	json_decref(ids);
	json_decref(shownl);
	return -1;
}

/* A person (or several) to look up by the backend. */
static int
person(struct resolving *r, const char *field, const char *id,
    const json_t *value, int multi, const char *name)
{
	json_t	*vals = json_is_array(value) ? json_deep_copy(value) :
		    json_pack("[O]", value);

	if (vals == NULL)
		return -1;
	if (json_array_size(vals) == 0 || json_array_size(vals) >
	    JTA_LIMIT_COMPONENTS) {
		json_decref(vals);
		problem(r->err, field, NULL, NULL, JTA_ASK_USER, "must name 1 "
		    "to %d people", JTA_LIMIT_COMPONENTS);
		return 0;
	}
	/* A placeholder until the backend has the account ids. */
	if (oset(r->jf, id, json_null()) != 0) {
		json_decref(vals);
		return -1;
	}
	return json_array_append_new(r->users, json_pack("{s:s, s:s, s:s, "
	    "s:o, s:b}", "field", field, "id", id, "name", name, "values",
	    vals, "multi", multi));
}

/* 1 when s is a date YYYY-MM-DD. */
static int
isdate(const char *s, size_t len)
{
	int64_t	 t;

	return len == 10 && jta_time_parse(s, len, &t) == 0;
}

/* Set custom (or other non-member) field m from value v, sent as key. */
static int
custom(struct resolving *r, const json_t *m, const char *key, const json_t *v)
{
	char		 field[JTA_ERROR_FIELD];
	char		 when[JTA_TIME_STRLEN], jt[40];
	const char	*id = metaid(m), *t = jta_jira_field_type(m);
	const char	*name = strmem(m, "name"), *s = json_string_value(v);
	size_t		 len = json_string_length(v), i;
	const json_t	*x;
	int64_t		 tm;

	snprintf(field, sizeof(field), "fields.%s", key);
	if (strcmp(t, "option") == 0) {
		if (s == NULL)
			goto wrong;
		return one(r, m, field, id, s, name);
	}
	if (strcmp(t, "options") == 0) {
		if (s == NULL && !json_is_array(v))
			goto wrong;
		return some(r, m, field, id, v, name);
	}
	if (strcmp(t, "user") == 0 || strcmp(t, "users") == 0) {
		if (s == NULL && !(json_is_array(v) && strcmp(t, "users") ==
		    0))
			goto wrong;
		return person(r, field, id, v, strcmp(t, "users") == 0, name);
	}
	if (strcmp(t, "number") == 0) {
		if (!json_is_number(v))
			goto wrong;
		return oset(r->jf, id, json_deep_copy(v)) != 0 ||
		    oset(r->shown, name, json_deep_copy(v)) != 0 ? -1 : 0;
	}
	if (strcmp(t, "labels") == 0) {
		if (!json_is_array(v) || json_array_size(v) > JTA_LIMIT_LABELS)
			goto wrong;
		json_array_foreach(v, i, x) {
			s = json_string_value(x);
			if (s == NULL || json_string_length(x) == 0 ||
			    json_string_length(x) > JTA_LIMIT_LABEL ||
			    strpbrk(s, " \t\r\n") != NULL)
				goto wrong;
		}
		return oset(r->jf, id, json_deep_copy(v)) != 0 ||
		    oset(r->shown, name, json_deep_copy(v)) != 0 ? -1 : 0;
	}
	if (s == NULL)
		goto wrong;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && !(strcmp(t, "text") == 0 &&
		    (s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))) ||
		    s[i] == 0x7f)
			goto wrong;
	if (strcmp(t, "date") == 0) {
		if (!isdate(s, len))
			goto wrong;
	} else if (strcmp(t, "datetime") == 0) {
		/* Jira's datetime: 2026-11-29T10:00:00.000+0000. */
		if (jta_time_parse(s, len, &tm) != 0)
			goto wrong;
		jta_time_format(tm, when);
		snprintf(jt, sizeof(jt), "%.19s.000+0000", when);
		return oset(r->jf, id, json_string(jt)) != 0 ||
		    oset(r->shown, name, json_string(when)) != 0 ? -1 : 0;
	} else if (strcmp(t, "issue") == 0) {
		if (!iskey(s, len))
			goto wrong;
		return oset(r->jf, id, json_pack("{s:s}", "key", s)) != 0 ||
		    oset(r->shown, name, json_deep_copy(v)) != 0 ? -1 : 0;
	} else if (strcmp(t, "text") == 0) {
		if (len > JTA_LIMIT_DESCRIPTION)
			goto wrong;
		if (json_array_append_new(r->adf, json_string(id)) != 0)
			return -1;
	} else if (strcmp(t, "string") != 0) {
		problem(r->err, field, m, NULL, JTA_ASK_TEXT, "cannot be set "
		    "through this API; set it in Jira");
		return 0;
	} else if (len > JTA_LIMIT_FIELD_VALUE)
		goto wrong;
	return oset(r->jf, id, json_deep_copy(v)) != 0 ||
	    oset(r->shown, name, json_deep_copy(v)) != 0 ? -1 : 0;
wrong:
	problem(r->err, field, m, NULL, askkind(t), "must be %s",
	    strcmp(t, "option") == 0 ? "one of the allowed values (a string)" :
	    strcmp(t, "options") == 0 ? "a list of allowed values" :
	    strcmp(t, "user") == 0 ? "a person: name, email or account id" :
	    strcmp(t, "users") == 0 ? "a list of people" :
	    strcmp(t, "number") == 0 ? "a number" :
	    strcmp(t, "labels") == 0 ? "a list of labels without blanks" :
	    strcmp(t, "date") == 0 ? "a date YYYY-MM-DD" :
	    strcmp(t, "datetime") == 0 ? "a UTC time YYYY-MM-DDTHH:MM:SSZ" :
	    strcmp(t, "issue") == 0 ? "an issue key like OPS-12" :
	    "a string without control characters, at most 255 bytes "
	    "(text fields 32768)");
	return 0;
}

/* The member field of input, which sets Jira field id; m its createmeta
 * field (NULL when the type's create screen does not have it). */
static int
member(struct resolving *r, const json_t *input, const char *field)
{
	const json_t	*v = json_object_get(input, field);
	const json_t	*m = findmeta(r->meta, field);

	if (v == NULL)
		return 0;
	if (m == NULL || strcmp(metaid(m), field) != 0) {
		problem(r->err, field, NULL, NULL, JTA_ASK_TEXT, "cannot be "
		    "set on a %.64s in this project (not on its create "
		    "screen)", r->tname);
		return 0;
	}
	if (strcmp(field, "priority") == 0)
		return one(r, m, field, field, json_string_value(v), NULL);
	if (strcmp(field, "components") == 0)
		return some(r, m, field, field, v, NULL);
	if (strcmp(field, "assignee") == 0) {
		if (json_is_null(v))
			return oset(r->jf, field, json_null()) != 0 ||
			    oset(r->prep, field, json_null()) != 0 ? -1 : 0;
		return person(r, field, field, v, 0, "Assignee");
	}
	if (strcmp(field, "parent") == 0)
		return oset(r->jf, field, json_pack("{s:O}", "key", v)) != 0 ||
		    oset(r->prep, field, json_deep_copy(v)) != 0 ? -1 : 0;
	if (strcmp(field, "description") == 0 && json_array_append_new(r->adf,
	    json_string(field)) != 0)
		return -1;
	return oset(r->jf, field, json_deep_copy(v)) != 0 ||
	    oset(r->prep, field, json_deep_copy(v)) != 0 ? -1 : 0;
}

/* Ask for every field Jira requires that nothing set. */
static void
missing(struct resolving *r)
{
	const json_t	*m;
	const char	*id, *name;
	char		 field[JTA_ERROR_FIELD];
	size_t		 i;

	json_array_foreach(r->meta, i, m) {
		id = metaid(m);
		name = strmem(m, "name");
		if (id == NULL || name == NULL || !mustgive(m) ||
		    inlist(unsettable, id) || json_object_get(r->jf, id) ||
		    json_object_get(r->given, id))
			continue;
		if (inlist(members, id))
			snprintf(field, sizeof(field), "%s", id);
		else
			snprintf(field, sizeof(field), "fields.%s", name);
		problem(r->err, field, m, NULL,
		    askkind(jta_jira_field_type(m)), "is required");
	}
}

enum jta_err
jta_jira_resolve(const json_t *input, const json_t *type,
    const json_t *meta, json_t **prepared, struct jta_error *err)
{
	struct resolving r;
	const char	*key, *project = strmem(input, "project");
	const json_t	*v, *m;
	json_t		*ids = NULL, *names = NULL;
	size_t		 i;
	enum jta_err	 rc = JTA_ERR_NOMEM;

	*prepared = NULL;
	memset(&r, 0, sizeof(r));
	r.meta = meta;
	r.err = err;
	r.tname = strmem(type, "name");
	if (project == NULL || r.tname == NULL || strmem(type, "id") == NULL ||
	    !json_is_array(meta))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a create request was resolved without its project, "
		    "type or fields");
	if ((r.prep = json_pack("{s:s, s:s}", "project", project, "type",
	    r.tname)) == NULL || (r.jf = json_pack("{s:{s:s}, s:{s:s}}",
	    "project", "key", project, "issuetype", "id", strmem(type,
	    "id"))) == NULL || (r.adf = json_array()) == NULL ||
	    (r.users = json_array()) == NULL ||
	    (r.shown = json_object()) == NULL ||
	    (r.given = json_object()) == NULL)
		goto out;
	for (i = 0; members[i] != NULL; i++)
		if ((json_object_get(input, members[i]) != NULL &&
		    json_object_set_new(r.given, members[i], json_true()) !=
		    0) || member(&r, input, members[i]) != 0)
			goto out;
	json_object_foreach(unconst(json_object_get(input, "fields")), key, v) {
		char	 field[JTA_ERROR_FIELD];

		snprintf(field, sizeof(field), "fields.%s", key);
		if ((m = findmeta(meta, key)) == NULL) {
			json_decref(names);
			if ((names = json_array()) == NULL ||
			    jta_jira_meta_fields(meta, &ids, err) != JTA_OK)
				goto out;
			json_array_foreach(ids, i, m)
				if (!inlist(members, strmem(m, "id")) &&
				    json_array_append(names, json_object_get(m,
				    "name")) != 0)
					goto out;
			json_decref(ids);
			ids = NULL;
			if (problem(err, field, NULL, names, JTA_ASK_TEXT,
			    "is not a field of a %.64s in this project",
			    r.tname) == 0)
				(void)jta_error_ask(err, "Which field of a "
				    "%.64s did you mean? (see allowed)",
				    r.tname);
			continue;
		}
		if (inlist(members, metaid(m))) {
			problem(err, field, NULL, NULL, JTA_ASK_TEXT, "is set "
			    "by the request member \"%s\"; send it there",
			    metaid(m));
			continue;
		}
		if (inlist(unsettable, metaid(m)) || json_object_get(r.jf,
		    metaid(m)) != NULL) {
			problem(err, field, NULL, NULL, JTA_ASK_TEXT, "cannot "
			    "be set here%s", json_object_get(r.jf, metaid(m)) ?
			    " (given twice)" : "");
			continue;
		}
		if (json_object_set_new(r.given, metaid(m), json_true()) != 0 ||
		    custom(&r, m, key, v) != 0)
			goto out;
	}
	missing(&r);
	if (json_object_size(r.shown) > 0 && json_object_set(r.prep, "fields",
	    r.shown) != 0)
		goto out;
	if (json_object_set_new(r.prep, "_ids", json_pack("{s:O, s:O, s:O}",
	    "fields", r.jf, "adf", r.adf, "users", r.users)) != 0)
		goto out;
	*prepared = r.prep;
	r.prep = NULL;
	rc = JTA_OK;
out:
	json_decref(r.prep);
	json_decref(r.jf);
	json_decref(r.adf);
	json_decref(r.users);
	json_decref(r.shown);
	json_decref(r.given);
	json_decref(ids);
	json_decref(names);
	return rc;
}

/* ---- similar issues and users ---- */

enum jta_err
jta_jira_jql_similar(const char *text, const char *project,
    struct jta_suggest_terms *terms, char *buf, size_t bufsz,
    struct jta_error *err)
{
	struct jta_buf	 b;
	enum jta_err	 rc;
	size_t		 i;

	if (buf == NULL || bufsz == 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "no room for the query");
	buf[0] = '\0';
	if (text == NULL || strlen(text) > JTA_LIMIT_TEXT_QUERY)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text must be 1 to %d bytes", JTA_LIMIT_TEXT_QUERY);
	if ((rc = jqlvalue(text, "text", err)) != JTA_OK ||
	    (project != NULL && (rc = jqlvalue(project, "project", err)) !=
	    JTA_OK))
		return rc;
	if (jta_suggest_terms(text, terms) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has no word to look for (words of three letters "
		    "or more that are not as common as \"the\")");
	jta_buf_init_fixed(&b, buf, bufsz > JTA_LIMIT_JQL + 1 ?
	    JTA_LIMIT_JQL + 1 : bufsz);
	if (project != NULL) {
		jta_buf_add_str(&b, "project = ");
		sb_quoted(&b, project);
		jta_buf_add_str(&b, " AND ");
	}
	/* The Lucene query: term OR term ...; terms hold no Lucene syntax
	 * (jta_suggest_terms), and sb_quoted escapes for JQL anyway. */
	{
		char	 words[JTA_LIMIT_TEXT_QUERY + 4 *
			    JTA_LIMIT_SIMILAR_TERMS + 1];
		struct jta_buf w;

		jta_buf_init_fixed(&w, words, sizeof(words));
		for (i = 0; i < terms->n; i++) {
			if (i > 0)
				jta_buf_add_str(&w, " OR ");
			jta_buf_add_str(&w, terms->term[i]);
		}
		jta_buf_add_str(&b, "text ~ ");
		sb_quoted(&b, words);
		if (w.err != JTA_OK && b.err == JTA_OK)
			b.err = w.err;
	}
	if (b.err != JTA_OK) {
		buf[0] = '\0';
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text makes a Jira query that is too long; shorten it");
	}
	return JTA_OK;
}

json_t *
jta_jira_similar_body(const char *jql, size_t max)
{
	if (jql == NULL)
		return NULL;
	if (max == 0 || max > JTA_LIMIT_PAGE_MAX)
		max = JTA_LIMIT_PAGE_MAX;
	return json_pack("{s:s, s:I, s:[s,s,s,s,s,s,s,s]}", "jql", jql,
	    "maxResults", (json_int_t)max, "fields", "summary", "status",
	    "issuetype", "priority", "labels", "components", "project",
	    "updated");
}

/* The names of an issue's components (not an array: none). */
static enum jta_err
compnames(const json_t *a, json_t **out, struct jta_error *err)
{
	const json_t	*it, *n;
	size_t		 i;

	*out = NULL;
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "a list longer than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(a, i, it)
		if (json_is_string(n = json_object_get(it, "name")) &&
		    json_array_append_new(*out, json_deep_copy(n)) != 0)
			return JTA_ERR_NOMEM;
	return JTA_OK;
}

/* The text a row's score is taken over: summary, labels, components. */
static double
rowscore(const json_t *row, const struct jta_suggest_terms *terms)
{
	char		 buf[2048];
	struct jta_buf	 b;
	const json_t	*it;
	size_t		 i;

	jta_buf_init_fixed(&b, buf, sizeof(buf));
	if (json_is_string(json_object_get(row, "summary")))
		jta_buf_add_str(&b, json_string_value(json_object_get(row,
		    "summary")));
	json_array_foreach(json_object_get(row, "labels"), i, it)
		if (b.err == JTA_OK) {
			jta_buf_add_str(&b, " ");
			jta_buf_add_str(&b, json_string_value(it));
		}
	json_array_foreach(json_object_get(row, "components"), i, it)
		if (b.err == JTA_OK) {
			jta_buf_add_str(&b, " ");
			jta_buf_add_str(&b, json_string_value(it));
		}
	/* A full buffer keeps what fit: enough to score by. */
	return jta_suggest_overlap(terms, buf);
}

struct ranked {
	json_t	*row;
	double	 score;
	size_t	 pos;
};

static int
byscore(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

enum jta_err
jta_jira_similar_result(const json_t *jira, const char *site,
    const struct jta_suggest_terms *terms, size_t limit, json_t **out,
    struct jta_error *err)
{
	const json_t	*issues = json_object_get(jira, "issues"), *it, *f;
	struct ranked	*r = NULL;
	json_t		*arr = NULL, *row = NULL, *lab = NULL, *comp = NULL;
	size_t		 i, n = 0;
	enum jta_err	 rc;

	*out = NULL;
	if (!json_is_array(issues))
		return bad(err, "a search result without issues");
	if (json_array_size(issues) > JTA_LIMIT_PAGE_MAX)
		return bad(err, "more issues than asked for");
	if ((r = calloc(json_array_size(issues) + 1, sizeof(*r))) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(issues, i, it) {
		f = json_object_get(it, "fields");
		if ((rc = slimrow(it, site, &row, err)) != JTA_OK ||
		    (rc = strings(json_object_get(f, "labels"), &lab, err)) !=
		    JTA_OK ||
		    (rc = compnames(json_object_get(f, "components"), &comp,
		    err)) != JTA_OK)
			goto out;
		json_object_del(row, "assignee");
		json_object_del(row, "reporter");
		json_object_del(row, "created");
		rc = JTA_ERR_NOMEM;
		if (oset(row, "project", subname(f, "project", "key")) ||
		    json_object_set(row, "labels", lab) ||
		    json_object_set(row, "components", comp))
			goto out;
		r[n].row = row;
		r[n].pos = n;
		r[n].score = rowscore(row, terms);
		n++;
		row = NULL;
		json_decref(lab);
		json_decref(comp);
		lab = comp = NULL;
	}
	qsort(r, n, sizeof(*r), byscore);
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	/* Jira's text search also matched descriptions and comments; a row
	 * with none of the words where we score is no similar ticket (issue
	 * 10): it is left out before the limit, so it takes no place. */
	for (i = 0; i < n && r[i].score > 0 && json_array_size(arr) < limit;
	    i++) {
		/* Three decimals: a share, not a measurement. */
		if (oset(r[i].row, "score", json_real((double)(long)(
		    r[i].score * 1000 + 0.5) / 1000)) != 0 ||
		    json_array_append(arr, r[i].row) != 0)
			goto out;
	}
	*out = arr;
	arr = NULL;
	rc = JTA_OK;
out:
	for (i = 0; i < n; i++)
		json_decref(r[i].row);
	free(r);
	json_decref(row);
	json_decref(lab);
	json_decref(comp);
	json_decref(arr);
	return rc;
}

int
jta_jira_account_like(const char *s)
{
	size_t	 i, len = strlen(s);
	int	 colon = 0, hex = 1;

	if (len < 10 || len > JTA_LIMIT_ACCOUNT_ID)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == ':')
			colon = 1;
		else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			hex = 0;
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    s[i] == ':' || s[i] == '-'))
			return 0;
	}
	return colon || (hex && len == 24);
}

const json_t *
jta_jira_person_pick(const json_t *users, const char *value, int *several)
{
	const json_t	*p, *hit = NULL;
	const char	*id, *mail, *name;
	size_t		 i, exact = 0, withid = 0;
	int		 byid = jta_jira_account_like(value);

	*several = 0;
	json_array_foreach(users, i, p) {
		if ((id = json_string_value(json_object_get(p, "accountId"))) ==
		    NULL)
			continue;
		withid++;
		mail = json_string_value(json_object_get(p, "emailAddress"));
		name = json_string_value(json_object_get(p, "displayName"));
		if (strcmp(id, value) == 0 || (!byid && ((mail != NULL &&
		    strcasecmp(mail, value) == 0) || (name != NULL &&
		    strcasecmp(name, value) == 0)))) {
			exact++;
			hit = p;
		}
	}
	if (exact > 1) {
		*several = 1;
		return NULL;
	}
	if (exact == 1)
		return hit;
	if (byid || withid != 1 || json_array_size(users) != 1) {
		*several = !byid && withid > 1;
		return NULL;
	}
	p = json_array_get(users, 0);
	mail = json_string_value(json_object_get(p, "emailAddress"));
	if (strchr(value, '@') != NULL && mail != NULL)
		return NULL;	/* shown, and not equal: someone else */
	return p;
}

enum jta_err
jta_jira_users(const json_t *jira, size_t limit, json_t **out,
    struct jta_error *err)
{
	const json_t	*it, *type;
	struct jta_error e;
	json_t		*arr = NULL, *me = NULL, *one;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if (!json_is_array(jira))
		return bad(err, "a user search that is not a list");
	if (json_array_size(jira) > JTA_LIMIT_JIRA_ITEMS)
		return bad(err, "more users than asked for");
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(jira, i, it) {
		if (json_array_size(arr) >= limit)
			break;
		type = json_object_get(it, "accountType");
		if (!json_is_true(json_object_get(it, "active")) ||
		    !json_is_string(type) || strcmp(json_string_value(type),
		    "atlassian") != 0)
			continue;
		/* The same checks as /myself's: a valid account id. */
		if (jta_jira_me(it, NULL, &me, &e) != JTA_OK)
			continue;
		rc = JTA_ERR_NOMEM;
		if ((one = json_object()) == NULL ||
		    json_array_append_new(arr, one) != 0 ||
		    json_object_set(one, "id", json_object_get(me, "name")) ||
		    json_object_set(one, "name", json_is_string(json_object_get(
		    me, "display_name")) ? json_object_get(me,
		    "display_name") : json_object_get(me, "name")) ||
		    (json_is_string(json_object_get(me, "email")) &&
		    json_object_set(one, "email", json_object_get(me,
		    "email"))))
			goto out;
		json_decref(me);
		me = NULL;
	}
	if ((*out = json_pack("{s:O}", "users", arr)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = JTA_OK;
out:
	json_decref(me);
	json_decref(arr);
	return rc;
}


/* ---- the basic ticketing API (/api/tickets/) ---- */

/* Append filter v (our name field) as plain words in a text clause
 * "jqlfield ~ "..."". */
static enum jta_err
tk_words(struct jta_buf *b, size_t *n, const char *jqlfield, const char *field,
    const char *v, struct jta_error *err)
{
	char		 words[JTA_LIMIT_TEXT_QUERY + 1];
	enum jta_err	 rc;

	if (strlen(v) > JTA_LIMIT_TEXT_QUERY)
		return jta_error_set(err, JTA_ERR_INPUT, 400, field,
		    "Ensure this field has no more than %d characters.",
		    JTA_LIMIT_TEXT_QUERY);
	if ((rc = jqlvalue(v, field, err)) != JTA_OK) {
		err->status = 400;
		return rc;
	}
	if (plainwords(v, words, sizeof(words)) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, field,
		    "Jira matches whole words, and this value has none.");
	sb_and(b, n);
	jta_buf_add_str(b, jqlfield);
	jta_buf_add_str(b, " ~ ");
	sb_quoted(b, words);
	return JTA_OK;
}

enum jta_err
jta_jira_tk_jql(const struct jta_tk_query *q, const char *project,
    char *buf, size_t bufsz, int *none, struct jta_error *err)
{
	static const struct {
		const char	*ours;
		const char	*jql;
	} orders[] = {
		{ "-created", "created DESC" },
		{ "created", "created ASC" },
		{ "-title", "summary DESC" },
		{ "title", "summary ASC" },
		{ "-updated", "updated DESC" },
		{ "updated", "updated ASC" },
	};
	enum jta_err	 rc;
	struct jta_buf	 b;
	char		 num[32];
	const char	*order = NULL, *s;
	const json_t	*v;
	size_t		 i, n = 0;
	int		 open = 0, done = 0;

	*none = 0;
	if (buf == NULL || bufsz == 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "no room for the query");
	jta_buf_init_fixed(&b, buf, bufsz > JTA_LIMIT_JQL + 1 ?
	    JTA_LIMIT_JQL + 1 : bufsz);
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		if (q->ordering == NULL ||
		    strcmp(q->ordering, orders[i].ours) == 0) {
			order = orders[i].jql;
			break;
		}
	if (order == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "ordering",
		    "Select a valid choice.");
		goto out;
	}
	if (project == NULL || !jta_text_is_project_key(project,
	    strlen(project))) {
		rc = jta_error_set(err, JTA_ERR_CONFIG, 503, NULL,
		    "default_project is not a Jira project key");
		goto out;
	}
	if (q->statuses != NULL) {
		json_array_foreach(q->statuses, i, v) {
			s = json_string_value(v);
			if (s != NULL && strcmp(s, "OPEN") == 0)
				open = 1;
			else if (s != NULL && strcmp(s, "RESOLVED") == 0)
				done = 1;
			/* CLOSED: no Jira ticket reads as CLOSED. */
		}
		if (!open && !done) {
			*none = 1;
			rc = JTA_OK;
			goto out;
		}
	}
	sb_and(&b, &n);
	jta_buf_add_str(&b, "project = ");
	sb_quoted(&b, project);
	if (q->id > 0) {
		snprintf(num, sizeof(num), "%" PRId64, q->id);
		sb_and(&b, &n);
		jta_buf_add_str(&b, "id = ");
		jta_buf_add_str(&b, num);
	}
	if (q->ids != NULL) {
		if (json_array_size(q->ids) == 0) {
			*none = 1;
			rc = JTA_OK;
			goto out;
		}
		sb_and(&b, &n);
		jta_buf_add_str(&b, "id in (");
		json_array_foreach(q->ids, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				rc = jta_error_set(err, JTA_ERR_INPUT, 400,
				    "id__in", "Enter a whole number.");
				goto out;
			}
			snprintf(num, sizeof(num), "%s%" JSON_INTEGER_FORMAT,
			    i > 0 ? ", " : "", json_integer_value(v));
			jta_buf_add_str(&b, num);
		}
		jta_buf_add_str(&b, ")");
	}
	if (q->title_icontains != NULL && (rc = tk_words(&b, &n, "summary",
	    "title__icontains", q->title_icontains, err)) != JTA_OK)
		goto out;
	if (q->search != NULL && (rc = tk_words(&b, &n, "text", "search",
	    q->search, err)) != JTA_OK)
		goto out;
	if (q->created_gte > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "created >= ");
		sb_date(&b, q->created_gte);
	}
	if (q->created_lte > 0) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, "created <= ");
		sb_date(&b, q->created_lte);
	}
	if (open != done) {
		sb_and(&b, &n);
		jta_buf_add_str(&b, done ? "statusCategory = \"Done\"" :
		    "statusCategory != \"Done\"");
	}
	jta_buf_add_str(&b, " ORDER BY ");
	jta_buf_add_str(&b, order);
	jta_buf_add_str(&b, ", key DESC");
	if (b.err != JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, NULL,
		    "The filters make a Jira query longer than %d bytes; use "
		    "fewer or shorter values.", (int)b.max);
		goto out;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK || *none)
		buf[0] = '\0';
	return rc;
}

/* A decimal id string within 1..INT32_MAX, or 0. */
static int64_t
tk_idof(const json_t *v)
{
	uint64_t	 n;

	if (!json_is_string(v) || jta_text_parse_uint(json_string_value(v),
	    json_string_length(v), INT32_MAX, &n) != 0 || n == 0)
		return 0;
	return (int64_t)n;
}

enum jta_err
jta_jira_tk_ids(const json_t *jira, json_t *ids, const char **next,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*issues = json_object_get(jira, "issues"), *it;
	json_t		*cur;
	int64_t		 id;
	size_t		 i;

	*next = NULL;
	if (!json_is_array(issues))
		return bad(err, "a search page without issues");
	json_array_foreach(issues, i, it) {
		if ((id = tk_idof(json_object_get(it, "id"))) == 0)
			return bad(err, "an issue id that is not a number");
		if (json_array_append_new(ids, json_integer(id)) != 0)
			return JTA_ERR_NOMEM;
	}
	if ((cur = cursorof(jira, &rc, err)) == NULL)
		return rc;
	if (json_is_string(cur)) {
		if (json_array_size(issues) == 0) {
			json_decref(cur);
			return bad(err, "an empty page that is not the last");
		}
		*next = json_string_value(json_object_get(jira,
		    "nextPageToken"));
	}
	json_decref(cur);
	return JTA_OK;
}

int
jta_jira_tk_done(const json_t *jira)
{
	const json_t	*st = json_object_get(json_object_get(jira, "fields"),
			    "status");
	const char	*k = strmem(json_object_get(st, "statusCategory"),
			    "key");

	return k != NULL && strcmp(k, "done") == 0;
}

enum jta_err
jta_jira_tk_ticket(const json_t *jira, json_t **out, const char **project,
    struct jta_error *err)
{
	const json_t	*f = json_object_get(jira, "fields");
	const json_t	*d = json_object_get(f, "description");
	const json_t	*sum = json_object_get(f, "summary");
	int64_t		 id;

	*out = NULL;
	*project = strmem(json_object_get(f, "project"), "key");
	if ((id = tk_idof(json_object_get(jira, "id"))) == 0)
		return bad(err, "an issue id that is not a number");
	*out = json_pack("{s:I, s:o, s:o, s:o, s:s}", "id", (json_int_t)id,
	    "title", json_is_string(sum) ? json_deep_copy(sum) :
	    json_string(""), "description", d != NULL && !json_is_null(d) ?
	    json_deep_copy(d) : json_null(), "created",
	    ourtime(json_object_get(f, "created")), "resolution_status",
	    jta_jira_tk_done(jira) ? "RESOLVED" : "OPEN");
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

enum jta_err
jta_jira_tk_transition(const json_t *jira, int done, const char **id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*list, *t;
	json_t		*names = NULL;
	const json_t	*nm;
	const char	*k;
	char		 text[JTA_ERROR_DETAIL - 128];
	struct jta_buf	 b;
	size_t		 i;

	*id = NULL;
	if ((rc = translist(jira, &list, err)) != JTA_OK)
		return rc;
	json_array_foreach(list, i, t) {
		if (target(t) == NULL)
			continue;
		k = strmem(json_object_get(json_object_get(t, "to"),
		    "statusCategory"), "key");
		if (k == NULL || (strcmp(k, "done") == 0) != done)
			continue;
		if ((*id = strmem(t, "id")) == NULL)
			return bad(err, "a transition without an id");
		return JTA_OK;
	}
	if ((rc = targets(list, &names)) != JTA_OK)
		return rc;
	jta_buf_init_fixed(&b, text, sizeof(text));
	json_array_foreach(names, i, nm) {
		if (i > 0)
			sb_text(&b, ", ", 2);
		sb_text(&b, json_string_value(nm), JTA_LIMIT_NAME);
	}
	if (b.len == 0)
		sb_text(&b, "nothing (the workflow allows no move now)",
		    sizeof(text));
	json_decref(names);
	return jta_error_set(err, JTA_ERR_CONFLICT, 409, "resolution_status",
	    "Jira's workflow offers no single move to a %s status from this "
	    "ticket's status; it can move only to: %s (use POST "
	    "/api/issues/{key}/transitions for a longer path).",
	    done ? "done" : "not-done", text);
}
