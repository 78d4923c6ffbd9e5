/* local/evt.c: the RasClient events of evt.h, read from their XML rendering with a small bounded
 * reader of the subset Windows writes (no XML library). One cursor walks the text once; tags are
 * checked and kept as (pointer, length) slices into it; only the strings an event keeps are
 * decoded, into their fixed fields. An <Event> that breaks a rule is counted in bad and the reader
 * carries on at the next tag, so a later event is still read; nothing in the input makes the
 * reader allocate more than the events it keeps.
 *
 * The shape [D: MS-EVEN6 2.2.13, the Event schema; evt.h for the RasClient strings]:
 *   <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
 *     <System><Provider Name="RasClient"/><EventID Qualifiers="0">20227</EventID>
 *       <TimeCreated SystemTime="2024-03-05T09:14:22.1234567Z"/>...</System>
 *     <EventData><Data>CoId</Data><Data>user</Data><Data>name</Data><Data>809</Data></EventData>
 *   </Event>
 * Element names are matched on their local part (a prefix such as "e:" is ignored); any other
 * element, attribute or text is skipped. */
#include "local/evt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* ---- the cursor and bounded strings ---- */

struct cur {
	const char *s;
	size_t n, i;
};

/* The index of the next lit at or after from, or c->n. */
static size_t find(const struct cur *c, size_t from, const char *lit)
{
	size_t k = strlen(lit);
	while (from < c->n && c->n - from >= k) {
		const char *p = memchr(c->s + from, lit[0], c->n - from);
		if (!p)
			break;
		size_t at = (size_t)(p - c->s);
		if (c->n - at < k)
			break;
		if (memcmp(p, lit, k) == 0)
			return at;
		from = at + 1;
	}
	return c->n;
}

static bool starts(const struct cur *c, size_t at, const char *lit)
{
	size_t k = strlen(lit);
	return at <= c->n && c->n - at >= k && memcmp(c->s + at, lit, k) == 0;
}

/* A NUL-terminated string being filled up to cap-1 bytes; once a piece does not fit it is cut at
 * a character boundary and nothing more is added (a gap would be worse than a cut). */
struct sbuf {
	char *p;
	size_t cap, len;
	bool full;
};

static void sbuf_init(struct sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->full = false;
	p[0] = '\0';
}

/* s[0..n) is valid UTF-8. */
static void sbuf_raw(struct sbuf *b, const char *s, size_t n)
{
	if (b->full || n == 0)
		return;
	size_t room = b->cap - 1 - b->len;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		b->full = true;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_cp(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (b->full)
		return;
	if (n > b->cap - 1 - b->len) {
		b->full = true;
		return;
	}
	sbuf_raw(b, u, n);
}

/* ---- character data: entities and raw text ---- */

/* XML 1.0 Char. */
static bool xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
	       (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Raw text that may be kept: UTF-8 without control characters other than tab, CR and LF. */
static bool raw_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
			return false;
	}
	return text_valid_utf8(s, n);
}

/* "&...;" at s[0..n) (s[0] == '&'): the character it stands for and its length. */
static bool entity(const char *s, size_t n, uint32_t *cp, size_t *used)
{
	size_t lim = n < 16 ? n : 16; /* "&#x0010FFFF;" and its kind fit */
	const char *semi = memchr(s, ';', lim);
	if (!semi)
		return false;
	const char *name = s + 1;
	size_t k = (size_t)(semi - name);
	static const struct {
		const char *name;
		char ch;
	} named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
	*used = k + 2;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strlen(named[i].name) == k && memcmp(named[i].name, name, k) == 0) {
			*cp = (uint32_t)named[i].ch;
			return true;
		}
	if (k < 2 || name[0] != '#')
		return false;
	bool hex = name[1] == 'x';
	size_t i = hex ? 2 : 1;
	if (i == k)
		return false;
	uint32_t v = 0;
	for (; i < k; i++) {
		char ch = name[i];
		uint32_t d;
		if (ch >= '0' && ch <= '9')
			d = (uint32_t)(ch - '0');
		else if (hex && ch >= 'a' && ch <= 'f')
			d = (uint32_t)(ch - 'a' + 10);
		else if (hex && ch >= 'A' && ch <= 'F')
			d = (uint32_t)(ch - 'A' + 10);
		else
			return false;
		v = v * (hex ? 16 : 10) + d;
		if (v > 0x10FFFF)
			return false;
	}
	if (!xml_char(v))
		return false;
	*cp = v;
	return true;
}

/* Decodes character data s[0..n) into b. False on an entity that is not one, or raw text that
 * cannot be kept. */
static bool decode(const char *s, size_t n, struct sbuf *b)
{
	size_t i = 0;
	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
		if (!raw_ok(s + i, run))
			return false;
		sbuf_raw(b, s + i, run);
		i += run;
		if (!amp)
			break;
		uint32_t cp;
		size_t used;
		if (!entity(s + i, n - i, &cp, &used))
			return false;
		sbuf_cp(b, cp);
		i += used;
	}
	return true;
}

/* ---- tags ---- */

struct tag {
	const char *name; /* qualified name */
	size_t nlen;
	const char *attrs; /* the raw attribute text, checked */
	size_t alen;
	bool empty; /* "<x/>" */
};

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool name_char(char ch)
{
	return !is_space(ch) && ch != '/' && ch != '>' && ch != '<' && ch != '=' && ch != '"' && ch != '\'';
}

/* The local part of a qualified name equals lit. */
static bool local_is(const char *name, size_t n, const char *lit)
{
	const char *colon = memchr(name, ':', n);
	if (colon) {
		n -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	return strlen(lit) == n && memcmp(name, lit, n) == 0;
}

enum tag_rc { TAG_OK, TAG_BAD, TAG_EOF };

/* A start or end tag at c->i (which is '<'); moves past its '>'. end: "</x>". The attributes of
 * a start tag are checked: name = 'value' or "value", blanks between, no '<' in a value. */
static enum tag_rc read_tag(struct cur *c, bool end, struct tag *t)
{
	size_t i = c->i + (end ? 2 : 1);
	memset(t, 0, sizeof *t);
	t->name = c->s + i;
	while (i < c->n && name_char(c->s[i]))
		i++;
	t->nlen = (size_t)(c->s + i - t->name);
	if (i >= c->n)
		return TAG_EOF;
	if (t->nlen == 0)
		return TAG_BAD;
	size_t astart = i;
	for (;;) {
		bool blank = false;
		while (i < c->n && is_space(c->s[i])) {
			i++;
			blank = true;
		}
		if (i >= c->n)
			return TAG_EOF;
		if (c->s[i] == '>') {
			t->alen = i - astart;
			break;
		}
		if (!end && c->s[i] == '/') {
			if (i + 1 >= c->n)
				return TAG_EOF;
			if (c->s[i + 1] != '>')
				return TAG_BAD;
			t->alen = i - astart;
			t->empty = true;
			i++;
			break;
		}
		if (end || !blank)
			return TAG_BAD;
		size_t n0 = i;
		while (i < c->n && name_char(c->s[i]))
			i++;
		if (i == n0)
			return TAG_BAD;
		while (i < c->n && is_space(c->s[i]))
			i++;
		if (i >= c->n)
			return TAG_EOF;
		if (c->s[i] != '=')
			return TAG_BAD;
		i++;
		while (i < c->n && is_space(c->s[i]))
			i++;
		if (i >= c->n)
			return TAG_EOF;
		char q = c->s[i];
		if (q != '"' && q != '\'')
			return TAG_BAD;
		const char *close = memchr(c->s + i + 1, q, c->n - i - 1);
		if (!close)
			return TAG_EOF;
		if (memchr(c->s + i + 1, '<', (size_t)(close - (c->s + i + 1))))
			return TAG_BAD;
		i = (size_t)(close - c->s) + 1;
	}
	t->attrs = c->s + astart;
	c->i = i + 1;
	return TAG_OK;
}

/* The value of attribute want in a checked attribute text (raw, entities not decoded). */
static bool attr_get(const struct tag *t, const char *want, const char **v, size_t *vn)
{
	const char *a = t->attrs, *end = t->attrs + t->alen;
	while (a < end) {
		while (a < end && is_space(*a))
			a++;
		if (a >= end)
			break;
		const char *name = a;
		while (a < end && name_char(*a))
			a++;
		size_t nlen = (size_t)(a - name);
		while (a < end && *a != '"' && *a != '\'')
			a++; /* blanks and '=' */
		if (a >= end)
			break;
		char q = *a++;
		const char *val = a;
		while (a < end && *a != q)
			a++;
		if (strlen(want) == nlen && memcmp(name, want, nlen) == 0) {
			*v = val;
			*vn = (size_t)(a - val);
			return true;
		}
		a++;
	}
	return false;
}

/* ---- values ---- */

/* "YYYY-MM-DDThh:mm:ss[.fffffffff]Z" (UTC) to Unix seconds: the days from the civil date by
 * integer arithmetic (H. Hinnant's days_from_civil), no libc time function. */
static bool parse_systemtime(const char *s, size_t n, int64_t *out)
{
	static const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
	static const char sep[6] = {'-', '-', 'T', ':', ':', '\0'};
	int v[6];
	if (n < 20)
		return false;
	for (int f = 0; f < 6; f++) {
		int x = 0;
		for (int k = 0; k < len[f]; k++) {
			char ch = s[at[f] + k];
			if (ch < '0' || ch > '9')
				return false;
			x = x * 10 + (ch - '0');
		}
		v[f] = x;
		if (sep[f] && s[at[f] + len[f]] != sep[f])
			return false;
	}
	size_t i = 19;
	if (s[i] == '.') {
		size_t d0 = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d0 || i - d0 > 9)
			return false;
	}
	if (i + 1 != n || s[i] != 'Z')
		return false;
	int y = v[0], m = v[1], d = v[2];
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1601 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return false;
	int64_t yy = y - (m <= 2);
	int64_t era = yy / 400; /* yy >= 1600: no negative years */
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	*out = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return true;
}

/* A whole decimal or 0x hex number up to max, no sign, no blanks. */
static bool parse_u32(const char *s, size_t n, bool allow_hex, uint64_t max, uint64_t *out)
{
	int base = 10;
	if (allow_hex && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return false;
		v = v * (unsigned)base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* ---- one event ---- */

enum el { EL_OTHER, EL_EVENT, EL_SYSTEM, EL_PROVIDER, EL_EVENTID, EL_TIME, EL_EVENTDATA, EL_DATA };

struct frame {
	const char *name;
	size_t nlen;
	enum el kind;
};

struct evp {
	struct evt_event *ev;
	struct frame stack[EVT_MAX_DEPTH];
	size_t depth;
	char idtext[16];
	struct sbuf id;
	bool have_id;
	struct sbuf data; /* the <Data> being read, when it is kept */
	bool in_data;
};

static enum el classify(enum el parent, const struct tag *t)
{
	if (parent == EL_EVENT && local_is(t->name, t->nlen, "System"))
		return EL_SYSTEM;
	if (parent == EL_EVENT && local_is(t->name, t->nlen, "EventData"))
		return EL_EVENTDATA;
	if (parent == EL_SYSTEM && local_is(t->name, t->nlen, "Provider"))
		return EL_PROVIDER;
	if (parent == EL_SYSTEM && local_is(t->name, t->nlen, "EventID"))
		return EL_EVENTID;
	if (parent == EL_SYSTEM && local_is(t->name, t->nlen, "TimeCreated"))
		return EL_TIME;
	if (parent == EL_EVENTDATA && local_is(t->name, t->nlen, "Data"))
		return EL_DATA;
	return EL_OTHER;
}

/* A start tag inside the event (pushed already). False when the event is to be refused. */
static bool element_start(struct evp *p, enum el kind, const struct tag *t)
{
	struct evt_event *ev = p->ev;
	const char *v;
	size_t vn;
	switch (kind) {
	case EL_PROVIDER:
		if (attr_get(t, "Name", &v, &vn)) {
			struct sbuf b;
			sbuf_init(&b, ev->provider, sizeof ev->provider);
			return decode(v, vn, &b);
		}
		return true;
	case EL_TIME:
		if (attr_get(t, "SystemTime", &v, &vn)) {
			char tbuf[48];
			struct sbuf b;
			sbuf_init(&b, tbuf, sizeof tbuf);
			return decode(v, vn, &b) && !b.full && parse_systemtime(tbuf, b.len, &ev->time);
		}
		return true;
	case EL_EVENTID:
		sbuf_init(&p->id, p->idtext, sizeof p->idtext);
		return true;
	case EL_DATA:
		if (ev->ndata < EVT_MAX_DATA) {
			sbuf_init(&p->data, ev->data[ev->ndata++], EVT_DATA_MAX);
			p->in_data = true;
		}
		return true;
	default:
		return true;
	}
}

static bool element_end(struct evp *p, enum el kind)
{
	if (kind == EL_DATA) {
		p->in_data = false;
	} else if (kind == EL_EVENTID && !p->have_id) {
		const char *s = p->idtext;
		size_t n = p->id.len;
		while (n > 0 && is_space(*s)) {
			s++;
			n--;
		}
		while (n > 0 && is_space(s[n - 1]))
			n--;
		uint64_t v;
		if (p->id.full || !parse_u32(s, n, false, 65535, &v))
			return false;
		p->ev->id = (unsigned)v;
		p->have_id = true;
	}
	return true;
}

static bool chardata(struct evp *p, const char *s, size_t n)
{
	if (p->depth == 0)
		return true;
	enum el top = p->stack[p->depth - 1].kind;
	if (top == EL_EVENTID)
		return decode(s, n, &p->id);
	if (top == EL_DATA && p->in_data)
		return decode(s, n, &p->data);
	return true;
}

enum ev_rc { EV_OK, EV_BAD };

/* Reads one <Event> whose start tag t was just read; on EV_OK *ev is filled and c is past
 * </Event>; on EV_BAD c is where the reader carries on (a nested <Event> is read again). */
static enum ev_rc read_event(struct cur *c, const struct tag *t, struct evt_event *ev)
{
	struct evp p;
	memset(&p, 0, sizeof p);
	memset(ev, 0, sizeof *ev);
	p.ev = ev;
	p.stack[0] = (struct frame){t->name, t->nlen, EL_EVENT};
	p.depth = 1;
	while (c->i < c->n) {
		size_t lt = find(c, c->i, "<");
		bool ok = chardata(&p, c->s + c->i, lt - c->i);
		c->i = lt;
		if (!ok)
			return EV_BAD;
		if (lt >= c->n)
			return EV_BAD; /* the document ends inside the event */
		if (starts(c, lt, "<!--")) {
			size_t e = find(c, lt + 4, "-->");
			c->i = e >= c->n ? c->n : e + 3;
			if (e >= c->n)
				return EV_BAD;
			continue;
		}
		if (starts(c, lt, "<?")) {
			size_t e = find(c, lt + 2, "?>");
			c->i = e >= c->n ? c->n : e + 2;
			if (e >= c->n)
				return EV_BAD;
			continue;
		}
		if (starts(c, lt, "<!")) {
			c->i = lt + 2; /* CDATA, DOCTYPE: refused */
			return EV_BAD;
		}
		bool end = starts(c, lt, "</");
		struct tag tg;
		enum tag_rc rc = read_tag(c, end, &tg);
		if (rc != TAG_OK) {
			c->i = rc == TAG_EOF ? c->n : lt + 1;
			return EV_BAD;
		}
		if (end) {
			struct frame *top = &p.stack[p.depth - 1];
			if (top->nlen != tg.nlen || memcmp(top->name, tg.name, tg.nlen) != 0)
				return EV_BAD;
			enum el kind = top->kind;
			p.depth--;
			if (!element_end(&p, kind))
				return EV_BAD;
			if (p.depth == 0)
				return p.have_id ? EV_OK : EV_BAD;
			continue;
		}
		if (local_is(tg.name, tg.nlen, "Event")) {
			c->i = lt; /* an <Event> inside an event: this one was cut short */
			return EV_BAD;
		}
		if (p.depth >= EVT_MAX_DEPTH)
			return EV_BAD;
		enum el kind = classify(p.stack[p.depth - 1].kind, &tg);
		p.stack[p.depth++] = (struct frame){tg.name, tg.nlen, kind};
		if (!element_start(&p, kind, &tg))
			return EV_BAD;
		if (tg.empty) {
			p.depth--;
			if (!element_end(&p, kind))
				return EV_BAD;
		}
	}
	return EV_BAD;
}

/* ---- the document ---- */

static int keep(struct evt_log *log, size_t *cap, const struct evt_event *ev)
{
	if (log->n >= EVT_MAX_EVENTS) {
		log->skipped++;
		return 0;
	}
	if (log->n == *cap) {
		size_t grow = *cap ? *cap * 2 : 16;
		if (grow > EVT_MAX_EVENTS)
			grow = EVT_MAX_EVENTS;
		struct evt_event *g = realloc(log->events, grow * sizeof *g);
		if (!g)
			return -1;
		log->events = g;
		*cap = grow;
	}
	log->events[log->n++] = *ev;
	return 0;
}

static int parse_xml(const char *s, size_t n, struct evt_log *log, char *err, size_t errlen)
{
	struct evt_event ev;
	struct cur c = {.s = s, .n = n};
	size_t cap = 0;
	while (c.i < c.n) {
		size_t lt = find(&c, c.i, "<");
		if (lt >= c.n)
			break;
		c.i = lt;
		if (starts(&c, lt, "<!--")) {
			size_t e = find(&c, lt + 4, "-->");
			c.i = e >= c.n ? c.n : e + 3;
			continue;
		}
		if (starts(&c, lt, "<![CDATA[")) {
			size_t e = find(&c, lt + 9, "]]>");
			c.i = e >= c.n ? c.n : e + 3;
			continue;
		}
		if (starts(&c, lt, "<?") || starts(&c, lt, "<!") || starts(&c, lt, "</")) {
			size_t e = find(&c, lt + 1, ">");
			c.i = e >= c.n ? c.n : e + 1;
			continue;
		}
		struct tag t;
		enum tag_rc rc = read_tag(&c, false, &t);
		if (rc == TAG_EOF) {
			if (local_is(t.name, t.nlen, "Event"))
				log->bad++; /* the document ends in an event's start tag */
			break;
		}
		if (rc == TAG_BAD) {
			if (local_is(t.name, t.nlen, "Event"))
				log->bad++;
			c.i = lt + 1;
			continue;
		}
		if (!local_is(t.name, t.nlen, "Event"))
			continue; /* <Events>, or anything else outside an event */
		if (t.empty) {
			log->bad++; /* <Event/>: no EventID */
			continue;
		}
		if (read_event(&c, &t, &ev) != EV_OK) {
			log->bad++;
			continue;
		}
		if (keep(log, &cap, &ev) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int evt_parse(const uint8_t *buf, size_t len, struct evt_log *log, char *err, size_t errlen)
{
	memset(log, 0, sizeof *log);
	if (err && errlen)
		err[0] = '\0';
	if (len > EVT_MAX_BYTES) {
		snprintf(err, errlen, "the event log text is larger than %u bytes", EVT_MAX_BYTES);
		return -1;
	}
	const char *text;
	size_t n;
	char *owned;
	if (text_to_utf8(buf, len, (size_t)EVT_MAX_BYTES / 2 * 3, &text, &n, &owned, err, errlen) != 0)
		return -1;
	int rc = parse_xml(text, n, log, err, errlen);
	free(owned);
	if (rc != 0) {
		evt_free(log);
		return -1;
	}
	return 0;
}

void evt_free(struct evt_log *log)
{
	free(log->events);
	memset(log, 0, sizeof *log);
}

/* ---- the error of a 20227 event ---- */

bool evt_error_code(const struct evt_event *e, int64_t *code)
{
	if (e->id != 20227 || e->ndata < 4 || !text_ieq(e->provider, "RasClient"))
		return false;
	const char *s = e->data[3];
	const char *nul = memchr(s, '\0', EVT_DATA_MAX);
	size_t n = nul ? (size_t)(nul - s) : EVT_DATA_MAX;
	uint64_t v;
	if (n > 0 && s[0] == '-') {
		if (!parse_u32(s + 1, n - 1, false, 0x80000000u, &v))
			return false;
		*code = (int64_t)((0x100000000ull - v) & 0xFFFFFFFFull);
		return true;
	}
	if (!parse_u32(s, n, true, 0xFFFFFFFFull, &v))
		return false;
	*code = (int64_t)v;
	return true;
}
