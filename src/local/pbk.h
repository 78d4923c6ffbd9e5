/* local/pbk.h: a Windows phonebook (rasphone.pbk), parsed from one bounded buffer. Pure: no I/O,
 * no Windows API (RasEnumEntries is a stub under Wine, and the file is the ground truth). The
 * caller reads the file (util/file.h, bounded) and passes the bytes; the parser treats them as
 * hostile: any length, any encoding, any line.
 *
 * Encodings: UTF-8 with or without BOM, and UTF-16LE with BOM (converted to UTF-8); anything else
 * that is not valid UTF-8 is refused with a one-line reason. Sections ("[Entry name]") start an
 * entry; keys before the first section are ignored; unknown keys are ignored; the subsections
 * that follow "MEDIA=" / "DEVICE=" lines belong to the entry above them. Key names are compared
 * without regard to case, except that "MEDIA" and "DEVICE" in capitals open a subsection while
 * "Device" is a key; the first occurrence of a key in an entry counts.
 *
 * Never kept: a pre-shared key's value (PreSharedKey=, if a file carries one, sets psk_configured
 * only), CustomAuthData, passwords. Basis of each field: docs/local.md (pbk keys). */
#ifndef VPNDIAG_LOCAL_PBK_H
#define VPNDIAG_LOCAL_PBK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PBK_MAX_BYTES (4u * 1024 * 1024) /* a larger file is refused before parsing */
#define PBK_MAX_ENTRIES 256              /* further entries are counted in skipped */
#define PBK_MAX_SERVERS 8                /* PhoneNumber= plus alternates */
#define PBK_NAME_MAX (3 * 256 + 1)       /* RAS_MaxEntryName is 256 UTF-16 units: up to 768 bytes of UTF-8, + NUL */
#define PBK_HOST_MAX 256
#define PBK_LINE_MAX 4096                /* a longer line is counted in bad_lines and skipped */

/* VpnStrategy= (SDK ras.h; mingw's ras.h stops at 4) */
enum pbk_strategy {
	PBK_VS_DEFAULT = 0,
	PBK_VS_PPTP_ONLY = 1,
	PBK_VS_PPTP_FIRST = 2,
	PBK_VS_L2TP_ONLY = 3,
	PBK_VS_L2TP_FIRST = 4,
	PBK_VS_SSTP_ONLY = 5,
	PBK_VS_SSTP_FIRST = 6,
	PBK_VS_IKEV2_ONLY = 7,
	PBK_VS_IKEV2_FIRST = 8,
	PBK_VS_GRE_ONLY = 9,
	PBK_VS_PPTP_SSTP = 12,
	PBK_VS_L2TP_SSTP = 13,
	PBK_VS_IKEV2_SSTP = 14,
	PBK_VS_PROTOCOL_LIST = 15,
};

/* Tri-state for a key that may be absent. */
enum pbk_tri { PBK_ABSENT = -1, PBK_NO = 0, PBK_YES = 1 };

struct pbk_entry {
	char name[PBK_NAME_MAX];                   /* the section name, UTF-8 */
	int type;                                  /* Type= (2 = VPN), -1 absent */
	char servers[PBK_MAX_SERVERS][PBK_HOST_MAX]; /* PhoneNumber= first, then alternates */
	size_t nservers;
	int vpn_strategy;                          /* VpnStrategy=, -1 absent */
	char device[128];                          /* Device= / PreferredDevice= ("WAN Miniport (IKEv2)") */
	int custom_auth_key;                       /* CustomAuthKey= (EAP type: 26 MSCHAPv2, 13 TLS, 25 PEAP), -1 absent */
	int64_t auth_restrictions;                 /* AuthRestrictions= bit mask (a DWORD), -1 absent */
	int64_t ipsec_flags;                       /* IpSecFlags= (bit 0: use a pre-shared key), -1 absent */
	bool psk_configured;                       /* IpSecFlags bit 0, or a non-empty PreSharedKey= */
	int num_custom_policy;                     /* NumCustomPolicy=, -1 absent */
	bool custom_policy;                        /* NumCustomPolicy > 0 or a non-empty CustomIPSecPolicies= */
	enum pbk_tri disable_ike_name_eku_check;   /* DisableIKENameEkuCheck= */
	enum pbk_tri ip_prioritize_remote;         /* IpPrioritizeRemote= (0 = split tunnel) */
	int data_encryption;                       /* DataEncryption=, -1 absent */
	unsigned line;                             /* line of the section header, for messages */
};

struct pbk_book {
	struct pbk_entry *entries; /* malloc'd array of n entries, owned by the book */
	size_t n;
	size_t skipped;            /* entries over PBK_MAX_ENTRIES, not kept */
	size_t bad_lines;          /* lines that were neither a section nor key=value, too long, with
	                            * control characters, or whose value was not kept (a number that
	                            * is not one, a name, server or device too long for its field:
	                            * never truncated); an entry whose [name] line is bad is not kept */
	bool utf16;                /* the file was UTF-16LE */
};

/* Parses buf[0..len). Returns 0 and fills *book (free with pbk_free), or -1 with a one-line
 * reason in err (no file content in it beyond a line number) and *book empty. An empty file or
 * one without entries is not an error (n = 0). */
int pbk_parse(const uint8_t *buf, size_t len, struct pbk_book *book, char *err, size_t errlen);
void pbk_free(struct pbk_book *book);

/* The name of a VpnStrategy value ("Ikev2Only"), or NULL when unknown. */
const char *pbk_strategy_name(int strategy);

/* Which protocols Windows tries for this entry, in its order, as proto/ names ("ikev2", "sstp"),
 * from VpnStrategy and the device: at most 4 written to out; returns the count. Automatic
 * (0, absent) gives Windows' own order for Automatic [V: Hicks: SSTP before IKEv2]. */
size_t pbk_entry_protocols(const struct pbk_entry *e, const char *out[4]);

#endif
