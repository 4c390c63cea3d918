/*
 * The contract cases of jta_store_people.h's OAuth states (single-use,
 * expiring, carrying a pending request), shared by the SQLite suite
 * (check_store.c) and the PostgreSQL one (check_store_pg.c): each
 * includes this file after defining newstore, reopen and rowcount as
 * store_cases_codes.h says.
 */
#ifndef JTA_STORE_CASES_STATES_H
#define JTA_STORE_CASES_STATES_H

START_TEST(state_carries_request)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];
	char		 path[512], hint[JTA_LIMIT_STATE_HINT + 1];
	char		 req[JTA_STORE_REQUEST_MAX + 1], *big;

	memset(h1, 0x31, sizeof(h1));
	memset(h2, 0x32, sizeof(h2));
	memset(&e, 0, sizeof(e));
	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_state_put_request(st, h1, 600, 1000,
	    "site-1", "{\"client_id\":\"c\"}", &e), JTA_OK);
	ck_assert_int_eq(jta_store_state_take_request(st, h1, 1001, hint,
	    sizeof(hint), req, sizeof(req), &e), JTA_OK);
	ck_assert_str_eq(hint, "site-1");
	ck_assert_str_eq(req, "{\"client_id\":\"c\"}");
	/* Single use: the request goes with the state. */
	ck_assert_int_eq(jta_store_state_take_request(st, h1, 1002, hint,
	    sizeof(hint), req, sizeof(req), &e), JTA_ERR_AUTH);
	ck_assert_str_eq(req, "");
	/* The plain take of a state without one answers "". */
	ck_assert_int_eq(jta_store_state_put(st, h2, 600, 1000, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_state_take_request(st, h2, 1001, NULL, 0,
	    req, sizeof(req), &e), JTA_OK);
	ck_assert_str_eq(req, "");
	/* Bounded. */
	big = malloc(JTA_STORE_REQUEST_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', JTA_STORE_REQUEST_MAX + 1);
	big[JTA_STORE_REQUEST_MAX + 1] = '\0';
	ck_assert_int_eq(jta_store_state_put_request(st, h2, 600, 1000, NULL,
	    big, &e), JTA_ERR_INTERNAL);
	free(big);
	jta_store_close(st);
}
END_TEST

START_TEST(state_single_use)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];
	char		 path[512], hint[JTA_LIMIT_STATE_HINT + 1];

	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x22, sizeof(h2));
	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_state_put(st, h1, 600, 1000, "alice", &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_state_put(st, h2, 600, 1000, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_state_put(st, h1, 600, 1000, NULL, &e),
	    JTA_ERR_CONFLICT);
	/* Only the hash is stored. */
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_states "
	    "WHERE length(state_hash) = 32"), 2);
	ck_assert_int_eq(jta_store_state_take(st, h1, 1001, hint,
	    sizeof(hint), &e), JTA_OK);
	ck_assert_str_eq(hint, "alice");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_state_take(st, h1, 1002, hint,
	    sizeof(hint), &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 400);
	ck_assert_str_eq(hint, "");
	ck_assert_int_eq(jta_store_state_take(st, h2, 1002, hint,
	    sizeof(hint), &e), JTA_OK);
	ck_assert_str_eq(hint, "");
	ck_assert_int_eq(jta_store_state_take(st, h2, 1002, NULL, 0, &e),
	    JTA_ERR_AUTH);
	jta_store_close(st);
}
END_TEST

START_TEST(state_expires_and_is_purged)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES],
			 h3[JTA_VAULT_HASHBYTES];
	char		 path[512];

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	memset(h3, 3, sizeof(h3));
	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_state_put(st, h1, 10, 1000, NULL, &e),
	    JTA_OK);
	/* Valid up to the last second before 1000 + 10, not at it. */
	ck_assert_int_eq(jta_store_state_take(st, h1, 1010, NULL, 0, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_states"),
	    0);
	ck_assert_int_eq(jta_store_state_put(st, h2, 10, 1000, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_state_take(st, h2, 1009, NULL, 0, &e),
	    JTA_OK);
	/* Expired rows go when another state is put or taken. */
	ck_assert_int_eq(jta_store_state_put(st, h1, 10, 1000, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_state_put(st, h3, 10, 5000, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_states"),
	    1);
	ck_assert_int_eq(jta_store_state_put(st, h1, 0, 1000, NULL, &e),
	    JTA_ERR_INTERNAL);
	jta_store_close(st);
}
END_TEST

/* Eight hosts take the same state at once, 20 states (the GPT's browser
 * retrying a callback on both hosts): exactly one take of each state
 * succeeds.  Fails when a take reads the state, then deletes it without
 * checking that it deleted it. */
START_TEST(state_take_8_hosts_at_once_one_wins)
{
	struct jta_store *st, *h;
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 path[512], go, hint[JTA_LIMIT_STATE_HINT + 1];
	pid_t		 pids[8];
	int		 i, k, status, fd[2], rfd[2], won = 0, total = 0;
	enum jta_err	 rc;

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	for (k = 0; k < 20; k++) {
		memset(hash, 0x20 + k, sizeof(hash));
		ck_assert_int_eq(jta_store_state_put(st, hash, 600, 1000,
		    "carol", &e), JTA_OK);
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
				memset(hash, 0x20 + k, sizeof(hash));
				memset(&e, 0, sizeof(e));
				rc = jta_store_state_take(h, hash, 1001, hint,
				    sizeof(hint), &e);
				if (rc != JTA_OK && rc != JTA_ERR_AUTH)
					_exit(4);
				go = rc == JTA_OK ? 'W' : 'u';
				if (write(rfd[1], &go, 1) != 1)
					_exit(5);
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

#endif
