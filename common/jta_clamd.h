/*
 * A client of ClamAV's scanning daemon, clamd, on its Unix socket
 * (README "Attachments: virus scanning").  Two commands of clamd(8), each
 * on a connection of its own and in the "z" form (the command and the
 * answer end with a NUL):
 *
 *   zINSTREAM  the file as chunks, each a 4-byte length in network byte
 *              order and that many bytes, then a chunk of length zero;
 *              the answer is "stream: OK", "stream: NAME FOUND" or a line
 *              ending in "ERROR" (e.g. "INSTREAM size limit exceeded").
 *   zVERSION   the answer is "ClamAV 1.4.6/27000/..." or similar.
 *
 * Everything is bounded: the whole exchange by one deadline (connect,
 * send, answer), the chunk by JTA_LIMIT_CLAMD_CHUNK, the answer line by
 * JTA_LIMIT_CLAMD_REPLY, the signature name by JTA_LIMIT_CLAMD_SIGNATURE.
 * The file's bytes are never logged; clamd's answer (a line of its own,
 * control characters escaped by jta_log) may be.
 */
#ifndef JTA_CLAMD_H
#define JTA_CLAMD_H

#include <stddef.h>

#include "jta_err.h"

/*
 * Scan body (len bytes) with the clamd listening on the Unix socket path
 * socket, all of it within timeout_ms.  JTA_OK with *found 0 when clamd
 * answers "stream: OK"; JTA_OK with *found 1 and sig (sigsz bytes,
 * NUL-terminated, printable ASCII, cut at JTA_LIMIT_CLAMD_SIGNATURE)
 * holding the signature's name when it answers "stream: NAME FOUND".
 * Anything else fails closed: clamd not reachable, too slow, closing
 * early, answering an error or something unreadable is JTA_ERR_BUSY (503,
 * field "scan", retry_after set), the reason logged (never the bytes).
 */
enum jta_err jta_clamd_scan(const char *socket, int timeout_ms,
    const void *body, size_t len, int *found, char *sig, size_t sigsz,
    struct jta_error *err) JTA_WUR;

/*
 * Ask the clamd on socket for its version (zVERSION) within timeout_ms
 * into out (outsz bytes, printable ASCII, NUL-terminated).  JTA_OK, or
 * JTA_ERR_BUSY (503, field "scan") saying why not, as jta_clamd_scan.
 */
enum jta_err jta_clamd_version(const char *socket, int timeout_ms,
    char *out, size_t outsz, struct jta_error *err) JTA_WUR;

#endif
