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

#include "jta_vault.h"

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

START_TEST(free_and_close_accept_null)
{
	jta_secret_free(NULL);
	jta_vault_close(NULL);
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

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0 || mkdtemp(tmproot) == NULL) {
		perror("setup");
		return EXIT_FAILURE;
	}
	sr = srunner_create(vault_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
