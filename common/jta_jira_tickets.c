/*
 * Jira Cloud <-> the ticket API, with no I/O (see jta_jira.h): similar
 * issues and users (JQL, search bodies, ranked answers, picking a
 * person), and the basic ticketing API (/api/tickets/) over a project's
 * issues.  Part of jta_jira, with jta_jira.c and jta_jira_create.c.
 */
#include "config.h"

#include <inttypes.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_buf.h"
#include "jta_jira.h"
#include "jta_jira_int.h"
#include "jta_suggest.h"
#include "jta_text.h"

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
	if ((rc = jta_jira_jqlvalue(text, "text", err)) != JTA_OK ||
	    (project != NULL && (rc = jta_jira_jqlvalue(project, "project",
	    err)) != JTA_OK))
		return rc;
	if (jta_suggest_terms(text, terms) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has no word to look for (words of three letters "
		    "or more that are not as common as \"the\")");
	jta_buf_init_fixed(&b, buf, bufsz > JTA_LIMIT_JQL + 1 ?
	    JTA_LIMIT_JQL + 1 : bufsz);
	if (project != NULL) {
		jta_buf_add_str(&b, "project = ");
		jta_jira_sb_quoted(&b, project);
		jta_buf_add_str(&b, " AND ");
	}
	/* The Lucene query: term OR term ...; terms hold no Lucene syntax
	 * (jta_suggest_terms), and jta_jira_sb_quoted escapes for JQL
	 * anyway. */
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
		jta_jira_sb_quoted(&b, words);
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
		return jta_jira_bad(err,
		    "a list longer than this server reads");
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
		return jta_jira_bad(err, "a search result without issues");
	if (json_array_size(issues) > JTA_LIMIT_PAGE_MAX)
		return jta_jira_bad(err, "more issues than asked for");
	if ((r = calloc(json_array_size(issues) + 1, sizeof(*r))) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(issues, i, it) {
		f = json_object_get(it, "fields");
		if ((rc = jta_jira_slimrow(it, site, &row, err)) != JTA_OK ||
		    (rc = jta_jira_strings(json_object_get(f, "labels"), &lab,
		    err)) != JTA_OK ||
		    (rc = compnames(json_object_get(f, "components"), &comp,
		    err)) != JTA_OK)
			goto out;
		json_object_del(row, "assignee");
		json_object_del(row, "reporter");
		json_object_del(row, "created");
		rc = JTA_ERR_NOMEM;
		if (jta_jira_oset(row, "project", jta_jira_subname(f,
		    "project", "key")) ||
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
		if (jta_jira_oset(r[i].row, "score", json_real((double)(long)(
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
		return jta_jira_bad(err, "a user search that is not a list");
	if (json_array_size(jira) > JTA_LIMIT_JIRA_ITEMS)
		return jta_jira_bad(err, "more users than asked for");
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
	if ((rc = jta_jira_jqlvalue(v, field, err)) != JTA_OK) {
		err->status = 400;
		return rc;
	}
	if (jta_jira_plainwords(v, words, sizeof(words)) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, field,
		    "Jira matches whole words, and this value has none.");
	jta_jira_sb_and(b, n);
	jta_buf_add_str(b, jqlfield);
	jta_buf_add_str(b, " ~ ");
	jta_jira_sb_quoted(b, words);
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
	jta_jira_sb_and(&b, &n);
	jta_buf_add_str(&b, "project = ");
	jta_jira_sb_quoted(&b, project);
	if (q->id > 0) {
		snprintf(num, sizeof(num), "%" PRId64, q->id);
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "id = ");
		jta_buf_add_str(&b, num);
	}
	if (q->ids != NULL) {
		if (json_array_size(q->ids) == 0) {
			*none = 1;
			rc = JTA_OK;
			goto out;
		}
		jta_jira_sb_and(&b, &n);
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
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "created >= ");
		jta_jira_sb_date(&b, q->created_gte);
	}
	if (q->created_lte > 0) {
		jta_jira_sb_and(&b, &n);
		jta_buf_add_str(&b, "created <= ");
		jta_jira_sb_date(&b, q->created_lte);
	}
	if (open != done) {
		jta_jira_sb_and(&b, &n);
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
		return jta_jira_bad(err, "a search page without issues");
	json_array_foreach(issues, i, it) {
		if ((id = tk_idof(json_object_get(it, "id"))) == 0)
			return jta_jira_bad(err,
			    "an issue id that is not a number");
		if (json_array_append_new(ids, json_integer(id)) != 0)
			return JTA_ERR_NOMEM;
	}
	if ((cur = jta_jira_cursorof(jira, &rc, err)) == NULL)
		return rc;
	if (json_is_string(cur)) {
		if (json_array_size(issues) == 0) {
			json_decref(cur);
			return jta_jira_bad(err,
			    "an empty page that is not the last");
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
	const char	*k = jta_jira_strmem(json_object_get(st,
			    "statusCategory"), "key");

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
	*project = jta_jira_strmem(json_object_get(f, "project"), "key");
	if ((id = tk_idof(json_object_get(jira, "id"))) == 0)
		return jta_jira_bad(err, "an issue id that is not a number");
	*out = json_pack("{s:I, s:o, s:o, s:o, s:s}", "id", (json_int_t)id,
	    "title",
	    json_is_string(sum) ? json_deep_copy(sum) : json_string(""),
	    "description",
	    d != NULL && !json_is_null(d) ? json_deep_copy(d) : json_null(),
	    "created", jta_jira_ourtime(json_object_get(f, "created")),
	    "resolution_status", jta_jira_tk_done(jira) ? "RESOLVED" : "OPEN");
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

enum jta_err
jta_jira_tk_transition(const json_t *jira, int done, const char **id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*list, *t;
	json_t		*names = NULL;
	const char	*k;
	char		 text[JTA_ERROR_DETAIL - 128];
	size_t		 i;

	*id = NULL;
	if ((rc = jta_jira_translist(jira, &list, err)) != JTA_OK)
		return rc;
	json_array_foreach(list, i, t) {
		if (jta_jira_target(t) == NULL)
			continue;
		k = jta_jira_strmem(json_object_get(json_object_get(t, "to"),
		    "statusCategory"), "key");
		if (k == NULL || (strcmp(k, "done") == 0) != done)
			continue;
		if ((*id = jta_jira_strmem(t, "id")) == NULL)
			return jta_jira_bad(err, "a transition without an id");
		return JTA_OK;
	}
	if ((rc = jta_jira_targets(list, &names)) != JTA_OK)
		return rc;
	jta_jira_names_text(names, text, sizeof(text));
	json_decref(names);
	return jta_error_set(err, JTA_ERR_CONFLICT, 409, "resolution_status",
	    "Jira's workflow offers no single move to a %s status from this "
	    "ticket's status; it can move only to: %s (use POST "
	    "/api/issues/{key}/transitions for a longer path).",
	    done ? "done" : "not-done", text);
}
