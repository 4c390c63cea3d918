/*
 * One error type for the whole library.  Fallible functions return enum
 * jta_err; when the cause may be client input they also fill a caller-owned
 * struct jta_error with the HTTP status, the field at fault and a message
 * that is safe to show (never a secret, never raw input, never a library's
 * own error text: those go to the log).
 */
#ifndef JTA_ERR_H
#define JTA_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define JTA_WUR		__attribute__((warn_unused_result))
#define JTA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define JTA_WUR
#define JTA_PRINTF(f, a)
#endif

enum jta_err {
	JTA_OK = 0,
	JTA_ERR_INPUT,		/* the client's request is wrong */
	JTA_ERR_NOTFOUND,	/* the thing asked for does not exist */
	JTA_ERR_CONFLICT,	/* it exists already, or its state forbids it */
	JTA_ERR_AUTH,		/* no or bad credentials */
	JTA_ERR_NOMEM,
	JTA_ERR_IO,		/* a file or socket failed */
	JTA_ERR_DB,		/* SQLite failed (details in the log) */
	JTA_ERR_CRYPTO,		/* libsodium failed, or a key is wrong */
	JTA_ERR_CONFIG,		/* the configuration is wrong */
	JTA_ERR_INTERNAL,	/* a bug: an invariant of ours does not hold */
	JTA_ERR_UPSTREAM,	/* Atlassian failed, timed out or misbehaved */
	JTA_ERR_BUSY		/* Atlassian asked us to come back later */
};

#define JTA_ERROR_FIELD		64
#define JTA_ERROR_DETAIL	512
#define JTA_ERROR_ITEMS		8	/* per-field errors one error carries */
#define JTA_ERROR_MESSAGE	200	/* bytes of one per-field message */
#define JTA_ERROR_NAME		64	/* bytes of a field's display name */
#define JTA_ERROR_QUESTION	201	/* a question: at most 200 bytes */
/* Allowed values of one item: at most JTA_ERROR_NALLOWED, packed one
 * after the other, each NUL-terminated, in JTA_ERROR_ALLOWED bytes;
 * values that do not fit are dropped (the question still asks). */
#define JTA_ERROR_ALLOWED	1024
#define JTA_ERROR_NALLOWED	50

/*
 * One field's own problem, for a problem body's "errors" array when
 * several fields are wrong at once: [{"field", "detail", "name"?,
 * "allowed"?, "question"?}].  Fixed size, no heap: a struct jta_error
 * lives on the stack (about 11 KiB with JTA_ERROR_ITEMS of these).
 */
struct jta_error_item {
	char	field[JTA_ERROR_FIELD];
	char	message[JTA_ERROR_MESSAGE];
	char	name[JTA_ERROR_NAME];		/* "" when none */
	char	question[JTA_ERROR_QUESTION];	/* "" when none */
	char	allowed[JTA_ERROR_ALLOWED];	/* nallowed packed values */
	size_t	allowedlen;			/* bytes used in allowed */
	size_t	nallowed;
};

/*
 * What went wrong, safe to show to the client.  status is an HTTP status;
 * field names the request field at fault ("" when none); detail is a
 * sentence for a person or an assistant to act on.  items[0..nitems) are
 * optional per-field messages (added with jta_error_add) for answers that
 * name more than one field; field and detail still say the whole story.
 */
struct jta_error {
	int	status;
	char	field[JTA_ERROR_FIELD];
	char	detail[JTA_ERROR_DETAIL];
	long	retry_after;	/* seconds, for 429/503; 0 when none */
	size_t	nitems;
	/* Last (jta_error_begin does not zero it): valid below nitems. */
	struct jta_error_item items[JTA_ERROR_ITEMS];
};

/*
 * Fill err (which may be NULL) and return code, so a caller can write
 * `return jta_error_set(err, JTA_ERR_INPUT, 422, "summary", "...")`.
 * The detail is formatted with vsnprintf and cut at JTA_ERROR_DETAIL;
 * callers never pass raw client input as an argument.  retry_after is
 * reset to 0; a caller that knows a delay sets it afterwards.
 */
enum jta_err jta_error_set(struct jta_error *err, enum jta_err code,
    int status, const char *field, const char *fmt, ...) JTA_PRINTF(5, 6);

/*
 * Add a per-field message to err (which may be NULL): field is cut at
 * JTA_ERROR_FIELD - 1 bytes and message at JTA_ERROR_MESSAGE - 1, both on
 * a UTF-8 character boundary, and control characters (below 0x20, 0x7f)
 * become spaces, so upstream text can be carried safely.  jta_error_set
 * empties the list, so call it first.  Returns 0, or -1 when err is NULL
 * or already holds JTA_ERROR_ITEMS (the message is then dropped: the
 * detail must not depend on it).
 */
int jta_error_add(struct jta_error *err, const char *field,
    const char *message);

/*
 * Describe the last item added (jta_error_add): its field's display name,
 * one more allowed value (cut and cleaned as the message is; dropped,
 * returning -1, past JTA_ERROR_NALLOWED values or JTA_ERROR_ALLOWED
 * bytes), and the question to put to the user (formatted, cut at
 * JTA_ERROR_QUESTION - 1 bytes on a character boundary).  Each returns
 * 0, or -1 when err is NULL or has no item.
 */
int jta_error_name(struct jta_error *err, const char *name);
int jta_error_allow(struct jta_error *err, const char *value);
int jta_error_ask(struct jta_error *err, const char *fmt, ...)
    JTA_PRINTF(2, 3);

/*
 * Collecting problems: jta_error_begin empties err (no status, no items)
 * so that checks can add items one after the other; it is also how a
 * request's error starts (it zeroes everything above items, about 600
 * bytes, not the 12 KB of items, which are valid only below nitems and
 * written whole by jta_error_add); jta_error_collected
 * then returns JTA_OK when none was added, else JTA_ERR_INPUT with status
 * 422, field the first item's field and a detail naming each problem
 * ("2 problems: priority: ...; fields.Site: is required").
 */
void jta_error_begin(struct jta_error *err);
enum jta_err jta_error_collected(struct jta_error *err) JTA_WUR;

/* The i-th allowed value of it (i < it->nallowed), borrowed from it. */
const char *jta_error_allowed(const struct jta_error_item *it, size_t i);

/*
 * Kinds of field for jta_error_ask_about: what to ask for.  ONE: one of
 * the allowed values; SOME: one or more of them; USER: a person; ISSUE:
 * an issue key; NUMBER, DATE, DATETIME; TEXT: anything else.
 */
enum jta_ask {
	JTA_ASK_ONE,
	JTA_ASK_SOME,
	JTA_ASK_USER,
	JTA_ASK_ISSUE,
	JTA_ASK_NUMBER,
	JTA_ASK_DATE,
	JTA_ASK_DATETIME,
	JTA_ASK_TEXT
};

/*
 * Set the last item's question from its name (or field) and allowed
 * values, short natural English: "Which priority should it have: High,
 * Medium or Low?", "Who should it be assigned to? (name or email)",
 * "What should Due date be? (YYYY-MM-DD)".  When the list of values
 * would make it longer than 200 bytes the question names as many as fit
 * and says how many more there are.  Returns as jta_error_ask.
 */
int jta_error_ask_about(struct jta_error *err, enum jta_ask kind);

/* The HTTP status that fits code when no jta_error was filled. */
int jta_err_status(enum jta_err code);

/* A short constant name for code, for log lines. */
const char *jta_err_name(enum jta_err code);

#endif
