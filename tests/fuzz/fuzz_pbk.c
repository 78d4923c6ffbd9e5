/* Fuzz target: the phonebook parser (local/pbk.c), on the bytes as they are and again as the body
 * of a UTF-16LE file (a BOM put in front), with the invariants of pbk.h checked on every book. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "local/pbk.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A field is a NUL-terminated UTF-8 string inside its array. */
static void check_str(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);
	if (!nul || !text_valid_utf8(s, (size_t)(nul - s)))
		__builtin_trap();
}

static void check_book(const struct pbk_book *b)
{
	if (b->n > PBK_MAX_ENTRIES || (b->n && !b->entries))
		__builtin_trap();
	for (size_t i = 0; i < b->n; i++) {
		const struct pbk_entry *e = &b->entries[i];
		check_str(e->name, sizeof e->name);
		check_str(e->device, sizeof e->device);
		if (!e->name[0] || e->nservers > PBK_MAX_SERVERS || e->line == 0)
			__builtin_trap();
		for (size_t k = 0; k < e->nservers; k++) {
			check_str(e->servers[k], sizeof e->servers[k]);
			if (!e->servers[k][0])
				__builtin_trap(); /* an empty PhoneNumber= is not a server */
			for (size_t j = 0; j < k; j++)
				if (text_ieq(e->servers[j], e->servers[k]))
					__builtin_trap(); /* kept once */
		}
		if (e->auth_restrictions < -1 || e->auth_restrictions > 0xFFFFFFFFLL || e->ipsec_flags < -1 ||
		    e->ipsec_flags > 0xFFFFFFFFLL || e->type < -1 || e->vpn_strategy < -1 || e->custom_auth_key < -1 ||
		    e->num_custom_policy < -1 || e->data_encryption < -1)
			__builtin_trap();
		if (e->ipsec_flags > 0 && (e->ipsec_flags & 1) && !e->psk_configured)
			__builtin_trap();
		const char *out[4];
		size_t n = pbk_entry_protocols(e, out);
		if (n > 4)
			__builtin_trap();
		for (size_t k = 0; k < n; k++)
			if (strcmp(out[k], "ikev2") && strcmp(out[k], "l2tp") && strcmp(out[k], "sstp") && strcmp(out[k], "pptp"))
				__builtin_trap();
		(void)pbk_strategy_name(e->vpn_strategy);
	}
}

static void one(const uint8_t *data, size_t size)
{
	struct pbk_book b;
	char err[200];
	if (pbk_parse(data, size, &b, err, sizeof err) == 0) {
		check_book(&b);
		pbk_free(&b);
	} else if (!err[0] || strchr(err, '\n') || b.entries || b.n) {
		__builtin_trap(); /* an error is one line, never empty, and leaves nothing behind */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	uint8_t *u16 = malloc(size + 2);
	if (!u16)
		return 0;
	u16[0] = 0xFF;
	u16[1] = 0xFE;
	if (size)
		memcpy(u16 + 2, data, size);
	one(u16, size + 2);
	free(u16);
	return 0;
}
