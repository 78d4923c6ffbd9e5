/* local/evt.h: the RasClient events of the Application log, parsed from their XML rendering (what
 * EvtRender(EvtRenderEventXml) gives per event, and what `wevtutil qe Application
 * /q:"*[System[Provider[@Name='RasClient']]]" /f:xml` prints: <Event> elements one after another,
 * with no root element). Pure and bounded: no XML library, only the small subset Windows writes
 * (elements, attributes in ' or ", the five predefined entities and &#N; / &#xN;, comments and
 * <?xml ...?> skipped). Anything else is refused per event, never crashes.
 *
 * Kept per event: provider, event id, time, and the EventData <Data> strings. The meaning of
 * the RasClient strings [D: the events' message texts, "CoId={%1}: The user %2 dialed a
 * connection named %3 which has failed. The error code returned on failure is %4."]:
 * data[0] the CoId, and for 20227: data[1] user, data[2] connection name, data[3] error code. */
#ifndef VPNDIAG_LOCAL_EVT_H
#define VPNDIAG_LOCAL_EVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVT_MAX_BYTES (16u * 1024 * 1024) /* a larger input is refused */
#define EVT_MAX_EVENTS 4096                /* further events are counted in skipped */
#define EVT_MAX_DATA 8                     /* <Data> strings kept per event */
#define EVT_DATA_MAX 512                   /* bytes kept per <Data> string (UTF-8, truncated) */
#define EVT_MAX_DEPTH 32                   /* elements nested in one <Event>; deeper is refused */

struct evt_event {
	char provider[64];                   /* System/Provider@Name (truncated like the data) */
	unsigned id;                         /* System/EventID */
	int64_t time;                        /* System/TimeCreated@SystemTime, Unix seconds UTC; 0 if absent */
	unsigned ndata;
	char data[EVT_MAX_DATA][EVT_DATA_MAX];
};

struct evt_log {
	struct evt_event *events; /* malloc'd array of n events, owned by the log */
	size_t n;
	size_t skipped;           /* events over EVT_MAX_EVENTS */
	size_t bad;               /* <Event> elements that could not be read: unterminated, badly
	                           * nested or too deep, a CDATA section or DOCTYPE in it, an entity
	                           * that is not one of the five or a valid character, bytes that are
	                           * not UTF-8 or are control characters in a kept string, no EventID
	                           * or one that is not a number up to 65535, a SystemTime that is not
	                           * YYYY-MM-DDThh:mm:ss[.f]Z */
};

/* Parses buf[0..len) (UTF-8; a UTF-16LE input with BOM is converted first). Returns 0 and fills
 * *log (free with evt_free), or -1 with a one-line reason in err. */
int evt_parse(const uint8_t *buf, size_t len, struct evt_log *log, char *err, size_t errlen);
void evt_free(struct evt_log *log);

/* For a RasClient 20227 event: the Windows error it reports (data[3]: decimal, negative decimal
 * for an HRESULT such as -2146885613, or 0x hex). Returns true and sets *code to the 32-bit code
 * as an unsigned value, the form the knowledge base uses: -2146885613 and 0x80092013 both give
 * 0x80092013, 809 gives 809. False for another event, a missing or malformed string, or a value
 * outside 32 bits (decimal over 4294967295, negative under -2147483648, hex over 8 digits' worth). */
bool evt_error_code(const struct evt_event *e, int64_t *code);

#endif
