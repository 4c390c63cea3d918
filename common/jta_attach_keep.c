/*
 * Keeping a fetched file until its draft is submitted (jta_attach.h
 * "Keeping files"): one file per attachment under the state directory's
 * attachments/ (mode 0700), created exclusively with mode 0600 under a
 * random name (never the person's: names are for the ticket, not for the
 * file system), written in full and synced before its row is recorded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "jta_attach.h"
#include "jta_clamd.h"
#include "jta_limits.h"
#include "jta_log.h"

/* The directory files are kept in: dir/attachments, made 0700 when
 * missing; a directory that is a link or not ours to use is refused. */
static enum jta_err
keepdir(const char *statedir, char *out, size_t outsz,
    struct jta_error *err)
{
	struct stat	 sb;
	int		 n;

	n = snprintf(out, outsz, "%s/attachments", statedir);
	if (n < 0 || (size_t)n >= outsz)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the state directory's path is too long");
	if (mkdir(out, 0700) != 0 && errno != EEXIST) {
		jta_log(JTA_LOG_ERROR, "attachments: mkdir %s: %s", out,
		    strerror(errno));
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file could not be kept");
	}
	if (lstat(out, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		jta_log(JTA_LOG_ERROR, "attachments: %s must be a directory of "
		    "ours, mode 0700", out);
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file could not be kept");
	}
	return JTA_OK;
}

void
jta_attach_sha256_hex(const void *body, size_t len, char hex[65])
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, body, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

enum jta_err
jta_attach_keep(const char *statedir, const struct jta_attach_file *f,
    char *path, size_t pathsz, char sha256[65], struct jta_error *err)
{
	char		 dir[4096], rnd[33];
	unsigned char	 r[16];
	const unsigned char *p;
	size_t		 left;
	ssize_t		 w;
	enum jta_err	 rc;
	int		 fd, n;

	path[0] = '\0';
	sha256[0] = '\0';
	if ((rc = keepdir(statedir, dir, sizeof(dir), err)) != JTA_OK)
		return rc;
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(rnd, sizeof(rnd), r, sizeof(r));
	n = snprintf(path, pathsz, "%s/%s", dir, rnd);
	if (n < 0 || (size_t)n >= pathsz) {
		path[0] = '\0';
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the state directory's path is too long");
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		jta_log(JTA_LOG_ERROR, "attachments: create %s: %s", path,
		    strerror(errno));
		path[0] = '\0';
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file could not be kept");
	}
	for (p = f->body, left = f->len; left > 0; ) {
		if ((w = write(fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (left > 0 || fsync(fd) != 0 || close(fd) != 0) {
		jta_log(JTA_LOG_ERROR, "attachments: write %s: %s", path,
		    strerror(errno));
		if (left > 0)
			(void)close(fd);
		(void)unlink(path);
		path[0] = '\0';
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file could not be kept");
	}
	jta_attach_sha256_hex(f->body, f->len, sha256);
	return JTA_OK;
}

enum jta_err
jta_attach_keep_link(const char *statedir, const char *from, char *path,
    size_t pathsz, struct jta_error *err)
{
	char		 dir[4096], rnd[33];
	unsigned char	 r[16];
	enum jta_err	 rc;
	int		 n;

	path[0] = '\0';
	if ((rc = keepdir(statedir, dir, sizeof(dir), err)) != JTA_OK)
		return rc;
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(rnd, sizeof(rnd), r, sizeof(r));
	n = snprintf(path, pathsz, "%s/%s", dir, rnd);
	if (n < 0 || (size_t)n >= pathsz) {
		path[0] = '\0';
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the state directory's path is too long");
	}
	if (link(from, path) != 0) {
		jta_log(JTA_LOG_ERROR, "attachments: link %s: %s", path,
		    strerror(errno));
		path[0] = '\0';
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file could not be kept");
	}
	return JTA_OK;
}

enum jta_err
jta_attach_scan(const struct jta_attach_rules *rules,
    const struct jta_attach_file *f, char *sig, size_t sigsz,
    struct jta_error *err)
{
	char		 s[JTA_LIMIT_CLAMD_SIGNATURE + 1];
	enum jta_err	 rc;
	int		 found = 0;

	if (sigsz > 0)
		sig[0] = '\0';
	if (rules->clamd_socket == NULL || rules->clamd_socket[0] == '\0')
		return JTA_OK;
	if ((rc = jta_clamd_scan(rules->clamd_socket, rules->clamd_timeout_ms >
	    0 ? rules->clamd_timeout_ms : JTA_LIMIT_CLAMD_TIMEOUT_MS, f->body,
	    f->len, &found, s, sizeof(s), err)) != JTA_OK)
		return rc;
	if (!found)
		return JTA_OK;
	if (sigsz > 0)
		snprintf(sig, sigsz, "%s", s);
	return jta_error_set(err, JTA_ERR_INPUT, 422, "virus", "the virus "
	    "scanner found %s in it; it is not kept", s);
}

/* 1 when path is one jta_attach_keep made under statedir: directly in
 * attachments/, 32 hex digits; else 0. */
static int
ours(const char *statedir, const char *path)
{
	char		 dir[4096];
	size_t		 dl;
	int		 n;

	n = snprintf(dir, sizeof(dir), "%s/attachments/", statedir);
	if (n < 0 || (size_t)n >= sizeof(dir) || path == NULL)
		return 0;
	dl = (size_t)n;
	return strncmp(path, dir, dl) == 0 && strlen(path + dl) == 32 &&
	    strspn(path + dl, "0123456789abcdef") == 32;
}

enum jta_err
jta_attach_open_kept(const char *statedir, const char *path, int *fd,
    int64_t *size)
{
	struct stat	 sb;
	int		 f = -1;

	*fd = -1;
	*size = 0;
	if (!ours(statedir, path)) {
		jta_log(JTA_LOG_ERROR, "attachments: %s is not a kept file",
		    path);
		return JTA_ERR_NOTFOUND;
	}
	if ((f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		jta_log(JTA_LOG_ERROR, "attachments: open %s: %s", path,
		    strerror(errno));
		return JTA_ERR_NOTFOUND;
	}
	if (fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		jta_log(JTA_LOG_ERROR, "attachments: %s is not a file",
		    path);
		close(f);
		return JTA_ERR_NOTFOUND;
	}
	*fd = f;
	*size = (int64_t)sb.st_size;
	return JTA_OK;
}

void
jta_attach_forget(const char *statedir, const char *path)
{
	/* Only a file we made: directly in attachments/, 32 hex digits. */
	if (!ours(statedir, path))
		return;
	if (unlink(path) != 0 && errno != ENOENT)
		jta_log(JTA_LOG_WARN, "attachments: remove %s: %s", path,
		    strerror(errno));
}
