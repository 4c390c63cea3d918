#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"
#include "jta_vault.h"

/* Subkey ids under the master key (crypto_kdf); never reuse a number. */
#define SUBKEY_TOKEN_HASH	1
#define SUBKEY_FILE_LINK	2	/* issue 18: links to kept files */
static const char kdf_context[crypto_kdf_CONTEXTBYTES] = { 'j', 't', 'a',
    '-', 'v', 'l', 't', '1' };

#define TKEYBYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define TNONCEBYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TABYTES		crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Bytes of the header that go into the additional data: version, KID. */
#define SEAL_ADHEAD	5
/* The longest token key file path we remember. */
#define KEYPATH_MAX	1024

/* One token key and the set of them read from the token key file; both
 * live only in guarded memory (sodium_malloc). */
struct tkey {
	uint32_t	 kid;
	unsigned char	 key[TKEYBYTES];
};

struct keyset {
	struct tkey	 k[JTA_LIMIT_TOKEN_KEYS];
	size_t		 n;
};

/* What we saw of the key file when we read it, to notice a change. */
struct keystamp {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	struct timespec	 ctim;	/* a chmod changes only this */
};

struct jta_vault {
	unsigned char	 hashkey[crypto_generichash_KEYBYTES];
	unsigned char	 linkkey[crypto_auth_KEYBYTES];
	struct keyset	 keys;		/* n == 0: no token keys loaded */
	struct keystamp	 stamp;
	char		 keypath[KEYPATH_MAX];
};

/*
 * The guarded area (see jta_vault.h): one sodium_malloc region per
 * process, a stack of slices.  A slice is its struct jta_secret followed
 * by the secret's bytes, rounded up to ALIGN.  A slice freed out of order
 * is wiped and counted off; its room comes back when the slices above it
 * go, or when the area empties.
 */
#define ALIGN	16

static struct {
	unsigned char	*base;
	size_t		 used;	/* bytes from base handed out */
	size_t		 live;	/* slices not yet freed */
	size_t		 dead;	/* bytes of slices freed below the top */
} area;

static int
inarea(const struct jta_secret *s)
{
	const unsigned char *p = (const unsigned char *)s;

	return area.base != NULL && p >= area.base &&
	    p < area.base + JTA_LIMIT_SECRET_AREA;
}

struct jta_secret *
jta_secret_new(size_t len)
{
	struct jta_secret *s;
	size_t		 need;

	if (len > JTA_LIMIT_SECRET_AREA)
		need = SIZE_MAX;
	else
		need = (sizeof(*s) + (len == 0 ? 1 : len) + ALIGN - 1) &
		    ~(size_t)(ALIGN - 1);
	if (area.base == NULL && need != SIZE_MAX &&
	    (area.base = sodium_malloc(JTA_LIMIT_SECRET_AREA)) != NULL)
		sodium_memzero(area.base, JTA_LIMIT_SECRET_AREA);
	if (area.base != NULL && need <= JTA_LIMIT_SECRET_AREA - area.used) {
		s = (struct jta_secret *)(void *)(area.base + area.used);
		area.used += need;
		area.live++;
		s->buf = (unsigned char *)(s + 1);
		s->len = len;
		s->size = need;
		return s;
	}
	/* Full, or too large: a guarded allocation of its own. */
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return NULL;
	if ((s->buf = sodium_malloc(len == 0 ? 1 : len)) == NULL) {
		sodium_free(s);
		return NULL;
	}
	sodium_memzero(s->buf, len == 0 ? 1 : len);
	s->len = len;
	s->size = 0;
	return s;
}

void
jta_secret_free(struct jta_secret *s)
{
	unsigned char	*p;
	size_t		 size;

	if (s == NULL)
		return;
	if (!inarea(s)) {
		sodium_free(s->buf);	/* wipes before freeing */
		sodium_free(s);
		return;
	}
	p = (unsigned char *)s;
	size = s->size;
	sodium_memzero(p, size);	/* the struct and the secret */
	area.live--;
	if (p + size == area.base + area.used) {
		area.used -= size;
	} else
		area.dead += size;
	if (area.live == 0) {
		area.used = 0;
		area.dead = 0;
	}
}

void
jta_secret_area_stats(size_t *used, size_t *live)
{
	*used = area.used;
	*live = area.live;
}

/*
 * Open a file that holds secrets, for the configuration key key: a
 * regular file (no symbolic link) that group and others cannot use.
 * *fd is the open file (the caller closes it), *sb what fstat said; on
 * failure msg says why, naming the key and the file, with hint (how to
 * make it) after a failed open.
 */
static enum jta_err
open_private(const char *path, const char *key, const char *hint, int *fd,
    struct stat *sb, char *msg, size_t msgsz)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(msg, msgsz, "%s %s: cannot open: %s%s", key, path,
		    strerror(errno), hint);
		return JTA_ERR_CONFIG;
	}
	if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		snprintf(msg, msgsz, "%s %s: not a regular file", key, path);
		return JTA_ERR_CONFIG;
	}
	if ((sb->st_mode & 077) != 0) {
		snprintf(msg, msgsz, "%s %s: mode %03o lets others read or "
		    "change it; run 'chmod 600 %s'", key, path,
		    (unsigned)(sb->st_mode & 0777), path);
		return JTA_ERR_CONFIG;
	}
	return JTA_OK;
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
	if (open_private(path, "vault_key_file", " (create it with "
	    "'jta-admin init')", &fd, &st, msg, msgsz) != JTA_OK)
		goto out;
	if ((file = jta_secret_new(JTA_LIMIT_SECRET_FILE)) == NULL ||
	    (master = jta_secret_new(crypto_kdf_KEYBYTES)) == NULL ||
	    (v = sodium_malloc(sizeof(*v))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	/* sodium_malloc fills with garbage: no token keys until loaded. */
	sodium_memzero(v, sizeof(*v));
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
	    SUBKEY_TOKEN_HASH, kdf_context, master->buf) != 0 ||
	    crypto_kdf_derive_from_key(v->linkkey, sizeof(v->linkkey),
	    SUBKEY_FILE_LINK, kdf_context, master->buf) != 0) {
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
	/* sodium_free wipes the whole region: master subkey and token keys. */
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

/* ---- token keys ---- */

static void
be32put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
be32get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static struct keyset *
keyset_new(void)
{
	struct keyset	*ks;

	if ((ks = sodium_malloc(sizeof(*ks))) != NULL)
		sodium_memzero(ks, sizeof(*ks));
	return ks;
}

static void
keyset_free(struct keyset *ks)
{
	if (ks != NULL)
		sodium_free(ks);	/* wipes */
}

/* The key of ks with kid, or NULL. */
static const struct tkey *
keyset_find(const struct keyset *ks, uint32_t kid)
{
	size_t	 i;

	for (i = 0; i < ks->n; i++)
		if (ks->k[i].kid == kid)
			return &ks->k[i];
	return NULL;
}

/* The key with the highest KID (the one that seals), or NULL. */
static const struct tkey *
keyset_sealer(const struct keyset *ks)
{
	const struct tkey *best = NULL;
	size_t	 i;

	for (i = 0; i < ks->n; i++)
		if (best == NULL || ks->k[i].kid > best->kid)
			best = &ks->k[i];
	return best;
}

static int
isblank_(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse the token key file text (len bytes) named path into ks: lines
 * "KID HEX64", blank lines and '#' comment lines.  On error msg names the
 * file and the line.
 */
static enum jta_err
keys_parse(const char *path, const char *text, size_t len,
    struct keyset *ks, char *msg, size_t msgsz)
{
	const char	*line, *end, *p, *kidend, *hex;
	size_t		 pos = 0, lineno = 0, ll, binlen;
	uint64_t	 kid;
	const char	*hexend;

	ks->n = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		line = text + pos;
		ll = (nl == NULL ? len : (size_t)(nl - text)) - pos;
		pos += ll + (nl != NULL);
		lineno++;
		end = line + ll;
		if (end > line && end[-1] == '\r')
			end--;
		for (p = line; p < end && isblank_(*p); p++)
			;
		if (p == end || *p == '#')
			continue;
		for (kidend = p; kidend < end && *kidend >= '0' &&
		    *kidend <= '9'; kidend++)
			;
		for (hex = kidend; hex < end && isblank_(*hex); hex++)
			;
		for (hexend = end; hexend > hex && isblank_(hexend[-1]);
		    hexend--)
			;
		if (kidend == p || hex == kidend ||
		    jta_text_parse_uint(p, (size_t)(kidend - p),
		    JTA_VAULT_KID_MAX, &kid) != 0 || kid == 0) {
			snprintf(msg, msgsz, "token_key_file %s:%zu: expected "
			    "'KID HEX64' with KID a whole number from 1 to %lu",
			    path, lineno, (unsigned long)JTA_VAULT_KID_MAX);
			return JTA_ERR_CONFIG;
		}
		if (ks->n == JTA_LIMIT_TOKEN_KEYS) {
			snprintf(msg, msgsz, "token_key_file %s:%zu: more than "
			    "%d keys; retire old ones with 'jta-admin "
			    "key-rotate'", path, lineno, JTA_LIMIT_TOKEN_KEYS);
			return JTA_ERR_CONFIG;
		}
		if (keyset_find(ks, (uint32_t)kid) != NULL) {
			snprintf(msg, msgsz, "token_key_file %s:%zu: KID %lu "
			    "is listed twice", path, lineno,
			    (unsigned long)kid);
			return JTA_ERR_CONFIG;
		}
		if ((size_t)(hexend - hex) != TKEYBYTES * 2 ||
		    sodium_hex2bin(ks->k[ks->n].key, TKEYBYTES, hex,
		    (size_t)(hexend - hex), NULL, &binlen, NULL) != 0 ||
		    binlen != TKEYBYTES) {
			sodium_memzero(ks->k[ks->n].key, TKEYBYTES);
			snprintf(msg, msgsz, "token_key_file %s:%zu: the key "
			    "must be exactly %d hex digits", path, lineno,
			    TKEYBYTES * 2);
			return JTA_ERR_CONFIG;
		}
		ks->k[ks->n].kid = (uint32_t)kid;
		ks->n++;
	}
	if (ks->n == 0) {
		snprintf(msg, msgsz, "token_key_file %s: holds no key (create "
		    "it with 'jta-admin init')", path);
		return JTA_ERR_CONFIG;
	}
	return JTA_OK;
}

static void
stamp_of(const struct stat *sb, struct keystamp *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->dev = sb->st_dev;
	ts->ino = sb->st_ino;
	ts->size = sb->st_size;
	ts->mtim = sb->st_mtim;
	ts->ctim = sb->st_ctim;
}

static int
stamp_same(const struct keystamp *a, const struct keystamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec &&
	    a->ctim.tv_sec == b->ctim.tv_sec &&
	    a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* Read and parse the token key file at path into ks; *ts says what file
 * was read.  The same refusals as jta_vault_open for the file itself. */
static enum jta_err
keys_read(const char *path, struct keyset *ks, struct keystamp *ts,
    char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	struct jta_secret *file = NULL;
	struct stat	 sb;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fd = -1;

	if (open_private(path, "token_key_file", " (create it with "
	    "'jta-admin init')", &fd, &sb, msg, msgsz) != JTA_OK)
		goto out;
	if ((file = jta_secret_new(JTA_LIMIT_SECRET_FILE + 1)) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	while (have < file->len &&
	    (n = read(fd, file->buf + have, file->len - have)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(msg, msgsz, "token_key_file %s: read error: "
			    "%s", path, strerror(errno));
			rc = JTA_ERR_IO;
			goto out;
		}
		have += (size_t)n;
	}
	if (have > JTA_LIMIT_SECRET_FILE) {
		snprintf(msg, msgsz, "token_key_file %s: larger than %d bytes",
		    path, JTA_LIMIT_SECRET_FILE);
		goto out;
	}
	if (memchr(file->buf, '\0', have) != NULL) {
		snprintf(msg, msgsz, "token_key_file %s: holds a NUL byte",
		    path);
		goto out;
	}
	if ((rc = keys_parse(path, (const char *)file->buf, have, ks, msg,
	    msgsz)) != JTA_OK)
		goto out;
	stamp_of(&sb, ts);
	rc = JTA_OK;
out:
	if (fd >= 0)
		close(fd);
	jta_secret_free(file);
	return rc;
}

/* The file text for ks, in guarded memory. */
static enum jta_err
keys_format(const struct keyset *ks, struct jta_secret **out)
{
	static const char head[] = "# jta token keys: KID HEX64, one a line;"
	    " the highest KID seals.\n# Managed by 'jta-admin init' and "
	    "'jta-admin key-rotate'; mode 0600.\n";
	struct jta_secret *s;
	char		 hex[TKEYBYTES * 2 + 1];
	size_t		 off, i;
	int		 n;

	*out = NULL;
	/* Each line: up to 10 digits, a blank, 64 hex digits, a newline. */
	if ((s = jta_secret_new(sizeof(head) + ks->n * (10 + 1 +
	    TKEYBYTES * 2 + 1))) == NULL)
		return JTA_ERR_NOMEM;
	memcpy(s->buf, head, sizeof(head) - 1);
	off = sizeof(head) - 1;
	for (i = 0; i < ks->n; i++) {
		sodium_bin2hex(hex, sizeof(hex), ks->k[i].key, TKEYBYTES);
		n = snprintf((char *)s->buf + off, s->len - off, "%lu %s\n",
		    (unsigned long)ks->k[i].kid, hex);
		sodium_memzero(hex, sizeof(hex));
		if (n < 0 || (size_t)n >= s->len - off) {
			jta_secret_free(s);
			return JTA_ERR_INTERNAL;
		}
		off += (size_t)n;
	}
	s->len = off;	/* sodium_free frees the whole region regardless */
	*out = s;
	return JTA_OK;
}

static int
writeall(int fd, const unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Open the directory of path (for flock and fsync). */
static int
opendirof(const char *path)
{
	char	 dir[KEYPATH_MAX];
	int	 n;

	n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Replace the file at path with ks: a temporary file in the same
 * directory (0600), fsync, rename over path, fsync of the directory
 * (dirfd), so a reader sees the old file or the new one, never half. */
static enum jta_err
keys_replace(const char *path, int dirfd, const struct keyset *ks,
    char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct jta_secret *text = NULL;
	char		 tmp[KEYPATH_MAX + 8];
	int		 fd = -1, n, made = 0;

	if ((rc = keys_format(ks, &text)) != JTA_OK) {
		snprintf(msg, msgsz, "token_key_file %s: cannot format keys",
		    path);
		goto out;
	}
	rc = JTA_ERR_IO;
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(msg, msgsz, "token_key_file %s: path too long", path);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot create a "
		    "temporary file beside it: %s", path, strerror(errno));
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) != 0 || writeall(fd, text->buf, text->len) != 0 ||
	    fsync(fd) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot write %s: %s",
		    path, tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(msg, msgsz, "token_key_file %s: cannot write %s: %s",
		    path, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot replace it: %s",
		    path, strerror(errno));
		goto out;
	}
	made = 0;
	if (fsync(dirfd) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot sync its "
		    "directory: %s", path, strerror(errno));
		goto out;
	}
	rc = JTA_OK;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	jta_secret_free(text);
	return rc;
}

enum jta_err
jta_vault_keys_create(const char *path, char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_IO;
	struct keyset	*ks = NULL;
	struct jta_secret *text = NULL;
	int		 fd = -1, dirfd = -1, made = 0;

	if (sodium_init() < 0) {
		snprintf(msg, msgsz, "libsodium failed to initialise");
		return JTA_ERR_CRYPTO;
	}
	if ((ks = keyset_new()) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	ks->k[0].kid = 1;
	crypto_aead_xchacha20poly1305_ietf_keygen(ks->k[0].key);
	ks->n = 1;
	if ((rc = keys_format(ks, &text)) != JTA_OK) {
		snprintf(msg, msgsz, "token_key_file %s: cannot format keys",
		    path);
		goto out;
	}
	rc = JTA_ERR_IO;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot create: %s",
		    path, strerror(errno));
		goto out;
	}
	made = 1;
	if (writeall(fd, text->buf, text->len) != 0 || fsync(fd) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot write: %s",
		    path, strerror(errno));
		goto out;
	}
	if ((dirfd = opendirof(path)) < 0 || fsync(dirfd) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot sync its "
		    "directory: %s", path, strerror(errno));
		goto out;
	}
	made = 0;
	rc = JTA_OK;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(path);
	if (dirfd >= 0)
		close(dirfd);
	jta_secret_free(text);
	keyset_free(ks);
	return rc;
}

/* Lock the directory of path (exclusive, released by closing *dirfd) and
 * read the keys, for a read-modify-write of the key file. */
static enum jta_err
keys_lockread(const char *path, int *dirfd, struct keyset **ks, char *msg,
    size_t msgsz)
{
	struct keystamp	 ts;
	enum jta_err	 rc;

	*ks = NULL;
	if (sodium_init() < 0) {
		snprintf(msg, msgsz, "libsodium failed to initialise");
		return JTA_ERR_CRYPTO;
	}
	if ((*dirfd = opendirof(path)) < 0 || flock(*dirfd, LOCK_EX) != 0) {
		snprintf(msg, msgsz, "token_key_file %s: cannot lock its "
		    "directory: %s", path, strerror(errno));
		return JTA_ERR_IO;
	}
	if ((*ks = keyset_new()) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	if ((rc = keys_read(path, *ks, &ts, msg, msgsz)) != JTA_OK)
		return rc;
	return JTA_OK;
}

enum jta_err
jta_vault_keys_add(const char *path, uint32_t *newkid, char *msg,
    size_t msgsz)
{
	enum jta_err	 rc;
	struct keyset	*ks = NULL;
	const struct tkey *top;
	int		 dirfd = -1;

	*newkid = 0;
	if ((rc = keys_lockread(path, &dirfd, &ks, msg, msgsz)) != JTA_OK)
		goto out;
	top = keyset_sealer(ks);
	if (ks->n == JTA_LIMIT_TOKEN_KEYS) {
		snprintf(msg, msgsz, "token_key_file %s: holds %d keys "
		    "already; finish the last rotation first", path,
		    JTA_LIMIT_TOKEN_KEYS);
		rc = JTA_ERR_CONFLICT;
		goto out;
	}
	if (top->kid == JTA_VAULT_KID_MAX) {
		snprintf(msg, msgsz, "token_key_file %s: KID %lu is the last "
		    "one", path, (unsigned long)top->kid);
		rc = JTA_ERR_CONFLICT;
		goto out;
	}
	ks->k[ks->n].kid = top->kid + 1;
	crypto_aead_xchacha20poly1305_ietf_keygen(ks->k[ks->n].key);
	ks->n++;
	if ((rc = keys_replace(path, dirfd, ks, msg, msgsz)) != JTA_OK)
		goto out;
	*newkid = ks->k[ks->n - 1].kid;
out:
	if (dirfd >= 0)
		close(dirfd);	/* releases the lock */
	keyset_free(ks);
	return rc;
}

enum jta_err
jta_vault_keys_retire(const char *path, uint32_t keep_kid, char *msg,
    size_t msgsz)
{
	enum jta_err	 rc;
	struct keyset	*ks = NULL;
	const struct tkey *keep;
	int		 dirfd = -1;

	if ((rc = keys_lockread(path, &dirfd, &ks, msg, msgsz)) != JTA_OK)
		goto out;
	if ((keep = keyset_find(ks, keep_kid)) == NULL) {
		snprintf(msg, msgsz, "token_key_file %s: has no KID %lu", path,
		    (unsigned long)keep_kid);
		rc = JTA_ERR_NOTFOUND;
		goto out;
	}
	if (keyset_sealer(ks) != keep) {
		snprintf(msg, msgsz, "token_key_file %s: KID %lu does not "
		    "seal (a higher KID exists); keep the highest", path,
		    (unsigned long)keep_kid);
		rc = JTA_ERR_CONFLICT;
		goto out;
	}
	if (keep != &ks->k[0])
		memcpy(&ks->k[0], keep, sizeof(ks->k[0]));
	sodium_memzero(&ks->k[1], sizeof(ks->k[0]) * (ks->n - 1));
	ks->n = 1;
	rc = keys_replace(path, dirfd, ks, msg, msgsz);
out:
	if (dirfd >= 0)
		close(dirfd);
	keyset_free(ks);
	return rc;
}

/* Read the key file again into v when it changed (or always, with
 * force).  On error v keeps the keys it had. */
static enum jta_err
keys_reload(struct jta_vault *v, int force, char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct keyset	*ks = NULL;
	struct keystamp	 ts;
	struct stat	 sb;

	if (v->keys.n == 0) {
		snprintf(msg, msgsz, "no token keys are loaded");
		return JTA_ERR_CONFIG;
	}
	if (!force) {
		if (stat(v->keypath, &sb) != 0) {
			snprintf(msg, msgsz, "token_key_file %s: cannot stat: "
			    "%s", v->keypath, strerror(errno));
			return JTA_ERR_CONFIG;
		}
		stamp_of(&sb, &ts);
		if (stamp_same(&ts, &v->stamp))
			return JTA_OK;
	}
	if ((ks = keyset_new()) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	if ((rc = keys_read(v->keypath, ks, &ts, msg, msgsz)) == JTA_OK) {
		memcpy(&v->keys, ks, sizeof(*ks));
		v->stamp = ts;
	}
	keyset_free(ks);
	return rc;
}

enum jta_err
jta_vault_keys_load(struct jta_vault *v, const char *path, char *msg,
    size_t msgsz)
{
	enum jta_err	 rc;
	struct keyset	*ks = NULL;
	struct keystamp	 ts;
	int		 n;

	n = snprintf(NULL, 0, "%s", path);
	if (n < 0 || (size_t)n >= sizeof(v->keypath)) {
		snprintf(msg, msgsz, "token_key_file: path longer than %d "
		    "bytes", KEYPATH_MAX - 1);
		return JTA_ERR_CONFIG;
	}
	if ((ks = keyset_new()) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	if ((rc = keys_read(path, ks, &ts, msg, msgsz)) == JTA_OK) {
		memcpy(&v->keys, ks, sizeof(*ks));
		v->stamp = ts;
		memcpy(v->keypath, path, (size_t)n + 1);
	}
	keyset_free(ks);
	return rc;
}

/* The additional data: the 5 header bytes, then ad. */
static unsigned char *
makead(const unsigned char *head, const char *ad, size_t *adlen)
{
	unsigned char	*buf;
	size_t		 len = strlen(ad);

	if (len > SIZE_MAX - SEAL_ADHEAD ||
	    (buf = malloc(len + SEAL_ADHEAD)) == NULL)
		return NULL;
	memcpy(buf, head, SEAL_ADHEAD);
	memcpy(buf + SEAL_ADHEAD, ad, len);
	*adlen = len + SEAL_ADHEAD;
	return buf;
}

enum jta_err
jta_vault_seal(struct jta_vault *v, const unsigned char *pt, size_t ptlen,
    const char *ad, unsigned char **ct, size_t *ctlen)
{
	enum jta_err	 rc;
	const struct tkey *k;
	unsigned char	*out = NULL, *adbuf = NULL;
	unsigned long long clen = 0;
	size_t		 adlen = 0;
	char		 msg[KEYPATH_MAX + 256];

	*ct = NULL;
	*ctlen = 0;
	if (ad == NULL || (pt == NULL && ptlen > 0))
		return JTA_ERR_INTERNAL;
	if ((rc = keys_reload(v, 0, msg, sizeof(msg))) != JTA_OK) {
		jta_errorlog("vault: cannot seal: %s", msg);
		goto out;
	}
	if ((k = keyset_sealer(&v->keys)) == NULL) {
		rc = JTA_ERR_CONFIG;
		goto out;
	}
	if (ptlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    ptlen > SIZE_MAX - JTA_VAULT_SEAL_OVERHEAD) {
		rc = JTA_ERR_INTERNAL;
		goto out;
	}
	rc = JTA_ERR_NOMEM;
	if ((out = malloc(ptlen + JTA_VAULT_SEAL_OVERHEAD)) == NULL)
		goto out;
	out[0] = JTA_VAULT_SEAL_VERSION;
	be32put(out + 1, k->kid);
	randombytes_buf(out + SEAL_ADHEAD, TNONCEBYTES);
	if ((adbuf = makead(out, ad, &adlen)) == NULL)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + JTA_VAULT_SEAL_HEADER, &clen, pt, ptlen, adbuf, adlen, NULL,
	    out + SEAL_ADHEAD, k->key) != 0 || clen != ptlen + TABYTES) {
		rc = JTA_ERR_CRYPTO;
		goto out;
	}
	*ct = out;
	*ctlen = ptlen + JTA_VAULT_SEAL_OVERHEAD;
	out = NULL;
	rc = JTA_OK;
out:
	free(out);
	free(adbuf);
	return rc;
}

enum jta_err
jta_vault_unseal(struct jta_vault *v, const unsigned char *ct, size_t ctlen,
    const char *ad, struct jta_secret **pt)
{
	enum jta_err	 rc = JTA_ERR_CRYPTO;
	const struct tkey *k;
	struct jta_secret *s = NULL;
	unsigned char	*adbuf = NULL;
	unsigned long long mlen = 0;
	size_t		 adlen = 0;
	uint32_t	 kid;
	char		 msg[KEYPATH_MAX + 256];

	*pt = NULL;
	if (ad == NULL)
		return JTA_ERR_INTERNAL;
	if (v->keys.n == 0)
		return JTA_ERR_CONFIG;
	if (jta_vault_sealed_kid(ct, ctlen, &kid) != JTA_OK)
		goto out;
	if ((k = keyset_find(&v->keys, kid)) == NULL) {
		/* Sealed by a key newer than ours: a rotation began after
		 * we read the file.  Read it once more. */
		if (keys_reload(v, 1, msg, sizeof(msg)) != JTA_OK) {
			jta_errorlog("vault: cannot re-read token keys: %s",
			    msg);
			goto out;
		}
		if ((k = keyset_find(&v->keys, kid)) == NULL) {
			jta_warn("vault: sealed token has unknown kid=%lu",
			    (unsigned long)kid);
			goto out;
		}
	}
	if ((s = jta_secret_new(ctlen - JTA_VAULT_SEAL_OVERHEAD)) == NULL ||
	    (adbuf = makead(ct, ad, &adlen)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->buf, &mlen, NULL,
	    ct + JTA_VAULT_SEAL_HEADER, ctlen - JTA_VAULT_SEAL_HEADER, adbuf,
	    adlen, ct + SEAL_ADHEAD, k->key) != 0 || mlen != s->len)
		goto out;
	*pt = s;
	s = NULL;
	rc = JTA_OK;
out:
	jta_secret_free(s);
	free(adbuf);
	return rc;
}

enum jta_err
jta_vault_sealed_kid(const unsigned char *ct, size_t ctlen, uint32_t *kid)
{
	*kid = 0;
	if (ct == NULL || ctlen < JTA_VAULT_SEAL_OVERHEAD ||
	    ct[0] != JTA_VAULT_SEAL_VERSION)
		return JTA_ERR_CRYPTO;
	*kid = be32get(ct + 1);
	return JTA_OK;
}

uint32_t
jta_vault_seal_kid(struct jta_vault *v)
{
	const struct tkey *k;
	char		 msg[KEYPATH_MAX + 256];

	if (v->keys.n == 0)
		return 0;
	if (keys_reload(v, 0, msg, sizeof(msg)) != JTA_OK) {
		jta_errorlog("vault: %s", msg);
		return 0;
	}
	return (k = keyset_sealer(&v->keys)) == NULL ? 0 : k->kid;
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
	if (open_private(path, key, "", &fd, &st, msg, msgsz) != JTA_OK)
		goto out;
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

void
jta_vault_link_sign(const struct jta_vault *v, const char *msg, size_t len,
    unsigned char mac[JTA_VAULT_LINKBYTES])
{
	/* HMAC-SHA-512-256 cannot fail for these sizes. */
	(void)crypto_auth(mac, (const unsigned char *)msg, len, v->linkkey);
}

int
jta_vault_link_verify(const struct jta_vault *v, const char *msg,
    size_t len, const unsigned char mac[JTA_VAULT_LINKBYTES])
{
	/* crypto_auth_verify compares in constant time. */
	return crypto_auth_verify(mac, (const unsigned char *)msg, len,
	    v->linkkey) == 0;
}
