/* The phonebook parser (local/pbk.c): entries laid out as Windows 10/11 writes them (IKEv2 with
 * EAP and a custom IPsec policy, L2TP with a pre-shared key, SSTP, several entries with alternate
 * servers, a hand-written rasdial entry), CRLF and LF, UTF-16LE with a BOM, a hostile file, bytes
 * that are not UTF-8, the bounds (size, entries, servers, name length), strict numbers, and the
 * protocols Windows tries for each VpnStrategy. Fixtures: tests/unit/vectors/pbk/ (README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "local/pbk.h"

#ifndef VPNDIAG_SRCDIR
#define VPNDIAG_SRCDIR "."
#endif
#define VECTORS VPNDIAG_SRCDIR "/tests/unit/vectors/pbk/"

/* A fixture file, whole, in a malloc'd buffer of exactly its size (NULL-safe when empty). */
static uint8_t *read_vector(const char *name, size_t *len)
{
	return th_read_vector(VECTORS, name, len);
}

static struct pbk_book parse_vector(const char *name)
{
	size_t len;
	uint8_t *buf = read_vector(name, &len);
	struct pbk_book b;
	char err[256];
	int rc = pbk_parse(buf, len, &b, err, sizeof err);
	free(buf);
	if (rc != 0)
		fail_msg("%s: %s", name, err);
	return b;
}

static int parse_str(const char *text, struct pbk_book *b, char *err, size_t errlen)
{
	return pbk_parse((const uint8_t *)text, strlen(text), b, err, errlen);
}

/* The protocols of e, joined with ','. */
static const char *protocols(const struct pbk_entry *e)
{
	static char s[64];
	const char *out[4];
	size_t n = pbk_entry_protocols(e, out);
	assert_true(n <= 4);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(s, ",", sizeof s - strlen(s) - 1);
		strncat(s, out[i], sizeof s - strlen(s) - 1);
	}
	return s;
}

static bool bytes_contain(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const unsigned char *h = hay;
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(h + i, needle, k) == 0)
			return true;
	return false;
}

/* An IKEv2 entry as Windows 11 writes it (PBVersion=8, EAP-MSCHAPv2, split tunnel, a custom IPsec
 * policy): every field read, and nothing counted as bad. */
static void test_ikev2_win11(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("ikev2-win11.pbk");
	assert_int_equal(b.n, 1);
	assert_int_equal(b.skipped, 0);
	assert_int_equal(b.bad_lines, 0);
	assert_false(b.utf16);
	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "Contoso VPN");
	assert_int_equal(e->line, 1);
	assert_int_equal(e->type, 2);
	assert_int_equal(e->nservers, 1);
	assert_string_equal(e->servers[0], "vpn.contoso.example");
	assert_int_equal(e->vpn_strategy, PBK_VS_IKEV2_ONLY);
	assert_string_equal(pbk_strategy_name(e->vpn_strategy), "Ikev2Only");
	assert_string_equal(e->device, "WAN Miniport (IKEv2)");
	assert_int_equal(e->custom_auth_key, 26);
	assert_int_equal(e->auth_restrictions, 128);
	assert_int_equal(e->ipsec_flags, 0);
	assert_false(e->psk_configured);
	assert_int_equal(e->num_custom_policy, 1);
	assert_true(e->custom_policy);
	assert_int_equal(e->disable_ike_name_eku_check, PBK_NO);
	assert_int_equal(e->ip_prioritize_remote, PBK_NO);
	assert_int_equal(e->data_encryption, 256);
	assert_string_equal(protocols(e), "ikev2");
	pbk_free(&b);
	assert_null(b.entries);
	assert_int_equal(b.n, 0);
}

/* L2TP/IPsec with a pre-shared key (IpSecFlags=1, the key itself not in the file), PBVersion=5. */
static void test_l2tp_psk(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("l2tp-psk.pbk");
	assert_int_equal(b.n, 1);
	assert_int_equal(b.bad_lines, 0);
	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "Branch L2TP");
	assert_int_equal(e->vpn_strategy, PBK_VS_L2TP_ONLY);
	assert_string_equal(pbk_strategy_name(e->vpn_strategy), "L2tpOnly");
	assert_int_equal(e->ipsec_flags, 1);
	assert_true(e->psk_configured);
	assert_int_equal(e->custom_auth_key, 0);
	assert_int_equal(e->auth_restrictions, 512);
	assert_int_equal(e->data_encryption, 8);
	assert_int_equal(e->ip_prioritize_remote, PBK_YES);
	assert_int_equal(e->num_custom_policy, 0);
	assert_false(e->custom_policy);
	assert_string_equal(e->device, "WAN Miniport (L2TP)");
	assert_int_equal(e->nservers, 1);
	assert_string_equal(e->servers[0], "198.51.100.7");
	assert_string_equal(protocols(e), "l2tp");
	pbk_free(&b);
}

static void test_sstp(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("sstp.pbk");
	assert_int_equal(b.n, 1);
	assert_int_equal(b.bad_lines, 0);
	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "Fabrikam SSTP");
	assert_int_equal(e->vpn_strategy, PBK_VS_SSTP_ONLY);
	assert_int_equal(e->custom_auth_key, 25);
	assert_int_equal(e->data_encryption, 256);
	assert_string_equal(e->device, "WAN Miniport (SSTP)");
	assert_string_equal(e->servers[0], "sstp.fabrikam.example");
	assert_false(e->psk_configured);
	assert_string_equal(protocols(e), "sstp");
	pbk_free(&b);
}

/* Six entries, LF endings: alternates in later DEVICE= subsections and in the same one (duplicates
 * kept once, compared without case), Automatic, PPTP, a pre-shared key value in the file (kept as
 * a flag only), a broadband entry, and a hand-written rasdial entry. */
static void test_several(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("several.pbk");
	assert_int_equal(b.n, 6);
	assert_int_equal(b.bad_lines, 0);
	assert_int_equal(b.skipped, 0);

	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "AOVPN User Tunnel");
	assert_int_equal(e->line, 1);
	assert_int_equal(e->vpn_strategy, PBK_VS_IKEV2_SSTP);
	assert_string_equal(pbk_strategy_name(e->vpn_strategy), "Ikev2Sstp");
	assert_int_equal(e->nservers, 3);
	assert_string_equal(e->servers[0], "aovpn.example.net");
	assert_string_equal(e->servers[1], "aovpn2.example.net");
	assert_string_equal(e->servers[2], "203.0.113.20");
	assert_string_equal(protocols(e), "ikev2,sstp");

	e = &b.entries[1];
	assert_string_equal(e->name, "Auto");
	assert_int_equal(e->line, 186);
	assert_int_equal(e->vpn_strategy, PBK_VS_DEFAULT);
	assert_string_equal(pbk_strategy_name(e->vpn_strategy), "Default");
	assert_int_equal(e->nservers, 2);
	assert_string_equal(e->servers[0], "auto.example.org");
	assert_string_equal(e->servers[1], "auto-b.example.org");
	/* Automatic: SSTP before IKEv2 whatever device was used last */
	assert_string_equal(protocols(e), "sstp,ikev2,pptp,l2tp");

	e = &b.entries[2];
	assert_string_equal(e->name, "Old PPTP");
	assert_int_equal(e->vpn_strategy, PBK_VS_PPTP_ONLY);
	assert_int_equal(e->auth_restrictions, 640);
	assert_string_equal(protocols(e), "pptp");

	e = &b.entries[3];
	assert_string_equal(e->name, "Lab L2TP key in file");
	assert_int_equal(e->line, 489);
	assert_int_equal(e->vpn_strategy, PBK_VS_L2TP_FIRST);
	assert_int_equal(e->ipsec_flags, 0);
	assert_true(e->psk_configured); /* from the non-empty PreSharedKey= */
	assert_int_equal(e->disable_ike_name_eku_check, PBK_YES);
	assert_string_equal(protocols(e), "l2tp,sstp,ikev2,pptp");
	/* the key's value is nowhere in what the parser returns */
	assert_false(bytes_contain(b.entries, b.n * sizeof *b.entries, "NotKept-3f9c1e2a"));
	assert_false(bytes_contain(&b, sizeof b, "NotKept"));

	e = &b.entries[4];
	assert_string_equal(e->name, "Home DSL");
	assert_int_equal(e->type, 5);
	assert_int_equal(e->nservers, 0);
	assert_string_equal(e->device, "WAN Miniport (PPPOE)");
	assert_int_equal(e->vpn_strategy, -1);
	assert_int_equal(e->ip_prioritize_remote, PBK_YES);

	e = &b.entries[5];
	assert_string_equal(e->name, "Hand Written");
	assert_int_equal(e->line, 651);
	assert_int_equal(e->type, -1);
	assert_int_equal(e->vpn_strategy, -1);
	assert_null(pbk_strategy_name(e->vpn_strategy));
	assert_int_equal(e->custom_auth_key, -1);
	assert_int_equal(e->auth_restrictions, -1);
	assert_int_equal(e->ipsec_flags, -1);
	assert_int_equal(e->num_custom_policy, -1);
	assert_int_equal(e->data_encryption, -1);
	assert_int_equal(e->disable_ike_name_eku_check, PBK_ABSENT);
	assert_int_equal(e->ip_prioritize_remote, PBK_ABSENT);
	assert_string_equal(e->device, "WAN Miniport (IKEv2)");
	assert_string_equal(e->servers[0], "hand.example.org");
	assert_string_equal(protocols(e), "ikev2"); /* no VpnStrategy=: the miniport it names */
	pbk_free(&b);
}

/* The CRLF file read with LF endings gives the same book. */
static void test_crlf_lf_same(void **state)
{
	(void)state;
	size_t len;
	uint8_t *crlf = read_vector("ikev2-win11.pbk", &len);
	assert_non_null(memchr(crlf, '\r', len));
	uint8_t *lf = malloc(len);
	assert_non_null(lf);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (crlf[i] != '\r')
			lf[n++] = crlf[i];
	struct pbk_book a, b;
	char err[256];
	assert_int_equal(pbk_parse(crlf, len, &a, err, sizeof err), 0);
	assert_int_equal(pbk_parse(lf, n, &b, err, sizeof err), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_memory_equal(&a.entries[0], &b.entries[0], sizeof a.entries[0]);
	pbk_free(&a);
	pbk_free(&b);
	free(crlf);
	free(lf);
}

/* UTF-16LE with a BOM: names outside ASCII come out as UTF-8, a surrogate pair included. */
static void test_utf16le(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("utf16le-bom.pbk");
	assert_true(b.utf16);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.bad_lines, 0);
	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "\xE6\x9D\xB1\xE4\xBA\xAC VPN"); /* 東京 VPN */
	assert_int_equal(e->vpn_strategy, PBK_VS_IKEV2_FIRST);
	assert_int_equal(e->custom_auth_key, 13);
	assert_int_equal(e->data_encryption, 512);
	assert_string_equal(e->servers[0], "tokyo.example.jp");
	assert_string_equal(protocols(e), "ikev2,sstp,pptp,l2tp");
	e = &b.entries[1];
	assert_string_equal(e->name, "B\xC3\xBCro \xF0\x9F\x94\x92"); /* Büro U+1F512 */
	assert_int_equal(e->line, 22);
	assert_int_equal(e->vpn_strategy, PBK_VS_SSTP_FIRST);
	assert_string_equal(e->device, "WAN Miniport (SSTP)");
	assert_string_equal(e->servers[0], "b\xC3\xBCro.example.de");
	assert_string_equal(protocols(e), "sstp,ikev2,pptp,l2tp");
	pbk_free(&b);
}

/* Garbage, control bytes, over-long lines and values, numbers that are not numbers, sections whose
 * name cannot be kept: the two good entries come out exactly, and nothing of the dropped entries
 * lands in a neighbour. */
static void test_hostile(void **state)
{
	(void)state;
	struct pbk_book b = parse_vector("hostile.pbk");
	assert_int_equal(b.n, 2);
	assert_int_equal(b.bad_lines, 18);
	const struct pbk_entry *e = &b.entries[0];
	assert_string_equal(e->name, "First");
	assert_int_equal(e->line, 3);
	assert_int_equal(e->type, 2);
	assert_int_equal(e->vpn_strategy, 7);
	assert_int_equal(e->data_encryption, -1);
	assert_int_equal(e->ipsec_flags, -1);
	assert_int_equal(e->auth_restrictions, -1);
	assert_false(e->psk_configured);
	assert_string_equal(e->device, "WAN Miniport (IKEv2)");
	assert_int_equal(e->nservers, 1);
	assert_string_equal(e->servers[0], "first.example.com");
	e = &b.entries[1];
	assert_string_equal(e->name, "Second");
	assert_int_equal(e->type, 2);
	assert_int_equal(e->vpn_strategy, PBK_VS_L2TP_SSTP);
	assert_string_equal(protocols(e), "l2tp,sstp");
	assert_int_equal(e->ip_prioritize_remote, PBK_YES);
	assert_int_equal(e->disable_ike_name_eku_check, PBK_NO);
	assert_string_equal(e->device, "WAN Miniport (L2TP)");
	assert_int_equal(e->nservers, 1);
	assert_string_equal(e->servers[0], "second.example.com");
	assert_false(bytes_contain(b.entries, b.n * sizeof *b.entries, "must-not-land"));
	assert_false(bytes_contain(b.entries, b.n * sizeof *b.entries, "nor-"));
	pbk_free(&b);
}

/* Bytes that are not UTF-8 (Windows-1252 "Büro") refuse the file, with one line naming the line. */
static void test_invalid_utf8(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = read_vector("invalid-utf8.pbk", &len);
	struct pbk_book b;
	char err[256];
	assert_int_equal(pbk_parse(buf, len, &b, err, sizeof err), -1);
	free(buf);
	assert_non_null(strstr(err, "UTF-8"));
	assert_non_null(strstr(err, "line 5"));
	assert_null(strchr(err, '\n'));
	assert_null(b.entries);
	assert_int_equal(b.n, 0);
	/* an overlong form and an encoded surrogate are refused too */
	assert_int_equal(parse_str("[a\xC0\xAF]\n", &b, err, sizeof err), -1);
	assert_int_equal(parse_str("[a\xED\xA0\x80]\n", &b, err, sizeof err), -1);
	assert_int_equal(parse_str("[ok]\nPhoneNumber=x\xF4\x90\x80\x80\n", &b, err, sizeof err), -1);
}

/* The encodings that are refused, and the edge cases that are not errors. */
static void test_encodings(void **state)
{
	(void)state;
	struct pbk_book b;
	char err[256];
	static const uint8_t be[] = {0xFE, 0xFF, 0, '[', 0, 'a', 0, ']'};
	assert_int_equal(pbk_parse(be, sizeof be, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "big-endian"));
	static const uint8_t nobom[] = {'[', 0, 'a', 0, ']', 0};
	assert_int_equal(pbk_parse(nobom, sizeof nobom, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "byte-order mark"));
	static const uint8_t hi_alone[] = {0xFF, 0xFE, '[', 0, 0x3D, 0xD8, 'a', 0, ']', 0};
	assert_int_equal(pbk_parse(hi_alone, sizeof hi_alone, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "surrogate"));
	static const uint8_t hi_at_end[] = {0xFF, 0xFE, '[', 0, 0x3D, 0xD8};
	assert_int_equal(pbk_parse(hi_at_end, sizeof hi_at_end, &b, err, sizeof err), -1);
	static const uint8_t lo_alone[] = {0xFF, 0xFE, '[', 0, 0x12, 0xDD, ']', 0};
	assert_int_equal(pbk_parse(lo_alone, sizeof lo_alone, &b, err, sizeof err), -1);
	static const uint8_t odd[] = {0xFF, 0xFE, '[', 0, 'a'};
	assert_int_equal(pbk_parse(odd, sizeof odd, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "odd"));
	/* a pair is one character */
	static const uint8_t pair[] = {0xFF, 0xFE, '[', 0, 0x3D, 0xD8, 0x12, 0xDD, ']', 0, '\n', 0};
	assert_int_equal(pbk_parse(pair, sizeof pair, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.entries[0].name, "\xF0\x9F\x94\x92");
	pbk_free(&b);
	/* UTF-8 with a BOM */
	assert_int_equal(parse_str("\xEF\xBB\xBF[A]\r\nVpnStrategy=5\r\n", &b, err, sizeof err), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.entries[0].name, "A");
	assert_int_equal(b.entries[0].vpn_strategy, 5);
	pbk_free(&b);
	/* empty, a BOM alone, keys without a section: no entries and no error */
	assert_int_equal(pbk_parse((const uint8_t *)"", 0, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(parse_str("\xEF\xBB\xBF", &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	static const uint8_t bom16[] = {0xFF, 0xFE};
	assert_int_equal(pbk_parse(bom16, sizeof bom16, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	assert_true(b.utf16);
	pbk_free(&b);
	assert_int_equal(parse_str("Type=2\nPhoneNumber=x\n", &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.bad_lines, 0);
	/* no line ending at the end of the file */
	assert_int_equal(parse_str("[Last]\nPhoneNumber=last.example", &b, err, sizeof err), 0);
	assert_string_equal(b.entries[0].servers[0], "last.example");
	pbk_free(&b);
}

static void test_size_bound(void **state)
{
	(void)state;
	size_t len = PBK_MAX_BYTES + 1;
	uint8_t *big = malloc(len);
	assert_non_null(big);
	memset(big, '\n', len);
	struct pbk_book b;
	char err[256];
	assert_int_equal(pbk_parse(big, len, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	assert_int_equal(pbk_parse(big, len - 1, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	pbk_free(&b);
	free(big);
}

/* Entries past PBK_MAX_ENTRIES are counted, not kept; servers past PBK_MAX_SERVERS are dropped. */
static void test_bounds(void **state)
{
	(void)state;
	size_t cap = 300 * 40;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(s + n, cap - n, "[E%d]\nType=2\nPhoneNumber=h%d.example\n", i, i);
	struct pbk_book b;
	char err[256];
	assert_int_equal(pbk_parse((const uint8_t *)s, n, &b, err, sizeof err), 0);
	assert_int_equal(b.n, PBK_MAX_ENTRIES);
	assert_int_equal(b.skipped, 300 - PBK_MAX_ENTRIES);
	assert_string_equal(b.entries[255].name, "E255");
	assert_string_equal(b.entries[255].servers[0], "h255.example");
	pbk_free(&b);

	n = (size_t)snprintf(s, cap, "[Many]\n");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(s + n, cap - n, "DEVICE=vpn\nPhoneNumber=s%d.example\n", i);
	assert_int_equal(pbk_parse((const uint8_t *)s, n, &b, err, sizeof err), 0);
	assert_int_equal(b.entries[0].nservers, PBK_MAX_SERVERS);
	assert_string_equal(b.entries[0].servers[0], "s0.example");
	assert_string_equal(b.entries[0].servers[7], "s7.example");
	pbk_free(&b);

	/* a name of 256 three-byte characters (768 bytes) fits; one byte more drops the entry */
	n = 0;
	s[n++] = '[';
	for (int i = 0; i < 256; i++) {
		memcpy(s + n, "\xE6\x9D\xB1", 3);
		n += 3;
	}
	memcpy(s + n, "]\nType=2\n", 9);
	n += 9;
	assert_int_equal(pbk_parse((const uint8_t *)s, n, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(strlen(b.entries[0].name), 768);
	assert_int_equal(b.entries[0].type, 2);
	pbk_free(&b);
	memmove(s + 2, s + 1, n - 1);
	s[1] = 'x';
	assert_int_equal(pbk_parse((const uint8_t *)s, n + 1, &b, err, sizeof err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.bad_lines, 1);
	pbk_free(&b);

	/* a line of exactly PBK_LINE_MAX bytes is read, one more is not */
	n = (size_t)snprintf(s, cap, "[L]\nCustomIPSecPolicies=");
	size_t pad = PBK_LINE_MAX - strlen("CustomIPSecPolicies=");
	memset(s + n, 'A', pad);
	n += pad;
	s[n++] = '\n';
	assert_int_equal(pbk_parse((const uint8_t *)s, n, &b, err, sizeof err), 0);
	assert_true(b.entries[0].custom_policy);
	assert_int_equal(b.bad_lines, 0);
	pbk_free(&b);
	s[n - 1] = 'A';
	s[n++] = '\n';
	assert_int_equal(pbk_parse((const uint8_t *)s, n, &b, err, sizeof err), 0);
	assert_false(b.entries[0].custom_policy);
	assert_int_equal(b.bad_lines, 1);
	pbk_free(&b);
	free(s);
}

/* Numbers: whole decimal values in range, or the field stays absent and the line is bad. */
static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int strategy; /* -1: absent */
		size_t bad;
	} cases[] = {
		{"VpnStrategy=7", 7, 0},           {"VpnStrategy=007", 7, 0},    {"VpnStrategy= 8\t", 8, 0},
		{"VpnStrategy=2147483647", 2147483647, 0},
		{"VpnStrategy=2147483648", -1, 1}, {"VpnStrategy=-1", -1, 1},    {"VpnStrategy=", -1, 1},
		{"VpnStrategy=7 7", -1, 1},        {"VpnStrategy=0x7", -1, 1},   {"VpnStrategy=+7", -1, 1},
		{"VpnStrategy=7.0", -1, 1},        {"VpnStrategy=-", -1, 1},     {"vpnstrategy=12", 12, 0},
		{"VPNSTRATEGY=15", 15, 0},         {"VpnStrategy=99999999999999999999999", -1, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[128];
		snprintf(text, sizeof text, "[N]\n%s\n", cases[i].line);
		struct pbk_book b;
		char err[256];
		assert_int_equal(parse_str(text, &b, err, sizeof err), 0);
		if (b.entries[0].vpn_strategy != cases[i].strategy || b.bad_lines != cases[i].bad)
			fail_msg("'%s': strategy %d, %zu bad lines", cases[i].line, b.entries[0].vpn_strategy, b.bad_lines);
		pbk_free(&b);
	}
	struct pbk_book b;
	char err[256];
	assert_int_equal(parse_str("[N]\nCustomAuthKey=-1\nAuthRestrictions=4294967295\nIpSecFlags=3\n"
				   "DisableIKENameEkuCheck=1\nIpPrioritizeRemote=0\nNumCustomPolicy=0\n"
				   "CustomIPSecPolicies=\nPreSharedKey=\n",
				   &b, err, sizeof err),
			 0);
	const struct pbk_entry *e = &b.entries[0];
	assert_int_equal(b.bad_lines, 0);
	assert_int_equal(e->custom_auth_key, -1);
	assert_true(e->auth_restrictions == 4294967295LL);
	assert_int_equal(e->ipsec_flags, 3);
	assert_true(e->psk_configured);
	assert_int_equal(e->disable_ike_name_eku_check, PBK_YES);
	assert_int_equal(e->ip_prioritize_remote, PBK_NO);
	assert_int_equal(e->num_custom_policy, 0);
	assert_false(e->custom_policy);
	pbk_free(&b);
	assert_int_equal(parse_str("[N]\nCustomAuthKey=-2\nIpSecFlags=2\nDisableIKENameEkuCheck=yes\n", &b, err, sizeof err), 0);
	assert_int_equal(b.entries[0].custom_auth_key, -1);
	assert_int_equal(b.entries[0].ipsec_flags, 2);
	assert_false(b.entries[0].psk_configured);
	assert_int_equal(b.entries[0].disable_ike_name_eku_check, PBK_ABSENT);
	assert_int_equal(b.bad_lines, 2);
	pbk_free(&b);
}

/* The first occurrence of a key counts; Device= of the MEDIA subsection wins over PreferredDevice=;
 * "DEVICE" in capitals opens a subsection, other spellings are the key. */
static void test_keys(void **state)
{
	(void)state;
	struct pbk_book b;
	char err[256];
	assert_int_equal(parse_str("[K]\nVpnStrategy=7\nVpnStrategy=5\nPreferredDevice=WAN Miniport (IKEv2)\n"
				   "MEDIA=rastapi\nDevice=WAN Miniport (SSTP)\nMEDIA=rastapi\nDevice=WAN Miniport (PPTP)\n"
				   "DEVICE=vpn\nPhoneNumber=a.example\n",
				   &b, err, sizeof err),
			 0);
	assert_int_equal(b.entries[0].vpn_strategy, 7);
	assert_string_equal(b.entries[0].device, "WAN Miniport (SSTP)");
	assert_int_equal(b.entries[0].nservers, 1);
	pbk_free(&b);
	assert_int_equal(parse_str("[K]\ndevice=WAN Miniport (PPTP)\nPreferredDevice=WAN Miniport (IKEv2)\n", &b, err,
				   sizeof err),
			 0);
	assert_string_equal(b.entries[0].device, "WAN Miniport (PPTP)");
	assert_string_equal(protocols(&b.entries[0]), "pptp");
	pbk_free(&b);
	assert_int_equal(parse_str("[K]\nPreferredDevice=WAN Miniport (L2TP)\n", &b, err, sizeof err), 0);
	assert_string_equal(b.entries[0].device, "WAN Miniport (L2TP)");
	assert_string_equal(protocols(&b.entries[0]), "l2tp");
	pbk_free(&b);
	/* two entries with the same name are both kept, in order */
	assert_int_equal(parse_str("[Same]\nType=2\n[Same]\nType=1\n", &b, err, sizeof err), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.entries[1].type, 1);
	assert_int_equal(b.entries[1].line, 3);
	pbk_free(&b);
}

static void test_strategy_names(void **state)
{
	(void)state;
	static const struct {
		int v;
		const char *name;
	} names[] = {{0, "Default"},    {1, "PptpOnly"},  {2, "PptpFirst"},  {3, "L2tpOnly"},   {4, "L2tpFirst"},
		     {5, "SstpOnly"},   {6, "SstpFirst"}, {7, "Ikev2Only"},  {8, "Ikev2First"}, {9, "GREOnly"},
		     {12, "PptpSstp"},  {13, "L2tpSstp"}, {14, "Ikev2Sstp"}, {15, "ProtocolList"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(pbk_strategy_name(names[i].v), names[i].name);
	assert_null(pbk_strategy_name(-1));
	assert_null(pbk_strategy_name(10));
	assert_null(pbk_strategy_name(11));
	assert_null(pbk_strategy_name(16));
}

/* pbk_entry_protocols for every value, with and without a device. */
static void test_protocols(void **state)
{
	(void)state;
	static const struct {
		int strategy;
		const char *device;
		const char *want;
	} cases[] = {
		{-1, "", "sstp,ikev2,pptp,l2tp"},
		{-1, "WAN Miniport (SSTP)", "sstp"},
		{-1, "wan miniport (ikev2)", "ikev2"},
		{-1, "WAN Miniport (PPTP)", "pptp"},
		{-1, "WAN Miniport (PPPOE)", "sstp,ikev2,pptp,l2tp"},
		{0, "WAN Miniport (IKEv2)", "sstp,ikev2,pptp,l2tp"},
		{1, "", "pptp"},
		{2, "", "pptp,sstp,ikev2,l2tp"},
		{3, "WAN Miniport (IKEv2)", "l2tp"},
		{4, "", "l2tp,sstp,ikev2,pptp"},
		{5, "", "sstp"},
		{6, "", "sstp,ikev2,pptp,l2tp"},
		{7, "WAN Miniport (SSTP)", "ikev2"},
		{8, "", "ikev2,sstp,pptp,l2tp"},
		{9, "", ""},
		{12, "", "pptp,sstp"},
		{13, "", "l2tp,sstp"},
		{14, "", "ikev2,sstp"},
		{15, "WAN Miniport (L2TP)", "l2tp"},
		{15, "", "sstp,ikev2,pptp,l2tp"},
		{11, "", "sstp,ikev2,pptp,l2tp"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pbk_entry e;
		memset(&e, 0, sizeof e);
		e.vpn_strategy = cases[i].strategy;
		snprintf(e.device, sizeof e.device, "%s", cases[i].device);
		const char *got = protocols(&e);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("VpnStrategy %d, device '%s': %s, want %s", cases[i].strategy, cases[i].device, got,
				 cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ikev2_win11), cmocka_unit_test(test_l2tp_psk),
		cmocka_unit_test(test_sstp),        cmocka_unit_test(test_several),
		cmocka_unit_test(test_crlf_lf_same), cmocka_unit_test(test_utf16le),
		cmocka_unit_test(test_hostile),     cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_encodings),   cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_bounds),      cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_keys),        cmocka_unit_test(test_strategy_names),
		cmocka_unit_test(test_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
