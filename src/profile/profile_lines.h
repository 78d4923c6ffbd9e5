/* Internal to src/profile/: the "key: value" line reader and the helpers that the profile parser
 * (profile.c), the vendor-ID table (profile.c) and the index of built-in profiles
 * (profile_choice.c) share. Not for other layers: they use profile/profile.h. */
#ifndef VPNDIAG_PROFILE_LINES_H
#define VPNDIAG_PROFILE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile/profile.h"

/* Reads buf[0..len) line by line; the caller owns buf, which must outlive the reader. key and
 * value returned by profile_lines_next point into line[] and are valid until the next call. */
struct profile_lines {
	const uint8_t *buf;
	size_t len, off;
	unsigned lineno;
	char line[PROFILE_MAX_LINE + 1];
};

/* A new reader over buf[0..len) (len at most PROFILE_MAX_FILE), or NULL with the reason in err
 * ("NAME: ..."); free it with free(). */
struct profile_lines *profile_lines_open(const uint8_t *buf, size_t len, const char *name, char *err, size_t errlen);

/* Next non-blank, non-comment line, split into key and value (both trimmed, in lr->line).
 * Returns 1 with a line, 0 at the end, -1 on error ("NAME line N: reason" in err). */
int profile_lines_next(struct profile_lines *lr, char **key, char **value, const char *name, char *err,
		       size_t errlen);

/* Writes "NAME line N: reason" (or "NAME: reason" when lineno is 0) into err; returns -1. */
int profile_err(char *err, size_t errlen, const char *name, unsigned lineno, const char *fmt, ...)
	__attribute__((format(VD_PRINTF, 5, 6)));

/* A profile or set name: 1..PROFILE_NAME_MAX-1 characters of [a-z0-9._-]. */
bool profile_name_ok(const char *v);

/* Parses "HEX[ NAME]" (a vid: value) into v. Returns false with a reason (a static string) in why. */
bool profile_vid_from_text(const char *s, struct profile_vid *v, const char **why);

/* The compiled-in file data/profiles/NAME.txt (NAME with or without ".txt"), or NULL. */
const struct kb_blob *profile_builtin_blob(const char *name);

#endif
