/*
 * Unit tests for the embedded backend (common/jta_local.c) driven through
 * jta_backend_ops over a real store in a temporary directory: the
 * workflow it owns and the API's shapes it builds from the ticket
 * repository's data.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_db.h"
#include "jta_fit.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_types.h"

#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-local-XXXXXX";

/* A backend over a new store with user alice and project DEMO. */
struct env {
	struct jta_conf	 conf;
	struct jta_backend be;
	struct jta_user	 alice;
	char		 path[300];	/* the store's file */
};

static void
setup(struct env *e)
{
	char		 dir[256], path[300], msg[512];
	struct jta_error err;

	memset(e, 0, sizeof(*e));
	snprintf(dir, sizeof(dir), "%s/tXXXXXX", tmproot);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/jta.db", dir);
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->conf.busy_timeout_ms = 5000;
	snprintf(e->conf.public_url, sizeof(e->conf.public_url),
	    "http://127.0.0.1:8080");
	snprintf(e->conf.default_project, sizeof(e->conf.default_project),
	    "DEMO");
	e->be.ops = &jta_local_ops;
	e->be.conf = &e->conf;
	ck_assert_int_eq(jta_store_open(path, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &e->be.store, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(e->be.store, "alice", "Alice",
	    "", &e->alice.id, &err), JTA_OK);
	ck_assert_int_eq(jta_store_user_get(e->be.store, "alice", &e->alice,
	    &err), JTA_OK);
	ck_assert_int_eq(jta_store_project_add(e->be.store, "DEMO", "Demo",
	    NULL, &err), JTA_OK);
}

static void
teardown(struct env *e)
{
	jta_store_close(e->be.store);
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "%s is not a string", k);
	return v;
}

static json_int_t
iget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return json_integer_value(v);
}

static json_t *
J(const char *s)
{
	json_error_t	 je;
	json_t		*j = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES,
			    &je);

	ck_assert_msg(j != NULL, "bad test JSON %s: %s", s, je.text);
	return j;
}

static void
assert_err(enum jta_err rc, const struct jta_error *e, enum jta_err want,
    int status, const char *field, const char *has)
{
	ck_assert_msg(rc == want, "rc %d, want %d (%s)", (int)rc, (int)want,
	    e->detail);
	ck_assert_msg(e->status == status, "status %d, want %d (%s)",
	    e->status, status, e->detail);
	if (field != NULL)
		ck_assert_msg(strcmp(e->field, field) == 0, "field '%s', want "
		    "'%s'", e->field, field);
	if (has != NULL)
		ck_assert_msg(strstr(e->detail, has) != NULL,
		    "detail '%s' lacks '%s'", e->detail, has);
}

/* Create ticket DEMO-n with summary through the backend's prepare and
 * create, as POST /api/issues does. */
static void
bcreate(struct env *e, const char *summary)
{
	struct jta_error err;
	json_t		*in, *prep = NULL, *out = NULL;

	memset(&err, 0, sizeof(err));
	in = json_pack("{s:s, s:s}", "project", "DEMO", "summary", summary);
	ck_assert_msg(e->be.ops->prepare(&e->be, &e->alice, in, &prep, &err) ==
	    JTA_OK, "prepare: %s", err.detail);
	ck_assert_msg(e->be.ops->create(&e->be, &e->alice, prep, NULL, &out,
	    &err) == JTA_OK, "create: %s", err.detail);
	json_decref(in);
	json_decref(prep);
	json_decref(out);
}

static json_t *
bget(struct env *e, const char *key)
{
	struct jta_error err;
	json_t		*out = NULL;

	ck_assert_msg(e->be.ops->get(&e->be, &e->alice, key, &out, &err) ==
	    JTA_OK, "get %s: %s", key, err.detail);
	return out;
}

static void
bmove(struct env *e, const char *key, const char *to)
{
	struct jta_error err;
	json_t		*out = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(e->be.ops->transition(&e->be, &e->alice, key, to, &out,
	    &err) == JTA_OK, "move %s to %s: %s", key, to, err.detail);
	/* The answer is the moved issue, with its url. */
	ck_assert_str_eq(sget(out, "key"), key);
	ck_assert_ptr_nonnull(json_object_get(out, "url"));
	json_decref(out);
}

/* The moves from key's status as "A,B"; its status into status. */
static const char *
moves(struct env *e, const char *key, char *buf, size_t bufsz, char *status,
    size_t statussz)
{
	struct jta_error err;
	json_t		*out = NULL;
	const json_t	*m;
	size_t		 i, o = 0;

	ck_assert_int_eq(e->be.ops->transitions(&e->be, &e->alice, key, &out,
	    &err), JTA_OK);
	ck_assert_str_eq(sget(out, "key"), key);
	snprintf(status, statussz, "%s", sget(out, "status"));
	buf[0] = '\0';
	json_array_foreach(json_object_get(out, "transitions"), i, m)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "",
		    sget(m, "to"));
	json_decref(out);
	return buf;
}

/* ---- the workflow ---- */

START_TEST(workflow_moves_and_transitions)
{
	struct env	 e;
	char		 m[128], s[64];
	json_t		*t;

	setup(&e);
	bcreate(&e, "a");
	ck_assert_str_eq(moves(&e, "DEMO-1", m, sizeof(m), s, sizeof(s)),
	    "In Progress");
	ck_assert_str_eq(s, "Open");
	bmove(&e, "DEMO-1", "In Progress");
	ck_assert_str_eq(moves(&e, "DEMO-1", m, sizeof(m), s, sizeof(s)),
	    "Resolved,Open");
	ck_assert_str_eq(s, "In Progress");
	bmove(&e, "DEMO-1", "Resolved");
	ck_assert_str_eq(moves(&e, "DEMO-1", m, sizeof(m), s, sizeof(s)),
	    "Closed,Open");
	bmove(&e, "DEMO-1", "Closed");
	ck_assert_str_eq(moves(&e, "DEMO-1", m, sizeof(m), s, sizeof(s)),
	    "Open");
	ck_assert_str_eq(s, "Closed");
	bmove(&e, "DEMO-1", "Open");
	t = bget(&e, "DEMO-1");
	ck_assert_str_eq(sget(t, "status"), "Open");
	json_decref(t);
	/* Names match ignoring case and come out canonical. */
	bmove(&e, "DEMO-1", "in progress");
	t = bget(&e, "DEMO-1");
	ck_assert_str_eq(sget(t, "status"), "In Progress");
	json_decref(t);
	bmove(&e, "DEMO-1", "OPEN");
	t = bget(&e, "DEMO-1");
	ck_assert_str_eq(sget(t, "status"), "Open");
	json_decref(t);
	teardown(&e);
}
END_TEST

START_TEST(workflow_forbidden_move_is_409_naming_allowed)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *t;
	const struct jta_backend_ops *ops;

	setup(&e);
	ops = e.be.ops;
	bcreate(&e, "a");
	memset(&err, 0, sizeof(err));
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-1", "Resolved", &out,
	    &err), &err, JTA_ERR_CONFLICT, 409, "to", "In Progress");
	ck_assert_ptr_null(out);
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-1", "Closed", &out,
	    &err), &err, JTA_ERR_CONFLICT, 409, "to", "In Progress");
	/* Staying put is not a move either. */
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-1", "Open", &out,
	    &err), &err, JTA_ERR_CONFLICT, 409, "to", NULL);
	bmove(&e, "DEMO-1", "In Progress");
	bmove(&e, "DEMO-1", "Resolved");
	bmove(&e, "DEMO-1", "Closed");
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-1", "Resolved", &out,
	    &err), &err, JTA_ERR_CONFLICT, 409, "to", "Open");
	t = bget(&e, "DEMO-1");
	ck_assert_str_eq(sget(t, "status"), "Closed");
	json_decref(t);
	/* Not a status at all. */
	memset(&err, 0, sizeof(err));
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-1", "Done", &out,
	    &err), &err, JTA_ERR_INPUT, 422, "to", NULL);
	assert_err(ops->transition(&e.be, &e.alice, "DEMO-7", "Open", &out,
	    &err), &err, JTA_ERR_NOTFOUND, 404, "key", NULL);
	assert_err(ops->transitions(&e.be, &e.alice, "DEMO-7", &out, &err),
	    &err, JTA_ERR_NOTFOUND, 404, "key", NULL);
	ck_assert_ptr_null(out);
	teardown(&e);
}
END_TEST

/* A status the workflow does not know (written by hand into the store)
 * has no moves, and a move from it is 409 naming none. */
START_TEST(workflow_unknown_status_has_no_moves)
{
	struct env	 e;
	struct jta_error err;
	char		 m[128], s[64];
	json_t		*out = NULL;

	setup(&e);
	bcreate(&e, "a");
	ck_assert_int_eq(jta_store_ticket_move(e.be.store, "DEMO-1", "Open",
	    "Waiting", &err), JTA_OK);
	ck_assert_str_eq(moves(&e, "DEMO-1", m, sizeof(m), s, sizeof(s)), "");
	ck_assert_str_eq(s, "Waiting");
	assert_err(e.be.ops->transition(&e.be, &e.alice, "DEMO-1", "Open",
	    &out, &err), &err, JTA_ERR_CONFLICT, 409, "to", "Waiting");
	ck_assert_ptr_null(out);
	teardown(&e);
}
END_TEST

/* ---- the ticket API's issue shapes ---- */

START_TEST(issue_shape_and_url)
{
	static const char *const want[] = { "key", "summary", "status",
	    "type", "priority", "assignee", "reporter", "created", "updated",
	    "project", "description", "labels", "comment_count", "comments",
	    "attachment_count", "attachments", "url" };
	struct env	 e;
	struct jta_error err;
	json_t		*t, *c = NULL, *in;
	size_t		 i;

	setup(&e);
	bcreate(&e, "a");
	in = J("{\"labels\":[\"b\",\"a\"],\"assignee\":\"alice\"}");
	ck_assert_int_eq(e.be.ops->update(&e.be, &e.alice, "DEMO-1", in, &t,
	    &err), JTA_OK);
	json_decref(t);
	json_decref(in);
	ck_assert_int_eq(e.be.ops->comment(&e.be, &e.alice, "DEMO-1", "hi",
	    &c, &err), JTA_OK);
	ck_assert_uint_eq(json_object_size(c), 4);
	ck_assert_str_eq(sget(c, "author"), "alice");
	ck_assert_str_eq(sget(c, "body"), "hi");
	ck_assert_int_gt(iget(c, "id"), 0);
	ck_assert_ptr_nonnull(strchr(sget(c, "created"), 'T'));
	json_decref(c);
	t = bget(&e, "DEMO-1");
	ck_assert_uint_eq(json_object_size(t), sizeof(want) / sizeof(*want));
	for (i = 0; i < sizeof(want) / sizeof(*want); i++)
		ck_assert_msg(json_object_get(t, want[i]) != NULL,
		    "no %s", want[i]);
	ck_assert_str_eq(sget(t, "key"), "DEMO-1");
	ck_assert_str_eq(sget(t, "url"),
	    "http://127.0.0.1:8080/browse/DEMO-1");
	ck_assert_str_eq(sget(t, "assignee"), "alice");
	ck_assert_str_eq(sget(t, "reporter"), "alice");
	ck_assert_str_eq(sget(t, "project"), "DEMO");
	ck_assert_str_eq(sget(t, "priority"), "Medium");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(t,
	    "labels"), 0)), "a");
	ck_assert_int_eq(iget(t, "comment_count"), 1);
	ck_assert_int_eq(iget(t, "attachment_count"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "attachments")),
	    0);
	ck_assert_str_eq(sget(json_array_get(json_object_get(t, "comments"),
	    0), "body"), "hi");
	json_decref(t);
	/* Unassigned is null. */
	in = J("{\"assignee\":null}");
	ck_assert_int_eq(e.be.ops->update(&e.be, &e.alice, "DEMO-1", in, &t,
	    &err), JTA_OK);
	ck_assert(json_is_null(json_object_get(t, "assignee")));
	json_decref(t);
	json_decref(in);
	teardown(&e);
}
END_TEST

START_TEST(issue_missing_is_404_and_bad_key_400)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *f;

	setup(&e);
	bcreate(&e, "a");
	memset(&err, 0, sizeof(err));
	assert_err(e.be.ops->get(&e.be, &e.alice, "DEMO-2", &out, &err), &err,
	    JTA_ERR_NOTFOUND, 404, "key", "there is no issue with that key");
	ck_assert_ptr_null(out);
	assert_err(e.be.ops->get(&e.be, &e.alice, "not a key", &out, &err),
	    &err, JTA_ERR_INPUT, 400, "key", "PROJ-12");
	f = J("{\"summary\":\"x\"}");
	assert_err(e.be.ops->update(&e.be, &e.alice, "DEMO-9", f, &out, &err),
	    &err, JTA_ERR_NOTFOUND, 404, "key", NULL);
	json_decref(f);
	assert_err(e.be.ops->comment(&e.be, &e.alice, "DEMO-9", "x", &out,
	    &err), &err, JTA_ERR_NOTFOUND, 404, "key", NULL);
	assert_err(e.be.ops->find_once(&e.be, &e.alice, NULL,
	    "o_nosuchtokenanywhere123", 0, &out, &err), &err,
	    JTA_ERR_NOTFOUND, 404, NULL, "submit token");
	ck_assert_ptr_null(out);
	teardown(&e);
}
END_TEST

/* What the store would refuse is said here first, in the API's words. */
START_TEST(update_refuses_type_and_assignee_in_api_words)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *f, *t;

	setup(&e);
	bcreate(&e, "a");
	f = J("{\"summary\":\"changed\",\"type\":\"Epic\"}");
	memset(&err, 0, sizeof(err));
	assert_err(e.be.ops->update(&e.be, &e.alice, "DEMO-1", f, &out, &err),
	    &err, JTA_ERR_INPUT, 422, "type",
	    "allowed values: [\"Task\",\"Bug\",\"Story\"]");
	ck_assert_ptr_null(out);
	json_decref(f);
	f = J("{\"assignee\":\"mallory\"}");
	assert_err(e.be.ops->update(&e.be, &e.alice, "DEMO-1", f, &out, &err),
	    &err, JTA_ERR_INPUT, 422, "assignee", "known user");
	/* A ticket that is not there is 404 first. */
	assert_err(e.be.ops->update(&e.be, &e.alice, "DEMO-9", f, &out, &err),
	    &err, JTA_ERR_NOTFOUND, 404, "key", NULL);
	json_decref(f);
	/* Types match ignoring case and are stored as the project names
	 * them. */
	f = J("{\"type\":\"bug\"}");
	ck_assert_int_eq(e.be.ops->update(&e.be, &e.alice, "DEMO-1", f, &out,
	    &err), JTA_OK);
	ck_assert_str_eq(sget(out, "type"), "Bug");
	json_decref(out);
	json_decref(f);
	t = bget(&e, "DEMO-1");
	ck_assert_str_eq(sget(t, "summary"), "a");
	json_decref(t);
	teardown(&e);
}
END_TEST

/* The item of err about field, or a failure. */
static const struct jta_error_item *
item(const struct jta_error *e, const char *field)
{
	size_t	 i;

	for (i = 0; i < e->nitems; i++)
		if (strcmp(e->items[i].field, field) == 0)
			return &e->items[i];
	ck_abort_msg("no item for %s (%s)", field, e->detail);
	return NULL;
}

/* A create without project and summary: one 422 asking for both, the
 * project with the server's projects, like any other field. */
START_TEST(prepare_asks_for_every_missing_basic_at_once)
{
	struct env	 e;
	struct jta_error err;
	const struct jta_error_item *it;
	json_t		*in, *prep = NULL;

	setup(&e);
	memset(&err, 0, sizeof(err));
	in = J("{\"description\":\"d\"}");
	assert_err(e.be.ops->prepare(&e.be, &e.alice, in, &prep, &err), &err,
	    JTA_ERR_INPUT, 422, NULL, NULL);
	ck_assert_ptr_null(prep);
	ck_assert_uint_eq(err.nitems, 2);
	it = item(&err, "project");
	ck_assert_str_eq(it->message, "is required");
	ck_assert_uint_eq(it->nallowed, 1);
	ck_assert_str_eq(jta_error_allowed(it, 0), "DEMO");
	ck_assert_msg(strstr(it->question, "DEMO") != NULL, "question '%s'",
	    it->question);
	it = item(&err, "summary");
	ck_assert_str_eq(it->message, "is required");
	ck_assert_str_ne(it->question, "");
	json_decref(in);
	teardown(&e);
}
END_TEST

/* An unknown type and a missing summary come back together, the type
 * with the project's types. */
START_TEST(prepare_asks_for_type_and_summary_together)
{
	struct env	 e;
	struct jta_error err;
	const struct jta_error_item *it;
	json_t		*in, *prep = NULL;

	setup(&e);
	memset(&err, 0, sizeof(err));
	in = J("{\"project\":\"DEMO\",\"type\":\"Nope\"}");
	assert_err(e.be.ops->prepare(&e.be, &e.alice, in, &prep, &err), &err,
	    JTA_ERR_INPUT, 422, NULL, NULL);
	ck_assert_uint_eq(err.nitems, 2);
	it = item(&err, "type");
	ck_assert_uint_gt(it->nallowed, 0);
	ck_assert_str_ne(it->question, "");
	it = item(&err, "summary");
	ck_assert_str_ne(it->question, "");
	json_decref(in);
	teardown(&e);
}
END_TEST

/* The preview names the priority filed by default, and the filed
 * ticket carries exactly every value of the preview. */
START_TEST(prepare_shows_the_default_priority_and_files_the_preview)
{
	struct env	 e;
	struct jta_error err;
	json_t		*in, *prep = NULL, *pv, *out = NULL, *t;
	const char	*k;
	json_t		*v;

	setup(&e);
	memset(&err, 0, sizeof(err));
	in = J("{\"project\":\"DEMO\",\"summary\":\"s\"}");
	ck_assert_int_eq(e.be.ops->prepare(&e.be, &e.alice, in, &prep, &err),
	    JTA_OK);
	pv = jta_backend_preview(prep);
	ck_assert_str_eq(sget(pv, "priority"), "Medium");
	ck_assert_str_eq(sget(pv, "type"), "Task");
	ck_assert_int_eq(e.be.ops->create(&e.be, &e.alice, prep, NULL, &out,
	    &err), JTA_OK);
	t = bget(&e, sget(out, "key"));
	json_object_foreach(pv, k, v)
		ck_assert_msg(json_equal(v, json_object_get(t, k)),
		    "preview %s differs from the filed issue", k);
	json_decref(t);
	json_decref(out);
	json_decref(pv);
	json_decref(prep);
	json_decref(in);
	teardown(&e);
}
END_TEST

START_TEST(tk_create_without_the_project_is_422)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *f;

	setup(&e);
	snprintf(e.conf.default_project, sizeof(e.conf.default_project),
	    "NOPE");
	f = J("{\"title\":\"x\"}");
	memset(&err, 0, sizeof(err));
	assert_err(e.be.ops->tk_create(&e.be, &e.alice, f, &out, &err), &err,
	    JTA_ERR_INPUT, 422, "project", "GET /api/projects");
	ck_assert_ptr_null(out);
	json_decref(f);
	teardown(&e);
}
END_TEST

/* GET /api/projects and jta-admin's list: the stored projects with this
 * backend's priorities. */
START_TEST(projects_carry_the_priorities)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *l = NULL;
	char		*s;

	setup(&e);
	ck_assert_int_eq(e.be.ops->projects(&e.be, &e.alice, &out, &err),
	    JTA_OK);
	s = json_dumps(out, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"projects\":[{\"key\":\"DEMO\",\"name\":"
	    "\"Demo\",\"types\":[\"Task\",\"Bug\",\"Story\"],\"priorities\":"
	    "[\"Highest\",\"High\",\"Medium\",\"Low\",\"Lowest\"]}]}");
	free(s);
	ck_assert_int_eq(jta_local_project_list(e.be.store, &l), JTA_OK);
	ck_assert(json_equal(l, json_object_get(out, "projects")));
	json_decref(l);
	json_decref(out);
	teardown(&e);
}
END_TEST

START_TEST(search_shape_cursor_and_errors)
{
	struct env	 e;
	struct jta_error err;
	struct jta_search q;
	char		 cursor[JTA_LIMIT_CURSOR + 1];
	json_t		*res = NULL, *t;

	setup(&e);
	bcreate(&e, "printer one");
	bcreate(&e, "printer two");
	memset(&q, 0, sizeof(q));
	q.text = "printer";
	q.limit = 1;
	ck_assert_int_eq(e.be.ops->search(&e.be, &e.alice, &q, &res, &err),
	    JTA_OK);
	ck_assert_uint_eq(json_object_size(res), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 1);
	t = json_array_get(json_object_get(res, "issues"), 0);
	/* The slim issue and its url. */
	ck_assert_uint_eq(json_object_size(t), 10);
	ck_assert_ptr_nonnull(strstr(sget(t, "url"), "/browse/DEMO-"));
	ck_assert(json_is_null(json_object_get(t, "assignee")));
	snprintf(cursor, sizeof(cursor), "%s", sget(res, "next_cursor"));
	json_decref(res);
	q.cursor = cursor;
	ck_assert_int_eq(e.be.ops->search(&e.be, &e.alice, &q, &res, &err),
	    JTA_OK);
	ck_assert(json_is_null(json_object_get(res, "next_cursor")));
	json_decref(res);
	res = NULL;
	q.order = "created";
	assert_err(e.be.ops->search(&e.be, &e.alice, &q, &res, &err), &err,
	    JTA_ERR_INPUT, 400, "cursor", "start again without it");
	q.cursor = NULL;
	q.order = "priority";
	assert_err(e.be.ops->search(&e.be, &e.alice, &q, &res, &err), &err,
	    JTA_ERR_INPUT, 422, "order", "-updated, updated");
	q.order = NULL;
	q.status = "nope";
	assert_err(e.be.ops->search(&e.be, &e.alice, &q, &res, &err), &err,
	    JTA_ERR_INPUT, 422, "status", NULL);
	ck_assert_ptr_null(res);
	teardown(&e);
}
END_TEST

/* ---- search_text: the tree's bytes without the tree (issue 16) ---- */

/* search and search_text of q give the same result: the same error, or
 * jta_fit_dumps of search's tree byte for byte; the tree's next_cursor
 * into cursor ("" for none).  Returns the number of rows. */
static size_t
same_search(struct env *e, const struct jta_search *q, enum jta_err want,
    char cursor[JTA_LIMIT_CURSOR + 1])
{
	struct jta_error e1, e2;
	json_t		*tree = NULL;
	char		*a = NULL, *b = NULL;
	const char	*nc;
	size_t		 alen = 0, blen = 0, n;
	enum jta_err	 r1, r2;

	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	r1 = e->be.ops->search(&e->be, &e->alice, q, &tree, &e1);
	r2 = e->be.ops->search_text(&e->be, &e->alice, q, &b, &blen, &e2);
	ck_assert_int_eq(r1, want);
	ck_assert_int_eq(r2, want);
	if (want != JTA_OK) {
		ck_assert_ptr_null(tree);
		ck_assert_ptr_null(b);
		ck_assert_int_eq(e1.status, e2.status);
		ck_assert_str_eq(e1.field, e2.field);
		ck_assert_str_eq(e1.detail, e2.detail);
		return 0;
	}
	ck_assert_ptr_nonnull(a = jta_fit_dumps(tree, &alen));
	ck_assert_msg(alen == blen && memcmp(a, b, alen) == 0,
	    "tree %.*s\ntext %.*s", (int)alen, a, (int)blen, b);
	ck_assert_int_eq(b[blen], '\0');
	nc = json_string_value(json_object_get(tree, "next_cursor"));
	snprintf(cursor, JTA_LIMIT_CURSOR + 1, "%s", nc != NULL ? nc : "");
	n = json_array_size(json_object_get(tree, "issues"));
	free(a);
	free(b);
	json_decref(tree);
	return n;
}

START_TEST(search_text_is_the_trees_bytes)
{
	static const char *const summaries[] = {
		"plain printer",
		"quote \" and backslash \\ printer",
		"controls \n\t\r\b\f \x01 \x1f printer",
		"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x96\xa8 printer",
		"<html> & 'single' / slash printer",
		"12345678",
		"a",
	};
	static const char *const orders[] = { NULL, "-updated", "updated",
	    "-created", "created" };
	struct env	 e;
	struct jta_error err;
	struct jta_search q;
	char		 big[700], cursor[JTA_LIMIT_CURSOR + 1], key[32];
	json_t		*in, *out;
	size_t		 i, o, lim, rows, pages;

	setup(&e);
	for (i = 0; i < sizeof(summaries) / sizeof(summaries[0]); i++)
		bcreate(&e, summaries[i]);
	/* A long one, past the writer's eight-byte words many times. */
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	memcpy(big + 300, "\"\\ printer ", 11);
	big[sizeof(big) - 1] = '\0';
	bcreate(&e, big);
	/* Assigned (a string) and unassigned (null) rows. */
	for (i = 1; i <= 3; i++) {
		snprintf(key, sizeof(key), "DEMO-%zu", i);
		in = J("{\"assignee\":\"alice\",\"priority\":\"High\"}");
		ck_assert_int_eq(e.be.ops->update(&e.be, &e.alice, key, in,
		    &out, &err), JTA_OK);
		json_decref(out);
		json_decref(in);
	}
	memset(&q, 0, sizeof(q));
	/* Every order, every page size, page by page to the end. */
	for (o = 0; o < sizeof(orders) / sizeof(orders[0]); o++)
		for (lim = 1; lim <= 9; lim += 2) {
			memset(&q, 0, sizeof(q));
			q.order = orders[o];
			q.limit = lim;
			rows = 0;
			pages = 0;
			do {
				rows += same_search(&e, &q, JTA_OK, cursor);
				q.cursor = cursor;
				ck_assert_uint_lt(++pages, 20);
			} while (cursor[0] != '\0');
			ck_assert_uint_eq(rows, 8);
		}
	/* The full-text search, filters, none found. */
	memset(&q, 0, sizeof(q));
	q.text = "printer";
	ck_assert_uint_eq(same_search(&e, &q, JTA_OK, cursor), 6);
	q.assignee = "alice";
	ck_assert_uint_eq(same_search(&e, &q, JTA_OK, cursor), 3);
	q.assignee = NULL;
	q.text = "caf\xc3\xa9";
	ck_assert_uint_eq(same_search(&e, &q, JTA_OK, cursor), 1);
	q.text = "nothing-like-it";
	ck_assert_uint_eq(same_search(&e, &q, JTA_OK, cursor), 0);
	/* The same refusals. */
	memset(&q, 0, sizeof(q));
	q.jql = "project = DEMO";
	same_search(&e, &q, JTA_ERR_INPUT, cursor);
	q.jql = NULL;
	q.order = "priority";
	same_search(&e, &q, JTA_ERR_INPUT, cursor);
	q.order = "created";
	q.cursor = "not-a-cursor";
	same_search(&e, &q, JTA_ERR_INPUT, cursor);
	q.order = NULL;
	q.cursor = NULL;
	q.status = "nope";
	same_search(&e, &q, JTA_ERR_INPUT, cursor);
	q.status = NULL;
	q.assignee = "nobody";
	same_search(&e, &q, JTA_ERR_INPUT, cursor);
	teardown(&e);
}
END_TEST

/* A row whose text is not UTF-8 (written past the API, straight into
 * the file) fails both ways: the tree's writer and jansson refuse it
 * (jta_fit), the text's writer too. */
START_TEST(search_text_refuses_a_row_that_is_not_utf8)
{
	struct env	 e;
	struct jta_error err;
	struct jta_search q;
	sqlite3		*db;
	json_t		*tree = NULL;
	char		*text = NULL, *fit = NULL;
	size_t		 len;

	setup(&e);
	bcreate(&e, "fine");
	bcreate(&e, "to be broken");
	ck_assert_int_eq(sqlite3_open(e.path, &db),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE tickets SET summary = "
	    "CAST(X'41FF42' AS TEXT) WHERE num = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	memset(&q, 0, sizeof(q));
	ck_assert_int_eq(e.be.ops->search(&e.be, &e.alice, &q, &tree, &err),
	    JTA_OK);
	ck_assert_int_eq(jta_fit(tree, JTA_LIMIT_RESPONSE_CHARS, &fit, &len,
	    NULL), JTA_ERR_NOMEM);
	ck_assert_ptr_null(fit);
	ck_assert_int_eq(e.be.ops->search_text(&e.be, &e.alice, &q, &text,
	    &len, &err), JTA_ERR_NOMEM);
	ck_assert_ptr_null(text);
	json_decref(tree);
	teardown(&e);
}
END_TEST

/* The response cap's test of a written answer is jta_fit's: what it
 * sends uncut (counted in characters, not bytes) fits, what it cuts
 * does not. */
START_TEST(fit_fits_is_what_jta_fit_sends_uncut)
{
	char		 buf[700], *out = NULL;
	size_t		 len, k, i;
	json_t		*v;
	int		 cut, seen[2] = { 0, 0 };

	/* {"t":"é...é"}: 8 + k characters in 8 + 2k bytes, around the
	 * room of 300 (298 with the newline). */
	for (k = 250; k <= 320; k += 3) {
		for (i = 0; i < k; i++)
			memcpy(buf + 2 * i, "\xc3\xa9", 2);
		buf[2 * k] = '\0';
		ck_assert_ptr_nonnull(v = json_pack("{s:s}", "t", buf));
		ck_assert_int_eq(jta_fit(v, 300, &out, &len, &cut), JTA_OK);
		free(out);
		ck_assert_ptr_nonnull(out = jta_fit_dumps(v, &len));
		ck_assert_uint_eq(len, 8 + 2 * k);
		ck_assert_int_eq(jta_fit_fits(out, len, 300), !cut);
		seen[cut] = 1;
		free(out);
		json_decref(v);
	}
	ck_assert(seen[0] && seen[1]);
	ck_assert_int_eq(jta_fit_fits("{}", 2, JTA_FIT_MIN - 1), 0);
}
END_TEST

START_TEST(similar_and_users_shapes)
{
	struct env	 e;
	struct jta_error err;
	json_t		*res = NULL, *t;

	setup(&e);
	bcreate(&e, "printer jammed again");
	ck_assert_int_eq(e.be.ops->similar(&e.be, &e.alice, "printer jammed",
	    NULL, 5, &res, &err), JTA_OK);
	t = json_array_get(json_object_get(res, "similar"), 0);
	ck_assert_uint_eq(json_object_size(t), 11);
	ck_assert_str_eq(sget(t, "key"), "DEMO-1");
	ck_assert_str_eq(sget(t, "project"), "DEMO");
	ck_assert(json_is_array(json_object_get(t, "components")));
	ck_assert(json_is_real(json_object_get(t, "score")));
	ck_assert_ptr_nonnull(strstr(sget(t, "url"), "/browse/DEMO-1"));
	ck_assert_ptr_nonnull(json_object_get(res, "suggestion"));
	json_decref(res);
	res = NULL;
	assert_err(e.be.ops->similar(&e.be, &e.alice, "the of", NULL, 5, &res,
	    &err), &err, JTA_ERR_INPUT, 422, "text", "no word");
	ck_assert_ptr_null(res);
	ck_assert_int_eq(e.be.ops->users(&e.be, &e.alice, "ALI", 10, &res,
	    &err), JTA_OK);
	t = json_array_get(json_object_get(res, "users"), 0);
	ck_assert_str_eq(sget(t, "id"), "alice");
	ck_assert_str_eq(sget(t, "name"), "Alice");
	/* No email: no member. */
	ck_assert_ptr_null(json_object_get(t, "email"));
	json_decref(res);
	teardown(&e);
}
END_TEST

/* ---- /api/tickets/ ---- */

/* Four tickets made through tk_create (ids 1..4), created a day apart. */
static void
tkseed(struct env *e)
{
	static const char *const t[] = {
		"{\"title\":\"Bravo printer\",\"description\":\"toner low\"}",
		"{\"title\":\"alpha laptop\",\"description\":\"Screen PRINTER "
		    "cable\",\"resolution_status\":\"RESOLVED\"}",
		"{\"title\":\"Charlie\",\"description\":\"x\","
		    "\"resolution_status\":\"CLOSED\"}",
		"{\"title\":\"delta\"}",
	};
	struct jta_error err;
	json_t		*f, *out;
	size_t		 i;

	for (i = 0; i < 4; i++) {
		f = J(t[i]);
		ck_assert_msg(e->be.ops->tk_create(&e->be, &e->alice, f, &out,
		    &err) == JTA_OK, "%s", err.detail);
		ck_assert_int_eq(iget(out, "id"), (json_int_t)i + 1);
		json_decref(out);
		json_decref(f);
	}
}

/* The status of ticket key as the ticket API shows it. */
static const char *
statusof(struct env *e, const char *key, char *buf, size_t bufsz)
{
	json_t	*t = bget(e, key);

	snprintf(buf, bufsz, "%s", sget(t, "status"));
	json_decref(t);
	return buf;
}

static json_t *
tkupdate(struct env *e, int64_t id, const char *fields)
{
	struct jta_error err;
	json_t		*f = J(fields), *out = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(e->be.ops->tk_update(&e->be, &e->alice, id, f, &out,
	    &err) == JTA_OK, "tk update %s: %s", fields, err.detail);
	json_decref(f);
	return out;
}

START_TEST(tk_create_shape_and_resolution_status)
{
	struct env	 e;
	struct jta_error err;
	char		 s[64];
	json_t		*out;

	setup(&e);
	tkseed(&e);
	ck_assert_int_eq(e.be.ops->tk_get(&e.be, &e.alice, 1, &out, &err),
	    JTA_OK);
	ck_assert_int_eq(iget(out, "id"), 1);
	ck_assert_str_eq(sget(out, "title"), "Bravo printer");
	ck_assert_str_eq(sget(out, "description"), "toner low");
	ck_assert_str_eq(sget(out, "resolution_status"), "OPEN");
	ck_assert_ptr_nonnull(strstr(sget(out, "created"), "T"));
	ck_assert_uint_eq(json_object_size(out), 5);
	json_decref(out);
	ck_assert_int_eq(e.be.ops->tk_get(&e.be, &e.alice, 2, &out, &err),
	    JTA_OK);
	ck_assert_str_eq(sget(out, "resolution_status"), "RESOLVED");
	json_decref(out);
	ck_assert_int_eq(e.be.ops->tk_get(&e.be, &e.alice, 3, &out, &err),
	    JTA_OK);
	ck_assert_str_eq(sget(out, "resolution_status"), "CLOSED");
	json_decref(out);
	/* The same tickets through the ticket API: the workflow's names. */
	ck_assert_str_eq(statusof(&e, "DEMO-2", s, sizeof(s)), "Resolved");
	ck_assert_str_eq(statusof(&e, "DEMO-3", s, sizeof(s)), "Closed");
	ck_assert_str_eq(statusof(&e, "DEMO-4", s, sizeof(s)), "Open");
	out = bget(&e, "DEMO-4");
	ck_assert_str_eq(sget(out, "description"), "");
	ck_assert_str_eq(sget(out, "summary"), "delta");
	json_decref(out);
	teardown(&e);
}
END_TEST

START_TEST(tk_not_found_message)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL, *f;

	setup(&e);
	tkseed(&e);
	memset(&err, 0, sizeof(err));
	assert_err(e.be.ops->tk_get(&e.be, &e.alice, 123, &out, &err), &err,
	    JTA_ERR_NOTFOUND, 404, "id", NULL);
	ck_assert_str_eq(err.detail, "Ticket with id '123' was not found.");
	ck_assert_ptr_null(out);
	f = J("{\"title\":\"x\"}");
	memset(&err, 0, sizeof(err));
	assert_err(e.be.ops->tk_update(&e.be, &e.alice, 77, f, &out, &err),
	    &err, JTA_ERR_NOTFOUND, 404, NULL,
	    "Ticket with id '77' was not found.");
	ck_assert_ptr_null(out);
	json_decref(f);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(e.be.ops->tk_delete(&e.be, &e.alice, 1, &err),
	    JTA_OK);
	assert_err(e.be.ops->tk_delete(&e.be, &e.alice, 1, &err), &err,
	    JTA_ERR_NOTFOUND, 404, NULL, "Ticket with id '1' was not found.");
	teardown(&e);
}
END_TEST

/* The ids of a tk_list answer by resolution statuses (JSON text) in
 * ordering (NULL: created). */
static void
tkexpect_by(struct env *e, const char *statuses, const char *ordering,
    const char *want, json_int_t wantcount)
{
	struct jta_error err;
	struct jta_tk_query q;
	json_t		*sts = statuses ? J(statuses) : NULL, *res = NULL;
	const json_t	*t;
	char		 got[128];
	size_t		 i, o = 0;

	memset(&q, 0, sizeof(q));
	q.statuses = sts;
	q.page = 1;
	q.page_size = 20;
	q.ordering = ordering != NULL ? ordering : "created";
	ck_assert_msg(e->be.ops->tk_list(&e->be, &e->alice, &q, &res, &err) ==
	    JTA_OK, "%s", err.detail);
	ck_assert_uint_eq(json_object_size(res), 2);
	ck_assert_int_eq(iget(res, "count"), wantcount);
	got[0] = '\0';
	json_array_foreach(json_object_get(res, "results"), i, t) {
		ck_assert_uint_eq(json_object_size(t), 5);
		o += (size_t)snprintf(got + o, sizeof(got) - o,
		    "%s%" JSON_INTEGER_FORMAT, i ? "," : "", iget(t, "id"));
	}
	ck_assert_msg(strcmp(got, want) == 0, "got '%s', want '%s'", got,
	    want);
	json_decref(res);
	json_decref(sts);
}

static void
tkexpect(struct env *e, const char *statuses, const char *want,
    json_int_t wantcount)
{
	tkexpect_by(e, statuses, NULL, want, wantcount);
}

START_TEST(tk_list_shape_and_resolution_filter)
{
	struct env	 e;

	setup(&e);
	tkseed(&e);
	tkexpect(&e, NULL, "1,2,3,4", 4);
	tkexpect(&e, "[\"OPEN\"]", "1,4", 2);
	tkexpect(&e, "[\"RESOLVED\",\"CLOSED\"]", "2,3", 2);
	/* OPEN is Open or In Progress. */
	bmove(&e, "DEMO-1", "In Progress");
	tkexpect(&e, "[\"OPEN\"]", "1,4", 2);
	tkexpect(&e, "[\"CLOSED\"]", "3", 1);
	/* title orders by the stored summary, ties by id. */
	tkexpect_by(&e, NULL, "title", "1,3,2,4", 4);
	tkexpect_by(&e, NULL, "-title", "4,2,3,1", 4);
	teardown(&e);
}
END_TEST

START_TEST(tk_update_patch_changes_only_given_fields)
{
	struct env	 e;
	json_t		*out;

	setup(&e);
	tkseed(&e);
	out = tkupdate(&e, 1, "{\"title\":\"Bravo printer again\"}");
	ck_assert_str_eq(sget(out, "title"), "Bravo printer again");
	ck_assert_str_eq(sget(out, "description"), "toner low");
	ck_assert_str_eq(sget(out, "resolution_status"), "OPEN");
	json_decref(out);
	out = tkupdate(&e, 1, "{\"description\":\"new\"}");
	ck_assert_str_eq(sget(out, "title"), "Bravo printer again");
	ck_assert_str_eq(sget(out, "description"), "new");
	json_decref(out);
	out = tkupdate(&e, 1, "{\"resolution_status\":\"CLOSED\"}");
	ck_assert_str_eq(sget(out, "resolution_status"), "CLOSED");
	ck_assert_str_eq(sget(out, "title"), "Bravo printer again");
	json_decref(out);
	teardown(&e);
}
END_TEST

START_TEST(tk_update_put_replaces_fields)
{
	struct env	 e;
	struct jta_error err;
	char		 s[64], created[64];
	json_t		*out;

	setup(&e);
	tkseed(&e);
	ck_assert_int_eq(e.be.ops->tk_get(&e.be, &e.alice, 2, &out, &err),
	    JTA_OK);
	snprintf(created, sizeof(created), "%s", sget(out, "created"));
	json_decref(out);
	/* PUT sends every field (title required by its table). */
	out = tkupdate(&e, 2, "{\"title\":\"T\",\"description\":\"D\","
	    "\"resolution_status\":\"OPEN\"}");
	ck_assert_str_eq(sget(out, "title"), "T");
	ck_assert_str_eq(sget(out, "description"), "D");
	ck_assert_str_eq(sget(out, "resolution_status"), "OPEN");
	/* created is read-only. */
	ck_assert_str_eq(sget(out, "created"), created);
	json_decref(out);
	ck_assert_str_eq(statusof(&e, "DEMO-2", s, sizeof(s)), "Open");
	teardown(&e);
}
END_TEST

START_TEST(tk_update_open_keeps_in_progress)
{
	struct env	 e;
	char		 s[64];
	json_t		*out;

	setup(&e);
	tkseed(&e);
	bmove(&e, "DEMO-1", "In Progress");
	out = tkupdate(&e, 1, "{\"resolution_status\":\"OPEN\"}");
	ck_assert_str_eq(sget(out, "resolution_status"), "OPEN");
	json_decref(out);
	ck_assert_str_eq(statusof(&e, "DEMO-1", s, sizeof(s)), "In Progress");
	/* From Resolved, OPEN means Open. */
	json_decref(tkupdate(&e, 2, "{\"resolution_status\":\"OPEN\"}"));
	ck_assert_str_eq(statusof(&e, "DEMO-2", s, sizeof(s)), "Open");
	json_decref(tkupdate(&e, 4, "{\"resolution_status\":\"RESOLVED\"}"));
	ck_assert_str_eq(statusof(&e, "DEMO-4", s, sizeof(s)), "Resolved");
	teardown(&e);
}
END_TEST

static Suite *
local_suite(void)
{
	Suite	*s = suite_create("local");
	TCase	*tc;

	tc = tcase_create("workflow");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, workflow_moves_and_transitions);
	tcase_add_test(tc, workflow_forbidden_move_is_409_naming_allowed);
	tcase_add_test(tc, workflow_unknown_status_has_no_moves);
	suite_add_tcase(s, tc);

	tc = tcase_create("issues");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, issue_shape_and_url);
	tcase_add_test(tc, issue_missing_is_404_and_bad_key_400);
	tcase_add_test(tc, update_refuses_type_and_assignee_in_api_words);
	tcase_add_test(tc, search_shape_cursor_and_errors);
	tcase_add_test(tc, search_text_is_the_trees_bytes);
	tcase_add_test(tc, search_text_refuses_a_row_that_is_not_utf8);
	tcase_add_test(tc, fit_fits_is_what_jta_fit_sends_uncut);
	tcase_add_test(tc, projects_carry_the_priorities);
	tcase_add_test(tc, similar_and_users_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("tickets_api");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tk_create_shape_and_resolution_status);
	tcase_add_test(tc, tk_not_found_message);
	tcase_add_test(tc, tk_create_without_the_project_is_422);
	tcase_add_test(tc, prepare_asks_for_every_missing_basic_at_once);
	tcase_add_test(tc, prepare_asks_for_type_and_summary_together);
	tcase_add_test(tc,
	    prepare_shows_the_default_priority_and_files_the_preview);
	tcase_add_test(tc, tk_list_shape_and_resolution_filter);
	tcase_add_test(tc, tk_update_patch_changes_only_given_fields);
	tcase_add_test(tc, tk_update_put_replaces_fields);
	tcase_add_test(tc, tk_update_open_keeps_in_progress);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (sodium_init() < 0 || mkdtemp(tmproot) == NULL) {
		perror("setup");
		return NULL;
	}
	/* Expected failures log at error level; keep the rest quiet. */
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return local_suite();
}
