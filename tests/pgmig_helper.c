/*
 * The store-API half of tests/admin-migrate.sh ('jta-admin migrate',
 * README "Moving a SQLite deployment into PostgreSQL"):
 *
 *   pgmig_helper populate DB VAULT_KEY TOKEN_KEYS CLIENT_ID REDIRECT OUT
 *	in the SQLite database DB: an Atlassian link with sealed tokens,
 *	a GPT sign-in of alice (a code redeemed through our authorization
 *	server for CLIENT_ID: a live token family), a draft of alice's with
 *	a file and two calls of hers counted in the usage file;
 *	writes to OUT the link's user id and the sign-in's access and
 *	refresh tokens, one a line (test secrets in the test's directory).
 *
 *   pgmig_helper verify URL PASSWORD_FILE VAULT_KEY TOKEN_KEYS CLIENT_ID
 *	    API_KEY PASSWORD IN
 *	through the PostgreSQL store of URL: the API key and the password
 *	sign alice in, the sign-in's access token is alice's and its refresh
 *	token rotates, the link's tokens unseal with the same key files (the
 *	access token by a read, the refresh token by a lease), the client,
 *	the rules and alice's draft with its file (not uploaded) are there,
 *	and a person added now gets an id past the moved ones.
 *
 *   pgmig_helper relink DB VAULT_KEY TOKEN_KEYS
 *	in the SQLite database DB: the link's tokens renewed (as a refresh
 *	after a first run of migrate would) and the draft's file uploaded.
 *
 *   pgmig_helper after URL PASSWORD_FILE VAULT_KEY TOKEN_KEYS API_KEY IN
 *	through the PostgreSQL store of URL, after the run that followed:
 *	the link has the renewed tokens, the draft's file is uploaded, and
 *	the API key and alice's
 *	sign-in (revoked in DB since: the key, and every token by a new
 *	password) no longer sign in, the access token rotated in
 *	PostgreSQL by verify included.
 *
 * Prints one line per check; exit status 1 at the first that fails.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "jta_authz.h"
#include "jta_db.h"
#include "jta_pg.h"
#include "jta_store_drafts.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_authz.h"
#include "jta_store_usage.h"
#include "jta_vault.h"

#define ACCESS	"atlassian-access-token-moved-sealed"
#define REFRESH	"atlassian-refresh-token-moved-sealed"
#define ACCESS2	"atlassian-access-token-renewed-sealed"
#define REFRESH2 "atlassian-refresh-token-renewed-sealed"
#define DRAFT	"draft-moved-by-migrate"

/* The draft's one file, listed; 0 or -1. */
static int
draftfile(struct jta_store *st, struct jta_draft_file *df)
{
	struct jta_error e;
	size_t		 n = 0;

	memset(&e, 0, sizeof(e));
	if (jta_store_draft_file_list(st, DRAFT, df, 1, &n, &e) != JTA_OK ||
	    n != 1)
		return -1;
	return 0;
}

static int
fail(const char *what, const struct jta_error *e)
{
	fprintf(stderr, "pgmig_helper: FAIL %s%s%s\n", what,
	    e != NULL && e->detail[0] != '\0' ? ": " : "",
	    e != NULL ? e->detail : "");
	return 1;
}

/* One line of f into buf (bufsz bytes), its newline dropped; 0, or -1
 * when there is none or it does not fit. */
static int
line(FILE *f, char *buf, size_t bufsz)
{
	size_t	 n;

	if (fgets(buf, (int)bufsz, f) == NULL)
		return -1;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = '\0';
	return 0;
}

/* The tokens' file: the link's user id, then the access and refresh
 * tokens of the sign-in (refresh NULL: not wanted). */
static int
tokens(const char *path, long long *uid, char *access, char *refresh,
    size_t sz)
{
	FILE	*f;
	char	 num[32], skip[JTA_AUTHZ_TOKENLEN + 2];
	char	*end;
	int	 rc = -1;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (line(f, num, sizeof(num)) == 0 &&
	    line(f, access, sz) == 0 &&
	    line(f, refresh != NULL ? refresh : skip, refresh != NULL ? sz :
	    sizeof(skip)) == 0) {
		*uid = strtoll(num, &end, 10);
		rc = *end == '\0' && *uid > 0 ? 0 : -1;
	}
	fclose(f);
	return rc;
}

static int
vault(const char *key, const char *keys, struct jta_vault **v)
{
	char	 msg[512];

	if (jta_vault_open(key, v, msg, sizeof(msg)) != JTA_OK ||
	    jta_vault_keys_load(*v, keys, msg, sizeof(msg)) != JTA_OK) {
		fprintf(stderr, "pgmig_helper: %s\n", msg);
		return -1;
	}
	return 0;
}

static void
linked(struct jta_link *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->account_id, sizeof(l->account_id), "acct-moved-1");
	snprintf(l->cloud_id, sizeof(l->cloud_id), "cloud-moved-1");
	snprintf(l->site_url, sizeof(l->site_url), "https://moved.example");
	snprintf(l->display_name, sizeof(l->display_name), "Linked Person");
	snprintf(l->email, sizeof(l->email), "linked@example.com");
}

static int
populate(char **a)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_authz *az = NULL;
	struct jta_error e;
	struct jta_link l;
	struct jta_user u, alice;
	struct jta_authz_tokens tk;
	char		 code[JTA_AUTHZ_TOKENLEN + 1], msg[512];
	struct jta_draft_file df;
	json_t		*in = NULL;
	FILE		*f = NULL;
	int64_t		 now = (int64_t)time(NULL), fid = 0;
	int		 rc = 1;

	memset(&e, 0, sizeof(e));
	if (jta_store_open(a[0], 5000, 0, &st, msg, sizeof(msg)) != JTA_OK) {
		fprintf(stderr, "pgmig_helper: %s\n", msg);
		goto out;
	}
	if (vault(a[1], a[2], &v) != 0 || jta_authz_new(st, v, &az) != JTA_OK)
		goto out;
	linked(&l);
	if (jta_store_link_put(st, v, &l, (const unsigned char *)ACCESS,
	    strlen(ACCESS), now + 3600, (const unsigned char *)REFRESH,
	    strlen(REFRESH), &u, &e) != JTA_OK) {
		rc = fail("link_put", &e);
		goto out;
	}
	if (jta_store_user_get(st, "alice", &alice, &e) != JTA_OK) {
		rc = fail("alice", &e);
		goto out;
	}
	if (jta_authz_code_issue(az, a[3], alice.id, a[4], NULL, "",
	    JTA_ENDPOINT_AUD_API, now, code, &e) != JTA_OK ||
	    jta_authz_code_redeem(az, a[3], code, a[4], NULL, now, &tk,
	    &e) != JTA_OK) {
		rc = fail("sign-in", &e);
		goto out;
	}
	in = json_pack("{s:s}", "summary", "moved with its person");
	if (in == NULL || jta_store_draft_put(st, alice.id, DRAFT, in, in,
	    now, &e) != JTA_OK) {
		rc = fail("draft_put", &e);
		goto out;
	}
	memset(&df, 0, sizeof(df));
	snprintf(df.name, sizeof(df.name), "screen.png");
	snprintf(df.type, sizeof(df.type), "image/png");
	df.size = 3;
	snprintf(df.path, sizeof(df.path), "%s.files/screen.png", a[0]);
	memset(df.sha256, 'a', 64);
	if (jta_store_draft_file_add(st, DRAFT, &df, 1000, now, &fid, &e) !=
	    JTA_OK) {
		rc = fail("draft_file_add", &e);
		goto out;
	}
	if (jta_store_usage_connection(st, 5000) != JTA_OK ||
	    jta_store_usage_count(st, alice.id, "cloud-moved-1", now, 1, 0,
	    &e) != JTA_OK ||
	    jta_store_usage_count(st, alice.id, "cloud-moved-1", now, 0, 0,
	    &e) != JTA_OK) {
		rc = fail("usage_count", &e);
		goto out;
	}
	if ((f = fopen(a[5], "w")) == NULL ||
	    fprintf(f, "%lld\n%s\n%s\n", (long long)u.id, tk.access,
	    tk.refresh) < 0 || fclose(f) != 0) {
		f = NULL;
		rc = fail("writing the tokens' file", NULL);
		goto out;
	}
	f = NULL;
	printf("populated: link of user %lld, a sign-in and a draft of "
	    "alice\n", (long long)u.id);
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	json_decref(in);
	jta_authz_free(az);
	jta_vault_close(v);
	jta_store_close(st);
	return rc;
}

static int
same(const struct jta_secret *s, const char *want)
{
	return s != NULL && s->len == strlen(want) &&
	    memcmp(s->buf, want, s->len) == 0;
}

static int
relink(char **a)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_error e;
	struct jta_link l;
	struct jta_user u;
	struct jta_draft_file df;
	char		 msg[512];
	int		 rc = 1;

	memset(&e, 0, sizeof(e));
	if (jta_store_open(a[0], 5000, 0, &st, msg, sizeof(msg)) != JTA_OK) {
		fprintf(stderr, "pgmig_helper: %s\n", msg);
		goto out;
	}
	if (vault(a[1], a[2], &v) != 0)
		goto out;
	linked(&l);
	if (jta_store_link_put(st, v, &l, (const unsigned char *)ACCESS2,
	    strlen(ACCESS2), (int64_t)time(NULL) + 3600,
	    (const unsigned char *)REFRESH2, strlen(REFRESH2), &u, &e) !=
	    JTA_OK) {
		rc = fail("link_put", &e);
		goto out;
	}
	if (draftfile(st, &df) != 0 || jta_store_draft_file_uploaded(st,
	    DRAFT, df.id, &e) != JTA_OK) {
		rc = fail("draft_file_uploaded", &e);
		goto out;
	}
	printf("relinked user %lld, the draft's file uploaded\n",
	    (long long)u.id);
	rc = 0;
out:
	jta_vault_close(v);
	jta_store_close(st);
	return rc;
}

static int
after(char **a)
{
	struct jta_pg_conf pc;
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_secret *tok = NULL;
	struct jta_error e;
	struct jta_link l;
	struct jta_user u;
	enum jta_lease_result lr;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 id[JTA_VAULT_IDLEN + 1], msg[512];
	FILE		*f = NULL;
	long long	 luid = 0;
	char		 access[JTA_AUTHZ_TOKENLEN + 2];
	char		 rotated[JTA_AUTHZ_TOKENLEN + 2];
	struct jta_authz *az = NULL;
	struct jta_draft_file df;
	int		 rc = 1;

	memset(&e, 0, sizeof(e));
	memset(&pc, 0, sizeof(pc));
	pc.url = a[0];
	pc.password_file = a[1];
	pc.statement_timeout_ms = 10000;
	pc.connect_timeout_s = 10;
	if (jta_store_open_pg(&pc, 0, &st, msg, sizeof(msg)) != JTA_OK) {
		fprintf(stderr, "pgmig_helper: %s\n", msg);
		goto out;
	}
	if (vault(a[2], a[3], &v) != 0)
		goto out;
	if (tokens(a[5], &luid, access, NULL, sizeof(access)) != 0) {
		rc = fail("reading the tokens' file", NULL);
		goto out;
	}
	snprintf(msg, sizeof(msg), "%s.rotated", a[5]);
	if ((f = fopen(msg, "r")) == NULL ||
	    line(f, rotated, sizeof(rotated)) != 0) {
		rc = fail("reading the rotated token's file", NULL);
		goto out;
	}
	if (jta_authz_new(st, v, &az) != JTA_OK)
		goto out;
	if (jta_authz_access(az, access, (int64_t)time(NULL), &u, NULL) !=
	    JTA_ERR_AUTH || jta_authz_access(az, rotated, (int64_t)time(NULL),
	    &u, NULL) != JTA_ERR_AUTH) {
		rc = fail("alice's sign-in revoked since still works", NULL);
		goto out;
	}
	printf("ok   alice's sign-in revoked since is revoked\n");
	if (jta_vault_token_check(v, a[4], strlen(a[4]), id, hash) !=
	    JTA_OK || jta_store_key_auth(st, id, hash, &u) != JTA_ERR_AUTH) {
		rc = fail("the API key revoked since still signs in", NULL);
		goto out;
	}
	printf("ok   the API key revoked since is revoked\n");
	if (jta_store_link_get(st, v, (int64_t)luid, &l, &tok, &e) !=
	    JTA_OK || !same(tok, ACCESS2)) {
		rc = fail("the link's renewed access token", &e);
		goto out;
	}
	jta_secret_free(tok);
	tok = NULL;
	if (jta_store_link_lease(st, v, (int64_t)luid, "pgmig:after",
	    (int64_t)time(NULL), 30, l.generation, &lr, &tok, &l, &e) !=
	    JTA_OK || lr != JTA_LEASE_CLAIMED || !same(tok, REFRESH2)) {
		rc = fail("the link's renewed refresh token", &e);
		goto out;
	}
	printf("ok   the link has the renewed tokens\n");
	if (draftfile(st, &df) != 0 || !df.uploaded) {
		rc = fail("the draft's file uploaded since", NULL);
		goto out;
	}
	printf("ok   the draft's file uploaded since is uploaded\n");
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	jta_secret_free(tok);
	jta_authz_free(az);
	jta_vault_close(v);
	jta_store_close(st);
	return rc;
}

static int
verify(char **a)
{
	struct jta_pg_conf pc;
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_authz *az = NULL;
	struct jta_secret *tok = NULL;
	struct jta_error e;
	struct jta_link l;
	struct jta_user u;
	struct jta_authz_tokens tk;
	struct jta_draft d;
	struct jta_draft_file dfile;
	struct jta_store_rule rules[8];
	enum jta_lease_result lr;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 id[JTA_VAULT_IDLEN + 1], msg[512];
	char		 access[JTA_AUTHZ_TOKENLEN + 2];
	char		 refresh[JTA_AUTHZ_TOKENLEN + 2];
	json_t		*uris = NULL;
	FILE		*f = NULL, *g;
	long long	 luid = 0;
	int64_t		 now = (int64_t)time(NULL), nid = 0;
	size_t		 n = 0;
	int		 rc = 1;

	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	memset(&pc, 0, sizeof(pc));
	pc.url = a[0];
	pc.password_file = a[1];
	pc.statement_timeout_ms = 10000;
	pc.connect_timeout_s = 10;
	if (jta_store_open_pg(&pc, 0, &st, msg, sizeof(msg)) != JTA_OK) {
		fprintf(stderr, "pgmig_helper: %s\n", msg);
		goto out;
	}
	if (vault(a[2], a[3], &v) != 0 || jta_authz_new(st, v, &az) != JTA_OK)
		goto out;
	if (tokens(a[7], &luid, access, refresh, sizeof(access)) != 0) {
		rc = fail("reading the tokens' file", NULL);
		goto out;
	}
	/* The API key. */
	if (jta_vault_token_check(v, a[5], strlen(a[5]), id, hash) !=
	    JTA_OK || jta_store_key_auth(st, id, hash, &u) != JTA_OK ||
	    strcmp(u.name, "alice") != 0) {
		rc = fail("the API key does not sign alice in", NULL);
		goto out;
	}
	printf("ok   API key signs in as %s\n", u.name);
	if (jta_authz_password_check(az, "alice", a[6], strlen(a[6]), &u,
	    &e) != JTA_OK || strcmp(u.name, "alice") != 0) {
		rc = fail("alice's password", &e);
		goto out;
	}
	printf("ok   alice's password signs in\n");
	/* The GPT sign-in: the access token, then a rotation. */
	if (jta_authz_access(az, access, now, &u, NULL) != JTA_OK ||
	    strcmp(u.name, "alice") != 0) {
		rc = fail("the sign-in's access token", NULL);
		goto out;
	}
	if (jta_authz_refresh(az, a[4], refresh, now, &tk, &e) != JTA_OK ||
	    jta_authz_access(az, tk.access, now, &u, NULL) != JTA_OK) {
		rc = fail("the sign-in's refresh token", &e);
		goto out;
	}
	printf("ok   GPT sign-in: access token and refresh rotation\n");
	/* The rotated access token, issued here, for 'after'. */
	snprintf(msg, sizeof(msg), "%s.rotated", a[7]);
	if ((g = fopen(msg, "w")) == NULL ||
	    fprintf(g, "%s\n", tk.access) < 0 || fclose(g) != 0) {
		rc = fail("writing the rotated token's file", NULL);
		goto out;
	}
	/* The link: the same key files open its tokens. */
	if (jta_store_link_get(st, v, (int64_t)luid, &l, &tok, &e) !=
	    JTA_OK || !same(tok, ACCESS)) {
		rc = fail("the link's access token", &e);
		goto out;
	}
	jta_secret_free(tok);
	tok = NULL;
	if (jta_store_link_lease(st, v, (int64_t)luid, "pgmig:verify", now,
	    30, l.generation, &lr, &tok, &l, &e) != JTA_OK ||
	    lr != JTA_LEASE_CLAIMED || !same(tok, REFRESH)) {
		rc = fail("the link's refresh token", &e);
		goto out;
	}
	if (jta_store_link_release(st, (int64_t)luid, "pgmig:verify", &e) !=
	    JTA_OK) {
		rc = fail("link_release", &e);
		goto out;
	}
	printf("ok   the link's tokens unseal with the same key files\n");
	if (jta_store_client_get(st, a[4], hash, &uris, &e) != JTA_OK ||
	    json_array_size(uris) != 1) {
		rc = fail("the client", &e);
		goto out;
	}
	printf("ok   the client is there\n");
	if (jta_store_rule_list(st, rules, 8, &n, &e) != JTA_OK || n != 2) {
		rc = fail("the rules", &e);
		goto out;
	}
	printf("ok   %zu rules are there\n", n);
	if (jta_store_user_get(st, "alice", &u, &e) != JTA_OK ||
	    jta_store_draft_get(st, u.id, DRAFT, now, &d, &e) != JTA_OK) {
		rc = fail("alice's draft", &e);
		goto out;
	}
	if (draftfile(st, &dfile) != 0 || dfile.uploaded ||
	    strcmp(dfile.name, "screen.png") != 0) {
		rc = fail("alice's draft's file", NULL);
		goto out;
	}
	printf("ok   alice's draft and its file are there\n");
	if (jta_store_user_add(st, "carol", "Carol", "", &nid, &e) !=
	    JTA_OK || nid <= luid) {
		rc = fail("a person added after the move", &e);
		goto out;
	}
	printf("ok   a person added now gets a new id\n");
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	jta_store_draft_clear(&d);
	json_decref(uris);
	jta_secret_free(tok);
	jta_authz_free(az);
	jta_vault_close(v);
	jta_store_close(st);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "populate") == 0)
		return populate(argv + 2);
	if (argc == 10 && strcmp(argv[1], "verify") == 0)
		return verify(argv + 2);
	if (argc == 5 && strcmp(argv[1], "relink") == 0)
		return relink(argv + 2);
	if (argc == 8 && strcmp(argv[1], "after") == 0)
		return after(argv + 2);
	fprintf(stderr, "usage: pgmig_helper populate DB VAULT_KEY TOKEN_KEYS"
	    " CLIENT_ID REDIRECT OUT\n       pgmig_helper verify URL "
	    "PASSWORD_FILE VAULT_KEY TOKEN_KEYS CLIENT_ID API_KEY PASSWORD "
	    "IN\n       pgmig_helper relink DB VAULT_KEY TOKEN_KEYS\n"
	    "       pgmig_helper after URL PASSWORD_FILE VAULT_KEY "
	    "TOKEN_KEYS API_KEY IN\n");
	return 2;
}
