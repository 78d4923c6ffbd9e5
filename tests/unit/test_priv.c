/* Dropping privileges (net/priv.h, issue 11 item 4): the /proc/self/status parser on a real
 * vector; priv_drop in a forked child (it cannot be undone in the test process); and, when the
 * test runs as root, `vpndiag probe` itself: it must end as uid nobody with no capability in any
 * set and no_new_privs, which its privileges-dropped observation states from /proc/self/status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "util/fmt.h"

#include "net/priv.h"

/* /proc/self/status of a root shell in a container on this project's CI machine (trimmed). */
static const char STATUS_ROOT[] = "Name:\tgrep\nUmask:\t0022\nState:\tR (running)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
				  "Groups:\t \nThreads:\t1\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\n"
				  "CapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\n"
				  "NoNewPrivs:\t0\nSeccomp:\t0\n";

static void test_status_parse(void **state)
{
	(void)state;
	struct priv_status s;
	assert_int_equal(priv_status_parse(STATUS_ROOT, strlen(STATUS_ROOT), &s), 0);
	assert_int_equal(s.uid[0], 0);
	assert_int_equal(s.cap_eff, 0x000001fffeffffffull);
	assert_int_equal(s.cap_prm, 0x000001fffeffffffull);
	assert_int_equal(s.cap_bnd, 0x000001fffeffffffull);
	assert_int_equal(s.cap_amb, 0);
	assert_int_equal(s.no_new_privs, 0);
	assert_true(s.have_nnp);
	assert_int_equal(s.threads, 1);
	static const char nobody[] = "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
				     "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nNoNewPrivs:\t1";
	assert_int_equal(priv_status_parse(nobody, strlen(nobody), &s), 0);
	assert_int_equal(s.uid[1], 65534);
	assert_int_equal(s.gid[2], 65534);
	assert_int_equal(s.cap_eff, 0);
	assert_int_equal(s.no_new_privs, 1); /* the last line has no newline */
	/* Missing or malformed lines: not parsed. */
	assert_int_equal(priv_status_parse("Uid:\t0\t0\n", 8, &s), -1);
	assert_int_equal(priv_status_parse("CapEff:\tzz\nUid:\t1\t1\t1\t1\n", 25, &s), -1);
	assert_int_equal(priv_status_parse("", 0, &s), -1);
}

/* Runs priv_drop(user) in a child; the child checks the kernel's view and exits 0 when all of it
 * holds, or 10 + the failed check. */
static int drop_in_child(const char *user, char *err, size_t errlen)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		struct priv_report rep;
		char e[240] = "";
		bool root = geteuid() == 0;
		if (priv_drop(user, &rep, e, sizeof e) != 0) {
			(void)!write(pfd[1], e, strlen(e));
			_exit(1);
		}
		struct priv_status st;
		if (priv_status_read(&st) != 0)
			_exit(10);
		if (st.cap_eff || st.cap_prm || st.cap_inh || st.cap_amb)
			_exit(11);
		if (st.no_new_privs != 1)
			_exit(12);
		if (root && (st.uid[0] == 0 || st.uid[1] == 0 || st.uid[2] == 0 || st.gid[1] == 0))
			_exit(13);
		if (root && (setuid(0) == 0 || seteuid(0) == 0))
			_exit(14);
		int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd >= 0)
			_exit(15);
		if (root && rep.uid_after != st.uid[1])
			_exit(16);
		_exit(0);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], err, errlen - 1);
	err[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	int ws = 0;
	waitpid(pid, &ws, 0);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 100;
}

static void test_drop_in_child(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(drop_in_child(NULL, err, sizeof err), 0);
	if (geteuid() != 0)
		return;
	/* As root: a user that does not exist, and root itself, are clear errors. */
	assert_int_equal(drop_in_child("no-such-user-vpndiag", err, sizeof err), 1);
	assert_non_null(strstr(err, "no user 'no-such-user-vpndiag'"));
	assert_int_equal(drop_in_child("root", err, sizeof err), 1);
	assert_non_null(strstr(err, "uid or gid 0"));
}

/* Runs the binary; returns its exit status, its stdout then its stderr in out. */
static int run_vpndiag(const char *const argv[], char *out, size_t outlen)
{
	static struct th_run run;
	int rc = th_vd(&run, argv + 1);
	fmt_into(out, outlen, "%s%s", run.out, run.err);
	return rc;
}

static void test_probe_as_root(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct passwd *pw = getpwnam("nobody");
	if (!pw)
		skip();
	static char out[65536];
	/* PPTP to loopback (TCP 1723 refused at once): the raw GRE socket is opened, then everything goes. */
	const char *const argv[] = {VPNDIAG_BIN, "probe", "--json", "--protocols", "pptp", "--timeout", "2", "127.0.0.1", NULL};
	int rc = run_vpndiag(argv, out, sizeof out);
	assert_true(rc == 0 || rc == 1 || rc == 3);
	const char *o = strstr(out, "\"privileges-dropped\"");
	assert_non_null(o);
	char want[200];
	snprintf(want, sizeof want, "Uid %u CapEff 0000000000000000 CapPrm 0000000000000000 CapInh 0000000000000000 CapAmb 0000000000000000",
		 (unsigned)pw->pw_uid);
	assert_non_null(strstr(o, want));
	assert_non_null(strstr(o, "NoNewPrivs 1"));
	assert_non_null(strstr(o, "-> nobody"));
	/* --run-as root cannot be a drop: a clear error, exit 4, nothing probed. */
	const char *const bad[] = {VPNDIAG_BIN, "probe", "--run-as", "root", "--protocols", "pptp", "--timeout", "2", "127.0.0.1", NULL};
	rc = run_vpndiag(bad, out, sizeof out);
	assert_int_equal(rc, 4);
	assert_non_null(strstr(out, "could not drop privileges"));
	const char *const nouser[] = {VPNDIAG_BIN, "probe", "--run-as", "no-such-user-vpndiag", "--timeout", "2", "127.0.0.1", NULL};
	rc = run_vpndiag(nouser, out, sizeof out);
	assert_int_equal(rc, 4);
	assert_non_null(strstr(out, "no user 'no-such-user-vpndiag'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_drop_in_child),
		cmocka_unit_test(test_probe_as_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
