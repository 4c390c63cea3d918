/*
 * Jira Cloud <-> the ticket API, with no I/O (see jta_jira.h).  Shapes
 * come from Atlassian's OpenAPI document for REST API v3; every member
 * read from Jira is checked for its type before use.
 *
 * This file reads Jira's JSON and writes JQL, and maps issues,
 * transitions, projects, the user, request bodies, errors and the
 * exactly-once property; jta_jira_create.c holds create screens and
 * create with names, jta_jira_tickets.c similar issues, users and the
 * basic ticketing API.  The helpers the three share are declared in
 * jta_jira_int.h.
 */
#include "config.h"

#include <inttypes.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jta_buf.h"
#include "jta_http.h"
#include "jta_jira.h"
#include "jta_jira_int.h"
#include "jta_json_pick.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"

const char jta_jira_current_user[] = "currentUser()";

/* ---- text into a bounded buffer ---- */

/*
 * Append upstream text: at most max bytes of s and no more than fits,
 * cut on a UTF-8 character boundary, control characters as spaces.  Never
 * fails b: text for people may be cut, JQL may not (it uses jta_buf_add).
 */
void
jta_jira_sb_text(struct jta_buf *b, const char *s, size_t max)
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
const char *
jta_jira_strmem(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A new copy of o[k][sub] when it is a string, else JSON null. */
json_t *
jta_jira_subname(const json_t *o, const char *k, const char *sub)
{
	const json_t	*v = json_object_get(json_object_get(o, k), sub);

	return json_is_string(v) ? json_deep_copy(v) : json_null();
}

/* Our time string for Jira's time value v, or JSON null. */
json_t *
jta_jira_ourtime(const json_t *v)
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
json_t *
jta_jira_unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* json_object_set_new that reports a NULL value (no memory) as failure. */
int
jta_jira_oset(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

/* Fill err for an answer of Jira's this server cannot use (502); what
 * says which part, never quoting it. */
enum jta_err
jta_jira_bad(struct jta_error *err, const char *what)
{
	return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
	    "Jira gave an answer this server cannot use (%s); try again "
	    "later", what);
}

/* 1 when s[0..len) looks like an issue key: [A-Za-z][A-Za-z0-9_]*-[0-9]+,
 * at most JTA_LIMIT_ISSUE_KEY bytes.  Keys go into URLs. */
int
jta_jira_iskey(const char *s, size_t len)
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
enum jta_err
jta_jira_jqlvalue(const char *s, const char *field, struct jta_error *err)
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
void
jta_jira_sb_quoted(struct jta_buf *b, const char *s)
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
size_t
jta_jira_plainwords(const char *s, char *out, size_t outsz)
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
void
jta_jira_sb_date(struct jta_buf *b, int64_t t)
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

/* Append " AND " before every clause but the first; *n counts them. */
void
jta_jira_sb_and(struct jta_buf *b, size_t *n)
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
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, eq[i].jql);
		jta_buf_add_str(&b, " = ");
		if (v == jta_jira_current_user && me_account_id == NULL) {
			jta_buf_add_str(&b, "currentUser()");
			continue;
		}
		if (v == jta_jira_current_user)
			v = me_account_id;
		if ((rc = jta_jira_jqlvalue(v, eq[i].ours, err)) != JTA_OK)
			goto out;
		jta_jira_sb_quoted(&b, v);
	}
	if (q->text != NULL) {
		if (strlen(q->text) > JTA_LIMIT_TEXT_QUERY) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "text",
			    "text is longer than %d bytes",
			    JTA_LIMIT_TEXT_QUERY);
			goto out;
		}
		if ((rc = jta_jira_jqlvalue(q->text, "text", err)) != JTA_OK)
			goto out;
		if (jta_jira_plainwords(q->text, words, sizeof(words)) == 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "text",
			    "text has no word to search for");
			goto out;
		}
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "text ~ ");
		jta_jira_sb_quoted(&b, words);
	}
	if (q->created_from > 0) {
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "created >= ");
		jta_jira_sb_date(&b, q->created_from);
	}
	if (q->created_to > 0) {
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "created <= ");
		jta_jira_sb_date(&b, q->created_to);
	}
	if (q->updated_from > 0) {
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "updated >= ");
		jta_jira_sb_date(&b, q->updated_from);
	}
	if (q->updated_to > 0) {
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "updated <= ");
		jta_jira_sb_date(&b, q->updated_to);
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
	if (o != NULL && cursor != NULL && jta_jira_oset(o, "nextPageToken",
	    json_string(cursor)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* ---- issues ---- */

/* The slim row of one IssueBean; url opens it on site (the Jira site's
 * address, as in the person's link). */
enum jta_err
jta_jira_slimrow(const json_t *issue, const char *site, json_t **out,
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
	/* A link we hand out for people to open: jta_url's site rule
	 * (https only, http to the loopback stand-in; no user name, query
	 * or fragment; nothing Atlassian could smuggle in). */
	if (jta_url_site_check(site, "site", NULL, NULL) != JTA_OK)
		return jta_jira_bad(err, "a site address that is not https");
	len = strlen(site);
	while (len > 0 && site[len - 1] == '/')
		len--;
	if (!json_is_string(k) || !jta_jira_iskey(json_string_value(k),
	    json_string_length(k)))
		return jta_jira_bad(err, "an issue without a valid key");
	n = snprintf(url, sizeof(url), "%.*s/browse/%s", (int)len, site,
	    json_string_value(k));
	if (n < 0 || (size_t)n >= sizeof(url))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the site address is too long for an issue url");
	if ((o = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if (jta_jira_oset(o, "key", json_string(json_string_value(k))) ||
	    jta_jira_oset(o, "url", json_string(url)) ||
	    jta_jira_oset(o, "summary", json_is_string(json_object_get(f,
	    "summary")) ? json_deep_copy(json_object_get(f, "summary")) :
	    json_null()) ||
	    jta_jira_oset(o, "status", jta_jira_subname(f, "status", "name")) ||
	    jta_jira_oset(o, "type", jta_jira_subname(f, "issuetype",
	    "name")) ||
	    jta_jira_oset(o, "priority", jta_jira_subname(f, "priority",
	    "name")) ||
	    jta_jira_oset(o, "assignee", jta_jira_subname(f, "assignee",
	    "displayName")) ||
	    jta_jira_oset(o, "reporter", jta_jira_subname(f, "reporter",
	    "displayName")) ||
	    jta_jira_oset(o, "created", jta_jira_ourtime(json_object_get(f,
	    "created"))) ||
	    jta_jira_oset(o, "updated", jta_jira_ourtime(json_object_get(f,
	    "updated")))) {
		json_decref(o);
		return JTA_ERR_NOMEM;
	}
	*out = o;
	return JTA_OK;
}

/* The cursor for Jira's nextPageToken: JSON null when there is no next
 * page; NULL with *rc set when the token cannot be a cursor. */
json_t *
jta_jira_cursorof(const json_t *jira, enum jta_err *rc, struct jta_error *err)
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
		*rc = jta_jira_bad(err,
		    "a page token longer than a cursor may be");
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f) {
			*rc = jta_jira_bad(err,
			    "a page token that is not printable");
			return NULL;
		}
	if ((cur = json_string(s)) == NULL)
		*rc = JTA_ERR_NOMEM;
	return cur;
}

/* jta_jira_search_pick's parts: a name, a display name; an issue's
 * fields; an issue; the page. */
static const struct jta_json_pick pick_name[] = {
	{ "name", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick pick_display[] = {
	{ "displayName", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick pick_fields[] = {
	{ "summary", JTA_JSON_PICK_WHOLE, NULL },
	{ "status", JTA_JSON_PICK_MEMBERS, pick_name },
	{ "issuetype", JTA_JSON_PICK_MEMBERS, pick_name },
	{ "priority", JTA_JSON_PICK_MEMBERS, pick_name },
	{ "assignee", JTA_JSON_PICK_MEMBERS, pick_display },
	{ "reporter", JTA_JSON_PICK_MEMBERS, pick_display },
	{ "created", JTA_JSON_PICK_WHOLE, NULL },
	{ "updated", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick pick_issue_members[] = {
	{ "key", JTA_JSON_PICK_WHOLE, NULL },
	{ "fields", JTA_JSON_PICK_MEMBERS, pick_fields },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick pick_issue = {
	NULL, JTA_JSON_PICK_MEMBERS, pick_issue_members
};
static const struct jta_json_pick pick_page[] = {
	{ "issues", JTA_JSON_PICK_EACH, &pick_issue },
	{ "nextPageToken", JTA_JSON_PICK_WHOLE, NULL },
	{ "isLast", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
const struct jta_json_pick jta_jira_search_pick = {
	NULL, JTA_JSON_PICK_MEMBERS, pick_page
};

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
		rc = jta_jira_bad(err, "a search result without issues");
		goto out;
	}
	if (json_array_size(issues) > JTA_LIMIT_PAGE_MAX) {
		rc = jta_jira_bad(err, "more issues than asked for");
		goto out;
	}
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	json_array_foreach(issues, i, it) {
		if ((rc = jta_jira_slimrow(it, site, &row, err)) != JTA_OK)
			goto out;
		if (json_array_append_new(arr, row) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if ((cur = jta_jira_cursorof(jira, &rc, err)) == NULL)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((res = json_object()) == NULL) {
		json_decref(cur);
		goto out;
	}
	if (jta_jira_oset(res, "issues", arr) != 0) {
		arr = NULL;
		json_decref(cur);
		goto out;
	}
	arr = NULL;
	if (jta_jira_oset(res, "next_cursor", cur) != 0)
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
	if (jta_jira_oset(o, "comment_count", json_integer(count)) != 0 ||
	    jta_jira_oset(o, "comments", arr = json_array()) != 0)
		return JTA_ERR_NOMEM;
	for (i = n > JTA_LIMIT_COMMENTS_SHOWN ? n -
	    JTA_LIMIT_COMMENTS_SHOWN : 0; i < n; i++) {
		it = json_array_get(list, i);
		if (!json_is_object(it))
			continue;
		if ((one = json_object()) == NULL)
			return JTA_ERR_NOMEM;
		if (json_array_append_new(arr, one) != 0 ||
		    jta_jira_oset(one, "id", commentid(json_object_get(it,
		    "id"))) ||
		    jta_jira_oset(one, "author", jta_jira_subname(it, "author",
		    "displayName")) ||
		    jta_jira_oset(one, "body",
		    json_is_object(json_object_get(it, "body")) ?
		    json_deep_copy(json_object_get(it, "body")) :
		    json_null()) ||
		    jta_jira_oset(one, "created",
		    jta_jira_ourtime(json_object_get(it, "created"))))
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

/* The strings of an array of at most JTA_LIMIT_JIRA_ITEMS (not an array:
 * empty). */
enum jta_err
jta_jira_strings(const json_t *a, json_t **out, struct jta_error *err)
{
	const json_t	*it;
	size_t		 i;

	*out = NULL;
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return jta_jira_bad(err,
		    "a list longer than this server reads");
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
	if ((rc = jta_jira_slimrow(jira, site, &o, err)) != JTA_OK)
		goto out;
	if ((rc = jta_jira_strings(json_object_get(f, "labels"), &labels,
	    err)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	d = json_object_get(f, "description");
	if (jta_jira_oset(o, "project", jta_jira_subname(f, "project",
	    "key")) ||
	    jta_jira_oset(o, "labels", labels) ||
	    jta_jira_oset(o, "description", json_is_object(d) ?
	    json_deep_copy(d) : json_null())) {
		labels = NULL;
		goto out;
	}
	labels = NULL;
	if ((rc = comments(f, o)) != JTA_OK ||
	    (rc = jta_jira_attachments(f, site, o)) != JTA_OK)
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
enum jta_err
jta_jira_translist(const json_t *jira, const json_t **list,
    struct jta_error *err)
{
	*list = json_object_get(jira, "transitions");
	if (!json_is_array(*list))
		return jta_jira_bad(err, "no list of transitions");
	if (json_array_size(*list) > JTA_LIMIT_JIRA_ITEMS)
		return jta_jira_bad(err,
		    "more transitions than this server reads");
	return JTA_OK;
}

/* The target status name of a transition Jira offers now, or NULL. */
const char *
jta_jira_target(const json_t *t)
{
	if (json_is_false(json_object_get(t, "isAvailable")))
		return NULL;
	return jta_jira_strmem(json_object_get(t, "to"), "name");
}

/* The distinct target status names, in Jira's order. */
enum jta_err
jta_jira_targets(const json_t *list, json_t **out)
{
	const json_t	*t, *seen;
	const char	*name;
	size_t		 i, j;

	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(list, i, t) {
		if ((name = jta_jira_target(t)) == NULL)
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

void
jta_jira_names_text(const json_t *names, char *text, size_t textsz)
{
	struct jta_buf	 b;
	const json_t	*nm;
	size_t		 i;

	jta_buf_init_fixed(&b, text, textsz);
	json_array_foreach(names, i, nm) {
		if (i > 0)
			jta_jira_sb_text(&b, ", ", 2);
		jta_jira_sb_text(&b, json_string_value(nm), JTA_LIMIT_NAME);
	}
	if (b.len == 0)
		jta_jira_sb_text(&b,
		    "nothing (the workflow allows no move now)", textsz);
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
	if ((rc = jta_jira_translist(jira, &list, err)) != JTA_OK ||
	    (rc = jta_jira_targets(list, &names)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((o = json_object()) == NULL)
		goto out;
	if (jta_jira_oset(o, "key", key != NULL ? json_string(key) :
	    json_null()) ||
	    jta_jira_oset(o, "status", status != NULL ? json_string(status) :
	    json_null()) ||
	    jta_jira_oset(o, "transitions", arr = json_array()))
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
	const json_t	*list, *t, *found = NULL;
	json_t		*names = NULL;
	const char	*s;
	char		 text[JTA_ERROR_DETAIL - 64];
	size_t		 i;

	*id = NULL;
	if (allowed != NULL)
		*allowed = NULL;
	if (to == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "to",
		    "to is required");
		goto out;
	}
	if ((rc = jta_jira_translist(jira, &list, err)) != JTA_OK)
		goto out;
	json_array_foreach(list, i, t)
		if ((s = jta_jira_target(t)) != NULL &&
		    strcasecmp(s, to) == 0) {
			found = t;
			break;
		}
	if (found == NULL)
		json_array_foreach(list, i, t)
			if (jta_jira_target(t) != NULL &&
			    (s = jta_jira_strmem(t, "name")) != NULL &&
			    strcasecmp(s, to) == 0) {
				found = t;
				break;
			}
	if (found != NULL) {
		if ((*id = jta_jira_strmem(found, "id")) == NULL) {
			rc = jta_jira_bad(err, "a transition without an id");
			goto out;
		}
		rc = JTA_OK;
		goto out;
	}
	if ((rc = jta_jira_targets(list, &names)) != JTA_OK)
		goto out;
	jta_jira_names_text(names, text, sizeof(text));
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
		return jta_jira_bad(err,
		    "more issue types than this server reads");
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
		return jta_jira_bad(err, "no list of issue types");
	return typenames(a, out, err);
}

/* The names of the priorities in an array of Priority, a page of them
 * ("values"), or the AutoCompleteSuggestions of GET /rest/api/3/jql/
 * autocompletedata/suggestions?fieldName=priority ("results", each name
 * in "value"; Jira platform REST v3, getFieldAutoCompleteForQueryString). */
static enum jta_err
prionames(const json_t *p, json_t **out, struct jta_error *err)
{
	const json_t	*a = json_is_array(p) ? p : json_object_get(p,
			    "values"), *it, *nm;
	size_t		 i;

	*out = NULL;
	if (p != NULL && !json_is_array(a))
		a = json_object_get(p, "results");
	if (p != NULL && !json_is_array(a))
		return jta_jira_bad(err, "no list of priorities");
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return jta_jira_bad(err,
		    "more priorities than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(a, i, it)
		if ((json_is_string(nm = json_object_get(it, "name")) ||
		    json_is_string(nm = json_object_get(it, "value"))) &&
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
		rc = jta_jira_bad(err, "no list of projects");
		goto out;
	}
	if (json_array_size(vals) > JTA_LIMIT_JIRA_ITEMS) {
		rc = jta_jira_bad(err,
		    "more projects in a page than this server "
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
		if (jta_jira_oset(one, "types", types) ||
		    jta_jira_oset(one, "key", json_deep_copy(k)) ||
		    jta_jira_oset(one, "name", json_is_string(json_object_get(p,
		    "name")) ? json_deep_copy(json_object_get(p, "name")) :
		    json_null()) ||
		    jta_jira_oset(one, "priorities", json_deep_copy(prio)))
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
		return jta_jira_bad(err, "a user without a valid account id");
	s = json_string_value(id);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == ':' || s[i] == '-' || s[i] == '_'))
			return jta_jira_bad(err,
			    "a user without a valid account id");
	if ((o = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if (jta_jira_oset(o, "name", json_string(s)) ||
	    jta_jira_oset(o, "display_name", json_is_string(dn) ?
	    json_deep_copy(dn) : json_null()) ||
	    jta_jira_oset(o, "email", json_is_string(em) &&
	    json_string_length(em) > 0 ? json_deep_copy(em) : json_null()) ||
	    jta_jira_oset(o, "backend", json_string("jira")) ||
	    (site != NULL && jta_jira_oset(o, "site", json_string(site)))) {
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
	json_object_foreach(jta_jira_unconst(fields), name, v) {
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
		if (jta_jira_oset(jf, bodyfields[i].jira, val) != 0) {
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

/* Append Jira's errorMessages to b, "; "-separated; returns how many.
 * Jira Service Management's ErrorResponse has one errorMessage. */
static size_t
messages(struct jta_buf *b, const json_t *body)
{
	const json_t	*m;
	size_t		 i, n = 0;

	if ((m = json_object_get(body, "errorMessage")) != NULL &&
	    json_is_string(m)) {
		jta_jira_sb_text(b, json_string_value(m),
		    JTA_ERROR_MESSAGE - 1);
		n++;
	}

	json_array_foreach(json_object_get(body, "errorMessages"), i, m) {
		if (n >= JTA_ERROR_ITEMS)
			break;
		if (!json_is_string(m))
			continue;
		jta_jira_sb_text(b, n++ ? "; " : "", 2);
		jta_jira_sb_text(b, json_string_value(m),
		    JTA_ERROR_MESSAGE - 1);
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
		json_object_foreach(jta_jira_unconst(json_object_get(body,
		    "errors")), k, v) {
			if (!json_is_string(v))
				continue;
			if (n >= JTA_ERROR_ITEMS)
				break;
			f = ourfield(k);
			if (first == NULL && f != NULL)
				first = f;
			jta_jira_sb_text(&b, n++ ? "; " : "", 2);
			jta_jira_sb_text(&b, f != NULL ? f : "a field",
			    JTA_ERROR_FIELD);
			jta_jira_sb_text(&b, ": ", 2);
			jta_jira_sb_text(&b, json_string_value(v),
			    JTA_ERROR_MESSAGE - 1);
		}
		if (n > 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, first,
			    "Jira refused the fields: %s", text);
			json_object_foreach(jta_jira_unconst(
			    json_object_get(body, "errors")), k, v)
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
