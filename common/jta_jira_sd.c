/*
 * Jira Service Management's answers <-> the ticket API, no I/O (see
 * jta_jira_sd.h).  Part of jta_jira, with jta_jira.c, jta_jira_create.c
 * and jta_jira_tickets.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_http.h"
#include "jta_jira.h"
#include "jta_jira_int.h"
#include "jta_jira_sd.h"
#include "jta_limits.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"

int
jta_jira_sd_id_ok(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9' || i >= JTA_JIRA_SD_ID_MAX)
			return 0;
	return 1;
}

/* The "values" of a PagedDTO, when it is a list we read. */
static const json_t *
values(const json_t *page)
{
	const json_t	*v = json_object_get(page, "values");

	if (!json_is_array(v) || json_array_size(v) > JTA_LIMIT_JIRA_ITEMS)
		return NULL;
	return v;
}

const char *
jta_jira_sd_desk_of(const json_t *page, const char *project)
{
	const json_t	*d;
	const char	*k, *id;
	size_t		 i;

	if (project == NULL)
		return NULL;
	json_array_foreach(values(page), i, d) {
		k = jta_jira_strmem(d, "projectKey");
		id = jta_jira_strmem(d, "id");
		if (k != NULL && strcmp(k, project) == 0 &&
		    jta_jira_sd_id_ok(id))
			return id;
	}
	return NULL;
}

enum jta_err
jta_jira_sd_type(const json_t *page, const char *want, const json_t **rt,
    json_t **names, struct jta_error *err)
{
	const json_t	*v = values(page), *t;
	const char	*name, *id;
	size_t		 i;

	*rt = NULL;
	*names = NULL;
	if (v == NULL)
		return jta_jira_bad(err, "no list of request types");
	if ((*names = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(v, i, t) {
		name = jta_jira_strmem(t, "name");
		id = jta_jira_strmem(t, "id");
		if (name == NULL || !jta_jira_sd_id_ok(id))
			return jta_jira_bad(err, "a request type without a "
			    "name or a usable id");
		if (json_array_append_new(*names, json_string(name)) != 0)
			return JTA_ERR_NOMEM;
		if (*rt == NULL && want != NULL && (strcmp(id, want) == 0 ||
		    strcasecmp(name, want) == 0))
			*rt = t;
	}
	if (*rt != NULL)
		return JTA_OK;
	return jta_error_set(err, JTA_ERR_INPUT, 422, "request_type",
	    "is not a request type of this service desk");
}

/* A RequestTypeFieldValueDTO as an allowed value {id, value}. */
static json_t *
option(const json_t *fv)
{
	const char	*id = jta_jira_strmem(fv, "value");
	const char	*label = jta_jira_strmem(fv, "label");

	if (id == NULL || label == NULL)
		return NULL;
	return json_pack("{s:s, s:s}", "id", id, "value", label);
}

/* One RequestTypeFieldDTO as FieldCreateMetadata; *out NULL when it is
 * left out (not visible, no id or name). */
static enum jta_err
metafield(const json_t *f, json_t **out)
{
	const char	*id = jta_jira_strmem(f, "fieldId");
	const char	*name = jta_jira_strmem(f, "name");
	const json_t	*sc = json_object_get(f, "jiraSchema");
	const json_t	*vv = json_object_get(f, "validValues");
	const json_t	*dv = json_object_get(f, "defaultValues"), *x;
	json_t		*m, *allowed, *def = NULL, *o;
	size_t		 i;
	int		 multi;

	*out = NULL;
	if (id == NULL || name == NULL || strlen(id) > JTA_LIMIT_FIELD_VALUE ||
	    json_is_false(json_object_get(f, "visible")))
		return JTA_OK;
	multi = json_is_string(json_object_get(sc, "type")) &&
	    strcmp(jta_jira_strmem(sc, "type"), "array") == 0;
	if ((m = json_pack("{s:s, s:s, s:s, s:b, s:o, s:[s]}", "fieldId", id,
	    "key", id, "name", name, "required",
	    json_is_true(json_object_get(f, "required")), "schema",
	    json_is_object(sc) ? json_deep_copy(sc) : json_object(),
	    "operations", "set")) ==
	    NULL)
		return JTA_ERR_NOMEM;
	if (json_is_array(vv) && json_array_size(vv) > 0) {
		if (json_array_size(vv) > JTA_LIMIT_JIRA_ITEMS)
			goto done;	/* too many to offer: no list */
		if (jta_jira_oset(m, "allowedValues", allowed = json_array()) !=
		    0)
			goto nomem;
		json_array_foreach(vv, i, x)
			if ((o = option(x)) != NULL &&
			    json_array_append_new(allowed, o) != 0)
				goto nomem;
	}
	if (json_is_array(dv) && json_array_size(dv) > 0 &&
	    json_array_size(dv) <= JTA_LIMIT_JIRA_ITEMS) {
		if (multi) {
			if ((def = json_array()) == NULL)
				goto nomem;
			json_array_foreach(dv, i, x)
				if ((o = option(x)) != NULL &&
				    json_array_append_new(def, o) != 0)
					goto nomem;
		} else if ((def = option(json_array_get(dv, 0))) == NULL)
			goto done;
		if (json_object_set_new(m, "hasDefaultValue", json_true()) !=
		    0 || json_object_set_new(m, "defaultValue", def) != 0) {
			def = NULL;
			goto nomem;
		}
		def = NULL;
	}
done:
	*out = m;
	return JTA_OK;
nomem:
	json_decref(def);
	json_decref(m);
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_jira_sd_meta(const json_t *createmeta, json_t **meta,
    struct jta_error *err)
{
	const json_t	*fs = json_object_get(createmeta, "requestTypeFields");
	const json_t	*f;
	json_t		*m;
	size_t		 i;
	enum jta_err	 rc;

	*meta = NULL;
	if (!json_is_array(fs))
		return jta_jira_bad(err, "no list of request type fields");
	if (json_array_size(fs) > JTA_LIMIT_META_FIELDS)
		return jta_jira_bad(err, "more fields than this server reads");
	if ((*meta = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(fs, i, f) {
		if ((rc = metafield(f, &m)) != JTA_OK) {
			json_decref(*meta);
			*meta = NULL;
			return rc;
		}
		if (m != NULL && json_array_append_new(*meta, m) != 0) {
			json_decref(*meta);
			*meta = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	return JTA_OK;
}

/* The name of group id in a groups page, or NULL. */
static const char *
groupname(const json_t *groups, const char *id)
{
	const json_t	*g;
	const char	*gid;
	size_t		 i;

	json_array_foreach(values(groups), i, g)
		if ((gid = jta_jira_strmem(g, "id")) != NULL && id != NULL &&
		    strcmp(gid, id) == 0)
			return jta_jira_strmem(g, "name");
	return NULL;
}

enum jta_err
jta_jira_sd_desk(const json_t *desk, const json_t *groups,
    const json_t *types, json_t **out, struct jta_error *err)
{
	const json_t	*t, *g;
	const char	*id = jta_jira_strmem(desk, "id");
	const char	*key = jta_jira_strmem(desk, "projectKey");
	const char	*s, *name;
	json_t		*o = NULL, *gl, *tl, *r, *tg;
	size_t		 i, j;

	*out = NULL;
	if (!jta_jira_sd_id_ok(id) || key == NULL ||
	    !jta_text_is_project_key(key, strlen(key)))
		return jta_jira_bad(err, "a service desk without a usable id "
		    "or project");
	if (values(groups) == NULL || values(types) == NULL)
		return jta_jira_bad(err, "no list of request types or groups");
	s = jta_jira_strmem(desk, "projectName");
	if ((o = json_pack("{s:s, s:s, s:s, s:[], s:[]}", "id", id, "project",
	    key, "name", s != NULL ? s : key, "groups", "request_types")) ==
	    NULL)
		return JTA_ERR_NOMEM;
	gl = json_object_get(o, "groups");
	tl = json_object_get(o, "request_types");
	json_array_foreach(values(groups), i, g)
		if ((s = jta_jira_strmem(g, "name")) != NULL &&
		    json_array_append_new(gl, json_string(s)) != 0)
			goto nomem;
	json_array_foreach(values(types), i, t) {
		if ((name = jta_jira_strmem(t, "name")) == NULL ||
		    !jta_jira_sd_id_ok(jta_jira_strmem(t, "id")))
			continue;
		s = jta_jira_strmem(t, "description");
		if ((r = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "id",
		    jta_jira_strmem(t, "id"), "name", name, "description",
		    s != NULL ? s : "", "help_text",
		    jta_jira_strmem(t, "helpText") != NULL ?
		    jta_jira_strmem(t, "helpText") : "", "groups")) == NULL ||
		    json_array_append_new(tl, r) != 0)
			goto nomem;
		tg = json_object_get(r, "groups");
		json_array_foreach(json_object_get(t, "groupIds"), j, g)
			if ((s = groupname(groups, json_string_value(g))) !=
			    NULL && json_array_append_new(tg,
			    json_string(s)) != 0)
				goto nomem;
	}
	*out = o;
	return JTA_OK;
nomem:
	json_decref(o);
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_jira_sd_raise_body(const json_t *create_body, const char *desk,
    const char *rt, const char *on_behalf, const json_t *participants,
    json_t **out)
{
	json_t		*vals;

	*out = NULL;
	if ((vals = json_deep_copy(json_object_get(create_body, "fields"))) ==
	    NULL)
		return JTA_ERR_NOMEM;
	(void)json_object_del(vals, "project");
	(void)json_object_del(vals, "issuetype");
	/* RequestCreateDTO: isAdfRequest says the rich-text values are
	 * ADF, as for /rest/api/3/issue. */
	if ((*out = json_pack("{s:s, s:s, s:o, s:b}", "serviceDeskId", desk,
	    "requestTypeId", rt, "requestFieldValues", vals, "isAdfRequest",
	    1)) == NULL)
		return JTA_ERR_NOMEM;
	if ((on_behalf != NULL && jta_jira_oset(*out, "raiseOnBehalfOf",
	    json_string(on_behalf)) != 0) || (json_array_size(participants) >
	    0 && jta_jira_oset(*out, "requestParticipants",
	    json_deep_copy(participants)) != 0)) {
		json_decref(*out);
		*out = NULL;
		return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

/* Our status category of a CustomerRequestStatusDTO's. */
static const char *
category(const char *c)
{
	if (c == NULL)
		return "undefined";
	if (strcmp(c, "NEW") == 0)
		return "new";
	if (strcmp(c, "INDETERMINATE") == 0)
		return "indeterminate";
	if (strcmp(c, "DONE") == 0)
		return "done";
	return "undefined";
}

/* A portal link we hand out: web when it lies under site's customer
 * portal and is one printable ASCII word, else made from site, portal
 * and key into url. */
static int
portal_url(const char *web, const char *site, const char *key, char *url,
    size_t urlsz)
{
	size_t	 len, i;
	int	 n;

	if (site == NULL || jta_url_site_check(site, "site", NULL, NULL) !=
	    JTA_OK)
		return -1;
	len = strlen(site);
	while (len > 0 && site[len - 1] == '/')
		len--;
	if (web != NULL && strncmp(web, site, len) == 0 &&
	    strncmp(web + len, "/servicedesk/customer/", 22) == 0 &&
	    strlen(web) < urlsz) {
		for (i = 0; web[i] != '\0'; i++)
			if (web[i] <= ' ' || web[i] > '~' || web[i] == '"' ||
			    web[i] == '\\' || web[i] == '?' || web[i] == '#')
				break;
		if (web[i] == '\0') {
			memcpy(url, web, strlen(web) + 1);
			return 0;
		}
	}
	n = snprintf(url, urlsz, "%.*s/servicedesk/customer/portals?key=%s",
	    (int)len, site, key);
	return n < 0 || (size_t)n >= urlsz ? -1 : 0;
}

enum jta_err
jta_jira_sd_request(const json_t *dto, const char *site, const char *rtname,
    json_t **out, struct jta_error *err)
{
	const char	*key = jta_jira_strmem(dto, "issueKey");
	const json_t	*st = json_object_get(dto, "currentStatus");
	const json_t	*rt = json_object_get(dto, "requestType");
	const char	*s, *name;
	char		 url[JTA_LIMIT_PATH], proj[JTA_LIMIT_PROJECT_KEY + 1];
	json_t		*o;
	int64_t		 n;

	*out = NULL;
	if (key == NULL || jta_text_parse_issue_key(key, strlen(key), proj,
	    sizeof(proj), &n) != 0)
		return jta_jira_bad(err, "a request without a valid key");
	if (portal_url(jta_jira_strmem(json_object_get(dto, "_links"), "web"),
	    site, key, url, sizeof(url)) != 0)
		return jta_jira_bad(err, "a site address that is not https");
	name = jta_jira_strmem(rt, "name");
	if (name == NULL)
		name = rtname;
	s = jta_jira_strmem(dto, "summary");
	if ((o = json_pack("{s:s, s:s, s:s, s:s}", "key", key, "url", url,
	    "project", proj, "summary", s != NULL ? s : "")) == NULL)
		return JTA_ERR_NOMEM;
	s = jta_jira_strmem(st, "status");
	if (jta_jira_oset(o, "status", s != NULL ? json_string(s) :
	    json_null()) || jta_jira_oset(o, "status_category",
	    json_string(category(jta_jira_strmem(st, "statusCategory")))) ||
	    jta_jira_oset(o, "request_type", name != NULL ? json_string(name) :
	    json_null()) || jta_jira_oset(o, "request_type_id",
	    jta_jira_strmem(dto, "requestTypeId") != NULL ?
	    json_string(jta_jira_strmem(dto, "requestTypeId")) :
	    json_null()) || jta_jira_oset(o, "servicedesk_id",
	    jta_jira_strmem(dto, "serviceDeskId") != NULL ?
	    json_string(jta_jira_strmem(dto, "serviceDeskId")) :
	    json_null()) || jta_jira_oset(o, "reporter",
	    jta_jira_strmem(json_object_get(dto, "reporter"), "displayName") !=
	    NULL ? json_string(jta_jira_strmem(json_object_get(dto,
	    "reporter"), "displayName")) : json_null()) ||
	    jta_jira_oset(o, "created", jta_jira_ourtime(json_object_get(
	    json_object_get(dto, "createdDate"), "jira")))) {
		json_decref(o);
		return JTA_ERR_NOMEM;
	}
	*out = o;
	return JTA_OK;
}

long
jta_jira_sd_candidate(const json_t *page, const char *summary,
    int64_t since, size_t from)
{
	const json_t	*r, *ms;
	const char	*s;
	size_t		 i;

	json_array_foreach(values(page), i, r) {
		if (i < from)
			continue;
		s = jta_jira_strmem(r, "summary");
		ms = json_object_get(json_object_get(r, "createdDate"),
		    "epochMillis");
		if (s == NULL || summary == NULL || strcmp(s, summary) != 0 ||
		    !json_is_integer(ms) || json_integer_value(ms) / 1000 <
		    since)
			continue;
		return (long)i;
	}
	return -1;
}

enum jta_err
jta_jira_sd_details(const json_t *dto, json_t *o)
{
	const json_t	*c, *s, *oc;
	json_t		*cl, *sl, *x;
	size_t		 i;

	if (jta_jira_oset(o, "comments", cl = json_array()) != 0 ||
	    jta_jira_oset(o, "sla", sl = json_array()) != 0)
		return JTA_ERR_NOMEM;
	json_array_foreach(json_object_get(json_object_get(dto, "comments"),
	    "values"), i, c) {
		if (i >= JTA_LIMIT_JIRA_ITEMS)
			break;
		if ((x = json_pack("{s:s?, s:s?, s:b, s:o}", "author",
		    jta_jira_strmem(json_object_get(c, "author"),
		    "displayName"), "body", jta_jira_strmem(c, "body"),
		    "public", !json_is_false(json_object_get(c, "public")),
		    "created", jta_jira_ourtime(json_object_get(
		    json_object_get(c, "created"), "jira")))) == NULL ||
		    json_array_append_new(cl, x) != 0)
			return JTA_ERR_NOMEM;
	}
	json_array_foreach(json_object_get(json_object_get(dto, "sla"),
	    "values"), i, s) {
		if (i >= JTA_LIMIT_JIRA_ITEMS)
			break;
		oc = json_object_get(s, "ongoingCycle");
		if ((x = json_pack("{s:s?, s:b, s:s?, s:s?}", "name",
		    jta_jira_strmem(s, "name"), "breached",
		    json_is_true(json_object_get(oc, "breached")),
		    "remaining", jta_jira_strmem(json_object_get(oc,
		    "remainingTime"), "friendly"), "goal",
		    jta_jira_strmem(json_object_get(oc, "goalDuration"),
		    "friendly"))) == NULL ||
		    json_array_append_new(sl, x) != 0)
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

int
jta_jira_sd_search_term(const char *text, char *enc, size_t encsz)
{
	char	 words[JTA_LIMIT_TEXT_QUERY + JTA_LIMIT_SUMMARY + 1];

	(void)jta_jira_plainwords(text, words, sizeof(words));
	return jta_http_urlencode(words, strlen(words), enc, encsz);
}

int
jta_jira_sd_any(const json_t *projects)
{
	const json_t	*vals = json_is_array(projects) ? projects :
			    json_object_get(projects, "values"), *p;
	const char	*t;
	size_t		 i;

	json_array_foreach(vals, i, p)
		if ((t = jta_jira_strmem(p, "projectTypeKey")) != NULL &&
		    strcmp(t, "service_desk") == 0)
			return 1;
	return 0;
}

enum jta_err
jta_jira_sd_mark(json_t *answer, const json_t *desks)
{
	const json_t	*p;
	const char	*id;
	size_t		 i;

	json_array_foreach(json_object_get(answer, "projects"), i, p)
		if ((id = jta_jira_sd_desk_of(desks, jta_jira_strmem(p,
		    "key"))) != NULL && json_object_set_new(
		    jta_jira_unconst(p), "servicedesk_id",
		    json_string(id)) != 0)
			return JTA_ERR_NOMEM;
	return JTA_OK;
}

enum jta_err
jta_jira_sd_transitions(const json_t *page, const char *key, json_t **out,
    struct jta_error *err)
{
	const json_t	*v = values(page), *t;
	json_t		*l;
	size_t		 i;

	*out = NULL;
	if (v == NULL)
		return jta_jira_bad(err, "no list of transitions");
	if ((*out = json_pack("{s:s, s:[]}", "key", key, "transitions")) ==
	    NULL)
		return JTA_ERR_NOMEM;
	l = json_object_get(*out, "transitions");
	json_array_foreach(v, i, t)
		if (jta_jira_strmem(t, "id") != NULL &&
		    jta_jira_strmem(t, "name") != NULL &&
		    json_array_append_new(l, json_pack("{s:s, s:s}", "id",
		    jta_jira_strmem(t, "id"), "name",
		    jta_jira_strmem(t, "name"))) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	return JTA_OK;
}

enum jta_err
jta_jira_sd_transition_id(const json_t *page, const char *to,
    const char **id, struct jta_error *err)
{
	const json_t	*t;
	const char	*n, *tid;
	size_t		 i;
	enum jta_err	 rc;

	*id = NULL;
	json_array_foreach(values(page), i, t) {
		n = jta_jira_strmem(t, "name");
		tid = jta_jira_strmem(t, "id");
		if (n != NULL && jta_jira_sd_id_ok(tid) && (strcasecmp(n, to) ==
		    0 || strcmp(tid, to) == 0)) {
			*id = tid;
			return JTA_OK;
		}
	}
	jta_error_begin(err);
	if (jta_error_add(err, "to", "is not a move this request offers you "
	    "now") == 0) {
		json_array_foreach(values(page), i, t)
			if ((n = jta_jira_strmem(t, "name")) != NULL &&
			    jta_error_allow(err, n) != 0)
				break;
		(void)jta_error_ask_about(err, JTA_ASK_ONE);
	}
	rc = jta_error_collected(err);
	if (err != NULL && rc == JTA_ERR_INPUT)
		err->status = 409;
	return rc == JTA_ERR_INPUT ? JTA_ERR_CONFLICT : rc;
}

enum jta_err
jta_jira_sd_approval_id(const json_t *page, const char **id,
    struct jta_error *err)
{
	const json_t	*a;
	size_t		 i;

	*id = NULL;
	json_array_foreach(values(page), i, a)
		if (json_is_true(json_object_get(a, "canAnswerApproval")) &&
		    jta_jira_sd_id_ok(jta_jira_strmem(a, "id"))) {
			*id = jta_jira_strmem(a, "id");
			return JTA_OK;
		}
	return jta_error_set(err, JTA_ERR_CONFLICT, 409, "decision",
	    "this request has no approval waiting for your answer");
}

json_t *
jta_jira_sd_approval(const json_t *dto)
{
	const char	*d = jta_jira_strmem(dto, "finalDecision");

	return json_pack("{s:s?, s:s?, s:s}", "id", jta_jira_strmem(dto, "id"),
	    "name", jta_jira_strmem(dto, "name"), "decision", d != NULL ? d :
	    "pending");
}
