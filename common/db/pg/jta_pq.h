/*
 * libpq as the PostgreSQL layer calls it: through a table filled at the
 * first connection (jta_pq_load, from jta_pg.c's dial), not through the
 * dynamic linker at start.  A program is compiled against libpq's header
 * but records no libpq (-Wl,--as-needed: nothing references it), so a
 * worker whose store is SQLite never maps libpq (README "Memory per
 * worker and the start cost", fourth pass; "Several hosts on
 * PostgreSQL").
 *
 * Include it instead of <libpq-fe.h>, and only from common/db/pg/: after
 * it, PQexec(...) and the rest of the functions listed below are calls
 * through the table.  Each member has the type of libpq's own
 * declaration (__typeof__), so a call that does not match libpq's
 * prototype does not compile.  A function not listed is not callable
 * (it would be an undefined reference to libpq at link): add it here and
 * to JTA_PQ_FUNCS.
 */
#ifndef JTA_PQ_H
#define JTA_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

#include "jta_err.h"

/* Every libpq function the layer calls. */
#define JTA_PQ_FUNCS(X)							\
	X(PQclear) X(PQcmdTuples) X(PQconnectdbParams)			\
	X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared)	\
	X(PQfinish) X(PQfreemem) X(PQgetisnull) X(PQgetlength)		\
	X(PQgetvalue) X(PQntuples) X(PQparameterStatus) X(PQprepare)	\
	X(PQreset) X(PQresultErrorField) X(PQresultStatus)		\
	X(PQserverVersion) X(PQsetErrorVerbosity)			\
	X(PQsetNoticeProcessor) X(PQstatus) X(PQtransactionStatus)	\
	X(PQunescapeBytea)

struct jta_pq_api {
#define JTA_PQ_MEMBER(f)	__typeof__(f) *f;
	JTA_PQ_FUNCS(JTA_PQ_MEMBER)
#undef JTA_PQ_MEMBER
};

/* Filled by jta_pq_load; every member NULL before. */
extern struct jta_pq_api jta_pq;

/*
 * Load libpq (JTA_LIBPQ_SONAME, found by configure) and fill jta_pq,
 * once per process; later calls return JTA_OK at once.  JTA_ERR_CONFIG
 * with a line in msg (the library or a function missing: the host lacks
 * the PostgreSQL client library) and jta_pq left empty.  One thread per
 * process, as everywhere in the library.
 */
enum jta_err jta_pq_load(char *msg, size_t msgsz);

#define PQclear(...)		(jta_pq.PQclear)(__VA_ARGS__)
#define PQcmdTuples(...)	(jta_pq.PQcmdTuples)(__VA_ARGS__)
#define PQconnectdbParams(...)	(jta_pq.PQconnectdbParams)(__VA_ARGS__)
#define PQerrorMessage(...)	(jta_pq.PQerrorMessage)(__VA_ARGS__)
#define PQexec(...)		(jta_pq.PQexec)(__VA_ARGS__)
#define PQexecParams(...)	(jta_pq.PQexecParams)(__VA_ARGS__)
#define PQexecPrepared(...)	(jta_pq.PQexecPrepared)(__VA_ARGS__)
#define PQfinish(...)		(jta_pq.PQfinish)(__VA_ARGS__)
#define PQfreemem(...)		(jta_pq.PQfreemem)(__VA_ARGS__)
#define PQgetisnull(...)	(jta_pq.PQgetisnull)(__VA_ARGS__)
#define PQgetlength(...)	(jta_pq.PQgetlength)(__VA_ARGS__)
#define PQgetvalue(...)		(jta_pq.PQgetvalue)(__VA_ARGS__)
#define PQntuples(...)		(jta_pq.PQntuples)(__VA_ARGS__)
#define PQparameterStatus(...)	(jta_pq.PQparameterStatus)(__VA_ARGS__)
#define PQprepare(...)		(jta_pq.PQprepare)(__VA_ARGS__)
#define PQreset(...)		(jta_pq.PQreset)(__VA_ARGS__)
#define PQresultErrorField(...)	(jta_pq.PQresultErrorField)(__VA_ARGS__)
#define PQresultStatus(...)	(jta_pq.PQresultStatus)(__VA_ARGS__)
#define PQserverVersion(...)	(jta_pq.PQserverVersion)(__VA_ARGS__)
#define PQsetErrorVerbosity(...) (jta_pq.PQsetErrorVerbosity)(__VA_ARGS__)
#define PQsetNoticeProcessor(...) (jta_pq.PQsetNoticeProcessor)(__VA_ARGS__)
#define PQstatus(...)		(jta_pq.PQstatus)(__VA_ARGS__)
#define PQtransactionStatus(...) (jta_pq.PQtransactionStatus)(__VA_ARGS__)
#define PQunescapeBytea(...)	(jta_pq.PQunescapeBytea)(__VA_ARGS__)

#endif
