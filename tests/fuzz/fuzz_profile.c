/* Fuzz target: the client-profile and vendor-ID table parsers (profiles may come from users'
 * --profile files). */
#include <stdint.h>
#include <stdio.h>

#include "profile/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
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
	return 0;
}
