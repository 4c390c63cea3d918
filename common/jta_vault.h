/*
 * The vault: every use of libsodium for secrets.  It holds the master key
 * (read from its own file, mode 0600, never from the database), derives
 * per-purpose subkeys from it, makes random tokens, and keeps issued tokens
 * only as keyed hashes compared in constant time.
 *
 * An API key looks like  jta_<id>_<secret> : id is 12 hex digits, public,
 * used to find the row; secret is 32 random bytes in unpadded base64url.
 * The row keeps BLAKE2b-256(secret-key, whole token), keyed with a subkey
 * of the master key, so a stolen database alone yields no usable key.
 *
 * Tokens we keep for someone else (Atlassian's access and refresh tokens)
 * are sealed with XChaCha20-Poly1305 under a token key from a file of its
 * own (mode 0600, separate from the master key file).  That file holds
 * lines "KID HEX64": KID a decimal key id from 1 to 2^31-1, HEX64 the
 * 32-byte key; '#' starts a comment line; at most JTA_LIMIT_TOKEN_KEYS
 * keys.  The highest KID seals; every KID in the file opens.  A sealed
 * token is
 *
 *	version (1 byte, 1) | KID (4 bytes, big-endian) | nonce (24 bytes)
 *	| ciphertext and tag
 *
 * and the AEAD's additional data is those 5 header bytes followed by the
 * caller's ad string (e.g. "atl:42:access"), so a ciphertext moved to
 * another row or column, or given another KID or version, does not open.
 */
#ifndef JTA_VAULT_H
#define JTA_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "jta_err.h"

#define JTA_VAULT_HASHBYTES	crypto_generichash_BYTES	/* 32 */
#define JTA_VAULT_IDLEN		12	/* hex digits of a token's id */
#define JTA_VAULT_TOKENLEN	(4 + JTA_VAULT_IDLEN + 1 + 43)
#define JTA_VAULT_FPLEN		8	/* hex digits in a log fingerprint */

/* Sealed tokens: the format version, the header (version, KID, nonce) and
 * the bytes a sealed token has beyond its plaintext. */
#define JTA_VAULT_SEAL_VERSION	1
#define JTA_VAULT_SEAL_HEADER	(1 + 4 + \
	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define JTA_VAULT_SEAL_OVERHEAD	(JTA_VAULT_SEAL_HEADER + \
	crypto_aead_xchacha20poly1305_ietf_ABYTES)
/* The largest KID (the token key file's ids are 1..2^31-1). */
#define JTA_VAULT_KID_MAX	UINT32_C(2147483647)

struct jta_vault;

/* A secret in guarded memory; wiped when freed.  There is deliberately
 * no accessor that prints it.  size is the slice it occupies (private to
 * jta_vault.c). */
struct jta_secret {
	unsigned char	*buf;
	size_t		 len;
	size_t		 size;
};

/*
 * Allocate a zeroed secret of len bytes; NULL on failure.  Secrets live in
 * one guarded area per process (sodium_malloc: guard pages on both sides,
 * a canary, mlock'ed so it is never swapped), made on first use, of
 * JTA_LIMIT_SECRET_AREA bytes, and reused from one request to the next
 * instead of three sodium_malloc (each an mmap, mprotect and mlock) per
 * request.  Slices are taken from the top and given back from the top
 * (a request's secrets are freed in reverse order, or all of them by the
 * end of the request: the area is empty again when the last live secret
 * goes); a secret that does not fit gets a sodium_malloc of its own.
 */
struct jta_secret *jta_secret_new(size_t len);

/* Wipe (sodium_memzero) and release s; NULL is a no-op. */
void jta_secret_free(struct jta_secret *s);

/* How many bytes of the guarded area are in use and how many secrets are
 * live there (for the unit tests: a request must leave both at what they
 * were before it). */
void jta_secret_area_stats(size_t *used, size_t *live);

/*
 * Create a new master key file at path: O_EXCL, mode 0600, 64 hex digits
 * and a newline.  Fails (JTA_ERR_IO, with msg) if the file exists.
 */
enum jta_err jta_vault_create_key(const char *path, char *msg,
    size_t msgsz) JTA_WUR;

/*
 * Read the master key at path and derive the subkeys.  Refuses a file that
 * group or others may read or write, or that does not hold exactly 64 hex
 * digits; msg then says why, naming the file.  *out is released with
 * jta_vault_close.
 */
enum jta_err jta_vault_open(const char *path, struct jta_vault **out,
    char *msg, size_t msgsz) JTA_WUR;

/* Wipe and release v; NULL is a no-op. */
void jta_vault_close(struct jta_vault *v);

/*
 * Make a new API key: writes the token (JTA_VAULT_TOKENLEN + 1 bytes) into
 * token, its public id (JTA_VAULT_IDLEN + 1) into id and its keyed hash
 * into hash.  The caller shows token once and stores only id and hash.
 */
enum jta_err jta_vault_token_new(const struct jta_vault *v,
    char token[JTA_VAULT_TOKENLEN + 1], char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES]) JTA_WUR;

/*
 * Check the shape of a presented token (len bytes) and compute its id and
 * keyed hash.  JTA_ERR_AUTH when it is not shaped like one of ours.
 */
enum jta_err jta_vault_token_check(const struct jta_vault *v,
    const char *token, size_t len, char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES]) JTA_WUR;

/* 1 when the two hashes are equal, compared in constant time. */
int jta_vault_hash_equal(const unsigned char a[JTA_VAULT_HASHBYTES],
    const unsigned char b[JTA_VAULT_HASHBYTES]);

/* The first JTA_VAULT_FPLEN hex digits of hash, for log lines. */
void jta_vault_fingerprint(const unsigned char hash[JTA_VAULT_HASHBYTES],
    char out[JTA_VAULT_FPLEN + 1]);

/* ---- token keys and sealed tokens ---- */

/*
 * Create a new token key file at path: O_EXCL, mode 0600, one random key
 * with KID 1.  JTA_ERR_IO (msg names the file) if it exists or cannot be
 * written.
 */
enum jta_err jta_vault_keys_create(const char *path, char *msg,
    size_t msgsz) JTA_WUR;

/*
 * Add a new random key with KID one above the highest in the file at path,
 * so it seals from now on.  The file is replaced atomically (a temporary
 * file in the same directory, mode 0600, fsync, rename, fsync of the
 * directory) under an exclusive lock on the directory, so concurrent
 * rotations do not lose a key.  *newkid is the new KID.  Refuses a file
 * that jta_vault_keys_load would refuse, or one that holds
 * JTA_LIMIT_TOKEN_KEYS keys already (retire first).
 */
enum jta_err jta_vault_keys_add(const char *path, uint32_t *newkid,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * Remove every key but keep_kid from the file at path, atomically as
 * jta_vault_keys_add does.  keep_kid must be the highest KID (the one that
 * seals), so KIDs only ever grow and a retired KID never names another
 * key.  JTA_ERR_NOTFOUND when keep_kid is not in the file, JTA_ERR_CONFLICT
 * when a higher KID exists.  Run it only once nothing is sealed under the
 * other keys (see jta_store_link_reseal).
 */
enum jta_err jta_vault_keys_retire(const char *path, uint32_t keep_kid,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * Load the token keys at path into v (guarded memory, wiped by
 * jta_vault_close) and remember path: before each seal, and once when an
 * unseal meets an unknown KID, v re-reads the file if it changed (device,
 * inode, size, modification or change time: a chmod counts), so
 * long-running workers follow
 * 'jta-admin key-rotate'.  Refuses a file group or others may read or
 * write, a malformed line (msg names the file and the line), a repeated
 * KID, more than JTA_LIMIT_TOKEN_KEYS keys, or no key at all
 * (JTA_ERR_CONFIG).  On error the keys v held before are kept.
 */
enum jta_err jta_vault_keys_load(struct jta_vault *v, const char *path,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * Seal ptlen bytes of pt under the current sealing key, bound to ad (a
 * NUL-terminated string naming the row and column, e.g. "atl:42:access").
 * *ct is malloc'd (the caller frees it; it holds no secret) and is
 * ptlen + JTA_VAULT_SEAL_OVERHEAD bytes long (*ctlen).  JTA_ERR_CONFIG when
 * no token keys are loaded or the changed key file cannot be re-read (the
 * log says why), JTA_ERR_NOMEM, JTA_ERR_CRYPTO when libsodium fails.
 */
enum jta_err jta_vault_seal(struct jta_vault *v, const unsigned char *pt,
    size_t ptlen, const char *ad, unsigned char **ct, size_t *ctlen)
    JTA_WUR;

/*
 * Open ctlen bytes of ct sealed by jta_vault_seal with the same ad.  *pt
 * is a new secret the caller releases with jta_secret_free (NULL on
 * error).  JTA_ERR_CRYPTO when the ciphertext does not open: another ad,
 * another key, a changed or missing byte, an unknown version, or a KID
 * that is not in the key file even after re-reading it.
 */
enum jta_err jta_vault_unseal(struct jta_vault *v, const unsigned char *ct,
    size_t ctlen, const char *ad, struct jta_secret **pt) JTA_WUR;

/*
 * The KID a sealed token claims (read from its header, not verified).
 * JTA_ERR_CRYPTO when ct is too short or of an unknown version.
 */
enum jta_err jta_vault_sealed_kid(const unsigned char *ct, size_t ctlen,
    uint32_t *kid) JTA_WUR;

/*
 * The KID that seals now, after re-reading the key file if it changed;
 * 0 when no token keys are loaded.
 */
uint32_t jta_vault_seal_kid(struct jta_vault *v);

/* Random values (OAuth state): 32 random bytes in unpadded base64url. */
#define JTA_VAULT_RANDLEN	43

/* Write a fresh random value into out (JTA_VAULT_RANDLEN + 1 bytes). */
void jta_vault_random(char out[JTA_VAULT_RANDLEN + 1]);

/*
 * The keyed hash of s (len bytes) under the same subkey as API keys, for
 * other values we keep only as hashes (OAuth states).
 */
void jta_vault_hash(const struct jta_vault *v, const char *s, size_t len,
    unsigned char hash[JTA_VAULT_HASHBYTES]);

/*
 * Read a secret held on one line of the file at path (the configuration
 * key named key, for messages): the file must be a regular file that
 * group and others cannot read, at most JTA_LIMIT_SECRET_FILE bytes; a
 * final newline is dropped.  *out is released with jta_secret_free.
 */
enum jta_err jta_vault_secret_read(const char *path, const char *key,
    struct jta_secret **out, char *msg, size_t msgsz) JTA_WUR;

/* ---- signed links (issue 18: the kept files' links) ---- */

#define JTA_VAULT_LINKBYTES	crypto_auth_BYTES	/* 32 */

/*
 * The MAC of msg (len bytes) under the link key, a subkey of the master
 * key of its own (crypto_kdf id 2, so no other use of the master key
 * can make or check one): HMAC-SHA-512-256 (crypto_auth).  The caller
 * puts everything the link is bound to into msg, with a domain prefix.
 */
void jta_vault_link_sign(const struct jta_vault *v, const char *msg,
    size_t len, unsigned char mac[JTA_VAULT_LINKBYTES]);

/* 1 when mac is msg's MAC under the link key, compared in constant time
 * (crypto_auth_verify); else 0. */
int jta_vault_link_verify(const struct jta_vault *v, const char *msg,
    size_t len, const unsigned char mac[JTA_VAULT_LINKBYTES]);

#endif
