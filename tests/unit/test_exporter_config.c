/* `vpndiag exporter`: the YAML module config (exporter/exporter_config.c) with real files (the
 * shipped example, blackbox_exporter-shaped configs) and every error a user can make, each one line
 * naming the line; the --allow rules; and the command's start-up errors and exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/wait.h>

#include "exporter/exporter_config.h"
#include "net/priv.h"
#include "helpers.h"
#include "proto/proto.h"
#include "util/exit.h"
#include "util/file.h"

static struct exporter_config C;

static int parse(const char *yaml, char *err, size_t errlen)
{
	return exporter_config_parse((const uint8_t *)yaml, strlen(yaml), &C, err, errlen);
}

/* The example shipped in contrib/ (and in the Debian package) parses as documented. */
static void test_example_file(void **state)
{
	(void)state;
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[400];
	assert_int_equal(file_read_bounded(VPNDIAG_SRCDIR "/contrib/exporter/vpndiag-exporter.yml", EXPORTER_CONFIG_MAX, 1000,
					   0, &buf, &len, err, sizeof err), 0);
	int rc = exporter_config_parse(buf, len, &C, err, sizeof err);
	free(buf);
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(C.n, 3);
	const struct exporter_module *d = exporter_config_find(&C, "default");
	assert_non_null(d);
	assert_int_equal(d->protocols, PROTO_ALL);
	assert_int_equal(d->timeout_ms, 10000);
	assert_int_equal(d->family, AF_UNSPEC);
	assert_int_equal(d->nprofiles, 0);
	assert_string_equal(d->psk_file, "");
	const struct exporter_module *k = exporter_config_find(&C, "ikev2");
	assert_non_null(k);
	assert_int_equal(k->protocols, PROTO_B_IKEV2);
	assert_int_equal(k->timeout_ms, 6000);
	const struct exporter_module *v6 = exporter_config_find(&C, "ipv6");
	assert_non_null(v6);
	assert_int_equal(v6->protocols, PROTO_B_IKEV2 | PROTO_B_SSTP); /* "ikev2, sstp" as one scalar */
	assert_int_equal(v6->family, AF_INET6);
	assert_null(exporter_config_find(&C, "corp")); /* commented out */
}

/* Every setting, in block and flow style, as blackbox_exporter users write them. */
static void test_all_settings(void **state)
{
	(void)state;
	char err[400];
	const char *y = "# comment\n"
			"modules:\n"
			"  corp:\n"
			"    protocols:\n"
			"      - ikev2\n"
			"      - l2tp\n"
			"    timeout: 500ms\n"
			"    profile: [windows-10, \"./my policy.txt\"]\n"
			"    ca_file: '/etc/vpndiag/corp root.pem'\n"
			"    psk_file: /etc/vpndiag/l2tp.psk\n"
			"    ip_protocol: ip4\n"
			"  quick: {protocols: [all], timeout: 2.5}\n"
			"  empty:\n"
			"  braces: {}\n";
	if (parse(y, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(C.n, 4);
	const struct exporter_module *m = exporter_config_find(&C, "corp");
	assert_non_null(m);
	assert_int_equal(m->protocols, PROTO_B_IKEV2 | PROTO_B_L2TP);
	assert_int_equal(m->timeout_ms, 500);
	assert_int_equal(m->nprofiles, 2);
	assert_string_equal(m->profiles[0], "windows-10");
	assert_string_equal(m->profiles[1], "./my policy.txt");
	assert_string_equal(m->ca_file, "/etc/vpndiag/corp root.pem");
	assert_string_equal(m->psk_file, "/etc/vpndiag/l2tp.psk");
	assert_int_equal(m->family, AF_INET);
	m = exporter_config_find(&C, "quick");
	assert_non_null(m);
	assert_int_equal(m->protocols, PROTO_ALL);
	assert_int_equal(m->timeout_ms, 2500);
	for (const char *name = "empty"; name; name = strcmp(name, "empty") == 0 ? "braces" : NULL) {
		m = exporter_config_find(&C, name);
		assert_non_null(m);
		assert_int_equal(m->protocols, PROTO_ALL);
		assert_int_equal(m->timeout_ms, EXPORTER_DEFAULT_TIMEOUT_MS);
	}
	assert_null(exporter_config_find(&C, "default")); /* the CLI adds it when absent */
	/* Windows line endings and an explicit document. */
	if (parse("---\r\nmodules:\r\n  default:\r\n    timeout: 7s\r\n...\r\n", err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(C.m[0].timeout_ms, 7000);
}

/* Each mistake: one line that names the line of the file and what is wrong. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *want;
	} v[] = {
		{"", "line 1: the config is empty"},
		{"# only a comment\n", "the config is empty"},
		{"other: 1\n", "line 1: unknown top-level key 'other'"},
		{"modulez:\n  default: {}\n", "line 1: unknown top-level key 'modulez'"},
		{"- modules\n", "line 1: the config must be a mapping"},
		{"modules:\n  default:\n    timout: 5\n", "line 3: unknown key 'timout' in module 'default'"},
		{"modules:\n  default:\n    psk: hunter2\n", "line 3: module 'default': secrets go in a file: use psk_file: PATH, not 'psk'"},
		{"modules:\n  default:\n    password: x\n", "line 3: module 'default': secrets go in a file"},
		{"modules:\n  default:\n    protocols: [ikev2, ikev3]\n", "line 3: unknown protocol 'ikev3'"},
		{"modules:\n  default:\n    protocols: []\n", "line 3: 'protocols' is empty"},
		{"modules:\n  default:\n    protocols: [[ikev2]]\n", "line 3: 'protocols' is a list of names"},
		{"modules:\n  default:\n    timeout: 0\n", "line 3: 'timeout' takes seconds, more than 0 and at most 300 (got '0')"},
		{"modules:\n  default:\n    timeout: 301\n", "line 3: 'timeout' takes seconds"},
		{"modules:\n  default:\n    timeout: -5\n", "line 3: 'timeout' takes seconds"},
		{"modules:\n  default:\n    timeout: 5m\n", "line 3: 'timeout' takes seconds"},
		{"modules:\n  default:\n    timeout: nan\n", "line 3: 'timeout' takes seconds"},
		{"modules:\n  default:\n    timeout: [5]\n", "line 3: 'timeout' takes seconds"},
		{"modules:\n  default:\n    ip_protocol: ip5\n", "line 3: 'ip_protocol' is ip4 or ip6 (got 'ip5')"},
		{"modules:\n  default:\n    ca_file:\n", "'ca_file' is empty"},
		{"modules:\n  default:\n    ca_file: [a, b]\n", "line 3: 'ca_file' takes a single value"},
		{"modules:\n  default:\n    profile: [a, b, c, d]\n", "line 3: 'profile': at most 3"},
		{"modules:\n  default:\n    timeout: 5\n    timeout: 6\n", "line 4: module 'default': 'timeout' given twice"},
		{"modules:\n  a: {}\n  a: {}\n", "line 3: module 'a' defined twice"},
		{"modules:\n  \"a b\": {}\n", "line 2: module names are letters, digits"},
		{"modules:\n  default: 5\n", "line 2: module 'default' must be a mapping of settings"},
		{"modules: [default]\n", "line 1: 'modules' must be a mapping"},
		{"modules:\n  a: &x {timeout: 3}\n  b: *x\n", "line 2: YAML anchors are not supported"},
		{"modules:\n  b: *x\n", "line 2: YAML aliases are not supported"},
		{"modules:\n\tdefault: {}\n", "not valid YAML"},
		{"modules: {}\n---\nmodules: {}\n", "line 2: one YAML document only"},
		{"modules:\n  default: {timeout: 3\n", "not valid YAML"},
		{"modules:\n  default:\n    \"bad\\nkey\": 1\n", "line 3: unknown key 'bad?key'"}, /* one line, always */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char err[400] = "";
		int rc = parse(v[i].yaml, err, sizeof err);
		if (rc == 0 || !strstr(err, v[i].want) || strchr(err, '\n'))
			fail_msg("case %zu: rc %d, error '%s', wanted '%s'", i, rc, err, v[i].want);
	}
	/* The size bound. */
	char err[200];
	static uint8_t big[EXPORTER_CONFIG_MAX + 1];
	memset(big, ' ', sizeof big);
	assert_int_equal(exporter_config_parse(big, sizeof big, &C, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than 64 KiB"));
}

/* More modules than the table holds is an error, not a silent cut. */
static void test_too_many_modules(void **state)
{
	(void)state;
	static char y[8192];
	size_t n = (size_t)snprintf(y, sizeof y, "modules:\n");
	for (int i = 0; i <= EXPORTER_MAX_MODULES; i++)
		n += (size_t)snprintf(y + n, sizeof y - n, "  m%d: {}\n", i);
	char err[300];
	assert_int_equal(parse(y, err, sizeof err), -1);
	assert_non_null(strstr(err, "line 34: more than 32 modules"));
}

static void test_allow(void **state)
{
	(void)state;
	static struct exporter_allow a;
	char err[300];
	memset(&a, 0, sizeof a);
	assert_false(exporter_allow_match(&a, "198.18.0.1")); /* empty: nothing */
	assert_int_equal(exporter_allow_add(&a, "198.18.0.0/15", err, sizeof err), 0);
	assert_int_equal(exporter_allow_add(&a, "2001:2::/48", err, sizeof err), 0);
	assert_int_equal(exporter_allow_add(&a, "VPN.Example.com.", err, sizeof err), 0);
	assert_int_equal(exporter_allow_add(&a, "*.lab.test", err, sizeof err), 0);
	assert_int_equal(exporter_allow_add(&a, "192.0.2.7", err, sizeof err), 0);
	assert_true(exporter_allow_match(&a, "198.18.0.1"));
	assert_true(exporter_allow_match(&a, "198.19.255.255"));
	assert_false(exporter_allow_match(&a, "198.20.0.1"));
	assert_false(exporter_allow_match(&a, "198.17.255.255"));
	assert_true(exporter_allow_match(&a, "192.0.2.7"));
	assert_false(exporter_allow_match(&a, "192.0.2.8"));
	assert_true(exporter_allow_match(&a, "2001:2:0:10::2"));
	assert_true(exporter_allow_match(&a, "[2001:2::1]"));
	assert_false(exporter_allow_match(&a, "2001:3::1"));
	assert_false(exporter_allow_match(&a, "::ffff:198.18.0.1")); /* a v4-mapped address is not the v4 rule */
	assert_true(exporter_allow_match(&a, "vpn.example.com"));
	assert_true(exporter_allow_match(&a, "VPN.EXAMPLE.COM."));
	assert_false(exporter_allow_match(&a, "evil-vpn.example.com"));
	assert_false(exporter_allow_match(&a, "vpn.example.com.evil.net"));
	assert_true(exporter_allow_match(&a, "vpn.lab.test"));
	assert_true(exporter_allow_match(&a, "a.b.lab.test"));
	assert_false(exporter_allow_match(&a, "lab.test")); /* the wildcard is below the name only */
	assert_false(exporter_allow_match(&a, "xlab.test"));
	assert_false(exporter_allow_match(&a, "localhost")); /* a name is never allowed by a CIDR */
	assert_false(exporter_allow_match(&a, "127.0.0.1"));
	assert_false(exporter_allow_match(&a, ""));
	/* /0 and "any" */
	memset(&a, 0, sizeof a);
	assert_int_equal(exporter_allow_add(&a, "0.0.0.0/0", err, sizeof err), 0);
	assert_true(exporter_allow_match(&a, "203.0.113.9"));
	assert_false(exporter_allow_match(&a, "2001:db8::1"));
	assert_int_equal(exporter_allow_add(&a, "any", err, sizeof err), 0);
	assert_true(exporter_allow_match(&a, "2001:db8::1"));
	/* Bad rules. */
	static const char *const bad[] = {"198.18.0.0/33", "2001:2::/129", "198.18.0.0/", "198.18.0.0/x", "host/24",
					   "a..b", "*", "*.", "exa*mple.com", "", "has space", NULL};
	for (size_t i = 0; bad[i]; i++) {
		memset(&a, 0, sizeof a);
		if (exporter_allow_add(&a, bad[i], err, sizeof err) == 0)
			fail_msg("--allow '%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "--allow"));
	}
}

/* The command: one-line start-up errors with the CLI's exit codes, never a server started. */
static void test_cli_errors(void **state)
{
	(void)state;
	static struct th_run r;
	char path[] = "/tmp/vpndiag-exporter-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *bad = "modules:\n  default:\n    protocols: [ikev2]\n    psk: inline\n";
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	assert_int_equal(th_vdl(&r, "exporter", "--config", path, NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "line 4: module 'default': secrets go in a file"));
	assert_non_null(strstr(r.err, path));
	assert_int_equal(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err)); /* one line */
	unlink(path);
	assert_int_equal(th_vdl(&r, "exporter", "--config", "/nonexistent/x.yml", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--config"));
	assert_int_equal(th_vdl(&r, "exporter", "--listen", "0.0.0.0:9515", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "needs --allow"));
	assert_int_equal(th_vdl(&r, "exporter", "--listen", "127.0.0.1", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--listen takes ADDR:PORT"));
	assert_int_equal(th_vdl(&r, "exporter", "--listen", "127.0.0.1:99999", NULL), VD_EXIT_USAGE);
	assert_int_equal(th_vdl(&r, "exporter", "--allow", "10.0.0.0/99", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "prefix length"));
	assert_int_equal(th_vdl(&r, "exporter", "--max-probes", "0", NULL), VD_EXIT_USAGE);
	assert_int_equal(th_vdl(&r, "exporter", "vpn.example.com", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "targets come with each request"));
	assert_int_equal(th_vdl(&r, "exporter", "--help", NULL), VD_EXIT_OK);
	assert_non_null(strstr(r.out, "/probe?target=HOST"));
	assert_non_null(strstr(r.out, "--allow"));
}

/* The exporter's privilege drop (net/priv.c priv_drop_keep): in a child started as root, everything
 * goes but CAP_NET_RAW, which still opens a raw GRE socket as nobody; no way back to root. */
static void test_priv_keep_net_raw(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct priv_report rep;
		struct priv_status st;
		char err[300];
		if (priv_drop_keep(NULL, 1ull << CAP_NET_RAW, &rep, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			_exit(10);
		}
		if (geteuid() == 0 || setuid(0) == 0)
			_exit(11);
		if (priv_status_read(&st) != 0 || st.cap_eff != 1ull << CAP_NET_RAW || st.cap_prm != 1ull << CAP_NET_RAW ||
		    st.cap_inh || st.cap_amb || st.no_new_privs != 1)
			_exit(12);
		int fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
		if (fd < 0)
			_exit(13);
		close(fd);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_all_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_priv_keep_net_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
