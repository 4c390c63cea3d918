/*
 * The contract cases of jta_store_drafts.h (drafts, idempotency keys,
 * their submit leases and the draft attachments), shared by the SQLite
 * suite (check_store.c) and the PostgreSQL one (check_store_pg.c): each
 * includes this file after defining newstore, reopen and rowcount as
 * store_cases_codes.h says.  The cross-host cases fork 8 processes, each
 * with a connection of its own (a host), released at once through a
 * pipe.
 */
#ifndef JTA_STORE_CASES_DRAFTS_H
#define JTA_STORE_CASES_DRAFTS_H

#ifndef D0
#define D0	1800000000	/* a fixed "now" for lease arithmetic */
#endif

static void
dc_adduser(struct jta_store *st, const char *name, struct jta_user *u)
{
	struct jta_error e;
	int64_t		 id = 0;

	ck_assert_int_eq(jta_store_user_add(st, name, name, "", &id, &e),
	    JTA_OK);
	ck_assert_int_gt(id, 0);
	memset(u, 0, sizeof(*u));
	u->id = id;
}

static void
dc_put(struct jta_store *st, const struct jta_user *u, const char *id,
    const char *summary, int64_t now)
{
	struct jta_error e;
	json_t		*in = json_pack("{s:s, s:s}", "project", "DEMO",
			    "summary", summary);
	json_t		*pre = json_pack("{s:s, s:s, s:{s:i}}", "project",
			    "DEMO", "summary", summary, "_ids", "pid", 1);

	ck_assert_int_eq(jta_store_draft_put(st, u->id, id, in, pre, now, &e),
	    JTA_OK);
	json_decref(in);
	json_decref(pre);
}

static enum jta_err
dc_claim(struct jta_store *st, const struct jta_user *u, const char *id,
    int64_t rev, const char *owner, int64_t now, int64_t lease,
    struct jta_claim *c, struct jta_error *e)
{
	return jta_store_draft_claim(st, u->id, id, rev, owner,
	    "o_tokentokentokentoken", now, lease, c, e);
}

static const char *
dc_sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "%s is not a string", k);
	return v;
}

static struct jta_draft_file
dc_file(const char *name, int64_t size, const char *path)
{
	struct jta_draft_file f;

	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "%s", name);
	snprintf(f.type, sizeof(f.type), "image/png");
	f.size = size;
	snprintf(f.path, sizeof(f.path), "%s", path);
	memset(f.sha256, 'a', 64);
	return f;
}

START_TEST(draft_files_capped_listed_marked_and_collected)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_draft_file f, got[JTA_STORE_DRAFT_FILES + 2];
	struct jta_error e;
	char		 path[512], name[32];
	int64_t		 id, first;
	size_t		 n;
	int		 i;

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_put(st, &alice, "d_files", "with files", D0);
	dc_put(st, &alice, "d_other", "other", D0);
	f = dc_file("shot.png", 600, "/s/attachments/1");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_files", &f, 1000,
	    D0, &first, &e), JTA_OK);
	ck_assert(first > 0);
	/* the per-draft byte cap counts what is there already */
	f = dc_file("log.txt", 401, "/s/attachments/2");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_files", &f, 1000,
	    D0, &id, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	ck_assert_str_eq(e.field, "openaiFileIdRefs");
	ck_assert_ptr_nonnull(strstr(e.detail, "log.txt"));
	ck_assert_int_eq(id, 0);
	f = dc_file("log.txt", 400, "/s/attachments/2");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_files", &f, 1000,
	    D0, &id, &e), JTA_OK);
	/* one name once per draft; another draft may use it */
	f = dc_file("shot.png", 0, "/s/attachments/3");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_files", &f, 1000,
	    D0, &id, &e), JTA_ERR_CONFLICT);
	ck_assert_str_eq(e.field, "name");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_other", &f, 1000,
	    D0, &id, &e), JTA_OK);
	/* a name with a control byte or an empty path is refused */
	f = dc_file("bad\nname", 1, "/s/attachments/4");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_other", &f, 1000,
	    D0, &id, &e), JTA_ERR_INPUT);
	f = dc_file("nopath", 1, "");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_other", &f, 1000,
	    D0, &id, &e), JTA_ERR_INPUT);
	/* at most JTA_STORE_DRAFT_FILES files */
	for (i = 1; i < JTA_STORE_DRAFT_FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f = dc_file(name, 0, "/s/attachments/x");
		ck_assert_int_eq(jta_store_draft_file_add(st, "d_other", &f,
		    1000, D0, &id, &e), JTA_OK);
	}
	f = dc_file("one-too-many", 0, "/s/attachments/x");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_other", &f, 1000,
	    D0, &id, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	/* listed oldest first, with every member */
	ck_assert_int_eq(jta_store_draft_file_list(st, "d_files", got,
	    JTA_STORE_DRAFT_FILES, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(got[0].name, "shot.png");
	ck_assert_str_eq(got[0].type, "image/png");
	ck_assert_int_eq(got[0].size, 600);
	ck_assert_str_eq(got[0].path, "/s/attachments/1");
	ck_assert_uint_eq(strlen(got[0].sha256), 64);
	ck_assert_int_eq(got[0].uploaded, 0);
	ck_assert_str_eq(got[1].name, "log.txt");
	/* uploaded is set once and stays */
	ck_assert_int_eq(jta_store_draft_file_uploaded(st, "d_files", first,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_file_uploaded(st, "d_files", first,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_file_uploaded(st, "d_other", first,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_draft_file_list(st, "d_files", got,
	    JTA_STORE_DRAFT_FILES, &n, &e), JTA_OK);
	ck_assert_int_eq(got[0].uploaded, 1);
	ck_assert_int_eq(got[1].uploaded, 0);
	/* nothing to collect while both drafts live */
	ck_assert_int_eq(jta_store_draft_file_gc(st, got, 4, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 0);
	/* a discarded draft's files are collected, a bounded batch at a
	 * time, and only once */
	ck_assert_int_eq(jta_store_draft_discard(st, alice.id, "d_other", D0,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_file_gc(st, got, 4, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(got[0].name, "shot.png");
	ck_assert_str_eq(got[0].path, "/s/attachments/3");
	ck_assert_int_eq(jta_store_draft_file_gc(st, got,
	    JTA_STORE_DRAFT_FILES + 2, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, JTA_STORE_DRAFT_FILES - 4);
	ck_assert_int_eq(jta_store_draft_file_gc(st, got, 4, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(jta_store_draft_file_list(st, "d_files", got,
	    JTA_STORE_DRAFT_FILES, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 2);
	/* an expired draft's files go once the draft is purged */
	dc_put(st, &alice, "d_later", "later", D0 + JTA_STORE_DRAFT_TTL);
	ck_assert_int_eq(jta_store_draft_file_gc(st, got, 4, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(got[1].name, "log.txt");
	jta_store_close(st);
}
END_TEST

START_TEST(draft_put_get_edit_only_by_its_owner)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_draft d;
	struct jta_error e;
	char		 path[512];
	json_t		*in;

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_adduser(st, "bob", &bob);
	dc_put(st, &alice, "d_a", "first", D0);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_a", D0, &d, &e),
	    JTA_OK);
	ck_assert_int_eq(d.revision, 1);
	ck_assert_str_eq(d.status, "ready");
	ck_assert_str_eq(dc_sget(d.input, "summary"), "first");
	ck_assert_ptr_nonnull(json_object_get(d.preview, "_ids"));
	ck_assert(d.expires == D0 + JTA_STORE_DRAFT_TTL);
	jta_store_draft_clear(&d);
	/* Another user's draft is a draft that does not exist. */
	ck_assert_int_eq(jta_store_draft_get(st, bob.id, "d_a", D0, &d, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	ck_assert_str_eq(e.field, "id");
	in = json_pack("{s:s, s:s}", "project", "DEMO", "summary", "second");
	ck_assert_int_eq(jta_store_draft_edit(st, bob.id, "d_a", 1, in, in,
	    D0 + 1, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_draft_edit(st, alice.id, "d_a", 1, in, in,
	    D0 + 1, &e), JTA_OK);
	/* An edit made from a stale read is refused. */
	ck_assert_int_eq(jta_store_draft_edit(st, alice.id, "d_a", 1, in, in,
	    D0 + 2, &e), JTA_ERR_CONFLICT);
	ck_assert_str_eq(e.field, "revision");
	json_decref(in);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_a", D0 + 1, &d,
	    &e), JTA_OK);
	ck_assert_int_eq(d.revision, 2);
	ck_assert_str_eq(dc_sget(d.input, "summary"), "second");
	ck_assert(d.expires == D0 + 1 + JTA_STORE_DRAFT_TTL);
	jta_store_draft_clear(&d);
	/* Expired: gone for everyone, and purged by the next put. */
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_a",
	    D0 + 1 + JTA_STORE_DRAFT_TTL, &d, &e), JTA_ERR_NOTFOUND);
	dc_put(st, &alice, "d_b", "later", D0 + 2 + JTA_STORE_DRAFT_TTL);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts"), 1);
	/* An id given twice is a conflict (ids are random). */
	in = json_pack("{}");
	ck_assert_int_eq(jta_store_draft_put(st, alice.id, "d_b", in, in,
	    D0 + 3 + JTA_STORE_DRAFT_TTL, &e), JTA_ERR_CONFLICT);
	json_decref(in);
	jta_store_close(st);
}
END_TEST

START_TEST(draft_claim_submit_then_done_repeats)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_claim c;
	struct jta_draft d;
	struct jta_error e;
	char		 path[512];
	json_t		*res, *in;

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_put(st, &alice, "d_s", "submit me", D0);
	ck_assert_int_eq(dc_claim(st, &alice, "d_s", 2, "A", D0, 30, &c, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_str_eq(e.field, "revision");
	ck_assert_int_eq(dc_claim(st, &alice, "d_s", 1, "A", D0, 30, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	ck_assert_str_eq(c.token, "o_tokentokentokentoken");
	ck_assert(c.attempt_at == D0);
	ck_assert_str_eq(dc_sget(c.prepared, "summary"), "submit me");
	jta_store_claim_clear(&c);
	/* While A holds it: B is told to wait, and nobody may edit. */
	ck_assert_int_eq(dc_claim(st, &alice, "d_s", 1, "B", D0 + 3, 30, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_BUSY);
	ck_assert(c.lease_left == 27);
	in = json_pack("{}");
	ck_assert_int_eq(jta_store_draft_edit(st, alice.id, "d_s", 1, in, in,
	    D0 + 3, &e), JTA_ERR_CONFLICT);
	json_decref(in);
	res = json_pack("{s:s, s:{s:s, s:s}}", "draft", "d_s", "issue",
	    "key", "DEMO-7", "url", "http://x/api/issues/DEMO-7");
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_DRAFT, alice.id,
	    "d_s", "B", 201, res, D0 + 4, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_DRAFT, alice.id,
	    "d_s", "A", 201, res, D0 + 4, &e), JTA_OK);
	ck_assert_int_eq(dc_claim(st, &alice, "d_s", 1, "B", D0 + 5, 30, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_DONE);
	ck_assert_int_eq(c.status, 200);
	ck_assert(json_equal(c.result, res));
	jta_store_claim_clear(&c);
	json_decref(res);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_s", D0 + 5, &d,
	    &e), JTA_OK);
	ck_assert_str_eq(d.status, "submitted");
	ck_assert(d.expires == D0 + 4 + JTA_STORE_SUBMITTED_TTL);
	jta_store_draft_clear(&d);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts WHERE "
	    "issue_key = 'DEMO-7'"), 1);
	/* Kept 7 days, not 24 hours. */
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_s",
	    D0 + 2 * 86400, &d, &e), JTA_OK);
	jta_store_draft_clear(&d);
	jta_store_close(st);
}
END_TEST

START_TEST(draft_discard_only_ready_and_only_its_owners)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_claim c;
	struct jta_draft d;
	struct jta_error e;
	char		 path[512];

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_adduser(st, "bob", &bob);
	dc_put(st, &alice, "d_x", "discard me", D0);
	dc_put(st, &alice, "d_y", "submit me", D0);
	/* Another user's draft is one that does not exist. */
	ck_assert_int_eq(jta_store_draft_discard(st, bob.id, "d_x", D0 + 1,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	ck_assert_int_eq(jta_store_draft_discard(st, alice.id, "d_x", D0 + 1,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_x", D0 + 1, &d,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_draft_discard(st, alice.id, "d_x", D0 + 2,
	    &e), JTA_ERR_NOTFOUND);
	/* A discarded draft cannot be claimed: nothing is ever sent. */
	ck_assert_int_eq(dc_claim(st, &alice, "d_x", 1, "A", D0 + 2, 60, &c, &e),
	    JTA_ERR_NOTFOUND);
	/* A claimed draft is not discarded, and its lease stays whole. */
	ck_assert_int_eq(dc_claim(st, &alice, "d_y", 1, "A", D0 + 2, 60, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	ck_assert_int_eq(jta_store_draft_discard(st, alice.id, "d_y", D0 + 3,
	    &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 409);
	ck_assert_str_eq(e.field, "id");
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts WHERE "
	    "id = 'd_y' AND lease_owner = 'A'"), 1);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts WHERE "
	    "once_token = 'o_tokentokentokentoken' AND status = "
	    "'submitting'"), 1);
	/* Expired drafts read as missing. */
	dc_put(st, &alice, "d_z", "old", D0);
	ck_assert_int_eq(jta_store_draft_discard(st, alice.id, "d_z",
	    D0 + JTA_STORE_DRAFT_TTL, &e), JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

START_TEST(draft_lease_ran_out_is_taken_over)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_claim c;
	struct jta_error e;
	char		 path[512];
	json_t		*res;

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_put(st, &alice, "d_c", "crash", D0);
	ck_assert_int_eq(dc_claim(st, &alice, "d_c", 1, "A", D0, 10, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	/* A crashed: its lease runs out and B takes over, with A's token
	 * (not the fresh one B offers) and A's attempt time. */
	ck_assert_int_eq(jta_store_draft_claim(st, alice.id, "d_c", 1, "B",
	    "o_bbbbbbbbbbbbbbbbbbbbbb", D0 + 11, 10, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_RESUME);
	ck_assert_str_eq(c.token, "o_tokentokentokentoken");
	ck_assert(c.attempt_at == D0);
	ck_assert(c.since == D0);
	ck_assert_ptr_nonnull(c.prepared);
	jta_store_claim_clear(&c);
	/* A's late answer is refused: the lease is B's now. */
	res = json_pack("{s:s, s:{s:s}}", "draft", "d_c", "issue", "key",
	    "DEMO-1");
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_DRAFT, alice.id,
	    "d_c", "A", 201, res, D0 + 12, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_once_attempt(st, JTA_ONCE_DRAFT, alice.id,
	    "d_c", "A", D0 + 12, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_once_attempt(st, JTA_ONCE_DRAFT, alice.id,
	    "d_c", "B", D0 + 12, &e), JTA_OK);
	ck_assert_int_eq(rowcount(path, "SELECT attempt_at - 1800000000 FROM "
	    "drafts"), 12);
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_DRAFT, alice.id,
	    "d_c", "B", 201, res, D0 + 13, &e), JTA_OK);
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(draft_release_unknown_resumes_definite_goes_ready)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_claim c;
	struct jta_draft d;
	struct jta_error e;
	char		 path[512];

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_put(st, &alice, "d_r", "release", D0);
	ck_assert_int_eq(dc_claim(st, &alice, "d_r", 1, "A", D0, 60, &c, &e),
	    JTA_OK);
	jta_store_claim_clear(&c);
	/* The answer was lost: the next claim, even at once, resumes. */
	ck_assert_int_eq(jta_store_once_release(st, JTA_ONCE_DRAFT, alice.id,
	    "d_r", "A", 1, &e), JTA_OK);
	ck_assert_int_eq(jta_store_once_release(st, JTA_ONCE_DRAFT, alice.id,
	    "d_r", "A", 1, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_r", D0 + 1, &d,
	    &e), JTA_OK);
	ck_assert_str_eq(d.status, "submitting");
	jta_store_draft_clear(&d);
	ck_assert_int_eq(dc_claim(st, &alice, "d_r", 1, "B", D0 + 1, 60, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_RESUME);
	ck_assert(c.attempt_at == D0);
	jta_store_claim_clear(&c);
	/* Refused for good: ready again, no attempt left. */
	ck_assert_int_eq(jta_store_once_release(st, JTA_ONCE_DRAFT, alice.id,
	    "d_r", "B", 0, &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_r", D0 + 2, &d,
	    &e), JTA_OK);
	ck_assert_str_eq(d.status, "ready");
	jta_store_draft_clear(&d);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts WHERE "
	    "attempt_at IS NULL AND lease_owner IS NULL"), 1);
	ck_assert_int_eq(dc_claim(st, &alice, "d_r", 1, "C", D0 + 3, 60, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	jta_store_close(st);
}
END_TEST

START_TEST(idem_claim_states)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_claim c;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];
	char		 path[512];
	json_t		*res;

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	dc_adduser(st, "bob", &bob);
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h1, "A",
	    "o_aaaaaaaaaaaaaaaaaaaaaa", D0, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	ck_assert_str_eq(c.token, "o_aaaaaaaaaaaaaaaaaaaaaa");
	jta_store_claim_clear(&c);
	/* Keys are per person. */
	ck_assert_int_eq(jta_store_idem_claim(st, bob.id, "k", h2, "B",
	    "o_bbbbbbbbbbbbbbbbbbbbbb", D0, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h1, "B",
	    "o_bbbbbbbbbbbbbbbbbbbbbb", D0 + 1, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_BUSY);
	ck_assert(c.lease_left == 29);
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h2, "B",
	    "o_bbbbbbbbbbbbbbbbbbbbbb", D0 + 1, 30, &c, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 422);
	ck_assert_str_eq(e.field, "Idempotency-Key");
	/* A crashed: B takes over with A's token. */
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h1, "B",
	    "o_bbbbbbbbbbbbbbbbbbbbbb", D0 + 31, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_RESUME);
	ck_assert_str_eq(c.token, "o_aaaaaaaaaaaaaaaaaaaaaa");
	ck_assert(c.attempt_at == D0 && c.since == D0);
	jta_store_claim_clear(&c);
	res = json_pack("{s:s}", "key", "DEMO-3");
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_IDEM, alice.id, "k",
	    "A", 201, res, D0 + 32, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_once_done(st, JTA_ONCE_IDEM, alice.id, "k",
	    "B", 201, res, D0 + 32, &e), JTA_OK);
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h1, "C",
	    "o_cccccccccccccccccccccc", D0 + 40, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_DONE);
	ck_assert_int_eq(c.status, 201);
	ck_assert(json_equal(c.result, res));
	jta_store_claim_clear(&c);
	json_decref(res);
	/* Refused for good: the row goes, a repeat starts afresh. */
	ck_assert_int_eq(jta_store_once_release(st, JTA_ONCE_IDEM, bob.id, "k",
	    "B", 0, &e), JTA_OK);
	ck_assert_int_eq(jta_store_idem_claim(st, bob.id, "k", h1, "D",
	    "o_dddddddddddddddddddddd", D0 + 41, 30, &c, &e), JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	/* After 24 h the key is new again: its old row is replaced (bob's,
	 * younger, stays). */
	ck_assert_int_eq(jta_store_idem_claim(st, alice.id, "k", h2, "E",
	    "o_eeeeeeeeeeeeeeeeeeeeee", D0 + JTA_STORE_IDEM_TTL, 30, &c, &e),
	    JTA_OK);
	ck_assert_int_eq(c.res, JTA_CLAIM_NEW);
	jta_store_claim_clear(&c);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM "
	    "idempotency_keys"), 2);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM idempotency_keys "
	    "WHERE once_token = 'o_aaaaaaaaaaaaaaaaaaaaaa'"), 0);
	jta_store_close(st);
}
END_TEST

/* Read the 1-byte outcomes of 8 hosts from fd until they close it, wait
 * for them (each must exit 0), and count each outcome in n[256]. */
static void
dc_gather(int fd, const pid_t *pids, int *n)
{
	char	 c;
	int	 i, status;

	memset(n, 0, 256 * sizeof(*n));
	while (read(fd, &c, 1) == 1)
		n[(unsigned char)c]++;
	close(fd);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
}

/*
 * Eight hosts submit each of 20 drafts at once (a GPT retrying a submit
 * behind a load balancer): each host claims the draft and, when its claim
 * is NEW, "creates" the ticket and records the answer.  Exactly one claim
 * of each draft is NEW; the others are told to wait (BUSY) or get the
 * recorded answer (DONE).  Fails when the claim reads the draft without
 * the lock its write is made under (PostgreSQL: SELECT without FOR
 * UPDATE), so two hosts both see it ready.
 */
START_TEST(draft_submit_8_hosts_at_once_one_wins)
{
	struct jta_store *st;
	struct jta_user	 alice;
	char		 path[512], id[16], go;
	pid_t		 pids[8];
	int		 i, k, fd[2], rfd[2], n[256];

	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	for (k = 0; k < 20; k++) {
		snprintf(id, sizeof(id), "d_h%02d", k);
		dc_put(st, &alice, id, "one ticket", D0);
	}
	jta_store_close(st);
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(pipe(rfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct jta_store *h;
			struct jta_claim c;
			struct jta_error e;
			char		 owner[16];
			json_t		*res;
			enum jta_err	 rc;

			close(fd[1]);
			close(rfd[0]);
			snprintf(owner, sizeof(owner), "host%d", i);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 20; k++) {
				snprintf(id, sizeof(id), "d_h%02d", k);
				memset(&e, 0, sizeof(e));
				rc = jta_store_draft_claim(h, alice.id, id, 1,
				    owner, "o_tokentokentokentoken", D0 + 1,
				    600, &c, &e);
				go = rc != JTA_OK ? 'E' :
				    c.res == JTA_CLAIM_NEW ? 'N' :
				    c.res == JTA_CLAIM_BUSY ? 'b' :
				    c.res == JTA_CLAIM_DONE ? 'd' : '?';
				jta_store_claim_clear(&c);
				if (go == 'N') {
					res = json_pack("{s:s, s:{s:s}}",
					    "draft", id, "issue", "key", id);
					rc = jta_store_once_done(h,
					    JTA_ONCE_DRAFT, alice.id, id,
					    owner, 201, res, D0 + 2, &e);
					json_decref(res);
					if (rc != JTA_OK)
						go = 'L';	/* lost */
				}
				if (write(rfd[1], &go, 1) != 1)
					_exit(6);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	close(rfd[1]);
	dc_gather(rfd[0], pids, n);
	ck_assert_msg(n['N'] == 20 && n['L'] == 0 && n['E'] == 0 &&
	    n['b'] + n['d'] == 7 * 20, "20 drafts: %d claims NEW and kept, "
	    "%d NEW then lost, %d failed, %d busy, %d done", n['N'], n['L'],
	    n['E'], n['b'], n['d']);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM drafts WHERE "
	    "status = 'submitted' AND issue_key = id AND lease_owner IS "
	    "NULL"), 20);
}
END_TEST

/*
 * Eight hosts send each of 20 requests with the same Idempotency-Key at
 * once: exactly one claim of each key is NEW (and records its answer);
 * then a host that was not the winner replays each key and gets the
 * answer recorded on the other host, and a different request under the
 * key is refused.  Fails without the key's lock (PostgreSQL: the
 * advisory lock taken before the read), when two hosts both find no row.
 */
START_TEST(idem_key_8_hosts_at_once_one_wins_then_replays)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_claim c;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];
	char		 path[512], key[16], go;
	pid_t		 pids[8];
	int		 i, k, fd[2], rfd[2], n[256];

	memset(h1, 0x51, sizeof(h1));
	memset(h2, 0x52, sizeof(h2));
	st = newstore(path, sizeof(path));
	dc_adduser(st, "alice", &alice);
	jta_store_close(st);
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(pipe(rfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct jta_store *h;
			char		 owner[16];
			json_t		*res;
			enum jta_err	 rc;

			close(fd[1]);
			close(rfd[0]);
			snprintf(owner, sizeof(owner), "host%d", i);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 20; k++) {
				snprintf(key, sizeof(key), "k%02d", k);
				memset(&e, 0, sizeof(e));
				rc = jta_store_idem_claim(h, alice.id, key,
				    h1, owner, "o_aaaaaaaaaaaaaaaaaaaaaa",
				    D0 + 1, 600, &c, &e);
				go = rc != JTA_OK ? 'E' :
				    c.res == JTA_CLAIM_NEW ? 'N' :
				    c.res == JTA_CLAIM_BUSY ? 'b' :
				    c.res == JTA_CLAIM_DONE ? 'd' : '?';
				jta_store_claim_clear(&c);
				if (go == 'N') {
					res = json_pack("{s:s}", "key", key);
					rc = jta_store_once_done(h,
					    JTA_ONCE_IDEM, alice.id, key,
					    owner, 201, res, D0 + 2, &e);
					json_decref(res);
					if (rc != JTA_OK)
						go = 'L';	/* lost */
				}
				if (write(rfd[1], &go, 1) != 1)
					_exit(6);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	close(rfd[1]);
	dc_gather(rfd[0], pids, n);
	ck_assert_msg(n['N'] == 20 && n['L'] == 0 && n['E'] == 0 &&
	    n['b'] + n['d'] == 7 * 20, "20 keys: %d claims NEW and kept, "
	    "%d NEW then lost, %d failed, %d busy, %d done", n['N'], n['L'],
	    n['E'], n['b'], n['d']);
	/* Replayed on another host: the answer recorded, not a create. */
	st = reopen(path, NULL, 0);
	ck_assert_ptr_nonnull(st);
	for (k = 0; k < 20; k++) {
		snprintf(key, sizeof(key), "k%02d", k);
		ck_assert_int_eq(jta_store_idem_claim(st, alice.id, key, h1,
		    "replayer", "o_rrrrrrrrrrrrrrrrrrrrrr", D0 + 3, 600, &c,
		    &e), JTA_OK);
		ck_assert_int_eq(c.res, JTA_CLAIM_DONE);
		ck_assert_int_eq(c.status, 201);
		ck_assert_str_eq(dc_sget(c.result, "key"), key);
		jta_store_claim_clear(&c);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_store_idem_claim(st, alice.id, key, h2,
		    "replayer", "o_rrrrrrrrrrrrrrrrrrrrrr", D0 + 3, 600, &c,
		    &e), JTA_ERR_INPUT);
		ck_assert_int_eq(e.status, 422);
	}
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM "
	    "idempotency_keys WHERE status = 'done' AND once_token = "
	    "'o_aaaaaaaaaaaaaaaaaaaaaa'"), 20);
	jta_store_close(st);
}
END_TEST

#endif
