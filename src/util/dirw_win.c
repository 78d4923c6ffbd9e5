/* The output folder on Windows (see dirw.h): names joined to the folder's path, the folder held
 * open so that it cannot be renamed or removed meanwhile, reparse points refused in a name's
 * folders, CREATE_NEW for the temporary file and MoveFileEx(MOVEFILE_REPLACE_EXISTING) over the
 * target. */
#include "util/dirw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "util/sys.h"

#define TMP_TRIES 100
#define PATH_LEN 4096
#define WRITE_CHUNK (1u << 30)
/* A virus scanner or an indexer may hold the old file open for a moment: the rename is retried. */
#define RENAME_TRIES 20
#define RENAME_WAIT_MS 50

struct dirw {
	char *path;
	HANDLE h; /* the folder, opened without FILE_SHARE_DELETE */
};

static int fail_win(void)
{
	errno = sys_errno_of(GetLastError());
	return -1;
}

static bool is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* The path of the first n bytes of rel in d, in out (outlen bytes). */
static int join_n(const struct dirw *d, const char *rel, size_t n, char *out, size_t outlen)
{
	size_t pl = strlen(d->path);
	bool sep = pl > 0 && !is_sep(d->path[pl - 1]) && d->path[pl - 1] != ':';
	if (pl + sep + n + 1 > outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, d->path, pl);
	if (sep)
		out[pl++] = '\\';
	memcpy(out + pl, rel, n);
	out[pl + n] = '\0';
	return 0;
}

static int join(const struct dirw *d, const char *rel, char *out, size_t outlen)
{
	return join_n(d, rel, strlen(rel), out, outlen);
}

/* Refuses rel when one of its folders (the components before the last) is a reparse point. */
static int check_folders(const struct dirw *d, const char *rel)
{
	char p[PATH_LEN];
	for (size_t i = 0; rel[i]; i++) {
		if (!is_sep(rel[i]) || i == 0)
			continue;
		if (join_n(d, rel, i, p, sizeof p) != 0)
			return -1;
		DWORD attr = GetFileAttributesA(p);
		if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
			errno = ELOOP;
			return -1;
		}
	}
	return 0;
}

int dirw_mkdir_path(const char *path)
{
	return CreateDirectoryA(path, NULL) ? 0 : fail_win();
}

struct dirw *dirw_open(const char *path)
{
	DWORD attr = GetFileAttributesA(path);
	if (attr == INVALID_FILE_ATTRIBUTES) {
		fail_win();
		return NULL;
	}
	if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
		errno = ENOTDIR;
		return NULL;
	}
	struct dirw *d = malloc(sizeof *d);
	size_t n = strlen(path) + 1;
	char *copy = malloc(n);
	if (!d || !copy) {
		free(d);
		free(copy);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(copy, path, n);
	d->path = copy;
	d->h = CreateFileA(path, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			   FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (d->h == INVALID_HANDLE_VALUE) {
		fail_win();
		int e = errno;
		free(copy);
		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

struct dirw *dirw_open_parent(const char *path, const char **name)
{
	const char *last = NULL;
	for (const char *p = path; *p; p++)
		if (is_sep(*p))
			last = p;
	size_t n; /* the folder part's length */
	if (last) {
		*name = last + 1;
		n = (size_t)(last - path);
		if (n == 0 || (n == 2 && path[1] == ':'))
			n++; /* "\x.html", "C:\x.html": the root, with its separator */
	} else if (path[0] && path[1] == ':') {
		*name = path + 2; /* "C:x.html": C:'s current folder */
		n = 2;
	} else {
		*name = path;
		n = 0;
	}
	if (!**name) {
		errno = EISDIR;
		return NULL;
	}
	if (n == 0)
		return dirw_open(".");
	char *dir = malloc(n + 1);
	if (!dir) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	struct dirw *d = dirw_open(dir);
	int e = errno;
	free(dir);
	errno = e;
	return d;
}

void dirw_close(struct dirw *d)
{
	if (!d)
		return;
	CloseHandle(d->h);
	free(d->path);
	free(d);
}

int dirw_mkdir(struct dirw *d, const char *rel)
{
	char p[PATH_LEN];
	if (check_folders(d, rel) != 0 || join(d, rel, p, sizeof p) != 0)
		return -1;
	return CreateDirectoryA(p, NULL) ? 0 : fail_win();
}

bool dirw_exists(struct dirw *d, const char *rel)
{
	char p[PATH_LEN];
	return join(d, rel, p, sizeof p) == 0 && GetFileAttributesA(p) != INVALID_FILE_ATTRIBUTES;
}

int dirw_list(struct dirw *d, const char *sub, dirw_entry_fn fn, void *ctx)
{
	char dir[PATH_LEN], pattern[PATH_LEN + 2];
	if (sub && *sub) {
		if (check_folders(d, sub) != 0 || join(d, sub, dir, sizeof dir) != 0)
			return -1;
		DWORD attr = GetFileAttributesA(dir);
		if (attr == INVALID_FILE_ATTRIBUTES)
			return fail_win();
		if (attr & FILE_ATTRIBUTE_REPARSE_POINT) {
			errno = ELOOP;
			return -1;
		}
		if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
			errno = ENOTDIR;
			return -1;
		}
	} else if (join_n(d, "", 0, dir, sizeof dir) != 0) {
		return -1;
	}
	size_t n = strlen(dir);
	memcpy(pattern, dir, n);
	memcpy(pattern + n, n > 0 && !is_sep(dir[n - 1]) && dir[n - 1] != ':' ? "\\*" : "*", 3);
	WIN32_FIND_DATAA fd;
	HANDLE h = FindFirstFileA(pattern, &fd);
	if (h == INVALID_HANDLE_VALUE)
		return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : fail_win(); /* a drive's root can be empty */
	do {
		if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
			continue;
		if (fn(ctx, fd.cFileName) != 0)
			break;
	} while (FindNextFileA(h, &fd));
	FindClose(h);
	return 0;
}

int dirw_remove(struct dirw *d, const char *rel)
{
	char p[PATH_LEN];
	if (check_folders(d, rel) != 0 || join(d, rel, p, sizeof p) != 0)
		return -1;
	return DeleteFileA(p) ? 0 : fail_win();
}

static int write_all(HANDLE h, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		DWORD want = len > WRITE_CHUNK ? WRITE_CHUNK : (DWORD)len, put = 0;
		if (!WriteFile(h, p, want, &put, NULL))
			return fail_win();
		if (put == 0) {
			errno = EIO;
			return -1;
		}
		p += put;
		len -= put;
	}
	return 0;
}

static int replace(const char *from, const char *to, unsigned flags)
{
	DWORD how = MOVEFILE_REPLACE_EXISTING | (flags & DIRW_SYNC ? MOVEFILE_WRITE_THROUGH : 0);
	for (int i = 0;; i++) {
		if (MoveFileExA(from, to, how))
			return 0;
		DWORD e = GetLastError();
		if (i + 1 >= RENAME_TRIES || (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION))
			return fail_win();
		Sleep(RENAME_WAIT_MS);
	}
}

int dirw_write(struct dirw *d, const char *rel, const void *data, size_t len, unsigned mode, unsigned flags)
{
	(void)mode;
	char tmp_rel[PATH_LEN], tmp[PATH_LEN], target[PATH_LEN];
	if (check_folders(d, rel) != 0 || join(d, rel, target, sizeof target) != 0)
		return -1;
	HANDLE h = INVALID_HANDLE_VALUE;
	for (int i = 0; i < TMP_TRIES && h == INVALID_HANDLE_VALUE; i++) {
		if (dirw_tmp_name(rel, tmp_rel, sizeof tmp_rel) != 0 || join(d, tmp_rel, tmp, sizeof tmp) != 0)
			return -1;
		h = CreateFileA(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
		if (h == INVALID_HANDLE_VALUE) {
			DWORD e = GetLastError();
			if (e != ERROR_FILE_EXISTS && e != ERROR_ALREADY_EXISTS)
				return fail_win();
		}
	}
	if (h == INVALID_HANDLE_VALUE) {
		errno = EEXIST;
		return -1;
	}
	int rc = write_all(h, data, len);
	if (rc == 0 && (flags & DIRW_SYNC) && !FlushFileBuffers(h))
		rc = fail_win();
	int e = errno;
	if (!CloseHandle(h) && rc == 0) {
		rc = fail_win();
		e = errno;
	}
	if (rc == 0 && replace(tmp, target, flags) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		(void)DeleteFileA(tmp);
		errno = e;
	}
	return rc;
}
