/* What a user typed after `vpndiag explain`, classified (pure), and the search that answers it. */
#ifndef VPNDIAG_KB_QUERY_H
#define VPNDIAG_KB_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"

#define KB_QUERY_MAX 4096u /* bytes; a pasted event-log line fits */

enum kb_query_kind {
	KBQ_CODE,   /* one or two candidate numbers, tried in order */
	KBQ_SYMBOL, /* an identifier with '_' */
	KBQ_WORDS,  /* free words */
};

struct kb_query {
	enum kb_query_kind kind;
	uint32_t codes[2]; /* KBQ_CODE: candidates, most likely first */
	size_t ncodes;
	char text[KB_QUERY_MAX + 1]; /* the trimmed query (symbol or words) */
};

/* Classifies s[0..len). Accepts: 809; 0x80092013; 80092013 and 800B0109 (8 hex digits);
 * -2146885613 (event-log HRESULT); ERROR_VPN_TIMEOUT; a RasClient event line containing
 * "...error code returned on failure is 809."; "error 809"; free words.
 * Returns 0, or -1 with a one-line reason in err (empty, too long, not UTF-8, bad number). */
int kb_query_parse(const char *s, size_t len, struct kb_query *q, char *err, size_t errlen);

struct kb_hit {
	const struct kb_entry *entry;
	double score;
};

/* Ranks entries for free words: best first, at most max hits with a positive score.
 * Returns the number of hits written. */
size_t kb_search_words(const struct kb *kb, const char *words, struct kb_hit *hits, size_t max);

/* The known codes nearest to code (same kind: HRESULT or not), nearest first. */
size_t kb_nearest_codes(const struct kb *kb, uint32_t code, const struct kb_entry **out, size_t max);

#endif
