/*
 * multipart/form-data (jta_multipart.h): RFC 7578 on RFC 2046 §5.1.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_multipart.h"

/* RFC 2046 §5.1.1: bcharsnospace, and space (not last). */
static int
bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c) != NULL;
}

/* RFC 9110 §5.6.2 tchar. */
static int
tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skipws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * One parameter value at *pp (before e): a token or a quoted-string
 * (RFC 9110 §5.6.4, quoted-pairs taken as the character they quote) into
 * out (outsz bytes).  0 when malformed, too long or holding a control
 * character.
 */
static int
paramvalue(const char **pp, const char *e, char *out, size_t outsz)
{
	const char	*p = *pp;
	size_t		 o = 0;
	unsigned char	 c;

	if (p < e && *p == '"') {
		for (p++; p < e && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < e)
				p++;
			c = (unsigned char)*p;
			if (c < 0x20 || c == 0x7f || o + 1 >= outsz)
				return 0;
			out[o++] = (char)c;
		}
		if (p >= e)
			return 0;
		p++;
	} else {
		for (; p < e && tchar((unsigned char)*p); p++) {
			if (o + 1 >= outsz)
				return 0;
			out[o++] = *p;
		}
		if (o == 0)
			return 0;
	}
	out[o] = '\0';
	*pp = p;
	return 1;
}

/* The parameter names we read; others are skipped (still parsed). */
enum { P_NAME, P_FILENAME, P_BOUNDARY, P_OTHER };

/*
 * Parameters after a media type or disposition type: *( OWS ";" OWS
 * name "=" value ) to e.  want is the one parameter whose value goes to
 * out[want] (sizes in outsz); each other known one to its slot when out
 * has it.  A parameter given twice is an error.  0 when malformed.
 */
static int
params(const char *p, const char *e, char *const out[3],
    const size_t outsz[3], int seen[3])
{
	static const char *const names[] = { "name", "filename", "boundary" };
	char		 skip[JTA_LIMIT_MULTIPART_FILENAME + 1];
	const char	*n;
	size_t		 nlen;
	int		 k;

	for (;;) {
		p = skipws(p, e);
		if (p == e)
			return 1;
		if (*p != ';')
			return 0;
		p = skipws(p + 1, e);
		for (n = p; p < e && tchar((unsigned char)*p); p++)
			;
		nlen = (size_t)(p - n);
		if (nlen == 0 || p == e || *p != '=')
			return 0;
		p++;
		for (k = 0; k < P_OTHER; k++)
			if (strlen(names[k]) == nlen &&
			    strncasecmp(names[k], n, nlen) == 0)
				break;
		if (k < P_OTHER && out[k] != NULL) {
			if (seen[k]++ > 0 || !paramvalue(&p, e, out[k],
			    outsz[k]))
				return 0;
		} else if (!paramvalue(&p, e, skip, sizeof(skip)))
			return 0;
	}
}

enum jta_err
jta_multipart_boundary(const char *content_type, char *out, size_t outsz,
    struct jta_error *err)
{
	static const char ft[] = "multipart/form-data";
	char		*slot[3] = { NULL, NULL, out };
	size_t		 sz[3] = { 0, 0, outsz };
	int		 seen[3] = { 0, 0, 0 };
	const char	*e;
	size_t		 n, i;

	if (content_type == NULL || outsz == 0 ||
	    strncasecmp(content_type, ft, sizeof(ft) - 1) != 0 ||
	    (content_type[sizeof(ft) - 1] != '\0' &&
	    content_type[sizeof(ft) - 1] != ';' &&
	    content_type[sizeof(ft) - 1] != ' ' &&
	    content_type[sizeof(ft) - 1] != '\t'))
		return jta_error_set(err, JTA_ERR_INPUT, 415, "Content-Type",
		    "send the files as multipart/form-data (RFC 7578)");
	out[0] = '\0';
	e = content_type + strlen(content_type);
	if (!params(content_type + sizeof(ft) - 1, e, slot, sz, seen) ||
	    (n = strlen(out)) == 0 || n > JTA_LIMIT_MULTIPART_BOUNDARY ||
	    out[n - 1] == ' ')
		goto bad;
	for (i = 0; i < n; i++)
		if (!bchar((unsigned char)out[i]))
			goto bad;
	return JTA_OK;
bad:
	out[0] = '\0';
	return jta_error_set(err, JTA_ERR_INPUT, 400, "Content-Type",
	    "its boundary must be 1 to %d characters of RFC 2046 section "
	    "5.1.1", JTA_LIMIT_MULTIPART_BOUNDARY);
}

/* The first d (dlen bytes) in b[from, len) that begins a line (at 0 or
 * after CRLF), or len when none. */
static size_t
find(const unsigned char *b, size_t len, size_t from, const char *d,
    size_t dlen)
{
	size_t	 i;

	for (i = from; i + dlen <= len; i++)
		if (b[i] == '-' && memcmp(b + i, d, dlen) == 0 &&
		    (i == 0 || (i >= 2 && b[i - 2] == '\r' &&
		    b[i - 1] == '\n')))
			return i;
	return len;
}

/* One header line h (hlen bytes, no CRLF) into part; *cd counts
 * Content-Disposition headers, *ct Content-Type ones.  0 when
 * malformed. */
static int
header(const char *h, size_t hlen, struct jta_multipart_part *part,
    int *cd, int *ct)
{
	static const char fd[] = "form-data";
	const char	*e = h + hlen, *c, *v;
	char		*slot[3] = { part->name, part->filename, NULL };
	size_t		 sz[3] = { sizeof(part->name), sizeof(part->filename),
			    0 };
	int		 seen[3] = { 0, 0, 0 };
	size_t		 i, nlen;

	for (i = 0; i < hlen; i++)
		if ((unsigned char)h[i] < 0x20 && h[i] != '\t')
			return 0;
	if ((c = memchr(h, ':', hlen)) == NULL || c == h)
		return 0;
	nlen = (size_t)(c - h);
	for (i = 0; i < nlen; i++)
		if (!tchar((unsigned char)h[i]))
			return 0;	/* no folding, no blank before ':' */
	v = skipws(c + 1, e);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (nlen == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
		if ((*cd)++ > 0 || (size_t)(e - v) < sizeof(fd) - 1 ||
		    strncasecmp(v, fd, sizeof(fd) - 1) != 0 ||
		    !params(v + sizeof(fd) - 1, e, slot, sz, seen) ||
		    seen[P_NAME] == 0)
			return 0;
		part->has_filename = seen[P_FILENAME];
		return 1;
	}
	if (nlen == 12 && strncasecmp(h, "Content-Type", 12) == 0) {
		if ((*ct)++ > 0 || e == v || (size_t)(e - v) >=
		    sizeof(part->content_type))
			return 0;
		memcpy(part->content_type, v, (size_t)(e - v));
		part->content_type[e - v] = '\0';
		return 1;
	}
	if (nlen == 25 && strncasecmp(h, "Content-Transfer-Encoding", 25) ==
	    0)
		return ((e - v == 4 && strncasecmp(v, "7bit", 4) == 0) ||
		    (e - v == 4 && strncasecmp(v, "8bit", 4) == 0) ||
		    (e - v == 6 && strncasecmp(v, "binary", 6) == 0));
	return 1;	/* another header: not ours to judge */
}

enum jta_err
jta_multipart_parse(const char *boundary, const unsigned char *body,
    size_t len, struct jta_multipart_part *parts, size_t max, size_t *n,
    struct jta_error *err)
{
	char		 d[JTA_LIMIT_MULTIPART_BOUNDARY + 5];
	const char	*h;
	size_t		 dlen, blen, p, q, hend, next, line;
	int		 cd, ct;

	*n = 0;
	blen = boundary != NULL ? strlen(boundary) : 0;
	if (blen == 0 || blen > JTA_LIMIT_MULTIPART_BOUNDARY)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "Content-Type",
		    "the boundary is missing");
	dlen = (size_t)snprintf(d, sizeof(d), "--%s", boundary);
	/* The first delimiter; what is before it is the preamble. */
	if ((p = find(body, len, 0, d, dlen)) == len)
		goto bad;
	for (;;) {
		q = p + dlen;
		/* The close delimiter: the epilogue after it is ignored. */
		if (q + 2 <= len && body[q] == '-' && body[q + 1] == '-')
			break;
		/* transport-padding, then CRLF */
		while (q < len && (body[q] == ' ' || body[q] == '\t'))
			q++;
		if (q + 2 > len || body[q] != '\r' || body[q + 1] != '\n')
			goto bad;
		q += 2;
		if (*n == max)
			return jta_error_set(err, JTA_ERR_INPUT, 413, "body",
			    "at most %zu parts may be sent at once", max);
		memset(&parts[*n], 0, sizeof(parts[*n]));
		cd = ct = 0;
		/* The header section: lines up to an empty one, bounded. */
		for (hend = q;; hend = line + 2) {
			for (line = hend; line + 1 < len && line - q <=
			    JTA_LIMIT_MULTIPART_HEADERS && !(body[line] ==
			    '\r' && body[line + 1] == '\n'); line++)
				;
			/* The lines with their CRLFs, the blank one not. */
			if (line - q > JTA_LIMIT_MULTIPART_HEADERS)
				return jta_error_set(err, JTA_ERR_INPUT, 431,
				    "body", "a part's headers are larger than "
				    "%d bytes", JTA_LIMIT_MULTIPART_HEADERS);
			if (line + 1 >= len)
				goto bad;
			if (line == hend)
				break;
			h = (const char *)body + hend;
			if (!header(h, line - hend, &parts[*n], &cd, &ct))
				goto bad;
		}
		if (cd == 0)
			goto bad;
		q = line + 2;
		/* The content ends at CRLF before the next delimiter. */
		if ((next = find(body, len, q, d, dlen)) == len || next < q + 2)
			goto bad;
		parts[*n].body = body + q;
		parts[*n].len = next - 2 - q;
		(*n)++;
		p = next;
	}
	return JTA_OK;
bad:
	*n = 0;
	return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
	    "the body is not multipart/form-data as RFC 7578 frames it");
}
