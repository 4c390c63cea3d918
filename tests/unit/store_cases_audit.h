/*
 * The contract cases of jta_store_ops.h's audit log, shared by the SQLite
 * suite (check_store.c) and the PostgreSQL one (check_store_pg.c): each
 * includes this file after defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 */
#ifndef JTA_STORE_CASES_AUDIT_H
#define JTA_STORE_CASES_AUDIT_H

static void
audit(struct jta_store *st, int64_t when, const char *who,
    const char *action, const char *key, int status)
{
	struct jta_audit_event ev;
	struct jta_error e;

	memset(&ev, 0, sizeof(ev));
	memset(&e, 0, sizeof(e));
	ev.when = when;
	ev.who = who;
	ev.action = action;
	ev.issue_key = key;
	ev.endpoint = "issue";
	ev.status = status;
	ck_assert_msg(jta_audit_write(st, &ev, &e) == JTA_OK, "%s", e.detail);
}

static size_t
nrows(struct jta_store *st, const struct jta_audit_filter *f)
{
	struct jta_error e;
	json_t		*rows = NULL;
	size_t		 n;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_audit_query(st, f, &rows, &e), JTA_OK);
	n = json_array_size(rows);
	json_decref(rows);
	return n;
}

START_TEST(audit_write_and_filters)
{
	struct jta_store *st;
	struct jta_audit_filter f;
	struct jta_user	 alice;
	struct jta_error e;
	json_t		*rows = NULL;
	char		 path[512];
	int64_t		 now = jta_time_now();

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice",
	    "alice@example.com", &alice.id, &e), JTA_OK);
	audit(st, now - 300, "alice", "create", "OPS-1", 201);
	audit(st, now - 200, "alice", "comment", "OPS-1", 201);
	audit(st, now - 100, "bob", "edit", "OPS-2", 403);
	audit(st, now, "bob", "sign-in", NULL, 302);
	memset(&f, 0, sizeof(f));
	ck_assert_uint_eq(nrows(st, &f), 4);
	ck_assert_int_eq(jta_store_audit_query(st, &f, &rows, &e), JTA_OK);
	/* Newest first, every column. */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    rows, 0), "action")), "sign-in");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    rows, 3), "issue_key")), "OPS-1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 1), "status")), 403);
	json_decref(rows);
	f.person = "alice";
	ck_assert_uint_eq(nrows(st, &f), 2);
	f.person = "ALICE@example.com";	/* the user's email, any case */
	ck_assert_uint_eq(nrows(st, &f), 2);
	f.person = "nobody@example.com";
	ck_assert_uint_eq(nrows(st, &f), 0);
	f.person = NULL;
	f.ticket = "OPS-1";
	ck_assert_uint_eq(nrows(st, &f), 2);
	f.action = "comment";
	ck_assert_uint_eq(nrows(st, &f), 1);
	f.ticket = NULL;
	f.action = NULL;
	f.from = now - 200;
	ck_assert_uint_eq(nrows(st, &f), 3);
	f.to = now;		/* the end is open: now itself is out */
	ck_assert_uint_eq(nrows(st, &f), 2);
	f.from = f.to = 0;
	f.limit = 3;
	ck_assert_uint_eq(nrows(st, &f), 3);
	jta_store_close(st);
}
END_TEST

START_TEST(audit_write_refuses_bad_fields_and_cleans_detail)
{
	struct jta_store *st;
	struct jta_audit_event ev;
	struct jta_audit_filter f;
	struct jta_error e;
	json_t		*rows = NULL;
	char		 path[512], longd[400];
	const char	*d;

	st = newstore(path, sizeof(path));
	memset(&ev, 0, sizeof(ev));
	ev.who = "";
	ev.action = "edit";
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "who");
	ev.who = "alice";
	ev.action = NULL;
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "action");
	ev.action = "edit";
	ev.issue_key = "OPS-1\r\nforged";
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "issue_key");
	ev.issue_key = "OPS-1";
	ev.site = "\xff\xfe";
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "site");
	ev.site = NULL;
	ev.status = 1000;
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "status");
	ev.status = 200;
	/* A long detail ending in a two-byte character that straddles the
	 * cut, with a newline: cut before it, the newline a '?'. */
	memset(longd, 'a', sizeof(longd));
	longd[0] = '\n';
	longd[JTA_AUDIT_DETAIL_MAX - 1] = (char)0xc3;
	longd[JTA_AUDIT_DETAIL_MAX] = (char)0xa9;
	longd[sizeof(longd) - 1] = '\0';
	ev.detail = longd;
	ck_assert_int_eq(jta_audit_write(st, &ev, &e), JTA_OK);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(jta_store_audit_query(st, &f, &rows, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(rows), 1);
	d = json_string_value(json_object_get(json_array_get(rows, 0),
	    "detail"));
	ck_assert_uint_eq(strlen(d), JTA_AUDIT_DETAIL_MAX - 1);
	ck_assert_int_eq(d[0], '?');
	ck_assert_int_eq(d[1], 'a');
	json_decref(rows);
	jta_store_close(st);
}
END_TEST

#endif
