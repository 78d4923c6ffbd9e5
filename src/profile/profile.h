/* Client profiles: how a Windows built-in VPN client speaks, as data (data/profiles/ (every .txt), format
 * in data/profiles/README.md), and the table of known vendor IDs (data/profiles/vendor-ids.txt).
 *
 * Two levels: a profile FILE (struct profile) describes one protocol family of the client, IKEv2
 * (ike-version 2) or IKEv1 for L2TP/IPsec (ike-version 1); a PROFILE in the user's sense (what
 * `vpndiag probe --profile` chooses, struct profile_choice) is a whole Windows client, one file of
 * each family, named in data/profiles/index.txt (struct profile_index).
 *
 * Parsing is pure: profile_parse() reads only buf[0..len) and fills a caller-provided struct.
 * A struct profile owns no heap memory (fixed arrays; it is large, about 60 KB, so allocate it
 * with calloc or keep it static rather than on a small stack); nothing needs freeing.
 *
 * A profile holds the fixed parts of the first message (nonce length, notifies, vendor IDs,
 * retransmit schedule) and one or more proposal SETS. sets[0] is what the client sends by
 * default; the others are alternatives a probe tries after NO_PROPOSAL_CHOSEN, each with the
 * client fix it implies (a registry value or a Set-VpnConnectionIPsecConfiguration command). */
#ifndef VPNDIAG_PROFILE_H
#define VPNDIAG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"       /* struct kb_blob, enum kb_basis */
#include "wire/ikev1.h"  /* struct ike1_tspec (ike-version 1 profiles) */
#include "wire/ikev2.h"  /* struct ike2_proposal, struct ike2_blob */

extern const struct kb_blob profile_builtin_blobs[]; /* generated from data/profiles/ (every .txt) */
extern const size_t profile_builtin_count;

#define PROFILE_MAX_FILE (64u * 1024u)
#define PROFILE_MAX_LINE 1024u
#define PROFILE_NAME_MAX 48u       /* names: [a-z0-9._-], at most 47 characters */
#define PROFILE_TEXT_MAX 400u      /* titles, fixes and commands (longer values are rejected) */
#define PROFILE_MAX_SETS 12u
#define PROFILE_MAX_SET_PROPOSALS 24u
#define PROFILE_MAX_VIDS 16u
#define PROFILE_MAX_VID_LEN 64u
#define PROFILE_MAX_NOTIFIES 8u
#define PROFILE_MAX_RETRANSMIT 16u
#define PROFILE_MAX_CERTREQ_HASHES 100u
#define PROFILE_MAX_AUTH_CP 16u
#define PROFILE_MAX_CHILD 8u

struct profile_vid {
	uint8_t data[PROFILE_MAX_VID_LEN];
	size_t len;
	char name[PROFILE_TEXT_MAX]; /* free text after the hex, "" when none */
};

/* One proposal set: the proposals of one SA payload, the KE group to send, and the fix. */
struct profile_set {
	char name[PROFILE_NAME_MAX];       /* "default", "negotiatedh2048", "modp2048", ... */
	char title[PROFILE_TEXT_MAX];      /* one line for people */
	char fix[PROFILE_TEXT_MAX];        /* the client change this set implies; "" for default */
	char fix_command[PROFILE_TEXT_MAX];/* exact command, "" when none (see profile_policy_command) */
	enum kb_basis basis;               /* how sure we are Windows sends this set */
	uint16_t ke_group;                 /* group of the KE payload (must be one of the proposals') */
	size_t nproposals;
	struct ike2_proposal proposals[PROFILE_MAX_SET_PROPOSALS]; /* num 1..n, protocol 1 (IKE) */
	/* ike-version 1 profiles instead: the Main Mode transforms of the one ISAKMP proposal, in wire
	 * order ("transform:" lines); ke_group and proposals are then unused (0). */
	size_t ntransforms1;
	struct ike1_tspec transforms1[PROFILE_MAX_SET_PROPOSALS];
};

struct profile {
	char name[PROFILE_NAME_MAX];  /* "windows-ikev2" */
	char title[PROFILE_TEXT_MAX];
	uint8_t ike_version;          /* 2, or 1 (IKEv1 Main Mode: sets hold transforms1) */
	size_t nonce_len;
	enum kb_basis nonce_basis;
	/* Notifies after the nonce, in wire order (IKE2_N_* types). The two booleans summarise
	 * them for ike2_build_sa_init: natd = both NAT_DETECTION_SOURCE_IP and _DESTINATION_IP. */
	size_t nnotifies;
	uint16_t notifies[PROFILE_MAX_NOTIFIES];
	bool natd;
	bool frag_supported;
	size_t nvids;                 /* vendor IDs the client sends, in order */
	struct profile_vid vids[PROFILE_MAX_VIDS];
	/* Retransmit schedule: the wait in ms after each send (attempt i waits retransmit_ms[i]);
	 * nretransmit sends in all. */
	size_t nretransmit;
	uint32_t retransmit_ms[PROFILE_MAX_RETRANSMIT];
	enum kb_basis retransmit_basis;
	size_t nsets;                 /* >= 1; sets[0] is the default */
	struct profile_set sets[PROFILE_MAX_SETS];

	/* IKE_AUTH as the client sends it for an EAP user tunnel (keys auth-*, child-proposal;
	 * all optional; global keys, before the first set). No AUTH payload is ever sent. */
	bool auth_id_address;         /* auth-id: address = IDi is ID_IPV4_ADDR/ID_IPV6_ADDR of the local address */
	bool auth_certreq;            /* auth-certreq: yes = CERTREQ (X.509) with the trusted roots' hashes */
	size_t auth_certreq_hashes;   /* auth-certreq-hashes: how many root hashes the CERTREQ lists (0 = only the real roots) */
	enum kb_basis auth_certreq_basis; /* auth-certreq-basis */
	size_t auth_fragment_size;    /* auth-fragment-size: largest IPv4 datagram of an IKE fragment (RFC 7383), 0 = never fragment */
	enum kb_basis auth_fragment_basis; /* auth-fragment-basis */
	size_t nauth_notifies;        /* auth-notify: status notifies after CERTREQ, in order */
	uint16_t auth_notifies[PROFILE_MAX_NOTIFIES];
	size_t nauth_cp;              /* auth-cp: CFG_REQUEST attribute types (empty values), in order */
	uint16_t auth_cp[PROFILE_MAX_AUTH_CP];
	size_t nchild;                /* child-proposal: ESP proposals (protocol 3, 4-byte SPI) */
	struct ike2_proposal child[PROFILE_MAX_CHILD];
	size_t nauth_ts;              /* auth-ts: ipv4-any / ipv6-any, the same for TSi and TSr */
	uint8_t auth_ts[2];           /* 4 or 6 */
	enum kb_basis auth_basis;     /* auth-basis */
};

/* Parses one profile file. name is used in messages only. Returns 0, or -1 with
 * "NAME line N: reason" in err (*out is then unspecified). Pure. */
int profile_parse(const char *name, const uint8_t *buf, size_t len, struct profile *out, char *err,
		  size_t errlen);
/* Loads a compiled-in profile file by name: "windows-ikev2" is data/profiles/windows-ikev2.txt. */
int profile_load_builtin(const char *name, struct profile *out, char *err, size_t errlen);
/* Loads a profile from a file (at most PROFILE_MAX_FILE bytes, util/file.h's bounded reader: a
 * FIFO that stays silent, a device or a directory is an error). err names the path. */
int profile_load_file(const char *path, struct profile *out, char *err, size_t errlen);

/* A set by name ("modp2048"), or NULL. */
const struct profile_set *profile_find_set(const struct profile *p, const char *name);
/* The profile's vendor IDs as ike2_blob's for struct ike2_sa_init (vids point into p);
 * returns the count (at most max). */
size_t profile_vid_blobs(const struct profile *p, struct ike2_blob *out, size_t max);

/* The Set-VpnConnectionIPsecConfiguration command that makes Windows send exactly the IKE
 * proposal `chosen` (e.g. the one a server accepted). conn is the VPN connection name (NULL
 * gives "<VPN name>"). Returns 0, or -1 when Windows cannot express that proposal (e.g.
 * PRF differs from integrity, CHACHA20, group 21) with the reason in out. The ESP (CHILD SA)
 * parameters are not visible in IKE_SA_INIT: AES256/SHA256128 (GCMAES256 for GCM), PfsGroup
 * None are used [inferred: a common server default]. */
int profile_policy_command(const struct ike2_proposal *chosen, const char *conn, char *out,
			   size_t outlen);

/* ---- vendor IDs ---- */

/* Name of a vendor ID from data/profiles/vendor-ids.txt (compiled in): an exact match, else the
 * longest table entry that is a prefix of vid (VIDs with version suffixes, e.g. MS NT5
 * ISAKMPOAKLEY + 0000000N). NULL when unknown. */
const char *profile_vid_name(const uint8_t *vid, size_t len);
/* Like profile_vid_name but writes "NAME" or "NAME (suffix 00000009)" for a prefix match, or
 * the hex of the VID (truncated) when unknown, into out. Returns true when known. */
bool profile_vid_describe(const uint8_t *vid, size_t len, char *out, size_t outlen);

/* A vendor-ID table parsed from a vendor-ids file (for tests and for --data folders). */
struct profile_vid_table {
	size_t n;
	struct profile_vid *v; /* heap; profile_vid_table_free releases it */
};
int profile_vid_table_parse(const char *name, const uint8_t *buf, size_t len,
			    struct profile_vid_table *out, char *err, size_t errlen);
void profile_vid_table_free(struct profile_vid_table *t);
const struct profile_vid *profile_vid_table_lookup(const struct profile_vid_table *t,
						   const uint8_t *vid, size_t len);

/* ---- whole clients: data/profiles/index.txt and --profile ---- */

#define PROFILE_MAX_CLIENTS 16u
#define PROFILE_MAX_ALIASES 4u
#define PROFILE_LABEL_MAX 160u /* "windows-10+my-policy+my-l2tp" */

/* One built-in client ("profile: NAME" block of the index). */
struct profile_client {
	char name[PROFILE_NAME_MAX];  /* "windows-10" */
	char title[PROFILE_TEXT_MAX]; /* one line for people */
	size_t naliases;
	char aliases[PROFILE_MAX_ALIASES][PROFILE_NAME_MAX];
	char ikev2[PROFILE_NAME_MAX]; /* the built-in file of its IKEv2 part ("windows-ikev2") */
	char l2tp[PROFILE_NAME_MAX];  /* the built-in file of its IKEv1 L2TP/IPsec part ("windows-l2tp") */
};

/* The built-in clients; c[0] is the default. */
struct profile_index {
	size_t n;
	struct profile_client c[PROFILE_MAX_CLIENTS];
};

/* Parses an index file (format: data/profiles/README.md). Pure. Returns 0, or -1 with
 * "NAME line N: reason" in err. */
int profile_index_parse(const char *name, const uint8_t *buf, size_t len, struct profile_index *out, char *err,
			size_t errlen);
/* The compiled-in index (data/profiles/index.txt). */
int profile_index_builtin(struct profile_index *out, char *err, size_t errlen);
/* The client named name or one of its aliases, or NULL. */
const struct profile_client *profile_index_find(const struct profile_index *idx, const char *name);

/* The client a run speaks as: both parts loaded and checked, and the name the report gives it.
 * Large (two struct profile): allocate it. Owns no heap memory. */
struct profile_choice {
	char label[PROFILE_LABEL_MAX]; /* "windows-10"; with files: "windows-10+NAME" per file (its name:) */
	struct profile ikev2;          /* ike-version 2 */
	struct profile l2tp;           /* ike-version 1 */
};

/* Builds the choice from the --profile values, in any order (none = the default client):
 *   - NAME, a built-in client or alias (at most one; default: the index's first client);
 *   - PATH (a value with '/' or '.'), a profile file read with util/file.h's bounded reader; its
 *     ike-version says which part it replaces, 2 = IKEv2, 1 = L2TP/IPsec (at most one of each).
 * Returns 0, or -1 with one line in err (unknown name, unreadable or invalid file, two of a kind). */
int profile_choose(const char *const *args, size_t nargs, struct profile_choice *out, char *err, size_t errlen);
/* Copies the part of c for ike_version (2: IKEv2, 1: L2TP/IPsec) into out; c NULL = the default
 * client's built-in part (in-process tests that set no profile). Returns 0 or -1 with err. */
int profile_choice_part(const struct profile_choice *c, unsigned ike_version, struct profile *out, char *err,
			size_t errlen);
/* c's label, or the default client's name when c is NULL. */
const char *profile_choice_label(const struct profile_choice *c);

#endif
