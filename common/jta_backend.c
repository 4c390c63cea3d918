#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_backend.h"
#include "jta_log.h"
#include "jta_store_meta.h"

const struct jta_field jta_backend_create_fields[] = {
	/* project and summary are required, but the backend's prepare
	 * says so, with a question, among every other problem of the
	 * request (not one at a time here). */
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	{ "summary", JTA_FT_STRING, 0, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "description", JTA_FT_TEXT, 0, 0, JTA_LIMIT_DESCRIPTION, NULL },
	{ "priority", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "labels", JTA_FT_LABELS, 0, 0, JTA_LIMIT_LABELS, NULL },
	{ "components", JTA_FT_NAMES, 0, 0, JTA_LIMIT_COMPONENTS, NULL },
	/* a user name, an email or an account id; null: unassigned */
	{ "assignee", JTA_FT_STRING, JTA_F_NULLABLE, 1, JTA_LIMIT_EMAIL,
	    NULL },
	{ "parent", JTA_FT_ISSUEKEY, 0, 0, 0, NULL },
	{ "fields", JTA_FT_OBJECT, 0, 0, JTA_LIMIT_CREATE_FIELDS, NULL },
	/* Jira Service Management: raise a request of this type (id or
	 * name) in the project's service desk, for someone else (a user
	 * name, an email or an account id; agents only). */
	{ "request_type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "on_behalf_of", JTA_FT_STRING, 0, 1, JTA_LIMIT_EMAIL, NULL },
	/* people to add to the request (JSM's requestParticipants) */
	{ "participants", JTA_FT_NAMES, 0, 0, JTA_LIMIT_PARTICIPANTS, NULL },
};

/* The orders of GET /api/issues ("order") and of /api/tickets/
 * ("ordering"): the endpoints validate against these, and both backends
 * sort by each (the embedded store's SQL, Jira's ORDER BY). */
const char *const jta_backend_orders[] = { "-updated", "updated",
    "-created", "created", NULL };
const char *const jta_backend_tk_orderings[] = { "created", "-created",
    "title", "-title", "updated", "-updated", NULL };

const size_t jta_backend_ncreate_fields =
    sizeof(jta_backend_create_fields) / sizeof(jta_backend_create_fields[0]);

json_t *
jta_backend_preview(const json_t *prepared)
{
	json_t		*out;
	const char	*k;
	const json_t	*v;

	if (!json_is_object(prepared) || (out = json_object()) == NULL)
		return NULL;
	json_object_foreach((json_t *)(uintptr_t)prepared, k, v)
		if (k[0] != '_' && json_object_set_new(out, k,
		    json_deep_copy(v)) != 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}

int64_t
jta_backend_meta_entries(struct jta_backend *be)
{
	struct jta_error e;
	int64_t		 n = 0;

	memset(&e, 0, sizeof(e));
	if (be == NULL || jta_store_meta_count(be->store, &n, &e) != JTA_OK) {
		jta_log(JTA_LOG_WARN, "metadata cache: cannot count: %s",
		    e.detail);
		return -1;
	}
	return n;
}

enum jta_err
jta_backend_new(const struct jta_conf *conf, struct jta_store *store,
    struct jta_oauth *oauth, struct jta_backend **out)
{
	struct jta_backend *be;

	*out = NULL;
	if ((be = calloc(1, sizeof(*be))) == NULL)
		return JTA_ERR_NOMEM;
	be->conf = conf;
	be->store = store;
	be->oauth = oauth;
	switch (conf->backend) {
	case JTA_BACKEND_LOCAL:
		be->ops = &jta_local_ops;
		break;
	case JTA_BACKEND_JIRA:
		be->ops = &jta_jira_ops;
		break;
	}
	*out = be;
	return JTA_OK;
}

void
jta_backend_free(struct jta_backend *be)
{
	free(be);
}
