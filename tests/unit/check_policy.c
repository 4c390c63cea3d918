/*
 * Unit tests for jta_policy: rules from an operator's words (validation
 * and normalisation), the classification of requests (endpoint, read /
 * create / write, project), and the checks on a real store with the
 * embedded backend: the kill switch, deny over allow, allow-lists per
 * scope, read-only mode, and a change seen at the next request.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "jta_backend.h"
#include "jta_db.h"
#include "jta_log.h"
#include "jta_policy.h"
#include "check_main.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"

static char	 tmproot[] = "/tmp/jta-policy-XXXXXX";

/* ---- rules from words ---- */

static enum jta_err
make(const char *effect, const char *kind, const char *value,
    const char *scope, struct jta_store_rule *r, struct jta_error *e)
{
	memset(e, 0, sizeof(*e));
	return jta_policy_rule_make(effect, kind, value, scope, NULL, r, e);
}

START_TEST(rule_make_normalises)
{
	struct jta_store_rule r;
	struct jta_error e;

	ck_assert_int_eq(make("deny", "project", "sec", "read", &r, &e),
	    JTA_OK);
	ck_assert_str_eq(r.value, "SEC");
	ck_assert_str_eq(r.scope, "read");
	ck_assert_int_eq(make("allow", "domain", "@Example.COM", NULL, &r,
	    &e), JTA_OK);
	ck_assert_str_eq(r.value, "example.com");
	ck_assert_str_eq(r.scope, "all");
	ck_assert_int_eq(make("allow", "site", "https://Acme.atlassian.net/",
	    NULL, &r, &e), JTA_OK);
	ck_assert_str_eq(r.value, "https://acme.atlassian.net");
	ck_assert_int_eq(make("deny", "person", "Bob@Example.com", NULL, &r,
	    &e), JTA_OK);
	ck_assert_str_eq(r.value, "bob@example.com");
	ck_assert_int_eq(make("deny", "person", "712020:AbC", NULL, &r, &e),
	    JTA_OK);
	ck_assert_str_eq(r.value, "712020:AbC");
	ck_assert_int_eq(make("allow", "group", "Site Admins", NULL, &r, &e),
	    JTA_OK);
	ck_assert_int_eq(make("deny", "readonly", NULL, NULL, &r, &e), JTA_OK);
	ck_assert_str_eq(r.value, "*");
	ck_assert_str_eq(r.scope, "write");
}
END_TEST

START_TEST(rule_make_refuses_with_the_field)
{
	static const struct {
		const char	*effect, *kind, *value, *scope, *field;
	} bad[] = {
		{ "permit", "project", "OPS", NULL, "effect" },
		{ "allow", "colour", "red", NULL, "kind" },
		{ "allow", "project", "OPS", "delete", "for" },
		{ "allow", "project", "1OPS", NULL, "value" },
		{ "allow", "project", "TOOLONGPROJECTKEY", NULL, "value" },
		{ "allow", "domain", "a..b", NULL, "value" },
		{ "allow", "domain", "has space.com", NULL, "value" },
		{ "allow", "site", "http://acme.atlassian.net", NULL, "value" },
		/* Site URLs go through jta_url's site rule, https only. */
		{ "allow", "site", "https://u@acme.atlassian.net", NULL,
		    "value" },
		{ "allow", "site", "https://acme.atlassian.net:443", NULL,
		    "value" },
		{ "allow", "site", "https://acme.atlassian.net/x", NULL,
		    "value" },
		{ "allow", "site", "https://acme.atlassian.net?x", NULL,
		    "value" },
		{ "allow", "site", "http://127.0.0.1:9000", NULL, "value" },
		{ "allow", "site", "https:///acme.atlassian.net", NULL,
		    "value" },
		{ "allow", "person", "", NULL, "value" },
		{ "allow", "person", NULL, NULL, "value" },
		{ "allow", "person", "tab\there", NULL, "value" },
		{ "allow", "readonly", NULL, NULL, "effect" },
		{ "deny", "readonly", "OPS", NULL, "value" },
		{ "deny", "readonly", NULL, "read", "for" },
	};
	struct jta_store_rule r;
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(make(bad[i].effect, bad[i].kind, bad[i].value,
		    bad[i].scope, &r, &e) == JTA_ERR_INPUT, "case %zu", i);
		ck_assert_msg(strcmp(e.field, bad[i].field) == 0,
		    "case %zu: field %s", i, e.field);
		ck_assert_int_eq(e.status, 422);
	}
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_policy_rule_make("deny", "person", "bob",
	    NULL, "two\nlines", &r, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "note");
}
END_TEST

START_TEST(scope_bits)
{
	ck_assert_uint_eq(jta_policy_scope_bits("read"), JTA_POLICY_READ);
	ck_assert_uint_eq(jta_policy_scope_bits("create"), JTA_POLICY_CREATE);
	ck_assert_uint_eq(jta_policy_scope_bits("write"),
	    JTA_POLICY_CREATE | JTA_POLICY_WRITE);
	ck_assert_uint_eq(jta_policy_scope_bits("all"), JTA_POLICY_READ |
	    JTA_POLICY_CREATE | JTA_POLICY_WRITE);
	ck_assert_uint_eq(jta_policy_scope_bits("ALL"), 0);
}
END_TEST

/* ---- classifying requests ---- */

struct params {
	const char	*method, *uri;
};

static const char *
getparam(const char *name, void *arg)
{
	const struct params *p = arg;

	if (strcmp(name, "REQUEST_METHOD") == 0)
		return p->method;
	if (strcmp(name, "REQUEST_URI") == 0)
		return p->uri;
	if (strcmp(name, "QUERY_STRING") == 0) {
		const char *q = strchr(p->uri, '?');

		return q != NULL ? q + 1 : "";
	}
	return NULL;
}

/* Classify method uri with an optional body. */
static void
classify(const char *method, const char *uri, const char *body,
    struct jta_policy_op *op)
{
	struct params	 p = { method, uri };
	struct jta_req	 req;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_req_init(&req, getparam, &p, &e), JTA_OK);
	if (body != NULL) {
		req.body = strdup(body);
		ck_assert_ptr_nonnull(req.body);
		req.body_len = strlen(body);
	}
	jta_policy_op_from_req(&req, "DEMO", op);
	jta_req_clear(&req);
}

START_TEST(op_from_requests)
{
	struct jta_policy_op op;

	classify("GET", "/api/issues/OPS-12", NULL, &op);
	ck_assert_str_eq(op.endpoint, "issue");
	ck_assert(op.rules && op.has_project && op.cls == JTA_POLICY_READ);
	ck_assert_str_eq(op.project, "OPS");
	classify("PATCH", "/api/issues/ops-12", NULL, &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_WRITE);
	ck_assert_str_eq(op.project, "OPS");
	classify("POST", "/api/issues/SUP-1/comments", NULL, &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_WRITE);
	ck_assert_str_eq(op.project, "SUP");
	classify("GET", "/api/issues/SUP-1/transitions", NULL, &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_READ);
	classify("POST", "/api/issues/SUP-1/transitions", NULL, &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_WRITE);
	/* getAttachmentText: a read of the issue, its project from the key
	 * before the second "*" of the pattern. */
	classify("GET", "/api/issues/sec-7/attachments/10001/text", NULL, &op);
	ck_assert(op.rules && op.has_project && op.cls == JTA_POLICY_READ);
	ck_assert_str_eq(op.endpoint, "issue");
	ck_assert_str_eq(op.project, "SEC");
	classify("POST", "/api/issues/SEC-7/attachments/10001/text", NULL,
	    &op);
	ck_assert(!op.rules);
	/* A method the endpoint refuses: its 405, not a rule. */
	classify("DELETE", "/api/issues/SUP-1", NULL, &op);
	ck_assert(!op.rules);
	classify("GET", "/api/issues?project=SEC&limit=2", NULL, &op);
	ck_assert(op.rules && op.has_project && op.cls == JTA_POLICY_READ);
	ck_assert_str_eq(op.project, "SEC");
	classify("GET", "/api/issues?text=x", NULL, &op);
	ck_assert(op.has_project);
	ck_assert_str_eq(op.project, "");
	classify("GET", "/api/issues?project=SEC&jql=x", NULL, &op);
	ck_assert_str_eq(op.project, "");
	classify("GET", "/api/issues?project=SEC&project=OPS", NULL, &op);
	ck_assert_str_eq(op.project, "");
	classify("GET", "/api/issues?project=s%45C", NULL, &op);
	ck_assert_str_eq(op.project, "");	/* not a key: lower case */
	classify("POST", "/api/issues", "{\"project\":\"OPS\",\"summary\":1}",
	    &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_CREATE);
	ck_assert_str_eq(op.project, "OPS");
	classify("POST", "/oauth/issues", "{\"project\":1}", &op);
	ck_assert(op.has_project);
	ck_assert_str_eq(op.project, "");
	classify("POST", "/api/issues", "{\"project\":\"A\",\"project\":\"B\"}",
	    &op);
	ck_assert_str_eq(op.project, "");
	classify("POST", "/api/tickets/", "{}", &op);
	ck_assert(op.cls == JTA_POLICY_CREATE);
	ck_assert_str_eq(op.project, "DEMO");
	classify("DELETE", "/api/tickets/3/", NULL, &op);
	ck_assert(op.rules && op.cls == JTA_POLICY_WRITE);
	ck_assert_str_eq(op.project, "");
	classify("GET", "/api/me", NULL, &op);
	ck_assert(op.rules && !op.has_project);
	classify("POST", "/oauth/token", NULL, &op);
	ck_assert(!op.rules);
	ck_assert_str_eq(op.endpoint, "oauth");
}
END_TEST

/* ---- checks on a store ---- */

struct fixture {
	struct jta_conf	 conf;
	struct jta_store *st;
	struct jta_backend *be;
	struct jta_policy *pol;
	struct jta_user	 alice;
	char		 path[512];
	/* 1: each ask is a request whose reads share one read
	 * transaction, as the programs' are (jta_store_reads_begin). */
	int		 reads;
};

static void
setup(struct fixture *f)
{
	char		 path[512], msg[512];
	struct jta_error e;
	static int	 n;

	memset(f, 0, sizeof(*f));
	f->conf.backend = JTA_BACKEND_LOCAL;
	/* Each test runs in its own fork: the pid keeps files apart. */
	snprintf(path, sizeof(path), "%s/p%ld-%d.db", tmproot, (long)getpid(),
	    n++);
	snprintf(f->path, sizeof(f->path), "%s", path);
	ck_assert_int_eq(jta_store_open(path, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &f->st, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_backend_new(&f->conf, f->st, NULL, &f->be),
	    JTA_OK);
	ck_assert_int_eq(jta_policy_new(&f->conf, f->st, f->be, &f->pol),
	    JTA_OK);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_add(f->st, "alice", "Alice",
	    "alice@example.com", &f->alice.id, &e), JTA_OK);
	snprintf(f->alice.name, sizeof(f->alice.name), "alice");
	snprintf(f->alice.email, sizeof(f->alice.email),
	    "alice@example.com");
}

static void
teardown(struct fixture *f)
{
	jta_policy_free(f->pol);
	jta_backend_free(f->be);
	jta_store_close(f->st);
}

static int64_t
rule(struct fixture *f, const char *effect, const char *kind,
    const char *value, const char *scope)
{
	struct jta_store_rule r;
	struct jta_error e;
	int64_t		 id = 0;

	ck_assert_int_eq(make(effect, kind, value, scope, &r, &e), JTA_OK);
	ck_assert_int_eq(jta_store_rule_add(f->st, &r, 1, "t", &id, &e),
	    JTA_OK);
	return id;
}

/* The gate then the check for alice doing cls on project; JTA_OK or the
 * refusal with e filled. */
static enum jta_err
ask(struct fixture *f, unsigned cls, const char *project,
    struct jta_error *e)
{
	struct jta_policy_op op;
	enum jta_err	 rc;

	memset(&op, 0, sizeof(op));
	memset(e, 0, sizeof(*e));
	op.endpoint = "test";
	op.cls = cls;
	op.rules = 1;
	op.has_project = project != NULL;
	if (project != NULL)
		snprintf(op.project, sizeof(op.project), "%s", project);
	if (f->reads)
		jta_store_reads_begin(f->st);
	if ((rc = jta_policy_gate(f->pol, e)) == JTA_OK)
		rc = jta_policy_check(f->pol, NULL, &f->alice, &op, e);
	if (f->reads)
		jta_store_reads_end(f->st);
	return rc;
}

START_TEST(kill_switch_and_back)
{
	struct fixture	 f;
	struct jta_error e;

	setup(&f);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	ck_assert_int_eq(jta_store_policy_set(f.st, 0, "upgrade", 5, "ops",
	    &e), JTA_OK);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 503);
	ck_assert_str_eq(e.detail, "upgrade");
	ck_assert(e.retry_after == 0);
	ck_assert_int_eq(jta_store_policy_set(f.st, 1, NULL, 6, "ops", &e),
	    JTA_OK);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	teardown(&f);
}
END_TEST

/* What another process does to f's store, on a connection of its own:
 * 0 switches off, 1 on, 2 adds a rule denying reads of OPS, 3 writes
 * another table only. */
static void
elsewhere(const struct fixture *f, int what)
{
	struct jta_store *st;
	struct jta_store_rule r;
	struct jta_error e;
	char		 msg[256];
	int64_t		 id;
	pid_t		 pid;
	int		 status, ok;

	if ((pid = fork()) == 0) {
		memset(&e, 0, sizeof(e));
		ok = jta_store_open(f->path, 5000, 0, &st, msg,
		    sizeof(msg)) == JTA_OK;
		if (ok && what <= 1)
			ok = jta_store_policy_set(st, what, what == 0 ?
			    "maintenance" : NULL, 7, "ops", &e) == JTA_OK;
		else if (ok && what == 2)
			ok = make("deny", "project", "OPS", "read", &r,
			    &e) == JTA_OK && jta_store_rule_add(st, &r, 8,
			    "ops", &id, &e) == JTA_OK;
		else if (ok)
			ok = jta_store_user_add(st, "bob", "Bob",
			    "bob@example.com", &id, &e) == JTA_OK;
		if (ok)
			jta_store_close(st);
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Issue 16: the gate keeps the switch read while the store's file is
 * unchanged; a change committed by another process (jta-admin, another
 * worker or program) must still show at the next request. */
/* Another process switches off, on, writes another table, adds a rule;
 * each takes effect at the next request. */
static void
switch_elsewhere(struct fixture *f)
{
	struct jta_error e;

	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	elsewhere(f, 0);
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 503);
	ck_assert_str_eq(e.detail, "maintenance");
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_ERR_BUSY);
	elsewhere(f, 1);
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	/* Another table written: the switch is still on. */
	elsewhere(f, 3);
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	/* A rule added elsewhere (the generation moves with it). */
	elsewhere(f, 2);
	ck_assert_int_eq(ask(f, JTA_POLICY_READ, "OPS", &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 403);
}

START_TEST(switch_from_another_process_at_the_next_request)
{
	struct fixture	 f;

	setup(&f);
	switch_elsewhere(&f);
	teardown(&f);
}
END_TEST

/* The same when each request's reads share one read transaction (README
 * "issue 16, fifth pass"): the next request still sees each change. */
START_TEST(switch_elsewhere_in_one_read_transaction_a_request)
{
	struct fixture	 f;

	setup(&f);
	f.reads = 1;
	switch_elsewhere(&f);
	teardown(&f);
}
END_TEST

START_TEST(deny_wins_allow_lists_per_scope_readonly)
{
	struct fixture	 f;
	struct jta_error e;
	struct jta_error e2;
	int64_t		 a, d, ro;

	setup(&f);
	a = rule(&f, "allow", "project", "OPS", "create");
	/* Creates are limited to OPS; reads are not. */
	ck_assert_int_eq(ask(&f, JTA_POLICY_CREATE, "SEC", &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 403);
	ck_assert_str_eq(e.field, "project");
	ck_assert_ptr_nonnull(strstr(e.detail, "allow project OPS"));
	ck_assert_int_eq(ask(&f, JTA_POLICY_CREATE, "OPS", &e), JTA_OK);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "SEC", &e), JTA_OK);
	/* Deny wins over the allow rule. */
	d = rule(&f, "deny", "domain", "example.com", "write");
	ck_assert_int_eq(ask(&f, JTA_POLICY_CREATE, "OPS", &e), JTA_ERR_AUTH);
	ck_assert_str_eq(e.field, "domain");
	ck_assert_int_eq(ask(&f, JTA_POLICY_WRITE, "OPS", &e), JTA_ERR_AUTH);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	ck_assert_int_eq(jta_store_rule_remove(f.st, d, &e2), JTA_OK);
	ck_assert_int_eq(jta_store_rule_remove(f.st, a, &e2), JTA_OK);
	/* Read-only mode. */
	ro = rule(&f, "deny", "readonly", NULL, NULL);
	ck_assert_int_eq(ask(&f, JTA_POLICY_WRITE, "OPS", &e), JTA_ERR_AUTH);
	ck_assert_str_eq(e.field, "readonly");
	ck_assert_int_eq(ask(&f, JTA_POLICY_CREATE, NULL, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	ck_assert_int_eq(jta_store_rule_remove(f.st, ro, &e2), JTA_OK);
	ck_assert_int_eq(ask(&f, JTA_POLICY_WRITE, "OPS", &e), JTA_OK);
	/* Project rules with no known project: refused, asking for one. */
	(void)rule(&f, "deny", "project", "SEC", "read");
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "", &e), JTA_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(e.detail, "does not name one project"));
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, NULL, &e), JTA_OK);
	/* Site and group rules do not apply without Jira. */
	(void)rule(&f, "allow", "site", "acme.atlassian.net", NULL);
	(void)rule(&f, "allow", "group", "nobody", NULL);
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_OK);
	/* Person by user name or email in any case. */
	(void)rule(&f, "deny", "person", "ALICE@example.com", "read");
	ck_assert_int_eq(ask(&f, JTA_POLICY_READ, "OPS", &e), JTA_ERR_AUTH);
	ck_assert_str_eq(e.field, "person");
	teardown(&f);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite	*s = suite_create("jta_policy");
	TCase	*tc;

	tc = tcase_create("words");
	tcase_add_test(tc, rule_make_normalises);
	tcase_add_test(tc, rule_make_refuses_with_the_field);
	tcase_add_test(tc, scope_bits);
	tcase_add_test(tc, op_from_requests);
	suite_add_tcase(s, tc);
	tc = tcase_create("checks");
	tcase_add_test(tc, kill_switch_and_back);
	tcase_add_test(tc, switch_from_another_process_at_the_next_request);
	tcase_add_test(tc, switch_elsewhere_in_one_read_transaction_a_request);
	tcase_add_test(tc, deny_wins_allow_lists_per_scope_readonly);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmtree(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
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
	nftw(tmproot, rmtree, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return policy_suite();
}
