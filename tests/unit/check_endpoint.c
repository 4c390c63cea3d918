/*
 * Unit tests for jta_endpoint: the table's own consistency, the pattern
 * language, the serving loop refusing what the table does not declare
 * (programs run once as CGI in a child), and no drift between the table
 * and the files that name the endpoints again: nginx-conf/jta-locations.conf,
 * apache-conf/jta.conf, nginx-conf/jta-spawn-fcgi, the systemd socket
 * unit's program list, the integration harness's, Makefile.am's
 * pkglibexec_PROGRAMS and the .name of every program in fcgi/ (read from
 * $JTA_SRCDIR).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"

#include "jta_endpoint.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_db.h"
#include "jta_vault.h"

static char	 tmproot[] = "/tmp/jta-endpoint-XXXXXX";

/* ---- the table ---- */

/* A path route's pattern matches: each "*" as "X-1", "**" as "z". */
static void
example(const char *pattern, char *buf, size_t bufsz)
{
	size_t	 n = 0;

	for (; *pattern != '\0' && n + 4 < bufsz; pattern++) {
		if (pattern[0] == '*' && pattern[1] == '*') {
			buf[n++] = 'z';
			pattern++;
		} else if (*pattern == '*') {
			memcpy(buf + n, "X-1", 3);
			n += 3;
		} else
			buf[n++] = *pattern;
	}
	buf[n] = '\0';
}

START_TEST(table_is_consistent)
{
	const struct jta_endpoint_def *d, *e;
	const struct jta_endpoint_route *r;
	const struct jta_endpoint_method *m;
	char		 path[256];
	size_t		 i, j, k, l;

	ck_assert_ptr_nonnull(jta_endpoint_at(0));
	for (i = 0; (d = jta_endpoint_at(i)) != NULL; i++) {
		ck_assert_msg(strncmp(d->program, "jta-", 4) == 0, "%s",
		    d->program);
		for (j = 0; (e = jta_endpoint_at(j)) != NULL; j++)
			ck_assert_msg(i == j || strcmp(d->program,
			    e->program) != 0, "%s twice", d->program);
		ck_assert_ptr_eq(jta_endpoint_get(d->program), d);
		ck_assert_msg(d->routes[0].path != NULL, "%s serves nothing",
		    d->program);
		for (k = 0; k < JTA_ENDPOINT_ROUTES &&
		    (r = &d->routes[k])->path != NULL; k++) {
			/* Locations of two programs never overlap: the
			 * first route found for an example is this one. */
			example(r->path, path, sizeof(path));
			ck_assert_msg(jta_endpoint_route(NULL, path) == r,
			    "%s: %s is claimed by another route", d->program,
			    r->path);
			ck_assert_ptr_eq(jta_endpoint_route(d, path), r);
			ck_assert_msg(r->m[0].methods != 0, "%s %s: no method",
			    d->program, r->path);
			for (l = 0; l < JTA_ENDPOINT_METHODS &&
			    (m = &r->m[l])->methods != 0; l++) {
				ck_assert_int_lt(m->name, JTA_ENDPOINT_OTHER);
				/* Rules run only after an API key: a class
				 * under a weaker guard would be fail-open. */
				ck_assert_msg(m->cls == JTA_ENDPOINT_NONE ||
				    d->guard == JTA_ENDPOINT_RULES,
				    "%s %s: an access-rule class without "
				    "the rules guard", d->program, r->path);
			}
		}
	}
	ck_assert_ptr_null(jta_endpoint_get("jta-undeclared"));
	ck_assert_ptr_null(jta_endpoint_get(NULL));
	ck_assert_str_eq(jta_endpoint_name(JTA_ENDPOINT_NNAMES), "other");
}
END_TEST

START_TEST(patterns_match_segments)
{
	ck_assert(jta_endpoint_match("/api/issues", "/api/issues"));
	ck_assert(!jta_endpoint_match("/api/issues", "/api/issues/"));
	ck_assert(!jta_endpoint_match("/api/issues", "/api/issue"));
	ck_assert(jta_endpoint_match("/api/issues/*", "/api/issues/A-1"));
	ck_assert(!jta_endpoint_match("/api/issues/*", "/api/issues/"));
	ck_assert(!jta_endpoint_match("/api/issues/*", "/api/issues/A/b"));
	ck_assert(jta_endpoint_match("/api/issues/*/comments",
	    "/api/issues/A-1/comments"));
	ck_assert(!jta_endpoint_match("/api/issues/*/comments",
	    "/api/issues/A-1/comments/2"));
	ck_assert(jta_endpoint_match("/api/tickets/**", "/api/tickets/"));
	ck_assert(jta_endpoint_match("/api/tickets/**", "/api/tickets/3/"));
	ck_assert(!jta_endpoint_match("/api/tickets/**", "/api/tickets"));
}
END_TEST

START_TEST(allow_comes_from_the_table)
{
	const struct jta_endpoint_route *r;
	char		 allow[64];

	r = jta_endpoint_route(jta_endpoint_get("jta-issue"),
	    "/api/issues/A-1");
	ck_assert_ptr_nonnull(r);
	jta_endpoint_allow(r, allow, sizeof(allow));
	ck_assert_str_eq(allow, "GET, HEAD, PATCH");
	ck_assert_ptr_null(jta_endpoint_method(r, JTA_METHOD_DELETE));
	r = jta_endpoint_route(NULL, "/api/issues/A-1/comments");
	jta_endpoint_allow(r, allow, sizeof(allow));
	ck_assert_str_eq(allow, "POST");
	jta_endpoint_allow(r, allow, 3);
	ck_assert_str_eq(allow, "");
	/* The issue program does not serve its siblings' paths. */
	ck_assert_ptr_null(jta_endpoint_route(jta_endpoint_get("jta-issue"),
	    "/api/issues/A-1/comments"));
}
END_TEST

/* ---- the serving loop refuses what is not declared ---- */

static int	 served;

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	(void)ctx;
	(void)req;
	(void)who;
	(void)err;
	served = 1;
	return jta_resp_bytes(resp, 200, "text/plain", "served\n",
	    strlen("served\n"));
}

/* A configuration, a store and a vault key in a directory of its own. */
static void
setup_conf(char *conf, size_t confsz)
{
	static int	 n;
	char		 dir[256], path[512], msg[256];
	struct jta_store *st = NULL;
	FILE		*f;

	snprintf(dir, sizeof(dir), "%s/c%ld-%d", tmproot, (long)getpid(),
	    n++);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/vault.key", dir);
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)),
	    JTA_OK);
	snprintf(path, sizeof(path), "%s/jta.db", dir);
	ck_assert_int_eq(jta_store_open(path, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &st, msg, sizeof(msg)), JTA_OK);
	jta_store_close(st);
	snprintf(conf, confsz, "%s/jta.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "database = %s/jta.db\nvault_key_file = %s/vault.key\n"
	    "metrics = off\nlog_level = error\n", dir, dir);
	ck_assert_int_eq(fclose(f), 0);
}

/* Run program (its handler: handle) once as CGI for method and uri;
 * its output into out. */
static void
run(const char *program, const char *method, const char *uri, char *out,
    size_t outsz)
{
	static struct jta_endpoint ep;
	char		 conf[512], path[600];
	pid_t		 pid;
	int		 status, fd;
	ssize_t		 n;

	setup_conf(conf, sizeof(conf));
	snprintf(path, sizeof(path), "%s.out", conf);
	ep.name = program;
	ep.handle = handle;
	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    dup2(fd, 1) < 0 || (fd = open("/dev/null", O_RDONLY)) < 0 ||
		    dup2(fd, 0) < 0)
			_exit(99);
		setenv("JTA_CONFIG", conf, 1);
		setenv("REQUEST_METHOD", method, 1);
		setenv("REQUEST_URI", uri, 1);
		setenv("QUERY_STRING", "", 1);
		status = jta_fcgi_main(&ep);
		if (served)
			printf("HANDLER RAN\n");
		fflush(stdout);
		_exit(status);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, out, outsz - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
}

START_TEST(declared_is_served)
{
	char	 out[4096];

	run("jta-healthz", "GET", "/healthz", out, sizeof(out));
	ck_assert_msg(strstr(out, "HANDLER RAN") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "served") != NULL, "%s", out);
}
END_TEST

START_TEST(undeclared_program_is_refused)
{
	char	 out[4096];

	run("jta-undeclared", "GET", "/api/me", out, sizeof(out));
	ck_assert_msg(strstr(out, "Status: 500") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "application/problem+json") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "not declared") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "HANDLER RAN") == NULL, "%s", out);
}
END_TEST

START_TEST(undeclared_path_is_refused)
{
	char	 out[4096];

	/* Neither another program's location nor one below its own. */
	run("jta-healthz", "GET", "/api/me", out, sizeof(out));
	ck_assert_msg(strstr(out, "Status: 404") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "HANDLER RAN") == NULL, "%s", out);
	run("jta-healthz", "GET", "/healthz/x", out, sizeof(out));
	ck_assert_msg(strstr(out, "Status: 404") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "application/problem+json") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "HANDLER RAN") == NULL, "%s", out);
}
END_TEST

/* ---- no drift between the table and the files that name endpoints ---- */

#define MAXPAIRS	128

/* A set of (location pattern, program) pairs, or of programs (loc ""). */
struct pairs {
	size_t	 n;
	char	 loc[MAXPAIRS][128];
	char	 prog[MAXPAIRS][48];
};

static void
add(struct pairs *p, const char *loc, const char *prog)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->loc[i], loc) == 0 &&
		    strcmp(p->prog[i], prog) == 0)
			return;
	ck_assert_uint_lt(p->n, MAXPAIRS);
	snprintf(p->loc[p->n], sizeof(p->loc[0]), "%s", loc);
	snprintf(p->prog[p->n], sizeof(p->prog[0]), "%s", prog);
	p->n++;
}

static int
has(const struct pairs *p, const char *loc, const char *prog)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->loc[i], loc) == 0 &&
		    strcmp(p->prog[i], prog) == 0)
			return 1;
	return 0;
}

/* Fail naming every pair one side has and the other lacks. */
static void
same(const struct pairs *table, const struct pairs *file, const char *what)
{
	char	 msg[2048];
	size_t	 i, n = 0;

	msg[0] = '\0';
	for (i = 0; i < table->n; i++)
		if (!has(file, table->loc[i], table->prog[i]))
			n += (size_t)snprintf(msg + n, n < sizeof(msg) ?
			    sizeof(msg) - n : 0, " missing: %s%s%s;",
			    table->loc[i], table->loc[i][0] ? " " : "",
			    table->prog[i]);
	for (i = 0; i < file->n; i++)
		if (!has(table, file->loc[i], file->prog[i]))
			n += (size_t)snprintf(msg + n, n < sizeof(msg) ?
			    sizeof(msg) - n : 0, " not in the table: %s%s%s;",
			    file->loc[i], file->loc[i][0] ? " " : "",
			    file->prog[i]);
	ck_assert_msg(n == 0, "%s and common/jta_endpoint.c differ:%s", what,
	    msg);
}

static void
table_pairs(struct pairs *p, int programs_only)
{
	const struct jta_endpoint_def *d;
	size_t	 i, k;

	memset(p, 0, sizeof(*p));
	for (i = 0; (d = jta_endpoint_at(i)) != NULL; i++) {
		if (programs_only) {
			add(p, "", d->program);
			continue;
		}
		for (k = 0; k < JTA_ENDPOINT_ROUTES &&
		    d->routes[k].path != NULL; k++)
			add(p, d->routes[k].path, d->program);
	}
}

/* $JTA_SRCDIR/name, whole and NUL-terminated; free it. */
static char *
slurp(const char *name)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 path[1024], *buf;
	FILE		*f;
	long		 n;

	ck_assert_msg(top != NULL, "JTA_SRCDIR is not set");
	snprintf(path, sizeof(path), "%s/%s", top, name);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot read %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * The table's patterns of a web-server regex: "^" and "$" dropped, each
 * optional group "(...)?" both with and without, "[^/]+" as "*", a final
 * ".*" as "**", "\." as ".".  Anything else regex-like fails the test:
 * teach this function, or keep the configuration this simple.
 */
static void
expand(const char *re, const char *prog, struct pairs *out)
{
	char		 a[256], b[256], pat[128];
	const char	*open, *s;
	size_t		 depth, n, i;

	if ((open = strchr(re, '(')) != NULL) {
		for (s = open, depth = 0; *s != '\0'; s++)
			if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0)
				break;
		ck_assert_msg(*s == ')' && s[1] == '?', "regex %s: only "
		    "optional groups are understood", re);
		n = (size_t)(open - re);
		/* Without the group, then with it. */
		snprintf(a, sizeof(a), "%.*s%s", (int)n, re, s + 2);
		snprintf(b, sizeof(b), "%.*s%.*s%s", (int)n, re,
		    (int)(s - open - 1), open + 1, s + 2);
		expand(a, prog, out);
		expand(b, prog, out);
		return;
	}
	if (*re == '^')
		re++;
	for (i = 0; *re != '\0' && *re != '$' && i + 3 < sizeof(pat);) {
		if (strncmp(re, "[^/]+", 5) == 0) {
			pat[i++] = '*';
			re += 5;
		} else if (strcmp(re, ".*$") == 0 || strcmp(re, ".*") == 0) {
			pat[i++] = '*';
			pat[i++] = '*';
			re += 2;
		} else if (re[0] == '\\' && re[1] == '.') {
			pat[i++] = '.';
			re += 2;
		} else {
			ck_assert_msg(strchr("[]()?+*|\\.^", *re) == NULL,
			    "regex %s: '%c' is not understood", re, *re);
			pat[i++] = *re++;
		}
	}
	pat[i] = '\0';
	add(out, pat, prog);
}

START_TEST(nginx_locations_match_the_table)
{
	struct pairs	 table, file;
	char		*text = slurp("nginx-conf/jta-locations.conf");
	char		*line, *save = NULL, *s, mod[256], arg[256], sock[64];
	char		 loc[300] = "", prog[80];
	char		 re[300];

	table_pairs(&table, 0);
	memset(&file, 0, sizeof(file));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (strncmp(s, "location ", 9) == 0) {
			/* location [= | ~ | ^~] ARG { */
			if (sscanf(s + 9, "%255s %255s", mod, arg) == 2 &&
			    strcmp(arg, "{") == 0) {
				snprintf(arg, sizeof(arg), "%s", mod);
				mod[0] = '\0';
			}
			if (strcmp(mod, "=") == 0)
				snprintf(loc, sizeof(loc), "=%s", arg);
			else if (strcmp(mod, "~") == 0)
				snprintf(loc, sizeof(loc), "~%s", arg);
			else	/* a prefix: everything below it */
				snprintf(loc, sizeof(loc), "=%s**", arg);
			continue;
		}
		if (sscanf(s, "fastcgi_pass unix:/run/jta/%63[^.].sock;",
		    sock) != 1)
			continue;
		ck_assert_msg(loc[0] != '\0', "fastcgi_pass %s outside a "
		    "location", sock);
		snprintf(prog, sizeof(prog), "jta-%s", sock);
		if (loc[0] == '=')
			add(&file, loc + 1, prog);
		else {
			snprintf(re, sizeof(re), "%s", loc + 1);
			expand(re, prog, &file);
		}
		loc[0] = '\0';
	}
	free(text);
	same(&table, &file, "nginx-conf/jta-locations.conf");
}
END_TEST

START_TEST(apache_locations_match_the_table)
{
	struct pairs	 table, file;
	char		*text = slurp("apache-conf/jta.conf");
	char		*line, *save = NULL;
	char		 re[256], sock[64], host[64], prog[80];

	table_pairs(&table, 0);
	memset(&file, 0, sizeof(file));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "ProxyPassMatch \"%255[^\"]\" "
		    "\"unix:/run/jta/%63[^.].sock|fcgi://%63[^/]/\"", re, sock,
		    host) != 3)
			continue;
		snprintf(prog, sizeof(prog), "jta-%s", sock);
		ck_assert_msg(strcmp(host, prog) == 0, "apache-conf/jta.conf: "
		    "%s.sock goes by the host label %s, not %s", sock, host,
		    prog);
		expand(re, prog, &file);
	}
	free(text);
	same(&table, &file, "apache-conf/jta.conf");
}
END_TEST

/* The words of text from after start to the end of its line, continued
 * lines (ending in '\\') included, each prefixed; '#' and '"' are blank. */
static void
words(const char *text, const char *start, const char *prefix,
    struct pairs *out)
{
	const char	*s = strstr(text, start);
	char		 w[64], prog[96];
	size_t		 n;

	ck_assert_msg(s != NULL, "no '%s'", start);
	s += strlen(start);
	memset(out, 0, sizeof(*out));
	while (*s != '\0') {
		if (*s == '\n') {
			if (s[-1] != '\\' && s[-1] != '\n' &&
			    strchr(start, '"') == NULL)
				break;
			s++;
			continue;
		}
		if (*s == '"')
			break;
		if (strchr(" \t\\#", *s) != NULL) {
			s++;
			continue;
		}
		for (n = 0; *s != '\0' && strchr(" \t\n\\#\"", *s) == NULL;
		    s++)
			if (n + 1 < sizeof(w))
				w[n++] = *s;
		w[n] = '\0';
		if (strcmp(w, "do") == 0)
			break;
		snprintf(prog, sizeof(prog), "%s%s", prefix, w);
		add(out, "", prog);
	}
}

/* The quoted words of text from start to the first ')' after it. */
static void
quoted(const char *text, const char *start, const char *prefix,
    struct pairs *out)
{
	const char	*s = strstr(text, start), *e, *q;
	char		 prog[96];

	ck_assert_msg(s != NULL, "no '%s'", start);
	ck_assert_msg((e = strchr(s, ')')) != NULL, "no ')' after '%s'",
	    start);
	memset(out, 0, sizeof(*out));
	while ((s = memchr(s, '"', (size_t)(e - s))) != NULL &&
	    (q = memchr(s + 1, '"', (size_t)(e - s - 1))) != NULL) {
		snprintf(prog, sizeof(prog), "%s%.*s", prefix,
		    (int)(q - s - 1), s + 1);
		add(out, "", prog);
		s = q + 1;
	}
}

START_TEST(program_lists_match_the_table)
{
	struct pairs	 table, file;
	char		*text;

	table_pairs(&table, 1);
	text = slurp("nginx-conf/jta-spawn-fcgi");
	words(text, "\nprograms=\"", "jta-", &file);
	free(text);
	same(&table, &file, "nginx-conf/jta-spawn-fcgi's programs");
	text = slurp("nginx-conf/systemd/jta@.socket");
	words(text, "for p in", "jta-", &file);
	free(text);
	same(&table, &file, "nginx-conf/systemd/jta@.socket's program list");
	text = slurp("tests/integration/harness.py");
	quoted(text, "\nPROGRAMS = (", "jta-", &file);
	free(text);
	same(&table, &file, "tests/integration/harness.py's PROGRAMS");
	text = slurp("Makefile.am");
	words(text, "\npkglibexec_PROGRAMS =", "", &file);
	free(text);
	{
		size_t	 i;

		for (i = 0; i < file.n; i++) {
			ck_assert_msg(strncmp(file.prog[i], "fcgi/", 5) == 0,
			    "%s", file.prog[i]);
			memmove(file.prog[i], file.prog[i] + 5,
			    strlen(file.prog[i] + 5) + 1);
		}
	}
	same(&table, &file, "Makefile.am's pkglibexec_PROGRAMS");
}
END_TEST

START_TEST(every_program_names_its_entry)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 dir[1024], name[300], prog[64], *text, *s;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;

	ck_assert_ptr_nonnull(top);
	snprintf(dir, sizeof(dir), "%s/fcgi", top);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 3 ||
		    strcmp(de->d_name + strlen(de->d_name) - 2, ".c") != 0)
			continue;
		snprintf(name, sizeof(name), "fcgi/%s", de->d_name);
		text = slurp(name);
		ck_assert_msg((s = strstr(text, "\t.name = \"")) != NULL &&
		    sscanf(s, "\t.name = \"%63[^\"]\"", prog) == 1,
		    "%s names no program", name);
		ck_assert_msg(jta_endpoint_get(prog) != NULL, "%s: %s has no "
		    "entry in common/jta_endpoint.c", name, prog);
		free(text);
		n++;
	}
	closedir(d);
	ck_assert_uint_gt(n, 0);
}
END_TEST

static Suite *
endpoint_suite(void)
{
	Suite	*s = suite_create("endpoint");
	TCase	*tc = tcase_create("table");

	tcase_add_test(tc, table_is_consistent);
	tcase_add_test(tc, patterns_match_segments);
	tcase_add_test(tc, allow_comes_from_the_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("closed");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, declared_is_served);
	tcase_add_test(tc, undeclared_program_is_refused);
	tcase_add_test(tc, undeclared_path_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("drift");
	tcase_add_test(tc, nginx_locations_match_the_table);
	tcase_add_test(tc, apache_locations_match_the_table);
	tcase_add_test(tc, program_lists_match_the_table);
	tcase_add_test(tc, every_program_names_its_entry);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmtree(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	nftw(tmproot, rmtree, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_check_at_end(cleanup);
	jta_log_set_level(JTA_LOG_ERROR);
	return endpoint_suite();
}
