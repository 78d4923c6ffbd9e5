/* Dropping privileges (see priv.h). Plain syscalls: capget/capset, prctl, setres[ug]id. */
#define _GNU_SOURCE /* getresuid, setresuid */
#include "net/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/capability.h>

#include "util/fmt.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#endif

#define STATUS_MAX 8192
#define MAX_CAP 63

/* ---- /proc/self/status ---- */

static bool line_is(const char *line, size_t n, const char *key, const char **val)
{
	size_t k = strlen(key);
	if (n <= k || memcmp(line, key, k) != 0 || line[k] != ':')
		return false;
	*val = line + k + 1;
	return true;
}

/* Up to want unsigned numbers (base 10 or 16) from the rest of a line. Returns how many. */
static size_t numbers(const char *p, const char *end, int base, uint64_t *v, size_t want)
{
	size_t got = 0;
	char tmp[32];
	while (got < want && p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		size_t k = 0;
		while (p < end && *p != ' ' && *p != '\t' && k + 1 < sizeof tmp)
			tmp[k++] = *p++;
		if (!k)
			break;
		tmp[k] = 0;
		char *e = NULL;
		errno = 0;
		unsigned long long x = strtoull(tmp, &e, base);
		if (errno || !e || *e || tmp[0] == '-')
			break;
		v[got++] = x;
	}
	return got;
}

int priv_status_parse(const char *text, size_t len, struct priv_status *out)
{
	memset(out, 0, sizeof *out);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *val;
		size_t n = (size_t)(le - p);
		uint64_t v[4];
		if (line_is(p, n, "Uid", &val) && numbers(val, le, 10, v, 4) == 4) {
			for (int i = 0; i < 4; i++)
				out->uid[i] = (uint32_t)v[i];
			out->have_uid = true;
		} else if (line_is(p, n, "Gid", &val) && numbers(val, le, 10, v, 4) == 4) {
			for (int i = 0; i < 4; i++)
				out->gid[i] = (uint32_t)v[i];
			out->have_gid = true;
		} else if (line_is(p, n, "CapInh", &val) && numbers(val, le, 16, v, 1) == 1) {
			out->cap_inh = v[0];
		} else if (line_is(p, n, "CapPrm", &val) && numbers(val, le, 16, v, 1) == 1) {
			out->cap_prm = v[0];
			out->have_caps = true;
		} else if (line_is(p, n, "CapEff", &val) && numbers(val, le, 16, v, 1) == 1) {
			out->cap_eff = v[0];
		} else if (line_is(p, n, "CapBnd", &val) && numbers(val, le, 16, v, 1) == 1) {
			out->cap_bnd = v[0];
		} else if (line_is(p, n, "CapAmb", &val) && numbers(val, le, 16, v, 1) == 1) {
			out->cap_amb = v[0];
		} else if (line_is(p, n, "NoNewPrivs", &val) && numbers(val, le, 10, v, 1) == 1) {
			out->no_new_privs = (unsigned)v[0];
			out->have_nnp = true;
		} else if (line_is(p, n, "Threads", &val) && numbers(val, le, 10, v, 1) == 1) {
			out->threads = (unsigned)v[0];
		}
		p = nl ? nl + 1 : end;
	}
	return out->have_uid && out->have_caps ? 0 : -1;
}

int priv_status_read(struct priv_status *out)
{
	static char buf[STATUS_MAX];
	memset(out, 0, sizeof *out);
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	for (int i = 0; i < 16 && got < sizeof buf; i++) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return priv_status_parse(buf, got, out);
}

/* ---- capabilities ---- */

struct caps {
	uint64_t eff, prm, inh;
};

static int caps_get(struct caps *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* Sets the effective and permitted sets to keep (0: none), the inheritable set to none. */
static int caps_set_only(uint64_t keep)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Empties the bounding set. Returns 1 when it is empty afterwards, 0 when not allowed (no
 * CAP_SETPCAP: the set stays, harmless once the other sets are empty and no_new_privs is set). */
static int bounding_clear(uint64_t keep, bool *allowed)
{
	*allowed = true;
	for (int cap = 0; cap <= MAX_CAP; cap++) {
		if (keep >> cap & 1u)
			continue;
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* past the kernel's last capability */
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			*allowed = false;
			return 0;
		}
	}
	return 1;
}

static int fail(char *err, size_t errlen, const char *what)
{
	fmt_into(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

int priv_drop(const char *user, struct priv_report *rep, char *err, size_t errlen)
{
	return priv_drop_keep(user, 0, rep, err, errlen);
}

int priv_drop_keep(const char *user, uint64_t keep, struct priv_report *rep, char *err, size_t errlen)
{
	memset(rep, 0, sizeof *rep);
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	struct caps before, after;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return fail(err, errlen, "cannot read the process's user and group ids");
	if (caps_get(&before) != 0)
		return fail(err, errlen, "cannot read the process's capabilities");
	struct priv_status st;
	if (priv_status_read(&st) == 0 && st.threads > 1) {
		fmt_into(err, errlen, "cannot drop privileges: %u threads run (capabilities are per thread)", st.threads);
		return -1;
	}
	rep->was_root = ru == 0 || eu == 0 || su == 0;
	rep->uid_before = (uint32_t)eu;
	rep->gid_before = (uint32_t)eg;
	rep->prm_before = before.prm;
	rep->eff_before = before.eff;
	keep &= before.prm; /* only what is held can be kept */

	uid_t nu = eu;
	gid_t ng = eg;
	if (rep->was_root) {
		const char *name = user && *user ? user : PRIV_DEFAULT_USER;
		struct passwd pw, *res = NULL;
		static char pwbuf[16384];
		int e = getpwnam_r(name, &pw, pwbuf, sizeof pwbuf, &res);
		if (e != 0 || !res) {
			fmt_into(err, errlen, "cannot drop privileges: no user '%s' to run as%s%s (give another with --run-as)", name,
				 e ? ": " : "", e ? strerror(e) : "");
			return -1;
		}
		if (pw.pw_uid == 0 || pw.pw_gid == 0) {
			fmt_into(err, errlen, "cannot drop privileges: user '%s' has uid or gid 0 (give an unprivileged one with --run-as)", name);
			return -1;
		}
		nu = pw.pw_uid;
		ng = pw.pw_gid;
		fmt_into(rep->user, sizeof rep->user, "%s", name);
	}

	/* The bounding set and the ambient set first: both need the capabilities still held. */
	rep->bounding_cleared = bounding_clear(keep, &rep->bounding_allowed) == 1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return fail(err, errlen, "cannot clear the ambient capabilities");
	if (rep->was_root) {
		if (setgroups(0, NULL) != 0)
			return fail(err, errlen, "cannot drop the supplementary groups");
		if (setresgid(ng, ng, ng) != 0)
			return fail(err, errlen, "cannot change the group id");
		/* Kept capabilities survive the uid change only with KEEPCAPS (off again right after). */
		if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
			return fail(err, errlen, "cannot keep capabilities across the uid change");
		if (setresuid(nu, nu, nu) != 0)
			return fail(err, errlen, "cannot change the user id");
		if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
			return fail(err, errlen, "cannot reset keep-capabilities");
	}
	if (caps_set_only(keep) != 0)
		return fail(err, errlen, "cannot clear the capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return fail(err, errlen, "cannot set no_new_privs");
#if defined(__SANITIZE_ADDRESS__)
	/* The uid change made the process non-dumpable; LeakSanitizer's exit check needs to ptrace
	 * it. Sanitizer builds only: a release build stays non-dumpable (the PSK is in memory). */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
#endif

	/* Check with the kernel: nothing left, and no way back. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || caps_get(&after) != 0)
		return fail(err, errlen, "cannot read the credentials after the drop");
	if (after.eff != keep || after.prm != keep || after.inh) {
		fmt_into(err, errlen, "capabilities still held after the drop (effective 0x%llx, permitted 0x%llx)",
			 (unsigned long long)after.eff, (unsigned long long)after.prm);
		return -1;
	}
	if (rep->was_root && (ru == 0 || eu == 0 || su == 0 || rg == 0 || eg == 0 || sg == 0)) {
		fmt_into(err, errlen, "still uid/gid 0 after the drop");
		return -1;
	}
	if (rep->was_root && setuid(0) == 0) {
		fmt_into(err, errlen, "setuid(0) still works after the drop");
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		fmt_into(err, errlen, "no_new_privs is not set after the drop");
		return -1;
	}
	rep->uid_after = (uint32_t)eu;
	rep->gid_after = (uint32_t)eg;
	if (priv_status_read(&rep->after) == 0 &&
	    (rep->after.cap_eff != keep || rep->after.cap_prm != keep || rep->after.cap_amb)) {
		fmt_into(err, errlen, "/proc/self/status still shows capabilities after the drop (CapEff %016llx)",
			 (unsigned long long)rep->after.cap_eff);
		return -1;
	}
	return 0;
}

void priv_describe(const struct priv_report *rep, char *out, size_t outlen)
{
	fmt_into(out, outlen, "%s", "");
	if (rep->was_root)
		fmt_append(out, outlen, "uid %u gid %u -> %s (uid %u gid %u), supplementary groups removed; ", rep->uid_before,
			   rep->gid_before, rep->user, rep->uid_after, rep->gid_after);
	else
		fmt_append(out, outlen, "uid %u (not root, kept); ", rep->uid_after);
	fmt_append(out, outlen, "capabilities (permitted 0x%llx) cleared, bounding set %s, no_new_privs set",
		   (unsigned long long)rep->prm_before,
		   rep->bounding_cleared ? "emptied" : "left (no CAP_SETPCAP)");
}
