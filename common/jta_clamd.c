/*
 * A clamd client (jta_clamd.h).  The protocol is clamd(8)'s: commands
 * prefixed with 'z' end with a NUL and so does the answer; INSTREAM's
 * chunks are "<length as 4 bytes, network byte order><data>", ended by a
 * chunk of length zero; clamd closes the connection when the stream is
 * over its StreamMaxLength and answers "INSTREAM size limit exceeded".
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jta_clamd.h"
#include "jta_limits.h"
#include "jta_log.h"

/* Seconds a client is asked to wait after the scanner failed. */
#define RETRY_AFTER	10

/* One exchange: its socket and its deadline (CLOCK_MONOTONIC). */
struct conn {
	int		 fd;
	struct timespec	 deadline;
	const char	*why;	/* what failed, for the log and the detail */
};

/* Milliseconds left before c's deadline (0 when past). */
static int
left(const struct conn *c)
{
	struct timespec	 now;
	long long	 ms;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
	    (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Wait until c's socket is ready for events; 0 when it is, -1 (c->why
 * set) on timeout or error. */
static int
await(struct conn *c, short events)
{
	struct pollfd	 p;
	int		 ms, n;

	for (;;) {
		if ((ms = left(c)) == 0) {
			c->why = "timed out";
			return -1;
		}
		p.fd = c->fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n == 0 || errno != EINTR) {
			c->why = n == 0 ? "timed out" :
			    "could not be waited for";
			return -1;
		}
	}
}

/* Connect c to the Unix socket path within its deadline. */
static int
dial(struct conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	socklen_t	 sl = sizeof(int);
	int		 e = 0;

	c->fd = -1;
	c->why = NULL;
	if (clock_gettime(CLOCK_MONOTONIC, &c->deadline) != 0) {
		c->why = "could not be timed";
		return -1;
	}
	c->deadline.tv_sec += timeout_ms / 1000;
	c->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (c->deadline.tv_nsec >= 1000000000) {
		c->deadline.tv_sec++;
		c->deadline.tv_nsec -= 1000000000;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(sun.sun_path)) {
		c->why = "has no usable socket path";
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0) {
		c->why = "could not be connected to";
		return -1;
	}
	if (connect(c->fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		c->why = "is not reachable";
		return -1;
	}
	if (await(c, POLLOUT) != 0)
		return -1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0 || e != 0) {
		c->why = "is not reachable";
		return -1;
	}
	return 0;
}

/* Send len bytes of buf within c's deadline. */
static int
put(struct conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (await(c, POLLOUT) != 0)
				return -1;
			continue;
		}
		c->why = "closed the connection";
		return -1;
	}
	return 0;
}

/*
 * Read clamd's answer into out (outsz bytes): up to its NUL (or the end
 * of the connection), a trailing newline dropped.  Refused when longer
 * than outsz - 1 bytes, empty, or holding anything but printable ASCII.
 */
static int
answer(struct conn *c, char *out, size_t outsz)
{
	size_t		 n = 0, i;
	ssize_t		 r;
	char		*nul;

	for (;;) {
		if (n + 1 >= outsz) {
			c->why = "answered a line too long";
			goto bad;
		}
		r = recv(c->fd, out + n, outsz - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (await(c, POLLIN) != 0)
				goto bad;
			continue;
		}
		if (r < 0) {
			c->why = "closed the connection";
			goto bad;
		}
		if (r == 0)
			break;
		if ((nul = memchr(out + n, '\0', (size_t)r)) != NULL) {
			n = (size_t)(nul - out);
			break;
		}
		n += (size_t)r;
	}
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	if (n == 0) {
		c->why = "answered nothing";
		goto bad;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 ||
		    (unsigned char)out[i] > 0x7e) {
			c->why = "answered something unreadable";
			goto bad;
		}
	return 0;
bad:
	/* Nothing of a line that was not read in full, or not readable,
	 * is kept (nor logged). */
	out[0] = '\0';
	return -1;
}

/* The failure: logged with the socket, clamd's answer (never the
 * file's bytes), and a 503 that says the file is refused. */
static enum jta_err
failed(const struct conn *c, const char *socket, const char *what,
    const char *reply, struct jta_error *err)
{
	jta_log(JTA_LOG_ERROR, "clamd: %s on %s: the scanner %s%s%s", what,
	    socket, c->why != NULL ? c->why : "failed",
	    reply[0] != '\0' ? ": " : "", reply);
	jta_error_set(err, JTA_ERR_BUSY, 503, "scan", "the virus scanner %s, "
	    "and a file is never kept unscanned; send it again in a moment",
	    c->why != NULL ? c->why : "failed");
	err->retry_after = RETRY_AFTER;
	return JTA_ERR_BUSY;
}

enum jta_err
jta_clamd_scan(const char *socket, int timeout_ms, const void *body,
    size_t len, int *found, char *sig, size_t sigsz, struct jta_error *err)
{
	static const char cmd[] = "zINSTREAM";
	struct conn	 c;
	const unsigned char *p = body;
	unsigned char	 hdr[4];
	uint32_t	 n;
	char		 reply[JTA_LIMIT_CLAMD_REPLY + 1];
	const char	*r, *why;
	size_t		 rl, chunk;
	enum jta_err	 rc;

	*found = 0;
	if (sigsz > 0)
		sig[0] = '\0';
	reply[0] = '\0';
	if (dial(&c, socket, timeout_ms) != 0)
		goto fail;
	if (put(&c, cmd, sizeof(cmd)) != 0)	/* with its NUL */
		goto early;
	while (len > 0) {
		chunk = len < JTA_LIMIT_CLAMD_CHUNK ? len :
		    JTA_LIMIT_CLAMD_CHUNK;
		n = htonl((uint32_t)chunk);
		memcpy(hdr, &n, sizeof(hdr));
		if (put(&c, hdr, sizeof(hdr)) != 0 || put(&c, p, chunk) != 0)
			goto early;
		p += chunk;
		len -= chunk;
	}
	memset(hdr, 0, sizeof(hdr));
	if (put(&c, hdr, sizeof(hdr)) != 0)
		goto early;
	if (answer(&c, reply, sizeof(reply)) != 0)
		goto fail;
	/* "stream: OK", "stream: NAME FOUND", else an error. */
	r = strncmp(reply, "stream: ", 8) == 0 ? reply + 8 : NULL;
	rl = r != NULL ? strlen(r) : 0;
	if (r != NULL && strcmp(r, "OK") == 0) {
		rc = JTA_OK;
		goto out;
	}
	if (r != NULL && rl > 6 && strcmp(r + rl - 6, " FOUND") == 0 &&
	    r[0] != ' ') {
		*found = 1;
		rl -= 6;
		if (rl > JTA_LIMIT_CLAMD_SIGNATURE)
			rl = JTA_LIMIT_CLAMD_SIGNATURE;
		if (sigsz > 0)
			snprintf(sig, sigsz, "%.*s", (int)rl, r);
		rc = JTA_OK;
		goto out;
	}
	c.why = "answered an error";
	goto fail;
early:
	/* clamd may have said why it stopped reading (a size limit): an
	 * answer before the stream's end is an error, whatever it says. */
	why = c.why;
	if (c.fd >= 0 && why != NULL && strcmp(why, "timed out") != 0 &&
	    answer(&c, reply, sizeof(reply)) == 0)
		why = "answered an error";
	c.why = why;
fail:
	rc = failed(&c, socket, "scan", reply, err);
out:
	if (c.fd >= 0)
		close(c.fd);
	return rc;
}

enum jta_err
jta_clamd_version(const char *socket, int timeout_ms, char *out,
    size_t outsz, struct jta_error *err)
{
	static const char cmd[] = "zVERSION";
	struct conn	 c;
	char		 reply[JTA_LIMIT_CLAMD_REPLY + 1];
	enum jta_err	 rc;

	if (outsz > 0)
		out[0] = '\0';
	reply[0] = '\0';
	if (dial(&c, socket, timeout_ms) != 0 ||
	    put(&c, cmd, sizeof(cmd)) != 0 ||
	    answer(&c, reply, sizeof(reply)) != 0) {
		rc = failed(&c, socket, "version", reply, err);
		goto out;
	}
	if (outsz > 0)
		snprintf(out, outsz, "%s", reply);
	rc = JTA_OK;
out:
	if (c.fd >= 0)
		close(c.fd);
	return rc;
}
