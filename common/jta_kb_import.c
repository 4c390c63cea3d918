/*
 * jta_kb_import, apart from the rest of jta_kb.c: it is the only caller of
 * jta_html (libxml2), and only jta-admin imports.  Every FastCGI program
 * links jta_kb.o (the knowledge search is in the backends' table), and the
 * static archive pulls a member with every symbol it references: with
 * the import in jta_kb.o every program pulled jta_html.o and so libxml2
 * with ICU, libstdc++ and liblzma (about 4 MiB of pages per worker and
 * most of a CGI start's relocations).  Here, only jta-admin does.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jta_buf.h"
#include "jta_html.h"
#include "jta_kb.h"
#include "jta_limits.h"
#include "jta_operator.h"
#include "jta_store_kb.h"
#include "jta_text.h"
#include "jta_time.h"

/* ---- import ---- */

/* Read the regular file at path whole (at most JTA_LIMIT_KB_FILE bytes)
 * into *data (NUL-terminated, *len bytes; the caller frees). */
static enum jta_err
slurp(const char *path, char **data, size_t *len, struct jta_error *err)
{
	enum jta_err	 rc;
	struct stat	 sb;
	char		*b = NULL;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd;

	*data = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return jta_error_set(err, JTA_ERR_IO, 422, "file",
		    "the file cannot be opened");
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "not a regular file");
		goto out;
	}
	if (sb.st_size < 0 || (uint64_t)sb.st_size > JTA_LIMIT_KB_FILE) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413, "file",
		    "the file is larger than 2 MiB");
		goto out;
	}
	if ((b = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	/* The size read must be the size seen: a file growing while it
	 * is read is refused, not cut. */
	while ((r = read(fd, b + got, (size_t)sb.st_size + 1 - got)) > 0)
		got += (size_t)r;
	if (r == -1 || got != (size_t)sb.st_size) {
		rc = jta_error_set(err, JTA_ERR_IO, 422, "file",
		    "the file could not be read whole");
		goto out;
	}
	b[got] = '\0';
	*data = b;
	*len = got;
	b = NULL;
	rc = JTA_OK;
out:
	free(b);
	close(fd);
	return rc;
}

/* The text of Markdown's first ATX heading (CommonMark §4.2: up to three
 * spaces, 1..6 '#', a blank, the text, optional closing '#'s) into
 * title; 0 when found. */
static int
mdtitle(const char *md, char *title, size_t titlesz)
{
	const char	*p = md, *e, *s, *end;
	size_t		 n, ind, hashes;

	for (; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		for (ind = 0, s = p; ind < 3 && *s == ' '; ind++)
			s++;
		for (hashes = 0; hashes < 7 && s[hashes] == '#'; hashes++)
			;
		if (hashes == 0 || hashes > 6 || (s[hashes] != ' ' &&
		    s[hashes] != '\t'))
			continue;
		s += hashes;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		end = e;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			end--;
		while (end > s && end[-1] == '#')
			end--;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == s)
			continue;
		n = (size_t)(end - s);
		if (n >= titlesz) {
			n = titlesz - 1;
			while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(title, s, n);
		title[n] = '\0';
		return 0;
	}
	return -1;
}

/* The file name of path, and its extension (after the last '.', or ""). */
static const char *
basename_of(const char *path, const char **ext)
{
	const char	*b = strrchr(path, '/'), *d;

	b = b != NULL ? b + 1 : path;
	d = strrchr(b, '.');
	*ext = d != NULL && d != b ? d + 1 : "";
	return b;
}

/* url_base + "/" + name, name percent-encoded but for RFC 3986's
 * unreserved characters (§2.3). */
static enum jta_err
makeurl(const char *base, const char *name, char *out, size_t outsz,
    struct jta_error *err)
{
	struct jta_buf	 b;
	size_t		 n = strlen(base);
	const unsigned char *p;

	if ((strncasecmp(base, "https://", 8) != 0 &&
	    strncasecmp(base, "http://", 7) != 0) || n > 1024)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "url-base",
		    "--url-base is an http or https URL");
	jta_buf_init_fixed(&b, out, outsz);
	(void)jta_buf_add(&b, base, n > 0 && base[n - 1] == '/' ? n - 1 : n);
	(void)jta_buf_add(&b, "/", 1);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			(void)jta_buf_add(&b, p, 1);
		else
			(void)jta_buf_printf(&b, "%%%02X", *p);
	}
	if (b.err != JTA_OK)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "url-base",
		    "the link would be longer than 2048 characters");
	return JTA_OK;
}

enum jta_err
jta_kb_import(struct jta_operator *op, const char *path, const char *space,
    const char *url_base, int64_t *id, int *added, char *title,
    size_t titlesz, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_html_doc doc = { NULL, NULL };
	struct jta_store_kb_article a;
	char		*data = NULL, *real = NULL;
	char		 t[JTA_LIMIT_KB_TITLE + 1], url[2049], detail[64];
	const char	*name, *ext, *body;
	size_t		 len = 0, n;
	int		 html;

	name = basename_of(path, &ext);
	html = strcasecmp(ext, "html") == 0 || strcasecmp(ext, "htm") == 0;
	if (!html && strcasecmp(ext, "md") != 0 &&
	    strcasecmp(ext, "markdown") != 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "import takes .md, .markdown, .html and .htm files");
		goto out;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		rc = jta_error_set(err, JTA_ERR_IO, 422, "file",
		    "the file cannot be found");
		goto out;
	}
	if ((rc = slurp(real, &data, &len, err)) != JTA_OK)
		goto out;
	if (memchr(data, '\0', len) != NULL || !jta_text_utf8_valid(data,
	    len)) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "the file is not UTF-8 text");
		goto out;
	}
	t[0] = '\0';
	if (html) {
		if ((rc = jta_html_to_markdown(data, len, &doc, err)) !=
		    JTA_OK)
			goto out;
		body = doc.markdown;
		if (doc.title != NULL)
			snprintf(t, sizeof(t), "%s", doc.title);
	} else {
		if (len > JTA_LIMIT_KB_BODY) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 413, "file",
			    "a Markdown article is at most 1 MiB");
			goto out;
		}
		body = data;
		(void)mdtitle(data, t, sizeof(t));
	}
	if (t[0] == '\0') {
		/* The file's name without its extension. */
		n = strlen(name) - (ext[0] != '\0' ? strlen(ext) + 1 : 0);
		if (n > JTA_LIMIT_KB_TITLE)
			n = JTA_LIMIT_KB_TITLE;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
		memcpy(t, name, n);
		t[n] = '\0';
	}
	if (url_base != NULL && (rc = makeurl(url_base, name, url,
	    sizeof(url), err)) != JTA_OK)
		goto out;
	memset(&a, 0, sizeof(a));
	a.title = t;
	a.body = body;
	a.source = real;
	a.url = url_base != NULL ? url : NULL;
	a.space = space;
	a.updated = jta_time_now();
	if ((rc = jta_store_kb_put(op->st, &a, id, added, err)) != JTA_OK)
		goto out;
	snprintf(title, titlesz, "%s", t);
	snprintf(detail, sizeof(detail), "article " JTA_KB_LOCAL_PREFIX
	    "%lld", (long long)*id);
	rc = jta_operator_audit(op, "kb-import", *added ? 201 : 200, detail,
	    err);
out:
	jta_html_doc_clear(&doc);
	free(data);
	free(real);
	return rc;
}
