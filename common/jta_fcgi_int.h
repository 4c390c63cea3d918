/*
 * What common/ may reach of a worker's context (jta_fcgi.h) and an
 * endpoint program may not: the storage connection.  Only the serving
 * loop and the modules that implement operations over it (the page's
 * operator, jta_operator_fcgi) include this header; no fcgi/ program
 * does.
 */
#ifndef JTA_FCGI_INT_H
#define JTA_FCGI_INT_H

struct jta_ctx;
struct jta_store;

/* ctx's storage connection, borrowed for the life of the process. */
struct jta_store *jta_fcgi_store(const struct jta_ctx *ctx);

#endif
