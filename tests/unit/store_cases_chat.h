/*
 * The contract cases of jta_store_chat.h (our own agent's conversations
 * and pending actions), shared by the SQLite suite (check_store.c) and
 * the PostgreSQL one (check_store_pg.c): each includes this file after
 * defining newstore and reopen as store_cases_codes.h says.
 */
#ifndef JTA_STORE_CASES_CHAT_H
#define JTA_STORE_CASES_CHAT_H

static void
cc_adduser(struct jta_store *st, const char *name, struct jta_user *u)
{
	struct jta_error e;
	int64_t		 id = 0;

	ck_assert_int_eq(jta_store_user_add(st, name, name, "", &id, &e),
	    JTA_OK);
	ck_assert_int_gt(id, 0);
	memset(u, 0, sizeof(*u));
	u->id = id;
}

START_TEST(chat_conversations_are_the_persons_and_expire)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_error e;
	json_t		*m = NULL, *big;
	char		 path[512];
	const int64_t	 now = 1700000000;

	st = newstore(path, sizeof(path));
	cc_adduser(st, "alice", &alice);
	cc_adduser(st, "bob", &bob);
	ck_assert_int_eq(jta_store_chat_get(st, alice.id, "c_x", now, &m,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_str_eq(e.field, "conversation");
	m = json_pack("[{s:s, s:s}]", "role", "user", "content", "hi");
	ck_assert_int_eq(jta_store_chat_put(st, alice.id, "c_x", m, now, &e),
	    JTA_OK);
	json_decref(m);
	ck_assert_int_eq(jta_store_chat_get(st, alice.id, "c_x", now + 10, &m,
	    &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(m,
	    0), "content")), "hi");
	/* Bob can neither read nor overwrite it. */
	json_decref(m);
	ck_assert_int_eq(jta_store_chat_get(st, bob.id, "c_x", now, &m, &e),
	    JTA_ERR_NOTFOUND);
	m = json_pack("[{s:s, s:s}]", "role", "user", "content", "bob's");
	ck_assert_int_eq(jta_store_chat_put(st, bob.id, "c_x", m, now, &e),
	    JTA_ERR_NOTFOUND);
	json_decref(m);
	ck_assert_int_eq(jta_store_chat_get(st, alice.id, "c_x", now, &m, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(m), 1);
	json_decref(m);
	/* Expired: gone. */
	ck_assert_int_eq(jta_store_chat_get(st, alice.id, "c_x",
	    now + JTA_LIMIT_CHAT_TTL, &m, &e), JTA_ERR_NOTFOUND);
	/* Over the bound: refused, never cut. */
	big = json_pack("[{s:s, s:s%}]", "role", "user", "content",
	    "", (size_t)0);
	{
		char	*t = malloc(JTA_LIMIT_CHAT_HISTORY + 1);

		ck_assert_ptr_nonnull(t);
		memset(t, 'a', JTA_LIMIT_CHAT_HISTORY);
		t[JTA_LIMIT_CHAT_HISTORY] = '\0';
		json_object_set_new(json_array_get(big, 0), "content",
		    json_string(t));
		free(t);
	}
	ck_assert_int_eq(jta_store_chat_put(st, alice.id, "c_y", big, now,
	    &e), JTA_ERR_INPUT);
	json_decref(big);
	jta_store_close(st);
}
END_TEST

/* Pending actions (schema 16): single use, the person's only, expiring. */
START_TEST(chat_actions_are_single_use_and_the_persons)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_error e;
	json_t		*args, *got = NULL;
	char		 path[512], tool[64];
	const int64_t	 now = 1700000000;

	st = newstore(path, sizeof(path));
	cc_adduser(st, "alice", &alice);
	cc_adduser(st, "bob", &bob);
	args = json_pack("{s:s, s:s}", "key", "DEMO-1", "body", "hi");
	ck_assert_int_eq(jta_store_chat_action_put(st, alice.id, "a_1", "c_1",
	    "addComment", args, now, &e), JTA_OK);
	ck_assert_int_eq(jta_store_chat_action_put(st, alice.id, "a_2", "c_1",
	    "addComment", args, now, &e), JTA_OK);
	ck_assert_int_eq(jta_store_chat_action_peek(st, "a_1", now, tool,
	    sizeof(tool), &got, &e), JTA_OK);
	ck_assert_str_eq(tool, "addComment");
	ck_assert(json_equal(got, args));
	json_decref(got);
	ck_assert_int_eq(jta_store_chat_action_take(st, bob.id, "a_1", now,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_str_eq(e.field, "action");
	ck_assert_int_eq(jta_store_chat_action_take(st, alice.id, "a_1", now,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_chat_action_take(st, alice.id, "a_1", now,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_chat_action_peek(st, "a_1", now, tool,
	    sizeof(tool), &got, &e), JTA_ERR_NOTFOUND);
	/* Expired: neither read nor used. */
	ck_assert_int_eq(jta_store_chat_action_peek(st, "a_2",
	    now + JTA_LIMIT_CHAT_ACTION_TTL, tool, sizeof(tool), &got, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_chat_action_take(st, alice.id, "a_2",
	    now + JTA_LIMIT_CHAT_ACTION_TTL, &e), JTA_ERR_NOTFOUND);
	json_decref(args);
	jta_store_close(st);
}
END_TEST

/* A conversation written on one host is read and continued on another
 * (the load balancer sends each turn anywhere). */
START_TEST(chat_conversation_continues_on_another_host)
{
	struct jta_store *a, *b;
	struct jta_user	 alice;
	struct jta_error e;
	json_t		*m = NULL;
	char		 path[512];
	const int64_t	 now = 1700000000;

	a = newstore(path, sizeof(path));
	cc_adduser(a, "alice", &alice);
	b = reopen(path, NULL, 0);
	ck_assert_ptr_nonnull(b);
	m = json_pack("[{s:s, s:s}]", "role", "user", "content", "on a");
	ck_assert_int_eq(jta_store_chat_put(a, alice.id, "c_h", m, now, &e),
	    JTA_OK);
	json_decref(m);
	ck_assert_int_eq(jta_store_chat_get(b, alice.id, "c_h", now + 1, &m,
	    &e), JTA_OK);
	ck_assert_int_eq(json_array_append_new(m, json_pack("{s:s, s:s}",
	    "role", "user", "content", "on b")), 0);
	ck_assert_int_eq(jta_store_chat_put(b, alice.id, "c_h", m, now + 2,
	    &e), JTA_OK);
	json_decref(m);
	ck_assert_int_eq(jta_store_chat_get(a, alice.id, "c_h", now + 3, &m,
	    &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(m), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(m,
	    1), "content")), "on b");
	json_decref(m);
	jta_store_close(b);
	jta_store_close(a);
}
END_TEST

/*
 * The person's confirm of each of 20 pending actions reaches 8 hosts at
 * once (a double click, a retry behind a load balancer): each host peeks
 * (the confirm's classification) and takes; exactly one take of each
 * action succeeds, so the action runs once.  Fails when a take reads the
 * action, then deletes it without checking that it deleted it.
 */
START_TEST(chat_action_confirmed_on_8_hosts_runs_once)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	json_t		*args;
	char		 path[512], id[16], go;
	pid_t		 pids[8];
	int		 i, k, status, fd[2], rfd[2], won = 0, total = 0;
	const int64_t	 now = 1700000000;

	st = newstore(path, sizeof(path));
	cc_adduser(st, "alice", &alice);
	args = json_pack("{s:s, s:s}", "key", "DEMO-1", "body", "once");
	for (k = 0; k < 20; k++) {
		snprintf(id, sizeof(id), "a_h%02d", k);
		ck_assert_int_eq(jta_store_chat_action_put(st, alice.id, id,
		    "c_1", "addComment", args, now, &e), JTA_OK);
	}
	json_decref(args);
	jta_store_close(st);
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(pipe(rfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct jta_store *h;
			json_t		*got;
			char		 tool[64];
			enum jta_err	 rc;

			close(fd[1]);
			close(rfd[0]);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (k = 0; k < 20; k++) {
				snprintf(id, sizeof(id), "a_h%02d", k);
				got = NULL;
				rc = jta_store_chat_action_peek(h, id, now + 1,
				    tool, sizeof(tool), &got, &e);
				json_decref(got);
				if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND)
					_exit(4);
				rc = jta_store_chat_action_take(h, alice.id,
				    id, now + 1, &e);
				if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND)
					_exit(5);
				go = rc == JTA_OK ? 'W' : 'u';
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
}
END_TEST

#endif
