/* The protocol table (see proto.h), generated from proto.def. */
#include "proto/proto.h"

#include <string.h>

#define PROTO_X(ID, key, title, pref, p1, p2, p3) \
	[PROTO_##ID] = {#key, title, PROTO_B_##ID, pref, {p1, p2, p3, 0}},
const struct proto_desc proto_table[PROTO_COUNT] = {
#include "proto/proto.def"
};
#undef PROTO_X

int proto_index(const char *key)
{
	for (int i = 0; key && i < PROTO_COUNT; i++)
		if (strcmp(proto_table[i].key, key) == 0)
			return i;
	return -1;
}

int proto_index_of_bit(unsigned bit)
{
	for (int i = 0; i < PROTO_COUNT; i++)
		if (proto_table[i].bit == bit)
			return i;
	return -1;
}

const char *proto_title(unsigned bit)
{
	int i = proto_index_of_bit(bit);
	return i < 0 ? "?" : proto_table[i].title;
}

const char *proto_keys_list(void)
{
#define PROTO_X(ID, key, title, pref, p1, p2, p3) ", " #key
	static const char all[] = ""
#include "proto/proto.def"
		;
#undef PROTO_X
	return all + 2;
}
