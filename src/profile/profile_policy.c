/* Set-VpnConnectionIPsecConfiguration: the command that makes Windows send one given IKE
 * proposal (profile/profile.h, profile_policy_command). Pure. */
#include "profile/profile.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
	uint16_t id, key_len;
	const char *ike, *esp_cipher, *esp_auth; /* EncryptionMethod, CipherTransformConstants, Authentication... */
} win_encr[] = {
	{IKE2_ENCR_3DES, 0, "DES3", "DES3", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 128, "AES128", "AES128", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 192, "AES192", "AES192", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 256, "AES256", "AES256", "SHA256128"},
	{IKE2_ENCR_AES_GCM_16, 128, "GCMAES128", "GCMAES128", "GCMAES128"},
	{IKE2_ENCR_AES_GCM_16, 256, "GCMAES256", "GCMAES256", "GCMAES256"},
};
static const struct {
	uint16_t integ, prf;
	const char *name;
} win_hash[] = {
	{1, 1, "MD5"},
	{IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1, "SHA1"},
	{IKE2_AUTH_HMAC_SHA2_256_128, IKE2_PRF_HMAC_SHA2_256, "SHA256"},
	{IKE2_AUTH_HMAC_SHA2_384_192, IKE2_PRF_HMAC_SHA2_384, "SHA384"},
};
static const struct {
	uint16_t id;
	const char *name;
} win_dh[] = {
	{1, "Group1"}, {IKE2_DH_MODP1024, "Group2"}, {IKE2_DH_MODP2048, "Group14"},
	{IKE2_DH_ECP256, "ECP256"}, {IKE2_DH_ECP384, "ECP384"}, {24, "Group24"},
};

static const struct ike2_transform *first_of(const struct ike2_proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->ntransforms && i < IKE2_MAX_TRANSFORMS; i++)
		if (p->t[i].type == type)
			return &p->t[i];
	return NULL;
}

int profile_policy_command(const struct ike2_proposal *chosen, const char *conn, char *out, size_t outlen)
{
	const struct ike2_transform *e = first_of(chosen, IKE2_T_ENCR), *in = first_of(chosen, IKE2_T_INTEG),
				    *pr = first_of(chosen, IKE2_T_PRF), *dh = first_of(chosen, IKE2_T_DH);
	size_t ei = SIZE_MAX, hi = SIZE_MAX, di = SIZE_MAX;
	char name[160];
	size_t n = 0;

	if (!out || outlen == 0)
		return -1;
	out[0] = '\0';
	if (!e || !pr || !dh) {
		snprintf(out, outlen, "the proposal lacks an ENCR, PRF or DH transform");
		return -1;
	}
	for (size_t i = 0; i < sizeof win_encr / sizeof win_encr[0]; i++)
		if (win_encr[i].id == e->id && win_encr[i].key_len == e->key_len)
			ei = i;
	if (ei == SIZE_MAX) {
		snprintf(out, outlen, "Windows cannot use %s%s%.0u for IKE", ike2_transform_name(IKE2_T_ENCR, e->id),
			 e->key_len ? "_" : "", (unsigned)e->key_len);
		return -1;
	}
	bool gcm = e->id == IKE2_ENCR_AES_GCM_16;
	if (!gcm && !in) {
		snprintf(out, outlen, "the proposal has no integrity transform");
		return -1;
	}
	for (size_t i = 0; i < sizeof win_hash / sizeof win_hash[0]; i++)
		if (win_hash[i].prf == pr->id && (gcm || win_hash[i].integ == in->id))
			hi = i;
	if (hi == SIZE_MAX) {
		snprintf(out, outlen, "Windows uses one hash for integrity and PRF; %s with %s is not expressible",
			 in ? ike2_transform_name(IKE2_T_INTEG, in->id) : "no integrity",
			 ike2_transform_name(IKE2_T_PRF, pr->id));
		return -1;
	}
	for (size_t i = 0; i < sizeof win_dh / sizeof win_dh[0]; i++)
		if (win_dh[i].id == dh->id)
			di = i;
	if (di == SIZE_MAX) {
		snprintf(out, outlen, "Windows cannot use DH group %s", ike2_transform_name(IKE2_T_DH, dh->id));
		return -1;
	}
	/* The name goes inside PowerShell single quotes, where only ' needs doubling. */
	if (!conn)
		conn = "<VPN name>";
	for (const char *c = conn; *c && n + 2 < sizeof name; c++) {
		if (*c == '\'')
			name[n++] = '\'';
		name[n++] = *c;
	}
	name[n] = '\0';
	int w = snprintf(out, outlen,
			 "Set-VpnConnectionIPsecConfiguration -ConnectionName '%s' -EncryptionMethod %s "
			 "-IntegrityCheckMethod %s -DHGroup %s -CipherTransformConstants %s "
			 "-AuthenticationTransformConstants %s -PfsGroup None -Force",
			 name, win_encr[ei].ike, win_hash[hi].name, win_dh[di].name, win_encr[ei].esp_cipher,
			 win_encr[ei].esp_auth);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}
