/* IKEv2 numbers (RFC 7296 and IANA: exchange types, flags, payload, transform and notify
 * numbers) and the negotiated-proposal type. Plain named constants and data, shared by the codec
 * (wire/ikev2), the observations (a probe records the proposal a server chose) and the rules
 * (notify numbers decide findings), so that rules need nothing from wire/. */
#ifndef VPNDIAG_OBS_IKE_H
#define VPNDIAG_OBS_IKE_H

#include <stddef.h>
#include <stdint.h>

#define IKE2_MAX_TRANSFORMS 16

/* Exchange types */
enum { IKE2_SA_INIT = 34, IKE2_AUTH = 35, IKE2_CREATE_CHILD_SA = 36, IKE2_INFORMATIONAL = 37 };
/* Header flags */
enum { IKE2_F_INITIATOR = 0x08, IKE2_F_VERSION = 0x10, IKE2_F_RESPONSE = 0x20 };
/* Payload types */
enum {
	IKE2_PL_NONE = 0, IKE2_PL_SA = 33, IKE2_PL_KE = 34, IKE2_PL_IDI = 35, IKE2_PL_IDR = 36,
	IKE2_PL_CERT = 37, IKE2_PL_CERTREQ = 38, IKE2_PL_AUTH = 39, IKE2_PL_NONCE = 40,
	IKE2_PL_NOTIFY = 41, IKE2_PL_DELETE = 42, IKE2_PL_VID = 43, IKE2_PL_TSI = 44, IKE2_PL_TSR = 45,
	IKE2_PL_SK = 46, IKE2_PL_CP = 47, IKE2_PL_EAP = 48, IKE2_PL_SKF = 53,
};
/* Transform types and the ids Windows and servers use */
enum { IKE2_T_ENCR = 1, IKE2_T_PRF = 2, IKE2_T_INTEG = 3, IKE2_T_DH = 4, IKE2_T_ESN = 5 };
enum { IKE2_ENCR_3DES = 3, IKE2_ENCR_AES_CBC = 12, IKE2_ENCR_AES_GCM_16 = 20 };
enum { IKE2_PRF_HMAC_SHA1 = 2, IKE2_PRF_HMAC_SHA2_256 = 5, IKE2_PRF_HMAC_SHA2_384 = 6, IKE2_PRF_HMAC_SHA2_512 = 7 };
enum { IKE2_AUTH_HMAC_SHA1_96 = 2, IKE2_AUTH_HMAC_SHA2_256_128 = 12, IKE2_AUTH_HMAC_SHA2_384_192 = 13,
       IKE2_AUTH_HMAC_SHA2_512_256 = 14 };
enum { IKE2_DH_MODP1024 = 2, IKE2_DH_MODP2048 = 14, IKE2_DH_ECP256 = 19, IKE2_DH_ECP384 = 20, IKE2_DH_ECP521 = 21 };
#define IKE2_ATTR_KEY_LENGTH 14
/* Notify types used by the probes (error types < 16384, status types >= 16384) */
enum {
	IKE2_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1, IKE2_N_INVALID_IKE_SPI = 4, IKE2_N_INVALID_MAJOR_VERSION = 5,
	IKE2_N_INVALID_SYNTAX = 7, IKE2_N_INVALID_MESSAGE_ID = 9, IKE2_N_NO_PROPOSAL_CHOSEN = 14,
	IKE2_N_INVALID_KE_PAYLOAD = 17, IKE2_N_AUTHENTICATION_FAILED = 24, IKE2_N_TS_UNACCEPTABLE = 38,
	IKE2_N_INTERNAL_ADDRESS_FAILURE = 36, IKE2_N_FAILED_CP_REQUIRED = 37,
	IKE2_N_TEMPORARY_FAILURE = 43, IKE2_N_CHILD_SA_NOT_FOUND = 44,
	IKE2_N_MS_STATUS = 12345, /* Microsoft private: carries a Win32 error code */
	IKE2_N_INITIAL_CONTACT = 16384, IKE2_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE2_N_NAT_DETECTION_DESTINATION_IP = 16389, IKE2_N_COOKIE = 16390,
	IKE2_N_MOBIKE_SUPPORTED = 16396, IKE2_N_MULTIPLE_AUTH_SUPPORTED = 16404,
	IKE2_N_REDIRECT_SUPPORTED = 16406, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	IKE2_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

struct ike2_transform {
	uint8_t type;
	uint16_t id;
	uint16_t key_len; /* Key Length attribute in bits, 0 when absent */
};

struct ike2_proposal {
	uint8_t num;
	uint8_t protocol; /* 1 IKE, 2 AH, 3 ESP */
	uint8_t spi_size;
	uint8_t spi[8];
	size_t ntransforms;
	struct ike2_transform t[IKE2_MAX_TRANSFORMS];
};

#endif
