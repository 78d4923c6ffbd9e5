/* The CLI end to end: the real binary, its exit codes and its JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include <json-c/json.h>

static struct th_run r;
#define vd(...) th_vdl(&r, __VA_ARGS__)

/* Parses r.out as the explain JSON and returns the code of entries[i] (or -1). */
static long long json_entry_code(struct json_object **root, size_t i)
{
	*root = json_tokener_parse(r.out);
	assert_non_null(*root);
	struct json_object *q, *entries;
	assert_true(json_object_object_get_ex(*root, "query", &q));
	assert_true(json_object_object_get_ex(*root, "entries", &entries));
	assert_true(json_object_is_type(entries, json_type_array));
	if (json_object_array_length(entries) <= i)
		return -1;
	struct json_object *e = json_object_array_get_idx(entries, i), *code;
	assert_true(json_object_object_get_ex(e, "code", &code));
	return json_object_get_int64(code);
}

static void explain_forms(void **state)
{
	(void)state;
	struct json_object *root;
	assert_int_equal(vd("explain", "809", NULL), 0);
	assert_non_null(strstr(r.out, "ERROR_VPN_TIMEOUT"));
	assert_non_null(strstr(r.out, "AssumeUDPEncapsulationContextOnSendRule"));

	static const struct {
		const char *q;
		long long code;
	} forms[] = {
		{"809", 809},
		{"0x80092013", 0x80092013LL},
		{"80092013", 0x80092013LL},
		{"-2146885613", 0x80092013LL},
		{"ERROR_IPSEC_IKE_AUTH_FAIL", 13801},
		{"The user dialed a connection named X which has failed. The error code returned on failure is 789.", 789},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (vd("explain", "--json", forms[i].q, NULL) != 0)
			fail_msg("'%s' exited %d: %s", forms[i].q, r.status, r.err);
		long long code = json_entry_code(&root, 0);
		if (code != forms[i].code)
			fail_msg("'%s' gave %lld", forms[i].q, code);
		json_object_put(root);
	}

	/* Words: a ranked list, best first; unquoted words are joined. */
	assert_int_equal(vd("explain", "--json", "nat", "traversal", NULL), 0);
	int found = 0;
	for (size_t i = 0; i < 3; i++)
		found |= json_entry_code(&root, i) == 809, json_object_put(root);
	assert_true(found);
	assert_int_equal(vd("explain", "--json", "--limit", "5", "-2146885613", NULL), 0);
	assert_int_equal(json_entry_code(&root, 0), 0x80092013LL);
	json_object_put(root);
	assert_int_equal(vd("explain", "nat", "traversal", NULL), 0);
	assert_non_null(strstr(r.out, "809"));
}

static void json_shape(void **state)
{
	(void)state;
	struct json_object *root, *entries, *e, *v;
	assert_int_equal(vd("explain", "0x80092013", "--json", NULL), 0);
	root = json_tokener_parse(r.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "entries", &entries));
	e = json_object_array_get_idx(entries, 0);
	static const char *const keys[] = {"code", "hex", "symbol", "title", "quick_answer", "meaning", "causes",
					   "steps", "fixes", "tags", "related", "basis"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_object_object_get_ex(e, keys[i], &v))
			fail_msg("key '%s' missing", keys[i]);
	json_object_object_get_ex(e, "hex", &v);
	assert_string_equal(json_object_get_string(v), "0x80092013");
	json_object_object_get_ex(e, "code", &v);
	assert_int_equal(json_object_get_int64(v), 2148081683LL); /* unsigned 32-bit */
	json_object_object_get_ex(e, "event_log", &v);
	assert_int_equal(json_object_get_int64(v), -2146885613LL);
	json_object_object_get_ex(e, "causes", &v);
	struct json_object *c = json_object_array_get_idx(v, 0), *p;
	assert_true(json_object_object_get_ex(c, "text", &p));
	assert_true(json_object_object_get_ex(c, "protocols", &p));
	assert_true(json_object_is_type(p, json_type_array));
	assert_true(json_object_object_get_ex(c, "id", &p));
	json_object_object_get_ex(e, "fixes", &v);
	c = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(c, "text", &p));
	assert_true(json_object_object_get_ex(c, "command", &p));
	json_object_put(root);
}

static void list_and_help(void **state)
{
	(void)state;
	assert_int_equal(vd("explain", "--list", NULL), 0);
	size_t lines = 0;
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	assert_true(lines >= 80);
	assert_int_equal(vd("--help", NULL), 0);
	assert_non_null(strstr(r.out, "explain"));
	assert_int_equal(vd("help", "explain", NULL), 0);
	assert_non_null(strstr(r.out, "-2146885613"));
	assert_int_equal(vd("--version", NULL), 0);
	assert_non_null(strstr(r.out, "vpndiag "));
	assert_int_equal(vd("explain", "--help", NULL), 0);
}

static void errors_and_exit_codes(void **state)
{
	(void)state;
	/* Unknown code: exit 1, a clear message, the nearest known codes. */
	assert_int_equal(vd("explain", "808000", NULL), 1);
	assert_non_null(strstr(r.err, "not a known"));
	assert_non_null(strstr(r.err, "nearest known"));
	assert_int_equal(vd("explain", "--json", "12345", NULL), 1);
	struct json_object *root;
	assert_int_equal(json_entry_code(&root, 0), -1); /* {"query":..., "entries": []} */
	json_object_put(root);
	assert_int_equal(vd("explain", "zzqqxx", NULL), 1);
	/* Usage errors: exit 2, one line. */
	static const char *const bad[] = {"", "0x", "99999999999", "\xc3\x28"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (vd("explain", bad[i], NULL) != 2)
			fail_msg("'%s' exited %d", bad[i], r.status);
		assert_non_null(strchr(r.err, '\n'));
		assert_null(strchr(strchr(r.err, '\n') + 1, '\n'));
		assert_string_equal(r.out, "");
	}
	static char huge[10000];
	memset(huge, '7', sizeof huge - 1);
	assert_int_equal(vd("explain", huge, NULL), 2);
	assert_int_equal(vd("explain", NULL), 2);
	assert_int_equal(vd("explain", "--bogus", NULL), 2);
	assert_non_null(strstr(r.err, "--bogus"));
	assert_int_equal(vd("explain", "--data", NULL), 2);
	assert_int_equal(vd("explain", "--data", "/nonexistent", "809", NULL), 2);
	assert_int_equal(vd("explain", "--list", "809", NULL), 2);
	assert_int_equal(vd("nosuchcommand", NULL), 2);
	assert_int_equal(vd("help", "nosuchcommand", NULL), 2);
}

/* Issue 11: a FIFO nobody writes to hung --psk-file and --ca-file forever, outside --timeout;
 * devices had no size bound; a zone id naming no interface was accepted. Each is now a one-line
 * error, exit 2, within the timeout (the files are read before any packet is sent). */
static void hostile_inputs(void **state)
{
	(void)state;
	char dir[] = "/tmp/vpndiag-cli-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char fifo[64];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vd("probe", "--timeout", "1", "--psk-file", fifo, "127.0.0.1", NULL), 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec <= 2);
	assert_non_null(strstr(r.err, "within 1000 ms"));
	assert_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
	assert_int_equal(vd("probe", "--timeout", "1", "--ca-file", fifo, "127.0.0.1", NULL), 2);
	assert_non_null(strstr(r.err, "--ca-file"));
	assert_int_equal(vd("probe", "--timeout", "1", "--ca-file", "/dev/zero", "127.0.0.1", NULL), 2);
	assert_non_null(strstr(r.err, "character device"));
	assert_int_equal(vd("probe", "--timeout", "1", "--psk-file", "/dev/urandom", "127.0.0.1", NULL), 2);
	assert_int_equal(vd("probe", "--timeout", "1", "--ca-file", dir, "127.0.0.1", NULL), 2);
	assert_non_null(strstr(r.err, "directory"));
	assert_int_equal(vd("probe", "--timeout", "1", "fe80::1%999", NULL), 2);
	assert_non_null(strstr(r.err, "names no network interface"));
	assert_int_equal(vd("probe", "--monitoring", "--timeout", "1", "--psk-file", fifo, "127.0.0.1", NULL), 3);
	/* a FIFO in a --data folder: a clear error, not a hang */
	char errors[64], entry[80];
	snprintf(errors, sizeof errors, "%s/errors", dir);
	assert_int_equal(mkdir(errors, 0700), 0);
	snprintf(entry, sizeof entry, "%s/809.txt", errors);
	assert_int_equal(mkfifo(entry, 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_not_equal(vd("explain", "--data", dir, "809", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec <= 4);
	unlink(entry);
	rmdir(errors);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(explain_forms),
		cmocka_unit_test(json_shape),
		cmocka_unit_test(list_and_help),
		cmocka_unit_test(errors_and_exit_codes),
		cmocka_unit_test(hostile_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
