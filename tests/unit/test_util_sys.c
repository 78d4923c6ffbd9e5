/* The non-network platform layer (issue 14) on Linux: util/sys.h's sys_timegm against the C
 * library's timegm, and util/dirw.h, the output folder that the wiki and `probe --html` write
 * through (atomic replace, no temporary file left, symlinked subfolders refused). */
#include <errno.h>
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

#include "util/dirw.h"
#include "util/sys.h"

static void timegm_agrees(void **state)
{
	(void)state;
	/* Every 37 days from 1600 to 10000, at an odd time of day: the C library's timegm is the
	 * reference (what certcheck.c called before). */
	for (int64_t t = -11676096000LL; t < 253402300800LL + 86400LL * 400; t += 86400LL * 37 + 3727) {
		time_t tt = (time_t)t;
		struct tm tm;
		assert_non_null(gmtime_r(&tt, &tm));
		struct tm copy = tm;
		assert_true(sys_timegm(&tm) == tt);
		assert_memory_equal(&tm, &copy, sizeof tm); /* not changed */
	}
	/* RFC 5280's "no expiry" date, and fields out of range carry over as timegm's do. */
	struct tm tm = {.tm_year = 9999 - 1900, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_min = 59, .tm_sec = 59};
	assert_true(sys_timegm(&tm) == (time_t)253402300799LL);
	struct tm odd[] = {
		{.tm_year = 124, .tm_mon = 12, .tm_mday = 1},       /* month 12: January 2025 */
		{.tm_year = 124, .tm_mon = -1, .tm_mday = 1},       /* December 2023 */
		{.tm_year = 124, .tm_mon = -25, .tm_mday = 31},     /* November 2021, the 31st: December 1st */
		{.tm_year = 100, .tm_mon = 1, .tm_mday = 30},       /* 30 February 2000 */
		{.tm_year = 70, .tm_mon = 0, .tm_mday = 0, .tm_hour = 25, .tm_min = -61, .tm_sec = 3661},
		{.tm_year = 50, .tm_mon = 5, .tm_mday = 15, .tm_hour = 12}, /* before 1970 */
	};
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		struct tm a = odd[i], b = odd[i];
		assert_true(sys_timegm(&a) == timegm(&b));
	}
}

static char work[] = "/tmp/vpndiag-dirw-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(work) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
	return system(cmd) == 0 ? 0 : -1;
}

static char *at(const char *rel)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", work, rel);
	return p[k];
}

static char *slurp(const char *rel)
{
	static char buf[4096];
	FILE *f = fopen(at(rel), "rb");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

struct names {
	char list[16][64];
	int n;
};

static int collect(void *ctx, const char *name)
{
	struct names *s = ctx;
	if (s->n < 16)
		snprintf(s->list[s->n++], sizeof s->list[0], "%s", name);
	return 0;
}

static bool listed(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->list[i], name) == 0)
			return true;
	return false;
}

static void dirw_basics(void **state)
{
	(void)state;
	assert_int_equal(dirw_mkdir_path(at("out")), 0);
	assert_int_equal(dirw_mkdir_path(at("out")), -1);
	assert_int_equal(errno, EEXIST);
	struct dirw *d = dirw_open(at("out"));
	assert_non_null(d);
	assert_int_equal(dirw_mkdir(d, "sub"), 0);
	assert_int_equal(dirw_mkdir(d, "sub"), -1);
	assert_int_equal(errno, EEXIST);

	mode_t mask = umask(022);
	assert_int_equal(dirw_write(d, "sub/a.html", "one\n", 4, 0644, 0), 0);
	assert_int_equal(dirw_write(d, "sub/a.html", "two!\n", 5, 0644, DIRW_SYNC), 0);
	umask(mask);
	assert_string_equal(slurp("out/sub/a.html"), "two!\n");
	struct stat st;
	assert_int_equal(stat(at("out/sub/a.html"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_true(dirw_exists(d, "sub/a.html"));
	assert_false(dirw_exists(d, "sub/b.html"));

	/* Only the file: no temporary one left beside it. */
	struct names s = {.n = 0};
	assert_int_equal(dirw_list(d, "sub", collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.list[0], "a.html");
	s.n = 0;
	assert_int_equal(dirw_list(d, NULL, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(listed(&s, "sub"));

	assert_int_equal(dirw_remove(d, "sub/a.html"), 0);
	assert_int_equal(dirw_remove(d, "sub/a.html"), -1);
	assert_int_equal(errno, ENOENT);
	/* A write that cannot happen leaves nothing behind. */
	assert_int_equal(dirw_write(d, "missing/a.html", "x", 1, 0644, 0), -1);
	assert_int_equal(errno, ENOENT);
	dirw_close(d);
	dirw_close(NULL);
	assert_null(dirw_open(at("nonexistent")));
	assert_int_equal(errno, ENOENT);
}

static void dirw_links(void **state)
{
	(void)state;
	assert_int_equal(dirw_mkdir_path(at("links")), 0);
	assert_int_equal(dirw_mkdir_path(at("elsewhere")), 0);
	assert_int_equal(symlink("../elsewhere", at("links/sub")), 0);
	assert_int_equal(symlink("../elsewhere/target", at("links/page.html")), 0);
	struct dirw *d = dirw_open(at("links"));
	assert_non_null(d);
	/* A subfolder that is a symlink is not listed (so never cleaned up through). */
	struct names s = {.n = 0};
	assert_int_equal(dirw_list(d, "sub", collect, &s), -1);
	assert_true(errno == ENOTDIR || errno == ELOOP); /* O_DIRECTORY|O_NOFOLLOW says ENOTDIR */
	assert_int_equal(s.n, 0);
	assert_true(dirw_exists(d, "sub"));
	/* A file name that is a symlink is replaced, never written through. */
	assert_int_equal(dirw_write(d, "page.html", "new\n", 4, 0644, 0), 0);
	assert_null(slurp("elsewhere/target"));
	struct stat st;
	assert_int_equal(lstat(at("links/page.html"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* dirw_remove removes a link, not what it points to. */
	assert_int_equal(symlink("../elsewhere/kept", at("links/old.html")), 0);
	FILE *f = fopen(at("elsewhere/kept"), "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(dirw_remove(d, "old.html"), 0);
	assert_non_null(slurp("elsewhere/kept"));
	dirw_close(d);
}

static void dirw_paths(void **state)
{
	(void)state;
	/* dirw_write_path: FILE in its folder, mode 0666 less the umask as a shell would create it. */
	mode_t mask = umask(027);
	assert_int_equal(dirw_write_path(at("report.html"), "<p>r</p>\n", 9, 0666, DIRW_SYNC), 0);
	umask(mask);
	assert_string_equal(slurp("report.html"), "<p>r</p>\n");
	struct stat st;
	assert_int_equal(stat(at("report.html"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* A name without a folder is in the current folder. */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(work), 0);
	assert_int_equal(dirw_write_path("plain.txt", "p", 1, 0644, 0), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(slurp("plain.txt"), "p");
	const char *name = NULL;
	struct dirw *d = dirw_open_parent("/etc/hosts", &name);
	assert_non_null(d);
	assert_string_equal(name, "hosts");
	dirw_close(d);
	/* A folder's name, or a folder that does not exist: errors, nothing written. */
	assert_null(dirw_open_parent(at("dir/"), &name));
	assert_int_equal(errno, EISDIR);
	assert_int_equal(dirw_write_path(at("nope/x.html"), "x", 1, 0666, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dirw_mkdir_path(at("adir")), 0);
	assert_int_equal(dirw_write_path(at("adir"), "x", 1, 0666, 0), -1);
	assert_int_equal(errno, EISDIR);
	/* The temporary name: beside the file, 6 random characters. */
	char tmp[64];
	assert_int_equal(dirw_tmp_name("errors/809.html", tmp, sizeof tmp), 0);
	assert_int_equal(strlen(tmp), strlen("errors/809.html.tmp.") + 6);
	assert_memory_equal(tmp, "errors/809.html.tmp.", 20);
	assert_int_equal(dirw_tmp_name("errors/809.html", tmp, 20), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timegm_agrees),
		cmocka_unit_test(dirw_basics),
		cmocka_unit_test(dirw_links),
		cmocka_unit_test(dirw_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
