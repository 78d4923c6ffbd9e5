/* The observation model's storage and names (see obs.h). */
#include "obs/obs.h"

#include <stdlib.h>

/* A hard cap over all budgets (the engine keeps one budget per protocol below this). */
#define OBS_HARD_CAP 1024

#define OBS_X(id, name) [id] = name,
static const char *const obs_names[OBS_KIND_COUNT] = {
#include "obs/obs_all.def" /* generated: every src/obs/obs_*.def */
};
#undef OBS_X

const char *obs_kind_name(enum obs_kind k)
{
	return (unsigned)k < OBS_KIND_COUNT && obs_names[k] ? obs_names[k] : "unknown";
}

int obs_result_add(struct obs_result *r, const struct obs *o)
{
	if (r->nobs >= OBS_HARD_CAP)
		return 0; /* bounded: a hostile server cannot grow the report without limit */
	if (r->nobs == r->capobs) {
		size_t cap = r->capobs ? r->capobs * 2 : 16;
		struct obs *v = realloc(r->obs, cap * sizeof *v);
		if (!v)
			return -1;
		r->obs = v;
		r->capobs = cap;
	}
	r->obs[r->nobs++] = *o;
	return 0;
}

void obs_result_free(struct obs_result *r)
{
	free(r->obs);
	free(r->pkts);
	r->obs = NULL;
	r->pkts = NULL;
	r->nobs = r->capobs = r->npkts = r->cappkts = 0;
}


void obs_name_free(struct obs_name *n)
{
	for (size_t i = 0; i < OBS_MAX_TARGETS; i++) {
		if (n->target[i]) {
			obs_result_free(n->target[i]);
			free(n->target[i]);
			n->target[i] = NULL;
		}
	}
	n->ntargets = 0;
	obs_result_free(&n->name);
}
