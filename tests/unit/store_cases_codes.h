/*
 * The contract cases of jta_store_authz.h's authorization codes (put,
 * and take inside the caller's transaction) and token families (pairs,
 * rotation, the grace rule's primitives, revocation), the sign-in
 * lockout and a person's grants, shared by the
 * SQLite suite (check_store.c) and the PostgreSQL one
 * (check_store_pg.c): each
 * includes this file after defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 *	static struct jta_store *reopen(const char *path, char *msg,
 *	    size_t msgsz);
 *	static long rowcount(const char *path, const char *q);
 *
 * newstore and reopen as store_cases_meta.h says; rowcount: the first
 * column of the first row of query q on the store at path.
 */
#ifndef JTA_STORE_CASES_CODES_H
#define JTA_STORE_CASES_CODES_H

/* A store with one person (*uid) and the code of tag for client "c1". */
static struct jta_store *
codestore(char *path, size_t pathsz, int64_t *uid, unsigned char tag)
{
	struct jta_store *st;
	struct jta_store_code c;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];

	st = newstore(path, pathsz);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_add(st, "carol", "Carol", "", uid,
	    &e), JTA_OK);
	memset(h, tag, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = "c1";
	c.user_id = *uid;
	c.redirect_uri = "https://chat.example/cb";
	c.challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
	c.scope = "tickets";
	c.expires = 1060;
	c.audience = "mcp";
	ck_assert_int_eq(jta_store_code_put(st, h, &c, 1000, &e), JTA_OK);
	return st;
}

START_TEST(code_put_take_rollback_commit_reuse)
{
	struct jta_store *st;
	struct jta_store_code c;
	struct jta_store_code_row row;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];
	int64_t		 uid;

	st = codestore(path, sizeof(path), &uid, 0x01);
	memset(h, 0x01, sizeof(h));
	memset(&e, 0, sizeof(e));
	/* Taken and rolled back: still unused. */
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e), JTA_OK);
	ck_assert_int_eq(row.used, 0);
	ck_assert_str_eq(row.client_id, "c1");
	ck_assert_str_eq(row.redirect_uri, "https://chat.example/cb");
	ck_assert_int_eq(row.has_challenge, 1);
	ck_assert_str_eq(row.challenge,
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	ck_assert_str_eq(row.scope, "tickets");
	ck_assert_str_eq(row.audience, "mcp");
	ck_assert(row.user_id == uid && row.expires == 1060);
	jta_db_rollback(st);
	/* Taken and committed: every later take sees it used, with the
	 * grant still readable (the caller revokes what it issued). */
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e), JTA_OK);
	ck_assert_int_eq(row.used, 0);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e), JTA_OK);
	ck_assert_int_eq(row.used, 1);
	ck_assert_str_eq(row.client_id, "c1");
	ck_assert(row.user_id == uid);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	/* A code without a challenge, default audience. */
	memset(h, 0x02, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = "c1";
	c.user_id = uid;
	c.redirect_uri = "https://chat.example/cb";
	c.scope = "";
	c.expires = 1060;
	ck_assert_int_eq(jta_store_code_put(st, h, &c, 1000, &e), JTA_OK);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e), JTA_OK);
	ck_assert_int_eq(row.has_challenge, 0);
	ck_assert_str_eq(row.audience, "api");
	jta_db_rollback(st);
	/* The same code twice is refused. */
	ck_assert_int_ne(jta_store_code_put(st, h, &c, 1000, &e), JTA_OK);
	/* Codes expired over a day ago are purged by the next put. */
	memset(h, 0x03, sizeof(h));
	ck_assert_int_eq(jta_store_code_put(st, h, &c, 1060 + 86401, &e),
	    JTA_OK);
	memset(h, 0x02, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e),
	    JTA_ERR_NOTFOUND);
	jta_db_rollback(st);
	/* An unknown code. */
	memset(h, 0x7f, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	jta_db_rollback(st);
	/* Rollback with no transaction open is a no-op. */
	jta_db_rollback(st);
	jta_store_close(st);
}
END_TEST

/*
 * Eight hosts redeem one code at once, 20 rounds (a new code each): in
 * each round exactly one takes it unused and commits; the others see it
 * used.  Each holds its transaction open a moment after the take, as
 * jta_authz_code_redeem does while it stores the tokens, so the hosts
 * overlap.  Fails without the row lock (a SELECT then an UPDATE at READ
 * COMMITTED lets two hosts read it unused).
 */
START_TEST(code_take_8_hosts_at_once_one_wins)
{
	struct jta_store *st, *h;
	struct jta_store_code c;
	struct jta_store_code_row row;
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 path[512], go;
	pid_t		 pids[8];
	int		 i, k, status, fd[2], rfd[2], won, total = 0;
	int64_t		 uid;
	ssize_t		 got;

	st = codestore(path, sizeof(path), &uid, 0x01);
	memset(&c, 0, sizeof(c));
	c.client_id = "c1";
	c.user_id = uid;
	c.redirect_uri = "https://chat.example/cb";
	c.scope = "tickets";
	c.expires = 1060;
	memset(&e, 0, sizeof(e));
	for (k = 0; k < 20; k++) {
		memset(hash, 0x10 + k, sizeof(hash));
		ck_assert_int_eq(jta_store_code_put(st, hash, &c, 1000, &e),
		    JTA_OK);
	}
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(pipe(rfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			close(rfd[0]);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 20; k++) {
				memset(hash, 0x10 + k, sizeof(hash));
				memset(&e, 0, sizeof(e));
				if (jta_db_begin(h, &e) != JTA_OK ||
				    jta_store_code_take(h, hash, &row, &e) !=
				    JTA_OK)
					_exit(4);
				usleep(20000);
				if (jta_db_commit(h, &e) != JTA_OK)
					_exit(5);
				go = row.used ? 'u' : 'W';
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
	won = 0;
	while ((got = read(rfd[0], &go, 1)) == 1) {
		total++;
		won += go == 'W';
	}
	close(rfd[0]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	ck_assert_int_eq(total, 8 * 20);
	/* one winner per code, 20 codes */
	ck_assert_int_eq(won, 20);
	jta_store_close(st);
}
END_TEST

/* A pair with access hash tag, refresh hash tag + 1. */
static void
tokpair(struct jta_store_pair *p, unsigned char tag, const char *aud)
{
	memset(p, 0, sizeof(*p));
	memset(p->access, tag, sizeof(p->access));
	memset(p->refresh, tag + 1, sizeof(p->refresh));
	p->access_expires = 1000 + 3600;
	p->refresh_expires = 1000 + 86400;
	snprintf(p->audience, sizeof(p->audience), "%s", aud);
}

/* Store pair tag in family for client "c1" in a transaction of its own. */
static void
putpair(struct jta_store *st, unsigned char tag, const char *family,
    int64_t uid)
{
	struct jta_store_pair p;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	tokpair(&p, tag, "mcp");
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_pair_put(st, &p, family, "c1", uid,
	    "tickets", 1000, &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
}

static int
authed(struct jta_store *st, unsigned char tag, int64_t now)
{
	struct jta_user	 u;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 aud[JTA_STORE_AUDLEN + 1];

	memset(h, tag, sizeof(h));
	return jta_store_token_auth(st, h, now, &u, aud) == JTA_OK;
}

START_TEST(token_family_rotate_later_drop_spend_revoke)
{
	struct jta_store *st;
	struct jta_store_token_row t, t2;
	struct jta_user	 u;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512], aud[JTA_STORE_AUDLEN + 1];
	int64_t		 uid, n = -1;

	st = codestore(path, sizeof(path), &uid, 0x01);
	memset(&e, 0, sizeof(e));
	putpair(st, 0xa0, "fam1", uid);
	/* the access token lets its user in until it expires */
	memset(h, 0xa0, sizeof(h));
	ck_assert_int_eq(jta_store_token_auth(st, h, 1001, &u, aud), JTA_OK);
	ck_assert(u.id == uid);
	ck_assert_str_eq(u.name, "carol");
	ck_assert_str_eq(aud, "mcp");
	ck_assert(!authed(st, 0xa0, 1000 + 3600));
	/* a refresh token as stored */
	memset(h, 0xa1, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert_str_eq(t.kind, "refresh");
	ck_assert_str_eq(t.family, "fam1");
	ck_assert_str_eq(t.client_id, "c1");
	ck_assert_str_eq(t.scope, "tickets");
	ck_assert_str_eq(t.audience, "mcp");
	ck_assert(t.user_id == uid && t.expires == 1000 + 86400);
	ck_assert_int_eq(t.replaced, 0);
	ck_assert_int_eq(t.revoked, 0);
	/* rotate: replaced at 1100, a new pair in the family */
	ck_assert_int_eq(jta_store_token_replace(st, t.id, 1100, &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	putpair(st, 0xb0, "fam1", uid);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert_int_eq(t.replaced, 1);
	ck_assert(t.replaced_at == 1100);
	/* the one replaced last: nothing later */
	ck_assert_int_eq(jta_store_token_later(st, &t, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 0);
	/* the second refresh token replaced at the same second is later */
	memset(h, 0xb1, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t2, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_replace(st, t2.id, 1100, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_token_later(st, &t, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	/* drop the live one: a third pair, then drop it */
	putpair(st, 0xc0, "fam1", uid);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_family_drop_live(st, "fam1", &e), JTA_OK);
	memset(h, 0xc1, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert_int_eq(t.revoked, 1);
	/* spend one access token alone */
	memset(h, 0xb0, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_spend(st, t.id, &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(!authed(st, 0xb0, 1001));
	ck_assert(authed(st, 0xa0, 1001));
	ck_assert(authed(st, 0xc0, 1001));
	/* RFC 7009: another client's token is refused, an unknown one is
	 * fine, an access token revokes itself, a refresh token its
	 * family */
	memset(h, 0xa1, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c2", &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 400);
	ck_assert(authed(st, 0xa0, 1001));
	memset(h, 0x7e, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	memset(h, 0xc0, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	ck_assert(!authed(st, 0xc0, 1001));
	ck_assert(authed(st, 0xa0, 1001));
	memset(h, 0xa1, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	ck_assert(!authed(st, 0xa0, 1001));
	/* family_revoke inside a transaction, as a reused code does */
	putpair(st, 0xd0, "fam2", uid);
	ck_assert(authed(st, 0xd0, 1001));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_family_revoke(st, "fam2", &e), JTA_OK);
	jta_db_rollback(st);
	ck_assert(authed(st, 0xd0, 1001));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_family_revoke(st, "fam2", &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(!authed(st, 0xd0, 1001));
	/* an unknown token */
	memset(h, 0x7f, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e),
	    JTA_ERR_NOTFOUND);
	jta_db_rollback(st);
	jta_store_close(st);
}
END_TEST

/*
 * Eight hosts refresh the same refresh token at once, 20 families: in
 * each exactly one sees it live, replaces it and stores a new pair; the
 * others see it replaced (then jta_authz_refresh applies the grace
 * rule).  Each holds its transaction a moment after the read, as a
 * refresh does while it stores the new pair.  Fails without the family
 * lock (two hosts read it live and both rotate: two live refresh tokens
 * in one family).
 */
START_TEST(token_rotate_8_hosts_at_once_one_wins)
{
	struct jta_store *st, *h;
	struct jta_store_token_row t;
	struct jta_store_pair p;
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 path[512], fam[16], go;
	pid_t		 pids[8];
	int		 i, k, status, fd[2], rfd[2], won = 0, total = 0;
	int64_t		 uid;

	st = codestore(path, sizeof(path), &uid, 0x01);
	for (k = 0; k < 20; k++) {
		snprintf(fam, sizeof(fam), "fam%d", k);
		putpair(st, (unsigned char)(2 * k), fam, uid);
	}
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(pipe(rfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			close(rfd[0]);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 20; k++) {
				memset(hash, 2 * k + 1, sizeof(hash));
				memset(&e, 0, sizeof(e));
				if (jta_db_begin(h, &e) != JTA_OK ||
				    jta_store_token_get(h, hash, &t, &e) !=
				    JTA_OK)
					_exit(4);
				usleep(20000);
				go = 'u';
				if (!t.replaced && !t.revoked) {
					/* a new pair of this host */
					tokpair(&p, (unsigned char)(0x40 +
					    8 * k + i), "mcp");
					p.refresh[0] = 0xee;
					if (jta_store_token_replace(h, t.id,
					    1100, &e) != JTA_OK ||
					    jta_store_pair_put(h, &p, t.family,
					    t.client_id, t.user_id, t.scope,
					    1100, &e) != JTA_OK)
						_exit(5);
					go = 'W';
				}
				if (jta_db_commit(h, &e) != JTA_OK)
					_exit(6);
				if (write(rfd[1], &go, 1) != 1)
					_exit(7);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	close(rfd[1]);
	while (read(rfd[0], &go, 1) == 1) {
		total++;
		won += go == 'W';
	}
	close(rfd[0]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	ck_assert_int_eq(total, 8 * 20);
	ck_assert_int_eq(won, 20);
	jta_store_close(st);
}
END_TEST

START_TEST(lockout_counts_locks_and_forgets)
{
	static const struct jta_store_lockout rule = { 3, 100, 50, 4 };
	struct jta_store *st;
	struct jta_error e;
	char		 path[512], name[16];
	int64_t		 until;
	int		 i;

	memset(&e, 0, sizeof(e));
	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_lockout_get(st, "alice", &until, &e),
	    JTA_OK);
	ck_assert(until == 0);
	/* Two failures: counted, not locked. */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(jta_store_lockout_fail(st, "alice", 1000 + i,
		    &rule, &until, &e), JTA_OK);
		ck_assert(until == 0);
	}
	/* The third within the window locks until now + lock_s. */
	ck_assert_int_eq(jta_store_lockout_fail(st, "alice", 1050, &rule,
	    &until, &e), JTA_OK);
	ck_assert(until == 1100);
	ck_assert_int_eq(jta_store_lockout_get(st, "alice", &until, &e),
	    JTA_OK);
	ck_assert(until == 1100);
	/* A success forgets. */
	ck_assert_int_eq(jta_store_lockout_clear(st, "alice", &e), JTA_OK);
	ck_assert_int_eq(jta_store_lockout_get(st, "alice", &until, &e),
	    JTA_OK);
	ck_assert(until == 0);
	/* Failures older than the window start the count again. */
	ck_assert_int_eq(jta_store_lockout_fail(st, "bob", 1000, &rule,
	    &until, &e), JTA_OK);
	ck_assert_int_eq(jta_store_lockout_fail(st, "bob", 1001, &rule,
	    &until, &e), JTA_OK);
	ck_assert_int_eq(jta_store_lockout_fail(st, "bob", 1100, &rule,
	    &until, &e), JTA_OK);
	ck_assert(until == 0);
	ck_assert_int_eq(rowcount(path, "SELECT failures FROM login_failures "
	    "WHERE name = 'bob'"), 1);
	/* Stale rows are purged; the table keeps at most max_rows, the
	 * locked rows last to go. */
	ck_assert_int_eq(jta_store_lockout_fail(st, "carol", 2000, &rule,
	    &until, &e), JTA_OK);
	ck_assert_int_eq(jta_store_lockout_fail(st, "carol", 2001, &rule,
	    &until, &e), JTA_OK);
	ck_assert_int_eq(jta_store_lockout_fail(st, "carol", 2002, &rule,
	    &until, &e), JTA_OK);
	ck_assert(until == 2052);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM login_failures "
	    "WHERE name = 'bob'"), 0);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(jta_store_lockout_fail(st, name, 2010 + i,
		    &rule, &until, &e), JTA_OK);
	}
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM login_failures"),
	    4);
	ck_assert_int_eq(jta_store_lockout_get(st, "carol", &until, &e),
	    JTA_OK);
	ck_assert(until == 2052);
	jta_store_close(st);
}
END_TEST

/* Eight hosts count failed sign-ins for one name at once, 5 each: every
 * failure counts (40, no update lost between hosts), and the 40th
 * locks the name. */
START_TEST(lockout_8_hosts_count_every_failure)
{
	static const struct jta_store_lockout rule = { 40, 1000, 50, 100 };
	struct jta_store *st, *h;
	struct jta_error e;
	char		 path[512], go;
	pid_t		 pids[8];
	int		 i, k, status, fd[2];
	int64_t		 until;

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(pipe(fd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 5; k++) {
				memset(&e, 0, sizeof(e));
				if (jta_store_lockout_fail(h, "dave", 1000,
				    &rule, &until, &e) != JTA_OK)
					_exit(4);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	ck_assert_int_eq(rowcount(path, "SELECT failures FROM login_failures "
	    "WHERE name = 'dave'"), 40);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_lockout_get(st, "dave", &until, &e),
	    JTA_OK);
	ck_assert(until == 1050);
	jta_store_close(st);
}
END_TEST

/* Unlinking a person: every live token of theirs revoked (counted), and
 * their codes deleted, inside the caller's transaction. */
START_TEST(user_grants_revoke_kills_tokens_and_codes)
{
	struct jta_store *st;
	struct jta_store_code_row row;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];
	int64_t		 uid, n = -1;

	st = codestore(path, sizeof(path), &uid, 0x01);
	putpair(st, 0xa0, "fam1", uid);
	putpair(st, 0xb0, "fam2", uid);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_grants_revoke(st, uid, &n, &e),
	    JTA_OK);
	ck_assert_int_eq(n, 4);
	jta_db_rollback(st);
	ck_assert(authed(st, 0xa0, 1001));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_grants_revoke(st, uid, &n, &e),
	    JTA_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(!authed(st, 0xa0, 1001));
	ck_assert(!authed(st, 0xb0, 1001));
	memset(h, 0x01, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &row, &e),
	    JTA_ERR_NOTFOUND);
	jta_db_rollback(st);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_grants_revoke(st, uid, &n, &e),
	    JTA_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	jta_store_close(st);
}
END_TEST

#endif
