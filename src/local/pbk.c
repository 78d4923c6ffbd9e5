/* local/pbk.c: the Windows phonebook (rasphone.pbk) parser of pbk.h. Pure: (buf, len) in, a book
 * out; lines are read through one bounded cursor and never copied except into the fixed fields.
 *
 * What the format is, and how sure we are [O observed in real files, D documented, I inferred]:
 * - [O] A file is "[Entry name]" sections of "Key=Value" lines, CRLF; each entry starts with
 *   Encoding=1 and PBVersion= (1, 5, 6, 8 seen), then Type=2 for a VPN, VpnStrategy=, ..., then the
 *   subsections "NETCOMPONENTS=", "MEDIA=rastapi" (Port=VPN2-0, Device=WAN Miniport (IKEv2)) and
 *   "DEVICE=vpn" (PhoneNumber=<server>, AreaCode=, ..., TryNextAlternateOnFail=1), each after an
 *   empty line. Sources: entries written by Windows 10/11 and copied into public repositories
 *   (DotRas-based clients with PPTP/L2TP/IKEv2 entries, PBVersion=5; a Windows 11 capture of
 *   Add-VpnConnection, PBVersion=8; the CVE-2021-26882 crash.pbk, PBVersion=6; a pastebin entry
 *   "[sg.windscribe.com]", PBVersion=1) and Richard Hicks' Update-Rasphone.ps1, which rewrites
 *   VpnStrategy= in place (14 IKEv2 then SSTP, 7 IKEv2 only, 6 SSTP first, 5 SSTP only, 0 auto).
 * - [O] Keys and values seen: IpSecFlags=1 on an L2TP/PSK entry (a tool's copy, the key written
 *   into PreSharedKey=); CustomAuthKey=26 with AuthRestrictions=128 on IKEv2 EAP-MSCHAPv2 entries; CustomAuthKey=0, AuthRestrictions=512
 *   or 640 on password entries; DataEncryption= 8 or 256; NumCustomPolicy=1 followed by
 *   CustomIPSecPolicies=<hex> after Set-VpnConnectionIPsecConfiguration; IpPrioritizeRemote=0 on
 *   split-tunnel entries; DisableIKENameEkuCheck=0; CustomAuthKey=-1 in Windows XP-era entries; a
 *   key given twice (CustomAuthData in crash.pbk, a proof of concept made from a Windows file, so
 *   [I] that Windows itself writes that). Hand-written files (rasdial /phonebook: users)
 *   often hold only MEDIA=, Port=, Device=, DEVICE= and PhoneNumber=, in any order.
 * - [D] MS-RRASM 2.2.2: an entry has NETCOMPONENTS, MEDIA, DEVICE and PhoneNumber subsections;
 *   a DEVICE subsection may hold several phone numbers, the first the primary and the others the
 *   alternates; for a VPN the PhoneNumber is a DNS name, IPv4 or IPv6 address. The document calls
 *   the file "8-bit ASCII"; entry names are UTF-8 in practice ("Encoding=1") [I].
 * - [I] Key names are compared without regard to case (GetPrivateProfileString semantics, and a
 *   hand-written "PresharedKey=" is seen), but "MEDIA" and "DEVICE" in capitals open subsections
 *   while "Device" is a key. Leading and trailing blanks around keys and values are ignored.
 *   Lines starting with ';' are comments. The first occurrence of a key in an entry counts.
 *   Entry keys are accepted wherever they stand in the entry (hand-written files put them after
 *   DEVICE=). A number is a whole decimal: anything else leaves the field absent.
 * - Over-long values are never truncated: an entry name over PBK_NAME_MAX-1 bytes drops the entry,
 *   a server over PBK_HOST_MAX-1 or a device over its field drops that value; each counts as a
 *   bad line. A PreSharedKey= value is looked at for its length only, and a UTF-16 file's UTF-8
 *   copy is wiped before it is freed. */
#include "local/pbk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/text.h"

/* ---- the line cursor: one line at a time, without its CR LF ---- */

struct lines {
	const char *s;
	size_t len, pos;
	unsigned no; /* 1-based number of the line last returned */
};

static bool next_line(struct lines *c, const char **line, size_t *n)
{
	if (c->pos >= c->len)
		return false;
	const char *start = c->s + c->pos;
	size_t rest = c->len - c->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t k = nl ? (size_t)(nl - start) : rest;
	c->pos += nl ? k + 1 : k;
	c->no++;
	if (k > 0 && start[k - 1] == '\r')
		k--;
	*line = start;
	*n = k;
	return true;
}

/* ---- small text helpers on (pointer, length) slices ---- */

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

/* ASCII case-insensitive equality of the slice with name. */
static bool key_is(const char *k, size_t n, const char *name)
{
	size_t m = strlen(name);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = k[i], b = name[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* A whole decimal number, optional '-', in [min, max]; no blanks, no '+', no other base. */
static bool parse_num(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	size_t i = neg ? 1 : 0;
	if (i == n)
		return false;
	int64_t v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Copies the slice into a field of cap bytes (with its NUL); false when it does not fit. */
static bool set_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* ---- entries and keys ---- */

struct pstate {
	struct pbk_book *book;
	struct pbk_entry *cur; /* the entry keys go to; NULL: they are ignored */
	size_t cap;            /* entries allocated */
	bool media_device;     /* cur->device came from a MEDIA subsection's Device= */
};

static void entry_init(struct pbk_entry *e, unsigned line)
{
	memset(e, 0, sizeof *e);
	e->type = -1;
	e->vpn_strategy = -1;
	e->custom_auth_key = -1;
	e->auth_restrictions = -1;
	e->ipsec_flags = -1;
	e->num_custom_policy = -1;
	e->disable_ike_name_eku_check = PBK_ABSENT;
	e->ip_prioritize_remote = PBK_ABSENT;
	e->data_encryption = -1;
	e->line = line;
}

/* "[name]": starts a new entry (or ends the current one when the name cannot be kept).
 * Returns -1 when out of memory. */
static int start_entry(struct pstate *p, const char *name, size_t n, unsigned line)
{
	struct pbk_book *b = p->book;
	p->cur = NULL;
	p->media_device = false;
	if (n == 0 || n >= PBK_NAME_MAX) {
		b->bad_lines++;
		return 0;
	}
	if (b->n >= PBK_MAX_ENTRIES) {
		b->skipped++;
		return 0;
	}
	if (b->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		if (cap > PBK_MAX_ENTRIES)
			cap = PBK_MAX_ENTRIES;
		struct pbk_entry *grown = realloc(b->entries, cap * sizeof *grown);
		if (!grown)
			return -1;
		b->entries = grown;
		p->cap = cap;
	}
	struct pbk_entry *e = &b->entries[b->n++];
	entry_init(e, line);
	memcpy(e->name, name, n);
	e->name[n] = '\0';
	p->cur = e;
	return 0;
}

static void add_server(struct pstate *p, const char *v, size_t n)
{
	struct pbk_entry *e = p->cur;
	if (n == 0)
		return; /* "PhoneNumber=" of an entry not yet given a server, or a placeholder line */
	if (n >= PBK_HOST_MAX) {
		p->book->bad_lines++;
		return;
	}
	char host[PBK_HOST_MAX];
	memcpy(host, v, n);
	host[n] = '\0';
	for (size_t i = 0; i < e->nservers; i++)
		if (text_ieq(e->servers[i], host))
			return;
	if (e->nservers < PBK_MAX_SERVERS)
		memcpy(e->servers[e->nservers++], host, n + 1);
}

/* A number key: the first valid occurrence sets *field (absent = -1); an invalid one is a bad line. */
static void num_key(struct pstate *p, const char *v, size_t n, int64_t min, int64_t max, int64_t *field)
{
	int64_t x;
	if (!parse_num(v, n, min, max, &x)) {
		p->book->bad_lines++;
		return;
	}
	if (*field == -1)
		*field = x;
}

static void int_key(struct pstate *p, const char *v, size_t n, int min, int *field)
{
	int64_t x = -1;
	num_key(p, v, n, min, INT32_MAX, &x);
	if (x != -1 && *field == -1)
		*field = (int)x;
}

static void tri_key(struct pstate *p, const char *v, size_t n, enum pbk_tri *field)
{
	int64_t x = -1;
	num_key(p, v, n, 0, UINT32_MAX, &x);
	if (x != -1 && *field == PBK_ABSENT)
		*field = x ? PBK_YES : PBK_NO; /* a BOOL: any non-zero value is true [I] */
}

/* One "Key=Value" line of the current entry. */
static void entry_key(struct pstate *p, const char *k, size_t kn, const char *v, size_t vn)
{
	struct pbk_entry *e = p->cur;
	struct pbk_book *b = p->book;
	if (kn == 5 && memcmp(k, "MEDIA", 5) == 0) {
		return; /* MEDIA=rastapi: the device subsection's Port= and Device= follow */
	} else if (kn == 6 && memcmp(k, "DEVICE", 6) == 0) {
		return; /* DEVICE=vpn: the PhoneNumber= lines follow */
	} else if (key_is(k, kn, "PhoneNumber")) {
		add_server(p, v, vn);
	} else if (key_is(k, kn, "Device")) {
		if (p->media_device)
			return;
		if (!set_str(e->device, sizeof e->device, v, vn))
			b->bad_lines++;
		else
			p->media_device = vn > 0;
	} else if (key_is(k, kn, "PreferredDevice")) {
		if (vn >= sizeof e->device)
			b->bad_lines++;
		else if (!p->media_device && !e->device[0])
			set_str(e->device, sizeof e->device, v, vn);
	} else if (key_is(k, kn, "Type")) {
		int_key(p, v, vn, 0, &e->type);
	} else if (key_is(k, kn, "VpnStrategy")) {
		int_key(p, v, vn, 0, &e->vpn_strategy);
	} else if (key_is(k, kn, "CustomAuthKey")) {
		int_key(p, v, vn, -1, &e->custom_auth_key); /* -1: none, as Windows XP wrote it [O] */
	} else if (key_is(k, kn, "AuthRestrictions")) {
		num_key(p, v, vn, 0, UINT32_MAX, &e->auth_restrictions);
	} else if (key_is(k, kn, "IpSecFlags")) {
		num_key(p, v, vn, 0, UINT32_MAX, &e->ipsec_flags);
		if (e->ipsec_flags > 0 && (e->ipsec_flags & 1))
			e->psk_configured = true;
	} else if (key_is(k, kn, "PreSharedKey")) {
		if (vn > 0)
			e->psk_configured = true; /* the value itself is never looked at */
	} else if (key_is(k, kn, "NumCustomPolicy")) {
		int_key(p, v, vn, 0, &e->num_custom_policy);
		if (e->num_custom_policy > 0)
			e->custom_policy = true;
	} else if (key_is(k, kn, "CustomIPSecPolicies")) {
		if (vn > 0)
			e->custom_policy = true;
	} else if (key_is(k, kn, "DisableIKENameEkuCheck")) {
		tri_key(p, v, vn, &e->disable_ike_name_eku_check);
	} else if (key_is(k, kn, "IpPrioritizeRemote")) {
		tri_key(p, v, vn, &e->ip_prioritize_remote);
	} else if (key_is(k, kn, "DataEncryption")) {
		int_key(p, v, vn, 0, &e->data_encryption);
	}
}

/* One line of the file (already known to be valid UTF-8). Returns -1 when out of memory. */
static int one_line(struct pstate *p, const char *s, size_t n, unsigned no)
{
	struct pbk_book *b = p->book;
	bool too_long = n > PBK_LINE_MAX;
	trim(&s, &n);
	if (too_long || has_control(s, n)) {
		b->bad_lines++;
		if (n > 0 && s[0] == '[') {
			p->cur = NULL; /* an unreadable section: its keys belong to no entry */
			p->media_device = false;
		}
		return 0;
	}
	if (n == 0 || s[0] == ';')
		return 0;
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']') {
			b->bad_lines++;
			p->cur = NULL;
			p->media_device = false;
			return 0;
		}
		return start_entry(p, s + 1, n - 2, no);
	}
	const char *eq = memchr(s, '=', n);
	if (!eq || eq == s) {
		b->bad_lines++;
		return 0;
	}
	const char *k = s, *v = eq + 1;
	size_t kn = (size_t)(eq - s), vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 0) {
		b->bad_lines++;
		return 0;
	}
	if (p->cur)
		entry_key(p, k, kn, v, vn);
	return 0;
}

/* ---- the file ---- */

static void fail(char *err, size_t errlen, const char *msg, unsigned line)
{
	if (line)
		snprintf(err, errlen, "%s (line %u)", msg, line);
	else
		snprintf(err, errlen, "%s", msg);
}

/* Parses UTF-8 text (no BOM). Every line is checked for UTF-8 before the book is returned. */
static int parse_text(const char *s, size_t len, struct pbk_book *book, char *err, size_t errlen)
{
	struct pstate p = {.book = book};
	struct lines c = {.s = s, .len = len};
	const char *line;
	size_t n;
	while (next_line(&c, &line, &n)) {
		if (!text_valid_utf8(line, n)) {
			fail(err, errlen, "the phonebook is not valid UTF-8 or UTF-16 text", c.no);
			return -1;
		}
		if (one_line(&p, line, n, c.no) != 0) {
			fail(err, errlen, "out of memory", 0);
			return -1;
		}
	}
	return 0;
}

int pbk_parse(const uint8_t *buf, size_t len, struct pbk_book *book, char *err, size_t errlen)
{
	memset(book, 0, sizeof *book);
	if (err && errlen)
		err[0] = '\0';
	if (len > PBK_MAX_BYTES) {
		snprintf(err, errlen, "the phonebook is larger than %u bytes", PBK_MAX_BYTES);
		return -1;
	}
	const char *text;
	size_t n;
	char *owned;
	if (text_to_utf8(buf, len, (size_t)PBK_MAX_BYTES / 2 * 3, &text, &n, &owned, err, errlen) != 0)
		return -1;
	book->utf16 = owned != NULL;
	int rc = parse_text(text, n, book, err, errlen);
	if (owned)
		file_free_wiped((uint8_t *)owned, n); /* a PreSharedKey= value may be in it */
	if (rc != 0) {
		pbk_free(book);
		return -1;
	}
	return 0;
}

void pbk_free(struct pbk_book *book)
{
	free(book->entries);
	memset(book, 0, sizeof *book);
}

/* ---- VpnStrategy and the protocols Windows tries ---- */

const char *pbk_strategy_name(int strategy)
{
	switch (strategy) {
	case PBK_VS_DEFAULT: return "Default";
	case PBK_VS_PPTP_ONLY: return "PptpOnly";
	case PBK_VS_PPTP_FIRST: return "PptpFirst";
	case PBK_VS_L2TP_ONLY: return "L2tpOnly";
	case PBK_VS_L2TP_FIRST: return "L2tpFirst";
	case PBK_VS_SSTP_ONLY: return "SstpOnly";
	case PBK_VS_SSTP_FIRST: return "SstpFirst";
	case PBK_VS_IKEV2_ONLY: return "Ikev2Only";
	case PBK_VS_IKEV2_FIRST: return "Ikev2First";
	case PBK_VS_GRE_ONLY: return "GREOnly";
	case PBK_VS_PPTP_SSTP: return "PptpSstp";
	case PBK_VS_L2TP_SSTP: return "L2tpSstp";
	case PBK_VS_IKEV2_SSTP: return "Ikev2Sstp";
	case PBK_VS_PROTOCOL_LIST: return "ProtocolList";
	default: return NULL;
	}
}

/* Windows' order for Automatic (VpnStrategy=0 or absent), and the fall-back order after the first
 * protocol of a *First value: SSTP before IKEv2 [V: Hicks, "Always On VPN IKEv2 and SSTP Fallback":
 * with Automatic the Windows 10 client tries SSTP first, IKEv2 only when SSTP fails]; then PPTP
 * before L2TP [D: MS-RRASM 2.2.2.2.11 lists PPTP before L2TP in every RRAS fall-back order]. The
 * whole sequence on a Windows client is [I] beyond its first two. */
static const char *const auto_order[4] = {"sstp", "ikev2", "pptp", "l2tp"};

/* The protocol a device name designates: "WAN Miniport (IKEv2)" -> "ikev2"; NULL for none. */
static const char *device_proto(const char *device)
{
	static const struct {
		const char *tag, *proto;
	} miniports[] = {{"(IKEv2)", "ikev2"}, {"(L2TP)", "l2tp"}, {"(SSTP)", "sstp"}, {"(PPTP)", "pptp"}};
	for (size_t i = 0; i < sizeof miniports / sizeof miniports[0]; i++)
		if (text_istr(device, miniports[i].tag))
			return miniports[i].proto;
	return NULL;
}

/* first, then the rest of auto_order without it. */
static size_t first_then_auto(const char *first, const char *out[4])
{
	size_t n = 0;
	out[n++] = first;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(auto_order[i], first) != 0)
			out[n++] = auto_order[i];
	return n;
}

size_t pbk_entry_protocols(const struct pbk_entry *e, const char *out[4])
{
	size_t n = 0;
	switch (e->vpn_strategy) {
	case PBK_VS_PPTP_ONLY: out[n++] = "pptp"; return n;
	case PBK_VS_L2TP_ONLY: out[n++] = "l2tp"; return n;
	case PBK_VS_SSTP_ONLY: out[n++] = "sstp"; return n;
	case PBK_VS_IKEV2_ONLY: out[n++] = "ikev2"; return n;
	case PBK_VS_PPTP_FIRST: return first_then_auto("pptp", out);
	case PBK_VS_L2TP_FIRST: return first_then_auto("l2tp", out);
	case PBK_VS_SSTP_FIRST: return first_then_auto("sstp", out);
	case PBK_VS_IKEV2_FIRST: return first_then_auto("ikev2", out);
	case PBK_VS_PPTP_SSTP: out[n++] = "pptp"; out[n++] = "sstp"; return n;
	case PBK_VS_L2TP_SSTP: out[n++] = "l2tp"; out[n++] = "sstp"; return n;
	case PBK_VS_IKEV2_SSTP: out[n++] = "ikev2"; out[n++] = "sstp"; return n;
	case PBK_VS_GRE_ONLY: return 0; /* GRE is none of the four */
	case PBK_VS_DEFAULT:
		break; /* Automatic: Windows' own order, whatever device was used last */
	default: {
		/* Absent, ProtocolList (its list is not in the keys read here) or a value not known:
		 * the miniport the entry names, if any [O: Device=WAN Miniport (IKEv2) in hand-written
		 * entries without VpnStrategy=; rasdial dials it]. */
		const char *d = device_proto(e->device);
		if (d) {
			out[n++] = d;
			return n;
		}
		break;
	}
	}
	for (size_t i = 0; i < 4; i++)
		out[n++] = auto_order[i];
	return n;
}
