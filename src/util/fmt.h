/* Bounded formatting that truncates silently (report strings have fixed-size buffers; a cut
 * evidence sentence is better than a failed run). */
#ifndef VPNDIAG_UTIL_FMT_H
#define VPNDIAG_UTIL_FMT_H

#include <stddef.h>

/* snprintf into out[0..outlen) that always terminates (when outlen > 0). */
void fmt_into(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));
/* Appends to the string already in out (bounded by outlen). */
void fmt_append(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));

#endif
