/*
 * The contract cases of jta_store_meta.h (the Jira metadata cache),
 * shared by the SQLite suite (check_store.c) and the PostgreSQL one
 * (check_store_pg.c): each includes this file after defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 *	static struct jta_store *reopen(const char *path, char *msg,
 *	    size_t msgsz);
 *
 * newstore: a new, current, empty store (path: its name); reopen:
 * another connection to it, as another process (host) would open it
 * (NULL on failure; it may run in a forked child).
 */
#ifndef JTA_STORE_CASES_META_H
#define JTA_STORE_CASES_META_H

START_TEST(meta_put_get_since_drop_clear)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	json_t		*v = json_pack("{s:[{s:s}]}", "issueTypes", "name",
			    "Task"), *got = NULL;
	int64_t		 n = -1;

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "types", "OPS/a",
	    0, &got, &e), JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(jta_store_meta_put(st, "site1", "types", "OPS/a", v,
	    1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_put(st, "site1", "types", "OPS/b", v,
	    1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_put(st, "site1", "types", "SUP/a", v,
	    1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_put(st, "site2", "types", "OPS/a", v,
	    1000, &e), JTA_OK);
	/* fetched at 1000: fresh for since <= 1000, stale after */
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "types", "OPS/a",
	    1000, &got, &e), JTA_OK);
	ck_assert(json_equal(got, v));
	json_decref(got);
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "types", "OPS/a",
	    1001, &got, &e), JTA_ERR_NOTFOUND);
	/* another kind, site or key is another entry */
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "fields", "OPS/a",
	    0, &got, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_meta_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 4);
	/* a put replaces, with its own time */
	ck_assert_int_eq(jta_store_meta_put(st, "site1", "types", "OPS/a", v,
	    2000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "types", "OPS/a",
	    1500, &got, &e), JTA_OK);
	json_decref(got);
	/* drop by prefix: one project of one site, every person */
	ck_assert_int_eq(jta_store_meta_drop(st, "site1", "types", "OPS/", &n,
	    &e), JTA_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "types", "SUP/a", 0,
	    &got, &e), JTA_OK);
	json_decref(got);
	ck_assert_int_eq(jta_store_meta_get(st, "site2", "types", "OPS/a", 0,
	    &got, &e), JTA_OK);
	json_decref(got);
	/* a prefix is a prefix, not a pattern */
	ck_assert_int_eq(jta_store_meta_drop(st, "site1", "types", "%", &n,
	    &e), JTA_OK);
	ck_assert_int_eq(n, 0);
	/* clear one site, then all */
	ck_assert_int_eq(jta_store_meta_clear(st, "site2", &n, &e), JTA_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jta_store_meta_clear(st, NULL, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jta_store_meta_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 0);
	/* bad keys are the caller's bug: 500, never stored */
	ck_assert_int_eq(jta_store_meta_put(st, "", "types", "k", v, 1, &e),
	    JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_store_meta_put(st, "s", "types", "k",
	    json_object_get(json_array_get(json_object_get(v, "issueTypes"),
	    0), "name"), 1, &e), JTA_ERR_INTERNAL);
	json_decref(v);
	jta_store_close(st);
}
END_TEST

/* What one host caches, another reads at its next request; a put on the
 * other host replaces it with its own time. */
START_TEST(meta_put_on_one_host_read_on_another)
{
	struct jta_store *st, *st2;
	struct jta_error e;
	char		 path[512];
	json_t		*v = json_pack("[s]", "High"), *w = json_pack("[s]",
			    "Low"), *got = NULL;

	st = newstore(path, sizeof(path));
	ck_assert_ptr_nonnull(st2 = reopen(path, NULL, 0));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_meta_put(st, "site1", "priorities", "all",
	    v, 1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_get(st2, "site1", "priorities", "all",
	    1000, &got, &e), JTA_OK);
	ck_assert(json_equal(got, v));
	json_decref(got);
	ck_assert_int_eq(jta_store_meta_put(st2, "site1", "priorities", "all",
	    w, 2000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "priorities", "all",
	    2000, &got, &e), JTA_OK);
	ck_assert(json_equal(got, w));
	json_decref(got);
	ck_assert_int_eq(jta_store_meta_drop(st2, "site1", "priorities", "",
	    NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_meta_get(st, "site1", "priorities", "all",
	    0, &got, &e), JTA_ERR_NOTFOUND);
	json_decref(v);
	json_decref(w);
	jta_store_close(st2);
	jta_store_close(st);
}
END_TEST

/* Eight hosts caching the same 25 entries at once (a cold cache after
 * a deploy), in the same order, so every entry is a fresh race: every
 * put succeeds and 25 rows are left.  Fails with a put that is a plain
 * INSERT, or an UPDATE then INSERT when none was updated (a unique
 * violation on the host that loses a race). */
START_TEST(meta_8_hosts_put_one_entry_at_once)
{
	struct jta_store *st, *h;
	struct jta_error e;
	char		 path[512];
	pid_t		 pids[8];
	json_t		*v;
	int		 i, j, status, fd[2];
	int64_t		 n = -1;
	char		 go, key[32];

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(pipe(fd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			if ((h = reopen(path, NULL, 0)) == NULL)
				_exit(2);
			/* all start together, once every host is open */
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			if ((v = json_pack("{s:i}", "host", i)) == NULL)
				_exit(4);
			for (j = 0; j < 25; j++) {
				memset(&e, 0, sizeof(e));
				snprintf(key, sizeof(key), "OPS/%d", j);
				if (jta_store_meta_put(h, "site1", "types",
				    key, v, 1000 + i, &e) != JTA_OK)
					_exit(5);
			}
			json_decref(v);
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
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_meta_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 25);
	jta_store_close(st);
}
END_TEST

#endif
