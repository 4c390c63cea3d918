/*
 * The embedded ticket store as a backend: the store does the work; this
 * adds what only the serving side knows (each ticket's url).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_backend.h"
#include "jta_req.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_suggest.h"

/* jansson's object iterator takes a json_t * although it only reads. */
static json_t *
unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* Add "url" to one ticket object: public_url/browse/KEY, the ticket's
 * page for people (fcgi/browse.c), not the API. */
static void
addurl(const struct jta_backend *be, json_t *t)
{
	const char	*key = json_string_value(json_object_get(t, "key"));
	char		 url[JTA_CONF_URL_MAX + 64];

	if (key == NULL)
		return;
	snprintf(url, sizeof(url), "%s/browse/%s", be->conf->public_url,
	    key);
	json_object_set_new(t, "url", json_string(url));
}

/* Add the url to *out once rc says the call succeeded (taking out by
 * address: the call that fills it is an argument of this one). */
static enum jta_err
withurl(const struct jta_backend *be, enum jta_err rc, json_t *const *out)
{
	if (rc == JTA_OK)
		addurl(be, *out);
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

static enum jta_err
search(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*t;
	size_t		 i;

	struct jta_search canon = *q;
	char		 asg[JTA_LIMIT_NAME + 1], rep[JTA_LIMIT_NAME + 1];

	(void)who;	/* every local user sees every local ticket */
	if (q->jql != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql needs the Jira backend; this server uses its "
		    "embedded ticket store: use the filters instead");
	/* The store's own statuses and priorities (a Jira site has its
	 * own, so the endpoint takes any name). */
	if ((q->status != NULL && (rc = jta_req_choose("status",
	    jta_store_statuses, q->status, &canon.status, err)) != JTA_OK) ||
	    (q->priority != NULL && (rc = jta_req_choose("priority",
	    jta_store_priorities, q->priority, &canon.priority, err)) !=
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
	if ((rc = jta_store_ticket_search(be->store, &canon, out, err)) !=
	    JTA_OK)
		return rc;
	json_array_foreach(json_object_get(*out, "issues"), i, t)
		addurl(be, t);
	return JTA_OK;
}

static enum jta_err
get(struct jta_backend *be, const struct jta_user *who, const char *key,
    json_t **out, struct jta_error *err)
{
	(void)who;
	return withurl(be, jta_store_ticket_get(be->store, key, out, err),
	    out);
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
	json_t		*f;
	const json_t	*v;
	size_t		 i;
	enum jta_err	 rc;
	int		 created;

	*out = NULL;
	if ((f = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; keep[i] != NULL; i++)
		if ((v = json_object_get(prepared, keep[i])) != NULL &&
		    json_object_set(f, keep[i], unconst(v)) != 0)
			goto nomem;
	v = json_object_get(prepared, "assignee");
	if (v != NULL && json_object_set(f, "assignee", json_is_null(v) ?
	    unconst(v) : json_object_get(v, "id")) != 0)
		goto nomem;
	/* The token is looked up and stored in the ticket's own insert
	 * transaction: a repeat with it answers the ticket it made. */
	rc = withurl(be, jta_store_ticket_create_once(be->store, who, f, once,
	    &created, out, err), out);
	json_decref(f);
	return rc;
nomem:
	json_decref(f);
	return JTA_ERR_NOMEM;
}

static enum jta_err
find_once(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, int64_t since, json_t **out,
    struct jta_error *err)
{
	(void)who;
	(void)prepared;
	(void)since;
	return withurl(be, jta_store_ticket_by_once(be->store, once, out,
	    err), out);
}

static enum jta_err
update(struct jta_backend *be, const struct jta_user *who, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	const json_t	*p = json_object_get(fields, "priority");
	const json_t	*a = json_object_get(fields, "assignee");
	const char	*canon = NULL;
	char		 name[JTA_LIMIT_NAME + 1];
	json_t		*f;
	enum jta_err	 rc;

	(void)who;
	if (!json_is_string(p) && !json_is_string(a))
		return withurl(be, jta_store_ticket_update(be->store, key,
		    fields, out, err), out);
	/* The store's own priorities (a Jira site has its own). */
	if (json_is_string(p) && (rc = jta_req_choose("priority",
	    jta_store_priorities, json_string_value(p), &canon, err)) !=
	    JTA_OK)
		return rc;
	/* The assignee by user name or email, as create takes it. */
	if (json_is_string(a) && (rc = username(be, "assignee",
	    json_string_value(a), name, err)) != JTA_OK)
		return rc;
	if ((f = json_copy(unconst(fields))) == NULL ||
	    (canon != NULL && json_object_set_new(f, "priority",
	    json_string(canon)) != 0) ||
	    (json_is_string(a) && json_object_set_new(f, "assignee",
	    json_string(name)) != 0)) {
		json_decref(f);
		return JTA_ERR_NOMEM;
	}
	rc = withurl(be, jta_store_ticket_update(be->store, key, f, out, err),
	    out);
	json_decref(f);
	return rc;
}

static enum jta_err
comment(struct jta_backend *be, const struct jta_user *who, const char *key,
    const char *body, json_t **out, struct jta_error *err)
{
	return jta_store_ticket_comment(be->store, key, who, body, out, err);
}

static enum jta_err
transitions(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	(void)who;
	return jta_store_ticket_transitions(be->store, key, out, err);
}

static enum jta_err
transition(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *to, json_t **out, struct jta_error *err)
{
	(void)who;
	return withurl(be, jta_store_ticket_transition(be->store, key, to,
	    out, err), out);
}

static enum jta_err
projects(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*list = NULL;

	(void)who;
	*out = NULL;
	if ((rc = jta_store_project_list(be->store, &list)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the ticket store failed; the server log has details");
	if ((*out = json_pack("{s:o}", "projects", list)) == NULL)
		return JTA_ERR_NOMEM;
	return JTA_OK;
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
		if (strcmp(json_string_value(json_object_get(x, "key")), key) ==
		    0)
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

/* The embedded store's create screen: the same for every project and
 * type (api.md "Field discovery"). */
static json_t *
localfields(void)
{
	json_t	*prio = json_array();
	size_t	 i;

	for (i = 0; prio != NULL && jta_store_priorities[i] != NULL; i++)
		if (json_array_append_new(prio, json_string(
		    jta_store_priorities[i])) != 0) {
			json_decref(prio);
			return NULL;
		}
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
	    "option", "allowed", prio, "default", "Medium",
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
	if ((rc = project(be, key, &list, &p, err)) != JTA_OK)
		return rc;
	jta_error_begin(err);
	if ((*prepared = json_pack("{s:s}", "project", key)) == NULL ||
	    (keys = json_array()) == NULL || (prio = json_array()) == NULL ||
	    (lf = localfields()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (p == NULL) {
		json_array_foreach(list, i, v)
			if (json_array_append(keys, json_object_get(v, "key")))
				break;
		problem(err, "project", NULL, "is not a project of this server",
		    keys, JTA_ASK_ONE);
	} else if ((t = typeof_(p, type)) == NULL)
		problem(err, "type", NULL, "is not an issue type of this "
		    "project", json_object_get(p, "types"), JTA_ASK_ONE);
	else if (json_object_set_new(*prepared, "type", json_string(t)) != 0)
		rc = JTA_ERR_NOMEM;
	for (i = 0; copied[i] != NULL; i++)
		if ((v = json_object_get(input, copied[i])) != NULL &&
		    json_object_set(*prepared, copied[i], unconst(v)) != 0)
			rc = JTA_ERR_NOMEM;
	for (i = 0; jta_store_priorities[i] != NULL; i++) {
		if (json_array_append_new(prio, json_string(
		    jta_store_priorities[i])) != 0)
			rc = JTA_ERR_NOMEM;
		if (pr != NULL && strcasecmp(pr, jta_store_priorities[i]) ==
		    0 && json_object_set_new(*prepared, "priority",
		    json_string(jta_store_priorities[i])) != 0)
			rc = JTA_ERR_NOMEM;
	}
	if (pr != NULL && json_object_get(*prepared, "priority") == NULL)
		problem(err, "priority", NULL, "is not a priority of this "
		    "server", prio, JTA_ASK_ONE);
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
	json_object_foreach(unconst(json_object_get(input, "fields")), k, v) {
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

/* GET /api/similar over every ticket (every local user sees all). */
static enum jta_err
similar(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *project, size_t limit, json_t **out,
    struct jta_error *err)
{
	struct jta_suggest_terms terms;
	json_t		*list = NULL, *sugg = NULL, *t;
	size_t		 i;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	jta_suggest_terms(text, &terms);
	if ((rc = jta_store_ticket_similar(be->store, &terms, project, limit,
	    &list, err)) != JTA_OK)
		return rc;
	/* bm25 gives every FTS5 match a score above 0; a row without one
	 * matched nothing and must not vote. */
	jta_suggest_drop_unscored(list);
	json_array_foreach(list, i, t)
		addurl(be, t);
	if ((rc = jta_suggest_make(list, &sugg)) == JTA_OK &&
	    (*out = json_pack("{s:O, s:O}", "similar", list, "suggestion",
	    sugg)) == NULL)
		rc = JTA_ERR_NOMEM;
	json_decref(list);
	json_decref(sugg);
	return rc;
}

/* GET /api/users over the store's users. */
static enum jta_err
users(struct jta_backend *be, const struct jta_user *who, const char *query,
    size_t limit, json_t **out, struct jta_error *err)
{
	json_t		*list = NULL;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = jta_store_user_find(be->store, query, limit, &list, err)) !=
	    JTA_OK)
		return rc;
	if ((*out = json_pack("{s:o}", "users", list)) == NULL)
		return JTA_ERR_NOMEM;
	return JTA_OK;
}

/* ---- /api/tickets/: the store's own tickets, as before ---- */

static enum jta_err
tk_list(struct jta_backend *be, const struct jta_user *who,
    const struct jta_tk_query *q, json_t **out, struct jta_error *err)
{
	(void)who;	/* every local user sees every local ticket */
	return jta_store_tk_list(be->store, q, out, err);
}

static enum jta_err
tk_get(struct jta_backend *be, const struct jta_user *who, int64_t id,
    json_t **out, struct jta_error *err)
{
	(void)who;
	return jta_store_tk_get(be->store, id, out, err);
}

static enum jta_err
tk_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	return jta_store_tk_create(be->store, who, be->conf->default_project,
	    fields, out, err);
}

static enum jta_err
tk_update(struct jta_backend *be, const struct jta_user *who, int64_t id,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	(void)who;
	return jta_store_tk_update(be->store, id, fields, out, err);
}

static enum jta_err
tk_delete(struct jta_backend *be, const struct jta_user *who, int64_t id,
    struct jta_error *err)
{
	(void)who;
	return jta_store_tk_delete(be->store, id, err);
}

const struct jta_backend_ops jta_local_ops = {
	.name = "local",
	.search = search,
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
	.tk_list = tk_list,
	.tk_get = tk_get,
	.tk_create = tk_create,
	.tk_update = tk_update,
	.tk_delete = tk_delete,
};
