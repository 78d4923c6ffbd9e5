/* Renderers of knowledge-base entries: text for people, JSON for programs. They only format. */
#ifndef VPNDIAG_REPORT_KB_H
#define VPNDIAG_REPORT_KB_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "kb/kb.h"

struct report_kb_style {
	bool colour;
	int width;
};

/* The whole entry, for `vpndiag explain CODE`. Related codes are titled from kb. */
void report_kb_text(FILE *out, const struct kb *kb, const struct kb_entry *e, const struct report_kb_style *st);
/* One line: code, hex, symbol, title (for --list and ranked results). */
void report_kb_line(FILE *out, const struct kb_entry *e, const struct report_kb_style *st);
/* The entry as a JSON object (docs/json.md, "explain"). Caller owns the result. */
struct json_object *report_kb_json(const struct kb_entry *e);

#endif
