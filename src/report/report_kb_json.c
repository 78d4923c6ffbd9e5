#include "report/report_kb.h"

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *strv(const struct kb_strv *v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

static struct json_object *protocols(unsigned bits)
{
	struct json_object *a = json_object_new_array();
	for (unsigned i = 0; i < PROTO_COUNT; i++)
		if (bits & proto_table[i].bit)
			json_object_array_add(a, json_object_new_string(proto_table[i].key));
	return a;
}

struct json_object *report_kb_json(const struct kb_entry *e)
{
	struct json_object *o = json_object_new_object();
	char hex[16];
	kb_code_hex(e->code, hex, sizeof hex);
	json_object_object_add(o, "code", json_object_new_int64((int64_t)e->code));
	json_object_object_add(o, "hex", json_object_new_string(hex));
	json_object_object_add(o, "event_log", json_object_new_int64(kb_code_eventlog(e->code)));
	json_object_object_add(o, "symbol", json_object_new_string(e->symbol));
	json_object_object_add(o, "category", json_object_new_string(kb_category_name(e->category)));
	json_object_object_add(o, "title", json_object_new_string(e->title));
	json_object_object_add(o, "quick_answer", json_object_new_string(e->quick));
	json_object_object_add(o, "meaning", json_object_new_string(e->meaning));
	json_object_object_add(o, "details", strv(&e->details));

	struct json_object *causes = json_object_new_array();
	for (size_t i = 0; i < e->ncauses; i++) {
		struct json_object *c = json_object_new_object();
		json_object_object_add(c, "text", json_object_new_string(e->causes[i].text));
		json_object_object_add(c, "protocols", protocols(e->causes[i].protocols));
		json_object_object_add(c, "id", str_or_null(e->causes[i].id));
		json_object_object_add(c, "basis", json_object_new_string(kb_basis_name(e->causes[i].basis)));
		json_object_array_add(causes, c);
	}
	json_object_object_add(o, "causes", causes);
	json_object_object_add(o, "steps", strv(&e->steps));

	struct json_object *fixes = json_object_new_array();
	for (size_t i = 0; i < e->nfixes; i++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "text", json_object_new_string(e->fixes[i].text));
		json_object_object_add(f, "command", str_or_null(e->fixes[i].command));
		json_object_array_add(fixes, f);
	}
	json_object_object_add(o, "fixes", fixes);

	struct json_object *faq = json_object_new_array();
	for (size_t i = 0; i < e->nfaqs; i++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "question", json_object_new_string(e->faqs[i].question));
		json_object_object_add(f, "answer", json_object_new_string(e->faqs[i].answer));
		json_object_array_add(faq, f);
	}
	json_object_object_add(o, "faq", faq);
	json_object_object_add(o, "tags", strv(&e->tags));

	struct json_object *rel = json_object_new_array();
	for (size_t i = 0; i < e->nrelated; i++)
		json_object_array_add(rel, json_object_new_int64((int64_t)e->related[i]));
	json_object_object_add(o, "related", rel);

	struct json_object *basis = json_object_new_array();
	for (size_t i = 0; i < e->nsources; i++) {
		struct json_object *b = json_object_new_object();
		json_object_object_add(b, "level", json_object_new_string(kb_basis_name(e->sources[i].basis)));
		json_object_object_add(b, "source", json_object_new_string(e->sources[i].text));
		json_object_array_add(basis, b);
	}
	json_object_object_add(o, "basis", basis);
	return o;
}
