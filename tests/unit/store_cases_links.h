/*
 * The contract cases of jta_store_people.h's Atlassian links and refresh
 * lease, shared by the SQLite suite (check_store.c) and the PostgreSQL
 * one (check_store_pg.c): each includes this file after defining
 *
 *	static struct jta_store *newlinkstore(char *path, size_t pathsz,
 *	    char *tkpath, struct jta_vault **v);
 *	static struct jta_store *reopen(const char *path, char *msg,
 *	    size_t msgsz);
 *
 * newlinkstore: a new, current, empty store (path: its name) and a vault
 * with a token key file (tkpath, 600 bytes); reopen: another connection
 * to it, as another process would open it (NULL with msg on failure; it
 * may run in a forked child, so it asserts nothing).
 */
#ifndef JTA_STORE_CASES_LINKS_H
#define JTA_STORE_CASES_LINKS_H

static void
fillink(struct jta_link *l, const char *account, const char *display)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->account_id, sizeof(l->account_id), "%s", account);
	snprintf(l->cloud_id, sizeof(l->cloud_id), "%s",
	    "11111111-2222-3333-4444-555555555555");
	snprintf(l->site_url, sizeof(l->site_url), "%s",
	    "https://example.atlassian.net");
	snprintf(l->display_name, sizeof(l->display_name), "%s", display);
	snprintf(l->email, sizeof(l->email), "%s", "someone@example.com");
}

#define U(s)	((const unsigned char *)(s))

/* Link account with the given tokens (refresh may be NULL); the user. */
static int64_t
linkput(struct jta_store *st, struct jta_vault *v, const char *account,
    const char *access, const char *refresh)
{
	struct jta_link	 l;
	struct jta_user	 u;
	struct jta_error e;

	fillink(&l, account, "Ada Atlassian");
	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_link_put(st, v, &l, U(access), strlen(access),
	    jta_time_now() + 3600, refresh ? U(refresh) : NULL,
	    refresh ? strlen(refresh) : 0, &u, &e) == JTA_OK, "put: %s",
	    e.detail);
	ck_assert_int_gt(u.id, 0);
	return u.id;
}

static int
secret_is(const struct jta_secret *s, const char *want)
{
	size_t	 i, n = strlen(want);

	if (s == NULL || s->len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s->buf[i] != (unsigned char)want[i])
			return 0;
	return 1;
}

/* The access token of uid is want; returns the link. */
static struct jta_link
access_is(struct jta_store *st, struct jta_vault *v, int64_t uid,
    const char *want)
{
	struct jta_link	 l;
	struct jta_secret *tok = NULL;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_link_get(st, v, uid, &l, &tok, &e) == JTA_OK,
	    "get: %s", e.detail);
	ck_assert_msg(secret_is(tok, want), "access token is not %s", want);
	jta_secret_free(tok);
	return l;
}

static enum jta_lease_result
lease(struct jta_store *st, struct jta_vault *v, int64_t uid,
    const char *owner, int64_t now, int64_t gen, const char *want)
{
	enum jta_lease_result res;
	struct jta_secret *tok = (struct jta_secret *)&res;
	struct jta_link	 l;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_link_lease(st, v, uid, owner, now, 30, gen,
	    &res, &tok, &l, &e) == JTA_OK, "lease: %s", e.detail);
	if (want != NULL)
		ck_assert_msg(secret_is(tok, want), "lease token is not %s",
		    want);
	else
		ck_assert_ptr_null(tok);
	jta_secret_free(tok);
	return res;
}

static enum jta_err
renew(struct jta_store *st, struct jta_vault *v, int64_t uid,
    const char *owner, const char *access, const char *refresh)
{
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	return jta_store_link_renew(st, v, uid, owner, U(access),
	    strlen(access), jta_time_now() + 3600, refresh ? U(refresh) : NULL,
	    refresh ? strlen(refresh) : 0, &e);
}


START_TEST(lease_refuses_bad_owner_and_unknown_link)
{
	struct jta_store *st;
	struct jta_vault *v;
	enum jta_lease_result res;
	struct jta_secret *tok = NULL;
	struct jta_link	 l;
	struct jta_error e;
	char		 path[512], tk[600], big[JTA_LIMIT_LEASE_OWNER + 2];
	int64_t		 uid, now = jta_time_now();

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(jta_store_link_lease(st, v, uid, big, now, 30, 1,
	    &res, &tok, &l, &e), JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_store_link_lease(st, v, uid, "", now, 30, 1,
	    &res, &tok, &l, &e), JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_store_link_lease(st, v, uid, "a b", now, 30, 1,
	    &res, &tok, &l, &e), JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_store_link_lease(st, v, uid + 1, "h:1:a", now,
	    30, 1, &res, &tok, &l, &e), JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(tok);
	big[JTA_LIMIT_LEASE_OWNER] = '\0';
	ck_assert_int_eq(lease(st, v, uid, big, now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(renew_only_by_the_lease_owner)
{
	struct jta_store *st;
	struct jta_vault *v;
	char		 path[512], tk[600];
	int64_t		 uid, now = jta_time_now();

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	/* No lease at all. */
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-x", "refresh-x"),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(renew(st, v, uid, "h:1:b", "access-x", "refresh-x"),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(access_is(st, v, uid, "access-1").generation, 1);
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-2", "refresh-2"),
	    JTA_OK);
	/* Renewing twice on one lease: the second has no lease. */
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-3", "refresh-3"),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(access_is(st, v, uid, "access-2").generation, 2);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(renew_without_refresh_keeps_the_old_one)
{
	struct jta_store *st;
	struct jta_vault *v;
	char		 path[512], tk[600];
	int64_t		 uid, now = jta_time_now();

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-2", NULL), JTA_OK);
	ck_assert_int_eq(access_is(st, v, uid, "access-2").generation, 2);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 2, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-3", "refresh-3"),
	    JTA_OK);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 3, "refresh-3"),
	    JTA_LEASE_CLAIMED);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(release_lets_a_sibling_claim)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_error e;
	char		 path[512], tk[600];
	int64_t		 uid, now = jta_time_now();

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(jta_store_link_release(st, uid, "h:1:b", &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(lease(st, v, uid, "h:1:b", now, 1, NULL),
	    JTA_LEASE_BUSY);
	ck_assert_int_eq(jta_store_link_release(st, uid, "h:1:a", &e), JTA_OK);
	ck_assert_int_eq(lease(st, v, uid, "h:1:b", now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	/* Releasing keeps the tokens and the generation. */
	ck_assert_int_eq(access_is(st, v, uid, "access-1").generation, 1);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/*
 * DESIGN.md's measurement, as a test: 16 processes find one person's
 * access token expired at once.  Each asks for the lease; the one that
 * gets it "calls Atlassian" (sleeps 200 ms) and renews; the others poll
 * every 20 ms until they see the new generation.  Exactly one refresh,
 * everyone ends with the new token, and no SQLITE_BUSY escapes.
 */
#define NPROC	16
START_TEST(lease_16_processes_refresh_once)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	char		 path[512], tk[600], res[NPROC];
	int64_t		 uid, g;
	int		 go[2], out[2], i, status, claimed = 0, fresh = 0;
	pid_t		 pids[NPROC];

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "557058:busy", "access-1", "refresh-1");
	g = access_is(st, v, uid, "access-1").generation;
	jta_store_close(st);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(out), 0);
	for (i = 0; i < NPROC; i++) {
		if ((pids[i] = fork()) == 0) {
			struct jta_store *cst = NULL;
			struct jta_vault *cv;
			struct jta_secret *tok = NULL, *acc = NULL;
			struct jta_error e;
			struct jta_link	 cl;
			enum jta_lease_result r;
			char		 owner[64], c = 'X', m[1024], b;
			int		 tries;

			close(go[1]);
			close(out[0]);
			cv = samevault(tk);
			snprintf(owner, sizeof(owner), "testhost:%ld:%08x",
			    (long)getpid(), randombytes_random());
			if ((cst = reopen(path, m, sizeof(m))) == NULL)
				_exit(2);
			/* Wait until every sibling is ready. */
			if (read(go[0], &b, 1) != 0)
				_exit(3);
			for (tries = 0; tries < 1000 && c == 'X'; tries++) {
				memset(&e, 0, sizeof(e));
				if (jta_store_link_lease(cst, cv, uid, owner,
				    jta_time_now(), 30, g, &r, &tok, &cl, &e) !=
				    JTA_OK)
					_exit(e.status == 503 ? 4 : 5);
				if (r == JTA_LEASE_BUSY) {
					usleep(20 * 1000);
					continue;
				}
				if (r == JTA_LEASE_CLAIMED) {
					if (!secret_is(tok, "refresh-1"))
						_exit(6);
					usleep(200 * 1000);
					if (jta_store_link_renew(cst, cv, uid,
					    owner, U("access-2"), 8,
					    jta_time_now() + 3600,
					    U("refresh-2"), 9, &e) != JTA_OK)
						_exit(7);
					c = 'C';
				} else if (r == JTA_LEASE_FRESH) {
					if (!secret_is(tok, "access-2"))
						_exit(8);
					c = 'F';
				} else
					_exit(9);
				jta_secret_free(tok);
				tok = NULL;
			}
			/* Everyone ends with the new token. */
			if (jta_store_link_get(cst, cv, uid, &cl, &acc, &e) !=
			    JTA_OK || !secret_is(acc, "access-2"))
				_exit(10);
			if (write(out[1], &c, 1) != 1)
				_exit(11);
			_exit(c == 'X' ? 12 : 0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(go[0]);
	close(out[1]);
	close(go[1]);	/* go */
	for (i = 0; i < NPROC; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d: status %d", i, status);
	}
	ck_assert_int_eq(read(out[0], res, sizeof(res)), NPROC);
	close(out[0]);
	for (i = 0; i < NPROC; i++) {
		claimed += res[i] == 'C';
		fresh += res[i] == 'F';
	}
	ck_assert_int_eq(claimed, 1);
	ck_assert_int_eq(fresh, NPROC - 1);
	st = reopen(path, NULL, 0);
	ck_assert_ptr_nonnull(st);
	l = access_is(st, v, uid, "access-2");
	ck_assert_int_eq(l.generation, g + 1);	/* renewed exactly once */
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", jta_time_now(),
	    l.generation, "refresh-2"), JTA_LEASE_CLAIMED);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST
#endif
