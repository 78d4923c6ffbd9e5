/* Writing into an output folder (the wiki's, the HTML report's) safely on both platforms: every
 * name is relative to a folder opened once, files are replaced atomically, and links are never
 * followed where a race could point them elsewhere.
 *
 * Linux (dirw_posix.c): the folder is a descriptor and every operation is an *at() call on it
 * (openat with O_NOFOLLOW|O_EXCL, mkdirat, renameat, unlinkat, fstatat without following, a
 * subfolder listed through openat(O_NOFOLLOW) + fdopendir). Windows (dirw_win.c): there are no
 * folder descriptors, so names are joined to the folder's path; the folder itself is held open
 * without FILE_SHARE_DELETE (it cannot be renamed or removed, nor swapped for a junction, while
 * open), and a subfolder in a name that is a reparse point (symlink, junction) is refused (ELOOP)
 * where Linux refuses a symlink.
 *
 * Every function returns 0 (or the value said) and -1 with errno on error (a Windows error is
 * mapped to its errno, util/sys.h), so callers word their own one-line messages with strerror.
 * Names use '/' between components (Windows accepts it too). */
#ifndef VPNDIAG_UTIL_DIRW_H
#define VPNDIAG_UTIL_DIRW_H

#include <stdbool.h>
#include <stddef.h>

struct dirw; /* an open folder; owned by the caller from dirw_open until dirw_close */

enum dirw_flags {
	DIRW_SYNC = 1u, /* dirw_write: the data reaches the disk before the rename (fsync / FlushFileBuffers) */
};

/* Creates the folder path (relative to the current folder, or absolute), mode 0755 before the
 * umask. EEXIST when something has that name already. */
int dirw_mkdir_path(const char *path);
/* Opens the folder path (a link in path itself is followed: it is what the user named). NULL with
 * errno; the result is the caller's (dirw_close). */
struct dirw *dirw_open(const char *path);
/* Opens the folder that holds the file path ("." when path names no folder) and points *name at
 * path's last component (inside path, not a copy). NULL with errno (EISDIR: path ends with a
 * separator); the result is the caller's (dirw_close). */
struct dirw *dirw_open_parent(const char *path, const char **name);
/* Closes d (NULL is fine). */
void dirw_close(struct dirw *d);

/* Creates the subfolder rel of d (mode 0755 before the umask). EEXIST when something has that
 * name already. */
int dirw_mkdir(struct dirw *d, const char *rel);
/* Whether something of any kind is named rel in d (a link itself counts; not followed). */
bool dirw_exists(struct dirw *d, const char *rel);
/* Callback for dirw_list: name is the list's, valid during the call only; non-zero stops. */
typedef int (*dirw_entry_fn)(void *ctx, const char *name);
/* Calls fn for each entry of d's subfolder sub (NULL or "": d itself), "." and ".." left out, in
 * the system's order. sub must not be a link (an error: ENOTDIR or ELOOP on Linux, ELOOP on
 * Windows). Returns 0 (also when fn stopped it). */
int dirw_list(struct dirw *d, const char *sub, dirw_entry_fn fn, void *ctx);
/* Removes the file rel of d (a link itself, never what it points to). */
int dirw_remove(struct dirw *d, const char *rel);
/* Writes len bytes of data (the caller's) to rel in d atomically: a new temporary file beside it
 * (rel.tmp.XXXXXX, created exclusively, never through a link), the data, then a rename over rel,
 * so that a reader sees the old file or the new one, never half of one. mode: the permission bits
 * before the umask (Linux; Windows files inherit the folder's ACL). flags: enum dirw_flags. On
 * error the temporary file is gone and rel untouched. */
int dirw_write(struct dirw *d, const char *rel, const void *data, size_t len, unsigned mode, unsigned flags);
/* dirw_open_parent + dirw_write + dirw_close: writes the file path atomically. */
int dirw_write_path(const char *path, const void *data, size_t len, unsigned mode, unsigned flags);

/* For the platform files: rel's temporary name "rel.tmp.XXXXXX" (6 random letters or digits) in
 * out (the caller's, outlen bytes). Returns 0, or -1 with ENAMETOOLONG. */
int dirw_tmp_name(const char *rel, char *out, size_t outlen);

#endif
