#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jta_limits.h"
#include "jta_vault.h"

/* Subkey ids under the master key (crypto_kdf); never reuse a number. */
#define SUBKEY_TOKEN_HASH	1
static const char kdf_context[crypto_kdf_CONTEXTBYTES] = { 'j', 't', 'a',
    '-', 'v', 'l', 't', '1' };

struct jta_vault {
	unsigned char	 hashkey[crypto_generichash_KEYBYTES];
};

struct jta_secret *
jta_secret_new(size_t len)
{
	struct jta_secret *s;

	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return NULL;
	if ((s->buf = sodium_malloc(len == 0 ? 1 : len)) == NULL) {
		sodium_free(s);
		return NULL;
	}
	sodium_memzero(s->buf, len == 0 ? 1 : len);
	s->len = len;
	return s;
}

void
jta_secret_free(struct jta_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->buf);	/* wipes before freeing */
	sodium_free(s);
}

enum jta_err
jta_vault_create_key(const char *path, char *msg, size_t msgsz)
{
	unsigned char	 key[crypto_kdf_KEYBYTES];
	char		 hex[crypto_kdf_KEYBYTES * 2 + 2];
	size_t		 len;
	int		 fd;

	if (sodium_init() < 0) {
		snprintf(msg, msgsz, "libsodium failed to initialise");
		return JTA_ERR_CRYPTO;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(msg, msgsz, "%s: cannot create key file: %s", path,
		    strerror(errno));
		return JTA_ERR_IO;
	}
	crypto_kdf_keygen(key);
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	len = strlen(hex);
	hex[len++] = '\n';
	if (write(fd, hex, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(msg, msgsz, "%s: cannot write key file: %s", path,
		    strerror(errno));
		sodium_memzero(key, sizeof(key));
		sodium_memzero(hex, sizeof(hex));
		close(fd);
		unlink(path);
		return JTA_ERR_IO;
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	return JTA_OK;
}

enum jta_err
jta_vault_open(const char *path, struct jta_vault **out, char *msg,
    size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	struct jta_vault *v = NULL;
	struct jta_secret *file = NULL, *master = NULL;
	struct stat	 st;
	size_t		 binlen = 0;
	ssize_t		 n;
	int		 fd = -1;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(msg, msgsz, "libsodium failed to initialise");
		rc = JTA_ERR_CRYPTO;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(msg, msgsz, "vault_key_file %s: cannot open: %s "
		    "(create it with 'jta-admin init')", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "vault_key_file %s: not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msgsz, "vault_key_file %s: mode %03o lets "
		    "others read it; run 'chmod 600 %s'", path,
		    (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	if ((file = jta_secret_new(JTA_LIMIT_SECRET_FILE)) == NULL ||
	    (master = jta_secret_new(crypto_kdf_KEYBYTES)) == NULL ||
	    (v = sodium_malloc(sizeof(*v))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((n = read(fd, file->buf, file->len)) < 0) {
		snprintf(msg, msgsz, "vault_key_file %s: read error: %s",
		    path, strerror(errno));
		goto out;
	}
	if (sodium_hex2bin(master->buf, master->len, (const char *)file->buf,
	    (size_t)n, "\n", &binlen, NULL) != 0 ||
	    binlen != crypto_kdf_KEYBYTES) {
		snprintf(msg, msgsz, "vault_key_file %s: must hold exactly %d "
		    "hex digits", path, crypto_kdf_KEYBYTES * 2);
		goto out;
	}
	if (crypto_kdf_derive_from_key(v->hashkey, sizeof(v->hashkey),
	    SUBKEY_TOKEN_HASH, kdf_context, master->buf) != 0) {
		snprintf(msg, msgsz, "vault_key_file %s: key derivation "
		    "failed", path);
		rc = JTA_ERR_CRYPTO;
		goto out;
	}
	*out = v;
	v = NULL;
	rc = JTA_OK;
out:
	if (fd >= 0)
		close(fd);
	jta_secret_free(file);
	jta_secret_free(master);
	jta_vault_close(v);
	return rc;
}

void
jta_vault_close(struct jta_vault *v)
{
	if (v != NULL)
		sodium_free(v);
}

static void
hashtoken(const struct jta_vault *v, const char *token, size_t len,
    unsigned char hash[JTA_VAULT_HASHBYTES])
{
	/* BLAKE2b with a key cannot fail for these sizes. */
	(void)crypto_generichash(hash, JTA_VAULT_HASHBYTES,
	    (const unsigned char *)token, len, v->hashkey, sizeof(v->hashkey));
}

enum jta_err
jta_vault_token_new(const struct jta_vault *v,
    char token[JTA_VAULT_TOKENLEN + 1], char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES])
{
	unsigned char	 idb[JTA_VAULT_IDLEN / 2], sec[32];
	char		 b64[sodium_base64_ENCODED_LEN(32,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(idb, sizeof(idb));
	randombytes_buf(sec, sizeof(sec));
	sodium_bin2hex(id, JTA_VAULT_IDLEN + 1, idb, sizeof(idb));
	sodium_bin2base64(b64, sizeof(b64), sec, sizeof(sec),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (snprintf(token, JTA_VAULT_TOKENLEN + 1, "jta_%s_%s", id, b64) !=
	    JTA_VAULT_TOKENLEN) {
		sodium_memzero(sec, sizeof(sec));
		return JTA_ERR_INTERNAL;
	}
	hashtoken(v, token, JTA_VAULT_TOKENLEN, hash);
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(b64, sizeof(b64));
	return JTA_OK;
}

enum jta_err
jta_vault_token_check(const struct jta_vault *v, const char *token,
    size_t len, char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES])
{
	size_t	 i;

	if (len != JTA_VAULT_TOKENLEN ||
	    memcmp(token, "jta_", 4) != 0 || /* banned-ok: public prefix */
	    token[4 + JTA_VAULT_IDLEN] != '_')
		return JTA_ERR_AUTH;
	for (i = 4; i < 4 + JTA_VAULT_IDLEN; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'f')))
			return JTA_ERR_AUTH;
	for (i = 5 + JTA_VAULT_IDLEN; i < len; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'z') ||
		    (token[i] >= 'A' && token[i] <= 'Z') ||
		    token[i] == '-' || token[i] == '_'))
			return JTA_ERR_AUTH;
	memcpy(id, token + 4, JTA_VAULT_IDLEN);
	id[JTA_VAULT_IDLEN] = '\0';
	hashtoken(v, token, len, hash);
	return JTA_OK;
}

int
jta_vault_hash_equal(const unsigned char a[JTA_VAULT_HASHBYTES],
    const unsigned char b[JTA_VAULT_HASHBYTES])
{
	return sodium_memcmp(a, b, JTA_VAULT_HASHBYTES) == 0;
}

void
jta_vault_fingerprint(const unsigned char hash[JTA_VAULT_HASHBYTES],
    char out[JTA_VAULT_FPLEN + 1])
{
	sodium_bin2hex(out, JTA_VAULT_FPLEN + 1, hash, JTA_VAULT_FPLEN / 2);
}

void
jta_vault_random(char out[JTA_VAULT_RANDLEN + 1])
{
	unsigned char	 b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, JTA_VAULT_RANDLEN + 1, b, sizeof(b),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(b, sizeof(b));
}

void
jta_vault_hash(const struct jta_vault *v, const char *s, size_t len,
    unsigned char hash[JTA_VAULT_HASHBYTES])
{
	hashtoken(v, s, len, hash);
}

enum jta_err
jta_vault_secret_read(const char *path, const char *key,
    struct jta_secret **out, char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	struct jta_secret *file = NULL, *s = NULL;
	struct stat	 st;
	ssize_t		 n;
	size_t		 len;
	int		 fd = -1;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(msg, msgsz, "libsodium failed to initialise");
		return JTA_ERR_CRYPTO;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(msg, msgsz, "%s %s: cannot open: %s", key, path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s %s: not a regular file", key, path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msgsz, "%s %s: mode %03o lets others read it; "
		    "run 'chmod 600 %s'", key, path,
		    (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	if ((file = jta_secret_new(JTA_LIMIT_SECRET_FILE + 1)) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((n = read(fd, file->buf, file->len)) < 0) {
		snprintf(msg, msgsz, "%s %s: read error: %s", key, path,
		    strerror(errno));
		goto out;
	}
	len = (size_t)n;
	if (len > JTA_LIMIT_SECRET_FILE) {
		snprintf(msg, msgsz, "%s %s: larger than %d bytes", key, path,
		    JTA_LIMIT_SECRET_FILE);
		goto out;
	}
	while (len > 0 && (file->buf[len - 1] == '\n' ||
	    file->buf[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(file->buf, '\n', len) != NULL ||
	    memchr(file->buf, '\0', len) != NULL) {
		snprintf(msg, msgsz, "%s %s: must hold the secret on one "
		    "line", key, path);
		goto out;
	}
	if ((s = jta_secret_new(len)) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	memcpy(s->buf, file->buf, len);
	*out = s;
	rc = JTA_OK;
out:
	if (fd >= 0)
		close(fd);
	jta_secret_free(file);
	return rc;
}
