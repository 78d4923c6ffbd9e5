/* Client profiles (data/profiles) and vendor-ID naming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "profile/profile.h"

static struct profile prof; /* large: kept static */

static int parse_str(const char *s, char *err, size_t errlen)
{
	return profile_parse("t.txt", (const uint8_t *)s, strlen(s), &prof, err, errlen);
}

static void test_builtin_windows(void **state)
{
	(void)state;
	char err[256], ps[200];
	assert_int_equal(profile_load_builtin("windows-ikev2", &prof, err, sizeof err), 0);
	assert_string_equal(prof.name, "windows-ikev2");
	assert_int_equal(prof.ike_version, 2);
	assert_int_equal(prof.nonce_len, 48);
	assert_int_equal(prof.nonce_basis, KB_INFERRED);
	assert_true(prof.natd);
	assert_true(prof.frag_supported);
	/* IKE_AUTH sized as Windows sends it: a CERTREQ with a typical root store, RFC 7383 fragments */
	assert_true(prof.auth_certreq);
	assert_int_equal(prof.auth_certreq_hashes, 42);
	assert_int_equal(prof.auth_certreq_basis, KB_INFERRED);
	assert_int_equal(prof.auth_fragment_size, 576);
	assert_int_equal(prof.auth_fragment_basis, KB_INFERRED);
	assert_int_equal(prof.nnotifies, 3);
	assert_int_equal(prof.notifies[0], IKE2_N_NAT_DETECTION_SOURCE_IP);
	assert_int_equal(prof.notifies[2], IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_int_equal(prof.nvids, 4);
	assert_int_equal(prof.vids[0].len, 20);
	assert_int_equal(prof.vids[0].data[19], 9);
	assert_int_equal(prof.vids[3].len, 20);
	assert_int_equal(prof.vids[3].data[19], 2);
	assert_true(prof.nretransmit >= 3);
	assert_int_equal(prof.retransmit_ms[0], 1000);
	assert_int_equal(prof.retransmit_basis, KB_INFERRED);

	const struct profile_set *d = &prof.sets[0];
	assert_string_equal(d->name, "default");
	assert_int_equal(d->ke_group, IKE2_DH_MODP1024);
	assert_int_equal(d->nproposals, 12);
	const char *want[12] = {
		"3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		"3DES/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024",
		"3DES/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1024",
		"AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		"AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024",
		"AES_CBC_128/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1024",
		"AES_CBC_192/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		"AES_CBC_192/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024",
		"AES_CBC_192/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1024",
		"AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		"AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024",
		"AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1024",
	};
	for (size_t i = 0; i < 12; i++) {
		ike2_proposal_str(&d->proposals[i], ps, sizeof ps);
		assert_string_equal(ps, want[i]);
		assert_int_equal(d->proposals[i].num, i + 1);
		assert_int_equal(d->proposals[i].protocol, 1);
	}
	assert_string_equal(d->fix, "");

	const char *alts[] = {"negotiatedh2048", "modp2048", "ecp256", "ecp384", "aes-gcm"};
	for (size_t i = 0; i < sizeof alts / sizeof alts[0]; i++) {
		const struct profile_set *s = profile_find_set(&prof, alts[i]);
		assert_non_null(s);
		assert_true(s->nproposals > 0);
		assert_true(s->fix[0] != '\0');
		assert_true(s->fix_command[0] != '\0');
		assert_true(s->title[0] != '\0');
	}
	const struct profile_set *n = profile_find_set(&prof, "negotiatedh2048");
	assert_int_equal(n->ke_group, IKE2_DH_MODP2048);
	assert_int_equal(n->nproposals, 3);
	assert_non_null(strstr(n->fix_command, "NegotiateDH2048_AES256"));
	ike2_proposal_str(&n->proposals[1], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	assert_int_equal(profile_find_set(&prof, "ecp256")->ke_group, IKE2_DH_ECP256);
	assert_int_equal(profile_find_set(&prof, "ecp384")->ke_group, IKE2_DH_ECP384);
	const struct profile_set *g = profile_find_set(&prof, "aes-gcm");
	ike2_proposal_str(&g->proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	assert_null(profile_find_set(&prof, "nope"));

	struct ike2_blob b[PROFILE_MAX_VIDS];
	assert_int_equal(profile_vid_blobs(&prof, b, PROFILE_MAX_VIDS), 4);
	assert_int_equal(profile_vid_blobs(&prof, b, 2), 2);
	assert_ptr_equal(b[1].p, prof.vids[1].data);
	/* every VID Windows sends is named by the vendor-ID table */
	for (size_t i = 0; i < prof.nvids; i++)
		assert_non_null(profile_vid_name(prof.vids[i].data, prof.vids[i].len));

	assert_int_equal(profile_load_builtin("no-such-profile", &prof, err, sizeof err), -1);
	assert_int_equal(profile_load_builtin("vendor-ids", &prof, err, sizeof err), -1); /* not a profile */
}

static const char minimal[] = "# comment\n"
			      "format: 1\r\n"
			      "name: mini\n"
			      "  nonce-length: 32\n"
			      "retransmit-ms: 500, 1000\n"
			      "notify: 16388\n"
			      "notify: NAT_DETECTION_DESTINATION_IP\n"
			      "vid: 00ff\n"
			      "set: one\n"
			      "ke-group: 19\n"
			      "proposal: encr=12-256 integ=12 prf=5 dh=ecp256 dh=modp2048 esn=noesn\n"
			      "proposal: encr=AES_GCM_16-128 prf=PRF_HMAC_SHA2_256 ke=19\n";

static void test_parse_minimal(void **state)
{
	(void)state;
	char err[256], ps[200];
	assert_int_equal(parse_str(minimal, err, sizeof err), 0);
	assert_string_equal(prof.name, "mini");
	assert_int_equal(prof.nretransmit, 2);
	assert_int_equal(prof.retransmit_ms[1], 1000);
	assert_true(prof.natd);
	assert_false(prof.frag_supported);
	assert_int_equal(prof.vids[0].len, 2);
	assert_string_equal(prof.vids[0].name, "");
	assert_int_equal(prof.nsets, 1);
	assert_int_equal(prof.sets[0].basis, KB_INFERRED);
	ike2_proposal_str(&prof.sets[0].proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256/MODP_2048/NO_EXT_SEQ");
	ike2_proposal_str(&prof.sets[0].proposals[1], ps, sizeof ps);
	assert_string_equal(ps, "AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256");
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{"name: x\n", "format"},
		{"format: 2\n", "format"},
		{"format: 1\nname: x\nnonce-length: 32\nretransmit-ms: 1\n", "no proposal set"},
		{"format: 1\nbogus: 1\n", "unknown key"},
		{"format: 1\nName: x\n", "bad key"},
		{"format: 1\nno colon here\n", "key: value"},
		{"format: 1\nname: Bad Name\n", "bad name"},
		{"format: 1\nnonce-length: 8\n", "nonce-length"},
		{"format: 1\nnonce-length: 32x\n", "nonce-length"},
		{"format: 1\nvid: abc\n", "hex"},
		{"format: 1\nvid: zz\n", "hex"},
		{"format: 1\nnotify: NOT_A_NOTIFY\n", "unknown notify"},
		{"format: 1\nretransmit-ms: 0\n", "retransmit"},
		{"format: 1\nset: a\nproposal: encr=rot13\n", "unknown encr"},
		{"format: 1\nset: a\nproposal: cipher=3des\n", "transform type"},
		{"format: 1\nset: a\nproposal: encr\n", "TYPE=ID"},
		{"format: 1\nset: a\nke-group: modp9999\n", "DH group"},
		{"format: 1\nset: a\nke-group: 2\nset: b\n", "no proposal"},
		{"format: 1\nset: a\nproposal: encr=3des dh=2\nset: a\n", "no ke-group"},
		{"format: 1\nset: a\nke-group: 2\nproposal: encr=3des dh=2\nset: a\n", "duplicate set"},
		{"format: 1\nname: x\nnonce-length: 32\nretransmit-ms: 1\nset: a\nke-group: 14\nproposal: encr=3des dh=2\n",
		 "ke-group 14"},
		{"format: 1\nset: a\nname: x\n", "inside a set"},
		{"format: 1\nname: x\x01\n", "control character"},
	};
	char err[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (parse_str(bad[i].text, err, sizeof err) != -1)
			fail_msg("case %zu parsed", i);
		if (!strstr(err, bad[i].expect))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].expect);
		assert_non_null(strstr(err, "t.txt"));
	}
	/* a line longer than the limit; a NUL byte; too big a file */
	char *big = malloc(PROFILE_MAX_FILE + 2);
	memset(big, 'a', PROFILE_MAX_FILE + 1);
	memcpy(big, "format: 1\ntitle: ", 17);
	big[PROFILE_MAX_FILE + 1] = '\0';
	assert_int_equal(profile_parse("t", (const uint8_t *)big, 4000, &prof, err, sizeof err), -1);
	assert_non_null(strstr(err, "longer"));
	assert_int_equal(profile_parse("t", (const uint8_t *)big, PROFILE_MAX_FILE + 1, &prof, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger"));
	free(big);
	const uint8_t nul[] = "format: 1\nname: a\0b\n";
	assert_int_equal(profile_parse("t", nul, sizeof nul - 1, &prof, err, sizeof err), -1);
	assert_int_equal(profile_parse("t", NULL, 0, &prof, err, sizeof err), -1);
	/* too many proposals in a set */
	char many[8192];
	size_t o = (size_t)snprintf(many, sizeof many, "format: 1\nset: a\nke-group: 2\n");
	for (unsigned i = 0; i <= PROFILE_MAX_SET_PROPOSALS; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "proposal: encr=3des dh=2\n");
	assert_int_equal(parse_str(many, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than"));
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/vpndiag-profile-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, minimal, sizeof minimal - 1), (ssize_t)(sizeof minimal - 1));
	close(fd);
	assert_int_equal(profile_load_file(path, &prof, err, sizeof err), 0);
	assert_string_equal(prof.name, "mini");
	unlink(path);
	assert_int_equal(profile_load_file(path, &prof, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	/* the file in the source tree parses the same as the built-in copy */
	assert_int_equal(profile_load_file(VPNDIAG_SRCDIR "/data/profiles/windows-ikev2.txt", &prof, err, sizeof err), 0);
	assert_int_equal(prof.sets[0].nproposals, 12);
}

static void test_vid_names(void **state)
{
	(void)state;
	char d[200];
	const uint8_t ms9[20] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
				 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0x00, 0x00, 0x00, 0x09};
	uint8_t ms6[20];
	memcpy(ms6, ms9, 20);
	ms6[19] = 6;
	const char *n = profile_vid_name(ms9, 20);
	assert_non_null(n);
	assert_non_null(strstr(n, "Windows 8 or later"));
	n = profile_vid_name(ms6, 20); /* version 6 is not listed: the prefix entry names it */
	assert_non_null(n);
	assert_non_null(strstr(n, "MS NT5 ISAKMPOAKLEY"));
	assert_true(profile_vid_describe(ms6, 20, d, sizeof d));
	assert_non_null(strstr(d, "(suffix 00000006)"));
	assert_true(profile_vid_describe(ms9, 20, d, sizeof d));
	assert_null(strstr(d, "suffix"));
	const uint8_t ss[16] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
				0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
	assert_string_equal(profile_vid_name(ss, 16), "strongSwan");
	assert_null(profile_vid_name(ss, 15)); /* shorter than every entry it could be */
	const uint8_t unity[16] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
				   0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};
	assert_string_equal(profile_vid_name(unity, 16), "Cisco Unity");
	assert_string_equal(profile_vid_name((const uint8_t *)"FLEXVPN-SUPPORTED", 17),
			    "Cisco FlexVPN Supported (\"FLEXVPN-SUPPORTED\", ASCII)");
	const uint8_t unk[4] = {0xde, 0xad, 0xbe, 0xef};
	assert_null(profile_vid_name(unk, 4));
	assert_false(profile_vid_describe(unk, 4, d, sizeof d));
	assert_string_equal(d, "deadbeef");
	assert_null(profile_vid_name(NULL, 0));
	assert_false(profile_vid_describe(unk, 4, d, 3)); /* tiny buffer, still terminated */
	assert_true(strlen(d) < 3);
	uint8_t longv[64];
	memset(longv, 0xab, sizeof longv);
	assert_false(profile_vid_describe(longv, sizeof longv, d, sizeof d));
	assert_non_null(strstr(d, "..."));

	struct profile_vid_table t;
	char err[200];
	const char *tab = "format: 1\nvid: 0102 short\nvid: 010203 longer\n";
	assert_int_equal(profile_vid_table_parse("v", (const uint8_t *)tab, strlen(tab), &t, err, sizeof err), 0);
	assert_int_equal(t.n, 2);
	const uint8_t q[] = {1, 2, 3, 4};
	assert_string_equal(profile_vid_table_lookup(&t, q, 4)->name, "longer");
	assert_string_equal(profile_vid_table_lookup(&t, q, 2)->name, "short");
	assert_null(profile_vid_table_lookup(&t, q, 1));
	profile_vid_table_free(&t);
	const char *badtab = "vid: 0102\n";
	assert_int_equal(profile_vid_table_parse("v", (const uint8_t *)badtab, strlen(badtab), &t, err, sizeof err), -1);
	assert_null(t.v);
}

static void test_policy_command(void **state)
{
	(void)state;
	char out[512];
	struct ike2_proposal p = {.ntransforms = 4,
				  .t = {{IKE2_T_ENCR, IKE2_ENCR_AES_CBC, 256},
					{IKE2_T_INTEG, IKE2_AUTH_HMAC_SHA2_256_128, 0},
					{IKE2_T_PRF, IKE2_PRF_HMAC_SHA2_256, 0},
					{IKE2_T_DH, IKE2_DH_MODP2048, 0}}};
	assert_int_equal(profile_policy_command(&p, "Work VPN", out, sizeof out), 0);
	assert_string_equal(out, "Set-VpnConnectionIPsecConfiguration -ConnectionName 'Work VPN' -EncryptionMethod AES256 "
				 "-IntegrityCheckMethod SHA256 -DHGroup Group14 -CipherTransformConstants AES256 "
				 "-AuthenticationTransformConstants SHA256128 -PfsGroup None -Force");
	assert_int_equal(profile_policy_command(&p, "Bob's", out, sizeof out), 0);
	assert_non_null(strstr(out, "'Bob''s'"));
	assert_int_equal(profile_policy_command(&p, NULL, out, sizeof out), 0);
	assert_non_null(strstr(out, "'<VPN name>'"));
	assert_int_equal(profile_policy_command(&p, NULL, out, 20), -1);

	p.t[2].id = IKE2_PRF_HMAC_SHA1; /* integrity SHA256 with PRF SHA1: not expressible */
	assert_int_equal(profile_policy_command(&p, NULL, out, sizeof out), -1);
	assert_non_null(strstr(out, "one hash"));
	p.t[2].id = IKE2_PRF_HMAC_SHA2_256;
	p.t[3].id = IKE2_DH_ECP521;
	assert_int_equal(profile_policy_command(&p, NULL, out, sizeof out), -1);
	assert_non_null(strstr(out, "ECP_521"));

	struct ike2_proposal g = {.ntransforms = 3,
				  .t = {{IKE2_T_ENCR, IKE2_ENCR_AES_GCM_16, 256},
					{IKE2_T_PRF, IKE2_PRF_HMAC_SHA2_384, 0},
					{IKE2_T_DH, IKE2_DH_ECP384, 0}}};
	assert_int_equal(profile_policy_command(&g, "v", out, sizeof out), 0);
	assert_non_null(strstr(out, "-EncryptionMethod GCMAES256 -IntegrityCheckMethod SHA384 -DHGroup ECP384"));
	assert_non_null(strstr(out, "-AuthenticationTransformConstants GCMAES256"));
	g.t[0].id = 28; /* CHACHA20 */
	assert_int_equal(profile_policy_command(&g, "v", out, sizeof out), -1);

	/* each alternative set's typical command is what profile_policy_command gives for its first
	 * proposal (keeps data and code in step) */
	char err[200];
	assert_int_equal(profile_load_builtin("windows-ikev2", &prof, err, sizeof err), 0);
	for (size_t i = 1; i < prof.nsets; i++) {
		const struct profile_set *s = &prof.sets[i];
		if (strncmp(s->fix_command, "Set-VpnConnectionIPsecConfiguration", 35) != 0)
			continue;
		int found = 0;
		for (size_t j = 0; j < s->nproposals; j++)
			if (profile_policy_command(&s->proposals[j], NULL, out, sizeof out) == 0 &&
			    strcmp(out, s->fix_command) == 0)
				found = 1;
		if (!found)
			fail_msg("set %s: fix-command matches none of its proposals", s->name);
	}
}


/* ---- the table: every key of the format has one row, and each row lands in its field ---- */

static void test_every_key(void **state)
{
	(void)state;
	char err[256];
	static const char all[] = "format: 1\n"
				  "name: every-key\n"
				  "title: every key once\n"
				  "ike-version: 2\n"
				  "nonce-length: 40\n"
				  "nonce-basis: observed\n"
				  "notify: NAT_DETECTION_SOURCE_IP\n"
				  "vid: 0102 a vid\n"
				  "retransmit-ms: 700 1400\n"
				  "retransmit-basis: vendor\n"
				  "auth-id: address\n"
				  "auth-certreq: no\n"
				  "auth-certreq-hashes: 7\n"
				  "auth-certreq-basis: documented\n"
				  "auth-fragment-size: 1280\n"
				  "auth-fragment-basis: observed\n"
				  "auth-basis: vendor\n"
				  "auth-notify: MOBIKE_SUPPORTED\n"
				  "auth-cp: 1, 3\n"
				  "auth-ts: ipv6-any\n"
				  "child-proposal: encr=aes-cbc-128 integ=hmac-sha1-96 esn=noesn\n"
				  "set: only\n"
				  "title: the set\n"
				  "basis: documented\n"
				  "fix: do this\n"
				  "fix-command: cmd /c this\n"
				  "ke-group: ecp256\n"
				  "proposal: encr=aes-cbc-128 integ=hmac-sha2-256-128 prf=hmac-sha2-256 dh=ecp256\n";
	assert_int_equal(parse_str(all, err, sizeof err), 0);
	assert_string_equal(prof.name, "every-key");
	assert_string_equal(prof.title, "every key once");
	assert_int_equal(prof.ike_version, 2);
	assert_int_equal(prof.nonce_len, 40);
	assert_int_equal(prof.nonce_basis, KB_OBSERVED);
	assert_int_equal(prof.nnotifies, 1);
	assert_false(prof.natd);
	assert_int_equal(prof.nvids, 1);
	assert_string_equal(prof.vids[0].name, "a vid");
	assert_int_equal(prof.nretransmit, 2);
	assert_int_equal(prof.retransmit_ms[1], 1400);
	assert_int_equal(prof.retransmit_basis, KB_VENDOR);
	assert_true(prof.auth_id_address);
	assert_false(prof.auth_certreq);
	assert_int_equal(prof.auth_certreq_hashes, 7);
	assert_int_equal(prof.auth_certreq_basis, KB_DOCUMENTED);
	assert_int_equal(prof.auth_fragment_size, 1280);
	assert_int_equal(prof.auth_fragment_basis, KB_OBSERVED);
	assert_int_equal(prof.auth_basis, KB_VENDOR);
	assert_int_equal(prof.nauth_notifies, 1);
	assert_int_equal(prof.nauth_cp, 2);
	assert_int_equal(prof.auth_cp[1], 3);
	assert_int_equal(prof.nauth_ts, 1);
	assert_int_equal(prof.auth_ts[0], 6);
	assert_int_equal(prof.nchild, 1);
	assert_int_equal(prof.child[0].protocol, 3);
	assert_int_equal(prof.child[0].spi_size, 4);
	const struct profile_set *s = &prof.sets[0];
	assert_string_equal(s->title, "the set");
	assert_int_equal(s->basis, KB_DOCUMENTED);
	assert_string_equal(s->fix, "do this");
	assert_string_equal(s->fix_command, "cmd /c this");
	assert_int_equal(s->ke_group, IKE2_DH_ECP256);
	assert_int_equal(s->nproposals, 1);

	/* numbers at and past their bounds, and the reasons the rows give */
	static const struct {
		const char *line, *expect; /* expect NULL: accepted */
	} edge[] = {
		{"ike-version: 1\n", NULL},         {"ike-version: 3\n", "ike-version must be 1 or 2"},
		{"nonce-length: 256\n", NULL},      {"nonce-length: 257\n", "nonce-length must be 16..256"},
		{"nonce-length: 15\n", "nonce-length"},
		{"auth-certreq-hashes: 100\n", NULL}, {"auth-certreq-hashes: 101\n", "auth-certreq-hashes must be 0..100"},
		{"auth-fragment-size: 0\n", NULL},  {"auth-fragment-size: 575\n", "auth-fragment-size"},
		{"nonce-basis: rumour\n", "basis must be"}, {"auth-certreq: maybe\n", "yes or no"},
		{"auth-id: fqdn\n", "auth-id"},     {"auth-ts: any\n", "auth-ts"},
		{"auth-notify: 16383\n", "unknown status notify"}, {"auth-cp: 0\n", "CP attribute"},
		{"format: 1\n", NULL},              {"name: second\n", "second name"},
	};
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "format: 1\nname: e\n%s", edge[i].line);
		err[0] = '\0';
		parse_str(text, err, sizeof err);
		if (!edge[i].expect && strstr(err, "line 3"))
			fail_msg("case %zu (%s) rejected: %s", i, edge[i].line, err);
		if (edge[i].expect && (!strstr(err, "line 3") || !strstr(err, edge[i].expect)))
			fail_msg("case %zu (%s): \"%s\" lacks line 3 / \"%s\"", i, edge[i].line, err, edge[i].expect);
	}
	/* a set key before any set is unknown; a set-only key after the globals is fine */
	assert_int_equal(parse_str("format: 1\nproposal: encr=3des\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown key \"proposal\""));
	assert_int_equal(parse_str("format: 1\nname: x\nnonce-length: 32\nretransmit-ms: 1\nset: a\nfix: x\nfix: y\ntitle: t\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "has no ke-group")); /* every line accepted; the set is incomplete */
}

/* ---- whole clients: the index and --profile ---- */

static struct profile_choice choice;
static struct profile before;

static void test_index(void **state)
{
	(void)state;
	char err[256];
	struct profile_index *idx = calloc(1, sizeof *idx);
	assert_non_null(idx);
	assert_int_equal(profile_index_builtin(idx, err, sizeof err), 0);
	assert_true(idx->n >= 1);
	assert_string_equal(idx->c[0].name, "windows-10");
	/* every built-in profile's parts exist and are of their family */
	for (size_t i = 0; i < idx->n; i++) {
		assert_true(idx->c[i].title[0] != '\0');
		assert_int_equal(profile_load_builtin(idx->c[i].ikev2, &prof, err, sizeof err), 0);
		assert_int_equal(prof.ike_version, 2);
		assert_int_equal(profile_load_builtin(idx->c[i].l2tp, &prof, err, sizeof err), 0);
		assert_int_equal(prof.ike_version, 1);
	}
	assert_ptr_equal(profile_index_find(idx, "windows-10"), &idx->c[0]);
	assert_null(profile_index_find(idx, "windows-ikev2")); /* a part, not a profile */
	assert_null(profile_index_find(idx, "nope"));

	static const char two[] = "format: 1\nname: index\n"
				  "profile: a\ntitle: A\nalias: a2\nalias: a3\nikev2: x\nl2tp: y\n"
				  "profile: b\nikev2: x\nl2tp: y\n";
	assert_int_equal(profile_index_parse("i", (const uint8_t *)two, strlen(two), idx, err, sizeof err), 0);
	assert_int_equal(idx->n, 2);
	assert_int_equal(idx->c[0].naliases, 2);
	assert_ptr_equal(profile_index_find(idx, "a3"), &idx->c[0]);
	assert_ptr_equal(profile_index_find(idx, "b"), &idx->c[1]);
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{"profile: a\nikev2: x\nl2tp: y\n", "format"},
		{"format: 1\n", "no profile"},
		{"format: 1\nprofile: a\nikev2: x\n", "needs ikev2: and l2tp:"},
		{"format: 1\nprofile: a\nikev2: x\nprofile: b\n", "needs ikev2: and l2tp:"},
		{"format: 1\nprofile: a\nikev2: x\nl2tp: y\nprofile: a\n", "second profile"},
		{"format: 1\nprofile: a\nalias: a\n", "second profile"},
		{"format: 1\nprofile: A B\n", "bad profile name"},
		{"format: 1\nprofile: a\nikev2: ../x\n", "bad profile file name"},
		{"format: 1\nprofile: a\nnonce-length: 48\n", "unknown key"},
		{"format: 1\nbogus: 1\n", "unknown key"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (profile_index_parse("i", (const uint8_t *)bad[i].text, strlen(bad[i].text), idx, err, sizeof err) != -1)
			fail_msg("case %zu parsed", i);
		if (!strstr(err, bad[i].expect))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].expect);
	}
	free(idx);
}

/* With no --profile, the probes get exactly the files they loaded by name before profiles were
 * selectable: windows-ikev2 and windows-l2tp, byte for byte. */
static void test_choose_default(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(profile_choose(NULL, 0, &choice, err, sizeof err), 0);
	assert_string_equal(choice.label, "windows-10");
	assert_int_equal(profile_load_builtin("windows-ikev2", &before, err, sizeof err), 0);
	assert_memory_equal(&choice.ikev2, &before, sizeof before);
	assert_int_equal(profile_choice_part(&choice, 2, &prof, err, sizeof err), 0);
	assert_memory_equal(&prof, &before, sizeof before);
	assert_int_equal(profile_choice_part(NULL, 2, &prof, err, sizeof err), 0); /* in-process runs */
	assert_memory_equal(&prof, &before, sizeof before);
	assert_int_equal(profile_load_builtin("windows-l2tp", &before, err, sizeof err), 0);
	assert_memory_equal(&choice.l2tp, &before, sizeof before);
	assert_int_equal(profile_choice_part(&choice, 1, &prof, err, sizeof err), 0);
	assert_memory_equal(&prof, &before, sizeof before);
	assert_int_equal(profile_choice_part(NULL, 1, &prof, err, sizeof err), 0);
	assert_memory_equal(&prof, &before, sizeof before);
	assert_string_equal(profile_choice_label(NULL), "windows-10");
	assert_string_equal(profile_choice_label(&choice), "windows-10");
	assert_int_equal(profile_choice_part(&choice, 3, &prof, err, sizeof err), -1);

	const char *byname[] = {"windows-10"};
	assert_int_equal(profile_choose(byname, 1, &choice, err, sizeof err), 0);
	assert_string_equal(choice.label, "windows-10");
	assert_memory_equal(&choice.l2tp, &before, sizeof before);
}

static char *write_tmp(const char *text, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/vpndiag-prof-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_choose_path(void **state)
{
	(void)state;
	char err[300];
	/* the shipped example: a Set-VpnConnectionIPsecConfiguration policy replaces the IKEv2 part */
	const char *ex[] = {VPNDIAG_SRCDIR "/data/profiles/examples/custom-policy-ikev2.txt"};
	assert_int_equal(profile_choose(ex, 1, &choice, err, sizeof err), 0);
	assert_string_equal(choice.label, "windows-10+custom-policy-ikev2");
	assert_int_equal(choice.ikev2.nsets, 1);
	assert_int_equal(choice.ikev2.sets[0].nproposals, 1);
	char ps[200];
	ike2_proposal_str(&choice.ikev2.sets[0].proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	/* the set's command is what Windows needs for that proposal */
	char cmd[512];
	assert_int_equal(profile_policy_command(&choice.ikev2.sets[0].proposals[0], NULL, cmd, sizeof cmd), 0);
	assert_string_equal(cmd, "Set-VpnConnectionIPsecConfiguration -ConnectionName '<VPN name>' -EncryptionMethod AES256 "
				 "-IntegrityCheckMethod SHA256 -DHGroup Group14 -CipherTransformConstants AES256 "
				 "-AuthenticationTransformConstants SHA256128 -PfsGroup None -Force");
	assert_int_equal(profile_load_builtin("windows-l2tp", &before, err, sizeof err), 0);
	assert_memory_equal(&choice.l2tp, &before, sizeof before); /* the other part stays */

	/* an IKEv1 file replaces the L2TP part; both files replace both; with a name, in any order */
	const char *l2 = "format: 1\nname: my-l2tp\nike-version: 1\nnonce-length: 20\nretransmit-ms: 500\n"
			 "set: default\ntransform: enc=aes-cbc-256 hash=sha2-256 group=modp2048\n";
	char l2path[64];
	snprintf(l2path, sizeof l2path, "%s", write_tmp(l2, strlen(l2)));
	const char *both[] = {l2path, "windows-10", ex[0]};
	assert_int_equal(profile_choose(both, 3, &choice, err, sizeof err), 0);
	assert_string_equal(choice.label, "windows-10+custom-policy-ikev2+my-l2tp");
	assert_string_equal(choice.l2tp.name, "my-l2tp");
	assert_int_equal(choice.l2tp.sets[0].transforms1[0].hash, 4);
	assert_int_equal(choice.ikev2.sets[0].nproposals, 1);
	const char *only_l2[] = {l2path};
	assert_int_equal(profile_choose(only_l2, 1, &choice, err, sizeof err), 0);
	assert_string_equal(choice.label, "windows-10+my-l2tp");
	assert_int_equal(profile_load_builtin("windows-ikev2", &before, err, sizeof err), 0);
	assert_memory_equal(&choice.ikev2, &before, sizeof before);

	/* errors: one line, naming what is wrong */
	const char *unknown[] = {"windows-95"};
	assert_int_equal(profile_choose(unknown, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "windows-95: no built-in profile of that name"));
	const char *two_names[] = {"windows-10", "windows-10"};
	assert_int_equal(profile_choose(two_names, 2, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "second built-in profile"));
	const char *two_l2[] = {l2path, l2path};
	assert_int_equal(profile_choose(two_l2, 2, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "a second IKEv1 (L2TP/IPsec) profile file"));
	const char *missing[] = {"./no-such-profile.txt"};
	assert_int_equal(profile_choose(missing, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open ./no-such-profile.txt"));
	unlink(l2path);
	const char *bad = "format: 1\nname: bad\nnonce-length: 48\nretransmit-ms: 1000\nset: a\nke-group: 2\n"
			  "proposal: encr=rot13 dh=2\n";
	char badpath[64];
	snprintf(badpath, sizeof badpath, "%s", write_tmp(bad, strlen(bad)));
	const char *badv[] = {badpath};
	assert_int_equal(profile_choose(badv, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, badpath));
	assert_non_null(strstr(err, "line 7: unknown encr transform \"rot13\""));
	assert_null(strchr(err, '\n'));
	unlink(badpath);
}

/* Hostile files: huge, binary, a FIFO nobody writes to, a directory, a device. Each is a one-line
 * error, within the bounded reader's limits. */
static void test_choose_hostile(void **state)
{
	(void)state;
	char err[300], path[64];
	size_t big = PROFILE_MAX_FILE + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '#', big);
	snprintf(path, sizeof path, "%s", write_tmp(huge, big));
	free(huge);
	const char *a[] = {path};
	assert_int_equal(profile_choose(a, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	unlink(path);

	const uint8_t bin[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, '\n', 0xff, 0xfe};
	snprintf(path, sizeof path, "%s", write_tmp((const char *)bin, sizeof bin));
	assert_int_equal(profile_choose(a, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "control character"));
	assert_null(strchr(err, '\n'));
	unlink(path);

	char dir[] = "/tmp/vpndiag-profdir-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char fifo[128];
	snprintf(fifo, sizeof fifo, "%s/profile.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	const char *f[] = {fifo};
	time_t t0 = time(NULL);
	assert_int_equal(profile_choose(f, 1, &choice, err, sizeof err), -1);
	assert_true(time(NULL) - t0 <= 4); /* FILE_DATA_TIMEOUT_MS, not a hang */
	assert_non_null(strstr(err, "no end of data"));
	unlink(fifo);
	const char *d[] = {dir};
	assert_int_equal(profile_choose(d, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a file"));
	rmdir(dir);
	const char *z[] = {"/dev/zero"};
	assert_int_equal(profile_choose(z, 1, &choice, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_windows), cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_errors),    cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_vid_names),       cmocka_unit_test(test_policy_command),
		cmocka_unit_test(test_every_key),       cmocka_unit_test(test_index),
		cmocka_unit_test(test_choose_default),  cmocka_unit_test(test_choose_path),
		cmocka_unit_test(test_choose_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
