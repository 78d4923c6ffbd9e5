/* The non-network platform layer (issue 14): the few things the rest of the tree needs that Linux
 * and Windows do differently. Implemented in sys_posix.c (Linux) and sys_win.c (Windows, mingw-w64),
 * the shared part in sys.c; no other file tests the platform. The sockets' counterpart is
 * net/sock.h. Files: util/file.h (bounded reads), util/dirw.h (writing into a folder).
 *
 * A monotonic clock needs no wrapper: clock_gettime(CLOCK_MONOTONIC) exists on both (mingw-w64's
 * posix thread model links it from winpthread, statically). */
#ifndef VPNDIAG_UTIL_SYS_H
#define VPNDIAG_UTIL_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* The UTC calendar time tm (not changed; tm_wday, tm_yday and tm_isdst ignored) as seconds since
 * the epoch, like timegm(3): fields out of range carry over (tm_mon 12 = January of the next
 * year). Pure and the same on every platform (sys.c): Windows' _mkgmtime fails before 1970 and
 * after 3000, and certificates say 99991231235959Z (RFC 5280 4.1.2.5). */
time_t sys_timegm(const struct tm *tm);

/* Once at start-up, before anything is printed: on Windows, UTF-8 output (SetConsoleOutputCP) and
 * ANSI escape sequences (ENABLE_VIRTUAL_TERMINAL_PROCESSING) on the consoles of stdout and stderr,
 * both put back as they were at exit. Nothing on Linux. Safe to call more than once. */
void sys_console_init(void);
/* Whether f goes to a terminal that shows ANSI colour: on Linux a tty with TERM set and not
 * "dumb"; on Windows a console with virtual-terminal processing on (sys_console_init), TERM=dumb
 * excluded. NO_COLOR is the caller's (cli_use_colour). */
bool sys_colour_ok(FILE *f);

/* Keeps len bytes at p out of swap, best effort (mlock / VirtualLock). Returns 0 or -1. */
int sys_lock_mem(void *p, size_t len);
/* Undoes sys_lock_mem (call it before free). */
void sys_unlock_mem(void *p, size_t len);
/* Removes the environment variable name from this process's environment. Returns 0 or -1. */
int sys_unsetenv(const char *name);

/* strerror(e), also for the errno values the Windows C library has no text for (ELOOP: "a
 * symbolic link or junction, not followed"; ENOTSUP). The text is static. */
const char *sys_strerror(int e);
/* errno's value for a native error code: GetLastError()'s on Windows (unknown ones become EIO),
 * on Linux the code itself (already an errno). For one-line messages made with strerror. */
int sys_errno_of(unsigned long code);

#endif
