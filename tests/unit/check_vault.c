/*
 * Unit tests for jta_vault: the master key file (0600, exactly 64 hex
 * digits), API key tokens (jta_<12 hex>_<43 base64url>) and their keyed
 * hashes, fingerprints and guarded secrets.
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

#include "jta_limits.h"
#include "jta_vault.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

/* A fresh directory under tmproot for one test. */
static void
newdir(char *dir, size_t dirsz)
{
	int n = snprintf(dir, dirsz, "%s/tXXXXXX", tmproot);

	ck_assert(n > 0 && (size_t)n < dirsz);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
pathin(char *out, size_t outsz, const char *dir, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);

	ck_assert(n > 0 && (size_t)n < outsz);
}

/* Write len bytes of data to a new file at path with mode. */
static void
writefile(const char *path, const char *data, size_t len, mode_t mode)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, data, len) == (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Create a key file in a new directory and open it. */
static struct jta_vault *
newvault(char *keypath, size_t keypathsz)
{
	struct jta_vault *v = NULL;
	char		 dir[256], msg[512];

	newdir(dir, sizeof(dir));
	pathin(keypath, keypathsz, dir, "vault.key");
	ck_assert_int_eq(jta_vault_create_key(keypath, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_vault_open(keypath, &v, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_ptr_nonnull(v);
	return v;
}

static int
ishex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int
isb64url(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* Byte-wise equality for test assertions (not constant time: these are
 * test values, and the banned-function check keeps memcmp away from code
 * that holds secrets). */
static int
samebytes(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

static const char goodhex[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

START_TEST(create_key_writes_64_hex_mode_0600)
{
	char		 dir[256], path[512], msg[512], buf[200];
	struct stat	 sb;
	FILE		*f;
	size_t		 n, i;

	umask(022);
	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "vault.key");
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_eq(n, crypto_kdf_KEYBYTES * 2 + 1);
	for (i = 0; i < crypto_kdf_KEYBYTES * 2; i++)
		ck_assert_msg(ishex(buf[i]), "byte %zu is not hex", i);
	ck_assert_int_eq(buf[n - 1], '\n');
}
END_TEST

START_TEST(create_key_mode_0600_despite_permissive_umask)
{
	char		 dir[256], path[512], msg[512];
	struct stat	 sb;

	umask(0);
	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "vault.key");
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	umask(022);
}
END_TEST

START_TEST(create_key_refuses_existing_file)
{
	char		 dir[256], path[512], msg[512];
	char		 before[100], after[100];
	FILE		*f;
	size_t		 n1, n2;

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "vault.key");
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)), JTA_OK);
	f = fopen(path, "r");
	n1 = fread(before, 1, sizeof(before), f);
	fclose(f);
	msg[0] = '\0';
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)),
	    JTA_ERR_IO);
	ck_assert_msg(strstr(msg, path) != NULL, "message '%s' does not "
	    "name the file", msg);
	/* The existing key is untouched. */
	f = fopen(path, "r");
	n2 = fread(after, 1, sizeof(after), f);
	fclose(f);
	ck_assert_uint_eq(n1, n2);
	ck_assert(samebytes(before, after, n1));
}
END_TEST

START_TEST(create_key_two_keys_differ)
{
	char		 dir[256], p1[512], p2[512], msg[512];
	char		 a[100], b[100];
	FILE		*f;

	newdir(dir, sizeof(dir));
	pathin(p1, sizeof(p1), dir, "a.key");
	pathin(p2, sizeof(p2), dir, "b.key");
	ck_assert_int_eq(jta_vault_create_key(p1, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_vault_create_key(p2, msg, sizeof(msg)), JTA_OK);
	f = fopen(p1, "r");
	ck_assert_uint_eq(fread(a, 1, 65, f), 65);
	fclose(f);
	f = fopen(p2, "r");
	ck_assert_uint_eq(fread(b, 1, 65, f), 65);
	fclose(f);
	ck_assert(!samebytes(a, b, 64));
}
END_TEST

START_TEST(open_accepts_64_hex_with_or_without_newline)
{
	struct jta_vault *v = NULL;
	char		 dir[256], path[512], msg[512], line[80];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "k1");
	writefile(path, goodhex, 64, 0600);
	ck_assert_int_eq(jta_vault_open(path, &v, msg, sizeof(msg)), JTA_OK);
	jta_vault_close(v);
	v = NULL;
	pathin(path, sizeof(path), dir, "k2");
	snprintf(line, sizeof(line), "%s\n", goodhex);
	writefile(path, line, 65, 0400);
	ck_assert_int_eq(jta_vault_open(path, &v, msg, sizeof(msg)), JTA_OK);
	jta_vault_close(v);
}
END_TEST

/* Open must refuse path, leaving *out NULL and naming path in msg. */
static void
assert_open_refused(const char *path)
{
	struct jta_vault *v = (struct jta_vault *)&v;
	char		 msg[512];
	enum jta_err	 rc;

	msg[0] = '\0';
	rc = jta_vault_open(path, &v, msg, sizeof(msg));
	ck_assert_int_ne(rc, JTA_OK);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(msg, path) != NULL, "message '%s' does not "
	    "name the file", msg);
}

START_TEST(open_refuses_group_readable_0640)
{
	char	 dir[256], path[512];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "vault.key");
	writefile(path, goodhex, 64, 0640);
	assert_open_refused(path);
}
END_TEST

START_TEST(open_refuses_world_readable_0604)
{
	char	 dir[256], path[512];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "vault.key");
	writefile(path, goodhex, 64, 0604);
	assert_open_refused(path);
}
END_TEST

START_TEST(open_refuses_group_or_other_writable)
{
	char	 dir[256], path[512];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "g.key");
	writefile(path, goodhex, 64, 0620);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "o.key");
	writefile(path, goodhex, 64, 0602);
	assert_open_refused(path);
}
END_TEST

START_TEST(open_refuses_missing_file)
{
	char	 dir[256], path[512];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "absent.key");
	assert_open_refused(path);
}
END_TEST

START_TEST(open_refuses_wrong_length)
{
	char	 dir[256], path[512], buf[200];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "short.key");
	writefile(path, goodhex, 62, 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "odd.key");
	writefile(path, goodhex, 63, 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "empty.key");
	writefile(path, "", 0, 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "long.key");
	snprintf(buf, sizeof(buf), "%s00\n", goodhex);
	writefile(path, buf, strlen(buf), 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "double.key");
	snprintf(buf, sizeof(buf), "%s%s", goodhex, goodhex);
	writefile(path, buf, strlen(buf), 0600);
	assert_open_refused(path);
}
END_TEST

START_TEST(open_refuses_non_hex)
{
	char	 dir[256], path[512], buf[200];

	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "g.key");
	snprintf(buf, sizeof(buf), "%s", goodhex);
	buf[10] = 'g';
	writefile(path, buf, 64, 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "blank.key");
	snprintf(buf, sizeof(buf), "%.32s %.32s", goodhex, goodhex + 32);
	writefile(path, buf, strlen(buf), 0600);
	assert_open_refused(path);
	pathin(path, sizeof(path), dir, "trailer.key");
	snprintf(buf, sizeof(buf), "%s\nextra\n", goodhex);
	writefile(path, buf, strlen(buf), 0600);
	assert_open_refused(path);
}
END_TEST

START_TEST(token_new_has_documented_format)
{
	struct jta_vault *v;
	char		 key[512], token[JTA_VAULT_TOKENLEN + 1];
	char		 id[JTA_VAULT_IDLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	size_t		 i;

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(JTA_VAULT_TOKENLEN, 4 + 12 + 1 + 43);
	ck_assert_int_eq(jta_vault_token_new(v, token, id, hash), JTA_OK);
	ck_assert_uint_eq(strlen(token), JTA_VAULT_TOKENLEN);
	ck_assert(strncmp(token, "jta_", 4) == 0);
	for (i = 4; i < 16; i++)
		ck_assert_msg(ishex(token[i]), "id byte %zu: %c", i, token[i]);
	ck_assert_int_eq(token[16], '_');
	for (i = 17; i < JTA_VAULT_TOKENLEN; i++)
		ck_assert_msg(isb64url(token[i]), "secret byte %zu", i);
	ck_assert_uint_eq(strlen(id), JTA_VAULT_IDLEN);
	ck_assert(strncmp(id, token + 4, JTA_VAULT_IDLEN) == 0);
	jta_vault_close(v);
}
END_TEST

START_TEST(token_new_tokens_are_unique)
{
	struct jta_vault *v;
	char		 key[512], t1[JTA_VAULT_TOKENLEN + 1];
	char		 t2[JTA_VAULT_TOKENLEN + 1];
	char		 id1[JTA_VAULT_IDLEN + 1], id2[JTA_VAULT_IDLEN + 1];
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(jta_vault_token_new(v, t1, id1, h1), JTA_OK);
	ck_assert_int_eq(jta_vault_token_new(v, t2, id2, h2), JTA_OK);
	ck_assert_str_ne(t1, t2);
	ck_assert_str_ne(id1, id2);
	ck_assert(!jta_vault_hash_equal(h1, h2));
	jta_vault_close(v);
}
END_TEST

START_TEST(token_check_round_trips_same_hash)
{
	struct jta_vault *v, *v2 = NULL;
	char		 key[512], msg[512], token[JTA_VAULT_TOKENLEN + 1];
	char		 id[JTA_VAULT_IDLEN + 1], id2[JTA_VAULT_IDLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES], hash2[JTA_VAULT_HASHBYTES];

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(jta_vault_token_new(v, token, id, hash), JTA_OK);
	ck_assert_int_eq(jta_vault_token_check(v, token, strlen(token), id2,
	    hash2), JTA_OK);
	ck_assert_str_eq(id, id2);
	ck_assert(jta_vault_hash_equal(hash, hash2));
	ck_assert(samebytes(hash, hash2, sizeof(hash)));
	/* The same key file opened again derives the same hash. */
	ck_assert_int_eq(jta_vault_open(key, &v2, msg, sizeof(msg)), JTA_OK);
	memset(hash2, 0, sizeof(hash2));
	ck_assert_int_eq(jta_vault_token_check(v2, token, strlen(token), id2,
	    hash2), JTA_OK);
	ck_assert(jta_vault_hash_equal(hash, hash2));
	jta_vault_close(v);
	jta_vault_close(v2);
}
END_TEST

START_TEST(token_check_only_reads_len_bytes)
{
	struct jta_vault *v;
	char		 key[512], token[JTA_VAULT_TOKENLEN + 8];
	char		 id[JTA_VAULT_IDLEN + 1], id2[JTA_VAULT_IDLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES], hash2[JTA_VAULT_HASHBYTES];

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(jta_vault_token_new(v, token, id, hash), JTA_OK);
	memcpy(token + JTA_VAULT_TOKENLEN, "garbage", 8);
	ck_assert_int_eq(jta_vault_token_check(v, token, JTA_VAULT_TOKENLEN,
	    id2, hash2), JTA_OK);
	ck_assert(jta_vault_hash_equal(hash, hash2));
	ck_assert_int_eq(jta_vault_token_check(v, token, strlen(token),
	    id2, hash2), JTA_ERR_AUTH);
	jta_vault_close(v);
}
END_TEST

/* token with byte i replaced by c must be refused. */
static void
assert_refused_with(const struct jta_vault *v, const char *token, size_t i,
    char c)
{
	char		 t[JTA_VAULT_TOKENLEN + 1];
	char		 id[JTA_VAULT_IDLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES];

	memcpy(t, token, sizeof(t));
	t[i] = c;
	ck_assert_msg(jta_vault_token_check(v, t, JTA_VAULT_TOKENLEN, id,
	    hash) == JTA_ERR_AUTH, "byte %zu as 0x%02x accepted", i,
	    (unsigned)(unsigned char)c);
}

START_TEST(token_check_rejects_bad_shapes)
{
	struct jta_vault *v;
	char		 key[512], token[JTA_VAULT_TOKENLEN + 1];
	char		 longer[JTA_VAULT_TOKENLEN + 2];
	char		 id[JTA_VAULT_IDLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES];

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(jta_vault_token_new(v, token, id, hash), JTA_OK);
	/* Wrong length. */
	ck_assert_int_eq(jta_vault_token_check(v, token, 0, id, hash),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_vault_token_check(v, token,
	    JTA_VAULT_TOKENLEN - 1, id, hash), JTA_ERR_AUTH);
	snprintf(longer, sizeof(longer), "%sA", token);
	ck_assert_int_eq(jta_vault_token_check(v, longer,
	    JTA_VAULT_TOKENLEN + 1, id, hash), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_vault_token_check(v, "", 0, id, hash),
	    JTA_ERR_AUTH);
	/* Wrong prefix. */
	assert_refused_with(v, token, 0, 'J');
	assert_refused_with(v, token, 2, 'b');
	assert_refused_with(v, token, 3, '-');
	/* Separator. */
	assert_refused_with(v, token, 16, '-');
	assert_refused_with(v, token, 16, 'a');
	/* Id: lower-case hex only. */
	assert_refused_with(v, token, 4, 'A');
	assert_refused_with(v, token, 9, 'g');
	assert_refused_with(v, token, 15, '_');
	assert_refused_with(v, token, 15, '\0');
	/* Secret: base64url only, no padding. */
	assert_refused_with(v, token, 17, '+');
	assert_refused_with(v, token, 30, '/');
	assert_refused_with(v, token, JTA_VAULT_TOKENLEN - 1, '=');
	assert_refused_with(v, token, 40, ' ');
	assert_refused_with(v, token, 40, '\0');
	assert_refused_with(v, token, 40, '\n');
	assert_refused_with(v, token, 40, '\xc3');
	jta_vault_close(v);
}
END_TEST

START_TEST(different_master_keys_give_different_hashes)
{
	struct jta_vault *v1, *v2;
	char		 k1[512], k2[512], token[JTA_VAULT_TOKENLEN + 1];
	char		 id[JTA_VAULT_IDLEN + 1], id2[JTA_VAULT_IDLEN + 1];
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];

	v1 = newvault(k1, sizeof(k1));
	v2 = newvault(k2, sizeof(k2));
	ck_assert_int_eq(jta_vault_token_new(v1, token, id, h1), JTA_OK);
	ck_assert_int_eq(jta_vault_token_check(v2, token, strlen(token), id2,
	    h2), JTA_OK);
	ck_assert_str_eq(id, id2);
	ck_assert(!jta_vault_hash_equal(h1, h2));
	jta_vault_close(v1);
	jta_vault_close(v2);
}
END_TEST

START_TEST(hash_equal_compares_every_byte)
{
	unsigned char	 a[JTA_VAULT_HASHBYTES], b[JTA_VAULT_HASHBYTES];
	size_t		 i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 7 + 1);
	memcpy(b, a, sizeof(a));
	ck_assert_int_eq(jta_vault_hash_equal(a, b), 1);
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x01;
		ck_assert_msg(jta_vault_hash_equal(a, b) == 0, "byte %zu", i);
		b[i] ^= 0x01;
	}
	b[JTA_VAULT_HASHBYTES - 1] ^= 0x80;
	ck_assert_int_eq(jta_vault_hash_equal(a, b), 0);
}
END_TEST

START_TEST(fingerprint_is_first_8_hex_digits)
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 fp[JTA_VAULT_FPLEN + 1];
	size_t		 i;

	for (i = 0; i < sizeof(hash); i++)
		hash[i] = (unsigned char)(0xf0 - i);
	hash[0] = 0xde;
	hash[1] = 0xad;
	hash[2] = 0x0b;
	hash[3] = 0x1f;
	memset(fp, 'X', sizeof(fp));
	jta_vault_fingerprint(hash, fp);
	ck_assert_uint_eq(strlen(fp), JTA_VAULT_FPLEN);
	ck_assert_str_eq(fp, "dead0b1f");
}
END_TEST

START_TEST(fingerprint_of_issued_token_matches_hash)
{
	struct jta_vault *v;
	char		 key[512], token[JTA_VAULT_TOKENLEN + 1];
	char		 id[JTA_VAULT_IDLEN + 1], fp[JTA_VAULT_FPLEN + 1];
	char		 want[JTA_VAULT_FPLEN + 1];
	unsigned char	 hash[JTA_VAULT_HASHBYTES];

	v = newvault(key, sizeof(key));
	ck_assert_int_eq(jta_vault_token_new(v, token, id, hash), JTA_OK);
	jta_vault_fingerprint(hash, fp);
	snprintf(want, sizeof(want), "%02x%02x%02x%02x", hash[0], hash[1],
	    hash[2], hash[3]);
	ck_assert_str_eq(fp, want);
	/* A fingerprint is not a piece of the token. */
	ck_assert_ptr_null(strstr(token, fp));
	jta_vault_close(v);
}
END_TEST

START_TEST(secret_new_is_zeroed_and_sized)
{
	struct jta_secret *s, *z;
	size_t		 i;

	s = jta_secret_new(64);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->buf);
	ck_assert_uint_eq(s->len, 64);
	for (i = 0; i < s->len; i++)
		ck_assert_uint_eq(s->buf[i], 0);
	memset(s->buf, 0xaa, s->len);
	jta_secret_free(s);
	z = jta_secret_new(0);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->len, 0);
	jta_secret_free(z);
}
END_TEST

START_TEST(secret_area_reused_across_requests)
{
	struct jta_secret *a, *b;
	unsigned char	*where;
	size_t		 used0, live0, used, live, i;

	jta_secret_area_stats(&used0, &live0);
	/* One "request": two secrets, freed in order of allocation. */
	a = jta_secret_new(40);
	b = jta_secret_new(100);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	jta_secret_area_stats(&used, &live);
	ck_assert_uint_eq(live, live0 + 2);
	ck_assert_uint_gt(used, used0);
	where = a->buf;
	memset(a->buf, 0xaa, a->len);
	memset(b->buf, 0xbb, b->len);
	jta_secret_free(a);
	/* Freed out of order: wiped at once, room back with the last one. */
	for (i = 0; i < 40; i++)
		ck_assert_uint_eq(where[i], 0);
	jta_secret_free(b);
	jta_secret_area_stats(&used, &live);
	ck_assert_uint_eq(used, used0);
	ck_assert_uint_eq(live, live0);
	/* The next "request" gets the same guarded memory back, zeroed. */
	a = jta_secret_new(40);
	ck_assert_ptr_eq(a->buf, where);
	for (i = 0; i < a->len; i++)
		ck_assert_uint_eq(a->buf[i], 0);
	jta_secret_free(a);
}
END_TEST

START_TEST(secret_area_full_falls_back)
{
	struct jta_secret *big, *many[64];
	size_t		 used0, live0, used, live, i;

	jta_secret_area_stats(&used0, &live0);
	big = jta_secret_new(JTA_LIMIT_SECRET_AREA + 1);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(big->len, JTA_LIMIT_SECRET_AREA + 1);
	jta_secret_area_stats(&used, &live);
	ck_assert_uint_eq(used, used0);	/* not in the area */
	big->buf[JTA_LIMIT_SECRET_AREA] = 1;
	jta_secret_free(big);
	/* More than fit: the rest get allocations of their own. */
	for (i = 0; i < 64; i++) {
		many[i] = jta_secret_new(1024);
		ck_assert_ptr_nonnull(many[i]);
		memset(many[i]->buf, 0xcc, many[i]->len);
	}
	jta_secret_area_stats(&used, &live);
	ck_assert_uint_le(used, JTA_LIMIT_SECRET_AREA);
	ck_assert_uint_lt(live, live0 + 64);
	for (i = 0; i < 64; i++)
		jta_secret_free(many[i]);
	jta_secret_area_stats(&used, &live);
	ck_assert_uint_eq(used, used0);
	ck_assert_uint_eq(live, live0);
}
END_TEST

START_TEST(free_and_close_accept_null)
{
	jta_secret_free(NULL);
	jta_vault_close(NULL);
}
END_TEST


/* ---- token keys and sealed tokens ---- */

/* A vault with a master key and a token key file (KID 1) in a new
 * directory; tkpath gets the token key file's path. */
static struct jta_vault *
newtvault(char *tkpath, size_t tkpathsz)
{
	struct jta_vault *v;
	char		 kp[512], dir[512], msg[1024];

	v = newvault(kp, sizeof(kp));
	snprintf(dir, sizeof(dir), "%s", kp);
	*strrchr(dir, '/') = '\0';
	pathin(tkpath, tkpathsz, dir, "token.key");
	ck_assert_int_eq(jta_vault_keys_create(tkpath, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_msg(jta_vault_keys_load(v, tkpath, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	return v;
}

/* A second vault on the same token key file. */
static struct jta_vault *
othervault(const char *tkpath)
{
	struct jta_vault *v;
	char		 kp[512], msg[1024];

	v = newvault(kp, sizeof(kp));
	ck_assert_msg(jta_vault_keys_load(v, tkpath, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	return v;
}

static void
seal(struct jta_vault *v, const char *pt, const char *ad, unsigned char **ct,
    size_t *ctlen)
{
	ck_assert_int_eq(jta_vault_seal(v, (const unsigned char *)pt,
	    strlen(pt), ad, ct, ctlen), JTA_OK);
	ck_assert_ptr_nonnull(*ct);
	ck_assert_uint_eq(*ctlen, strlen(pt) + JTA_VAULT_SEAL_OVERHEAD);
}

/* Unseal and check the plaintext is pt. */
static void
opens_to(struct jta_vault *v, const unsigned char *ct, size_t ctlen,
    const char *ad, const char *pt)
{
	struct jta_secret *s = NULL;

	ck_assert_int_eq(jta_vault_unseal(v, ct, ctlen, ad, &s), JTA_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, strlen(pt));
	ck_assert(samebytes(s->buf, pt, s->len));
	jta_secret_free(s);
}

static void
refused(struct jta_vault *v, const unsigned char *ct, size_t ctlen,
    const char *ad)
{
	struct jta_secret *s = (struct jta_secret *)&s;

	ck_assert_int_eq(jta_vault_unseal(v, ct, ctlen, ad, &s),
	    JTA_ERR_CRYPTO);
	ck_assert_ptr_null(s);
}

/* Write text as a token key file with mode; load it into a new vault and
 * expect rc with a message holding each of want (NULL-terminated). */
static void
load_expect(const char *text, mode_t mode, enum jta_err rc,
    const char *const *want)
{
	struct jta_vault *v;
	char		 kp[512], dir[512], tk[600], msg[1024];

	v = newvault(kp, sizeof(kp));
	snprintf(dir, sizeof(dir), "%s", kp);
	*strrchr(dir, '/') = '\0';
	pathin(tk, sizeof(tk), dir, "token.key");
	writefile(tk, text, strlen(text), mode);
	msg[0] = '\0';
	ck_assert_int_eq(jta_vault_keys_load(v, tk, msg, sizeof(msg)), rc);
	if (rc != JTA_OK) {
		ck_assert_msg(strstr(msg, tk) != NULL, "'%s' does not name "
		    "the file", msg);
		for (; want != NULL && *want != NULL; want++)
			ck_assert_msg(strstr(msg, *want) != NULL, "'%s' lacks "
			    "'%s'", msg, *want);
		/* Nothing loaded: sealing is refused. */
		ck_assert_uint_eq(jta_vault_seal_kid(v), 0);
	} else
		ck_assert_uint_gt(jta_vault_seal_kid(v), 0);
	jta_vault_close(v);
}

START_TEST(keys_create_kid_1_mode_0600_exclusive)
{
	char		 dir[256], path[512], msg[1024], buf[400], *line;
	struct stat	 sb;
	FILE		*f;
	size_t		 n, i;

	umask(0);
	newdir(dir, sizeof(dir));
	pathin(path, sizeof(path), dir, "token.key");
	ck_assert_int_eq(jta_vault_keys_create(path, msg, sizeof(msg)),
	    JTA_OK);
	umask(022);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Comment lines, then exactly one key line "1 HEX64". */
	for (line = buf; *line == '#'; line = strchr(line, '\n') + 1)
		;
	ck_assert(line[0] == '1' && line[1] == ' ');
	for (i = 0; i < 64; i++)
		ck_assert_msg(ishex(line[2 + i]), "byte %zu", i);
	ck_assert_str_eq(line + 66, "\n");
	msg[0] = '\0';
	ck_assert_int_eq(jta_vault_keys_create(path, msg, sizeof(msg)),
	    JTA_ERR_IO);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
}
END_TEST

START_TEST(seal_unseal_round_trip)
{
	struct jta_vault *v;
	unsigned char	*ct = NULL, *ct2 = NULL;
	size_t		 ctlen = 0, ct2len = 0;
	uint32_t	 kid = 0;
	char		 tk[600];

	v = newtvault(tk, sizeof(tk));
	ck_assert_uint_eq(jta_vault_seal_kid(v), 1);
	seal(v, "eyJhbGciOi.access-token", "atl:42:access", &ct, &ctlen);
	ck_assert_uint_eq(ct[0], JTA_VAULT_SEAL_VERSION);
	ck_assert(ct[1] == 0 && ct[2] == 0 && ct[3] == 0 && ct[4] == 1);
	ck_assert_int_eq(jta_vault_sealed_kid(ct, ctlen, &kid), JTA_OK);
	ck_assert_uint_eq(kid, 1);
	opens_to(v, ct, ctlen, "atl:42:access", "eyJhbGciOi.access-token");
	/* A fresh nonce each time: the same plaintext seals differently. */
	seal(v, "eyJhbGciOi.access-token", "atl:42:access", &ct2, &ct2len);
	ck_assert(!samebytes(ct + 5, ct2 + 5,
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES));
	free(ct2);
	ct2 = NULL;
	/* The plaintext is not in the ciphertext. */
	ck_assert_ptr_null(memmem(ct, ctlen, "access-token", 12));
	/* An empty token seals and opens too. */
	seal(v, "", "atl:42:refresh", &ct2, &ct2len);
	opens_to(v, ct2, ct2len, "atl:42:refresh", "");
	free(ct);
	free(ct2);
	jta_vault_close(v);
}
END_TEST

START_TEST(unseal_wrong_ad_fails)
{
	struct jta_vault *v;
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0;
	char		 tk[600];

	v = newtvault(tk, sizeof(tk));
	seal(v, "secret-token", "atl:42:access", &ct, &ctlen);
	refused(v, ct, ctlen, "atl:42:refresh");
	refused(v, ct, ctlen, "atl:43:access");
	refused(v, ct, ctlen, "atl:42:access ");
	refused(v, ct, ctlen, "");
	opens_to(v, ct, ctlen, "atl:42:access", "secret-token");
	free(ct);
	jta_vault_close(v);
}
END_TEST

START_TEST(unseal_tampered_byte_anywhere_fails)
{
	struct jta_vault *v;
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0, i;
	unsigned	 bit;
	char		 tk[600];

	v = newtvault(tk, sizeof(tk));
	seal(v, "secret-token", "atl:7:access", &ct, &ctlen);
	for (i = 0; i < ctlen; i++)
		for (bit = 0; bit < 8; bit += 7) {
			ct[i] ^= (unsigned char)(1u << bit);
			refused(v, ct, ctlen, "atl:7:access");
			ct[i] ^= (unsigned char)(1u << bit);
		}
	opens_to(v, ct, ctlen, "atl:7:access", "secret-token");
	free(ct);
	jta_vault_close(v);
}
END_TEST

START_TEST(unseal_truncated_or_extended_fails)
{
	struct jta_vault *v;
	unsigned char	*ct = NULL, *longer;
	size_t		 ctlen = 0, n;
	uint32_t	 kid;
	char		 tk[600];

	v = newtvault(tk, sizeof(tk));
	seal(v, "secret-token", "atl:7:access", &ct, &ctlen);
	for (n = 0; n < ctlen; n++)
		refused(v, ct, n, "atl:7:access");
	ck_assert_int_eq(jta_vault_sealed_kid(ct, JTA_VAULT_SEAL_OVERHEAD - 1,
	    &kid), JTA_ERR_CRYPTO);
	longer = malloc(ctlen + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, ct, ctlen);
	longer[ctlen] = 0;
	refused(v, longer, ctlen + 1, "atl:7:access");
	free(longer);
	free(ct);
	jta_vault_close(v);
}
END_TEST

START_TEST(unseal_unknown_kid_or_other_key_fails)
{
	struct jta_vault *v, *w;
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0;
	char		 tk[600], tk2[600];

	v = newtvault(tk, sizeof(tk));
	w = newtvault(tk2, sizeof(tk2));	/* KID 1 too, another key */
	seal(v, "secret-token", "atl:1:access", &ct, &ctlen);
	refused(w, ct, ctlen, "atl:1:access");
	/* A KID no file holds, even after re-reading the file. */
	ct[4] = 9;
	refused(v, ct, ctlen, "atl:1:access");
	ct[4] = 1;
	/* An unknown format version. */
	ct[0] = 2;
	refused(v, ct, ctlen, "atl:1:access");
	ct[0] = 1;
	opens_to(v, ct, ctlen, "atl:1:access", "secret-token");
	free(ct);
	jta_vault_close(v);
	jta_vault_close(w);
}
END_TEST

START_TEST(seal_without_token_keys_is_config_error)
{
	struct jta_vault *v;
	struct jta_secret *s = NULL;
	unsigned char	*ct = (unsigned char *)&ct, fake[80];
	size_t		 ctlen = 1;
	char		 kp[512];

	v = newvault(kp, sizeof(kp));
	ck_assert_int_eq(jta_vault_seal(v, (const unsigned char *)"x", 1,
	    "atl:1:access", &ct, &ctlen), JTA_ERR_CONFIG);
	ck_assert_ptr_null(ct);
	ck_assert_uint_eq(ctlen, 0);
	ck_assert_uint_eq(jta_vault_seal_kid(v), 0);
	memset(fake, 0, sizeof(fake));
	fake[0] = 1;
	fake[4] = 1;
	ck_assert_int_ne(jta_vault_unseal(v, fake, sizeof(fake),
	    "atl:1:access", &s), JTA_OK);
	ck_assert_ptr_null(s);
	jta_vault_close(v);
}
END_TEST

START_TEST(keys_load_refuses_group_or_other_access)
{
	static const char *const want[] = { "chmod 600", NULL };
	char		 text[100];

	snprintf(text, sizeof(text), "1 %s\n", goodhex);
	load_expect(text, 0644, JTA_ERR_CONFIG, want);
	load_expect(text, 0640, JTA_ERR_CONFIG, want);
	load_expect(text, 0602, JTA_ERR_CONFIG, want);
	load_expect(text, 0600, JTA_OK, NULL);
	load_expect(text, 0400, JTA_OK, NULL);
}
END_TEST

START_TEST(keys_load_refuses_malformed_lines)
{
	static const char *const line2[] = { ":2:", NULL };
	static const char *const line3[] = { ":3:", NULL };
	char		 text[400];

	/* Bad hex on line 2 (after a comment). */
	snprintf(text, sizeof(text), "# keys\n1 %.63sg\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	/* 63 and 65 hex digits. */
	snprintf(text, sizeof(text), "\n1 %.63s\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	snprintf(text, sizeof(text), "#\n1 %s0\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	/* KID 0, a sign, too large, missing, not decimal. */
	snprintf(text, sizeof(text), "1 %s\n2 %s\n0 %s\n", goodhex, goodhex,
	    goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line3);
	snprintf(text, sizeof(text), "#\n+1 %s\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	snprintf(text, sizeof(text), "#\n2147483648 %s\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	snprintf(text, sizeof(text), "#\n%s\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	snprintf(text, sizeof(text), "#\n1x %s\n", goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	/* Two keys on one line. */
	snprintf(text, sizeof(text), "#\n1 %s %s\n", goodhex, goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, line2);
	/* No key at all. */
	load_expect("# nothing\n\n", 0600, JTA_ERR_CONFIG, NULL);
	load_expect("", 0600, JTA_ERR_CONFIG, NULL);
	/* Blanks, tabs, CRLF and the largest KID are fine. */
	snprintf(text, sizeof(text), "  # c\r\n\t2147483647\t %s \r\n\n",
	    goodhex);
	load_expect(text, 0600, JTA_OK, NULL);
}
END_TEST

START_TEST(keys_load_refuses_duplicate_kid)
{
	static const char *const want[] = { ":3:", "twice", NULL };
	char		 text[400];

	snprintf(text, sizeof(text), "5 %s\n6 %s\n5 %s\n", goodhex, goodhex,
	    goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, want);
}
END_TEST

START_TEST(keys_load_refuses_too_many_keys)
{
	static const char *const want[] = { ":17:", "16", NULL };
	char		 text[4000];
	size_t		 off = 0;
	int		 i;

	for (i = 1; i <= JTA_LIMIT_TOKEN_KEYS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%d %s\n", i, goodhex);
	load_expect(text, 0600, JTA_OK, NULL);
	snprintf(text + off, sizeof(text) - off, "%d %s\n", i, goodhex);
	load_expect(text, 0600, JTA_ERR_CONFIG, want);
}
END_TEST

START_TEST(keys_add_then_retire)
{
	struct jta_vault *v;
	unsigned char	*old = NULL, *neu = NULL;
	size_t		 oldlen = 0, neulen = 0;
	struct stat	 sb;
	uint32_t	 kid = 0;
	char		 tk[600], msg[1024];

	v = newtvault(tk, sizeof(tk));
	seal(v, "old-token", "atl:1:refresh", &old, &oldlen);
	umask(0);
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_OK);
	umask(022);
	ck_assert_uint_eq(kid, 2);
	ck_assert_int_eq(stat(tk, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	/* The vault notices the new file before sealing. */
	ck_assert_uint_eq(jta_vault_seal_kid(v), 2);
	seal(v, "new-token", "atl:1:refresh", &neu, &neulen);
	ck_assert_int_eq(jta_vault_sealed_kid(neu, neulen, &kid), JTA_OK);
	ck_assert_uint_eq(kid, 2);
	opens_to(v, old, oldlen, "atl:1:refresh", "old-token");
	/* Retiring anything but the sealing key is refused. */
	ck_assert_int_eq(jta_vault_keys_retire(tk, 1, msg, sizeof(msg)),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_vault_keys_retire(tk, 3, msg, sizeof(msg)),
	    JTA_ERR_NOTFOUND);
	opens_to(v, old, oldlen, "atl:1:refresh", "old-token");
	ck_assert_int_eq(jta_vault_keys_retire(tk, 2, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(stat(tk, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_uint_eq(jta_vault_seal_kid(v), 2);
	opens_to(v, neu, neulen, "atl:1:refresh", "new-token");
	refused(v, old, oldlen, "atl:1:refresh");
	/* KIDs only grow: the next one is 3. */
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_uint_eq(kid, 3);
	free(old);
	free(neu);
	jta_vault_close(v);
}
END_TEST

START_TEST(keys_add_stops_at_the_limit)
{
	char		 tk[600], msg[1024];
	struct jta_vault *v;
	uint32_t	 kid = 0;
	int		 i;

	v = newtvault(tk, sizeof(tk));
	for (i = 2; i <= JTA_LIMIT_TOKEN_KEYS; i++) {
		ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg,
		    sizeof(msg)), JTA_OK);
		ck_assert_uint_eq(kid, (uint32_t)i);
	}
	msg[0] = '\0';
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_ERR_CONFLICT);
	ck_assert_msg(strstr(msg, tk) != NULL, "%s", msg);
	ck_assert_uint_eq(jta_vault_seal_kid(v), JTA_LIMIT_TOKEN_KEYS);
	jta_vault_close(v);
}
END_TEST

START_TEST(reload_on_change_across_two_vaults)
{
	struct jta_vault *a, *b;
	unsigned char	*ct = NULL, *ct2 = NULL;
	size_t		 ctlen = 0, ct2len = 0;
	uint32_t	 kid = 0;
	char		 tk[600], msg[1024];

	a = newtvault(tk, sizeof(tk));
	b = othervault(tk);
	/* The same file, so each opens what the other sealed. */
	seal(a, "tok-a", "atl:5:access", &ct, &ctlen);
	opens_to(b, ct, ctlen, "atl:5:access", "tok-a");
	free(ct);
	ct = NULL;
	/* A rotation through the file; b has not looked at it since. */
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_OK);
	seal(a, "tok-2", "atl:5:access", &ct, &ctlen);
	ck_assert_int_eq(jta_vault_sealed_kid(ct, ctlen, &kid), JTA_OK);
	ck_assert_uint_eq(kid, 2);
	/* b meets KID 2, unknown to it, re-reads the file once and opens. */
	opens_to(b, ct, ctlen, "atl:5:access", "tok-2");
	/* And b's next seal uses KID 2 as well. */
	seal(b, "tok-b", "atl:5:access", &ct2, &ct2len);
	ck_assert_int_eq(jta_vault_sealed_kid(ct2, ct2len, &kid), JTA_OK);
	ck_assert_uint_eq(kid, 2);
	opens_to(a, ct2, ct2len, "atl:5:access", "tok-b");
	free(ct);
	free(ct2);
	jta_vault_close(a);
	jta_vault_close(b);
}
END_TEST

START_TEST(broken_key_file_keeps_old_keys_and_stops_sealing)
{
	struct jta_vault *v;
	unsigned char	*ct = NULL, *ct2 = (unsigned char *)&ct;
	size_t		 ctlen = 0, ct2len = 0;
	char		 tk[600];

	v = newtvault(tk, sizeof(tk));
	seal(v, "tok", "atl:9:access", &ct, &ctlen);
	ck_assert_int_eq(chmod(tk, 0644), 0);
	/* A changed file that is refused: no sealing under a key file
	 * others can read, but what is sealed still opens. */
	ck_assert_int_eq(jta_vault_seal(v, (const unsigned char *)"x", 1,
	    "atl:9:access", &ct2, &ct2len), JTA_ERR_CONFIG);
	ck_assert_ptr_null(ct2);
	ck_assert_uint_eq(jta_vault_seal_kid(v), 0);
	opens_to(v, ct, ctlen, "atl:9:access", "tok");
	ck_assert_int_eq(chmod(tk, 0600), 0);
	ck_assert_uint_eq(jta_vault_seal_kid(v), 1);
	free(ct);
	jta_vault_close(v);
}
END_TEST

static Suite *
vault_suite(void)
{
	Suite	*s = suite_create("jta_vault");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, create_key_writes_64_hex_mode_0600);
	tcase_add_test(tc, create_key_mode_0600_despite_permissive_umask);
	tcase_add_test(tc, create_key_refuses_existing_file);
	tcase_add_test(tc, create_key_two_keys_differ);
	tcase_add_test(tc, open_accepts_64_hex_with_or_without_newline);
	tcase_add_test(tc, open_refuses_group_readable_0640);
	tcase_add_test(tc, open_refuses_world_readable_0604);
	tcase_add_test(tc, open_refuses_group_or_other_writable);
	tcase_add_test(tc, open_refuses_missing_file);
	tcase_add_test(tc, open_refuses_wrong_length);
	tcase_add_test(tc, open_refuses_non_hex);
	tcase_add_test(tc, token_new_has_documented_format);
	tcase_add_test(tc, token_new_tokens_are_unique);
	tcase_add_test(tc, token_check_round_trips_same_hash);
	tcase_add_test(tc, token_check_only_reads_len_bytes);
	tcase_add_test(tc, token_check_rejects_bad_shapes);
	tcase_add_test(tc, different_master_keys_give_different_hashes);
	tcase_add_test(tc, hash_equal_compares_every_byte);
	tcase_add_test(tc, fingerprint_is_first_8_hex_digits);
	tcase_add_test(tc, fingerprint_of_issued_token_matches_hash);
	tcase_add_test(tc, secret_new_is_zeroed_and_sized);
	tcase_add_test(tc, free_and_close_accept_null);
	tcase_add_test(tc, secret_area_reused_across_requests);
	tcase_add_test(tc, secret_area_full_falls_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("seal");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, keys_create_kid_1_mode_0600_exclusive);
	tcase_add_test(tc, seal_unseal_round_trip);
	tcase_add_test(tc, unseal_wrong_ad_fails);
	tcase_add_test(tc, unseal_tampered_byte_anywhere_fails);
	tcase_add_test(tc, unseal_truncated_or_extended_fails);
	tcase_add_test(tc, unseal_unknown_kid_or_other_key_fails);
	tcase_add_test(tc, seal_without_token_keys_is_config_error);
	tcase_add_test(tc, keys_load_refuses_group_or_other_access);
	tcase_add_test(tc, keys_load_refuses_malformed_lines);
	tcase_add_test(tc, keys_load_refuses_duplicate_kid);
	tcase_add_test(tc, keys_load_refuses_too_many_keys);
	tcase_add_test(tc, keys_add_then_retire);
	tcase_add_test(tc, keys_add_stops_at_the_limit);
	tcase_add_test(tc, reload_on_change_across_two_vaults);
	tcase_add_test(tc, broken_key_file_keeps_old_keys_and_stops_sealing);
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
	if (sodium_init() < 0 || mkdtemp(tmproot) == NULL) {
		perror("setup");
		return NULL;
	}
	jta_check_at_end(done);
	return vault_suite();
}
