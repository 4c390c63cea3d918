/*
 * Unit tests for jta_operator on a real store: the operator's name is
 * required and cleaned; every change is validated (the error names the
 * field) and, once made, audited as admin:<action> by operator:<login>
 * with the front as endpoint; a refused change writes no row; the state
 * both fronts read.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"

#include "jta_conf.h"
#include "jta_log.h"
#include "jta_operator.h"
#include "jta_db.h"
#include "jta_store_authz.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_vault.h"

static char	 tmproot[] = "/tmp/jta-operator-XXXXXX";

struct fixture {
	struct jta_conf	 conf;
	struct jta_operator op;
	struct jta_error e;
};

/* A fresh database with alice, a vault key, and "tester" at the CLI. */
static void
setup(struct fixture *f)
{
	struct jta_store *st = NULL;
	char		 msg[512];
	static int	 n;

	memset(f, 0, sizeof(*f));
	jta_conf_defaults(&f->conf);
	/* Each test runs in its own fork: the pid keeps files apart. */
	snprintf(f->conf.database, sizeof(f->conf.database), "%s/o%ld-%d.db",
	    tmproot, (long)getpid(), n);
	snprintf(f->conf.vault_key_file, sizeof(f->conf.vault_key_file),
	    "%s/o%ld-%d.key", tmproot, (long)getpid(), n++);
	ck_assert_int_eq(jta_vault_create_key(f->conf.vault_key_file, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_store_open(f->conf.database, 5000,
	    JTA_STORE_CREATE | JTA_STORE_MIGRATE, &st, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice", "", NULL,
	    &f->e), JTA_OK);
	jta_store_close(st);
	ck_assert_int_eq(jta_operator_open(&f->op, &f->conf,
	    JTA_OPERATOR_VAULT, "tester", msg, sizeof(msg)), JTA_OK);
}

/* The audit rows of action, newest first (a new array). */
static json_t *
rows(struct fixture *f, const char *action)
{
	struct jta_audit_filter q;
	json_t		*out = NULL;

	memset(&q, 0, sizeof(q));
	q.action = action;
	ck_assert_int_eq(jta_operator_audit_query(&f->op, &q, &out, &f->e),
	    JTA_OK);
	return out;
}

/* The newest row of action is by operator:tester at jta-admin with
 * status and detail. */
static void
audited(struct fixture *f, const char *action, int status,
    const char *detail)
{
	json_t	*r = rows(f, action), *row = json_array_get(r, 0);

	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(json_string_value(json_object_get(row, "who")),
	    "operator:tester");
	ck_assert_str_eq(json_string_value(json_object_get(row, "endpoint")),
	    "jta-admin");
	ck_assert_int_eq(json_integer_value(json_object_get(row, "status")),
	    status);
	if (detail != NULL)
		ck_assert_str_eq(json_string_value(json_object_get(row,
		    "detail")), detail);
	json_decref(r);
}

static size_t
count(struct fixture *f, const char *action)
{
	json_t	*r = rows(f, action);
	size_t	 n = json_array_size(r);

	json_decref(r);
	return n;
}

/* 1 when the JSON text of v holds needle. */
static int
holds(const json_t *v, const char *needle)
{
	char	*text = json_dumps(v, 0);
	int	 found;

	ck_assert_ptr_nonnull(text);
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

START_TEST(login_required_and_cleaned)
{
	struct jta_operator op;
	struct jta_error e;
	char		 longname[200];

	memset(&op, 0, sizeof(op));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_operator_login(&op, "", &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 403);
	ck_assert_str_eq(e.field, "operator");
	ck_assert_int_eq(jta_operator_login(&op, NULL, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_operator_login(&op, "ann\nfake row", &e),
	    JTA_OK);
	ck_assert_str_eq(op.login, "ann?fake row");
	ck_assert_int_eq(jta_operator_login(&op, "b\xff\xfe", &e), JTA_OK);
	ck_assert_str_eq(op.login, "b??");
	/* Cut on a character boundary: 63 'x' and a 2-byte 'é'. */
	memset(longname, 'x', 63);
	snprintf(longname + 63, sizeof(longname) - 63, "\xc3\xa9tail");
	ck_assert_int_eq(jta_operator_login(&op, longname, &e), JTA_OK);
	ck_assert_uint_eq(strlen(op.login), 63);
}
END_TEST

START_TEST(switch_message_checked_then_audited)
{
	struct fixture	 f;
	char		 big[JTA_LIMIT_POLICY_MESSAGE + 2];
	json_t		*st = NULL;

	setup(&f);
	ck_assert_int_eq(jta_operator_switch(&f.op, 0, "two\nlines", &f.e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "message");
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(jta_operator_switch(&f.op, 0, big, &f.e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(f.e.status, 422);
	ck_assert_uint_eq(count(&f, "admin:switch-off"), 0);
	ck_assert_int_eq(jta_operator_switch(&f.op, 0, "Back soon.", &f.e),
	    JTA_OK);
	audited(&f, "admin:switch-off", 200, "off: Back soon.");
	ck_assert_int_eq(jta_operator_state(&f.op, 5, &st, &f.e), JTA_OK);
	ck_assert(json_is_false(json_object_get(st, "enabled")));
	ck_assert_str_eq(json_string_value(json_object_get(st, "message")),
	    "Back soon.");
	ck_assert_str_eq(json_string_value(json_object_get(st,
	    "changed_by")), "tester");
	ck_assert_uint_eq(json_array_size(json_object_get(st, "audit")), 1);
	json_decref(st);
	/* On: the message is dropped, whatever was sent. */
	ck_assert_int_eq(jta_operator_switch(&f.op, 1, "ignored", &f.e),
	    JTA_OK);
	audited(&f, "admin:switch-on", 200, "on");
	jta_operator_close(&f.op);
}
END_TEST

START_TEST(rules_added_and_removed)
{
	struct fixture	 f;
	json_t		*r = NULL;

	setup(&f);
	ck_assert_int_eq(jta_operator_rule_add(&f.op, "deny", "colour", "red",
	    NULL, NULL, &r, &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "kind");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(jta_operator_rule_add(&f.op, "deny", "project", "sec",
	    "read", "private note", &r, &f.e), JTA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "value")),
	    "SEC");
	ck_assert_str_eq(json_string_value(json_object_get(r, "created_by")),
	    "tester");
	json_decref(r);
	/* The note is free text: never in the audit row. */
	audited(&f, "admin:rule-add", 201, "rule 1: deny project SEC for read");
	ck_assert_int_eq(jta_operator_rule_add(&f.op, "deny", "project", "SEC",
	    "read", NULL, &r, &f.e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_operator_rule_remove(&f.op, "x1", &f.e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(f.e.status, 404);
	ck_assert_str_eq(f.e.field, "id");
	ck_assert_int_eq(jta_operator_rule_remove(&f.op, "0", &f.e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_operator_rule_remove(&f.op, "1", &f.e), JTA_OK);
	audited(&f, "admin:rule-remove", 204, "rule 1 removed");
	ck_assert_int_eq(jta_operator_rule_remove(&f.op, "1", &f.e),
	    JTA_ERR_NOTFOUND);
	ck_assert_uint_eq(count(&f, "admin:rule-remove"), 1);
	jta_operator_close(&f.op);
}
END_TEST

START_TEST(quotas_set_changed_removed)
{
	struct fixture	 f;
	json_t		*q = NULL;

	setup(&f);
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "alice",
	    "calls", NULL, -1, &q, &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "limit");
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "alice",
	    "calls", NULL, JTA_LIMIT_QUOTA_MAX + 1, &q, &f.e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "alice",
	    "naps", NULL, 5, &q, &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "metric");
	/* Well-formed, but no such person: not there, still 422. */
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "nobody",
	    "calls", NULL, 5, &q, &f.e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(f.e.status, 422);
	ck_assert_str_eq(f.e.field, "person");
	ck_assert_uint_eq(count(&f, "admin:quota-set"), 0);
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "alice",
	    "calls", NULL, 5, &q, &f.e), JTA_OK);
	ck_assert(json_is_null(json_object_get(q, "previous_limit")));
	ck_assert_str_eq(json_string_value(json_object_get(q, "per")), "day");
	json_decref(q);
	audited(&f, "admin:quota-set", 200, "person alice: calls per day: 5 "
	    "(new)");
	ck_assert_int_eq(jta_operator_quota_set(&f.op, "person", "alice",
	    "calls", "day", 7, &q, &f.e), JTA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(q,
	    "previous_limit")), 5);
	json_decref(q);
	audited(&f, "admin:quota-set", 200, "person alice: calls per day: 7 "
	    "(was 5)");
	ck_assert_int_eq(jta_operator_quota_remove(&f.op, "person", "alice",
	    "calls", NULL, &q, &f.e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(q, "per")), "any");
	json_decref(q);
	audited(&f, "admin:quota-remove", 204, "person alice: calls per any");
	ck_assert_int_eq(jta_operator_quota_remove(&f.op, "person", "alice",
	    "calls", NULL, NULL, &f.e), JTA_ERR_NOTFOUND);
	jta_operator_close(&f.op);
}
END_TEST

START_TEST(people_clients_passwords)
{
	struct fixture	 f;
	const char	*good[] = { "https://chatgpt.com/aip/g-1/cb" };
	const char	*bad[] = { "http://chatgpt.com/cb",
	    "https://*.chatgpt.com/cb", "https://user@chatgpt.com/cb" };
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	char		 token[JTA_VAULT_TOKENLEN + 1];
	char		 kid[JTA_VAULT_IDLEN + 1];
	json_t		*r;
	size_t		 i;
	int		 pub = -1;

	setup(&f);
	ck_assert_int_eq(jta_operator_user_add(&f.op, "Bad Name", NULL, NULL,
	    &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "user name");
	ck_assert_int_eq(jta_operator_user_add(&f.op, "bob", NULL, "nope",
	    &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "email");
	ck_assert_int_eq(jta_operator_user_add(&f.op, "bob", NULL,
	    "bob@example.com", &f.e), JTA_OK);
	audited(&f, "admin:user-add", 201, "user bob");
	ck_assert_int_eq(jta_operator_key_create(&f.op, "bob", "ci", token,
	    kid, &f.e), JTA_OK);
	ck_assert_int_eq(strncmp(token, "jta_", 4), 0);
	audited(&f, "admin:key-create", 201, "API key for bob");
	r = rows(&f, "admin:key-create");
	ck_assert(!holds(r, kid));
	json_decref(r);
	ck_assert_int_eq(jta_operator_key_revoke(&f.op, "zz", &f.e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_operator_key_revoke(&f.op, kid, &f.e), JTA_OK);
	ck_assert_int_eq(jta_operator_password(&f.op, "bob", "short", 5,
	    &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "password");
	ck_assert_int_eq(jta_operator_password(&f.op, "bob", "pass\0word", 9,
	    &f.e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_operator_password(&f.op, "bob", "long enough pw",
	    14, &f.e), JTA_OK);
	audited(&f, "admin:password-set", 200,
	    "user bob: 0 OAuth tokens revoked");
	ck_assert_int_eq(jta_operator_password(&f.op, "bob", NULL, 0, &f.e),
	    JTA_OK);
	audited(&f, "admin:password-clear", 200,
	    "user bob: 0 OAuth tokens revoked");
	/* Issue 10, item 17: the validator of the authorization endpoint,
	 * a wildcard and a user name included. */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(jta_operator_client_add(&f.op, "GPT", &bad[i],
		    1, id, secret, &f.e), JTA_ERR_INPUT);
		ck_assert_str_eq(f.e.field, "redirect_uri");
	}
	ck_assert_int_eq(jta_operator_client_add(&f.op, "GPT", good, 0, id,
	    secret, &f.e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_operator_client_add(&f.op, "GPT", good, 1, id,
	    secret, &f.e), JTA_OK);
	r = rows(&f, "admin:client-add");
	ck_assert(!holds(r, secret));
	json_decref(r);
	ck_assert_int_eq(jta_operator_client_rotate(&f.op, id, secret, &f.e),
	    JTA_OK);
	audited(&f, "admin:client-secret-reset", 200, NULL);
	ck_assert_int_eq(jta_operator_client_remove(&f.op, "jtac_nope",
	    &f.e), JTA_ERR_INPUT);
	ck_assert_str_eq(f.e.field, "client id");
	ck_assert_int_eq(jta_store_client_public(f.op.st, id, &pub, &f.e),
	    JTA_OK);
	ck_assert_int_eq(pub, 0);
	ck_assert_int_eq(jta_operator_client_remove(&f.op, id, &f.e), JTA_OK);
	audited(&f, "admin:client-remove", 204, NULL);
	/* A public client (the chat widget): no secret, stored public. */
	ck_assert_int_eq(jta_operator_client_add(&f.op, "Chat widget", good,
	    1, id, NULL, &f.e), JTA_OK);
	ck_assert_int_eq(jta_store_client_public(f.op.st, id, &pub, &f.e),
	    JTA_OK);
	ck_assert_int_eq(pub, 1);
	audited(&f, "admin:client-add", 201, NULL);
	jta_operator_close(&f.op);
}
END_TEST

static Suite *
operator_suite(void)
{
	Suite	*s = suite_create("jta_operator");
	TCase	*tc;

	tc = tcase_create("name");
	tcase_add_test(tc, login_required_and_cleaned);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, switch_message_checked_then_audited);
	tcase_add_test(tc, rules_added_and_removed);
	tcase_add_test(tc, quotas_set_changed_removed);
	tcase_add_test(tc, people_clients_passwords);
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

static void
cleanup(void)
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
	jta_check_at_end(cleanup);
	jta_log_set_level(JTA_LOG_ERROR);
	return operator_suite();
}
