/* The RasClient event reader (local/evt.c): a 20221..20226 sequence and a failed attempt (809) as
 * wevtutil prints them, a UTF-16LE <Events> document with an HRESULT (-2146885613), entities, a
 * truncated document; SystemTime to Unix seconds; the error code forms; and hostile XML (bad
 * nesting, depth, CDATA, DOCTYPE, entities, huge attributes and strings, control bytes, too many
 * events). Fixtures: tests/unit/vectors/evt/ (README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "local/evt.h"
#include "util/text.h"

#ifndef VPNDIAG_SRCDIR
#define VPNDIAG_SRCDIR "."
#endif
#define VECTORS VPNDIAG_SRCDIR "/tests/unit/vectors/evt/"

#define COID_A "8C5F1A2E-4B7D-4E19-A3C6-2D9F0B8E7A41"
#define COID_B "F03D6B91-27AC-4C58-9E0D-5B1A8C3F6E72"
#define NS "http://schemas.microsoft.com/win/2004/08/events/event"

static uint8_t *read_vector(const char *name, size_t *len)
{
	return th_read_vector(VECTORS, name, len);
}

static struct evt_log parse_vector(const char *name)
{
	size_t len;
	uint8_t *buf = read_vector(name, &len);
	struct evt_log log;
	char err[256];
	int rc = evt_parse(buf, len, &log, err, sizeof err);
	free(buf);
	if (rc != 0)
		fail_msg("%s: %s", name, err);
	return log;
}

static int parse_str(const char *xml, struct evt_log *log)
{
	char err[256];
	int rc = evt_parse((const uint8_t *)xml, strlen(xml), log, err, sizeof err);
	if (rc != 0)
		assert_true(err[0] != '\0' && strchr(err, '\n') == NULL);
	return rc;
}

/* One RasClient event with the given EventID text and EventData inner XML. */
static const char *one_event(const char *id, const char *data)
{
	static char s[4096];
	snprintf(s, sizeof s,
		 "<Event xmlns='" NS "'><System><Provider Name='RasClient'/><EventID Qualifiers='0'>%s</EventID>"
		 "<TimeCreated SystemTime='2024-03-05T09:14:22.1234567Z'/></System><EventData>%s</EventData></Event>",
		 id, data);
	return s;
}

static void expect(const char *xml, size_t n, size_t bad)
{
	struct evt_log log;
	assert_int_equal(parse_str(xml, &log), 0);
	if (log.n != n || log.bad != bad)
		fail_msg("%zu events and %zu bad, want %zu and %zu: %.200s", log.n, log.bad, n, bad, xml);
	evt_free(&log);
}

/* A successful connection (20221 to 20226) and, the next morning, a failed one (20227, 809). */
static void test_sequence(void **state)
{
	(void)state;
	struct evt_log log = parse_vector("sequence.xml");
	assert_int_equal(log.n, 9);
	assert_int_equal(log.bad, 0);
	assert_int_equal(log.skipped, 0);
	static const unsigned ids[9] = {20221, 20222, 20223, 20224, 20225, 20226, 20221, 20222, 20227};
	static const unsigned ndata[9] = {5, 4, 4, 3, 4, 4, 5, 4, 4};
	for (size_t i = 0; i < 9; i++) {
		const struct evt_event *e = &log.events[i];
		assert_string_equal(e->provider, "RasClient");
		assert_int_equal(e->id, ids[i]);
		assert_int_equal(e->ndata, ndata[i]);
		assert_string_equal(e->data[0], i < 6 ? COID_A : COID_B);
		assert_string_equal(e->data[1], "CONTOSO\\alice");
	}
	assert_int_equal(log.events[0].time, 1709630062); /* 2024-03-05T09:14:22.1234567Z */
	assert_int_equal(log.events[5].time, 1709658179); /* 2024-03-05T17:02:59.9999999Z: not rounded */
	assert_string_equal(log.events[0].data[3], "Contoso VPN");
	assert_non_null(strstr(log.events[0].data[4], "Authentication Type = EAP <Microsoft: Secured password (EAP-MSCHAP v2)>"));
	assert_string_equal(log.events[1].data[2], "Contoso VPN");
	assert_string_equal(log.events[1].data[3], "Server address/Phone Number = vpn.contoso.example Device = WAN Miniport "
						   "(IKEv2) Port = VPN2-0 MediaType = VPN.");
	const struct evt_event *f = &log.events[8];
	assert_int_equal(f->time, 1709711141);
	assert_string_equal(f->data[2], "Contoso VPN");
	assert_string_equal(f->data[3], "809");
	int64_t code = -1;
	assert_true(evt_error_code(f, &code));
	assert_int_equal(code, 809);
	assert_false(evt_error_code(&log.events[0], &code)); /* 20221 */
	assert_false(evt_error_code(&log.events[5], &code)); /* 20226 carries a reason code, not an error */
	evt_free(&log);
	assert_null(log.events);
}

/* PowerShell's UTF-16LE file with an <Events> root: an SSTP failure with a negative HRESULT. */
static void test_crl_offline_utf16(void **state)
{
	(void)state;
	struct evt_log log = parse_vector("crl-offline-utf16.xml");
	assert_int_equal(log.n, 2);
	assert_int_equal(log.bad, 0);
	const struct evt_event *e = &log.events[1];
	assert_int_equal(e->id, 20227);
	assert_int_equal(e->time, 1731934988); /* 2024-11-18T13:03:08.995Z */
	assert_string_equal(e->data[0], "2E7B9D40-61F3-4A8C-B5D2-9C0E1F7A3B86");
	assert_string_equal(e->data[1], "FABRIKAM\\bob");
	assert_string_equal(e->data[2], "Fabrikam SSTP");
	assert_string_equal(e->data[3], "-2146885613");
	int64_t code = 0;
	assert_true(evt_error_code(e, &code));
	assert_int_equal(code, 0x80092013); /* CRYPT_E_REVOCATION_OFFLINE */
	assert_int_equal(log.events[0].id, 20221);
	assert_string_equal(log.events[0].data[4], "VpnStrategy = SSTP");
	evt_free(&log);
}

/* The five entities and numeric references in a connection name, and a hex error code. */
static void test_entities(void **state)
{
	(void)state;
	struct evt_log log = parse_vector("entities.xml");
	assert_int_equal(log.n, 1);
	assert_int_equal(log.bad, 0);
	const struct evt_event *e = &log.events[0];
	assert_string_equal(e->data[2], "R&D <Lab> \"East\" 'B' \xC3\xA9t\xC3\xA9 \xF0\x9F\x94\x92");
	assert_int_equal(e->time, 1709769600);
	int64_t code = 0;
	assert_true(evt_error_code(e, &code));
	assert_int_equal(code, 713); /* 0x2C9 */
	evt_free(&log);
}

/* A copy cut inside the third event: the first two are read, the third counted as bad. */
static void test_truncated(void **state)
{
	(void)state;
	struct evt_log log = parse_vector("truncated.xml");
	assert_int_equal(log.n, 2);
	assert_int_equal(log.bad, 1);
	assert_int_equal(log.events[1].id, 20222);
	evt_free(&log);
	/* every prefix of an event reads as 0 events and at most one bad, never more */
	size_t len;
	uint8_t *buf = read_vector("entities.xml", &len);
	for (size_t cut = 0; cut < len; cut++) {
		struct evt_log l;
		char err[256];
		assert_int_equal(evt_parse(buf, cut, &l, err, sizeof err), 0);
		assert_true(l.n + l.bad <= 1);
		if (cut >= 8 && cut < len - 2)
			assert_int_equal(l.bad, 1);
		evt_free(&l);
	}
	free(buf);
}

static void test_error_codes(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		int64_t code;
	} cases[] = {
		{"809", true, 809},
		{"0", true, 0},
		{"-2146885613", true, 0x80092013},
		{"0x80092013", true, 0x80092013},
		{"0X800b0101", true, 0x800B0101},
		{"-2146762495", true, 0x800B0101},
		{"0x0000000809", true, 0x809},
		{"4294967295", true, 0xFFFFFFFF},
		{"-2147483648", true, 0x80000000},
		{"-1", true, 0xFFFFFFFF},
		{"-0", true, 0},
		{"4294967296", false, 0},
		{"-2147483649", false, 0},
		{"0x100000000", false, 0},
		{"99999999999999999999999", false, 0},
		{"0x", false, 0},
		{"", false, 0},
		{"-", false, 0},
		{"8 09", false, 0},
		{"+809", false, 0},
		{"809 ", false, 0},
		{" 809", false, 0},
		{"0x8009201G", false, 0},
		{"--809", false, 0},
		{"-0x1", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct evt_event e;
		memset(&e, 0, sizeof e);
		snprintf(e.provider, sizeof e.provider, "RasClient");
		e.id = 20227;
		e.ndata = 4;
		snprintf(e.data[3], sizeof e.data[3], "%s", cases[i].s);
		int64_t code = -7;
		bool ok = evt_error_code(&e, &code);
		if (ok != cases[i].ok || (ok && code != cases[i].code))
			fail_msg("'%s': %d %lld", cases[i].s, ok, (long long)code);
	}
	struct evt_event e;
	memset(&e, 0, sizeof e);
	snprintf(e.provider, sizeof e.provider, "RasClient");
	e.id = 20227;
	e.ndata = 3;
	snprintf(e.data[3], sizeof e.data[3], "809");
	int64_t code;
	assert_false(evt_error_code(&e, &code)); /* no fourth string */
	e.ndata = 4;
	e.id = 20226;
	assert_false(evt_error_code(&e, &code));
	e.id = 20227;
	snprintf(e.provider, sizeof e.provider, "Microsoft-Windows-Other");
	assert_false(evt_error_code(&e, &code));
	memset(e.data[3], 'A', sizeof e.data[3]); /* not terminated: read within the field only */
	snprintf(e.provider, sizeof e.provider, "RasClient");
	assert_false(evt_error_code(&e, &code));
}

/* SystemTime forms, to Unix seconds, and the ones refused (the event is then bad). */
static void test_times(void **state)
{
	(void)state;
	static const struct {
		const char *t;
		bool ok;
		int64_t unix_s;
	} cases[] = {
		{"1970-01-01T00:00:00Z", true, 0},
		{"1970-01-01T00:00:00.000000000Z", true, 0},
		{"2000-02-29T23:59:59.9Z", true, 951868799},
		{"1601-01-01T00:00:00Z", true, -11644473600LL},
		{"9999-12-31T23:59:59Z", true, 253402300799LL},
		{"2016-12-31T23:59:60Z", true, 1483228800},
		{"2023-02-29T00:00:00Z", false, 0},
		{"1900-02-29T00:00:00Z", false, 0},
		{"2024-13-01T00:00:00Z", false, 0},
		{"2024-00-01T00:00:00Z", false, 0},
		{"2024-04-31T00:00:00Z", false, 0},
		{"2024-03-05T24:00:00Z", false, 0},
		{"2024-03-05T09:60:00Z", false, 0},
		{"2024-03-05T09:14:22", false, 0},
		{"2024-03-05T09:14:22.Z", false, 0},
		{"2024-03-05T09:14:22.1234567890Z", false, 0},
		{"2024-03-05T09:14:22+01:00", false, 0},
		{"2024-03-05 09:14:22Z", false, 0},
		{"2024-3-05T09:14:22Z", false, 0},
		{"1600-12-31T23:59:59Z", false, 0},
		{"2024-03-05T09:14:22ZZ", false, 0},
		{"", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char xml[512];
		snprintf(xml, sizeof xml,
			 "<Event><System><EventID>20227</EventID><TimeCreated SystemTime=\"%s\"/></System></Event>",
			 cases[i].t);
		struct evt_log log;
		assert_int_equal(parse_str(xml, &log), 0);
		if (log.n != (cases[i].ok ? 1u : 0u) || (cases[i].ok && log.events[0].time != cases[i].unix_s))
			fail_msg("'%s': %zu events, time %lld", cases[i].t, log.n,
				 log.n ? (long long)log.events[0].time : 0LL);
		evt_free(&log);
	}
	struct evt_log log;
	assert_int_equal(parse_str("<Event><System><EventID>1</EventID></System></Event>", &log), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.events[0].time, 0); /* no TimeCreated */
	assert_string_equal(log.events[0].provider, "");
	assert_int_equal(log.events[0].ndata, 0);
	evt_free(&log);
}

/* Broken XML: each refused per event, the good events around it still read. */
static void test_hostile(void **state)
{
	(void)state;
	expect(one_event("20227", "<Data>a</Data>"), 1, 0);
	expect("<Event><System><EventID>1</EventID", 0, 1);                            /* unterminated tag */
	expect("<Event><System><EventID>1</EventID></System>", 0, 1);                   /* no </Event> */
	expect("<Event><System><EventID>1</System></EventID></Event>", 0, 1);           /* crossed */
	expect("<Event><System><EventID>1</EventID></System></Evnt></Event>", 0, 1);    /* stray end tag */
	expect("<Event><System><EventID>1</EventID></System></Event></Event>", 1, 0);   /* stray after: outside */
	expect(one_event("20227", "<Data><![CDATA[x]]></Data>"), 0, 1);                 /* CDATA refused */
	expect("<!DOCTYPE x [<!ENTITY e 'boom'>]>" "<Event><System><EventID>1</EventID></System>"
	       "<EventData><Data>&e;</Data></EventData></Event>", 0, 1);                /* no custom entity */
	expect("<Event><!DOCTYPE x><System><EventID>1</EventID></System></Event>", 0, 1);
	static const char *const bad_entities[] = {"&#0;", "&#xD800;", "&#xDFFF;", "&#x110000;", "&#99999999999;",
						   "&#xFFFE;", "&#xFFFF;", "&#1;", "&#x1F;", "&foo;", "& ", "&#x;",
						   "&#;", "&amp", "&lt ;", "&#x-1;", "&#12a;", "&LT;",
						   "&#x000000000000041;"};
	for (size_t i = 0; i < sizeof bad_entities / sizeof bad_entities[0]; i++) {
		char data[64];
		snprintf(data, sizeof data, "<Data>x%sy</Data>", bad_entities[i]);
		expect(one_event("20227", data), 0, 1);
	}
	expect(one_event("20227", "<Data>&#9;&#10;&#13;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;</Data>"), 1, 0);
	expect(one_event("20227", "<Data>a\x01" "b</Data>"), 0, 1);                    /* control byte */
	expect(one_event("20227", "<Data>a\x7f</Data>"), 0, 1);
	expect(one_event("20227", "<Data>\xC3\x28</Data>"), 0, 1);                      /* not UTF-8 */
	expect(one_event("20227", "<Data>\xED\xA0\x80</Data>"), 0, 1);
	expect(one_event("20227", "<Data>tab\tCR\rLF\n ok</Data>"), 1, 0);
	/* bytes that are not UTF-8 in what is not kept do not matter */
	expect(one_event("20227", "<Other>\xFF\xFE</Other><Data>ok</Data>"), 1, 0);
	expect(one_event("65535", ""), 1, 0);
	expect(one_event(" 20227\n", ""), 1, 0);
	expect(one_event("65536", ""), 0, 1);
	expect(one_event("-1", ""), 0, 1);
	expect(one_event("0x4F23", ""), 0, 1);
	expect(one_event("", ""), 0, 1);
	expect(one_event("20&#50;27", ""), 1, 0);
	expect(one_event("123456789012345678901234567890", ""), 0, 1);
	expect("<Event><System></System></Event>", 0, 1);                               /* no EventID */
	expect("<Event/>", 0, 1);
	expect("<Event><System><EventID/></System></Event>", 0, 1);
	expect("<Event><System><Provider Name=RasClient/><EventID>1</EventID></System></Event>", 0, 1);
	expect("<Event><System><Provider Name='Ras<Client'/><EventID>1</EventID></System></Event>", 0, 1);
	expect("<Event><System><Provider Name='RasClient\"/><EventID>1</EventID></System></Event>", 0, 1);
	expect("<Event><System><Provider Name='a'Level='b'/><EventID>1</EventID></System></Event>", 0, 1);
	expect("<Event><System><Provider Name  =  \"RasClient\" /><EventID>1</EventID></System></Event>", 1, 0);
	expect("<Event><System><Provider Name='RasClient'/ ><EventID>1</EventID></System></Event>", 0, 1);
	expect("<Event><System><EventID>1</EventID></System></Event x='1'>", 0, 1);
	/* a nested <Event>: the outer one was cut short, the inner one is read */
	struct evt_log log;
	assert_int_equal(parse_str("<Event><System><EventID>1</EventID></System><Event><System><EventID>2</EventID>"
				   "</System></Event>",
				   &log),
			 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.bad, 1);
	assert_int_equal(log.events[0].id, 2);
	evt_free(&log);
	/* comments, processing instructions, prefixes, garbage between events, an XML declaration */
	assert_int_equal(parse_str("<?xml version='1.0'?>junk <<< >>> &bogus; <!-- <Event> -->"
				   "<e:Event xmlns:e='" NS "'><!-- c --><?pi x?><e:System><e:EventID>5<!--x--></e:EventID>"
				   "</e:System><e:EventData><e:Data Name='a'>x<!-- y -->z</e:Data></e:EventData></e:Event>"
				   " trailing </Events> text",
				   &log),
			 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.bad, 0);
	assert_int_equal(log.events[0].id, 5);
	assert_string_equal(log.events[0].data[0], "xz");
	evt_free(&log);
	/* text only, nothing, a start tag cut at the end */
	expect("hello, not XML at all", 0, 0);
	expect("", 0, 0);
	expect("<Event", 0, 1);
	expect("<Events><Event xmlns='a", 0, 1);
	expect("<!-- never closed <Event><System><EventID>1</EventID></System></Event>", 0, 0);
}

/* Nesting is bounded; deep but legal nesting inside an event is fine. */
static void test_depth(void **state)
{
	(void)state;
	char xml[4096];
	for (int depth = 28; depth <= 31; depth++) {
		size_t n = (size_t)snprintf(xml, sizeof xml, "<Event><System><EventID>1</EventID></System><EventData>");
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(xml + n, sizeof xml - n, "<a>");
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(xml + n, sizeof xml - n, "</a>");
		snprintf(xml + n, sizeof xml - n, "</EventData></Event>");
		/* Event and EventData take two levels of EVT_MAX_DEPTH */
		expect(xml, depth + 2 <= EVT_MAX_DEPTH ? 1 : 0, depth + 2 <= EVT_MAX_DEPTH ? 0 : 1);
	}
	/* a deep document outside any event is not tracked at all */
	size_t n = 0;
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(xml + n, sizeof xml - n, "<x>");
	snprintf(xml + n, sizeof xml - n, "%s", one_event("7", ""));
	expect(xml, 1, 0);
}

/* Huge attributes and strings are cut at a character boundary; extra <Data> are dropped. */
static void test_sizes(void **state)
{
	(void)state;
	size_t big = 1u << 20;
	char *xml = malloc(big + 16384);
	assert_non_null(xml);
	size_t n = (size_t)snprintf(xml, 4096, "<Event><System><Provider Name='");
	for (size_t i = 0; i < big / 2; i++) {
		xml[n++] = (char)0xC3;
		xml[n++] = (char)0xA9; /* é */
	}
	n += (size_t)snprintf(xml + n, 4096, "'/><EventID>20227</EventID></System><EventData><Data>");
	for (size_t i = 0; i < 1000; i++) {
		memcpy(xml + n, "\xE6\x9D\xB1", 3); /* three-byte characters */
		n += 3;
	}
	n += (size_t)snprintf(xml + n, 4096, "</Data>");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(xml + n, 4096, "<Data>d%d</Data>", i);
	n += (size_t)snprintf(xml + n, 4096, "</EventData></Event>");
	struct evt_log log;
	char err[256];
	assert_int_equal(evt_parse((const uint8_t *)xml, n, &log, err, sizeof err), 0);
	assert_int_equal(log.n, 1);
	const struct evt_event *e = &log.events[0];
	assert_int_equal(strlen(e->provider), 62); /* 31 whole "é" in 63 bytes */
	assert_true(text_valid_utf8(e->provider, strlen(e->provider)));
	assert_int_equal(strlen(e->data[0]), 510); /* 170 whole characters in 511 bytes */
	assert_true(text_valid_utf8(e->data[0], strlen(e->data[0])));
	assert_int_equal(e->ndata, EVT_MAX_DATA);
	assert_string_equal(e->data[7], "d6");
	evt_free(&log);
	/* an unterminated 1 MiB attribute */
	n = (size_t)snprintf(xml, 4096, "<Event><System><Provider Name='");
	memset(xml + n, 'a', big);
	n += big;
	assert_int_equal(evt_parse((const uint8_t *)xml, n, &log, err, sizeof err), 0);
	assert_int_equal(log.n, 0);
	assert_int_equal(log.bad, 1);
	evt_free(&log);
	free(xml);

	/* over EVT_MAX_BYTES: refused whole */
	size_t len = EVT_MAX_BYTES + 1;
	uint8_t *huge = malloc(len);
	assert_non_null(huge);
	memset(huge, ' ', len);
	assert_int_equal(evt_parse(huge, len, &log, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	assert_null(log.events);
	free(huge);
}

static void test_too_many_events(void **state)
{
	(void)state;
	const char *one = "<Event><System><EventID>20225</EventID></System></Event>\n";
	size_t k = strlen(one), count = EVT_MAX_EVENTS + 5;
	char *xml = malloc(k * count);
	assert_non_null(xml);
	for (size_t i = 0; i < count; i++)
		memcpy(xml + i * k, one, k);
	struct evt_log log;
	char err[256];
	assert_int_equal(evt_parse((const uint8_t *)xml, k * count, &log, err, sizeof err), 0);
	assert_int_equal(log.n, EVT_MAX_EVENTS);
	assert_int_equal(log.skipped, 5);
	assert_int_equal(log.events[EVT_MAX_EVENTS - 1].id, 20225);
	evt_free(&log);
	free(xml);
}

static void test_encodings(void **state)
{
	(void)state;
	struct evt_log log;
	char err[256];
	static const uint8_t be[] = {0xFE, 0xFF, 0, '<'};
	assert_int_equal(evt_parse(be, sizeof be, &log, err, sizeof err), -1);
	assert_non_null(strstr(err, "big-endian"));
	static const uint8_t nobom[] = {'<', 0, 'E', 0};
	assert_int_equal(evt_parse(nobom, sizeof nobom, &log, err, sizeof err), -1);
	assert_non_null(strstr(err, "byte-order mark"));
	static const uint8_t lone[] = {0xFF, 0xFE, '<', 0, 0x00, 0xDC};
	assert_int_equal(evt_parse(lone, sizeof lone, &log, err, sizeof err), -1);
	assert_non_null(strstr(err, "surrogate"));
	/* UTF-8 with a BOM */
	static char xml[4100];
	snprintf(xml, sizeof xml, "\xEF\xBB\xBF%s",
		 one_event("20227", "<Data>c</Data><Data>u</Data><Data>n</Data><Data>691</Data>"));
	assert_int_equal(parse_str(xml, &log), 0);
	assert_int_equal(log.n, 1);
	int64_t code;
	assert_true(evt_error_code(&log.events[0], &code));
	assert_int_equal(code, 691);
	evt_free(&log);
	/* an empty <Data/> keeps its place */
	assert_int_equal(parse_str(one_event("20227", "<Data>c</Data><Data/><Data></Data><Data>0x2C9</Data>"), &log), 0);
	assert_int_equal(log.events[0].ndata, 4);
	assert_string_equal(log.events[0].data[1], "");
	assert_string_equal(log.events[0].data[2], "");
	assert_true(evt_error_code(&log.events[0], &code));
	assert_int_equal(code, 0x2C9);
	evt_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),     cmocka_unit_test(test_crl_offline_utf16),
		cmocka_unit_test(test_entities),     cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_error_codes),  cmocka_unit_test(test_times),
		cmocka_unit_test(test_hostile),      cmocka_unit_test(test_depth),
		cmocka_unit_test(test_sizes),        cmocka_unit_test(test_too_many_events),
		cmocka_unit_test(test_encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
