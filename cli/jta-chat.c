/*
 * jta-chat: the terminal client of our own agent (README "The terminal
 * client").  It sends a message to POST /api/chat as the person whose API
 * key it holds, prints the answer's text as it arrives (each `delta`
 * event is written to an unbuffered stdout from libcurl's write
 * callback), shows tool activity on stderr, and after the answer asks
 * "Submit? [y/N]" on the terminal for each pending action (a `preview`
 * event with an "action"); only a "y" there sends POST /api/chat/confirm.
 *
 * The key comes from --key-file (a regular file of mode 0600 or stricter)
 * or the JTA_API_KEY environment variable, never from an argument (which
 * any local user sees in ps).  Every byte of the answer is the network's:
 * lines, events, the stream and the pending actions are bounded
 * (jta_limits.h), and control characters in text from the model are
 * replaced before they reach the terminal (no escape sequences).
 *
 * --attach FILE[:TYPE] (repeatable) takes files from the terminal (README
 * "Files from the chat"): each is checked before anything is sent (a
 * readable regular file, its type from --attach's TYPE or its extension),
 * and when the model previews a draft they are uploaded to it (POST
 * /api/drafts/{id}/files, multipart/form-data, RFC 7578), what went in and
 * each refusal shown; a pending submitDraft of that draft is then
 * confirmed with the draft's new revision (the person saw the files).
 *
 * The event stream is Server-Sent Events (WHATWG HTML Living Standard,
 * "Server-sent events", 9.2.6 "Interpreting an event stream"): lines end
 * in CRLF, LF or CR; "event:" names the event, "data:" lines are joined
 * with LF; a blank line dispatches it; a line starting with ':' is a
 * comment.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "jta_arena.h"
#include "jta_attach.h"
#include "jta_limits.h"

/* The files of --attach: at most as many as a draft takes. */
#define ATTACH_MAX	10

/* An --attach file: its path and its declared type (canonical). */
struct attach {
	const char	*path;
	char		 type[96];
	off_t		 size;
};

/* The files still to upload, and the draft they went to (with its
 * revision after the upload: what a confirm of its submit sends). */
static struct attach	 atts[ATTACH_MAX];
static size_t		 natts;
static char		 updraft[JTA_LIMIT_DRAFT_ID + 1];
static int64_t		 uprev;

/* The bytes of one answer's stream being read. */
struct sse {
	char	 line[JTA_LIMIT_LLM_SSE_LINE];
	size_t	 linelen;
	int	 lastcr;		/* the previous byte was CR */
	char	 event[64];
	char	 data[JTA_LIMIT_LLM_SSE_EVENT];
	size_t	 datalen;
	int	 hasdata;
	size_t	 total;			/* bytes of the whole stream */
	size_t	 events;
	int	 broken;		/* over a limit: stop reading */
	int	 ended;			/* done or error seen */
	int	 failed;		/* an error event */
	int	 midline;		/* stdout is not at a line start */
	char	 conv[JTA_LIMIT_CHAT_ID + 1];
	char	 draft[JTA_LIMIT_DRAFT_ID + 1];	/* the last draft shown */
	json_t	*actions;		/* pending: {action, tool, arguments} */
	/* A non-stream answer (a problem+json): kept, bounded. */
	int	 plain;
	char	 body[JTA_LIMIT_CLI_PROBLEM];
	size_t	 bodylen;
	CURL	*curl;
};

static void
usage(void)
{
	fprintf(stderr, "usage: jta-chat --url URL [--key-file FILE] "
	    "[--conversation ID] [--attach FILE[:TYPE] ...] "
	    "[MESSAGE ...]\n"
	    "The API key is read from --key-file (mode 0600) or from "
	    "JTA_API_KEY.\n");
}

/* Text from the network to the terminal: tab and newline pass, every
 * other control character (ESC of an escape sequence, CR, DEL, C1 in
 * UTF-8 as U+0080..U+009F) becomes '?'. */
static void
put_text(FILE *f, const char *s, size_t n)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			fputc('?', f);
			i++;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			c = '?';
		fputc(c, f);
	}
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
line_start(struct sse *s)
{
	if (s->midline) {
		fputc('\n', stdout);
		s->midline = 0;
	}
}

static void
show_problem(json_t *p)
{
	const char *detail = str(p, "detail"), *field = str(p, "field");

	fputs("jta-chat: ", stderr);
	put_text(stderr, *detail ? detail : str(p, "title"),
	    strlen(*detail ? detail : str(p, "title")));
	if (*field) {
		fputs(" (", stderr);
		put_text(stderr, field, strlen(field));
		fputc(')', stderr);
	}
	if (json_integer_value(json_object_get(p, "retry_after")) > 0)
		fprintf(stderr, "; retry after %lld s",
		    (long long)json_integer_value(json_object_get(p,
		    "retry_after")));
	fputc('\n', stderr);
}

/* An id as the server makes them: "c_" or "a_" and base64url. */
static int
good_id(const char *id, size_t max)
{
	size_t n = strlen(id);

	if (n == 0 || n > max)
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ0123456789_-") == n;
}

static void
dispatch(struct sse *s)
{
	json_t		*d;
	json_error_t	 jerr;
	const char	*t;

	if (!s->hasdata)
		goto reset;
	if (++s->events > JTA_LIMIT_CLI_EVENTS) {
		fprintf(stderr, "jta-chat: too many events in one answer\n");
		s->broken = 1;
		goto reset;
	}
	d = json_loadb(s->data, s->datalen, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(d)) {
		json_decref(d);
		goto reset;	/* not ours to understand: ignored */
	}
	if (strcmp(s->event, "delta") == 0) {
		t = str(d, "text");
		put_text(stdout, t, strlen(t));
		if (*t)
			s->midline = t[strlen(t) - 1] != '\n';
	} else if (strcmp(s->event, "tool") == 0) {
		line_start(s);
		fputs("[", stderr);
		put_text(stderr, str(d, "name"), strlen(str(d, "name")));
		fputs(": ", stderr);
		put_text(stderr, str(d, "status"), strlen(str(d, "status")));
		fputs("]\n", stderr);
	} else if (strcmp(s->event, "preview") == 0) {
		if (json_is_string(json_object_get(d, "action")) &&
		    good_id(str(d, "action"), JTA_LIMIT_CHAT_ACTION_ID) &&
		    json_array_size(s->actions) < JTA_LIMIT_CLI_ACTIONS)
			json_array_append(s->actions, d);
		else if (json_is_object(json_object_get(d, "preview"))) {
			line_start(s);
			t = str(json_object_get(d, "preview"), "summary");
			fputs("[draft: ", stderr);
			put_text(stderr, t, strlen(t));
			fputs("]\n", stderr);
			if (good_id(str(d, "draft"), JTA_LIMIT_DRAFT_ID))
				snprintf(s->draft, sizeof(s->draft), "%s",
				    str(d, "draft"));
		}
	} else if (strcmp(s->event, "notice") == 0) {
		/* A quota at 70 % or 90 % (jta_usage.h). */
		line_start(s);
		t = str(d, "notice");
		fputs("[", stderr);
		put_text(stderr, t, strlen(t));
		fputs("]\n", stderr);
	} else if (strcmp(s->event, "error") == 0) {
		line_start(s);
		show_problem(json_object_get(d, "problem"));
		s->ended = s->failed = 1;
	} else if (strcmp(s->event, "done") == 0) {
		line_start(s);
		t = str(d, "conversation");
		if (good_id(t, JTA_LIMIT_CHAT_ID))
			snprintf(s->conv, sizeof(s->conv), "%s", t);
		s->ended = 1;
	}
	json_decref(d);
reset:
	s->event[0] = '\0';
	s->datalen = 0;
	s->hasdata = 0;
}

/* One complete line of the stream (without its end). */
static void
sse_line(struct sse *s)
{
	char	*v, *l = s->line;
	size_t	 n = s->linelen, k;

	if (n == 0) {
		dispatch(s);
		return;
	}
	if (l[0] == ':')
		return;
	v = memchr(l, ':', n);
	k = v != NULL ? (size_t)(v - l) : n;
	if (v != NULL) {
		v++;
		if ((size_t)(v - l) < n && *v == ' ')
			v++;
	} else
		v = l + n;
	n -= (size_t)(v - l);
	if (k == 5 && memcmp(l, "event", 5) == 0) {
		if (n >= sizeof(s->event))
			n = 0;		/* no event of ours is that long */
		memcpy(s->event, v, n);
		s->event[n] = '\0';
	} else if (k == 4 && memcmp(l, "data", 4) == 0) {
		if (s->datalen + n + 1 > sizeof(s->data)) {
			fprintf(stderr, "jta-chat: an event is too long\n");
			s->broken = 1;
			return;
		}
		if (s->hasdata)
			s->data[s->datalen++] = '\n';
		memcpy(s->data + s->datalen, v, n);
		s->datalen += n;
		s->hasdata = 1;
	}
}

static int
is_stream(struct sse *s)
{
	char	*ct = NULL;
	long	 code = 0;

	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->curl, CURLINFO_CONTENT_TYPE, &ct);
	return code == 200 && ct != NULL &&
	    strncmp(ct, "text/event-stream", 17) == 0;
}

/* libcurl's write callback: bytes as they arrive.  Returning less than
 * given ends the transfer (CURLE_WRITE_ERROR). */
static size_t
on_bytes(char *p, size_t one, size_t n, void *arg)
{
	struct sse	*s = arg;
	size_t		 i;

	(void)one;
	if (s->total == 0 && !is_stream(s))
		s->plain = 1;
	s->total += n;
	if (s->plain) {
		if (s->bodylen + n > sizeof(s->body))
			return 0;
		memcpy(s->body + s->bodylen, p, n);
		s->bodylen += n;
		return n;
	}
	if (s->total > JTA_LIMIT_LLM_STREAM) {
		fprintf(stderr, "jta-chat: the answer is too long\n");
		return 0;
	}
	for (i = 0; i < n && !s->broken; i++) {
		if (p[i] == '\n' && s->lastcr) {
			s->lastcr = 0;
			continue;
		}
		s->lastcr = p[i] == '\r';
		if (p[i] == '\n' || p[i] == '\r') {
			sse_line(s);
			s->linelen = 0;
			continue;
		}
		if (s->linelen == sizeof(s->line)) {
			fprintf(stderr, "jta-chat: a line is too long\n");
			s->broken = 1;
			break;
		}
		s->line[s->linelen++] = p[i];
	}
	return s->broken ? 0 : n;
}

/* A bounded JSON answer of the confirm. */
struct buf {
	char	data[JTA_LIMIT_CLI_PROBLEM];
	size_t	len;
};

static size_t
on_json(char *p, size_t one, size_t n, void *arg)
{
	struct buf *b = arg;

	(void)one;
	if (b->len + n > sizeof(b->data))
		return 0;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return n;
}

static CURL *
easy(const char *url, struct curl_slist *h, const char *body)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* An answer may be long, but not silent: under 1 byte a second for
	 * the server's longest silence ends it. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
	    (long)JTA_LIMIT_LLM_CALL_SECONDS + 30);
	return c;
}

/* Show what a pending action does and ask on the terminal; "y" or "yes"
 * (any case) is yes, anything else (or no terminal) is no. */
static int
ask(FILE *tty, json_t *a)
{
	char	 line[64], *args = NULL;
	json_t	*v = json_object_get(a, "arguments");

	fputs("Pending: ", stderr);
	put_text(stderr, str(a, "tool"), strlen(str(a, "tool")));
	if (v != NULL && (args = jta_arena_json_dumps(v, JSON_COMPACT |
	    JSON_SORT_KEYS)) != NULL) {
		fputc(' ', stderr);
		put_text(stderr, args, strnlen(args, 2000));
		free(args);
	}
	fputc('\n', stderr);
	if (tty == NULL) {
		fputs("jta-chat: no terminal to confirm on: not submitted\n",
		    stderr);
		return 0;
	}
	fputs("Submit? [y/N] ", tty);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) == NULL)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int
confirm(const char *base, struct curl_slist *h, const char *action,
    int64_t revision)
{
	char		 url[JTA_LIMIT_CLI_URL + 32], *body = NULL;
	struct buf	*b = NULL;
	json_t		*req = NULL, *ans = NULL, *res;
	json_error_t	 jerr;
	CURL		*c = NULL;
	long		 code = 0;
	int		 ok = 0;
	const char	*k;

	snprintf(url, sizeof(url), "%s/api/chat/confirm", base);
	if ((req = json_pack("{s:s}", "action", action)) == NULL ||
	    (revision > 0 && json_object_set_new(req, "revision",
	    json_integer(revision)) != 0) ||
	    (body = jta_arena_json_dumps(req, JSON_COMPACT)) == NULL ||
	    (b = calloc(1, sizeof(*b))) == NULL ||
	    (c = easy(url, h, body)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_json);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (curl_easy_perform(c) != CURLE_OK) {
		fprintf(stderr, "jta-chat: the confirm did not reach the "
		    "server\n");
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	ans = json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES, &jerr);
	if (code != 200) {
		show_problem(ans);
		goto out;
	}
	res = json_object_get(ans, "result");
	if (json_integer_value(json_object_get(ans, "status")) >= 400) {
		show_problem(res);
		goto out;
	}
	/* A submitted draft's ticket is its "issue" (openapi.yaml
	 * Submitted); a comment or a move answers the ticket itself. */
	if (json_is_object(json_object_get(res, "issue")))
		res = json_object_get(res, "issue");
	fputs("Done", stderr);
	k = str(res, "key");
	if (*k) {
		fputs(": ", stderr);
		put_text(stderr, k, strlen(k));
	}
	k = str(res, "url");
	if (*k) {
		fputc(' ', stderr);
		put_text(stderr, k, strlen(k));
	}
	fputc('\n', stderr);
	ok = 1;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	json_decref(req);
	json_decref(ans);
	free(body);
	free(b);
	return ok;
}

/* A draft's files as its answer lists them (preview.attachments). */
static void
show_files(json_t *draft)
{
	json_t		*f;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(draft, "preview"),
	    "attachments"), i, f) {
		fputs("[attached: ", stderr);
		put_text(stderr, str(f, "name"), strlen(str(f, "name")));
		fputs(" (", stderr);
		put_text(stderr, str(f, "type"), strlen(str(f, "type")));
		fprintf(stderr, ", %lld bytes)]\n", (long long)
		    json_integer_value(json_object_get(f, "size")));
	}
}

/* Each file a problem names as refused (its "errors", field "file"). */
static void
show_refused(json_t *p)
{
	json_t		*it;
	size_t		 i;

	json_array_foreach(json_object_get(p, "errors"), i, it) {
		fputs("[refused: ", stderr);
		put_text(stderr, str(it, "detail"), strlen(str(it, "detail")));
		fputs("]\n", stderr);
	}
}

/* Run c into a bounded JSON answer: *ans (new, or NULL when it is not
 * JSON) and the status; 0 when it did not reach the server. */
static int
run_json(CURL *c, long timeout, long *code, json_t **ans)
{
	struct buf	*b;
	json_error_t	 jerr;
	int		 ok = 0;

	*code = 0;
	*ans = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_json);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
		*ans = json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES,
		    &jerr);
		ok = 1;
	}
	free(b);
	return ok;
}

/*
 * Upload the --attach files to draft (POST /api/drafts/{id}/files, one
 * part named file each), once: show what went in and each refusal, and
 * keep the draft's revision after it (read again when a file was
 * refused: the draft moves on all the same) for the confirm.
 */
static void
upload(const char *base, struct curl_slist *hup, const char *draft)
{
	char		 url[JTA_LIMIT_CLI_URL + 64];
	curl_mime	*mime = NULL;
	curl_mimepart	*part;
	CURL		*c = NULL;
	json_t		*ans = NULL;
	long		 code = 0;
	size_t		 i;
	const char	*t;

	snprintf(url, sizeof(url), "%s/api/drafts/%s/files", base, draft);
	if ((c = easy(url, hup, NULL)) == NULL ||
	    (mime = curl_mime_init(c)) == NULL)
		goto out;
	for (i = 0; i < natts; i++)
		if ((part = curl_mime_addpart(mime)) == NULL ||
		    curl_mime_name(part, "file") != CURLE_OK ||
		    curl_mime_filedata(part, atts[i].path) != CURLE_OK ||
		    curl_mime_type(part, atts[i].type) != CURLE_OK)
			goto out;
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	if (!run_json(c, 600L, &code, &ans)) {
		fprintf(stderr, "jta-chat: the files did not reach the "
		    "server\n");
		goto out;
	}
	if (code != 200) {
		show_problem(ans);
		show_refused(ans);
		json_decref(ans);
		ans = NULL;
		/* What the draft holds now, and its revision. */
		curl_easy_cleanup(c);
		snprintf(url, sizeof(url), "%s/api/drafts/%s", base, draft);
		if ((c = easy(url, hup, NULL)) == NULL ||
		    !run_json(c, 120L, &code, &ans) || code != 200)
			goto out;
	}
	/* The draft as it now is: the request is prepared again with the
	 * files, so what is submitted is shown again. */
	t = str(json_object_get(ans, "preview"), "summary");
	fputs("[draft: ", stderr);
	put_text(stderr, t, strlen(t));
	fprintf(stderr, ", revision %lld]\n", (long long)json_integer_value(
	    json_object_get(ans, "revision")));
	show_files(ans);
	if (json_integer_value(json_object_get(ans, "revision")) > 0) {
		snprintf(updraft, sizeof(updraft), "%s", draft);
		uprev = json_integer_value(json_object_get(ans, "revision"));
	}
out:
	natts = 0;		/* once, whatever happened */
	curl_mime_free(mime);
	if (c != NULL)
		curl_easy_cleanup(c);
	json_decref(ans);
}

/* The draft a pending submitDraft of actions names, else "". */
static const char *
submit_draft(json_t *actions)
{
	json_t		*a;
	size_t		 i;
	const char	*id;

	json_array_foreach(actions, i, a) {
		id = str(json_object_get(a, "arguments"), "id");
		if (strcmp(str(a, "tool"), "submitDraft") == 0 &&
		    good_id(id, JTA_LIMIT_DRAFT_ID))
			return id;
	}
	return "";
}

/* One message: its answer streamed, then its pending actions asked. */
static int
send_one(const char *base, struct curl_slist *h, struct curl_slist *hup,
    const char *msg, char *conv, FILE *tty)
{
	char		 url[JTA_LIMIT_CLI_URL + 32], *body = NULL;
	struct sse	*s = NULL;
	json_t		*req = NULL, *a, *p;
	json_error_t	 jerr;
	CURLcode	 cc;
	curl_off_t	 ra = 0;
	size_t		 i;
	int64_t		 rev;
	int		 ok = 0;
	const char	*d;

	snprintf(url, sizeof(url), "%s/api/chat", base);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->actions = json_array()) == NULL ||
	    (req = json_pack("{s:s}", "message", msg)) == NULL ||
	    (*conv && json_object_set_new(req, "conversation",
	    json_string(conv)) != 0) ||
	    (body = jta_arena_json_dumps(req, JSON_COMPACT)) == NULL ||
	    (s->curl = easy(url, h, body)) == NULL) {
		fprintf(stderr, "jta-chat: out of memory\n");
		goto out;
	}
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_bytes);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	cc = curl_easy_perform(s->curl);
	if (s->linelen > 0 && !s->broken)
		sse_line(s);
	if (!s->broken)
		dispatch(s);
	line_start(s);
	if (s->plain) {
		p = json_loadb(s->body, s->bodylen, JSON_REJECT_DUPLICATES,
		    &jerr);
		if (json_is_object(p)) {
			show_problem(p);
			/* A quota's 429 says when to come back in Retry-After
			 * (RFC 9110 §10.2.3). */
			if (json_integer_value(json_object_get(p,
			    "retry_after")) <= 0 && curl_easy_getinfo(s->curl,
			    CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
				fprintf(stderr, "jta-chat: retry after "
				    "%lld s\n", (long long)ra);
		} else
			fprintf(stderr, "jta-chat: the server did not answer "
			    "with a stream\n");
		json_decref(p);
		goto out;
	}
	if (cc != CURLE_OK && !s->broken) {
		fprintf(stderr, "jta-chat: %s\n", curl_easy_strerror(cc));
		goto out;
	}
	if (!s->ended) {
		if (!s->broken)
			fprintf(stderr, "jta-chat: the answer ended early\n");
		goto out;
	}
	if (s->conv[0])
		memcpy(conv, s->conv, sizeof(s->conv));
	/* The files go to the draft the model asks to submit, else to the
	 * last one it showed, before the person is asked. */
	d = submit_draft(s->actions);
	if (natts > 0 && (*d || s->draft[0]))
		upload(base, hup, *d ? d : s->draft);
	json_array_foreach(s->actions, i, a) {
		/* A submit of the draft the files went to is confirmed at
		 * the revision after them (the person saw them here). */
		rev = 0;
		if (strcmp(str(a, "tool"), "submitDraft") == 0 && *updraft &&
		    strcmp(str(json_object_get(a, "arguments"), "id"),
		    updraft) == 0 && uprev > json_integer_value(
		    json_object_get(json_object_get(a, "arguments"),
		    "revision")))
			rev = uprev;
		if (rev > 0)
			fprintf(stderr, "With the files above (the draft's "
			    "revision %lld).\n", (long long)rev);
		if (ask(tty, a))
			confirm(base, h, str(a, "action"), rev);
		else
			fputs("Not submitted.\n", stderr);
	}
	ok = !s->failed;
out:
	if (s != NULL) {
		if (s->curl != NULL)
			curl_easy_cleanup(s->curl);
		json_decref(s->actions);
	}
	json_decref(req);
	free(body);
	free(s);
	return ok;
}

/* The key: --key-file's (a regular file of ours, mode 0600 or stricter)
 * or JTA_API_KEY's; one line of visible ASCII. */
static int
read_key(const char *file, char *key, size_t size)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 len;
	const char	*env;
	int		 fd = -1, ok = 0;

	if (file != NULL) {
		if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "jta-chat: --key-file: cannot read "
			    "%s\n", file);
			goto out;
		}
		if ((st.st_mode & 077) != 0) {
			fprintf(stderr, "jta-chat: --key-file: %s is readable "
			    "by others (chmod 0600)\n", file);
			goto out;
		}
		if ((n = read(fd, key, size - 1)) < 0) {
			fprintf(stderr, "jta-chat: --key-file: cannot read "
			    "%s\n", file);
			goto out;
		}
		key[n] = '\0';
	} else if ((env = getenv("JTA_API_KEY")) != NULL) {
		if (strlen(env) >= size) {
			fprintf(stderr, "jta-chat: JTA_API_KEY is too long\n");
			goto out;
		}
		memcpy(key, env, strlen(env) + 1);
	} else {
		fprintf(stderr, "jta-chat: no API key: --key-file or "
		    "JTA_API_KEY\n");
		goto out;
	}
	len = strcspn(key, "\r\n");
	key[len] = '\0';
	if (len == 0 || len >= JTA_LIMIT_CLI_KEY) {
		fprintf(stderr, "jta-chat: the API key is empty or too long\n");
		goto out;
	}
	while (len > 0)
		if ((unsigned char)key[--len] <= 0x20 ||
		    (unsigned char)key[len] >= 0x7f) {
			fprintf(stderr, "jta-chat: the API key has a character "
			    "no key has\n");
			goto out;
		}
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The type of a file by its extension, among those the server takes
 * (jta_attach_type_known); NULL when the extension says nothing. */
static const char *
type_of(const char *path)
{
	static const struct {
		const char	*ext, *type;
	} ext[] = {
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
		{ "webp", "image/webp" }, { "pdf", "application/pdf" },
		{ "zip", "application/zip" },
		{ "docx", "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
		{ "pptx", "application/vnd.openxmlformats-officedocument."
		    "presentationml.presentation" },
		{ "txt", "text/plain" }, { "log", "text/plain" },
		{ "csv", "text/csv" }, { "md", "text/markdown" },
		{ "json", "application/json" },
	};
	const char	*dot = strrchr(path, '.');
	size_t		 i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcasecmp(dot + 1, ext[i].ext) == 0)
			return ext[i].type;
	return NULL;
}

/*
 * --attach FILE or FILE:TYPE into a (arg is argv's, cut at the ':'):
 * the type given, or the extension's; the file a readable regular file
 * no bigger than the server reads in one upload.  0 after saying why.
 */
static int
attach_arg(char *arg, struct attach *a)
{
	struct stat	 st;
	char		*colon = strrchr(arg, ':');
	const char	*type = NULL;
	int		 fd;

	if (colon != NULL && strchr(colon, '/') != NULL &&
	    strchr(colon, '/') != colon + 1) {
		if ((type = jta_attach_type_known(colon + 1)) == NULL) {
			fputs("jta-chat: --attach: ", stderr);
			put_text(stderr, colon + 1, strlen(colon + 1));
			fputs(" is not a type the server takes\n", stderr);
			return 0;
		}
		*colon = '\0';
	} else if ((type = type_of(arg)) == NULL) {
		fputs("jta-chat: --attach: ", stderr);
		put_text(stderr, arg, strlen(arg));
		fputs(": say its type as FILE:TYPE (e.g. app.out:text/plain)"
		    "\n", stderr);
		return 0;
	}
	if ((fd = open(arg, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		fputs("jta-chat: --attach: cannot read ", stderr);
		put_text(stderr, arg, strlen(arg));
		fputc('\n', stderr);
		return 0;
	}
	close(fd);
	if (st.st_size > JTA_LIMIT_UPLOAD_BODY) {
		fputs("jta-chat: --attach: ", stderr);
		put_text(stderr, arg, strlen(arg));
		fprintf(stderr, " is over %d MiB\n",
		    JTA_LIMIT_UPLOAD_BODY / (1024 * 1024));
		return 0;
	}
	a->path = arg;
	a->size = st.st_size;
	snprintf(a->type, sizeof(a->type), "%s", type);
	return 1;
}

/* --url: http(s)://host[:port][/path], no user, query or fragment;
 * plain http only to the loopback (the key would cross the network in
 * the clear). */
static int
check_url(const char *url, char *base, size_t size)
{
	size_t	 n = strlen(url);
	int	 http = strncmp(url, "http://", 7) == 0;

	if (n == 0 || n >= size || n >= JTA_LIMIT_CLI_URL ||
	    (!http && strncmp(url, "https://", 8) != 0) ||
	    strpbrk(url, "@?# \t\r\n") != NULL) {
		fprintf(stderr, "jta-chat: --url must be "
		    "https://HOST[/PATH]\n");
		return 0;
	}
	if (http && strncmp(url + 7, "127.0.0.1", 9) != 0 &&
	    strncmp(url + 7, "localhost", 9) != 0 &&
	    strncmp(url + 7, "[::1]", 5) != 0) {
		fprintf(stderr, "jta-chat: --url: plain http only to the "
		    "loopback\n");
		return 0;
	}
	memcpy(base, url, n + 1);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	return 1;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "conversation", required_argument, NULL, 'c' },
		{ "attach", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char			 base[JTA_LIMIT_CLI_URL];
	char			 conv[JTA_LIMIT_CHAT_ID + 1];
	char			 key[JTA_LIMIT_CLI_KEY + 2];
	char			 auth[JTA_LIMIT_CLI_KEY + 32];
	char			 msg[JTA_LIMIT_CHAT_MESSAGE + 2];
	const char		*url = NULL, *keyfile = NULL;
	struct curl_slist	*h = NULL, *h2, *hup = NULL;
	off_t			 total = 0;
	size_t			 given;
	FILE			*tty = NULL;
	size_t			 n, len;
	int			 ch, i, rc = 1, interactive;

	conv[0] = '\0';
	while ((ch = getopt_long(argc, argv, "u:k:c:a:h", opts, NULL)) != -1)
		switch (ch) {
		case 'a':
			if (natts == ATTACH_MAX) {
				fprintf(stderr, "jta-chat: --attach: at most "
				    "%d files\n", ATTACH_MAX);
				return 2;
			}
			if (!attach_arg(optarg, &atts[natts]))
				return 2;
			total += atts[natts++].size;
			break;
		case 'u':
			url = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'c':
			if (!good_id(optarg, JTA_LIMIT_CHAT_ID)) {
				fprintf(stderr, "jta-chat: --conversation: "
				    "not a conversation id\n");
				return 2;
			}
			snprintf(conv, sizeof(conv), "%s", optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	if (url == NULL) {
		usage();
		return 2;
	}
	/* One upload carries them all; the multipart framing needs a
	 * little room besides (JTA_LIMIT_UPLOAD_BODY is what is read). */
	if (total > JTA_LIMIT_UPLOAD_BODY - 64 * 1024) {
		fprintf(stderr, "jta-chat: --attach: the files are over %d "
		    "MiB together\n", JTA_LIMIT_UPLOAD_BODY / (1024 * 1024));
		return 2;
	}
	given = natts;
	if (sodium_init() < 0 || !check_url(url, base, sizeof(base)))
		return 2;
	if (!read_key(keyfile, key, sizeof(key))) {
		sodium_memzero(key, sizeof(key));
		return 2;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	sodium_memzero(key, sizeof(key));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto out;
	if ((h = curl_slist_append(NULL, auth)) == NULL ||
	    (h2 = curl_slist_append(h, "Content-Type: application/json")) ==
	    NULL || (h = h2, (h2 = curl_slist_append(h,
	    "Accept: text/event-stream, application/json")) == NULL))
		goto out;
	h = h2;
	/* The upload's own headers: curl writes the multipart Content-Type;
	 * no Expect: 100-continue round trip. */
	if ((hup = curl_slist_append(NULL, auth)) == NULL ||
	    (h2 = curl_slist_append(hup, "Accept: application/json")) ==
	    NULL || (hup = h2, (h2 = curl_slist_append(hup, "Expect:")) ==
	    NULL))
		goto out;
	hup = h2;
	setvbuf(stdout, NULL, _IONBF, 0);
	tty = fopen("/dev/tty", "r+e");
	if (optind < argc) {
		/* One message from the arguments, joined by spaces. */
		for (len = 0, i = optind; i < argc; i++) {
			n = strlen(argv[i]);
			if (len + n + 1 > JTA_LIMIT_CHAT_MESSAGE) {
				fprintf(stderr, "jta-chat: the message is "
				    "longer than %d bytes\n",
				    JTA_LIMIT_CHAT_MESSAGE);
				goto out;
			}
			if (len > 0)
				msg[len++] = ' ';
			memcpy(msg + len, argv[i], n);
			len += n;
		}
		msg[len] = '\0';
		rc = send_one(base, h, hup, msg, conv, tty) ? 0 : 1;
		goto out;
	}
	/* Lines of stdin, one message each, in one conversation. */
	interactive = isatty(STDIN_FILENO);
	rc = 0;
	for (;;) {
		if (interactive)
			fputs("> ", stderr);
		if (fgets(msg, sizeof(msg), stdin) == NULL)
			break;
		len = strcspn(msg, "\n");
		if (msg[len] != '\n' && !feof(stdin)) {
			fprintf(stderr, "jta-chat: a line is longer than %d "
			    "bytes: skipped\n", JTA_LIMIT_CHAT_MESSAGE);
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			rc = 1;
			continue;
		}
		msg[len] = '\0';
		if (len > 0 && msg[len - 1] == '\r')
			msg[--len] = '\0';
		if (len == 0)
			continue;
		if (!send_one(base, h, hup, msg, conv, tty))
			rc = 1;
	}
out:
	if (given > 0 && natts > 0)
		fputs("jta-chat: the assistant showed no draft: the files "
		    "were not sent\n", stderr);
	if (tty != NULL)
		fclose(tty);
	curl_slist_free_all(h);
	curl_slist_free_all(hup);
	sodium_memzero(auth, sizeof(auth));
	curl_global_cleanup();
	return rc;
}
