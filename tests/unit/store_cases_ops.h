/*
 * The contract cases of jta_store_ops.h's switch and rules, shared by
 * the SQLite suite (check_store.c) and the PostgreSQL one
 * (check_store_pg.c): each includes this file where its cases go, after
 * defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 *
 * which returns a new, current, empty store (path: its name).
 */
#ifndef JTA_STORE_CASES_OPS_H
#define JTA_STORE_CASES_OPS_H

START_TEST(policy_switch_and_generation)
{
	struct jta_store *st;
	struct jta_store_policy p, q;
	struct jta_error e;
	char		 path[512];

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_policy_get(st, &p, &e), JTA_OK);
	ck_assert_int_eq(p.enabled, 1);
	ck_assert_str_eq(p.message, "");
	ck_assert(p.changed_at == 0);
	ck_assert_int_eq(jta_store_policy_set(st, 0, "back soon", 1000, "ops",
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_policy_get(st, &q, &e), JTA_OK);
	ck_assert_int_eq(q.enabled, 0);
	ck_assert_str_eq(q.message, "back soon");
	ck_assert_str_eq(q.changed_by, "ops");
	ck_assert(q.changed_at == 1000);
	ck_assert(q.generation == p.generation + 1);
	ck_assert_int_eq(jta_store_policy_set(st, 1, NULL, 1001, "ops", &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_policy_get(st, &p, &e), JTA_OK);
	ck_assert_int_eq(p.enabled, 1);
	ck_assert_str_eq(p.message, "");
	ck_assert(p.generation == q.generation + 1);
	jta_store_close(st);
}
END_TEST

START_TEST(policy_rules_add_list_remove_bump_generation)
{
	struct jta_store *st;
	struct jta_store_policy p, q;
	struct jta_store_rule r, out[4];
	struct jta_error e;
	char		 path[512];
	int64_t		 id1 = 0, id2 = 0, n = -1;
	size_t		 got = 0;

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(jta_store_policy_get(st, &p, &e), JTA_OK);
	snprintf(r.effect, sizeof(r.effect), "deny");
	snprintf(r.kind, sizeof(r.kind), "project");
	snprintf(r.value, sizeof(r.value), "SEC");
	snprintf(r.scope, sizeof(r.scope), "read");
	snprintf(r.note, sizeof(r.note), "why");
	ck_assert_int_eq(jta_store_rule_add(st, &r, 50, "ops", &id1, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_rule_add(st, &r, 51, "ops", &id2, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 409);
	snprintf(r.effect, sizeof(r.effect), "allow");
	ck_assert_int_eq(jta_store_rule_add(st, &r, 52, "ops", &id2, &e),
	    JTA_OK);
	ck_assert(id2 > id1);
	/* A kind the schema does not know is refused by its CHECK. */
	snprintf(r.kind, sizeof(r.kind), "colour");
	ck_assert_int_ne(jta_store_rule_add(st, &r, 53, "ops", &id2, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_policy_get(st, &q, &e), JTA_OK);
	ck_assert(q.generation == p.generation + 2);
	/* The switch's own time and author are not a rule's. */
	ck_assert(q.changed_at == 0);
	ck_assert_int_eq(jta_store_rule_list(st, out, 4, &got, &e), JTA_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert(out[0].id == id1);
	ck_assert_str_eq(out[0].effect, "deny");
	ck_assert_str_eq(out[0].created_by, "ops");
	ck_assert_str_eq(out[0].note, "why");
	ck_assert(out[0].created == 50);
	ck_assert_int_eq(jta_store_rule_list(st, out, 1, &got, &e),
	    JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_store_rule_remove(st, id1, &e), JTA_OK);
	ck_assert_int_eq(jta_store_rule_remove(st, id1, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	ck_assert_int_eq(jta_store_rule_count(st, &n, &e), JTA_OK);
	ck_assert(n == 1);
	ck_assert_int_eq(jta_store_policy_get(st, &p, &e), JTA_OK);
	ck_assert(p.generation == q.generation + 1);
	jta_store_close(st);
}
END_TEST

#endif
