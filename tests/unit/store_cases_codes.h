/*
 * The contract cases of jta_store_authz.h's authorization codes (put,
 * and take inside the caller's transaction), shared by the SQLite suite
 * (check_store.c) and the PostgreSQL one (check_store_pg.c): each
 * includes this file after defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 *	static struct jta_store *reopen(const char *path, char *msg,
 *	    size_t msgsz);
 *
 * as store_cases_meta.h says.
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

#endif
