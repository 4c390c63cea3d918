/*
 * The contract cases of jta_store_people.h's people, API keys and
 * passwords, and the operators' side of the links (re-seal, list,
 * remove), shared by the SQLite suite (check_store.c) and the
 * PostgreSQL one (check_store_pg.c): each includes this file after
 * store_cases_links.h and store_cases_codes.h (their helpers serve
 * here), with newstore, newlinkstore, reopen and rowcount as those
 * files say.
 */
#ifndef JTA_STORE_CASES_PEOPLE_H
#define JTA_STORE_CASES_PEOPLE_H

static void
pp_adduser(struct jta_store *st, const char *name, struct jta_user *u)
{
	struct jta_error e;
	int64_t		 id = 0;

	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_user_add(st, name, name, "", &id, &e) ==
	    JTA_OK, "user add: %s", e.detail);
	ck_assert_int_gt(id, 0);
	if (u != NULL) {
		ck_assert_int_eq(jta_store_user_get(st, name, u, &e), JTA_OK);
		ck_assert(u->id == id);
	}
}

static const char *
pp_sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "%s is not a string", k);
	return v;
}

static void
pp_assert_err(enum jta_err rc, const struct jta_error *e, enum jta_err want,
    int status, const char *field, const char *has)
{
	ck_assert_msg(rc == want, "rc %d, want %d (%s)", (int)rc, (int)want,
	    e->detail);
	ck_assert_msg(e->status == status, "status %d, want %d (%s)",
	    e->status, status, e->detail);
	if (field != NULL)
		ck_assert_msg(strcmp(e->field, field) == 0, "field '%s', want "
		    "'%s'", e->field, field);
	if (has != NULL)
		ck_assert_msg(strstr(e->detail, has) != NULL,
		    "detail '%s' lacks '%s'", e->detail, has);
}

static void
fakehash(unsigned char h[JTA_VAULT_HASHBYTES], unsigned char seed)
{
	size_t	 i;

	for (i = 0; i < JTA_VAULT_HASHBYTES; i++)
		h[i] = (unsigned char)(seed + i);
}

START_TEST(user_add_get_and_duplicate)
{
	struct jta_store *st;
	struct jta_user	 u;
	struct jta_error e;
	char		 path[512];
	int64_t		 id = 0, id2 = 0;

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice Liddell",
	    "alice@example.org", &id, &e), JTA_OK);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(jta_store_user_add(st, "bob", "Bob", NULL, &id2, &e),
	    JTA_OK);
	ck_assert(id2 != id);
	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(jta_store_user_get(st, "alice", &u, &e), JTA_OK);
	ck_assert(u.id == id);
	ck_assert_str_eq(u.name, "alice");
	ck_assert_str_eq(u.display_name, "Alice Liddell");
	ck_assert_str_eq(u.email, "alice@example.org");
	ck_assert_int_eq(jta_store_user_get(st, "bob", &u, &e), JTA_OK);
	ck_assert_str_eq(u.email, "");
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_user_add(st, "alice", "Other", "", NULL, &e), &e,
	    JTA_ERR_CONFLICT, 409, "name", NULL);
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_user_get(st, "carol", &u, &e), &e,
	    JTA_ERR_NOTFOUND, 404, NULL, NULL);
	/* Names are exact. */
	pp_assert_err(jta_store_user_get(st, "Alice", &u, &e), &e,
	    JTA_ERR_NOTFOUND, 404, NULL, NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(user_list_sorted_by_name)
{
	struct jta_store *st;
	char		 path[512];
	json_t		*l;

	st = newstore(path, sizeof(path));
	pp_adduser(st, "carol", NULL);
	pp_adduser(st, "alice", NULL);
	pp_adduser(st, "bob", NULL);
	ck_assert_int_eq(jta_store_user_list(st, &l), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_str_eq(pp_sget(json_array_get(l, 0), "name"), "alice");
	ck_assert_str_eq(pp_sget(json_array_get(l, 1), "name"), "bob");
	ck_assert_str_eq(pp_sget(json_array_get(l, 2), "name"), "carol");
	ck_assert_uint_eq(strlen(pp_sget(json_array_get(l, 0), "created")),
	    JTA_TIME_STRLEN - 1);
	json_decref(l);
	jta_store_close(st);
}
END_TEST

START_TEST(key_add_auth_revoke)
{
	struct jta_store *st;
	struct jta_user	 alice, u;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES], wrong[JTA_VAULT_HASHBYTES];
	char		 path[512];

	st = newstore(path, sizeof(path));
	pp_adduser(st, "alice", &alice);
	fakehash(h, 1);
	ck_assert_int_eq(jta_store_key_add(st, alice.id, "0123456789ab", h,
	    "laptop", &e), JTA_OK);
	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(jta_store_key_auth(st, "0123456789ab", h, &u),
	    JTA_OK);
	ck_assert(u.id == alice.id);
	ck_assert_str_eq(u.name, "alice");
	/* Wrong hash: one bit off, first and last byte. */
	memcpy(wrong, h, sizeof(h));
	wrong[0] ^= 1;
	ck_assert_int_eq(jta_store_key_auth(st, "0123456789ab", wrong, &u),
	    JTA_ERR_AUTH);
	memcpy(wrong, h, sizeof(h));
	wrong[JTA_VAULT_HASHBYTES - 1] ^= 0x80;
	ck_assert_int_eq(jta_store_key_auth(st, "0123456789ab", wrong, &u),
	    JTA_ERR_AUTH);
	/* Unknown id. */
	ck_assert_int_eq(jta_store_key_auth(st, "ffffffffffff", h, &u),
	    JTA_ERR_AUTH);
	/* Revoked. */
	ck_assert_int_eq(jta_store_key_revoke(st, "0123456789ab", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(st, "0123456789ab", h, &u),
	    JTA_ERR_AUTH);
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_key_revoke(st, "0123456789ab", &e), &e,
	    JTA_ERR_NOTFOUND, 404, NULL, NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(key_revoke_unknown_is_notfound)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_key_revoke(st, "aaaaaaaaaaaa", &e), &e,
	    JTA_ERR_NOTFOUND, 404, NULL, NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(key_list_all_or_one_user)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];
	json_t		*l, *k;

	st = newstore(path, sizeof(path));
	pp_adduser(st, "alice", &alice);
	pp_adduser(st, "bob", &bob);
	fakehash(h, 1);
	ck_assert_int_eq(jta_store_key_add(st, alice.id, "aaaaaaaaaaa1", h,
	    "one", &e), JTA_OK);
	fakehash(h, 2);
	ck_assert_int_eq(jta_store_key_add(st, bob.id, "bbbbbbbbbbb1", h,
	    NULL, &e), JTA_OK);
	fakehash(h, 3);
	ck_assert_int_eq(jta_store_key_add(st, alice.id, "aaaaaaaaaaa2", h,
	    "two", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_revoke(st, "aaaaaaaaaaa1", &e), JTA_OK);

	ck_assert_int_eq(jta_store_key_list(st, NULL, &l, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 3);
	json_decref(l);

	ck_assert_int_eq(jta_store_key_list(st, "alice", &l, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 2);
	k = json_array_get(l, 0);
	ck_assert_str_eq(pp_sget(k, "id"), "aaaaaaaaaaa1");
	ck_assert_str_eq(pp_sget(k, "user"), "alice");
	ck_assert_str_eq(pp_sget(k, "label"), "one");
	ck_assert_uint_eq(strlen(pp_sget(k, "created")), JTA_TIME_STRLEN - 1);
	ck_assert(json_is_string(json_object_get(k, "revoked")));
	k = json_array_get(l, 1);
	ck_assert_str_eq(pp_sget(k, "id"), "aaaaaaaaaaa2");
	ck_assert(json_is_null(json_object_get(k, "revoked")));
	/* The list never carries the hash. */
	ck_assert_ptr_null(json_object_get(k, "hash"));
	json_decref(l);

	ck_assert_int_eq(jta_store_key_list(st, "nobody", &l, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 0);
	json_decref(l);
	jta_store_close(st);
}
END_TEST

START_TEST(password_hash_set_get_clear)
{
	struct jta_store *st;
	struct jta_user	 u, got;
	struct jta_error e;
	char		 path[512], pw[128];

	st = newstore(path, sizeof(path));
	pp_adduser(st, "alice", &u);
	ck_assert_int_eq(jta_store_user_pw_get(st, "alice", &got, pw,
	    sizeof(pw), &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_user_pw_set(st, "alice", "$argon2id$x",
	    NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_pw_get(st, "alice", &got, pw,
	    sizeof(pw), &e), JTA_OK);
	ck_assert_str_eq(pw, "$argon2id$x");
	ck_assert(got.id == u.id);
	/* A buffer too small is no hash rather than a cut one. */
	ck_assert_int_eq(jta_store_user_pw_get(st, "alice", &got, pw, 5, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_user_pw_set(st, "bob", "x", NULL, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_user_pw_get(st, "bob", &got, pw,
	    sizeof(pw), &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_user_pw_set(st, "alice", NULL, NULL, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_user_pw_get(st, "alice", &got, pw,
	    sizeof(pw), &e), JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

/* A new key seals from now on; one pass moves every token to it (the
 * broken link has none), generations stay (a re-seal is no renewal),
 * and once the old key is retired every token still opens: had one
 * stayed under it, it would not. */
START_TEST(reseal_moves_every_token_to_the_new_key)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	struct jta_error e;
	char		 path[512], tk[600], msg[1024], acct[32], tok[32];
	int64_t		 uid[7];
	size_t		 done = 9, left = 9, i;
	uint32_t	 kid;

	st = newlinkstore(path, sizeof(path), tk, &v);
	for (i = 0; i < 7; i++) {
		snprintf(acct, sizeof(acct), "acct-%zu", i);
		snprintf(tok, sizeof(tok), "access-%zu", i);
		uid[i] = linkput(st, v, acct, tok, i == 3 ? NULL : "refresh");
	}
	ck_assert_int_eq(lease(st, v, uid[5], "h:1:a", jta_time_now(), 1,
	    "refresh"), JTA_LEASE_CLAIMED);
	ck_assert_int_eq(jta_store_link_break(st, uid[5], "h:1:a", &e),
	    JTA_OK);
	/* Nothing to do while the key has not changed. */
	ck_assert_int_eq(jta_store_link_reseal(st, v, 2, &done, &left, &e),
	    JTA_OK);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(left, 0);
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_store_link_reseal(st, v, 2, &done, &left, &e),
	    JTA_OK);
	ck_assert_uint_eq(done, 6);
	ck_assert_uint_eq(left, 0);
	ck_assert_int_eq(jta_store_link_reseal(st, v, 2, &done, &left, &e),
	    JTA_OK);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(left, 0);
	ck_assert_int_eq(jta_vault_keys_retire(tk, kid, msg, sizeof(msg)),
	    JTA_OK);
	for (i = 0; i < 7; i++) {
		if (i == 5)
			continue;
		ck_assert_int_eq(jta_store_link_identity(st, uid[i], &l, &e),
		    JTA_OK);
		ck_assert_int_eq(l.generation, 1);
		snprintf(tok, sizeof(tok), "access-%zu", i);
		(void)access_is(st, v, uid[i], tok);
		if (i != 3)
			ck_assert_int_eq(lease(st, v, uid[i], "h:1:a",
			    jta_time_now(), 1, "refresh"), JTA_LEASE_CLAIMED);
	}
	ck_assert_int_eq(jta_store_link_reseal(st, v, 0, &done, &left, &e),
	    JTA_ERR_INTERNAL);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/* The operators' list shows each person's link without a token; removing
 * one deletes the link and revokes what our server issued them, in one
 * transaction; their user and API keys stay. */
START_TEST(link_remove_deletes_link_and_revokes_tokens)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_user	 u, kept;
	struct jta_link	 was;
	struct jta_error e;
	json_t		*list = NULL;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512], tk[600];
	int64_t		 uid, revoked = 0;
	int		 had = 0;

	st = newlinkstore(path, sizeof(path), tk, &v);
	pp_adduser(st, "zed", NULL);
	uid = linkput(st, v, "acc-1", "access-token", "refresh-token");
	putpair(st, 0xc0, "fam-l", uid);
	ck_assert(authed(st, 0xc0, 1001));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_link_list(st, &list, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(pp_sget(json_array_get(list, 0), "link"), "linked");
	ck_assert_str_eq(pp_sget(json_array_get(list, 0), "account_id"),
	    "acc-1");
	ck_assert(json_is_true(json_object_get(json_array_get(list, 0),
	    "has_refresh")));
	ck_assert_str_eq(pp_sget(json_array_get(list, 1), "name"), "zed");
	ck_assert_str_eq(pp_sget(json_array_get(list, 1), "link"), "none");
	ck_assert(json_is_null(json_object_get(json_array_get(list, 1),
	    "updated")));
	ck_assert(json_is_string(json_object_get(json_array_get(list, 0),
	    "updated")));
	kept.id = uid;
	snprintf(kept.name, sizeof(kept.name), "%s",
	    pp_sget(json_array_get(list, 0), "name"));
	json_decref(list);
	fakehash(h, 9);
	ck_assert_int_eq(jta_store_key_add(st, uid, "cccccccccccc", h, "k",
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_link_remove(st, "nobody", &u, &was, &had,
	    &revoked, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_link_remove(st, kept.name, &u, &was, &had,
	    &revoked, &e), JTA_OK);
	ck_assert(u.id == uid);
	ck_assert_int_eq(had, 1);
	ck_assert_int_eq(revoked, 2);
	ck_assert_str_eq(was.account_id, "acc-1");
	ck_assert(!authed(st, 0xc0, 1001));
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM "
	    "atlassian_links"), 0);
	ck_assert_int_eq(jta_store_link_identity(st, uid, &was, &e),
	    JTA_ERR_NOTFOUND);
	/* The key stays: in Jira mode it answers "link again". */
	ck_assert_int_eq(jta_store_key_auth(st, "cccccccccccc", h, &u),
	    JTA_OK);
	ck_assert_int_eq(jta_store_link_list(st, &list, &e), JTA_OK);
	ck_assert_str_eq(pp_sget(json_array_get(list, 0), "link"), "none");
	json_decref(list);
	/* Unlinking again: the user, no link, nothing to revoke. */
	ck_assert_int_eq(jta_store_link_remove(st, kept.name, &u, &was, &had,
	    &revoked, &e), JTA_OK);
	ck_assert_int_eq(had, 0);
	ck_assert_int_eq(revoked, 0);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/* A new password (or none) revokes what our server issued the person,
 * in the same transaction. */
START_TEST(password_set_revokes_grants)
{
	struct jta_store *st;
	struct jta_user	 u;
	struct jta_error e;
	char		 path[512];
	int64_t		 n = -1;

	st = newstore(path, sizeof(path));
	pp_adduser(st, "alice", &u);
	putpair(st, 0xd0, "fam-p", u.id);
	ck_assert(authed(st, 0xd0, 1001));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_pw_set(st, "alice", "$argon2id$y", &n,
	    &e), JTA_OK);
	ck_assert_int_eq(n, 2);
	ck_assert(!authed(st, 0xd0, 1001));
	ck_assert_int_eq(jta_store_user_pw_set(st, "alice", NULL, &n, &e),
	    JTA_OK);
	ck_assert_int_eq(n, 0);
	jta_store_close(st);
}
END_TEST

#endif
