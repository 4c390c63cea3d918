/*
 * Unit tests for jta_auth: `Authorization: Bearer <API key>` (RFC 6750
 * §2.1) checked against a real store and vault in a temporary directory.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "jta_auth.h"
#include "jta_authz.h"
#include "jta_log.h"
#include "check_main.h"
#include "jta_store_people.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

struct fixture {
	struct jta_store *st;
	struct jta_vault *vault;
	struct jta_authz *az;
	struct jta_user	 alice;
	char		 token[JTA_VAULT_TOKENLEN + 1];
	char		 keyid[JTA_VAULT_IDLEN + 1];
};

/* A store with user alice holding one key (fx->token), and its vault. */
static void
fx_open(struct fixture *fx)
{
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
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
	ck_assert_int_eq(jta_store_user_add(fx->st, "alice", "Alice Liddell",
	    "alice@example.org", &id, &e), JTA_OK);
	fx->alice.id = id;
	ck_assert_int_eq(jta_vault_token_new(fx->vault, fx->token, fx->keyid,
	    hash), JTA_OK);
	ck_assert_int_eq(jta_store_key_add(fx->st, id, fx->keyid, hash,
	    "test", &e), JTA_OK);
}

static void
fx_close(struct fixture *fx)
{
	jta_authz_free(fx->az);
	jta_store_close(fx->st);
	jta_vault_close(fx->vault);
}

/* Authenticate with the Authorization header value h (NULL: none). */
static enum jta_err
auth(struct fixture *fx, const char *h, struct jta_user *u,
    struct jta_error *e)
{
	struct jta_req	 req;

	memset(&req, 0, sizeof(req));
	if (h != NULL)
		snprintf(req.authorization, sizeof(req.authorization), "%s",
		    h);
	memset(e, 0, sizeof(*e));
	memset(u, 0, sizeof(*u));
	return jta_auth_bearer(fx->st, fx->az, fx->vault, &req,
	    JTA_ENDPOINT_AUD_API, 0, u, e);
}

static void
assert_401(enum jta_err rc, const struct jta_error *e, const char *has)
{
	ck_assert_msg(rc == JTA_ERR_AUTH, "rc %d (%s)", (int)rc, e->detail);
	ck_assert_int_eq(e->status, 401);
	ck_assert_str_eq(e->field, "Authorization");
	if (has != NULL)
		ck_assert_msg(strstr(e->detail, has) != NULL,
		    "detail '%s' lacks '%s'", e->detail, has);
}

START_TEST(valid_key_fills_user)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];

	fx_open(&fx);
	snprintf(h, sizeof(h), "Bearer %s", fx.token);
	ck_assert_int_eq(auth(&fx, h, &u, &e), JTA_OK);
	ck_assert(u.id == fx.alice.id);
	ck_assert_str_eq(u.name, "alice");
	ck_assert_str_eq(u.display_name, "Alice Liddell");
	ck_assert_str_eq(u.email, "alice@example.org");
	fx_close(&fx);
}
END_TEST

START_TEST(scheme_is_case_insensitive)
{
	static const char *const schemes[] = { "bearer", "BEARER", "BeArEr" };
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];
	size_t		 i;

	fx_open(&fx);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		snprintf(h, sizeof(h), "%s %s", schemes[i], fx.token);
		ck_assert_msg(auth(&fx, h, &u, &e) == JTA_OK, "%s: %s",
		    schemes[i], e.detail);
		ck_assert_str_eq(u.name, "alice");
	}
	fx_close(&fx);
}
END_TEST

/* RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token. */
START_TEST(several_spaces_after_scheme_accepted)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];
	enum jta_err	 rc;

	fx_open(&fx);
	snprintf(h, sizeof(h), "Bearer   %s", fx.token);
	rc = auth(&fx, h, &u, &e);
	fx_close(&fx);
	ck_assert_msg(rc == JTA_OK, "%s", e.detail);
	ck_assert_str_eq(u.name, "alice");
}
END_TEST

START_TEST(missing_header_is_401_mentioning_bearer)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;

	fx_open(&fx);
	assert_401(auth(&fx, NULL, &u, &e), &e, "Bearer");
	assert_401(auth(&fx, "", &u, &e), &e, "Bearer");
	fx_close(&fx);
}
END_TEST

/* /mcp's 401 points an MCP client at signing in, not at an operator's
 * key; an API key still serves. */
START_TEST(missing_header_at_mcp_says_sign_in)
{
	struct fixture	 fx;
	struct jta_req	 req;
	struct jta_user	 u;
	struct jta_error e;

	fx_open(&fx);
	memset(&req, 0, sizeof(req));
	memset(&e, 0, sizeof(e));
	assert_401(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_MCP, 0, &u, &e), &e, "sign in");
	ck_assert_msg(strstr(e.detail, "resource_metadata") != NULL &&
	    strstr(e.detail, "jta-admin") == NULL, "%s", e.detail);
	snprintf(req.authorization, sizeof(req.authorization), "Bearer %s",
	    fx.token);
	ck_assert_int_eq(jta_auth_bearer(fx.st, fx.az, fx.vault, &req,
	    JTA_ENDPOINT_AUD_MCP, 0, &u, &e), JTA_OK);
	ck_assert_str_eq(u.name, "alice");
	fx_close(&fx);
}
END_TEST

START_TEST(other_scheme_is_401)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];

	fx_open(&fx);
	assert_401(auth(&fx, "Basic YWxpY2U6c2VjcmV0", &u, &e), &e, "Bearer");
	snprintf(h, sizeof(h), "Token %s", fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, "Bearer");
	snprintf(h, sizeof(h), "Bearer:%s", fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, NULL);
	snprintf(h, sizeof(h), "Bearer%s", fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, NULL);
	/* The bare token without a scheme. */
	assert_401(auth(&fx, fx.token, &u, &e), &e, "Bearer");
	ck_assert(u.id == 0);
	fx_close(&fx);
}
END_TEST

START_TEST(malformed_key_is_401)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[160];

	fx_open(&fx);
	assert_401(auth(&fx, "Bearer", &u, &e), &e, NULL);
	assert_401(auth(&fx, "Bearer ", &u, &e), &e, "malformed");
	assert_401(auth(&fx, "Bearer not-a-key", &u, &e), &e, "malformed");
	snprintf(h, sizeof(h), "Bearer %.*s", JTA_VAULT_TOKENLEN - 1,
	    fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, "malformed");
	snprintf(h, sizeof(h), "Bearer %sA", fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, "malformed");
	snprintf(h, sizeof(h), "Bearer %s ", fx.token);
	assert_401(auth(&fx, h, &u, &e), &e, NULL);
	snprintf(h, sizeof(h), "Bearer xta_%s", fx.token + 4);
	assert_401(auth(&fx, h, &u, &e), &e, "malformed");
	ck_assert(u.id == 0);
	fx_close(&fx);
}
END_TEST

START_TEST(unknown_key_is_401)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 other[JTA_VAULT_TOKENLEN + 1], id[JTA_VAULT_IDLEN + 1];
	char		 h[128];

	fx_open(&fx);
	/* Well-formed, never stored. */
	ck_assert_int_eq(jta_vault_token_new(fx.vault, other, id, hash),
	    JTA_OK);
	snprintf(h, sizeof(h), "Bearer %s", other);
	assert_401(auth(&fx, h, &u, &e), &e, "unknown");
	/* The stored id with another secret. */
	memcpy(other, fx.token, sizeof(other));
	other[JTA_VAULT_TOKENLEN - 1] =
	    other[JTA_VAULT_TOKENLEN - 1] == 'A' ? 'B' : 'A';
	snprintf(h, sizeof(h), "Bearer %s", other);
	assert_401(auth(&fx, h, &u, &e), &e, "unknown");
	ck_assert(u.id == 0);
	fx_close(&fx);
}
END_TEST

START_TEST(revoked_key_is_401)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];

	fx_open(&fx);
	snprintf(h, sizeof(h), "Bearer %s", fx.token);
	ck_assert_int_eq(auth(&fx, h, &u, &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_revoke(fx.st, fx.keyid, &e), JTA_OK);
	assert_401(auth(&fx, h, &u, &e), &e, "revoked");
	fx_close(&fx);
}
END_TEST

START_TEST(key_from_another_vault_is_401)
{
	struct fixture	 fx, fx2;
	struct jta_user	 u;
	struct jta_error e;
	char		 h[128];

	fx_open(&fx);
	fx_open(&fx2);
	/* fx's token checked against fx's store but fx2's master key. */
	snprintf(h, sizeof(h), "Bearer %s", fx.token);
	{
		struct jta_vault *tmp = fx.vault;

		fx.vault = fx2.vault;
		assert_401(auth(&fx, h, &u, &e), &e, NULL);
		fx.vault = tmp;
	}
	ck_assert_int_eq(auth(&fx, h, &u, &e), JTA_OK);
	fx_close(&fx);
	fx_close(&fx2);
}
END_TEST

START_TEST(log_never_holds_the_token)
{
	struct fixture	 fx;
	struct jta_user	 u;
	struct jta_error e;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 other[JTA_VAULT_TOKENLEN + 1], id[JTA_VAULT_IDLEN + 1];
	char		 h[128], logpath[300], buf[4096];
	int		 fd, saved;
	FILE		*f;
	size_t		 n;

	fx_open(&fx);
	ck_assert_int_eq(jta_vault_token_new(fx.vault, other, id, hash),
	    JTA_OK);
	snprintf(h, sizeof(h), "Bearer %s", other);
	snprintf(logpath, sizeof(logpath), "%s/logXXXXXX", tmproot);
	fd = mkstemp(logpath);
	ck_assert_int_ge(fd, 0);
	jta_log_set_level(JTA_LOG_DEBUG);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	(void)auth(&fx, h, &u, &e);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	jta_log_set_level(JTA_LOG_ERROR);
	f = fopen(logpath, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* The event is logged by public id ... */
	ck_assert_msg(strstr(buf, id) != NULL, "log: %s", buf);
	/* ... and the secret part of the token never reaches the log. */
	ck_assert_ptr_null(strstr(buf, other + 5 + JTA_VAULT_IDLEN));
	ck_assert_ptr_null(strstr(buf, "Bearer"));
	fx_close(&fx);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("jta_auth");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, valid_key_fills_user);
	tcase_add_test(tc, scheme_is_case_insensitive);
	tcase_add_test(tc, missing_header_at_mcp_says_sign_in);
	tcase_add_test(tc, several_spaces_after_scheme_accepted);
	tcase_add_test(tc, missing_header_is_401_mentioning_bearer);
	tcase_add_test(tc, other_scheme_is_401);
	tcase_add_test(tc, malformed_key_is_401);
	tcase_add_test(tc, unknown_key_is_401);
	tcase_add_test(tc, revoked_key_is_401);
	tcase_add_test(tc, key_from_another_vault_is_401);
	tcase_add_test(tc, log_never_holds_the_token);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return auth_suite();
}
