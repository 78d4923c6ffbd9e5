/* `vpndiag probe --profile NAME|PATH` and `--list-profiles`, end to end: the real binary, its exit
 * codes, its one-line errors, its JSON and the packets it sends (to loopback only). */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "helpers.h"

#define EXAMPLE VPNDIAG_SRCDIR "/data/profiles/examples/custom-policy-ikev2.txt"

static struct th_run r;
#define vd(...) th_vdl(&r, __VA_ARGS__)

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* stderr is exactly one line, with want in it */
static void one_line_error(const char *want)
{
	if (count_lines(r.err) != 1 || !strstr(r.err, want))
		fail_msg("stderr is not one line with \"%s\": %s", want, r.err);
	assert_string_equal(r.out, "");
}

static void list_profiles(void **state)
{
	(void)state;
	assert_int_equal(vd("probe", "--list-profiles", NULL), 0);
	assert_string_equal(r.err, "");
	assert_int_equal(count_lines(r.out), 1); /* one built-in profile today: one line */
	assert_true(strncmp(r.out, "windows-10 ", 11) == 0);
	assert_non_null(strstr(r.out, "IKEv2 (windows-ikev2), L2TP/IPsec (windows-l2tp)"));
	assert_non_null(strstr(r.out, "Windows 10 built-in VPN client"));
	assert_non_null(strstr(r.out, "[default]"));
	/* no host needed; other options do not matter */
	assert_int_equal(vd("probe", "--json", "--list-profiles", NULL), 0);
	assert_int_equal(count_lines(r.out), 1);
	assert_int_equal(vd("probe", "--help", NULL), 0);
	assert_non_null(strstr(r.out, "--profile NAME|PATH"));
	assert_non_null(strstr(r.out, "--list-profiles"));
}

/* The profile the JSON names, and the first IKE_SA_INIT line of the --verbose packet log. */
static void probe_json(const char *profile, char *label, size_t labellen)
{
	if (profile)
		vd("probe", "--json", "--timeout", "0.5", "--protocols", "ikev2", "--profile", profile, "127.0.0.1", NULL);
	else
		vd("probe", "--json", "--timeout", "0.5", "--protocols", "ikev2", "127.0.0.1", NULL);
	struct json_object *root = json_tokener_parse(r.out), *p;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "profile", &p));
	snprintf(label, labellen, "%s", json_object_get_string(p));
	json_object_put(root);
}

static void select_by_name_and_path(void **state)
{
	(void)state;
	char label[200];
	/* the default: named windows-10, and the IKE_SA_INIT it sends is the one before profiles were
	 * selectable (12 proposals, MODP1024 KE, 48-byte nonce, 3 notifies, 4 VIDs, 888 bytes) */
	probe_json(NULL, label, sizeof label);
	assert_string_equal(label, "windows-10");
	probe_json("windows-10", label, sizeof label);
	assert_string_equal(label, "windows-10");
	vd("probe", "--verbose", "--timeout", "0.5", "--protocols", "ikev2", "127.0.0.1", NULL);
	assert_non_null(strstr(r.err, "[default] 12 proposals KE(MODP_1024) Ni(48) N(NAT_DETECTION_SOURCE_IP) "
				      "N(NAT_DETECTION_DESTINATION_IP) N(IKEV2_FRAGMENTATION_SUPPORTED) 4 VIDs, 888 bytes"));
	vd("probe", "--verbose", "--timeout", "0.5", "--protocols", "l2tp", "127.0.0.1", NULL);
	assert_non_null(strstr(r.err, "MM1 set default, 408 bytes")); /* windows-l2tp: 5 transforms, 8 VIDs */

	/* a path: the example custom policy replaces the IKEv2 part, and only that */
	probe_json(EXAMPLE, label, sizeof label);
	assert_string_equal(label, "windows-10+custom-policy-ikev2");
	vd("probe", "--verbose", "--timeout", "0.5", "--protocols", "ikev2", "--profile", EXAMPLE, "127.0.0.1", NULL);
	assert_non_null(strstr(r.err, "[default] 1 proposal KE(MODP_2048) Ni(48)"));
	assert_null(strstr(r.err, "12 proposals"));
	vd("probe", "--verbose", "--timeout", "0.5", "--protocols", "l2tp", "--profile", EXAMPLE, "127.0.0.1", NULL);
	assert_non_null(strstr(r.err, "MM1 set default, 408 bytes"));
}

static void bad_profiles(void **state)
{
	(void)state;
	assert_int_equal(vd("probe", "--profile", "windows-95", "127.0.0.1", NULL), 2);
	one_line_error("windows-95: no built-in profile of that name");
	assert_int_equal(vd("probe", "--monitoring", "--profile", "windows-95", "127.0.0.1", NULL), 3);
	assert_int_equal(vd("probe", "--profile", "./missing.txt", "127.0.0.1", NULL), 2);
	one_line_error("cannot open ./missing.txt");
	assert_int_equal(vd("probe", "--profile", "windows-10", "--profile", "windows-10", "127.0.0.1", NULL), 2);
	one_line_error("a second built-in profile");
	assert_int_equal(vd("probe", "--profile", EXAMPLE, "--profile", EXAMPLE, "127.0.0.1", NULL), 2);
	one_line_error("a second IKEv2 profile file");
	assert_int_equal(vd("probe", "--profile", "a", "--profile", "b", "--profile", "c", "--profile", "d",
			    "127.0.0.1", NULL),
			 2);
	one_line_error("at most one built-in name");

	char dir[] = "/tmp/vpndiag-profcli-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	/* invalid content: the line and the reason */
	snprintf(path, sizeof path, "%s/bad.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("format: 1\nname: bad\nnonce-length: 48\nretransmit-ms: 1000\nset: a\nke-group: 2\nproposal: encr=rot13 dh=2\n", f);
	fclose(f);
	assert_int_equal(vd("probe", "--profile", path, "127.0.0.1", NULL), 2);
	one_line_error("bad.txt line 7: unknown encr transform \"rot13\"");
	/* binary */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("\x7f" "ELF\x02\x01\x01\n\xff\xfe", 1, 10, f);
	fclose(f);
	assert_int_equal(vd("probe", "--profile", path, "127.0.0.1", NULL), 2);
	one_line_error("control character");
	/* huge */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 70000; i++)
		fputc('#', f);
	fclose(f);
	assert_int_equal(vd("probe", "--profile", path, "127.0.0.1", NULL), 2);
	one_line_error("larger than");
	unlink(path);
	/* a FIFO nobody writes to: an error within the bounded reader's wait, not a hang */
	snprintf(path, sizeof path, "%s/p.fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	time_t t0 = time(NULL);
	assert_int_equal(vd("probe", "--timeout", "5", "--profile", path, "127.0.0.1", NULL), 2);
	assert_true(time(NULL) - t0 <= 4);
	one_line_error("no end of data");
	unlink(path);
	/* a directory, a device */
	assert_int_equal(vd("probe", "--profile", dir, "127.0.0.1", NULL), 2);
	one_line_error("not a file");
	rmdir(dir);
	assert_int_equal(vd("probe", "--profile", "/dev/zero", "127.0.0.1", NULL), 2);
	one_line_error("not a file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_profiles),
		cmocka_unit_test(select_by_name_and_path),
		cmocka_unit_test(bad_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
