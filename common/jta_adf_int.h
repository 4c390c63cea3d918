/*
 * Private to jta_adf: what its two files share, jta_adf.c (ADF ->
 * Markdown and these helpers) and jta_adf_md.c (Markdown -> ADF, a walk
 * over cmark-gfm's tree).  No
 * other file includes this header; the interface is jta_adf.h.
 */
#ifndef JTA_ADF_INT_H
#define JTA_ADF_INT_H

#include <stddef.h>

/* Mark bits, shared by both directions. */
#define M_STRONG	0x01u
#define M_EMS		0x02u	/* em, written _em_ */
#define M_STRIKE	0x08u
#define M_CODE		0x10u
#define M_LINK		0x20u
#define M_EMPH		(M_STRONG | M_EMS | M_STRIKE)

/* 1 for the ASCII blanks: space, tab, LF, CR, FF and VT. */
int jta_adf_isws(int c);

/* 1 for what a code span's content may lose one of at each end
 * (CommonMark 6.1: spaces and line ends, not tabs). */
int jta_adf_issp(char c);

/* 1 when s[0..n) starts with a scheme we make links of (http, https,
 * mailto; any case) and has something after it. */
int jta_adf_linkscheme(const char *s, size_t n);

#endif
