/*
 * Unit tests for jta_attach and the attachment side of
 * jta_http_fetch_public: names, declared types against content, the host
 * allow-list, and real fetches against a loopback https file host
 * (tests/standin/filehost.py, a child of the suite, trusted through its
 * own certificate as the test-only CA).  Every server-side request
 * forgery case the fetch must refuse has a case here.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "jta_attach.h"
#include "jta_draft_files.h"
#include "jta_files.h"
#include "jta_store_people.h"
#include "jta_vault.h"
#include "jta_store_drafts.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "check_main.h"

/* The file host: its directory, port, certificate and process. */
static char	 dir[] = "/tmp/jta-attach-XXXXXX";
static char	 cert[512];
static int	 port;
static pid_t	 host_pid = -1;

/* "https://HOST:port/PATH" into buf. */
static const char *
url(char *buf, size_t sz, const char *host, const char *path)
{
	snprintf(buf, sz, "https://%s:%d%s", host, port, path);
	return buf;
}

/* The rules the tests use: the file host on the list (127.0.0.1 at its
 * port, and the names the certificate carries), its CA trusted, the
 * loopback let through. */
static void
rules(struct jta_attach_rules *r, char *hosts, size_t sz)
{
	snprintf(hosts, sz, "127.0.0.1:%d, files.test:%d private.test:%d",
	    port, port, port);
	memset(r, 0, sizeof(*r));
	r->hosts = hosts;
	r->max_bytes = 4096;
	r->ca_file = cert;
	r->allow_loopback = 1;
}

/* How many times the file host was asked for path. */
static int
hits(const char *path)
{
	char	 p[600], line[1024];
	FILE	*f;
	int	 n = 0;

	snprintf(p, sizeof(p), "%s/hits", dir);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, path) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/* Fetch path from host under r, declared mime; returns the error field
 * ("" on success) and keeps the file in *out. */
static const char *
fetch(const struct jta_attach_rules *r, const char *host, const char *path,
    const char *mime, struct jta_attach_file *out, struct jta_error *e)
{
	char	 u[1024];

	memset(e, 0, sizeof(*e));
	if (jta_attach_fetch(r, "shot.png", mime, url(u, sizeof(u), host,
	    path), out, e) == JTA_OK)
		return "";
	ck_assert_int_ge(e->status, 400);
	ck_assert_int_lt(e->status, 500);
	return e->field;
}

/* Keeping a file: 0600 under attachments/ (made 0700), its bytes and
 * hash as given; forget removes only what keep made. */
START_TEST(files_are_kept_0600_and_forgotten)
{
	struct jta_attach_file f;
	struct jta_error e;
	struct stat	 sb;
	char		 state[] = "/tmp/jta-keep-XXXXXX", path[4096], sum[65];
	char		 sub[600], other[600], buf[64];
	unsigned char	 hello[] = "hello\n";
	FILE		*fp;
	size_t		 n;
	int		 fd;

	ck_assert_ptr_nonnull(mkdtemp(state));
	memset(&f, 0, sizeof(f));
	f.body = hello;
	f.len = 6;
	ck_assert_int_eq(jta_attach_keep(state, &f, path, sizeof(path), sum,
	    &e), JTA_OK);
	/* printf 'hello\n' | sha256sum */
	ck_assert_str_eq(sum, "5891b5b522d5df086d0ff0b110fbd9d2"
	    "1bb4fc7163af34d08286a2e846f6be03");
	snprintf(sub, sizeof(sub), "%s/attachments", state);
	ck_assert_int_eq(lstat(sub, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(strncmp(path, sub, strlen(sub)), 0);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_ptr_nonnull(fp = fopen(path, "rb"));
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(memcmp(buf, "hello\n", 6), 0);
	/* a path not made by keep is left alone */
	snprintf(other, sizeof(other), "%s/attachments/notours", state);
	ck_assert_int_ge(fd = open(other, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	jta_attach_forget(state, other);
	ck_assert_int_eq(access(other, F_OK), 0);
	jta_attach_forget("/elsewhere", path);
	ck_assert_int_eq(access(path, F_OK), 0);
	jta_attach_forget(state, path);
	ck_assert_int_ne(access(path, F_OK), 0);
	jta_attach_forget(state, path);		/* gone already: no harm */
	unlink(other);
	/* a directory open to others is refused, and nothing is kept */
	ck_assert_int_eq(chmod(sub, 0755), 0);
	ck_assert_int_eq(jta_attach_keep(state, &f, path, sizeof(path), sum,
	    &e), JTA_ERR_INTERNAL);
	ck_assert_str_eq(path, "");
	rmdir(sub);
	rmdir(state);
}
END_TEST

/* How many files are kept under state/attachments. */
static int
kept(const char *state)
{
	char		 sub[600];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(sub, sizeof(sub), "%s/attachments", state);
	if ((d = opendir(sub)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

START_TEST(refs_are_checked)
{
	struct jta_error e;
	json_t		*in, *out;
	char		 big[JTA_DRAFT_FILES_LINK_MAX + 2];
	int		 i;

	in = json_pack("[{s:s, s:s, s:s, s:s, s:i}]", "name", "a.png", "id",
	    "file-1", "mime_type", "image/png", "download_link",
	    "https://files.oaiusercontent.com/file-1", "extra", 1);
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e), JTA_OK);
	ck_assert_uint_eq(json_object_size(json_array_get(out, 0)), 4);
	ck_assert_ptr_null(json_object_get(json_array_get(out, 0), "extra"));
	json_decref(out);
	/* each member is required, a string, bounded */
	json_object_del(json_array_get(in, 0), "id");
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "openaiFileIdRefs");
	ck_assert_ptr_nonnull(strstr(e.detail, "[0].id"));
	ck_assert_ptr_null(out);
	json_object_set_new(json_array_get(in, 0), "id", json_integer(1));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	json_object_set_new(json_array_get(in, 0), "id", json_string("f"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_object_set_new(json_array_get(in, 0), "download_link",
	    json_string(big));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(e.detail, "download_link"));
	json_decref(in);
	/* an array of at most ten objects */
	in = json_pack("{s:s}", "name", "a");
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	json_decref(in);
	in = json_pack("[s]", "a");
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	json_decref(in);
	in = json_array();
	for (i = 0; i < 11; i++)
		json_array_append_new(in, json_pack("{s:s, s:s, s:s, s:s}",
		    "name", "a", "id", "b", "mime_type", "text/plain",
		    "download_link", "https://x/"));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	json_array_remove(in, 10);
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e), JTA_OK);
	json_decref(out);
	json_decref(in);
}
END_TEST

START_TEST(refs_take_content_and_resource_links)
{
	struct jta_error e;
	json_t		*in, *out;

	/* a resource link (the MCP schema's names) and base64 content */
	in = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s}]", "type",
	    "resource_link", "name", "a.log", "mimeType", "text/plain", "uri",
	    "https://files.example/a", "name", "b.png", "mime_type",
	    "image/png", "content_base64", "iVBORw0KGgo=");
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(out,
	    0), "mime_type")), "text/plain");
	ck_assert_uint_eq(json_object_size(json_array_get(out, 0)), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(out,
	    1), "content_base64")), "iVBORw0KGgo=");
	json_decref(out);
	/* two sources, none, both type names: each refused, naming it */
	json_object_set_new(json_array_get(in, 1), "uri", json_string("x"));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(e.detail, "[1] must have only one"));
	json_object_del(json_array_get(in, 1), "uri");
	json_object_del(json_array_get(in, 1), "content_base64");
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(e.detail, "[1] needs download_link"));
	json_object_set_new(json_array_get(in, 1), "content_base64",
	    json_string("AAAA"));
	json_object_set_new(json_array_get(in, 1), "mimeType",
	    json_string("image/png"));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(e.detail, "[1] needs one mime_type"));
	json_object_del(json_array_get(in, 1), "mimeType");
	json_object_set_new(json_array_get(in, 1), "content_base64",
	    json_string(""));
	ck_assert_int_eq(jta_draft_files_refs_check(in, &out, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(e.detail, "[1].content_base64"));
	json_decref(in);
}
END_TEST

/* A malloc'd copy of s (len bytes), as jta_attach_bytes takes. */
static void *
bodyof(const void *s, size_t len)
{
	void	*p = malloc(len + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, len);
	return p;
}

START_TEST(bytes_get_the_checks_a_download_gets)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;

	memset(&r, 0, sizeof(r));
	r.max_bytes = 16;
	ck_assert_int_eq(jta_attach_bytes(&r, "a/../x/shot.png", "Image/PNG",
	    bodyof(png, 16), 16, &f, &e), JTA_OK);
	ck_assert_str_eq(f.name, "shot.png");
	ck_assert_str_eq(f.mime_type, "image/png");
	ck_assert_uint_eq(f.len, 16);
	jta_attach_file_free(&f);
	/* over the cap by one byte */
	ck_assert_int_eq(jta_attach_bytes(&r, "shot.png", "image/png",
	    bodyof(png, 17), 17, &f, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	ck_assert_str_eq(e.field, "size");
	ck_assert_ptr_null(f.body);
	/* declared type against the first bytes; an unknown type; a name */
	ck_assert_int_eq(jta_attach_bytes(&r, "a.pdf", "application/pdf",
	    bodyof(png, 16), 16, &f, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "mime_type");
	ck_assert_int_eq(jta_attach_bytes(&r, "a.exe",
	    "application/x-msdownload", bodyof(png, 16), 16, &f, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "mime_type");
	ck_assert_int_eq(jta_attach_bytes(&r, "..", "image/png",
	    bodyof(png, 16), 16, &f, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "name");
}
END_TEST

START_TEST(base64_files_are_decoded_strictly_and_kept)
{
	struct jta_attach_rules r;
	struct jta_store *st;
	struct jta_error e;
	char		 state[] = "/tmp/jta-b64files-XXXXXX", db[600];
	char		 msg[700];
	json_t		*refs, *chk, *taken, *refused, *in;
	int64_t		 uid;

	memset(&r, 0, sizeof(r));
	r.max_bytes = 16;
	ck_assert_ptr_nonnull(mkdtemp(state));
	snprintf(db, sizeof(db), "%s/jta.db", state);
	ck_assert_int_eq(jta_store_open(db, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &st, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice", NULL, &uid,
	    &e), JTA_OK);
	in = json_pack("{s:s}", "summary", "x");
	ck_assert_int_eq(jta_store_draft_put(st, uid, "d_b64", in, in,
	    1800000000, &e), JTA_OK);
	/* "ERROR at line 7\n"; the same unpadded; with a blank; 17 bytes;
	 * a PNG's first bytes declared as text */
	refs = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s},"
	    " {s:s, s:s, s:s}, {s:s, s:s, s:s}]",
	    "name", "app.log", "mime_type", "text/plain", "content_base64",
	    "RVJST1IgYXQgbGluZSA3Cg==",
	    "name", "nopad.log", "mime_type", "text/plain", "content_base64",
	    "RVJST1IgYXQgbGluZSA3Cg",
	    "name", "blank.log", "mime_type", "text/plain", "content_base64",
	    "RVJST1IgYXQg bGluZSA3Cg==",
	    "name", "big.log", "mime_type", "text/plain", "content_base64",
	    "RVJST1IgYXQgbGluZSA3Cgo=",
	    "name", "png.log", "mime_type", "text/plain", "content_base64",
	    "iVBORw0KGgo=");
	ck_assert_int_eq(jta_draft_files_refs_check(refs, &chk, &e), JTA_OK);
	ck_assert_int_eq(jta_draft_files_take(st, state, &r, NULL, NULL,
	    "d_b64", chk, 1000, 1800000000, &taken, &refused, &e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(strncmp(e.detail, "nopad.log: ", 11), 0);
	ck_assert_ptr_nonnull(strstr(e.detail, "(content_base64)"));
	ck_assert_uint_eq(json_array_size(taken), 1);
	ck_assert_str_eq(json_string_value(json_array_get(taken, 0)),
	    "app.log");
	ck_assert_uint_eq(json_array_size(refused), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 1), "field")), "content_base64");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 2), "field")), "size");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 3), "field")), "mime_type");
	ck_assert_int_eq(kept(state), 1);
	json_decref(refs);
	json_decref(chk);
	json_decref(taken);
	json_decref(refused);
	json_decref(in);
	jta_store_close(st);
}
END_TEST

/* A ref to the file host's path. */
static json_t *
ref(const char *name, const char *mime, const char *host, const char *path)
{
	char	 u[300];

	return json_pack("{s:s, s:s, s:s, s:s}", "name", name, "id", "file-x",
	    "mime_type", mime, "download_link", url(u, sizeof(u), host, path));
}

START_TEST(draft_files_taken_refused_capped_and_collected)
{
	struct jta_attach_rules r;
	struct jta_store *st;
	struct jta_error e;
	char		 state[] = "/tmp/jta-dfiles-XXXXXX", db[600], msg[700];
	char		 hosts[256];
	json_t		*refs, *taken, *refused, *pv, *in;
	int64_t		 uid;
	size_t		 n;

	rules(&r, hosts, sizeof(hosts));
	ck_assert_ptr_nonnull(mkdtemp(state));
	snprintf(db, sizeof(db), "%s/jta.db", state);
	ck_assert_int_eq(jta_store_open(db, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &st, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice", NULL, &uid,
	    &e), JTA_OK);
	in = json_pack("{s:s}", "summary", "x");
	ck_assert_int_eq(jta_store_draft_put(st, uid, "d_files", in, in,
	    1800000000, &e), JTA_OK);
	/* one good, one whose content is not its declared type, one from a
	 * host off the list, a name that is only a path */
	refs = json_pack("[o, o, o, o]",
	    ref("dir/shot.png", "image/png", "127.0.0.1", "/png"),
	    ref("notes.png", "image/png", "127.0.0.1", "/text"),
	    ref("far.png", "image/png", "localhost", "/png"),
	    ref("../", "image/png", "127.0.0.1", "/png"));
	ck_assert_int_eq(jta_draft_files_take(st, state, &r, NULL, NULL,
	    "d_files", refs, 1000, 1800000000, &taken, &refused, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "openaiFileIdRefs");
	ck_assert_int_eq(strncmp(e.detail, "notes.png: ", 11), 0);
	ck_assert_ptr_nonnull(strstr(e.detail, "(mime_type)"));
	ck_assert_uint_eq(json_array_size(taken), 1);
	ck_assert_str_eq(json_string_value(json_array_get(taken, 0)),
	    "shot.png");
	ck_assert_uint_eq(json_array_size(refused), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 1), "name")), "far.png");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 2), "name")), "openaiFileIdRefs[3]");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    refused, 2), "field")), "name");
	ck_assert_int_eq(kept(state), 1);
	json_decref(refs);
	json_decref(taken);
	json_decref(refused);
	/* the draft's byte cap counts the file already there (33 bytes) */
	refs = json_pack("[o]", ref("two.png", "image/png", "127.0.0.1",
	    "/png"));
	ck_assert_int_eq(jta_draft_files_take(st, state, &r, NULL, NULL,
	    "d_files", refs, 60, 1800000000, &taken, &refused, &e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	ck_assert_int_eq(strncmp(e.detail, "two.png: ", 9), 0);
	ck_assert_uint_eq(json_array_size(taken), 0);
	ck_assert_int_eq(kept(state), 1);
	json_decref(taken);
	json_decref(refused);
	ck_assert_int_eq(jta_draft_files_take(st, state, &r, NULL, NULL,
	    "d_files", refs, 66, 1800000000, &taken, &refused, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(refused), 0);
	ck_assert_int_eq(kept(state), 2);
	json_decref(refs);
	json_decref(taken);
	json_decref(refused);
	/* the preview's list */
	ck_assert_int_eq(jta_draft_files_preview(st, "d_files", &pv, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(pv), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(pv,
	    0), "name")), "shot.png");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(pv,
	    0), "type")), "image/png");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(pv,
	    0), "size")), 33);
	ck_assert_ptr_null(json_object_get(json_array_get(pv, 0), "path"));
	json_decref(pv);
	/* nothing collected while the draft lives; all once it is gone */
	ck_assert_int_eq(jta_draft_files_collect(st, state, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(kept(state), 2);
	ck_assert_int_eq(jta_store_draft_discard(st, uid, "d_files",
	    1800000000, &e), JTA_OK);
	ck_assert_int_eq(jta_draft_files_collect(st, state, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(kept(state), 0);
	json_decref(in);
	jta_store_close(st);
	unlink(db);
	snprintf(msg, sizeof(msg), "%s-wal", db);
	unlink(msg);
	snprintf(msg, sizeof(msg), "%s-shm", db);
	unlink(msg);
	snprintf(msg, sizeof(msg), "%s/attachments", state);
	rmdir(msg);
	rmdir(state);
}
END_TEST

START_TEST(names_are_cleaned)
{
	static const struct {
		const char	*in, *out;
	} ok[] = {
		{ "screenshot.png", "screenshot.png" },
		{ "../../etc/passwd", "passwd" },
		{ "C:\\Users\\me\\log.txt", "log.txt" },
		{ "a\x01\x1b[31mred\x7f.txt", "a[31mred.txt" },
		{ "line\r\nbreak.log", "linebreak.log" },
		{ ".hidden", "hidden" },
		{ "  spaced name.pdf  ", "spaced name.pdf" },
		{ "caf\xc3\xa9 \xe2\x80\x94 notes.md",
		    "caf\xc3\xa9 \xe2\x80\x94 notes.md" },
		{ "c1\xc2\x85" "control.txt", "c1control.txt" },
		{ "trailing.", "trailing" },
	};
	static const char *const bad[] = { "", "..", "/", "dir/", "\x01\x02",
	    "bad\xff" "utf8", "...", " . " };
	char		 out[JTA_LIMIT_ATTACH_NAME + 1], big[400];
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(jta_attach_name_clean(ok[i].in,
		    strlen(ok[i].in), out, sizeof(out), &e), JTA_OK);
		ck_assert_str_eq(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(jta_attach_name_clean(bad[i], strlen(bad[i]),
		    out, sizeof(out), &e) == JTA_ERR_INPUT, "%zu", i);
		ck_assert_str_eq(e.field, "name");
		ck_assert_int_eq(e.status, 422);
	}
	/* At the bound is kept; one over is refused, not cut. */
	memset(big, 'x', JTA_LIMIT_ATTACH_NAME);
	ck_assert_int_eq(jta_attach_name_clean(big, JTA_LIMIT_ATTACH_NAME,
	    out, sizeof(out), &e), JTA_OK);
	ck_assert_uint_eq(strlen(out), JTA_LIMIT_ATTACH_NAME);
	memset(big, 'x', JTA_LIMIT_ATTACH_NAME + 1);
	ck_assert_int_eq(jta_attach_name_clean(big, JTA_LIMIT_ATTACH_NAME + 1,
	    out, sizeof(out), &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "name");
	/* A long path whose base name fits is fine. */
	memset(big, 'd', 300);
	memcpy(big + 300, "/ok.txt", 8);
	ck_assert_int_eq(jta_attach_name_clean(big, strlen(big), out,
	    sizeof(out), &e), JTA_OK);
	ck_assert_str_eq(out, "ok.txt");
}
END_TEST

START_TEST(types_are_checked_against_content)
{
	static const struct {
		const char	*mime;
		const char	*body;
		size_t		 len;
		int		 ok;
	} c[] = {
		{ "image/png", "\x89PNG\r\n\x1a\n....", 12, 1 },
		{ "IMAGE/PNG; foo=bar", "\x89PNG\r\n\x1a\n", 8, 1 },
		{ "image/png", "\x89PNG\r\n", 6, 0 },
		{ "image/png", "GIF89a......", 12, 0 },
		{ "image/jpeg", "\xff\xd8\xff\xe0", 4, 1 },
		{ "image/jpeg", "\xff\xd8", 2, 0 },
		{ "image/gif", "GIF87a", 6, 1 },
		{ "image/gif", "GIF88a", 6, 0 },
		{ "image/webp", "RIFF\x04\x00\x00\x00WEBP", 12, 1 },
		{ "image/webp", "RIFF\x04\x00\x00\x00WAVE", 12, 0 },
		{ "application/pdf", "%PDF-1.7", 8, 1 },
		{ "application/pdf", "<html>", 6, 0 },
		{ "application/zip", "PK\x03\x04", 4, 1 },
		{ "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document", "PK\x03\x04", 4, 1 },
		{ "application/zip", "MZ\x90\x00", 4, 0 },
		{ "text/plain", "hello\n", 6, 1 },
		{ "text/plain; charset=utf-8", "caf\xc3\xa9", 5, 1 },
		{ "text/plain", "", 0, 1 },
		{ "text/plain", "a\0b", 3, 0 },
		{ "text/plain", "caf\xe9", 4, 0 },
		{ "text/csv", "a,b\n1,2\n", 8, 1 },
		{ "text/x-log", "\x89PNG", 4, 0 },
		{ "application/json", " \n{\"a\":1}", 9, 1 },
		{ "application/json", "[1]", 3, 1 },
		{ "application/json", "\xef\xbb\xbf{}", 5, 1 },
		{ "application/json", "\"str\"", 5, 0 },
		{ "application/json", "", 0, 0 },
	};
	static const char *const unknown[] = { "application/x-msdownload",
	    "text/html", "image/svg+xml", "application/octet-stream", "",
	    "image/pngx", "image", "text/plain2" };
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg((jta_attach_type_check(c[i].mime, c[i].body,
		    c[i].len, &e) == JTA_OK) == c[i].ok, "case %zu", i);
		if (!c[i].ok) {
			ck_assert_str_eq(e.field, "mime_type");
			ck_assert_ptr_nonnull(strstr(e.detail, "is not"));
		}
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ck_assert_ptr_null(jta_attach_type_known(unknown[i]));
		ck_assert_int_eq(jta_attach_type_check(unknown[i], "x", 1, &e),
		    JTA_ERR_INPUT);
		ck_assert_ptr_nonnull(strstr(e.detail, "not one"));
	}
	ck_assert_str_eq(jta_attach_type_known("Text/Plain ; charset=x"),
	    "text/plain");
}
END_TEST

START_TEST(host_list_is_exact)
{
	const char	*l = "files.example.com, other.example:8443 "
	    "[::1]:9443\t127.0.0.1:1";

	ck_assert(jta_http_host_allowed(l, "files.example.com", 443));
	ck_assert(jta_http_host_allowed(l, "FILES.Example.COM", 443));
	ck_assert(!jta_http_host_allowed(l, "files.example.com", 8443));
	ck_assert(!jta_http_host_allowed(l, "evil-files.example.com", 443));
	ck_assert(!jta_http_host_allowed(l, "files.example.com.evil.net",
	    443));
	ck_assert(!jta_http_host_allowed(l, "example.com", 443));
	ck_assert(!jta_http_host_allowed(l, "les.example.com", 443));
	ck_assert(jta_http_host_allowed(l, "other.example", 8443));
	ck_assert(!jta_http_host_allowed(l, "other.example", 443));
	ck_assert(jta_http_host_allowed(l, "[::1]", 9443));
	ck_assert(!jta_http_host_allowed(l, "[::1]", 443));
	ck_assert(jta_http_host_allowed(l, "127.0.0.1", 1));
	ck_assert(!jta_http_host_allowed(l, "", 443));
	ck_assert(!jta_http_host_allowed("", "files.example.com", 443));
	ck_assert(!jta_http_host_allowed(NULL, "files.example.com", 443));
	ck_assert(!jta_http_host_allowed("a:99999 a:x a:", "a", 443));
	ck_assert(jta_http_host_allowed(JTA_ATTACH_DEFAULT_HOSTS,
	    "files.oaiusercontent.com", 443));
}
END_TEST

START_TEST(files_of_each_type_are_fetched)
{
	static const struct {
		const char	*path, *mime;
		size_t		 len;
	} c[] = {
		{ "/png", "image/png", 33 }, { "/jpeg", "image/jpeg", 27 },
		{ "/gif", "image/gif", 14 }, { "/webp", "image/webp", 30 },
		{ "/pdf", "application/pdf", 39 },
		{ "/zip", "application/zip", 22 },
		{ "/text", "text/plain", 30 },
		{ "/json", "application/json", 20 },
		{ "/empty", "text/plain", 0 },
	};
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256];
	size_t		 i;

	rules(&r, hosts, sizeof(hosts));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_msg(strcmp(fetch(&r, "127.0.0.1", c[i].path,
		    c[i].mime, &f, &e), "") == 0, "%s: %s %s", c[i].path,
		    e.field, e.detail);
		ck_assert_str_eq(f.mime_type, c[i].mime);
		ck_assert_str_eq(f.name, "shot.png");
		ck_assert_uint_eq(f.len, c[i].len);
		jta_attach_file_free(&f);
	}
	/* The name the certificate carries, resolved by the tests to the
	 * loopback: a listed host name works as a literal does. */
	snprintf(hosts + 200, 56, "files.test:%d:127.0.0.1", port);
	r.test_resolve = hosts + 200;
	ck_assert_str_eq(fetch(&r, "files.test", "/png", "image/png", &f, &e),
	    "");
	jta_attach_file_free(&f);
}
END_TEST

START_TEST(sizes_at_and_over_the_cap)
{
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256];

	rules(&r, hosts, sizeof(hosts));
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/bytes/4096", "text/plain",
	    &f, &e), "");
	ck_assert_uint_eq(f.len, 4096);
	jta_attach_file_free(&f);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/bytes/4097", "text/plain",
	    &f, &e), "size");
	ck_assert_ptr_nonnull(strstr(e.detail, "larger than 4096"));
	ck_assert_ptr_null(f.body);
	/* A large file well over the cap, refused all the same. */
	r.max_bytes = 100000;
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/bytes/3000000",
	    "text/plain", &f, &e), "size");
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/bytes/99999", "text/plain",
	    &f, &e), "");
	ck_assert_uint_eq(f.len, 99999);
	jta_attach_file_free(&f);
	/* Without a Content-Length (chunked): counted as it arrives. */
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/chunked/100000",
	    "text/plain", &f, &e), "");
	ck_assert_uint_eq(f.len, 100000);
	jta_attach_file_free(&f);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/chunked/100001",
	    "text/plain", &f, &e), "size");
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/chunked/5000000",
	    "text/plain", &f, &e), "size");
}
END_TEST

START_TEST(wrong_declared_type_is_refused)
{
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256];

	rules(&r, hosts, sizeof(hosts));
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/png", "application/pdf",
	    &f, &e), "mime_type");
	ck_assert_ptr_nonnull(strstr(e.detail, "not application/pdf"));
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/binary", "text/plain", &f,
	    &e), "mime_type");
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/text", "image/jpeg", &f,
	    &e), "mime_type");
	/* A type not accepted at all is refused before any fetch. */
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/bytes/7",
	    "application/x-msdownload", &f, &e), "mime_type");
	ck_assert_int_eq(hits("/bytes/7"), 0);	/* asked for nowhere else */
}
END_TEST

START_TEST(redirects_only_to_listed_hosts)
{
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256], p[600], u[300], enc[400];
	int		 gifs = hits("/gif"), loops = hits("/loop");

	rules(&r, hosts, sizeof(hosts));
	/* Allowed: to the same listed host, and through two hops. */
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/redirect/png", "image/png",
	    &f, &e), "");
	ck_assert_uint_eq(f.len, 33);
	jta_attach_file_free(&f);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/redirect/redirect/pdf",
	    "application/pdf", &f, &e), "");
	jta_attach_file_free(&f);
	/* Over the bound: a loop, refused after JTA_LIMIT_ATTACH_REDIRECTS
	 * hops, not followed for ever. */
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/loop", "image/png", &f,
	    &e), "redirect");
	ck_assert_int_eq(hits("/loop") - loops, JTA_LIMIT_ATTACH_REDIRECTS + 1);
	/* To a host off the list (other.test is the same server, by name):
	 * refused, and the target never asked. */
	url(u, sizeof(u), "other.test", "/gif");
	ck_assert_int_eq(jta_http_urlencode(u, strlen(u), enc, sizeof(enc)),
	    0);
	snprintf(p, sizeof(p), "/redirect-to/%s", enc);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", p, "image/gif", &f, &e),
	    "host");
	ck_assert_int_eq(hits("/gif"), gifs);
	/* To the same host over plain http: refused. */
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/gif", port);
	ck_assert_int_eq(jta_http_urlencode(u, strlen(u), enc, sizeof(enc)),
	    0);
	snprintf(p, sizeof(p), "/redirect-to/%s", enc);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", p, "image/gif", &f, &e),
	    "https");
	/* To a listed host whose name resolves to a private address (the
	 * tests' resolve entry plays DNS): refused at the connect. */
	snprintf(hosts + 200, 56, "private.test:%d:10.0.0.1", port);
	r.test_resolve = hosts + 200;
	url(u, sizeof(u), "private.test", "/gif");
	ck_assert_int_eq(jta_http_urlencode(u, strlen(u), enc, sizeof(enc)),
	    0);
	snprintf(p, sizeof(p), "/redirect-to/%s", enc);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", p, "image/gif", &f, &e),
	    "address");
	/* With a user name in it: refused. */
	snprintf(u, sizeof(u), "https://me@127.0.0.1:%d/gif", port);
	ck_assert_int_eq(jta_http_urlencode(u, strlen(u), enc, sizeof(enc)),
	    0);
	snprintf(p, sizeof(p), "/redirect-to/%s", enc);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", p, "image/gif", &f, &e),
	    "url");
	ck_assert_int_eq(hits("/gif"), gifs);
}
END_TEST

START_TEST(hosts_off_the_list_and_private_addresses)
{
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256], u[300];
	int		 jpegs = hits("/jpeg");

	rules(&r, hosts, sizeof(hosts));
	/* The right host at another port, another name for the same
	 * server, an empty list: refused before any connection. */
	snprintf(hosts, sizeof(hosts), "127.0.0.1:%d", port + 1);
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/jpeg", "image/jpeg", &f,
	    &e), "host");
	snprintf(hosts, sizeof(hosts), "127.0.0.1");
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/jpeg", "image/jpeg", &f,
	    &e), "host");
	ck_assert_str_eq(fetch(&r, "localhost", "/jpeg", "image/jpeg", &f,
	    &e), "host");
	r.hosts = NULL;
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/jpeg", "image/jpeg", &f,
	    &e), "host");
	ck_assert_int_eq(hits("/jpeg"), jpegs);
	/* Listed, but the loopback is not let through (the production
	 * setting): refused at the connect. */
	rules(&r, hosts, sizeof(hosts));
	r.allow_loopback = 0;
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/jpeg", "image/jpeg", &f,
	    &e), "address");
	ck_assert_int_eq(hits("/jpeg"), jpegs);
	/* A listed name that resolves to a private, link-local (the cloud
	 * metadata address), CGNAT or IPv4-mapped loopback address. */
	r.allow_loopback = 0;
	snprintf(hosts + 200, 56, "private.test:%d:169.254.169.254", port);
	r.test_resolve = hosts + 200;
	ck_assert_str_eq(fetch(&r, "private.test", "/jpeg", "image/jpeg", &f,
	    &e), "address");
	snprintf(hosts + 200, 56, "private.test:%d:100.64.1.1", port);
	ck_assert_str_eq(fetch(&r, "private.test", "/jpeg", "image/jpeg", &f,
	    &e), "address");
	snprintf(hosts + 200, 56, "private.test:%d:192.168.0.1", port);
	ck_assert_str_eq(fetch(&r, "private.test", "/jpeg", "image/jpeg", &f,
	    &e), "address");
	snprintf(hosts + 200, 56, "private.test:%d:[::ffff:127.0.0.1]",
	    port);
	ck_assert_str_eq(fetch(&r, "private.test", "/jpeg", "image/jpeg", &f,
	    &e), "address");
	/* Schemes and shapes. */
	rules(&r, hosts, sizeof(hosts));
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/jpeg", port);
	ck_assert_int_eq(jta_attach_fetch(&r, "a.jpg", "image/jpeg", u, &f,
	    &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "https");
	snprintf(u, sizeof(u), "file:///etc/passwd");
	ck_assert_int_ne(jta_attach_fetch(&r, "a.txt", "text/plain", u, &f,
	    &e), JTA_OK);
	ck_assert_str_eq(e.field, "https");
	snprintf(u, sizeof(u), "https://u:p@127.0.0.1:%d/jpeg", port);
	ck_assert_int_ne(jta_attach_fetch(&r, "a.jpg", "image/jpeg", u, &f,
	    &e), JTA_OK);
	ck_assert_str_eq(e.field, "url");
	ck_assert_int_ne(jta_attach_fetch(&r, "a.jpg", "image/jpeg",
	    "https://", &f, &e), JTA_OK);
	/* Other spellings of the loopback: a decimal one is read as
	 * 127.0.0.1 (libcurl's URL parser), so judged by the list and the
	 * address check as that; an IPv4-mapped one is another host. */
	r.allow_loopback = 0;
	snprintf(u, sizeof(u), "https://2130706433:%d/jpeg", port);
	ck_assert_int_ne(jta_attach_fetch(&r, "a.jpg", "image/jpeg", u, &f,
	    &e), JTA_OK);
	ck_assert_str_eq(e.field, "address");
	snprintf(u, sizeof(u), "https://[::ffff:127.0.0.1]:%d/jpeg", port);
	ck_assert_int_ne(jta_attach_fetch(&r, "a.jpg", "image/jpeg", u, &f,
	    &e), JTA_OK);
	ck_assert_str_eq(e.field, "host");
	/* ... and listed, an IPv4-mapped loopback is still the loopback. */
	snprintf(hosts, sizeof(hosts), "[::ffff:127.0.0.1]:%d", port);
	ck_assert_int_ne(jta_attach_fetch(&r, "a.jpg", "image/jpeg", u, &f,
	    &e), JTA_OK);
	ck_assert_str_eq(e.field, "address");
	/* A link longer than JTA_LIMIT_FETCH_URL. */
	{
		char	 big[JTA_LIMIT_FETCH_URL + 64];

		snprintf(big, sizeof(big), "https://files.test:%d/", port);
		memset(big + strlen(big), 'a', sizeof(big) - strlen(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(jta_attach_fetch(&r, "a.jpg", "image/jpeg",
		    big, &f, &e), JTA_ERR_INPUT);
		ck_assert_str_eq(e.field, "url");
	}
	ck_assert_int_eq(hits("/jpeg"), jpegs);
}
END_TEST

START_TEST(slow_truncated_and_missing_answers)
{
	struct jta_http_fetch h;
	struct jta_http_fetched got;
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error e;
	char		 hosts[256], u[300];

	rules(&r, hosts, sizeof(hosts));
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/truncated", "text/plain",
	    &f, &e), "fetch");
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/nothing", "text/plain", &f,
	    &e), "status");
	ck_assert_ptr_nonnull(strstr(e.detail, "404"));
	/* A server that sends headers and then nothing: the total cap ends
	 * it (a short cap here; the attachment rule's is
	 * JTA_LIMIT_ATTACH_TOTAL_MS). */
	memset(&h, 0, sizeof(h));
	h.url = url(u, sizeof(u), "127.0.0.1", "/slow");
	h.max_bytes = 4096;
	h.connect_ms = 1000;
	h.total_ms = 300;
	h.ca_file = cert;
	h.allow_loopback = 1;
	h.hosts = hosts;
	h.max_redirects = 3;
	ck_assert_int_eq(jta_http_fetch_public(&h, &got, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_str_eq(e.field, "timeout");
	ck_assert_ptr_null(got.body);
	/* A certificate not trusted (the system's CAs): refused. */
	r.ca_file = NULL;
	ck_assert_str_eq(fetch(&r, "127.0.0.1", "/png", "image/png", &f, &e),
	    "fetch");
}
END_TEST

START_TEST(metadata_rule_is_unchanged)
{
	struct jta_http_fetch h;
	struct jta_http_fetched got;
	struct jta_error e;
	char		 u[300];
	int		 jsons = hits("/json");

	/* The Client ID Metadata Document caller sets no list and no
	 * redirects: any public host, a 3xx is refused, not followed. */
	memset(&h, 0, sizeof(h));
	h.url = url(u, sizeof(u), "127.0.0.1", "/redirect/json");
	h.max_bytes = 4096;
	h.connect_ms = 1000;
	h.total_ms = 5000;
	h.ca_file = cert;
	h.allow_loopback = 1;
	ck_assert_int_eq(jta_http_fetch_public(&h, &got, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_str_eq(e.field, "redirect");
	ck_assert_int_eq(hits("/json"), jsons);
	h.url = url(u, sizeof(u), "127.0.0.1", "/json");
	ck_assert_int_eq(jta_http_fetch_public(&h, &got, &e), JTA_OK);
	ck_assert_uint_eq(got.len, 20);
	jta_http_fetched_free(&got);
}
END_TEST

/* Start the file host; 0, or -1 after saying why. */
static int
start_host(void)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 script[600], line[700];
	int		 fds[2];
	FILE		*in;

	if (top == NULL)
		top = ".";
	snprintf(script, sizeof(script), "%s/tests/standin/filehost.py", top);
	if (mkdtemp(dir) == NULL || pipe(fds) != 0) {
		perror("check_attach");
		return -1;
	}
	if ((host_pid = fork()) == -1) {
		perror("fork");
		return -1;
	}
	if (host_pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if ((in = fdopen(fds[0], "r")) == NULL ||
	    fgets(line, sizeof(line), in) == NULL ||
	    sscanf(line, "LISTENING %d %511s", &port, cert) != 2) {
		fprintf(stderr, "check_attach: %s did not start\n", script);
		if (in != NULL)
			fclose(in);
		return -1;
	}
	fclose(in);
	return 0;
}

static void
done(void)
{
	char	 cmd[600];

	if (host_pid > 0) {
		kill(host_pid, SIGTERM);
		waitpid(host_pid, NULL, 0);
	}
	jta_http_global_free();
	snprintf(cmd, sizeof(cmd), "%s/hits", dir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/cert.pem", dir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/key.pem", dir);
	unlink(cmd);
	rmdir(dir);
}

/* A kept file's link (jta_files.h): ours checks until it expires; any
 * other id, expiry or signature does not, with one answer. */
START_TEST(file_links_sign_and_check)
{
	struct jta_vault *v = NULL, *other = NULL;
	struct jta_error e;
	char		 path[] = "/tmp/jta-link-key-XXXXXX", msg[256];
	char		 url[512], s[64], sig[JTA_FILES_SIGLEN + 1];
	const char	*q;
	int64_t		 id;
	int		 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	close(fd);
	unlink(path);
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_vault_open(path, &v, msg, sizeof(msg)), JTA_OK);
	unlink(path);
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_vault_open(path, &other, msg, sizeof(msg)),
	    JTA_OK);
	unlink(path);

	ck_assert_int_eq(jta_files_link(v, "https://jta.example", 42, 1000,
	    url, sizeof(url)), 0);
	ck_assert_int_eq(strncmp(url, "https://jta.example/files/42?e=1000&s=",
	    38), 0);
	q = url + 38;
	ck_assert_uint_eq(strlen(q), JTA_FILES_SIGLEN);
	snprintf(sig, sizeof(sig), "%s", q);
	ck_assert_int_eq(jta_files_check(v, "42", 1000, sig, 999, &id, &e),
	    JTA_OK);
	ck_assert_int_eq(id, 42);
	/* Expired: at and after its time, naming e. */
	ck_assert_int_eq(jta_files_check(v, "42", 1000, sig, 1000, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(e.status, 403);
	ck_assert_str_eq(e.field, "e");
	/* Another id, a later expiry, another key, a changed or shorter
	 * signature, none at all, a non-number id: 403 naming s. */
	ck_assert_int_eq(jta_files_check(v, "43", 1000, sig, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_str_eq(e.field, "s");
	ck_assert_int_eq(jta_files_check(v, "42", 2000, sig, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_files_check(other, "42", 1000, sig, 999, &id,
	    &e), JTA_ERR_AUTH);
	snprintf(s, sizeof(s), "%s", sig);
	s[0] = s[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(jta_files_check(v, "42", 1000, s, 999, &id, &e),
	    JTA_ERR_AUTH);
	s[JTA_FILES_SIGLEN - 1] = '\0';
	ck_assert_int_eq(jta_files_check(v, "42", 1000, s, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_files_check(v, "42", 1000, NULL, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_files_check(v, "042", 1000, sig, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_files_check(v, "../42", 1000, sig, 999, &id,
	    &e), JTA_ERR_AUTH);
	ck_assert_int_eq(jta_files_check(v, "42", -1, sig, 999, &id, &e),
	    JTA_ERR_AUTH);
	ck_assert_str_eq(e.field, "s");
	ck_assert_int_eq(id, 0);
	jta_vault_close(v);
	jta_vault_close(other);
}
END_TEST

/* Content-Disposition (RFC 6266, RFC 8187): attachment, a quoted ASCII
 * name, filename* for anything else; nothing that breaks the header. */
START_TEST(file_disposition_is_safe)
{
	char	 out[1024], tiny[16];

	ck_assert_int_eq(jta_files_disposition("app.log", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "attachment; filename=\"app.log\"");
	ck_assert_int_eq(jta_files_disposition("r\xc3\xa9sum\xc3\xa9 "
	    "\"1\".txt", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "attachment; filename=\"r_sum_ _1_.txt\"; "
	    "filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.txt");
	ck_assert_int_eq(jta_files_disposition("a\\b%41;c", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "attachment; filename=\"a_b_41;c\"; "
	    "filename*=UTF-8''a%5Cb%2541%3Bc");
	ck_assert_int_eq(jta_files_disposition("", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "attachment; filename=\"file\"");
	ck_assert_int_eq(jta_files_disposition("long-name.txt", tiny,
	    sizeof(tiny)), -1);
	ck_assert_str_eq(tiny, "");
}
END_TEST

/* getAttachmentText's text: which types, the cut at a character's
 * boundary, control characters dropped, ill-formed bytes shown. */
START_TEST(attachment_text_is_cut_and_cleaned)
{
	char	 out[64];
	int	 cut;

	ck_assert_int_eq(jta_files_text_type("text/plain"), 1);
	ck_assert_int_eq(jta_files_text_type("Text/X-Log; charset=utf-8"), 1);
	ck_assert_int_eq(jta_files_text_type("application/json"), 1);
	ck_assert_int_eq(jta_files_text_type("image/png"), 0);
	ck_assert_int_eq(jta_files_text_type("text/plainx"), 0);
	ck_assert_int_eq(jta_files_text_type("text/html"), 0);
	/* Whole: tab and newline kept, CR, ESC, DEL and C1 dropped. */
	ck_assert_uint_eq(jta_files_text_clean("a\tb\r\n\x1b[31mc\x7f"
	    "\xc2\x85" "d", 15, 64, 0, out, sizeof(out), &cut), 10);
	ck_assert_str_eq(out, "a\tb\n[31mcd");
	ck_assert_int_eq(cut, 0);
	/* The bound splits "\xc3\xa9": cut before it. */
	ck_assert_uint_eq(jta_files_text_clean("d\xc3\xa9j\xc3\xa0", 6, 5,
	    0, out, sizeof(out), &cut), 4);
	ck_assert_str_eq(out, "d\xc3\xa9j");
	ck_assert_int_eq(cut, 1);
	/* More in the file than was read: truncated. */
	ck_assert_uint_eq(jta_files_text_clean("abc", 3, 3, 1, out,
	    sizeof(out), &cut), 3);
	ck_assert_int_eq(cut, 1);
	/* An ill-formed byte in the middle: U+FFFD. */
	ck_assert_uint_eq(jta_files_text_clean("a\xff" "b", 3, 64, 0, out,
	    sizeof(out), &cut), 5);
	ck_assert_str_eq(out, "a\xef\xbf\xbd" "b");
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_attach");
	TCase	*tc = tcase_create("core");

	signal(SIGPIPE, SIG_IGN);
	jta_log_set_level(JTA_LOG_ERROR);
	if (jta_http_global_init() != JTA_OK)
		return NULL;
	jta_check_at_end(done);
	if (start_host() != 0)
		return NULL;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, names_are_cleaned);
	tcase_add_test(tc, files_are_kept_0600_and_forgotten);
	tcase_add_test(tc, refs_are_checked);
	tcase_add_test(tc, refs_take_content_and_resource_links);
	tcase_add_test(tc, bytes_get_the_checks_a_download_gets);
	tcase_add_test(tc, base64_files_are_decoded_strictly_and_kept);
	tcase_add_test(tc, draft_files_taken_refused_capped_and_collected);
	tcase_add_test(tc, types_are_checked_against_content);
	tcase_add_test(tc, host_list_is_exact);
	tcase_add_test(tc, files_of_each_type_are_fetched);
	tcase_add_test(tc, sizes_at_and_over_the_cap);
	tcase_add_test(tc, wrong_declared_type_is_refused);
	tcase_add_test(tc, redirects_only_to_listed_hosts);
	tcase_add_test(tc, hosts_off_the_list_and_private_addresses);
	tcase_add_test(tc, slow_truncated_and_missing_answers);
	tcase_add_test(tc, metadata_rule_is_unchanged);
	tcase_add_test(tc, file_links_sign_and_check);
	tcase_add_test(tc, file_disposition_is_safe);
	tcase_add_test(tc, attachment_text_is_cut_and_cleaned);
	suite_add_tcase(s, tc);
	return s;
}
