/*
 * The contract cases of jta_store_authz.h's OAuth clients (add, public
 * add, get, name, list, secret_set, remove; RFC 7591 registration with
 * its bounds, the idle prune) and the Client ID Metadata Document cache,
 * shared by the SQLite suite (check_store.c) and the PostgreSQL one
 * (check_store_pg.c): each includes this file after defining newstore
 * and rowcount as store_cases_codes.h says.
 */
#ifndef JTA_STORE_CASES_CLIENTS_H
#define JTA_STORE_CASES_CLIENTS_H

#define CL_CB	"http://127.0.0.1:9/cb"

/* A store with one person (*uid) and the operator's client "c1". */
static struct jta_store *
clientstore(char *path, size_t pathsz, int64_t *uid)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	json_t		*uris = json_pack("[s]", CL_CB);

	st = newstore(path, pathsz);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_add(st, "dora", "Dora", "", uid, &e),
	    JTA_OK);
	memset(h, 0x11, sizeof(h));
	ck_assert_int_eq(jta_store_client_add(st, "c1", h, "GPT", uris, &e),
	    JTA_OK);
	json_decref(uris);
	return st;
}

/* Register client id at now under rule, expecting want. */
static void
cl_regat(struct jta_store *st, const char *id, int64_t now,
    const struct jta_store_reg_rule *rule, enum jta_err want)
{
	struct jta_store_client_new c;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	json_t		*uris = json_pack("[s]", CL_CB);

	memset(h, 0x44, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = id;
	c.hash = h;
	c.name = id;
	c.uris = uris;
	c.public_client = 1;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_client_register(st, &c, rule, now, &e),
	    want);
	json_decref(uris);
}

/* A code (tag) for client id and person uid issued at now. */
static void
cl_code(struct jta_store *st, const char *id, int64_t uid, unsigned char tag,
    int64_t now, int64_t expires)
{
	struct jta_store_code c;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];

	memset(h, tag, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = id;
	c.user_id = uid;
	c.redirect_uri = CL_CB;
	c.scope = "tickets";
	c.expires = expires;
	ck_assert_int_eq(jta_store_code_put(st, h, &c, now, &e), JTA_OK);
}

/* A token pair (tag) of family for client id, its refresh token alive
 * until refresh_expires. */
static void
cl_pair(struct jta_store *st, const char *family, const char *id,
    int64_t uid, unsigned char tag, int64_t now, int64_t refresh_expires)
{
	struct jta_store_pair p;
	struct jta_error e;

	memset(&p, 0, sizeof(p));
	memset(p.access, tag, sizeof(p.access));
	memset(p.refresh, tag + 1, sizeof(p.refresh));
	p.access_expires = now + 3600;
	p.refresh_expires = refresh_expires;
	snprintf(p.audience, sizeof(p.audience), "api");
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_pair_put(st, &p, family, id, uid,
	    "tickets", now, &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
}

static long
cl_count(const char *path, const char *id)
{
	char	 q[128];

	snprintf(q, sizeof(q), "SELECT count(*) FROM oauth_clients WHERE "
	    "client_id = '%s'", id);
	return rowcount(path, q);
}

START_TEST(client_add_get_name_secret_list_remove)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES], got[JTA_VAULT_HASHBYTES];
	char		 path[512], name[64];
	json_t		*uris = json_pack("[s, s]", CL_CB, "https://x.example/cb");
	json_t		*list, *back = NULL;
	int64_t		 uid;
	int		 pub = 1;

	st = clientstore(path, sizeof(path), &uid);
	memset(h, 0x11, sizeof(h));
	memset(&e, 0, sizeof(e));
	/* The id is unique. */
	ck_assert_int_eq(jta_store_client_add(st, "c1", h, "again", uris, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 409);
	/* A public client (the chat widget's). */
	memset(h, 0x12, sizeof(h));
	ck_assert_int_eq(jta_store_client_add_public(st, "w1", h, "Widget",
	    uris, &e), JTA_OK);
	ck_assert_int_eq(jta_store_client_public(st, "w1", &pub, &e), JTA_OK);
	ck_assert_int_eq(pub, 1);
	ck_assert_int_eq(jta_store_client_public(st, "c1", &pub, &e), JTA_OK);
	ck_assert_int_eq(pub, 0);
	ck_assert_int_eq(jta_store_client_public(st, "none", &pub, &e),
	    JTA_ERR_NOTFOUND);
	/* Get: the hash as stored, the URIs in order. */
	ck_assert_int_eq(jta_store_client_get(st, "w1", got, &back, &e),
	    JTA_OK);
	ck_assert_mem_eq(got, h, sizeof(h));
	ck_assert(json_equal(back, uris));
	json_decref(back);
	ck_assert_int_eq(jta_store_client_get(st, "none", got, &back, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(back);
	/* Name, cut to fit. */
	ck_assert_int_eq(jta_store_client_name(st, "w1", name, sizeof(name),
	    &e), JTA_OK);
	ck_assert_str_eq(name, "Widget");
	ck_assert_int_eq(jta_store_client_name(st, "w1", name, 4, &e),
	    JTA_OK);
	ck_assert_str_eq(name, "Wid");
	ck_assert_int_eq(jta_store_client_name(st, "none", name, sizeof(name),
	    &e), JTA_ERR_NOTFOUND);
	/* The secret's hash is replaced. */
	memset(h, 0x22, sizeof(h));
	ck_assert_int_eq(jta_store_client_secret_set(st, "c1", h, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_client_get(st, "c1", got, &back, &e),
	    JTA_OK);
	json_decref(back);
	ck_assert_mem_eq(got, h, sizeof(h));
	ck_assert_int_eq(jta_store_client_secret_set(st, "cX", h, &e),
	    JTA_ERR_NOTFOUND);
	/* The list counts live grants (refresh tokens) per client. */
	cl_pair(st, "fam-c1", "c1", uid, 0x30, jta_time_now(),
	    jta_time_now() + 86400);
	cl_code(st, "c1", uid, 0x40, jta_time_now(), jta_time_now() + 60);
	ck_assert_int_eq(jta_store_client_list(st, &list), JTA_OK);
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 0), "client_id")), "c1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    list, 0), "grants")), 1);
	ck_assert(json_is_false(json_object_get(json_array_get(list, 0),
	    "public")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 0), "origin")), "admin");
	ck_assert(json_is_true(json_object_get(json_array_get(list, 1),
	    "public")));
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(
	    list, 1), "redirect_uris")), 2);
	ck_assert(json_is_string(json_object_get(json_array_get(list, 1),
	    "created")));
	json_decref(list);
	/* Remove: its tokens revoked, its codes gone, together. */
	ck_assert_int_eq(jta_store_client_remove(st, "c1", &e), JTA_OK);
	ck_assert_int_eq(cl_count(path, "c1"), 0);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_tokens "
	    "WHERE client_id = 'c1' AND revoked = 0"), 0);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_tokens "
	    "WHERE client_id = 'c1'"), 2);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_codes "
	    "WHERE client_id = 'c1'"), 0);
	ck_assert_int_eq(jta_store_client_remove(st, "c1", &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(cl_count(path, "w1"), 1);
	json_decref(uris);
	jta_store_close(st);
}
END_TEST

/* Registration (RFC 7591) is bounded in the same transaction that
 * inserts: per address within the window, and in all. */
START_TEST(client_register_bounds_rate_and_total)
{
	static const struct jta_store_reg_rule rule = { 3, 2, 3600, 0 };
	struct jta_store *st;
	struct jta_store_client_new c;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512], id[32];
	json_t		*uris = json_pack("[s]", CL_CB), *list;
	int64_t		 uid;
	int		 pub = 0, i;

	st = clientstore(path, sizeof(path), &uid);
	memset(h, 0x33, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = id;
	c.hash = h;
	c.name = "n";
	c.uris = uris;
	c.public_client = 1;
	c.address = "192.0.2.1";
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_store_client_register(st, &c, &rule,
		    10000 + i, &e), i < 2 ? JTA_OK : JTA_ERR_CONFLICT);
	}
	ck_assert_int_eq(e.status, 429);
	ck_assert_str_eq(e.field, "address");
	/* After the window, the address may register again ... */
	snprintf(id, sizeof(id), "r3");
	ck_assert_int_eq(jta_store_client_register(st, &c, &rule, 13700, &e),
	    JTA_OK);
	/* ... until the cap, whatever the address. */
	snprintf(id, sizeof(id), "r4");
	c.address = "192.0.2.2";
	ck_assert_int_eq(jta_store_client_register(st, &c, &rule, 13701, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 403);
	/* A taken id is 409. */
	snprintf(id, sizeof(id), "c1");
	ck_assert_int_eq(jta_store_client_register(st, &c,
	    &(struct jta_store_reg_rule){ 100, 100, 3600, 0 }, 13702, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 409);
	ck_assert_int_eq(jta_store_client_public(st, "r0", &pub, &e), JTA_OK);
	ck_assert_int_eq(pub, 1);
	ck_assert_int_eq(jta_store_client_list(st, &list), JTA_OK);
	ck_assert_uint_eq(json_array_size(list), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 1), "origin")), "registered");
	ck_assert(json_is_true(json_object_get(json_array_get(list, 1),
	    "public")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    list, 0), "origin")), "admin");
	json_decref(list);
	json_decref(uris);
	jta_store_close(st);
}
END_TEST

/* Idle registered clients go; one with a live code, a live token family
 * or a recent use stays; an operator's client is never touched; last use
 * is written at most once an hour. */
START_TEST(client_prune_removes_only_idle_registered)
{
	static const struct jta_store_reg_rule rule = { 100, 100, 3600, 0 };
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	json_t		*removed = NULL;
	int64_t		 uid;

	st = clientstore(path, sizeof(path), &uid);
	cl_regat(st, "r_idle", 1000, &rule, JTA_OK);
	cl_regat(st, "r_code", 1000, &rule, JTA_OK);
	cl_regat(st, "r_tok", 1000, &rule, JTA_OK);
	cl_regat(st, "r_used", 1000, &rule, JTA_OK);
	cl_code(st, "r_code", uid, 0x51, 1000, 200000);
	cl_pair(st, "fam-r-tok", "r_tok", uid, 0x60, 1000, 10000000);
	/* A code issued at 90000 (expired soon after) is r_used's last use;
	 * another within the hour does not write the row again. */
	cl_code(st, "r_used", uid, 0x52, 90000, 90060);
	ck_assert_int_eq(rowcount(path, "SELECT last_used FROM oauth_clients "
	    "WHERE client_id = 'r_used'"), 90000);
	cl_code(st, "r_used", uid, 0x53, 93000, 93060);
	ck_assert_int_eq(rowcount(path, "SELECT last_used FROM oauth_clients "
	    "WHERE client_id = 'r_used'"), 90000);

	ck_assert_int_eq(jta_store_client_prune(st, 100000, 50000, &removed,
	    &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(removed), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    removed, 0), "client_id")), "r_idle");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    removed, 0), "name")), "r_idle");
	json_decref(removed);
	ck_assert_int_eq(cl_count(path, "r_idle"), 0);
	ck_assert_int_eq(cl_count(path, "r_code"), 1);
	ck_assert_int_eq(cl_count(path, "r_tok"), 1);
	ck_assert_int_eq(cl_count(path, "r_used"), 1);
	ck_assert_int_eq(cl_count(path, "c1"), 1);

	/* Later the code has expired and r_used's use is old: both go, with
	 * their codes; the live token family keeps r_tok. */
	ck_assert_int_eq(jta_store_client_prune(st, 300000, 50000, &removed,
	    &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(removed), 2);
	json_decref(removed);
	ck_assert_int_eq(cl_count(path, "r_code"), 0);
	ck_assert_int_eq(cl_count(path, "r_used"), 0);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM oauth_codes "
	    "WHERE client_id IN ('r_code', 'r_used')"), 0);
	ck_assert_int_eq(cl_count(path, "r_tok"), 1);

	/* Once its family is revoked, r_tok is idle too; c1 never goes. */
	ck_assert_int_eq(jta_store_family_revoke(st, "fam-r-tok", &e), JTA_OK);
	ck_assert_int_eq(jta_store_client_prune(st, 300000, 50000, &removed,
	    &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(removed), 1);
	json_decref(removed);
	ck_assert_int_eq(cl_count(path, "r_tok"), 0);
	ck_assert_int_eq(cl_count(path, "c1"), 1);
	jta_store_close(st);
}
END_TEST

/* A full table frees its idle registered rows before the cap is checked,
 * in the registration's own transaction. */
START_TEST(client_register_prunes_idle_before_cap)
{
	static const struct jta_store_reg_rule rule = { 2, 100, 3600, 50000 };
	struct jta_store *st;
	char		 path[512];
	int64_t		 uid;

	st = clientstore(path, sizeof(path), &uid);
	cl_regat(st, "a", 1000, &rule, JTA_OK);
	cl_regat(st, "b", 1000, &rule, JTA_OK);
	cl_code(st, "b", uid, 0x54, 1000, 10000000);	/* b stays in use */
	cl_regat(st, "c", 2000, &rule, JTA_ERR_CONFLICT);
	ck_assert_int_eq(cl_count(path, "a"), 1);
	/* Idle long enough: a goes, c fits; b (a live code) stays. */
	cl_regat(st, "c", 100000, &rule, JTA_OK);
	ck_assert_int_eq(cl_count(path, "a"), 0);
	ck_assert_int_eq(cl_count(path, "b"), 1);
	ck_assert_int_eq(cl_count(path, "c"), 1);
	ck_assert_int_eq(cl_count(path, "c1"), 1);
	/* Full again, with no idle row to free: refused. */
	cl_regat(st, "d", 100001, &rule, JTA_ERR_CONFLICT);
	jta_store_close(st);
}
END_TEST

/* The metadata document cache: kept until it expires, replaced by a
 * later put, at most max_rows (the oldest fetched go first). */
START_TEST(cimd_cache_expires_replaces_and_trims)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512], name[64];
	json_t		*uris = json_pack("[s]", CL_CB), *got = NULL;
	json_t		*two = json_pack("[s, s]", CL_CB, "https://y.example/cb");
	int64_t		 uid;

	st = clientstore(path, sizeof(path), &uid);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://a.example/c", 100,
	    name, sizeof(name), &got, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_cimd_put(st, "https://a.example/c", "A",
	    uris, 100, 160, 2, &e), JTA_OK);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://a.example/c", 159,
	    name, sizeof(name), &got, &e), JTA_OK);
	ck_assert_str_eq(name, "A");
	ck_assert_str_eq(json_string_value(json_array_get(got, 0)), CL_CB);
	json_decref(got);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://a.example/c", 160,
	    name, sizeof(name), &got, &e), JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(got);
	/* A later put replaces the document. */
	ck_assert_int_eq(jta_store_cimd_put(st, "https://a.example/c", "A2",
	    two, 150, 500, 2, &e), JTA_OK);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://a.example/c", 170,
	    name, sizeof(name), &got, &e), JTA_OK);
	ck_assert_str_eq(name, "A2");
	ck_assert(json_equal(got, two));
	json_decref(got);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM "
	    "oauth_client_documents"), 1);
	ck_assert_int_eq(jta_store_cimd_put(st, "https://b.example/c", "B",
	    uris, 151, 1000, 2, &e), JTA_OK);
	ck_assert_int_eq(jta_store_cimd_put(st, "https://c.example/c", "C",
	    uris, 152, 1000, 2, &e), JTA_OK);
	ck_assert_int_eq(jta_store_cimd_put(st, "https://d.example/c", "D",
	    uris, 153, 1000, 2, &e), JTA_OK);
	ck_assert_int_eq(rowcount(path, "SELECT count(*) FROM "
	    "oauth_client_documents"), 2);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://b.example/c", 154,
	    name, sizeof(name), &got, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_cimd_get(st, "https://d.example/c", 154,
	    name, sizeof(name), &got, &e), JTA_OK);
	json_decref(got);
	json_decref(two);
	json_decref(uris);
	jta_store_close(st);
}
END_TEST

#endif
