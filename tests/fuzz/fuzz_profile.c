/* Fuzz target: the client-profile, vendor-ID table and profile-index parsers (profile files come
 * from users' --profile PATHs). */
#include <stdint.h>
#include <stdio.h>

#include "profile/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
	static struct profile_index idx;
	struct profile_vid_table t;
	char err[256], s[256];
	if (profile_parse("fuzz.txt", data, size, &p, err, sizeof err) == 0) {
		for (size_t i = 0; i < p.nsets; i++)
			for (size_t j = 0; j < p.sets[i].nproposals; j++)
				ike2_proposal_str(&p.sets[i].proposals[j], s, sizeof s);
	}
	if (profile_vid_table_parse("fuzz.txt", data, size, &t, err, sizeof err) == 0) {
		for (size_t i = 0; i < t.n; i++)
			(void)profile_vid_table_lookup(&t, t.v[i].data, t.v[i].len);
		profile_vid_table_free(&t);
	}
	if (profile_index_parse("fuzz.txt", data, size, &idx, err, sizeof err) == 0) {
		for (size_t i = 0; i < idx.n; i++)
			if (profile_index_find(&idx, idx.c[i].name) == NULL)
				__builtin_trap(); /* every profile parsed is found by its name */
	}
	return 0;
}
