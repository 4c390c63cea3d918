/*
 * Unit tests for jta_authz, our OAuth 2.0 authorization server, against a
 * real store and vault in a temporary directory.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "jta_auth.h"
#include "jta_authz.h"
#include "jta_log.h"
#include "jta_store_authz.h"
#include "jta_store_people.h"
#include "jta_time.h"
#include "jta_url.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

static const char cb[] = "https://chatgpt.com/aip/g-abc/oauth/callback";

/* The redirect-URI rule registration and authorization use (jta_url). */
static int
redirect_ok(const char *uri)
{
	return jta_url_redirect_check(uri, NULL) == JTA_OK;
}

struct fixture {
	struct jta_store *st;
	struct jta_vault *vault;
	struct jta_authz *az;
	struct jta_user	 alice;
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
};

static void
fx_open(struct fixture *fx)
{
	static const char *const uris[] = { cb,
	    "https://chat.openai.com/aip/g-abc/oauth/callback" };
	struct jta_error e;
	char		 dir[256], db[512], key[512], msg[512];
	int64_t		 id = 0;

	memset(fx, 0, sizeof(*fx));
	snprintf(dir, sizeof(dir), "%s/tXXXXXX", tmproot);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/jta.db", dir);
	snprintf(key, sizeof(key), "%s/vault.key", dir);
	ck_assert_int_eq(jta_vault_create_key(key, msg, sizeof(msg)), JTA_OK);
	ck_assert_msg(jta_vault_open(key, &fx->vault, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	ck_assert_msg(jta_store_open(db, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &fx->st, msg, sizeof(msg)) == JTA_OK, "%s",
	    msg);
	ck_assert_int_eq(jta_authz_new(fx->st, fx->vault, &fx->az), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(fx->st, "alice", "Alice",
	    "alice@example.org", &id, &e), JTA_OK);
	fx->alice.id = id;
	ck_assert_int_eq(jta_authz_client_add(fx->az, "My GPT", uris, 2, fx->id,
	    fx->secret, &e), JTA_OK);
}

static void
fx_close(struct fixture *fx)
{
	jta_authz_free(fx->az);
	jta_store_close(fx->st);
	jta_vault_close(fx->vault);
}

static void
assert_oauth(enum jta_err rc, const struct jta_error *e, const char *code,
    int status)
{
	ck_assert_msg(rc != JTA_OK, "accepted, want %s", code);
	ck_assert_str_eq(e->field, code);
	ck_assert_int_eq(e->status, status);
}

/* A code for alice at now, through the module. */
static void
code_for(struct fixture *fx, const char *challenge, int64_t now,
    char code[JTA_AUTHZ_TOKENLEN + 1])
{
	struct jta_error e;

	ck_assert_int_eq(jta_authz_code_issue(fx->az, fx->id, fx->alice.id, cb,
	    challenge, JTA_AUTHZ_SCOPE, JTA_ENDPOINT_AUD_API, now, code, &e),
	    JTA_OK);
	ck_assert_uint_eq(strlen(code), JTA_AUTHZ_TOKENLEN);
	ck_assert(strncmp(code, "jta_ac_", 7) == 0);
}

/* ---- pieces ---- */

START_TEST(s256_matches_rfc7636_appendix_b)
{
	char	 out[JTA_AUTHZ_S256LEN + 1];

	ck_assert_int_eq(jta_authz_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1g"
	    "FWFOEjXk", out), JTA_OK);
	ck_assert_str_eq(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

START_TEST(pkce_shapes)
{
	char	 v[200];

	ck_assert(jta_authz_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8U"
	    "RWbuGJSstw-cM"));
	ck_assert(!jta_authz_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8U"
	    "RWbuGJSstw-c"));
	ck_assert(!jta_authz_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8U"
	    "RWbuGJSstw+cM"));
	memset(v, 'a', sizeof(v));
	v[42] = '\0';
	ck_assert(!jta_authz_verifier_valid(v));
	v[42] = '~';
	v[43] = '\0';
	ck_assert(jta_authz_verifier_valid(v));
	memset(v, '.', 128);
	v[128] = '\0';
	ck_assert(jta_authz_verifier_valid(v));
	v[128] = 'a';
	v[129] = '\0';
	ck_assert(!jta_authz_verifier_valid(v));
	memset(v, 'a', 50);
	v[10] = '/';
	v[50] = '\0';
	ck_assert(!jta_authz_verifier_valid(v));
}
END_TEST

START_TEST(redirect_uri_shapes)
{
	char	 big[JTA_LIMIT_REDIRECT_URI + 10];

	ck_assert(redirect_ok(cb));
	ck_assert(!redirect_ok("http://chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://"));
	ck_assert(!redirect_ok("https:///x"));
	ck_assert(!redirect_ok("https://a.example/cb#f"));
	ck_assert(!redirect_ok("https://a.example/c b"));
	ck_assert(!redirect_ok("https://a.example/\ncb"));
	ck_assert(!redirect_ok("/oauth/callback"));
	/* Issue 10, item 17: what registration used to take and the
	 * authorization endpoint must not redirect to. */
	ck_assert(!redirect_ok("https://*.chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/*"));
	ck_assert(!redirect_ok("https://user@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://u:p@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://evil.example@"
	    "chatgpt.com/"));
	ck_assert(!redirect_ok("https://chatgpt.com%2f@x/"));
	ck_assert(!redirect_ok("https://.chatgpt.com/cb"));
	/* Found by fuzz_oauth: raw bytes past ASCII, and '@' in a path. */
	ck_assert(!redirect_ok("https://chatgpt.com/cb\xff"));
	ck_assert(!redirect_ok("https://chatgpt.com/a@b/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com:/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com:8x/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com:123456/"));
	ck_assert(!redirect_ok("https://[::1/cb"));
	ck_assert(!redirect_ok("javascript://x/%0aalert(1)"));
	ck_assert(!redirect_ok("http://10.0.0.1/cb"));
	ck_assert(!redirect_ok("http://127.0.0.1.evil.example"
	    "/"));
	ck_assert(!redirect_ok("http://localhost@evil.example"
	    "/"));
	ck_assert(redirect_ok("https://chatgpt.com:8443/cb"
	    "?a=1"));
	ck_assert(redirect_ok("https://[2001:db8::1]/cb"));
	/* Plain http to the loopback interface (RFC 8252 §7.3). */
	ck_assert(redirect_ok("http://127.0.0.1:8080/cb"));
	ck_assert(redirect_ok("http://[::1]/cb"));
	ck_assert(redirect_ok("http://localhost:3000/cb"));
	memcpy(big, "https://a.example/", 18);
	memset(big + 18, 'x', sizeof(big) - 19);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!redirect_ok(big));
}
END_TEST

START_TEST(scope_default_known_and_unknown)
{
	struct jta_error e;
	char		 out[JTA_LIMIT_SCOPE + 1];

	ck_assert_int_eq(jta_authz_scope(NULL, out, sizeof(out), &e), JTA_OK);
	ck_assert_str_eq(out, "tickets");
	ck_assert_int_eq(jta_authz_scope("tickets", out, sizeof(out), &e),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_scope("tickets tickets", out, sizeof(out),
	    &e), JTA_OK);
	memset(&e, 0, sizeof(e));
	assert_oauth(jta_authz_scope("tickets admin", out, sizeof(out), &e),
	    &e, "invalid_scope", 400);
	assert_oauth(jta_authz_scope("ticket", out, sizeof(out), &e), &e,
	    "invalid_scope", 400);
	assert_oauth(jta_authz_scope("tickets ", out, sizeof(out), &e), &e,
	    "invalid_scope", 400);
}
END_TEST

START_TEST(basic_credentials_are_percent_decoded)
{
	char	 id[64], sec[64];

	/* base64("a%3Ab:s+c%25") : id "a:b", secret "s c%" */
	ck_assert_int_eq(jta_authz_basic("Basic YSUzQWI6cytjJTI1", id,
	    sizeof(id), sec, sizeof(sec)), 1);
	ck_assert_str_eq(id, "a:b");
	ck_assert_str_eq(sec, "s c%");
	ck_assert_int_eq(jta_authz_basic("basic  YSUzQWI6cytjJTI1", id,
	    sizeof(id), sec, sizeof(sec)), 1);
	ck_assert_int_eq(jta_authz_basic("Bearer x", id, sizeof(id), sec,
	    sizeof(sec)), 0);
	ck_assert_int_eq(jta_authz_basic("", id, sizeof(id), sec,
	    sizeof(sec)), 0);
	/* base64("nocolon"), not base64, empty parts, bad escape */
	ck_assert_int_eq(jta_authz_basic("Basic bm9jb2xvbg==", id,
	    sizeof(id), sec, sizeof(sec)), -1);
	ck_assert_int_eq(jta_authz_basic("Basic !!!", id, sizeof(id), sec,
	    sizeof(sec)), -1);
	ck_assert_int_eq(jta_authz_basic("Basic OnM=", id, sizeof(id), sec,
	    sizeof(sec)), -1);
	ck_assert_int_eq(jta_authz_basic("Basic YTolenp6", id, sizeof(id),
	    sec, sizeof(sec)), -1);
	ck_assert_str_eq(id, "");
	ck_assert_str_eq(sec, "");
	/* Too long for the caller's buffer: refused, not cut. */
	ck_assert_int_eq(jta_authz_basic("Basic YTpzZWNyZXQ=", id, 2, sec,
	    sizeof(sec)), 1);
	ck_assert_int_eq(jta_authz_basic("Basic YWJjOnM=", id, 2, sec,
	    sizeof(sec)), -1);
}
END_TEST

/* ---- clients ---- */

START_TEST(client_secret_checked_and_rotated)
{
	struct fixture	 fx;
	struct jta_error e;
	char		 old[JTA_AUTHZ_SECRETLEN + 1];

	fx_open(&fx);
	ck_assert(strncmp(fx.id, "jtac_", 5) == 0);
	ck_assert_uint_eq(strlen(fx.id), JTA_AUTHZ_CLIENT_IDLEN);
	ck_assert_uint_eq(strlen(fx.secret), JTA_AUTHZ_SECRETLEN);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_authz_client_auth(fx.az, fx.id, fx.secret, &e),
	    JTA_OK);
	memcpy(old, fx.secret, sizeof(old));
	old[10] ^= 1;
	assert_oauth(jta_authz_client_auth(fx.az, fx.id, old, &e), &e,
	    "invalid_client", 401);
	assert_oauth(jta_authz_client_auth(fx.az, "jtac_nobody", fx.secret, &e),
	    &e, "invalid_client", 401);
	assert_oauth(jta_authz_client_auth(fx.az, fx.id, "", &e), &e,
	    "invalid_client", 401);
	memcpy(old, fx.secret, sizeof(old));
	ck_assert_int_eq(jta_authz_client_rotate(fx.az, fx.id, fx.secret, &e),
	    JTA_OK);
	ck_assert_str_ne(old, fx.secret);
	assert_oauth(jta_authz_client_auth(fx.az, fx.id, old, &e), &e,
	    "invalid_client", 401);
	ck_assert_int_eq(jta_authz_client_auth(fx.az, fx.id, fx.secret, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_client_rotate(fx.az, "jtac_nobody", old, &e),
	    JTA_ERR_NOTFOUND);
	fx_close(&fx);
}
END_TEST

START_TEST(client_add_refuses_bad_uris_and_names)
{
	static const char *const bad[] = { "http://chatgpt.com/cb" };
	static const char *const good[] = { cb };
	struct fixture	 fx;
	struct jta_error e;
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 sec[JTA_AUTHZ_SECRETLEN + 1];

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_client_add(fx.az, "x", bad, 1, id, sec, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "redirect_uri");
	ck_assert_int_eq(jta_authz_client_add(fx.az, "x", good, 0, id, sec, &e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_authz_client_add(fx.az, "", good, 1, id, sec, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "name");
	ck_assert_str_eq(sec, "");
	fx_close(&fx);
}
END_TEST

/*
 * Issue 10, item 17: registration refuses what the authorization endpoint
 * refuses, and a URI stored before (a wildcard, a user name) is neither
 * followed nor redirected to with an error: the person gets a page.
 */
START_TEST(bad_redirect_uri_neither_registered_nor_followed)
{
	static const char *const bad[] = { "https://*.chatgpt.com/cb",
	    "https://user@chatgpt.com/cb" };
	struct fixture	 fx;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 sec[JTA_AUTHZ_SECRETLEN + 1];
	json_t		*uris;
	size_t		 i;

	fx_open(&fx);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(jta_authz_client_add(fx.az, "x", &bad[i], 1,
		    id, sec, &e), JTA_ERR_INPUT);
		ck_assert_str_eq(e.field, "redirect_uri");
	}
	/* Rows from before the validator was strict. */
	memset(h, 0, sizeof(h));
	uris = json_pack("[ss]", bad[0], bad[1]);
	ck_assert_int_eq(jta_store_client_add(fx.st, "jtac_old", h, "Old", uris,
	    &e), JTA_OK);
	json_decref(uris);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(jta_authz_client_redirect(fx.az, "jtac_old",
		    bad[i], &e), JTA_ERR_NOTFOUND);
		ck_assert_str_eq(e.field, "redirect_uri");
	}
	fx_close(&fx);
}
END_TEST

START_TEST(redirect_uri_matches_exactly)
{
	struct fixture	 fx;
	struct jta_error e;

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, fx.id, cb, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, fx.id,
	    "https://chat.openai.com/aip/g-abc/oauth/callback", &e), JTA_OK);
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, fx.id,
	    "https://chatgpt.com/aip/g-abc/oauth/callback/", &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_str_eq(e.field, "redirect_uri");
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, fx.id,
	    "https://chatgpt.com/aip/g-abc/oauth/callback?x=1", &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, fx.id,
	    "HTTPS://chatgpt.com/aip/g-abc/oauth/callback", &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_authz_client_redirect(fx.az, "jtac_none", cb, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_str_eq(e.field, "client_id");
	ck_assert_int_eq(e.status, 400);
	fx_close(&fx);
}
END_TEST

/* ---- codes and tokens ---- */

START_TEST(code_to_tokens_to_api_and_replay_revokes)
{
	struct fixture	 fx;
	struct jta_authz_tokens t, t2;
	struct jta_error e;
	struct jta_user	 u;
	struct jta_req	 req;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now();

	fx_open(&fx);
	code_for(&fx, NULL, now, code);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    now, &t, &e), JTA_OK);
	ck_assert(strncmp(t.access, "jta_at_", 7) == 0);
	ck_assert(strncmp(t.refresh, "jta_rt_", 7) == 0);
	ck_assert_str_eq(t.scope, "tickets");
	ck_assert_int_eq(t.expires_in, 3600);
	/* The API takes the access token as a Bearer credential. */
	memset(&req, 0, sizeof(req));
	snprintf(req.authorization, sizeof(req.authorization), "Bearer %s",
	    t.access);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_API, 0, &u, &e),
	    JTA_OK);
	ck_assert(u.id == fx.alice.id);
	ck_assert_str_eq(u.name, "alice");
	/* ... and not the refresh token. */
	snprintf(req.authorization, sizeof(req.authorization), "Bearer %s",
	    t.refresh);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_API, 0, &u, &e),
	    JTA_ERR_AUTH);
	/* Replay: refused, and the tokens of the first answer die. */
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL, now,
	    &t2, &e), &e, "invalid_grant", 400);
	ck_assert_str_eq(t2.access, "");
	snprintf(req.authorization, sizeof(req.authorization), "Bearer %s",
	    t.access);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_API, 0, &u, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 401);
	assert_oauth(jta_authz_refresh(fx.az, fx.id, t.refresh, now, &t2, &e),
	    &e, "invalid_grant", 400);
	fx_close(&fx);
}
END_TEST

/* Moved from check_store.c with the rules (jta_authz_code_redeem). */
START_TEST(code_single_use_replay_revokes_its_tokens)
{
	struct fixture	 fx;
	struct jta_authz_tokens t, t2;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];

	fx_open(&fx);
	code_for(&fx, NULL, 1000, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    1001, &t, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t.access, 1002, &fx.alice,
	    NULL),
	    JTA_OK);
	memset(&e, 0, sizeof(e));
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL, 1003,
	    &t2, &e), &e, "invalid_grant", 400);
	ck_assert_msg(strstr(e.detail, "used") != NULL, "%s", e.detail);
	ck_assert_str_eq(t2.access, "");
	ck_assert_int_ne(jta_authz_access(fx.az, t.access, 1004, &fx.alice,
	    NULL),
	    JTA_OK);
	assert_oauth(jta_authz_refresh(fx.az, fx.id, t.refresh, 1005, &t2, &e),
	    &e, "invalid_grant", 400);
	fx_close(&fx);
}
END_TEST

/* Redeem code as client at now with verifier; refusals must be
 * invalid_grant with detail holding want. */
static void
refused(struct fixture *fx, const char *client, const char *code,
    const char *uri, const char *verifier, int64_t now, const char *want)
{
	struct jta_authz_tokens t;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	assert_oauth(jta_authz_code_redeem(fx->az, client, code, uri, verifier,
	    now, &t, &e), &e, "invalid_grant", 400);
	ck_assert_msg(strstr(e.detail, want) != NULL, "%s", e.detail);
	ck_assert_str_eq(t.access, "");
}

START_TEST(code_checks_client_uri_expiry_and_pkce)
{
	static const char ver[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	static const char chal[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSs"
	    "tw-cM";
	static const char *const uris[] = { cb };
	struct fixture	 fx;
	struct jta_authz_tokens t;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	char		 other[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	size_t		 n;

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_client_add(fx.az, "Other GPT", uris, 1,
	    other, secret, &e), JTA_OK);
	/* Another client: refused, and the code is not spent for its own. */
	code_for(&fx, NULL, 1000, code);
	refused(&fx, other, code, cb, NULL, 1001, "another client");
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    1001, &t, &e), JTA_OK);
	/* Another redirect_uri (RFC 6749 §4.1.3): refused, then spent. */
	code_for(&fx, NULL, 1000, code);
	refused(&fx, fx.id, code, "https://chatgpt.com/aip/g-1/oauth/"
	    "callback/", NULL, 1001, "redirect_uri");
	refused(&fx, fx.id, code, cb, NULL, 1001, "used");
	code_for(&fx, NULL, 1000, code);
	refused(&fx, fx.id, code, cb, NULL, 1000 + JTA_AUTHZ_CODE_TTL,
	    "expired");
	/* A verifier without a challenge (RFC 9700 §2.1.1). */
	code_for(&fx, NULL, 1000, code);
	refused(&fx, fx.id, code, cb, ver, 1001, "no code_challenge");
	/* A challenge without a verifier, then a wrong one (RFC 7636). */
	code_for(&fx, chal, 1000, code);
	refused(&fx, fx.id, code, cb, NULL, 1001, "required");
	code_for(&fx, chal, 1000, code);
	refused(&fx, fx.id, code, cb, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWF"
	    "OEjXX", 1001, "does not match");
	code_for(&fx, chal, 1000, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, ver,
	    1001, &t, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t.access, 1002, &fx.alice,
	    NULL),
	    JTA_OK);
	/* A well-formed code never issued. */
	n = strlen(code);
	code[n - 1] = code[n - 1] == 'A' ? 'B' : 'A';
	refused(&fx, fx.id, code, cb, NULL, 1001, "unknown");
	fx_close(&fx);
}
END_TEST

START_TEST(code_expires_after_60_seconds)
{
	struct fixture	 fx;
	struct jta_authz_tokens t;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];

	fx_open(&fx);
	code_for(&fx, NULL, 5000, code);
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    5000 + JTA_AUTHZ_CODE_TTL, &t, &e), &e, "invalid_grant", 400);
	code_for(&fx, NULL, 5000, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    5000 + JTA_AUTHZ_CODE_TTL - 1, &t, &e), JTA_OK);
	fx_close(&fx);
}
END_TEST

START_TEST(pkce_s256_good_and_bad_verifier)
{
	static const char ver[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	static const char chal[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSs"
	    "tw-cM";
	struct fixture	 fx;
	struct jta_authz_tokens t;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now();

	fx_open(&fx);
	code_for(&fx, chal, now, code);
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb,
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", now, &t, &e), &e,
	    "invalid_grant", 400);
	code_for(&fx, chal, now, code);
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL, now,
	    &t, &e), &e, "invalid_grant", 400);
	code_for(&fx, chal, now, code);
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, "short", now,
	    &t, &e), &e, "invalid_request", 400);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, ver, now,
	    &t, &e), JTA_OK);
	ck_assert(jta_authz_access(fx.az, t.access, now, &fx.alice, NULL) ==
	    JTA_OK);
	fx_close(&fx);
}
END_TEST

/* Redeem a fresh code for alice at now into t. */
static void
granted(struct fixture *fx, int64_t now, struct jta_authz_tokens *t)
{
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];

	code_for(fx, NULL, now - 1, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx->az, fx->id, code, cb, NULL,
	    now, t, &e), JTA_OK);
}

/* 1 when refresh gives a pair at now (into t). */
static int
refreshed(struct fixture *fx, const char *refresh, int64_t now,
    struct jta_authz_tokens *t)
{
	struct jta_error e;
	enum jta_err	 rc;

	memset(&e, 0, sizeof(e));
	rc = jta_authz_refresh(fx->az, fx->id, refresh, now, t, &e);
	if (rc != JTA_OK)
		assert_oauth(rc, &e, "invalid_grant", 400);
	return rc == JTA_OK;
}

/* 1 when access lets alice in at now. */
static int
let_in(struct fixture *fx, const char *access, int64_t now)
{
	struct jta_user	 u;

	return jta_authz_access(fx->az, access, now, &u, NULL) == JTA_OK;
}

/* Moved from check_store.c with the rules (jta_authz_refresh). */
START_TEST(refresh_rotates_grace_then_family_dies)
{
	struct fixture	 fx;
	struct jta_authz_tokens t0, t1, t2, t3;

	fx_open(&fx);
	granted(&fx, 1001, &t0);
	ck_assert(refreshed(&fx, t0.refresh, 1100, &t1));
	ck_assert(let_in(&fx, t1.access, 1101));
	/* The answer was lost: t0 again within the grace gives a fresh
	 * pair and drops t1's refresh token, which never reached the
	 * client. */
	ck_assert(refreshed(&fx, t0.refresh, 1100 + JTA_AUTHZ_GRACE, &t2));
	ck_assert(!refreshed(&fx, t1.refresh, 1161, &t3));
	/* ... and presenting the dropped one killed the family. */
	ck_assert(!let_in(&fx, t2.access, 1162));
	ck_assert(!refreshed(&fx, t2.refresh, 1162, &t3));
	fx_close(&fx);
}
END_TEST

/*
 * Issue 10, item 15: a thief holding a replaced refresh token replays it
 * inside the grace, 20 times.  Only the first replay is answered (the
 * client that lost our answer); the second is refused and kills the
 * family, every access token minted from it included.
 */
START_TEST(refresh_grace_answers_once_then_family_dies)
{
	struct fixture	 fx;
	struct jta_authz_tokens t0, t1, t2, t[20];
	int		 i, answered = 0;

	fx_open(&fx);
	granted(&fx, 1001, &t0);
	ck_assert(refreshed(&fx, t0.refresh, 1100, &t1));
	for (i = 0; i < 20; i++)
		if (refreshed(&fx, t0.refresh, 1101 + i, &t[i]))
			answered++;
	ck_assert_int_eq(answered, 1);
	ck_assert(!let_in(&fx, t1.access, 1130));
	ck_assert(!let_in(&fx, t[0].access, 1130));
	ck_assert(!refreshed(&fx, t[0].refresh, 1131, &t2));
	fx_close(&fx);
}
END_TEST

START_TEST(refresh_older_than_the_last_replaced_kills_family)
{
	struct fixture	 fx;
	struct jta_authz_tokens t0, t1, t2, t3;

	fx_open(&fx);
	granted(&fx, 1001, &t0);
	ck_assert(refreshed(&fx, t0.refresh, 1100, &t1));
	ck_assert(refreshed(&fx, t1.refresh, 1110, &t2));
	/* t0 was replaced 10 s before t1: older than the one just
	 * replaced, so refused even within the grace (RFC 9700 §4.14.2). */
	ck_assert(!refreshed(&fx, t0.refresh, 1111, &t3));
	ck_assert(!let_in(&fx, t2.access, 1112));
	ck_assert(!refreshed(&fx, t2.refresh, 1112, &t3));
	fx_close(&fx);
}
END_TEST

START_TEST(refresh_replaced_past_grace_kills_family)
{
	struct fixture	 fx;
	struct jta_authz_tokens t0, t1, t2;

	fx_open(&fx);
	granted(&fx, 1001, &t0);
	ck_assert(refreshed(&fx, t0.refresh, 1100, &t1));
	ck_assert(!refreshed(&fx, t0.refresh, 1100 + JTA_AUTHZ_GRACE + 1,
	    &t2));
	ck_assert(!let_in(&fx, t1.access, 1162));
	ck_assert(!refreshed(&fx, t1.refresh, 1162, &t2));
	/* An access token is no refresh token. */
	granted(&fx, 1001, &t0);
	ck_assert(!refreshed(&fx, t0.access, 1100, &t2));
	ck_assert(let_in(&fx, t0.access, 1101));
	fx_close(&fx);
}
END_TEST

START_TEST(refresh_rotates_with_grace_then_refuses)
{
	struct fixture	 fx;
	struct jta_authz_tokens t0, t1, t2, t3;
	struct jta_error e;
	struct jta_user	 u;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now();

	fx_open(&fx);
	code_for(&fx, NULL, now, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    now, &t0, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_refresh(fx.az, fx.id, t0.refresh, now + 10,
	    &t1, &e), JTA_OK);
	ck_assert_str_ne(t1.refresh, t0.refresh);
	ck_assert_str_ne(t1.access, t0.access);
	/* Another client cannot use it. */
	assert_oauth(jta_authz_refresh(fx.az, "jtac_other", t1.refresh,
	    now + 11, &t2, &e), &e, "invalid_grant", 400);
	/* Retry within the grace: a fresh pair. */
	ck_assert_int_eq(jta_authz_refresh(fx.az, fx.id, t0.refresh,
	    now + 10 + JTA_AUTHZ_GRACE, &t2, &e), JTA_OK);
	ck_assert_str_ne(t2.refresh, t1.refresh);
	ck_assert_int_eq(jta_authz_access(fx.az, t2.access, now + 71, &u, NULL),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_refresh(fx.az, fx.id, t2.refresh, now + 80,
	    &t3, &e), JTA_OK);
	/* t0's refresh is older than the one just replaced: the family
	 * dies. */
	assert_oauth(jta_authz_refresh(fx.az, fx.id, t0.refresh, now + 81, &t1,
	    &e), &e, "invalid_grant", 400);
	ck_assert_int_eq(jta_authz_access(fx.az, t3.access, now + 82, &u, NULL),
	    JTA_ERR_AUTH);
	assert_oauth(jta_authz_refresh(fx.az, fx.id, t3.refresh, now + 83, &t1,
	    &e), &e, "invalid_grant", 400);
	assert_oauth(jta_authz_refresh(fx.az, fx.id, "jta_rt_x", now + 83, &t1,
	    &e), &e, "invalid_grant", 400);
	fx_close(&fx);
}
END_TEST

START_TEST(revoke_is_quiet_for_unknown_tokens)
{
	struct fixture	 fx;
	struct jta_authz_tokens t;
	struct jta_error e;
	struct jta_user	 u;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now();

	fx_open(&fx);
	code_for(&fx, NULL, now, code);
	ck_assert_int_eq(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL,
	    now, &t, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_revoke(fx.az, fx.id, "nonsense", &e),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_revoke(fx.az, fx.id,
	    "jta_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t.access, now, &u, NULL),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_revoke(fx.az, fx.id, t.refresh, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t.access, now, &u, NULL),
	    JTA_ERR_AUTH);
	fx_close(&fx);
}
END_TEST

/* ---- passwords ---- */

START_TEST(password_set_and_check)
{
	struct fixture	 fx;
	struct jta_error e, e2;
	struct jta_user	 u;
	char		 big[JTA_LIMIT_PASSWORD + 2];

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", "short", 5,
	    NULL, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "password");
	memset(big, 'p', sizeof(big));
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", big,
	    JTA_LIMIT_PASSWORD + 1, NULL, &e), JTA_ERR_INPUT);
	/* Before a password is set, nobody gets in. */
	ck_assert_int_eq(jta_authz_password_check(fx.az, "alice",
	    "correct horse", 13, &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", "correct horse",
	    13, NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_password_check(fx.az, "alice",
	    "correct horse", 13, &u, &e), JTA_OK);
	ck_assert(u.id == fx.alice.id);
	memset(&e, 0, sizeof(e));
	memset(&e2, 0, sizeof(e2));
	ck_assert_int_eq(jta_authz_password_check(fx.az, "alice",
	    "correct horsE", 13, &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_authz_password_check(fx.az, "mallory",
	    "correct horse", 13, &u, &e2), JTA_ERR_AUTH);
	/* The same answer either way. */
	ck_assert_int_eq(e.status, 401);
	ck_assert_int_eq(e2.status, 401);
	ck_assert_str_eq(e.detail, e2.detail);
	ck_assert_str_eq(e.field, e2.field);
	ck_assert(u.id == 0);
	ck_assert_int_eq(jta_authz_password_check(fx.az, "alice", big,
	    sizeof(big), &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_authz_password_set(fx.az, "nobody",
	    "correct horse", 13, NULL, &e), JTA_ERR_NOTFOUND);
	fx_close(&fx);
}
END_TEST

/*
 * Issue 10, item 16: an attacker who learnt alice's password signed in
 * (a live token pair, and a code not yet redeemed).  Her operator sets a
 * new password, later clears it: each time everything issued to her is
 * dead, the access token, the refresh token and the code alike.
 */
START_TEST(password_change_revokes_every_grant)
{
	struct fixture	 fx;
	struct jta_authz_tokens t, t2;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now(), n = -1;

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", "stolen horse",
	    12, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 0);
	granted(&fx, now, &t);
	code_for(&fx, NULL, now, code);
	ck_assert(let_in(&fx, t.access, now));
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", "a new horse!",
	    12, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 2);
	ck_assert(!let_in(&fx, t.access, now));
	ck_assert(!refreshed(&fx, t.refresh, now + 1, &t2));
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL, now,
	    &t2, &e), &e, "invalid_grant", 400);
	/* Clearing the password (no sign-in at all) does the same. */
	granted(&fx, now, &t);
	ck_assert(let_in(&fx, t.access, now));
	ck_assert_int_eq(jta_store_user_pw_set(fx.st, "alice", NULL, &n, &e),
	    JTA_OK);
	ck_assert_int_eq(n, 2);
	ck_assert(!let_in(&fx, t.access, now));
	ck_assert(!refreshed(&fx, t.refresh, now + 1, &t2));
	fx_close(&fx);
}
END_TEST

START_TEST(password_login_locks_after_failures)
{
	struct fixture	 fx;
	struct jta_error e, e2;
	struct jta_user	 u;
	int64_t		 now = 1800000000;
	int		 i;

	fx_open(&fx);
	ck_assert_int_eq(jta_authz_password_set(fx.az, "alice", "correct horse",
	    13, NULL, &e), JTA_OK);
	for (i = 1; i < JTA_AUTHZ_LOCKOUT_FAILURES; i++) {
		ck_assert_int_eq(jta_authz_password_login(fx.az, "alice",
		    "wrong horse!", 12, now + i, &u, &e), JTA_ERR_AUTH);
		ck_assert_int_eq(e.status, 401);
	}
	/* The last allowed failure locks; then even the right password is
	 * refused, and an unknown name is answered the same way. */
	ck_assert_int_eq(jta_authz_password_login(fx.az, "alice",
	    "wrong horse!", 12, now + 10, &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 429);
	ck_assert_int_eq(jta_authz_password_login(fx.az, "alice",
	    "correct horse", 13, now + 11, &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 429);
	ck_assert(u.id == 0);
	for (i = 0; i < JTA_AUTHZ_LOCKOUT_FAILURES; i++)
		ck_assert_int_eq(jta_authz_password_login(fx.az, "mallory",
		    "wrong horse!", 12, now + i, &u, &e2), JTA_ERR_AUTH);
	ck_assert_int_eq(e2.status, 429);
	ck_assert_str_eq(e.detail, e2.detail);
	/* After the lock time the right password works and clears. */
	ck_assert_int_eq(jta_authz_password_login(fx.az, "alice",
	    "correct horse", 13, now + 10 + JTA_AUTHZ_LOCKOUT_TIME, &u, &e),
	    JTA_OK);
	ck_assert(u.id == fx.alice.id);
	fx_close(&fx);
}
END_TEST

START_TEST(request_encode_decode)
{
	struct jta_authz_request r, back;
	char		 text[JTA_STORE_REQUEST_MAX + 1];

	memset(&r, 0, sizeof(r));
	snprintf(r.client_id, sizeof(r.client_id), "jtac_0123");
	snprintf(r.redirect_uri, sizeof(r.redirect_uri), "%s", cb);
	snprintf(r.state, sizeof(r.state), "a\"b<c&d");
	snprintf(r.scope, sizeof(r.scope), "tickets");
	ck_assert_int_eq(jta_authz_request_encode(&r, text, sizeof(text)),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_request_decode(text, &back), JTA_OK);
	ck_assert(memcmp(&r, &back, sizeof(r)) == 0);
	ck_assert_int_eq(jta_authz_request_encode(&r, text, 16),
	    JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_authz_request_decode("{\"client_id\":1}",
	    &back), JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_authz_request_decode("not json", &back),
	    JTA_ERR_INTERNAL);
}
END_TEST

/* ---- answers ---- */

struct sink {
	char	 buf[8192];
	size_t	 len;
};

static int
sinkw(void *arg, const char *b, size_t n)
{
	struct sink *s = arg;

	ck_assert_uint_lt(s->len + n, sizeof(s->buf));
	memcpy(s->buf + s->len, b, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

/* Issue 10, item 17: an error redirect to a URI registration would
 * refuse is never sent (nothing written); a good one is a 302. */
START_TEST(redirect_never_to_an_invalid_uri)
{
	static const char *const bad[] = { "https://*.chatgpt.com/cb",
	    "https://user@chatgpt.com/cb", "http://chatgpt.com/cb" };
	struct jta_resp	 resp;
	struct sink	 s;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		jta_resp_init(&resp, sinkw, &s, "rid");
		ck_assert_int_ne(jta_authz_redirect(&resp, bad[i], "error",
		    "access_denied", NULL, "st", "https://t.example"), JTA_OK);
		ck_assert_uint_eq(s.len, 0);
	}
	memset(&s, 0, sizeof(s));
	jta_resp_init(&resp, sinkw, &s, "rid");
	ck_assert_int_eq(jta_authz_redirect(&resp, cb, "error",
	    "access_denied", NULL, "st", "https://t.example"), JTA_OK);
	ck_assert_int_eq(resp.status, 302);
	/* RFC 9207 §2: iss, our issuer, in error responses too. */
	ck_assert_ptr_nonnull(strstr(s.buf, "error=access_denied&state=st"
	    "&iss=https%3A%2F%2Ft.example"));
}
END_TEST

/* Issue 10, item 14: the form token is bound to the browser's nonce and
 * to every member of the pending request. */
START_TEST(form_token_bound_to_nonce_and_request)
{
	struct fixture	 fx;
	struct jta_authz_request r, r2;
	char		 n1[JTA_VAULT_RANDLEN + 1], n2[JTA_VAULT_RANDLEN + 1];
	char		 t[JTA_AUTHZ_FORM_TOKENLEN + 1];

	fx_open(&fx);
	memset(&r, 0, sizeof(r));
	snprintf(r.client_id, sizeof(r.client_id), "%s", fx.id);
	snprintf(r.redirect_uri, sizeof(r.redirect_uri), "%s", cb);
	snprintf(r.state, sizeof(r.state), "st-1");
	jta_vault_random(n1);
	jta_vault_random(n2);
	ck_assert_int_eq(jta_authz_form_token(fx.az, n1, &r, t), JTA_OK);
	ck_assert_uint_eq(strlen(t), JTA_AUTHZ_FORM_TOKENLEN);
	ck_assert(jta_authz_form_check(fx.az, n1, &r, t));
	ck_assert(!jta_authz_form_check(fx.az, n2, &r, t));
	ck_assert(!jta_authz_form_check(fx.az, "", &r, t));
	ck_assert(!jta_authz_form_check(fx.az, n1, &r, NULL));
	ck_assert(!jta_authz_form_check(fx.az, n1, &r, "00"));
	r2 = r;
	snprintf(r2.state, sizeof(r2.state), "st-2");
	ck_assert(!jta_authz_form_check(fx.az, n1, &r2, t));
	r2 = r;
	snprintf(r2.challenge, sizeof(r2.challenge), "x");
	ck_assert(!jta_authz_form_check(fx.az, n1, &r2, t));
	fx_close(&fx);
}
END_TEST

START_TEST(token_answer_and_errors_are_not_cached)
{
	struct jta_authz_tokens t;
	struct jta_resp	 resp;
	struct jta_error e;
	struct sink	 s;

	memset(&t, 0, sizeof(t));
	snprintf(t.access, sizeof(t.access), "jta_at_a");
	snprintf(t.refresh, sizeof(t.refresh), "jta_rt_r");
	snprintf(t.scope, sizeof(t.scope), "tickets");
	t.expires_in = 3600;
	memset(&s, 0, sizeof(s));
	jta_resp_init(&resp, sinkw, &s, "rid");
	ck_assert_int_eq(jta_authz_send_tokens(&resp, &t), JTA_OK);
	ck_assert_ptr_nonnull(strstr(s.buf, "Cache-Control: no-store\r\n"));
	ck_assert_ptr_nonnull(strstr(s.buf, "Pragma: no-cache\r\n"));
	ck_assert_ptr_nonnull(strstr(s.buf, "\"token_type\":\"Bearer\""));
	ck_assert_ptr_nonnull(strstr(s.buf, "\"expires_in\":3600"));

	memset(&s, 0, sizeof(s));
	jta_resp_init(&resp, sinkw, &s, "rid");
	(void)jta_error_set(&e, JTA_ERR_AUTH, 401, "invalid_client", "no");
	ck_assert_int_eq(jta_authz_send_error(&resp, &e), JTA_OK);
	ck_assert_int_eq(resp.status, 401);
	ck_assert_ptr_nonnull(strstr(s.buf, "WWW-Authenticate: Basic"));
	ck_assert_ptr_nonnull(strstr(s.buf, "\"error\":\"invalid_client\""));
	ck_assert_ptr_nonnull(strstr(s.buf, "Cache-Control: no-store\r\n"));

	memset(&s, 0, sizeof(s));
	jta_resp_init(&resp, sinkw, &s, "rid");
	(void)jta_error_set(&e, JTA_ERR_INPUT, 422, "grant_type", "missing");
	ck_assert_int_eq(jta_authz_send_error(&resp, &e), JTA_OK);
	ck_assert_int_eq(resp.status, 400);
	ck_assert_ptr_nonnull(strstr(s.buf, "\"error\":\"invalid_request\""));
	ck_assert_ptr_null(strstr(s.buf, "WWW-Authenticate"));
}
END_TEST

START_TEST(metadata_names_our_endpoints)
{
	json_t	*m = jta_authz_metadata("https://t.example", 0);

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(json_string_value(json_object_get(m, "issuer")),
	    "https://t.example");
	ck_assert_str_eq(json_string_value(json_object_get(m,
	    "token_endpoint")), "https://t.example/oauth/token");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m,
	    "code_challenge_methods_supported"), 0)), "S256");
	ck_assert_uint_eq(json_array_size(json_object_get(m,
	    "code_challenge_methods_supported")), 1);
	json_decref(m);
}
END_TEST

/* RFC 8707: a code for /mcp gives tokens for /mcp only; the token
 * request may name the same resource, no other; a refresh keeps it. */
START_TEST(audience_binds_the_family)
{
	struct fixture	 fx;
	struct jta_authz_tokens t, t2;
	struct jta_error e;
	struct jta_user	 u;
	struct jta_req	 req;
	enum jta_endpoint_audience aud = JTA_ENDPOINT_AUD_API, mcp =
	    JTA_ENDPOINT_AUD_MCP, api = JTA_ENDPOINT_AUD_API;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	int64_t		 now = jta_time_now();

	fx_open(&fx);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_authz_code_issue(fx.az, fx.id, fx.alice.id, cb,
	    NULL, JTA_AUTHZ_SCOPE, JTA_ENDPOINT_AUD_MCP, now, code, &e),
	    JTA_OK);
	assert_oauth(jta_authz_code_redeem_for(fx.az, fx.id, code, cb, NULL,
	    &api, now, &t, &e), &e, "invalid_target", 400);
	/* That refusal spent the code. */
	assert_oauth(jta_authz_code_redeem(fx.az, fx.id, code, cb, NULL, now,
	    &t, &e), &e, "invalid_grant", 400);
	ck_assert_int_eq(jta_authz_code_issue(fx.az, fx.id, fx.alice.id, cb,
	    NULL, JTA_AUTHZ_SCOPE, JTA_ENDPOINT_AUD_MCP, now, code, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_authz_code_redeem_for(fx.az, fx.id, code, cb,
	    NULL, &mcp, now, &t, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t.access, now, &u, &aud),
	    JTA_OK);
	ck_assert_int_eq(aud, JTA_ENDPOINT_AUD_MCP);
	memset(&req, 0, sizeof(req));
	snprintf(req.authorization, sizeof(req.authorization), "Bearer %s",
	    t.access);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_API, 0, &u, &e), JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 401);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_MCP, 0, &u, &e), JTA_OK);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_API, 1, &u, &e), JTA_OK);
	ck_assert(u.id == fx.alice.id);
	/* A refresh naming the other resource rotates nothing. */
	assert_oauth(jta_authz_refresh_for(fx.az, fx.id, t.refresh, &api,
	    now, &t2, &e), &e, "invalid_target", 400);
	ck_assert_int_eq(jta_authz_refresh(fx.az, fx.id, t.refresh, now + 1,
	    &t2, &e), JTA_OK);
	ck_assert_int_eq(jta_authz_access(fx.az, t2.access, now + 1, &u, &aud),
	    JTA_OK);
	ck_assert_int_eq(aud, JTA_ENDPOINT_AUD_MCP);
	fx_close(&fx);
}
END_TEST

/* RFC 9111 §5.2.2, bounded: how long a metadata document is kept. */
START_TEST(cimd_max_age_follows_cache_control)
{
	ck_assert_int_eq(jta_authz_cimd_max_age(""),
	    JTA_LIMIT_CIMD_DEFAULT_AGE);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=60"), 60);
	ck_assert_int_eq(jta_authz_cimd_max_age("public, MAX-AGE=120 "), 120);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=999999999"),
	    JTA_LIMIT_CIMD_MAX_AGE);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=60, no-store"), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("no-cache"), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=-1"), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=1e3"), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age="), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=99999999999999999999"
	    "999"), JTA_LIMIT_CIMD_MAX_AGE);
	ck_assert_int_eq(jta_authz_cimd_max_age("max-age=0"), 0);
	ck_assert_int_eq(jta_authz_cimd_max_age("private"),
	    JTA_LIMIT_CIMD_DEFAULT_AGE);
}
END_TEST

/* RFC 9207 §3, RFC 7591: what the metadata says with features on. */
START_TEST(metadata_says_iss_and_registration)
{
	json_t	*m = jta_authz_metadata("https://t.example", 0);

	ck_assert_ptr_nonnull(m);
	ck_assert(json_is_true(json_object_get(m,
	    "authorization_response_iss_parameter_supported")));
	ck_assert_ptr_null(json_object_get(m, "registration_endpoint"));
	json_decref(m);
	m = jta_authz_metadata("https://t.example", JTA_AUTHZ_F_REGISTER);
	ck_assert_str_eq(json_string_value(json_object_get(m,
	    "registration_endpoint")), "https://t.example/oauth/register");
	json_decref(m);
}
END_TEST

/* RFC 8707 §2: our two resources, and nothing else, name an audience. */
START_TEST(resource_names_an_audience)
{
	static const char *const bad[] = { "https://t.example/api",
	    "https://t.example/mcp/", "https://t.example/mcp#x",
	    "https://t.example#", "http://t.example", "/mcp", "mcp",
	    "https://other.example/mcp", "https://t.example:443/mcp",
	    "https://t.example/MCP", "" };
	enum jta_endpoint_audience aud;
	struct jta_error e;
	size_t	 i;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_authz_resource_audience("https://t.example",
	    "https://t.example/mcp", &aud, &e), JTA_OK);
	ck_assert_int_eq(aud, JTA_ENDPOINT_AUD_MCP);
	ck_assert_int_eq(jta_authz_resource_audience("https://t.example",
	    "https://t.example", &aud, &e), JTA_OK);
	ck_assert_int_eq(aud, JTA_ENDPOINT_AUD_API);
	ck_assert_int_eq(jta_authz_resource_audience("https://t.example",
	    "https://t.example/", &aud, &e), JTA_OK);
	ck_assert_int_eq(aud, JTA_ENDPOINT_AUD_API);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(jta_authz_resource_audience("https://t.example",
		    bad[i], &aud, &e) == JTA_ERR_INPUT, "%s", bad[i]);
		ck_assert_str_eq(e.field, "invalid_target");
	}
	ck_assert_str_eq(jta_authz_audience_name(JTA_ENDPOINT_AUD_MCP),
	    "mcp");
	ck_assert_int_eq(jta_authz_audience_of("mcp"), JTA_ENDPOINT_AUD_MCP);
	ck_assert_int_eq(jta_authz_audience_of(NULL), JTA_ENDPOINT_AUD_API);
}
END_TEST

/* RFC 6750 §3, RFC 9728 §5.1. */
START_TEST(challenge_names_the_metadata)
{
	char	 buf[512];

	ck_assert_int_eq(jta_authz_challenge("https://t.example",
	    JTA_ENDPOINT_AUD_MCP, 1, buf, sizeof(buf)), JTA_OK);
	ck_assert_str_eq(buf, "Bearer realm=\"jta\", error=\"invalid_token\", "
	    "resource_metadata=\"https://t.example/.well-known/"
	    "oauth-protected-resource/mcp\", scope=\"tickets\"");
	ck_assert_int_eq(jta_authz_challenge("https://t.example",
	    JTA_ENDPOINT_AUD_API, 0, buf, sizeof(buf)), JTA_OK);
	ck_assert_str_eq(buf, "Bearer realm=\"jta\", resource_metadata="
	    "\"https://t.example/.well-known/oauth-protected-resource\", "
	    "scope=\"tickets\"");
	ck_assert_int_ne(jta_authz_challenge("https://t.example",
	    JTA_ENDPOINT_AUD_API, 0, buf, 40), JTA_OK);
}
END_TEST

static int
rmtree(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static Suite *
authz_suite(void)
{
	Suite	*s = suite_create("jta_authz");
	TCase	*tc;

	tc = tcase_create("pieces");
	tcase_add_test(tc, s256_matches_rfc7636_appendix_b);
	tcase_add_test(tc, pkce_shapes);
	tcase_add_test(tc, redirect_uri_shapes);
	tcase_add_test(tc, scope_default_known_and_unknown);
	tcase_add_test(tc, basic_credentials_are_percent_decoded);
	tcase_add_test(tc, token_answer_and_errors_are_not_cached);
	tcase_add_test(tc, redirect_never_to_an_invalid_uri);
	tcase_add_test(tc, metadata_names_our_endpoints);
	tcase_add_test(tc, metadata_says_iss_and_registration);
	tcase_add_test(tc, resource_names_an_audience);
	tcase_add_test(tc, audience_binds_the_family);
	tcase_add_test(tc, cimd_max_age_follows_cache_control);
	tcase_add_test(tc, challenge_names_the_metadata);
	suite_add_tcase(s, tc);

	tc = tcase_create("grants");
	/* Argon2 with its interactive limits, and more under ASan. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, client_secret_checked_and_rotated);
	tcase_add_test(tc, form_token_bound_to_nonce_and_request);
	tcase_add_test(tc, client_add_refuses_bad_uris_and_names);
	tcase_add_test(tc, redirect_uri_matches_exactly);
	tcase_add_test(tc, bad_redirect_uri_neither_registered_nor_followed);
	tcase_add_test(tc, code_to_tokens_to_api_and_replay_revokes);
	tcase_add_test(tc, code_single_use_replay_revokes_its_tokens);
	tcase_add_test(tc, code_checks_client_uri_expiry_and_pkce);
	tcase_add_test(tc, code_expires_after_60_seconds);
	tcase_add_test(tc, pkce_s256_good_and_bad_verifier);
	tcase_add_test(tc, refresh_rotates_with_grace_then_refuses);
	tcase_add_test(tc, refresh_rotates_grace_then_family_dies);
	tcase_add_test(tc, refresh_older_than_the_last_replaced_kills_family);
	tcase_add_test(tc, refresh_replaced_past_grace_kills_family);
	tcase_add_test(tc, refresh_grace_answers_once_then_family_dies);
	tcase_add_test(tc, revoke_is_quiet_for_unknown_tokens);
	tcase_add_test(tc, password_set_and_check);
	tcase_add_test(tc, password_login_locks_after_failures);
	tcase_add_test(tc, password_change_revokes_every_grant);
	tcase_add_test(tc, request_encode_decode);
	suite_add_tcase(s, tc);
	return s;
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmtree, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	if (sodium_init() < 0)
		return NULL;
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return authz_suite();
}
