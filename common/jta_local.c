/*
 * The embedded ticket store as a backend.  The ticket repository
 * (common/db/jta_store_tickets.h) stores and reads plain rows; this owns
 * what lies above storage: the workflow (its statuses, which moves exist
 * from each, checked here before a conditional write), the vocabulary of
 * /api/tickets/ (resolution_status) and every answer in the API's shapes
 * (issues, lists with a cursor, comments, transitions, similar tickets,
 * users; /api/tickets/ tickets and pages in jta_local_tickets.c), with
 * their HTTP statuses, field names and wording (README.md "The ticket
 * API").
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_arena.h"
#include "jta_attach.h"
#include "jta_files.h"
#include "jta_jsonw.h"
#include "jta_backend.h"
#include "jta_draft_files.h"
#include "jta_kb.h"
#include "jta_local_int.h"
#include "jta_log.h"
#include "jta_req.h"
#include "jta_store_drafts.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_suggest.h"
#include "jta_text.h"
#include "jta_time.h"

/* jansson's object iterator takes a json_t * although it only reads. */
json_t *
jta_local_unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}


/* ---- the workflow ---- */

/* The statuses of the embedded store's workflow, NULL-terminated: the
 * vocabulary of the API's "status" filter and "to". */
static const char *const statuses[] = { "Open", "In Progress", "Resolved",
    "Closed", NULL };

const char *const jta_local_priorities[] = { "Highest", "High", "Medium",
    "Low", "Lowest", NULL };

/* From each status, where a ticket may go (README.md "The ticket API"). */
static const struct {
	const char	*from;
	const char	*to[3];
} workflow[] = {
	{ "Open",	 { "In Progress", NULL } },
	{ "In Progress", { "Resolved", "Open", NULL } },
	{ "Resolved",	 { "Closed", "Open", NULL } },
	{ "Closed",	 { "Open", NULL } },
};

/* The moves from status, NULL-terminated; NULL for a status the workflow
 * does not know. */
static const char *const *
movesfrom(const char *status)
{
	size_t	 i;

	for (i = 0; i < sizeof(workflow) / sizeof(workflow[0]); i++)
		if (strcmp(workflow[i].from, status) == 0)
			return workflow[i].to;
	return NULL;
}

/* The moves from status as [{"to": name}]. */
static json_t *
movesjs(const char *status)
{
	const char *const *to = movesfrom(status);
	json_t	*arr = json_array();

	for (; arr != NULL && to != NULL && *to != NULL; to++)
		if (json_array_append_new(arr, json_pack("{s:s}", "to", *to)))
			break;
	return arr;
}

/* public_url/browse/KEY (key[0..klen), cut where the buffer ends as
 * snprintf cut it) in url, its length returned: the ticket's page for
 * people (fcgi/browse.c), not the API.  Written without snprintf: a
 * search makes one a row (issue 16). */
#define BROWSE_URL_MAX	(JTA_CONF_URL_MAX + 64)

static size_t
browsetext(const struct jta_backend *be, const char *key, size_t klen,
    char url[BROWSE_URL_MAX])
{
	size_t	 n = strnlen(be->conf->public_url, JTA_CONF_URL_MAX - 1);

	memcpy(url, be->conf->public_url, n);
	memcpy(url + n, "/browse/", 8);
	n += 8;
	if (klen > BROWSE_URL_MAX - 1 - n)
		klen = BROWSE_URL_MAX - 1 - n;
	memcpy(url + n, key, klen);
	return n + klen;
}

/* browsetext's url as a new JSON string; NULL when memory runs out. */
static json_t *
browseurl(const struct jta_backend *be, const char *key, size_t klen)
{
	char	 url[BROWSE_URL_MAX];

	return json_stringn_nocheck(url, browsetext(be, key, klen, url));
}

/* Add "url" to one ticket object (browseurl of its key). */
static void
addurl(const struct jta_backend *be, json_t *t)
{
	const json_t	*key = json_object_get(t, "key");

	if (!json_is_string(key))
		return;
	json_object_set_new(t, "url", browseurl(be, json_string_value(key),
	    json_string_length(key)));
}

/* ---- the ticket API's shapes, built from the repository's rows ---- */

/* A Unix time as the API's RFC 3339 string (a new reference); ASCII,
 * so jansson need not check it. */
json_t *
jta_local_timejs(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	return json_string_nocheck(buf);
}

/* The issue key of row t (PROJECT-num) and its length; written without
 * snprintf, twice a row in every search (issue 16). */
static size_t
keyof(const struct jta_store_ticket *t, char key[JTA_LIMIT_ISSUE_KEY + 1])
{
	size_t	 n = strnlen(t->project, sizeof(t->project) - 1);
	int	 k;

	/* Ticket numbers start at 1; anything else the old way. */
	if (t->num < 0 || n + 1 + JTA_TEXT_U64_MAX > JTA_LIMIT_ISSUE_KEY) {
		k = snprintf(key, JTA_LIMIT_ISSUE_KEY + 1, "%s-%" PRId64,
		    t->project, t->num);
		return k < 0 ? 0 : (size_t)k > JTA_LIMIT_ISSUE_KEY ?
		    JTA_LIMIT_ISSUE_KEY : (size_t)k;
	}
	memcpy(key, t->project, n);
	key[n++] = '-';
	n += jta_text_u64((uint64_t)t->num, key + n);
	key[n] = '\0';
	return n;
}

/* A slim issue (key, summary, status, type, priority, assignee or null,
 * reporter, created, updated), as search lists them, then its url when
 * be is not NULL; NULL when memory runs out.  Member by member rather
 * than json_pack, whose format is parsed again for every row (issue 16:
 * a search's rows).  The store's text is UTF-8 (it came in as JSON) and
 * is not checked again here: the answer's writer checks every string
 * with a byte of 0x80 or above (jta_fit_dumps, then jansson's dump,
 * which refuses what is not UTF-8), so a bad row still fails the
 * request as a failed json_string did. */
static json_t *
slimjs(const struct jta_backend *be, const struct jta_store_ticket *t)
{
	char	 key[JTA_LIMIT_ISSUE_KEY + 1];
	size_t	 klen;
	json_t	*o;

	klen = keyof(t, key);
	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new_nocheck(o, "key",
	    json_stringn_nocheck(key, klen)) != 0 ||
	    json_object_set_new_nocheck(o, "summary",
	    json_string_nocheck(t->summary)) != 0 ||
	    json_object_set_new_nocheck(o, "status",
	    json_string_nocheck(t->status)) != 0 ||
	    json_object_set_new_nocheck(o, "type",
	    json_string_nocheck(t->type)) != 0 ||
	    json_object_set_new_nocheck(o, "priority",
	    json_string_nocheck(t->priority)) != 0 ||
	    json_object_set_new_nocheck(o, "assignee", t->assignee[0] ==
	    '\0' ? json_null() : json_string_nocheck(t->assignee)) != 0 ||
	    json_object_set_new_nocheck(o, "reporter",
	    json_string_nocheck(t->reporter)) != 0 ||
	    json_object_set_new_nocheck(o, "created",
	    jta_local_timejs(t->created)) != 0 ||
	    json_object_set_new_nocheck(o, "updated",
	    jta_local_timejs(t->updated)) != 0)
		goto fail;
	if (be != NULL && json_object_set_new_nocheck(o, "url",
	    browseurl(be, key, klen)) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* A literal's bytes, as they are. */
#define RAW(w, lit)	jta_jsonw_raw((w), (lit), sizeof(lit) - 1)

/* A store string as a JSON string. */
static void
strtext(struct jta_jsonw *w, const char *s)
{
	jta_jsonw_str(w, s, strlen(s));
}

/* A member's name (with its comma and colon, a literal) and its store
 * string. */
#define MEMBER(w, lit, s)	(RAW((w), (lit)), strtext((w), (s)))

/* A Unix time as jta_local_timejs's string. */
static void
timetext(struct jta_jsonw *w, int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	jta_jsonw_str(w, buf, JTA_TIME_STRLEN - 1);
}

/* slimjs(be, t) written as the JSON text jta_fit_dumps writes of it,
 * without the tree (issue 16: a search's rows built as trees, written
 * and freed were most of its instructions).  The same members in the
 * same order: check_local holds the two to the same bytes. */
static void
slimtext(struct jta_jsonw *w, const struct jta_backend *be,
    const struct jta_store_ticket *t)
{
	char	 key[JTA_LIMIT_ISSUE_KEY + 1], url[BROWSE_URL_MAX];
	size_t	 klen = keyof(t, key);

	RAW(w, "{\"key\":");
	jta_jsonw_str(w, key, klen);
	MEMBER(w, ",\"summary\":", t->summary);
	MEMBER(w, ",\"status\":", t->status);
	MEMBER(w, ",\"type\":", t->type);
	MEMBER(w, ",\"priority\":", t->priority);
	if (t->assignee[0] == '\0')
		RAW(w, ",\"assignee\":null");
	else
		MEMBER(w, ",\"assignee\":", t->assignee);
	MEMBER(w, ",\"reporter\":", t->reporter);
	RAW(w, ",\"created\":");
	timetext(w, t->created);
	RAW(w, ",\"updated\":");
	timetext(w, t->updated);
	RAW(w, ",\"url\":");
	jta_jsonw_str(w, url, browsetext(be, key, klen, url));
	jta_jsonw_ch(w, '}');
}

/* t's labels as a JSON array of names. */
static json_t *
labelsjs(const struct jta_store_ticket *t)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < t->nlabels; i++)
		if (json_array_append_new(a, json_string(t->labels[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* A comment: {id, author, body, created}. */
static json_t *
commentjs(const struct jta_store_comment *c)
{
	return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)c->id,
	    "author", c->author, "body", c->body, "created",
	    jta_local_timejs(c->created));
}

/*
 * Set o.attachment_count and o.attachments to the ticket's files, the
 * first JTA_STORE_TICKET_FILES, each {id, name, type, size, author,
 * created, url} as Jira mode lists them (README "Attachments: the
 * embedded store"); url is a signed link jta-files serves until
 * attachment_link_seconds from now (jta_files.h), left out without a
 * vault.  -1 when the store or memory fails.
 */
static int
filesjs(const struct jta_backend *be, const struct jta_store_ticket *t,
    json_t *o)
{
	struct jta_ticket_file *f;
	struct jta_error e;
	json_t		*arr;
	int64_t		 total;
	size_t		 i, n;
	char		 id[24], url[JTA_CONF_URL_MAX + 128];
	int64_t		 until;
	int		 ret = -1;

	until = jta_time_now() + be->conf->attachment_link_seconds;
	/* Not zeroed: 20 rows of 4.6 KB, and the store fills each of the
	 * n it returns whole (calloc zeroed 92 KB at every issue read). */
	if ((f = malloc(JTA_STORE_TICKET_FILES * sizeof(*f))) == NULL)
		return -1;
	if (jta_store_ticket_file_list(be->store, t->project, t->num, f,
	    JTA_STORE_TICKET_FILES, &n, &total, &e) != JTA_OK) {
		jta_log(JTA_LOG_ERROR, "attachments: %s", e.detail);
		goto out;
	}
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (snprintf(id, sizeof(id), "%" PRId64, f[i].id) < 0 ||
		    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:s, s:o}", "id", id, "name", f[i].name,
		    "type", f[i].type, "size", (json_int_t)f[i].size,
		    "author", f[i].author, "created",
		    jta_local_timejs(f[i].created))) != 0 ||
		    (be->vault != NULL && jta_files_link(be->vault,
		    be->conf->public_url, f[i].id, until, url, sizeof(url)) ==
		    0 && json_object_set_new(json_array_get(arr, i), "url",
		    json_string(url)) != 0)) {
			json_decref(arr);
			goto out;
		}
	if (json_object_set_new(o, "attachments", arr) != 0 ||
	    json_object_set_new(o, "attachment_count", json_integer(total)))
		goto out;
	ret = 0;
out:
	free(f);
	return ret;
}

/* A whole issue: the slim issue, project, description, labels,
 * comment_count, the last comments, its attachments and its url; NULL
 * when memory runs out. */
static json_t *
issuejs(const struct jta_backend *be, const struct jta_store_issue *is)
{
	json_t	*o, *arr = NULL, *c;
	size_t	 i;

	if ((o = slimjs(NULL, &is->t)) == NULL)
		return NULL;
	if (json_object_set_new(o, "project", json_string(is->t.project)) ||
	    json_object_set_new(o, "description",
	    json_string(is->t.description)) ||
	    json_object_set_new(o, "labels", labelsjs(&is->t)) ||
	    json_object_set_new(o, "comment_count",
	    json_integer(is->comment_count)) ||
	    filesjs(be, &is->t, o) != 0 ||
	    (arr = json_array()) == NULL)
		goto fail;
	for (i = 0; i < is->ncomments; i++)
		if ((c = commentjs(&is->comments[i])) == NULL ||
		    json_array_append_new(arr, c) != 0)
			goto fail;
	if (json_object_set_new(o, "comments", arr) != 0) {
		arr = NULL;
		goto fail;
	}
	addurl(be, o);
	return o;
fail:
	json_decref(arr);
	json_decref(o);
	return NULL;
}

/* Refuse what is not an issue key (PROJ-12), before the store. */
static enum jta_err
checkkey(const char *key, struct jta_error *err)
{
	char	 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t	 num;

	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "key",
		    "an issue key looks like PROJ-12");
	return JTA_OK;
}

/* The answer for an issue key no ticket has. */
static enum jta_err
notfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
	    "there is no issue with that key");
}

/* The API's answer for the repository's rc and issue (which this
 * clears): the issue with its url, or the error in the API's words. */
static enum jta_err
answer(const struct jta_backend *be, enum jta_err rc,
    struct jta_store_issue *is, json_t **out, struct jta_error *err)
{
	*out = NULL;
	if (rc == JTA_ERR_NOTFOUND)
		rc = notfound(err);
	else if (rc == JTA_OK && (*out = issuejs(be, is)) == NULL)
		rc = JTA_ERR_NOMEM;
	jta_store_issue_clear(is);
	return rc;
}

/*
 * The user name of the person value names for field (assignee,
 * reporter): a user name, or an email ignoring case, as create takes
 * them; into name.  Anyone else is 422 naming field (an Atlassian account
 * id means nothing to the embedded store).
 */
static enum jta_err
username(struct jta_backend *be, const char *field, const char *value,
    char name[JTA_LIMIT_NAME + 1], struct jta_error *err)
{
	json_t		*users = NULL;
	const json_t	*u;
	const char	*n, *e;
	size_t		 i;
	enum jta_err	 rc;

	if ((rc = jta_store_user_list(be->store, &users)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the ticket store failed; the server log has details");
	rc = JTA_ERR_NOTFOUND;
	json_array_foreach(users, i, u) {
		n = json_string_value(json_object_get(u, "name"));
		e = json_string_value(json_object_get(u, "email"));
		if (n != NULL && strlen(n) <= JTA_LIMIT_NAME &&
		    (strcmp(n, value) == 0 || (e != NULL && e[0] != '\0' &&
		    strcasecmp(e, value) == 0))) {
			snprintf(name, JTA_LIMIT_NAME + 1, "%s", n);
			rc = JTA_OK;
			break;
		}
	}
	if (rc != JTA_OK)
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, field, "%s is no "
		    "user of this server (give a user name or an email)",
		    field);
	json_decref(users);
	return rc;
}

/* The rows of search q (filters checked, names resolved) in list and the
 * next page's cursor in next ("" for none), for search and search_text;
 * the caller clears list. */
static enum jta_err
query(struct jta_backend *be, const struct jta_search *q,
    struct jta_store_ticket_list *list, char next[JTA_LIMIT_CURSOR + 1],
    struct jta_error *err)
{
	struct jta_search canon = *q;
	char		 asg[JTA_LIMIT_NAME + 1], rep[JTA_LIMIT_NAME + 1];
	enum jta_err	 rc;
	size_t		 i;

	memset(list, 0, sizeof(*list));
	next[0] = '\0';
	if (q->jql != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql needs the Jira backend; this server uses its "
		    "embedded ticket store: use the filters instead");
	/* The workflow's statuses and this backend's priorities (a Jira
	 * site has its own, so the endpoint takes any name). */
	if ((q->status != NULL && (rc = jta_req_choose("status",
	    statuses, q->status, &canon.status, err)) != JTA_OK) ||
	    (q->priority != NULL && (rc = jta_req_choose("priority",
	    jta_local_priorities, q->priority, &canon.priority, err)) !=
	    JTA_OK))
		return rc;
	if ((q->assignee != NULL && (rc = username(be, "assignee",
	    q->assignee, asg, err)) != JTA_OK) ||
	    (q->reporter != NULL && (rc = username(be, "reporter",
	    q->reporter, rep, err)) != JTA_OK))
		return rc;
	if (q->assignee != NULL)
		canon.assignee = asg;
	if (q->reporter != NULL)
		canon.reporter = rep;
	for (i = 0; q->order != NULL && jta_store_orders[i] != NULL; i++)
		if (strcmp(jta_store_orders[i], q->order) == 0)
			break;
	if (q->order != NULL && jta_store_orders[i] == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "order",
		    "order must be one of -updated, updated, -created, "
		    "created");
	rc = jta_store_ticket_search(be->store, &canon, list, next,
	    JTA_LIMIT_CURSOR + 1, err);
	if (rc == JTA_ERR_NOTFOUND)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "cursor",
		    "cursor is not one this server gave for this order; "
		    "start again without it");
	if (rc == JTA_ERR_INPUT)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has too many words or quotes; shorten it");
	return rc;
}

static enum jta_err
search(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, json_t **out, struct jta_error *err)
{
	struct jta_store_ticket_list list;
	char		 next[JTA_LIMIT_CURSOR + 1];
	enum jta_err	 rc;
	json_t		*t, *arr = NULL;
	size_t		 i;

	(void)who;	/* every local user sees every local ticket */
	*out = NULL;
	if ((rc = query(be, q, &list, next, err)) != JTA_OK)
		goto out;
	rc = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < list.n; i++) {
		if ((t = slimjs(be, &list.v[i])) == NULL ||
		    json_array_append_new(arr, t) != 0)
			goto out;
	}
	*out = json_pack("{s:O, s:o}", "issues", arr, "next_cursor",
	    next[0] != '\0' ? json_string(next) : json_null());
	if (*out != NULL)
		rc = JTA_OK;
out:
	jta_store_ticket_list_clear(&list);
	json_decref(arr);
	return rc;
}

/* search's answer as text (jta_backend.h): the same rows, written as
 * jta_fit_dumps writes search's tree. */
static enum jta_err
search_text(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, char **text, size_t *len,
    struct jta_error *err)
{
	struct jta_store_ticket_list list;
	struct jta_jsonw w = JTA_JSONW_INIT;
	char		 next[JTA_LIMIT_CURSOR + 1];
	enum jta_err	 rc;
	size_t		 i;

	(void)who;	/* every local user sees every local ticket */
	*text = NULL;
	*len = 0;
	if ((rc = query(be, q, &list, next, err)) != JTA_OK)
		goto out;
	RAW(&w, "{\"issues\":[");
	for (i = 0; i < list.n && !w.bad; i++) {
		if (i > 0)
			jta_jsonw_ch(&w, ',');
		slimtext(&w, be, &list.v[i]);
	}
	RAW(&w, "],\"next_cursor\":");
	if (next[0] != '\0')
		strtext(&w, next);
	else
		RAW(&w, "null");
	jta_jsonw_ch(&w, '}');
	/* Memory ran out, or a row is not UTF-8: the tree's answer fails
	 * the same way (jta_fit_dumps, then jansson, refuse it). */
	if ((*text = jta_jsonw_finish(&w, len)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	jta_store_ticket_list_clear(&list);
	return rc;
}

static enum jta_err
get(struct jta_backend *be, const struct jta_user *who, const char *key,
    json_t **out, struct jta_error *err)
{
	struct jta_store_issue is;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = checkkey(key, err)) != JTA_OK)
		return rc;
	rc = jta_store_ticket_get(be->store, key, &is, err);
	return answer(be, rc, &is, out, err);
}

/* File what prepare made: the store takes the user name of the
 * assignee; the preview's other members are the store's fields. */
static enum jta_err
create(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	static const char *const keep[] = { "project", "summary", "type",
	    "description", "priority", "labels", NULL };
	struct jta_store_issue is;
	json_t		*f;
	const json_t	*v;
	size_t		 i;
	enum jta_err	 rc;
	int		 created;

	*out = NULL;
	if (jta_local_sd_prepared(prepared))
		return jta_local_sd_create(be, who, prepared, once, out, err);
	if ((f = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; keep[i] != NULL; i++)
		if ((v = json_object_get(prepared, keep[i])) != NULL &&
		    json_object_set(f, keep[i], jta_local_unconst(v)) != 0)
			goto nomem;
	v = json_object_get(prepared, "assignee");
	if (v != NULL && json_object_set(f, "assignee", json_is_null(v) ?
	    jta_local_unconst(v) : json_object_get(v, "id")) != 0)
		goto nomem;
	/* The token is looked up and stored in the ticket's own insert
	 * transaction: a repeat with it answers the ticket it made. */
	rc = jta_local_stale(jta_store_ticket_create_once(be->store, who, f,
	    once, &created, &is, err), err);
	json_decref(f);
	return answer(be, rc, &is, out, err);
nomem:
	json_decref(f);
	return JTA_ERR_NOMEM;
}

static enum jta_err
find_once(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, int64_t since, json_t **out,
    struct jta_error *err)
{
	struct jta_store_issue is;
	enum jta_err	 rc;

	*out = NULL;
	if (jta_local_sd_prepared(prepared))
		return jta_local_sd_find_once(be, who, prepared, once, since,
		    out, err);
	if ((rc = jta_store_ticket_by_once(be->store, once, &is, err)) ==
	    JTA_ERR_NOTFOUND)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "no ticket carries that submit token");
	return answer(be, rc, &is, out, err);
}

static enum jta_err
update(struct jta_backend *be, const struct jta_user *who, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	const json_t	*p = json_object_get(fields, "priority");
	const json_t	*a = json_object_get(fields, "assignee");
	const char	*canon = NULL;
	char		 name[JTA_LIMIT_NAME + 1];
	struct jta_store_issue is;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 status[JTA_LIMIT_NAME + 1];
	int64_t		 num;
	json_t		*f = NULL;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = checkkey(key, err)) != JTA_OK)
		return rc;
	/* This backend's priorities (a Jira site has its own). */
	if (json_is_string(p) && (rc = jta_req_choose("priority",
	    jta_local_priorities, json_string_value(p), &canon, err)) !=
	    JTA_OK)
		return rc;
	/* The assignee by user name or email, as create takes it; one that
	 * names nobody is refused below, after a missing ticket's 404. */
	if (json_is_string(a) && username(be, "assignee",
	    json_string_value(a), name, err) != JTA_OK) {
		memset(err, 0, sizeof(*err));
		a = NULL;
	}
	if ((f = json_copy(jta_local_unconst(fields))) == NULL ||
	    (canon != NULL && json_object_set_new(f, "priority",
	    json_string(canon)) != 0) ||
	    (json_is_string(a) && json_object_set_new(f, "assignee",
	    json_string(name)) != 0)) {
		json_decref(f);
		return JTA_ERR_NOMEM;
	}
	/* A ticket that is not there is 404 before its type or assignee
	 * is judged, against the project of its key. */
	if (json_is_string(json_object_get(f, "type")) ||
	    json_is_string(json_object_get(f, "assignee"))) {
		if ((rc = jta_store_ticket_status(be->store, key, status,
		    sizeof(status), err)) == JTA_ERR_NOTFOUND)
			rc = notfound(err);
		else if (rc == JTA_OK && jta_text_parse_issue_key(key,
		    strlen(key), proj, sizeof(proj), &num) == 0)
			rc = jta_local_refs(be, proj, f, err);
		if (rc != JTA_OK) {
			json_decref(f);
			return rc;
		}
	}
	rc = jta_local_stale(jta_store_ticket_update(be->store, key, f, &is,
	    err), err);
	json_decref(f);
	return answer(be, rc, &is, out, err);
}

static enum jta_err
comment(struct jta_backend *be, const struct jta_user *who, const char *key,
    const char *body, json_t **out, struct jta_error *err)
{
	struct jta_store_comment c;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = checkkey(key, err)) != JTA_OK)
		return rc;
	if ((rc = jta_store_ticket_comment(be->store, key, who, body, &c,
	    err)) == JTA_ERR_NOTFOUND)
		return notfound(err);
	if (rc == JTA_OK && (*out = commentjs(&c)) == NULL)
		rc = JTA_ERR_NOMEM;
	jta_store_comment_clear(&c);
	return rc;
}

static enum jta_err
transitions(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 status[JTA_LIMIT_NAME + 1];

	(void)who;
	*out = NULL;
	if ((rc = checkkey(key, err)) != JTA_OK)
		return rc;
	if ((rc = jta_store_ticket_status(be->store, key, status,
	    sizeof(status), err)) == JTA_ERR_NOTFOUND)
		return notfound(err);
	if (rc != JTA_OK)
		return rc;
	*out = json_pack("{s:s, s:s, s:o}", "key", key, "status", status,
	    "transitions", movesjs(status));
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

/*
 * Move the ticket to status to, when the workflow allows it from the
 * status it is in: read the status, check the move here, then write it
 * conditionally on the status read, so that a concurrent move is seen
 * (the store's JTA_ERR_CONFLICT) and the check runs again on the new
 * status, as if the two had queued.
 */
static enum jta_err
transition(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *to, json_t **out, struct jta_error *err)
{
	struct jta_store_issue is;
	enum jta_err	 rc;
	const char *const *moves;
	char		 status[JTA_LIMIT_NAME + 1], list[128];
	size_t		 i, o;
	int		 tries;

	(void)who;
	*out = NULL;
	if ((rc = checkkey(key, err)) != JTA_OK)
		return rc;
	rc = JTA_ERR_CONFLICT;
	for (tries = 0; tries < JTA_LOCAL_MOVE_TRIES && rc == JTA_ERR_CONFLICT;
	    tries++) {
		if ((rc = jta_store_ticket_status(be->store, key, status,
		    sizeof(status), err)) == JTA_ERR_NOTFOUND)
			return notfound(err);
		if (rc != JTA_OK)
			return rc;
		for (i = 0; statuses[i] != NULL; i++)
			if (strcasecmp(statuses[i], to) == 0)
				break;
		if (statuses[i] == NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "to",
			    "to must be a status: Open, In Progress, "
			    "Resolved or Closed");
		moves = movesfrom(status);
		for (i = 0; moves != NULL && moves[i] != NULL; i++)
			if (strcasecmp(moves[i], to) == 0)
				break;
		if (moves == NULL || moves[i] == NULL) {
			list[0] = '\0';
			for (i = 0, o = 0; moves != NULL && moves[i] != NULL;
			    i++)
				o += (size_t)snprintf(list + o,
				    sizeof(list) - o, "%s%s", i ? ", " : "",
				    moves[i]);
			return jta_error_set(err, JTA_ERR_CONFLICT, 409, "to",
			    "an issue in status %s can move only to: %s",
			    status, list);
		}
		rc = jta_store_ticket_move(be->store, key, status, moves[i],
		    err);
	}
	if (rc == JTA_ERR_CONFLICT)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, "to",
		    "the issue kept changing status while it was moved; "
		    "read its transitions and try again");
	if (rc == JTA_ERR_NOTFOUND)
		return notfound(err);
	if (rc != JTA_OK)
		return rc;
	rc = jta_store_ticket_get(be->store, key, &is, err);
	return answer(be, rc, &is, out, err);
}

/* The priorities as a new JSON array; NULL when memory runs out. */
static json_t *
prioritiesjs(void)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && jta_local_priorities[i] != NULL; i++)
		if (json_array_append_new(a, json_string(
		    jta_local_priorities[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

enum jta_err
jta_local_project_list(struct jta_store *st, json_t **out)
{
	enum jta_err	 rc;
	json_t		*p;
	size_t		 i;

	if ((rc = jta_store_project_list(st, out)) != JTA_OK)
		return rc;
	json_array_foreach(*out, i, p)
		if (json_object_set_new(p, "priorities", prioritiesjs()) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	return JTA_OK;
}

static enum jta_err
projects(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*list = NULL;

	(void)who;
	*out = NULL;
	if ((rc = jta_local_project_list(be->store, &list)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the ticket store failed; the server log has details");
	if ((*out = json_pack("{s:o}", "projects", list)) == NULL)
		return JTA_ERR_NOMEM;
	/* Jira Service Management: the projects with request types */
	if ((rc = jta_local_sd_mark(be, *out, err)) != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static enum jta_err
me(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	(void)err;
	*out = json_pack("{s:s, s:s, s:s, s:s}", "name", who->name,
	    "display_name", who->display_name, "email", who->email,
	    "backend", be->ops->name);
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

/* The project of the store with key, borrowed from *list (a new
 * jta_store_project_list answer the caller releases). */
static enum jta_err
project(struct jta_backend *be, const char *key, json_t **list,
    const json_t **p, struct jta_error *err)
{
	const json_t	*x;
	size_t		 i;
	enum jta_err	 rc;

	*p = NULL;
	if ((rc = jta_store_project_list(be->store, list)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the ticket store failed; the server log has details");
	json_array_foreach(*list, i, x)
		if (key != NULL && strcmp(json_string_value(json_object_get(x,
		    "key")), key) == 0)
			*p = x;
	return JTA_OK;
}

/* The type of project p named name (ignoring case), or its first when
 * name is NULL; NULL when none. */
static const char *
typeof_(const json_t *p, const char *name)
{
	const json_t	*t;
	size_t		 i;

	json_array_foreach(json_object_get(p, "types"), i, t)
		if (name == NULL || strcasecmp(json_string_value(t), name) == 0)
			return json_string_value(t);
	return NULL;
}

/*
 * What the store would refuse, said in the API's words before it writes:
 * project proj must exist, fields' "type" (when a string) be one of its
 * types and fields' "assignee" (when a string) a user's name.  The store
 * refuses them too (a bare JTA_ERR_INPUT) should one go in between:
 * jta_local_stale() answers that.
 */
enum jta_err
jta_local_refs(struct jta_backend *be, const char *proj, const json_t *fields,
    struct jta_error *err)
{
	json_t		*list = NULL;
	const json_t	*p, *v;
	struct jta_user	 u;
	char		*names;
	enum jta_err	 rc;

	if ((rc = project(be, proj, &list, &p, err)) != JTA_OK)
		goto out;
	if (p == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "project",
		    "there is no project with that key; GET /api/projects "
		    "lists them");
		goto out;
	}
	v = json_object_get(fields, "type");
	if (json_is_string(v) && typeof_(p, json_string_value(v)) == NULL) {
		names = jta_arena_json_dumps(json_object_get(p, "types"),
		    JSON_COMPACT);
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "type", "this "
		    "project has no such issue type; allowed values: %s",
		    names != NULL ? names : "?");
		free(names);
		goto out;
	}
	v = json_object_get(fields, "assignee");
	if (json_is_string(v) && (rc = jta_store_user_get(be->store,
	    json_string_value(v), &u, err)) != JTA_OK) {
		if (rc == JTA_ERR_NOTFOUND)
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "assignee",
			    "assignee must be the name of a known user");
		goto out;
	}
	rc = JTA_OK;
out:
	json_decref(list);
	return rc;
}

/* The answer when the store refuses a project, type or assignee that
 * jta_local_refs() (or prepare) found a moment before. */
enum jta_err
jta_local_stale(enum jta_err rc, struct jta_error *err)
{
	if (rc != JTA_ERR_INPUT)
		return rc;
	return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL, "the project, "
	    "issue type or assignee changed while the ticket was written; "
	    "try again");
}

/* The priority of a ticket created without one (one of
 * jta_local_priorities; the store's own default too). */
static const char defprio[] = "Medium";

/* The embedded store's create screen: the same for every project and
 * type (api.md "Field discovery"). */
static json_t *
localfields(void)
{
	json_t	*prio = prioritiesjs();

	if (prio == NULL)
		return NULL;
	return json_pack("[{s:s, s:s, s:b, s:s}, {s:s, s:s, s:b, s:s}, "
	    "{s:s, s:s, s:b, s:s, s:o, s:s}, {s:s, s:s, s:b, s:s}, "
	    "{s:s, s:s, s:b, s:s}]",
	    "id", "summary", "name", "Summary", "required", 1, "type",
	    "string",
	    "id", "description", "name", "Description", "required", 0,
	    "type", "text",
	    "id", "priority", "name", "Priority", "required", 0, "type",
	    "option", "allowed", prio, "default", defprio,
	    "id", "labels", "name", "Labels", "required", 0, "type", "labels",
	    "id", "assignee", "name", "Assignee", "required", 0, "type",
	    "user");
}

static enum jta_err
fields(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *type, json_t **out,
    struct jta_error *err)
{
	json_t		*list = NULL, *f = NULL;
	const json_t	*p;
	const char	*t;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = project(be, key, &list, &p, err)) != JTA_OK)
		goto out;
	if (p == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no project %s", key);
		goto out;
	}
	if ((t = typeof_(p, type)) == NULL) {
		char		 names[300];
		size_t		 i, o = 0;
		const json_t	*x;

		names[0] = '\0';
		json_array_foreach(json_object_get(p, "types"), i, x)
			if (o < sizeof(names))
				o += (size_t)snprintf(names + o,
				    sizeof(names) - o, "%s%s", i ? ", " : "",
				    json_string_value(x));
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "type",
		    "project %s has no such issue type; its types: %s", key,
		    names);
		goto out;
	}
	if ((f = localfields()) == NULL || (*out = json_pack("{s:s, s:s, s:O, "
	    "s:O}", "project", key, "type", t, "types", json_object_get(p,
	    "types"), "fields", f)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(list);
	json_decref(f);
	return rc;
}

/* Add a problem about member field with allowed values (an array of
 * strings, or NULL) and a question. */
static void
problem(struct jta_error *err, const char *field, const char *name,
    const char *detail, const json_t *allowed, enum jta_ask kind)
{
	const json_t	*v;
	size_t		 i;

	if (jta_error_add(err, field, detail) != 0)
		return;
	if (name != NULL)
		(void)jta_error_name(err, name);
	json_array_foreach(allowed, i, v)
		if (jta_error_allow(err, json_string_value(v)) != 0)
			break;
	(void)jta_error_ask_about(err, kind);
}

/* The assignee value (a user name or an email, ignoring case) as the
 * preview's {"id": user name, "name": display name}, or a problem. */
static enum jta_err
assignee(struct jta_backend *be, const char *v, json_t *prep,
    struct jta_error *err)
{
	json_t		*users = NULL, *names = NULL;
	const json_t	*u, *hit = NULL;
	const char	*n, *e;
	size_t		 i;
	enum jta_err	 rc;

	if ((rc = jta_store_user_list(be->store, &users)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the ticket store failed; the server log has details");
	if ((names = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(users, i, u) {
		n = json_string_value(json_object_get(u, "name"));
		e = json_string_value(json_object_get(u, "email"));
		if (n == NULL)
			continue;
		if (strcmp(n, v) == 0 || (e != NULL && e[0] != '\0' &&
		    strcasecmp(e, v) == 0))
			hit = u;
		if (json_array_size(names) < JTA_LIMIT_ALLOWED &&
		    json_array_append_new(names, json_string(n)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (hit == NULL)
		problem(err, "assignee", NULL, "is no user of this server "
		    "(give a user name or an email)", names, JTA_ASK_USER);
	else if (json_object_set_new(prep, "assignee", json_pack("{s:O, s:O}",
	    "id", json_object_get(hit, "name"), "name", json_object_get(hit,
	    "display_name"))) != 0)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(users);
	json_decref(names);
	return rc;
}

static enum jta_err
prepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	static const char *const copied[] = { "summary", "description",
	    "labels", NULL };
	json_t		*list = NULL, *prio = NULL, *keys = NULL, *lf = NULL;
	const json_t	*p, *v, *f;
	const char	*key = json_string_value(json_object_get(input,
			    "project"));
	const char	*type = json_string_value(json_object_get(input,
			    "type")), *t, *k;
	const char	*pr = json_string_value(json_object_get(input,
			    "priority"));
	char		 field[JTA_ERROR_FIELD];
	size_t		 i, j;
	enum jta_err	 rc;

	(void)who;
	*prepared = NULL;
	/* A request type: a request in the project's service desk
	 * (jta_local_sd.c, which calls back here without it). */
	if (json_object_get(input, "request_type") != NULL)
		return jta_local_sd_prepare(be, who, input, prepared, err);
	if (json_object_get(input, "on_behalf_of") != NULL ||
	    json_object_get(input, "participants") != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    json_object_get(input, "on_behalf_of") != NULL ?
		    "on_behalf_of" : "participants",
		    "is for raising a service-desk request: give its "
		    "request_type");
	if ((rc = project(be, key, &list, &p, err)) != JTA_OK)
		return rc;
	jta_error_begin(err);
	if ((*prepared = json_object()) == NULL ||
	    (key != NULL && json_object_set_new(*prepared, "project",
	    json_string(key)) != 0) ||
	    (keys = json_array()) == NULL || (prio = json_array()) == NULL ||
	    (lf = localfields()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	/* The basics are problems like any other (the request table does
	 * not require them), so the assistant asks for all at once. */
	if (p == NULL) {
		json_array_foreach(list, i, v)
			if (json_array_append(keys, json_object_get(v, "key")))
				break;
		problem(err, "project", "Project", key == NULL ? "is required" :
		    "is not a project of this server", keys, JTA_ASK_ONE);
	} else if ((t = typeof_(p, type)) == NULL)
		problem(err, "type", NULL, "is not an issue type of this "
		    "project", json_object_get(p, "types"), JTA_ASK_ONE);
	else if (json_object_set_new(*prepared, "type", json_string(t)) != 0)
		rc = JTA_ERR_NOMEM;
	if (json_object_get(input, "summary") == NULL)
		problem(err, "summary", "Summary", "is required", NULL,
		    JTA_ASK_TEXT);
	for (i = 0; copied[i] != NULL; i++)
		if ((v = json_object_get(input, copied[i])) != NULL &&
		    json_object_set(*prepared, copied[i],
		    jta_local_unconst(v)) != 0)
			rc = JTA_ERR_NOMEM;
	for (i = 0; jta_local_priorities[i] != NULL; i++) {
		if (json_array_append_new(prio, json_string(
		    jta_local_priorities[i])) != 0)
			rc = JTA_ERR_NOMEM;
		if (pr != NULL && strcasecmp(pr, jta_local_priorities[i]) ==
		    0 && json_object_set_new(*prepared, "priority",
		    json_string(jta_local_priorities[i])) != 0)
			rc = JTA_ERR_NOMEM;
	}
	if (pr != NULL && json_object_get(*prepared, "priority") == NULL)
		problem(err, "priority", NULL, "is not a priority of this "
		    "server", prio, JTA_ASK_ONE);
	/* The default the store would file is shown and filed as given,
	 * so the person approves exactly what is filed. */
	if (pr == NULL && json_object_set_new(*prepared, "priority",
	    json_string(defprio)) != 0)
		rc = JTA_ERR_NOMEM;
	if (json_object_get(input, "components") != NULL)
		problem(err, "components", NULL, "cannot be set: the embedded "
		    "ticket store has no components", NULL, JTA_ASK_SOME);
	if (json_object_get(input, "parent") != NULL)
		problem(err, "parent", NULL, "cannot be set: the embedded "
		    "ticket store has no sub-tasks", NULL, JTA_ASK_ISSUE);
	if ((v = json_object_get(input, "assignee")) != NULL) {
		if (json_is_null(v)) {
			if (json_object_set_new(*prepared, "assignee",
			    json_null()) != 0)
				rc = JTA_ERR_NOMEM;
		} else if (rc == JTA_OK)
			rc = assignee(be, json_string_value(v), *prepared, err);
	}
	/* Every field of the store is a member of the request itself. */
	json_object_foreach(jta_local_unconst(json_object_get(input,
	    "fields")), k, v) {
		snprintf(field, sizeof(field), "fields.%s", k);
		json_array_foreach(lf, j, f)
			if (strcmp(json_string_value(json_object_get(f, "id")),
			    k) == 0 || strcasecmp(json_string_value(
			    json_object_get(f, "name")), k) == 0)
				break;
		if (j < json_array_size(lf)) {
			char	 d[JTA_ERROR_MESSAGE];

			snprintf(d, sizeof(d), "is set by the request member "
			    "\"%s\"; send it there", json_string_value(
			    json_object_get(json_array_get(lf, j), "id")));
			problem(err, field, NULL, d, NULL, JTA_ASK_TEXT);
		} else
			problem(err, field, NULL, "is not a field of the "
			    "embedded ticket store (it has no custom fields)",
			    NULL, JTA_ASK_TEXT);
	}
	if (rc == JTA_OK)
		rc = jta_error_collected(err);
out:
	if (rc != JTA_OK) {
		json_decref(*prepared);
		*prepared = NULL;
	}
	json_decref(list);
	json_decref(prio);
	json_decref(keys);
	json_decref(lf);
	return rc;
}

/* A similar ticket: {key, summary, status, project, type, priority,
 * labels, components ([]: the store has none), updated, score, url}. */
static json_t *
similarjs(const struct jta_backend *be, const struct jta_store_ticket *t)
{
	char	 key[JTA_LIMIT_ISSUE_KEY + 1];
	json_t	*o;

	keyof(t, key);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[], s:o, s:f}",
	    "key", key, "summary", t->summary, "status", t->status, "project",
	    t->project, "type", t->type, "priority", t->priority, "labels",
	    labelsjs(t), "components", "updated", jta_local_timejs(t->updated),
	    "score", t->score);
	if (o != NULL)
		addurl(be, o);
	return o;
}

/* GET /api/similar over every ticket (every local user sees all). */
static enum jta_err
similar(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *project, size_t limit, json_t **out,
    struct jta_error *err)
{
	struct jta_suggest_terms terms;
	struct jta_store_ticket_list rows;
	json_t		*list = NULL, *sugg = NULL, *t;
	size_t		 i;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	jta_suggest_terms(text, &terms);
	if ((rc = jta_store_ticket_similar(be->store, &terms, project, limit,
	    &rows, err)) == JTA_ERR_INPUT)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has no word to look for (words of three letters "
		    "or more that are not as common as \"the\")");
	if (rc != JTA_OK)
		return rc;
	rc = JTA_ERR_NOMEM;
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < rows.n; i++)
		if ((t = similarjs(be, &rows.v[i])) == NULL ||
		    json_array_append_new(list, t) != 0)
			goto out;
	/* bm25 gives every FTS5 match a score above 0; a row without one
	 * matched nothing and must not vote. */
	jta_suggest_drop_unscored(list);
	if ((rc = jta_suggest_make(list, &sugg)) == JTA_OK &&
	    (*out = json_pack("{s:O, s:O}", "similar", list, "suggestion",
	    sugg)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	jta_store_ticket_list_clear(&rows);
	json_decref(list);
	json_decref(sugg);
	return rc;
}

/* GET /api/users over the store's users: {"users": [{"id": name,
 * "name": display name, "email" (when there is one)}]}. */
static enum jta_err
users(struct jta_backend *be, const struct jta_user *who, const char *query,
    size_t limit, json_t **out, struct jta_error *err)
{
	struct jta_user	*v = NULL;
	json_t		*list = NULL, *o;
	size_t		 i, n = 0;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = jta_store_user_find(be->store, query, limit, &v, &n,
	    err)) != JTA_OK)
		return rc;
	rc = JTA_ERR_NOMEM;
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s}", "id", v[i].name, "name",
		    v[i].display_name);
		if (o == NULL || json_array_append_new(list, o) != 0 ||
		    (v[i].email[0] != '\0' && json_object_set_new(o, "email",
		    json_string(v[i].email)) != 0))
			goto out;
	}
	if ((*out = json_pack("{s:O}", "users", list)) != NULL)
		rc = JTA_OK;
out:
	free(v);
	json_decref(list);
	return rc;
}

/* GET /api/knowledge: the embedded knowledge base, whose articles are
 * for everyone. */
static enum jta_err
knowledge(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *space, size_t limit, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*a = NULL;

	(void)who;
	*out = NULL;
	if ((rc = jta_kb_search(be->store, text, space, NULL, limit, &a,
	    err)) !=
	    JTA_OK)
		return rc;
	if ((*out = json_pack("{s:o, s:[s]}", "articles", a, "searched",
	    "local")) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

static enum jta_err
article(struct jta_backend *be, const struct jta_user *who, const char *id,
    json_t **out, struct jta_error *err)
{
	(void)who;
	return jta_kb_get(be->store, id, NULL, out, err);
}

static enum jta_err
helped(struct jta_backend *be, const struct jta_user *who, const char *id,
    json_t **out, struct jta_error *err)
{
	return jta_kb_helped(be->store, who, id, NULL, 0, out, err);
}

const struct jta_backend_ops jta_local_ops = {
	.name = "local",
	.search = search,
	.search_text = search_text,
	.get = get,
	.create = create,
	.update = update,
	.comment = comment,
	.transitions = transitions,
	.transition = transition,
	.projects = projects,
	.me = me,
	.fields = fields,
	.prepare = prepare,
	.find_once = find_once,
	/* create looks the token up in its own transaction: no window. */
	.once_window = 0,
	.similar = similar,
	.users = users,
	.tk_list = jta_local_tk_list,
	.tk_get = jta_local_tk_get,
	.tk_create = jta_local_tk_create,
	.tk_update = jta_local_tk_update,
	.tk_delete = jta_local_tk_delete,
	.knowledge = knowledge,
	.article = article,
	.helped = helped,
	.sd_desks = jta_local_sd_desks,
	.sd_fields = jta_local_sd_fields,
	.sd_requests = jta_local_sd_requests,
	.sd_request = jta_local_sd_request,
	.sd_comment = jta_local_sd_comment,
	.sd_transitions = jta_local_sd_transitions,
	.sd_transition = jta_local_sd_transition,
	.sd_decide = jta_local_sd_decide,
	.sd_suggest = jta_local_sd_suggest,
	.attachment_text = jta_files_local_text,
};
