/*
 * The Jira Cloud backend's directory reads (jta_jira_backend_int.h):
 * the projects a person may browse (with their service desks and
 * priorities), who is signed in, the issue types and fields of a
 * project's create screen (through the metadata cache, jta_jira_meta.c),
 * people by name or email, and a person's groups for the access rules;
 * and what a link learns of its site for them (the site's priorities).
 * Each is one operation of jta_jira_ops (jta_jira_backend.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_backend.h"
#include "jta_http.h"
#include "jta_jira.h"
#include "jta_jira_backend_int.h"
#include "jta_jira_sd.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_store_people.h"

/* The platform API. */
#define API3		JTA_JIRA_API_PLATFORM
/* Pages of projects read for /api/projects (50 each). */
#define PROJECT_PAGES	10

/*
 * The site's priorities as Jira answers them, into *prio (new): from the
 * metadata cache (the same for everyone on the site: shared by all its
 * people, key "site"), else asked for and kept.  GET /priority
 * (getPriorities) and GET /priority/search (searchPriorities) are
 * deprecated in Jira platform REST v3, and the priority scheme
 * operations that replace them need the Administer Jira permission;
 * getFieldAutoCompleteForQueryString (GET /jql/autocompletedata/
 * suggestions) with only fieldName "get[s] a list of all values for the
 * field", as anyone may.  No operation answers them together with the
 * projects (searchProjects expands description, projectKeys, lead,
 * issueTypes, url and insight only), so they are learnt when someone
 * links (jta_jira_backend_linked) and a project list asks only when
 * that was longer than jira_metadata_ttl ago.
 */
static enum jta_err
site_priorities(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, json_t **prio, struct jta_error *err)
{
	enum jta_err	 rc;

	*prio = NULL;
	if (jta_jira_meta_get(be, mid, JTA_JIRA_META_PRIORITIES, "site",
	    prio) == JTA_OK)
		return JTA_OK;
	if ((rc = jta_jira_backend_call(be, who, "GET",
	    "/jql/autocompletedata/suggestions?fieldName=priority", NULL, 1,
	    prio, err)) != JTA_OK)
		return rc;
	if (json_is_object(*prio))
		jta_jira_meta_put(be, mid, JTA_JIRA_META_PRIORITIES, "site",
		    *prio);
	return JTA_OK;
}

/*
 * linked (jta_backend.h): the site's priorities, learnt while the person
 * links when the cache does not hold them fresh, so that the project
 * list that usually comes next is one call (README "A project list in
 * one call").  Nothing with the cache off: nothing would be kept.
 */
void
jta_jira_backend_linked(struct jta_backend *be, const struct jta_user *who)
{
	struct jta_jira_meta_id mid;
	struct jta_error e;
	json_t		*prio = NULL;

	if (jta_jira_meta_who(be, who, &mid) != JTA_OK)
		return;
	memset(&e, 0, sizeof(e));
	if (site_priorities(be, who, &mid, &prio, &e) != JTA_OK)
		jta_warn("metadata cache: the site's priorities were not "
		    "learnt at the link: %s", e.detail);
	json_decref(prio);
}

enum jta_err
jta_jira_backend_projects(struct jta_backend *be, const struct jta_user *who,
    json_t **out, struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	json_t		*all = NULL, *page = NULL, *prio = NULL, *p;
	char		 path[128];
	size_t		 i, start = 0, pages;
	enum jta_err	 rc;

	*out = NULL;
	(void)jta_jira_meta_who(be, who, &mid);
	/* The projects this person may browse: theirs alone. */
	if (jta_jira_meta_get(be, &mid, JTA_JIRA_META_PROJECTS, mid.account,
	    &all) == JTA_OK && json_is_array(json_object_get(all, "values")))
		pages = PROJECT_PAGES + 1;
	else {
		json_decref(all);
		if ((all = json_pack("{s:[]}", "values")) == NULL)
			return JTA_ERR_NOMEM;
		pages = 0;
	}
	for (; pages < PROJECT_PAGES; pages++) {
		snprintf(path, sizeof(path), "/project/search?expand="
		    "issueTypes&maxResults=50&startAt=%zu", start);
		if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
		    &page, err)) != JTA_OK)
			goto out;
		json_array_foreach(json_object_get(page, "values"), i, p)
			if (json_array_append(json_object_get(all, "values"),
			    p) != 0) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
		if (json_is_true(json_object_get(page, "isLast")) ||
		    json_array_size(json_object_get(page, "values")) == 0)
			break;
		start += json_array_size(json_object_get(page, "values"));
		json_decref(page);
		page = NULL;
	}
	if (pages <= PROJECT_PAGES)
		jta_jira_meta_put(be, &mid, JTA_JIRA_META_PROJECTS, mid.account,
		    all);
	if ((rc = site_priorities(be, who, &mid, &prio, err)) != JTA_OK ||
	    (rc = jta_jira_projects(all, prio, out, err)) != JTA_OK)
		goto out;
	/* Jira Service Management: say which projects are service desks.
	 * The project search tells whether any is (projectTypeKey
	 * "service_desk"), never which desk id it has, so one more call,
	 * only then; the same desk list as a raise's (cached per person),
	 * so after a raise or /api/servicedesks it is known. */
	if (jta_jira_sd_any(all)) {
		json_decref(page);
		page = NULL;
		/* The desks this person may use: theirs alone. */
		if (jta_jira_meta_get(be, &mid, JTA_JIRA_META_DESKS,
		    mid.account, &page) != JTA_OK) {
			if ((rc = jta_jira_backend_call_api(be, who, NULL,
			    "jira", JTA_JIRA_API_SD, "GET",
			    "/servicedesk?limit=100", NULL, 1, &page, err)) ==
			    JTA_OK && json_is_object(page))
				jta_jira_meta_put(be, &mid,
				    JTA_JIRA_META_DESKS, mid.account, page);
		} else
			rc = JTA_OK;
		if (rc != JTA_OK ||
		    (rc = jta_jira_sd_mark(*out, page)) != JTA_OK) {
			json_decref(*out);
			*out = NULL;
		}
	}
out:
	json_decref(all);
	json_decref(page);
	json_decref(prio);
	return rc;
}

enum jta_err
jta_jira_backend_me(struct jta_backend *be, const struct jta_user *who,
    json_t **out, struct jta_error *err)
{
	json_t		*reply = NULL;
	struct jta_link	 link;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_jira_backend_call_api(be, who, &link, "jira", API3, "GET",
	    "/myself", NULL, 1, &reply, err)) != JTA_OK)
		return rc;
	if ((rc = jta_jira_me(reply, link.site_url, out, err)) == JTA_OK) {
		/* "name" is the user name the filters take, as with the
		 * embedded store; Jira's own id rides along. */
		if (json_object_set(*out, "account_id", json_object_get(*out,
		    "name")) != 0 || json_object_set_new(*out, "name",
		    json_string(who->name)) != 0)
			rc = JTA_ERR_NOMEM;
	}
	json_decref(reply);
	return rc;
}

/* The createmeta issue types of project (all pages, concatenated into
 * {"issueTypes": [...]}).  A project Jira does not show is 404 "key". */
static enum jta_err
meta_types(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, const char *project, json_t **out,
    struct jta_error *err)
{
	json_t		*page = NULL, *all = NULL;
	const json_t	*list;
	char		 path[128], key[JTA_LIMIT_META_KEY + 1];
	size_t		 n, got = 0;
	int		 p;
	enum jta_err	 rc = JTA_OK;

	*out = NULL;
	/* What this person may create in the project: theirs alone. */
	snprintf(key, sizeof(key), "%s/%s", project, mid->account);
	if (jta_jira_meta_get(be, mid, JTA_JIRA_META_TYPES, key, out) ==
	    JTA_OK) {
		if (json_is_array(json_object_get(*out, "issueTypes")))
			return JTA_OK;
		json_decref(*out);
		*out = NULL;
	}
	if ((all = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	for (p = 0; p < JTA_LIMIT_META_PAGES; p++) {
		snprintf(path, sizeof(path), "/issue/createmeta/%s/issuetypes"
		    "?startAt=%zu&maxResults=50", project, got);
		if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
		    &page, err)) != JTA_OK) {
			if (rc == JTA_ERR_NOTFOUND)
				rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404,
				    "key", "there is no project %s you can "
				    "create issues in", project);
			goto out;
		}
		list = json_object_get(page, "issueTypes");
		if (!json_is_array(list) || json_array_extend(all,
		    jta_jira_backend_unconst_json(list)) != 0) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Jira gave an answer this server cannot use (no "
			    "list of issue types)");
			goto out;
		}
		n = json_array_size(list);
		got += n;
		/* PageOfCreateMetaIssueTypes: startAt, maxResults, total. */
		if (n == 0 || !json_is_integer(json_object_get(page,
		    "total")) || (json_int_t)got >= json_integer_value(
		    json_object_get(page, "total")))
			break;
		json_decref(page);
		page = NULL;
	}
	if ((*out = json_pack("{s:O}", "issueTypes", all)) == NULL)
		rc = JTA_ERR_NOMEM;
	else
		jta_jira_meta_put(be, mid, JTA_JIRA_META_TYPES, key, *out);
out:
	json_decref(page);
	json_decref(all);
	return rc;
}

/* The createmeta fields of issue type id in project, all pages (at most
 * JTA_LIMIT_META_PAGES of 50), as one array. */
static enum jta_err
meta_fields(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, const char *project, const char *id,
    json_t **out, struct jta_error *err)
{
	json_t		*page = NULL;
	const json_t	*list;
	char		 path[256], key[JTA_LIMIT_META_KEY + 1];
	size_t		 n;
	int		 p;
	enum jta_err	 rc = JTA_OK;

	/* The create screen as this person sees it: theirs alone. */
	snprintf(key, sizeof(key), "%s/%s/%.64s", project, mid->account, id);
	if (jta_jira_meta_get(be, mid, JTA_JIRA_META_FIELDS, key, out) ==
	    JTA_OK) {
		if (json_is_array(*out))
			return JTA_OK;
		json_decref(*out);
	}
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	for (p = 0; p < JTA_LIMIT_META_PAGES; p++) {
		snprintf(path, sizeof(path), "/issue/createmeta/%s/issuetypes/"
		    "%.64s?startAt=%zu&maxResults=50", project, id,
		    json_array_size(*out));
		if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
		    &page, err)) != JTA_OK)
			break;
		/* PageOfCreateMetaIssueTypeWithField: "fields" (or
		 * "results"), startAt, maxResults, total. */
		list = json_object_get(page, "fields");
		if (!json_is_array(list))
			list = json_object_get(page, "results");
		if (!json_is_array(list) || json_array_extend(*out,
		    jta_jira_backend_unconst_json(list)) != 0) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Jira gave an answer this server cannot use (no "
			    "list of fields)");
			break;
		}
		n = json_array_size(list);
		if (n == 0 || json_is_true(json_object_get(page, "isLast")) ||
		    !json_is_integer(json_object_get(page, "total")) ||
		    (json_int_t)json_array_size(*out) >=
		    json_integer_value(json_object_get(page, "total")))
			break;
		json_decref(page);
		page = NULL;
	}
	json_decref(page);
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	} else
		jta_jira_meta_put(be, mid, JTA_JIRA_META_FIELDS, key, *out);
	return rc;
}

enum jta_err
jta_jira_backend_meta(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, const char *project,
    const char *type, json_t **types, const json_t **t, json_t **names,
    json_t **fields, struct jta_error *err)
{
	enum jta_err	 rc;

	const char	*id;
	size_t		 i;

	*types = *names = *fields = NULL;
	*t = NULL;
	if (strlen(project) > JTA_LIMIT_PROJECT_KEY)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no project %.16s you can create issues in",
		    project);
	if ((rc = meta_types(be, who, mid, project, types, err)) != JTA_OK ||
	    (rc = jta_jira_meta_type(*types, type, t, names, err)) != JTA_OK)
		return rc;
	/* The type's id goes into a path: Jira's ids are decimal. */
	id = json_string_value(json_object_get(*t, "id"));
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9' || i >= 20)
			return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Jira gave an answer this server cannot use (an "
			    "issue type id)");
	return meta_fields(be, who, mid, project, id, fields, err);
}

enum jta_err
jta_jira_backend_fields(struct jta_backend *be, const struct jta_user *who,
    const char *project, const char *type, json_t **out,
    struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	json_t		*types = NULL, *names = NULL, *mf = NULL, *list = NULL;
	const json_t	*t = NULL;
	enum jta_err	 rc;

	*out = NULL;
	(void)jta_jira_meta_who(be, who, &mid);
	if ((rc = jta_jira_backend_meta(be, who, &mid, project, type, &types,
	    &t, &names, &mf, err)) != JTA_OK ||
	    (rc = jta_jira_meta_fields(mf, &list, err)) != JTA_OK)
		goto out;
	if ((*out = json_pack("{s:s, s:O, s:O, s:O}", "project", project,
	    "type", json_object_get(t, "name"), "types", names, "fields",
	    list)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(types);
	json_decref(names);
	json_decref(mf);
	json_decref(list);
	return rc;
}

/*
 * GET /api/users: GET /rest/api/3/user/search?query= as the person (Jira
 * applies their permission and each user's privacy settings: an email
 * shows only when visible).  Twice the limit is asked for, since apps and
 * inactive accounts are left out afterwards.
 */
enum jta_err
jta_jira_backend_users(struct jta_backend *be, const struct jta_user *who,
    const char *query, size_t limit, json_t **out, struct jta_error *err)
{
	char		 q[3 * JTA_LIMIT_EMAIL + 1], path[sizeof(q) + 64];
	json_t		*reply = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if (limit == 0 || limit > JTA_LIMIT_USERS_MAX)
		limit = JTA_LIMIT_USERS_DEFAULT;
	if (strlen(query) > JTA_LIMIT_EMAIL || jta_http_urlencode(query,
	    strlen(query), q, sizeof(q)) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "query",
		    "query is longer than %d bytes", JTA_LIMIT_EMAIL);
	snprintf(path, sizeof(path), "/user/search?query=%s&maxResults=%zu",
	    q, 2 * limit);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, &reply,
	    err)) == JTA_OK)
		rc = jta_jira_users(reply, limit, out, err);
	json_decref(reply);
	return rc;
}

/*
 * who's Jira groups, for the access rules by group: GET
 * /rest/api/3/user/groups?accountId= (Jira platform REST v3, "Get user
 * groups"; scope read:jira-user, and the person needs the Browse users
 * and groups global permission, else Jira answers 403).  *out is a new
 * array of the group names; at most JTA_LIMIT_POLICY_GROUPS, each a
 * non-empty string of at most JTA_LIMIT_POLICY_GROUP bytes, or the
 * answer is refused (502): a list cut short could hide a denied group.
 */
enum jta_err
jta_jira_backend_groups(struct jta_backend *be, const struct jta_user *who,
    json_t **out, struct jta_error *err)
{
	struct jta_link	 link;
	json_t		*reply = NULL, *names = NULL, *g;
	const char	*name;
	char		 path[64 + 3 * JTA_LIMIT_ACCOUNT_ID];
	char		 enc[3 * JTA_LIMIT_ACCOUNT_ID + 1];
	enum jta_err	 rc;
	size_t		 i;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	if ((rc = jta_store_link_identity(be->store, who->id, &link, err)) !=
	    JTA_OK)
		return rc;
	if (jta_http_urlencode(link.account_id, strlen(link.account_id), enc,
	    sizeof(enc)) != 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "an account id did not fit");
	snprintf(path, sizeof(path), "/user/groups?accountId=%s", enc);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, &reply,
	    err)) != JTA_OK)
		goto out;
	if (!json_is_array(reply) ||
	    json_array_size(reply) > JTA_LIMIT_POLICY_GROUPS) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "group",
		    "Jira's list of your groups is not one we can read");
		goto out;
	}
	if ((names = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(reply, i, g) {
		name = json_string_value(json_object_get(g, "name"));
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) > JTA_LIMIT_POLICY_GROUP) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "group",
			    "Jira's list of your groups is not one we can "
			    "read");
			goto out;
		}
		if (json_array_append_new(names, json_string(name)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	*out = names;
	names = NULL;
	rc = JTA_OK;
out:
	json_decref(names);
	json_decref(reply);
	return rc;
}
