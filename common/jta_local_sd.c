/*
 * The embedded store's Jira Service Management (jta_local_int.h, README.md
 * "Jira Service Management"): a project with request types
 * (jta-admin requesttype add) is a service desk; a request is a ticket
 * raised with a request type, filed by the store's own create (exactly
 * once through its token) and marked with its type.  Same endpoints and
 * JSON as with Jira.  The embedded store has no agents, approvals or
 * SLAs: internal comments are refused, no approval ever waits, and the
 * SLA list is empty; the customer transitions are the store's workflow.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_backend.h"
#include "jta_db.h"
#include "jta_local_int.h"
#include "jta_store_requesttypes.h"
#include "jta_suggest.h"
#include "jta_text.h"

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* v without const, for jansson calls that only read or add a
 * reference. */
static json_t *
unconstf(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* The request types of project (a new array), and the one named want
 * (by name ignoring case, or id) borrowed from it in *rt (NULL: none).
 * JTA_ERR_NOTFOUND 404 "key" when project has none: it is no desk. */
static enum jta_err
typeof_(struct jta_backend *be, const char *project, const char *want,
    json_t **types, const json_t **rt, struct jta_error *err)
{
	const json_t	*t;
	size_t		 i;
	enum jta_err	 rc;

	*rt = NULL;
	if ((rc = jta_store_rtype_list(be->store, project, types, err)) !=
	    JTA_OK)
		return rc;
	if (json_array_size(*types) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "%s is not a service desk you can raise requests in "
		    "(it has no request types)", project);
	json_array_foreach(*types, i, t)
		if (want != NULL && (strcasecmp(str(t, "name"), want) == 0 ||
		    strcmp(str(t, "id"), want) == 0)) {
			*rt = t;
			break;
		}
	return JTA_OK;
}

/* The names of types, a new array. */
static json_t *
names(const json_t *types)
{
	json_t		*a = json_array();
	const json_t	*t;
	size_t		 i;

	json_array_foreach(types, i, t)
		if (a != NULL && json_array_append(a, json_object_get(t,
		    "name")) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* 1 when field id is one of rt's fields. */
static int
hasfield(const json_t *rt, const char *id)
{
	const json_t	*f;
	size_t		 i;

	json_array_foreach(json_object_get(rt, "fields"), i, f)
		if (strcmp(json_string_value(f), id) == 0)
			return 1;
	return 0;
}

enum jta_err
jta_local_sd_desks(struct jta_backend *be, const struct jta_user *who,
    json_t **out, struct jta_error *err)
{
	json_t		*types = NULL, *desk = NULL, *list;
	const json_t	*t;
	const char	*cur = NULL;
	size_t		 i;
	enum jta_err	 rc;

	(void)who;
	*out = NULL;
	if ((rc = jta_store_rtype_list(be->store, NULL, &types, err)) != JTA_OK)
		return rc;
	if ((*out = json_pack("{s:[]}", "servicedesks")) == NULL)
		goto nomem;
	list = json_object_get(*out, "servicedesks");
	/* the list is by project: one desk per run of a project */
	json_array_foreach(types, i, t) {
		if (cur == NULL || strcmp(cur, str(t, "project")) != 0) {
			cur = str(t, "project");
			desk = json_pack("{s:s, s:s, s:O, s:[], s:[]}", "id",
			    cur, "project", cur, "name", json_object_get(t,
			    "project_name"), "groups", "request_types");
			if (desk == NULL ||
			    json_array_append_new(list, desk) != 0)
				goto nomem;
		}
		if (json_array_append_new(json_object_get(desk,
		    "request_types"), json_pack("{s:O, s:O, s:O, s:O, s:[]}",
		    "id", json_object_get(t, "id"), "name", json_object_get(t,
		    "name"), "description", json_object_get(t, "description"),
		    "help_text", json_object_get(t, "help_text"), "groups")) !=
		    0)
			goto nomem;
	}
	json_decref(types);
	return JTA_OK;
nomem:
	json_decref(types);
	json_decref(*out);
	*out = NULL;
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_local_sd_fields(struct jta_backend *be, const struct jta_user *who,
    const char *project, const char *request_type, json_t **out,
    struct jta_error *err)
{
	json_t		*types = NULL, *all = NULL, *keep = NULL, *nm = NULL;
	const json_t	*rt, *f;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = typeof_(be, project, request_type, &types, &rt, err)) !=
	    JTA_OK)
		goto out;
	if ((nm = names(types)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (rt == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "request_type",
		    "is not a request type of this service desk");
		goto out;
	}
	/* the project's create screen, narrowed to the type's fields */
	if ((rc = jta_local_ops.fields(be, who, project, NULL, &all, err)) !=
	    JTA_OK)
		goto out;
	if ((keep = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(json_object_get(all, "fields"), i, f)
		if (hasfield(rt, str(f, "id")) && json_array_append(keep,
		    unconstf(f)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	if ((*out = json_pack("{s:s, s:O, s:O, s:s, s:O, s:O, s:O, s:b}",
	    "project", project, "type", json_object_get(rt, "name"), "types",
	    nm, "servicedesk", project, "request_type", json_object_get(rt,
	    "name"), "request_types", nm, "fields", keep, "on_behalf", 0)) ==
	    NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(types);
	json_decref(all);
	json_decref(keep);
	json_decref(nm);
	return rc;
}

int
jta_local_sd_prepared(const json_t *prepared)
{
	return json_is_object(json_object_get(prepared, "_sd"));
}

/*
 * A create naming a request type: the type's project must be a desk and
 * the type one of its own; members the type does not ask for, type and
 * on_behalf_of (the embedded store has no agents) are problems among the
 * others; then the store's own prepare, with "request_type" and "_sd"
 * {"rt": id} added.
 */
enum jta_err
jta_local_sd_prepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	static const char *const members[] = { "description", "priority",
	    "labels", "assignee", NULL };
	json_t		*types = NULL, *in = NULL, *nm = NULL;
	const json_t	*rt = NULL, *v;
	const char	*project = str(input, "project");
	size_t		 i;
	struct jta_error sub;
	enum jta_err	 rc;

	*prepared = NULL;
	jta_error_begin(err);
	if (project == NULL) {
		if (jta_error_add(err, "project", "is required") == 0)
			(void)jta_error_ask_about(err, JTA_ASK_ONE);
		rc = jta_error_collected(err);
		goto out;
	}
	rc = typeof_(be, project, str(input, "request_type"), &types, &rt,
	    err);
	if (rc == JTA_ERR_NOTFOUND) {
		jta_error_begin(err);
		if (jta_error_add(err, "project", "is not a service desk you "
		    "can raise requests in (GET /api/servicedesks lists them)")
		    == 0)
			(void)jta_error_ask_about(err, JTA_ASK_ONE);
		rc = jta_error_collected(err);
		goto out;
	}
	if (rc != JTA_OK)
		goto out;
	if (rt == NULL) {
		if (jta_error_add(err, "request_type", "is not a request type "
		    "of this service desk") == 0) {
			(void)jta_error_name(err, "Request type");
			json_array_foreach(types, i, v)
				if (jta_error_allow(err, str(v, "name")) != 0)
					break;
			(void)jta_error_ask_about(err, JTA_ASK_ONE);
		}
		if (json_object_get(input, "summary") == NULL &&
		    jta_error_add(err, "summary", "is required") == 0)
			(void)jta_error_ask_about(err, JTA_ASK_TEXT);
		rc = jta_error_collected(err);
		goto out;
	}
	for (i = 0; members[i] != NULL; i++)
		if (json_object_get(input, members[i]) != NULL &&
		    !hasfield(rt, members[i]))
			(void)jta_error_add(err, members[i], "cannot be set on "
			    "this request type");
	if (json_object_get(input, "type") != NULL)
		(void)jta_error_add(err, "type", "is set by the request type; "
		    "leave it out");
	if (json_object_get(input, "on_behalf_of") != NULL)
		(void)jta_error_add(err, "on_behalf_of", "you can raise "
		    "requests only for yourself in this service desk");
	if (json_object_get(input, "participants") != NULL)
		(void)jta_error_add(err, "participants", "you cannot add "
		    "people to requests in this service desk");
	if ((in = json_deep_copy(input)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	(void)json_object_del(in, "request_type");
	(void)json_object_del(in, "on_behalf_of");
	(void)json_object_del(in, "participants");
	(void)json_object_del(in, "type");
	/* the store's own checks, their problems added to ours */
	memset(&sub, 0, sizeof(sub));
	rc = jta_local_ops.prepare(be, who, in, prepared, &sub);
	if (rc == JTA_ERR_INPUT) {
		for (i = 0; i < sub.nitems; i++)
			if (jta_error_add(err, sub.items[i].field,
			    sub.items[i].message) == 0) {
				err->items[err->nitems - 1] = sub.items[i];
			}
	} else if (rc != JTA_OK) {
		*err = sub;
		goto out;
	}
	rc = jta_error_collected(err);
	if (rc != JTA_OK)
		goto out;
	if (json_object_set(*prepared, "request_type", json_object_get(rt,
	    "name")) != 0 || json_object_set_new(*prepared, "_sd",
	    json_pack("{s:O}", "rt", json_object_get(rt, "id"))) != 0)
		rc = JTA_ERR_NOMEM;
out:
	if (rc != JTA_OK) {
		json_decref(*prepared);
		*prepared = NULL;
	}
	json_decref(types);
	json_decref(in);
	json_decref(nm);
	return rc;
}

/* Our status category of a status of the store's workflow. */
static const char *
category(const char *status)
{
	if (status == NULL)
		return "undefined";
	if (strcmp(status, "Open") == 0)
		return "new";
	if (strcmp(status, "In Progress") == 0)
		return "indeterminate";
	return "done";
}

/* An issue of the store (get's shape) as a request of rt ({id, name,
 * project}); with comments (public: the store has no internal ones)
 * and an empty sla when full. */
static enum jta_err
asrequest(const json_t *issue, const json_t *rt, int full, json_t **out)
{
	const json_t	*c;
	json_t		*cl;
	size_t		 i;

	*out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:O, s:O, s:O, "
	    "s:O, s:O}", "key", json_object_get(issue, "key"), "url",
	    json_object_get(issue, "url"), "project", json_object_get(issue,
	    "project"), "summary", json_object_get(issue, "summary"), "status",
	    json_object_get(issue, "status"), "status_category",
	    category(str(issue, "status")), "request_type",
	    json_object_get(rt, "name"), "request_type_id",
	    json_object_get(rt, "id"), "servicedesk_id",
	    json_object_get(issue, "project"), "reporter",
	    json_object_get(issue, "reporter"), "created",
	    json_object_get(issue, "created"));
	if (*out == NULL)
		return JTA_ERR_NOMEM;
	if (!full)
		return JTA_OK;
	/* The request's files are its ticket's (README "Attachments:
	 * service-desk requests"), as getIssue lists them. */
	if (json_object_set_new(*out, "sla", json_array()) != 0 ||
	    json_object_set_new(*out, "attachment_count", json_integer(
	    json_integer_value(json_object_get(issue, "attachment_count")))) !=
	    0 || json_object_set_new(*out, "attachments", json_is_array(
	    json_object_get(issue, "attachments")) ? json_deep_copy(
	    json_object_get(issue, "attachments")) : json_array()) != 0 ||
	    json_object_set_new(*out, "comments", cl = json_array()) != 0)
		goto nomem;
	json_array_foreach(json_object_get(issue, "comments"), i, c)
		if (json_array_append_new(cl, json_pack("{s:O?, s:O?, s:b, "
		    "s:O?}", "author", json_object_get(c, "author"), "body",
		    json_object_get(c, "body"), "public", 1, "created",
		    json_object_get(c, "created"))) != 0)
			goto nomem;
	return JTA_OK;
nomem:
	json_decref(*out);
	*out = NULL;
	return JTA_ERR_NOMEM;
}

/* Mark the ticket of issue with the type of prepared, and answer it as a
 * request (issue is released). */
static enum jta_err
raised(struct jta_backend *be, const json_t *prepared, json_t *issue,
    json_t **out, struct jta_error *err)
{
	const json_t	*sd = json_object_get(prepared, "_sd");
	const char	*id = str(sd, "rt");
	json_t		*rt = NULL;
	uint64_t	 n = 0;
	enum jta_err	 rc;

	if (id == NULL || jta_text_parse_uint(id, strlen(id), INT64_MAX, &n) !=
	    0)
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a request to raise was not prepared");
	else if ((rc = jta_store_rtype_mark(be->store, str(issue, "key"),
	    (int64_t)n, err)) == JTA_OK && (rc = jta_store_rtype_of(be->store,
	    str(issue, "key"), &rt, err)) == JTA_OK)
		rc = asrequest(issue, rt, 0, out);
	if (rc == JTA_ERR_NOTFOUND)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "request_type",
		    "the request type was removed meanwhile");
	json_decref(rt);
	json_decref(issue);
	return rc;
}

/*
 * The store's own create (exactly once through its token), then the
 * mark; a retried submit finds the ticket by its token and marks it
 * then (the mark keeps the first type), so a crash between the two
 * leaves no request without its type once the submit is repeated.
 */
enum jta_err
jta_local_sd_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	json_t		*issue = NULL, *plain;
	enum jta_err	 rc;

	*out = NULL;
	/* the store's create of the ticket alone (without "_sd") */
	if ((plain = json_deep_copy(prepared)) == NULL)
		return JTA_ERR_NOMEM;
	(void)json_object_del(plain, "_sd");
	rc = jta_local_ops.create(be, who, plain, once, &issue, err);
	json_decref(plain);
	if (rc != JTA_OK)
		return rc;
	return raised(be, prepared, issue, out, err);
}

enum jta_err
jta_local_sd_find_once(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, int64_t since, json_t **out,
    struct jta_error *err)
{
	json_t		*issue = NULL, *plain;
	enum jta_err	 rc;

	*out = NULL;
	if ((plain = json_deep_copy(prepared)) == NULL)
		return JTA_ERR_NOMEM;
	(void)json_object_del(plain, "_sd");
	rc = jta_local_ops.find_once(be, who, plain, once, since, &issue, err);
	json_decref(plain);
	if (rc != JTA_OK)
		return rc;
	return raised(be, prepared, issue, out, err);
}

/* The ticket key if it is a request the person may see: its type in
 * *rt, the issue in *issue.  Anyone else's, or a ticket that is not a
 * request: 404 "key". */
static enum jta_err
request(struct jta_backend *be, const struct jta_user *who, const char *key,
    json_t **rt, json_t **issue, struct jta_error *err)
{
	enum jta_err	 rc;

	*rt = *issue = NULL;
	if ((rc = jta_store_rtype_of(be->store, key, rt, err)) == JTA_OK)
		rc = jta_local_ops.get(be, who, key, issue, err);
	if (rc == JTA_ERR_NOTFOUND)
		return jta_error_set(err, rc, 404, "key", "there is no request "
		    "%s", key);
	return rc;
}

enum jta_err
jta_local_sd_requests(struct jta_backend *be, const struct jta_user *who,
    const struct jta_sd_query *q, json_t **out, struct jta_error *err)
{
	struct jta_suggest_terms t;
	json_t		*keys = NULL, *issue = NULL, *rt = NULL, *r, *list;
	const json_t	*k;
	uint64_t	 type = 0;
	size_t		 i, limit = q->limit > 0 ? q->limit : 20;
	const char	*cat;
	enum jta_err	 rc;

	*out = NULL;
	if (q->request_type != NULL && jta_text_parse_uint(q->request_type,
	    strlen(q->request_type), INT64_MAX, &type) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "request_type",
		    "is a request type's id (GET /api/servicedesks lists "
		    "them)");
	if ((*out = json_pack("{s:[]}", "requests")) == NULL)
		return JTA_ERR_NOMEM;
	/* No approvals or participants in the embedded store. */
	if (q->mine != NULL && strcmp(q->mine, "reported") != 0)
		return JTA_OK;
	if ((rc = jta_store_rtype_requests(be->store, who->id, (int64_t)type,
	    &keys, err)) != JTA_OK)
		goto out;
	if (q->text != NULL)
		(void)jta_suggest_terms_folded(q->text, &t);
	list = json_object_get(*out, "requests");
	json_array_foreach(keys, i, k) {
		if (json_array_size(list) >= limit)
			break;
		if ((rc = request(be, who, str(k, "key"), &rt, &issue, err)) !=
		    JTA_OK)
			goto out;
		cat = category(str(issue, "status"));
		if ((q->project == NULL || strcmp(q->project, str(issue,
		    "project")) == 0) && (q->status == NULL ||
		    strcmp(q->status, "all") == 0 || (strcmp(q->status, "open")
		    == 0) == (strcmp(cat, "done") != 0)) && (q->text == NULL ||
		    jta_suggest_overlap_folded(&t, str(issue, "summary")) >
		    0)) {
			if ((rc = asrequest(issue, rt, 0, &r)) != JTA_OK)
				goto out;
			if (json_array_append_new(list, r) != 0) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
		}
		json_decref(rt);
		json_decref(issue);
		rt = issue = NULL;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(keys);
	json_decref(rt);
	json_decref(issue);
	return rc;
}

enum jta_err
jta_local_sd_request(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	json_t		*rt = NULL, *issue = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = request(be, who, key, &rt, &issue, err)) == JTA_OK)
		rc = asrequest(issue, rt, 1, out);
	json_decref(rt);
	json_decref(issue);
	return rc;
}

enum jta_err
jta_local_sd_comment(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *body, int internal, json_t **out,
    struct jta_error *err)
{
	json_t		*rt = NULL, *issue = NULL, *c = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = request(be, who, key, &rt, &issue, err)) != JTA_OK)
		goto out;
	if (internal) {
		rc = jta_error_set(err, JTA_ERR_AUTH, 403, "visibility",
		    "only the desk's agents may add internal comments, and "
		    "the embedded store has none");
		goto out;
	}
	if ((rc = jta_local_ops.comment(be, who, key, body, &c, err)) ==
	    JTA_OK && (*out = json_pack("{s:s, s:O?, s:s, s:b}", "key", key,
	    "author", json_object_get(c, "author"), "body", body, "public",
	    1)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(rt);
	json_decref(issue);
	json_decref(c);
	return rc;
}

enum jta_err
jta_local_sd_transitions(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	json_t		*rt = NULL, *issue = NULL, *moves = NULL, *l;
	const json_t	*m;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = request(be, who, key, &rt, &issue, err)) != JTA_OK ||
	    (rc = jta_local_ops.transitions(be, who, key, &moves, err)) !=
	    JTA_OK)
		goto out;
	if ((*out = json_pack("{s:s, s:[]}", "key", key, "transitions")) ==
	    NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	l = json_object_get(*out, "transitions");
	json_array_foreach(json_object_get(moves, "transitions"), i, m)
		if (str(m, "to") != NULL && json_array_append_new(l,
		    json_pack("{s:s, s:s}", "id", str(m, "to"), "name",
		    str(m, "to"))) != 0) {
			rc = JTA_ERR_NOMEM;
			json_decref(*out);
			*out = NULL;
			goto out;
		}
out:
	json_decref(rt);
	json_decref(issue);
	json_decref(moves);
	return rc;
}

enum jta_err
jta_local_sd_transition(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *to, const char *comment, json_t **out,
    struct jta_error *err)
{
	json_t		*rt = NULL, *issue = NULL, *x = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = request(be, who, key, &rt, &issue, err)) != JTA_OK ||
	    (rc = jta_local_ops.transition(be, who, key, to, &x, err)) !=
	    JTA_OK)
		goto out;
	json_decref(x);
	x = NULL;
	if (comment != NULL && (rc = jta_local_ops.comment(be, who, key,
	    comment, &x, err)) != JTA_OK)
		goto out;
	rc = jta_local_sd_request(be, who, key, out, err);
out:
	json_decref(rt);
	json_decref(issue);
	json_decref(x);
	return rc;
}

enum jta_err
jta_local_sd_decide(struct jta_backend *be, const struct jta_user *who,
    const char *key, int approve, json_t **out, struct jta_error *err)
{
	json_t		*rt = NULL, *issue = NULL;
	enum jta_err	 rc;

	(void)approve;
	*out = NULL;
	if ((rc = request(be, who, key, &rt, &issue, err)) == JTA_OK)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "decision",
		    "this request has no approval waiting for your answer");
	json_decref(rt);
	json_decref(issue);
	return rc;
}

enum jta_err
jta_local_sd_suggest(struct jta_backend *be, const struct jta_user *who,
    const char *text, size_t limit, json_t **out, struct jta_error *err)
{
	struct jta_sd_query q;
	json_t		*desks = NULL, *past = NULL;
	enum jta_err	 rc;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	q.limit = JTA_LIMIT_RT_REQUESTS;
	if ((rc = jta_local_sd_desks(be, who, &desks, err)) == JTA_OK &&
	    (rc = jta_local_sd_requests(be, who, &q, &past, err)) == JTA_OK)
		rc = jta_suggest_request_types(text, desks,
		    json_object_get(past, "requests"), limit, out);
	json_decref(desks);
	json_decref(past);
	return rc;
}

enum jta_err
jta_local_sd_mark(struct jta_backend *be, json_t *answer,
    struct jta_error *err)
{
	json_t		*types = NULL;
	const json_t	*p, *t;
	size_t		 i, j;
	enum jta_err	 rc;

	if ((rc = jta_store_rtype_list(be->store, NULL, &types, err)) != JTA_OK)
		return rc;
	json_array_foreach(json_object_get(answer, "projects"), i, p)
		json_array_foreach(types, j, t)
			if (str(p, "key") != NULL && strcmp(str(p, "key"),
			    str(t, "project")) == 0) {
				if (json_object_set(unconstf(p),
				    "servicedesk_id", json_object_get(p,
				    "key")) != 0)
					rc = JTA_ERR_NOMEM;
				break;
			}
	json_decref(types);
	return rc;
}
