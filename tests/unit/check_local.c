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

#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_db.h"
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
