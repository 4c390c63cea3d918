/*
 * The embedded ticket store as a backend: the store does the work; this
 * adds what only the serving side knows (each ticket's url).
 */
#include "config.h"

#include <stdio.h>
#include <strings.h>

#include "jta_backend.h"

/* Add "url" (public_url/api/issues/KEY) to one ticket object. */
static void
addurl(const struct jta_backend *be, json_t *t)
{
	const char	*key = json_string_value(json_object_get(t, "key"));
	char		 url[JTA_CONF_URL_MAX + 64];

	if (key == NULL)
		return;
	snprintf(url, sizeof(url), "%s/api/issues/%s", be->conf->public_url,
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

static enum jta_err
search(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*t;
	size_t		 i;

	(void)who;	/* every local user sees every local ticket */
	if (q->jql != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
		    "jql needs the Jira backend; this server uses its "
		    "embedded ticket store: use the filters instead");
	if ((rc = jta_store_ticket_search(be->store, q, out, err)) != JTA_OK)
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

static enum jta_err
create(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	int		 created;

	/* The token is looked up and stored in the ticket's own insert
	 * transaction: a repeat with it answers the ticket it made. */
	return withurl(be, jta_store_ticket_create_once(be->store, who,
	    prepared, once, &created, out, err), out);
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
	(void)who;
	return withurl(be, jta_store_ticket_update(be->store, key, fields,
	    out, err), out);
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

static enum jta_err
fields(struct jta_backend *be, const struct jta_user *who,
    const char *project, const char *type, json_t **out,
    struct jta_error *err)
{
	(void)be;
	(void)who;
	(void)project;
	(void)type;
	*out = NULL;
	return jta_error_set(err, JTA_ERR_INTERNAL, 501, NULL,
	    "not implemented yet");
}

static enum jta_err
prepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	const char	*p = json_string_value(json_object_get(input,
			    "priority"));
	size_t		 i;

	(void)be;
	(void)who;
	if ((*prepared = json_deep_copy(input)) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; p != NULL && jta_store_priorities[i] != NULL; i++)
		if (strcasecmp(p, jta_store_priorities[i]) == 0)
			return json_object_set_new(*prepared, "priority",
			    json_string(jta_store_priorities[i])) == 0 ?
			    JTA_OK : JTA_ERR_NOMEM;
	if (p != NULL) {
		json_decref(*prepared);
		*prepared = NULL;
		return jta_error_set(err, JTA_ERR_INPUT, 422, "priority",
		    "priority has a value that is not allowed");
	}
	return JTA_OK;
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
};
