/* struct certcheck -> observations (obs/obs_cert.def). See cert_obs.h. */
#include "probes/cert_obs.h"

#include "kb/kb.h"
#include "util/certstore.h"

#include <string.h>
#include <time.h>

#include "util/fmt.h"

/* Receives each observation; o is only valid during the call (the sink copies it). */
typedef int (*cert_sink_fn)(void *ctx, const struct obs *o);

static void co_init(struct obs *o, enum obs_kind kind, unsigned proto)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = proto;
}

static void co_date(char *out, size_t outlen, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		fmt_into(out, outlen, "%lld", (long long)t);
}

static int co_eku_bits(const struct certcheck *c)
{
	return (c->eku_server_auth ? 1 : 0) | (c->eku_ike_intermediate ? 2 : 0) | (c->eku_any ? 4 : 0) |
	       (c->eku_client_auth ? 8 : 0) | (c->has_eku_ext ? 0 : 16) | (c->eku_unreadable ? 32 : 0);
}

static void co_sans(char *out, size_t outlen, const struct certcheck *c)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < c->ndns; i++)
		fmt_append(out, outlen, "%sDNS:%s", out[0] ? ", " : "", c->dns[i]);
	for (i = 0; i < c->nip; i++)
		fmt_append(out, outlen, "%sIP:%s", out[0] ? ", " : "", c->ip[i]);
	if (!out[0])
		fmt_into(out, outlen, "none");
}

static void co_key(char *out, size_t outlen, const struct certcheck *c)
{
	if (c->key_type == CERTCHECK_KEY_EC)
		fmt_into(out, outlen, "ec %s", c->curve[0] ? c->curve : "(unknown curve)");
	else if (c->key_type == CERTCHECK_KEY_RSA)
		fmt_into(out, outlen, "rsa %d", c->key_bits);
	else
		fmt_into(out, outlen, "%s", certcheck_key_name(c->key_type));
}

/* Where co_emit's groups send their observations, and the strings several of them quote. */
struct co_out {
	unsigned proto;
	cert_sink_fn sink;
	void *ctx;
	char sans[200], key[48], d1[32], d2[32]; /* names, key, not before, not after */
};

/* The leaf, a chain cut at the bound, and the name check. 0, or -1 when the sink fails. */
static int co_leaf_name(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;

	co_init(&o, OBS_CERT_LEAF, x->proto);
	fmt_into(o.text, sizeof o.text, "%s", c->subject_cn[0] ? c->subject_cn : c->subject);
	o.value = (int64_t)c->nsent;
	o.code = co_eku_bits(c);
	fmt_into(o.evidence, sizeof o.evidence, "Server certificate \"%s\" issued by \"%s\"; names %s; key %s, %s signature, valid %s to %s; %zu certificate%s sent.",
		 c->subject, c->issuer, x->sans, x->key, c->sig_hash, x->d1, x->d2, c->nsent, c->nsent == 1 ? "" : "s");
	if (x->sink(x->ctx, &o))
		return -1;

	if (c->chain_too_long) {
		co_init(&o, OBS_CERT_CHAIN_TOO_LONG, x->proto);
		o.value = (int64_t)c->nsent;
		o.code = (int32_t)c->nchecked;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The server sent %zu certificates (%zu bytes); only the first %zu were checked (bounds: %d certificates, %u KiB): the verdict on the chain is incomplete.",
			 c->nsent, c->sent_bytes, c->nchecked, CERTCHECK_MAX_CHAIN, CERTCHECK_MAX_CHAIN_BYTES / 1024u);
		if (x->sink(x->ctx, &o))
			return -1;
	}

	if (c->host[0] && c->name_ok) {
		co_init(&o, OBS_CERT_NAME_MATCH, x->proto);
		fmt_into(o.text, sizeof o.text, "%s", c->name_pattern);
		o.code = (c->name_exact_dns_san ? 1 : 0) | (c->name_wildcard_dns_san ? 2 : 0) | (c->name_exact_cn ? 4 : 0) |
			 (c->name_wildcard_cn ? 8 : 0) | (c->host_is_ip ? 16 : 0) | (c->ndns ? 32 : 0);
		fmt_into(o.evidence, sizeof o.evidence, "The server name \"%s\" matches the certificate's %s%s \"%s\"%s.", c->host,
			 c->name_in_dns_san ? "dNSName SAN" : "subject CN",
			 c->name_wildcard_dns_san || c->name_wildcard_cn ? " wildcard" : "", c->name_pattern,
			 !c->name_in_dns_san && c->ndns ? " (no dNSName SAN matches it)" : !c->ndns ? " (the certificate has no dNSName SAN)" : "");
		if (x->sink(x->ctx, &o))
			return -1;
	}

	if (c->host[0] && !c->name_ok) {
		if (c->ip_only_in_ipaddress_san) {
			co_init(&o, OBS_CERT_IP_SAN, x->proto);
			fmt_into(o.text, sizeof o.text, "%s", c->host);
			fmt_into(o.evidence, sizeof o.evidence,
				 "The certificate lists %s only as an iPAddress SAN; Windows matches an IP address only against a dNSName SAN, so the name check fails.",
				 c->host);
		} else {
			co_init(&o, OBS_CERT_NAME_MISMATCH, x->proto);
			fmt_into(o.text, sizeof o.text, "%s", c->host);
			o.value = (int64_t)c->ndns;
			o.code = c->host_is_ip ? 1 : 0;
			fmt_into(o.evidence, sizeof o.evidence,
				 "The certificate is for CN \"%s\", names %s, which does not cover \"%s\", the server name the client dials%s.",
				 c->subject_cn, x->sans, c->host,
				 c->host_is_ip ? " (an IP address must be written as a dNSName SAN)" : "");
		}
		if (x->sink(x->ctx, &o))
			return -1;
	}
	return 0;
}

/* Extended Key Usage: no Server Authentication, or no IKE intermediate. 0, or -1. */
static int co_eku(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;

	if (!c->has_eku_ext) {
		co_init(&o, OBS_CERT_NO_EKU, x->proto);
		o.code = co_eku_bits(c);
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate has no Extended Key Usage extension (RFC 5280 reads that as any purpose; it does not name Server Authentication, 1.3.6.1.5.5.7.3.1).");
		if (x->sink(x->ctx, &o))
			return -1;
	} else if (c->eku_any && !c->eku_server_auth) {
		co_init(&o, OBS_CERT_ANY_EKU_ONLY, x->proto);
		o.code = co_eku_bits(c);
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate's Extended Key Usage is anyExtendedKeyUsage (2.5.29.37.0, \"Any Purpose\") without Server Authentication (1.3.6.1.5.5.7.3.1).");
		if (x->sink(x->ctx, &o))
			return -1;
	} else if (c->has_eku_ext && !c->eku_server_auth && !c->eku_any) {
		co_init(&o, OBS_CERT_NO_SERVER_AUTH_EKU, x->proto);
		o.code = co_eku_bits(c);
		o.value = c->eku_client_auth ? 1 : 0;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate's Extended Key Usage lacks Server Authentication (1.3.6.1.5.5.7.3.1)%s.",
			 c->eku_unreadable ? " (the extension does not decode)"
			 : c->eku_client_auth ? "; it is a Client Authentication certificate" : "");
		if (x->sink(x->ctx, &o))
			return -1;
	} else if (c->has_eku_ext && c->eku_server_auth && !c->eku_ike_intermediate && !c->eku_any) {
		co_init(&o, OBS_CERT_NO_IKE_EKU, x->proto);
		o.code = co_eku_bits(c);
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate has Server Authentication but not IP security IKE intermediate (1.3.6.1.5.5.8.2.2), which is recommended for IKEv2 gateways.");
		if (x->sink(x->ctx, &o))
			return -1;
	}
	return 0;
}

/* Issue 13: Key Usage, unsupported critical extensions, a short RSA key, a CA signed with a weak
 * hash. 0, or -1. */
static int co_usage_ext(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;

	if (c->has_ku_ext && !(c->ku_bits & CERTCHECK_KU_DIGITAL_SIGNATURE)) {
		co_init(&o, OBS_CERT_KU_NO_SIGNATURE, x->proto);
		o.code = (int32_t)c->ku_bits;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate's Key Usage (0x%02x) does not include digitalSignature, which signing IKE's AUTH and TLS (EC)DHE key exchanges use.",
			 c->ku_bits);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->ncritical_unknown) {
		co_init(&o, OBS_CERT_CRITICAL_EXT, x->proto);
		o.value = (int64_t)c->ncritical_unknown;
		fmt_into(o.text, sizeof o.text, "%s", c->critical_unknown);
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate has %zu critical extension%s this verifier does not know (first: %s); RFC 5280 requires a client to reject it.",
			 c->ncritical_unknown, c->ncritical_unknown == 1 ? "" : "s", c->critical_unknown);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->key_type == CERTCHECK_KEY_RSA && c->key_bits > 0 && c->key_bits < 2048) {
		co_init(&o, OBS_CERT_RSA_SHORT, x->proto);
		o.value = c->key_bits;
		fmt_into(o.text, sizeof o.text, "%s", x->key);
		fmt_into(o.evidence, sizeof o.evidence, "The certificate's RSA key has %d bits (under 2048).", c->key_bits);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->ca_sig_weak) {
		co_init(&o, OBS_CERT_CA_WEAK_SIGNATURE, x->proto);
		o.value = c->ca_sig_weak_depth;
		fmt_into(o.text, sizeof o.text, "%s", c->ca_sig_hash);
		fmt_into(o.evidence, sizeof o.evidence, "The CA certificate \"%s\" (chain depth %d) is signed with %s, a deprecated hash.",
			 c->ca_sig_weak_subject, c->ca_sig_weak_depth, c->ca_sig_hash);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	return 0;
}

/* Validity dates, then the key and the signature hash. 0, or -1. */
static int co_dates_key(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;

	if (c->dates_ok) { /* the expiry as a number (issue 17: the exporter's expiry gauge) */
		co_init(&o, OBS_CERT_VALIDITY, x->proto);
		o.value = (int64_t)c->not_after;
		fmt_into(o.text, sizeof o.text, "%s", x->d2);
		fmt_into(o.evidence, sizeof o.evidence, "The server certificate is valid from %s to %s.", x->d1, x->d2);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->dates_ok && c->expired) {
		co_init(&o, OBS_CERT_EXPIRED, x->proto);
		o.value = (int64_t)c->not_after;
		fmt_into(o.text, sizeof o.text, "%s", x->d2);
		fmt_into(o.evidence, sizeof o.evidence, "The server certificate expired on %s.", x->d2);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->dates_ok && c->not_yet_valid) {
		co_init(&o, OBS_CERT_NOT_YET_VALID, x->proto);
		o.value = (int64_t)c->not_before;
		fmt_into(o.text, sizeof o.text, "%s", x->d1);
		fmt_into(o.evidence, sizeof o.evidence,
			 "The server certificate is not valid before %s (check the server's and the client's clocks).", x->d1);
		if (x->sink(x->ctx, &o))
			return -1;
	}

	if (c->key_rejected_by_windows) {
		co_init(&o, OBS_CERT_KEY_REJECTED, x->proto);
		fmt_into(o.text, sizeof o.text, "%s", x->key);
		o.value = c->key_bits;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The certificate's key is %s; Windows accepts RSA and ECDSA P-256/P-384 only (P-521 and EdDSA are rejected).", x->key);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	if (c->sig_weak) {
		co_init(&o, OBS_CERT_WEAK_SIGNATURE, x->proto);
		fmt_into(o.text, sizeof o.text, "%s", c->sig_hash);
		fmt_into(o.evidence, sizeof o.evidence, "The server certificate is signed with %s, a deprecated hash.", c->sig_hash);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	return co_usage_ext(c, x);
}

/* A chain that does not verify (not cut at the bound): untrusted root, missing intermediate, or
 * the verifier's error. 0, or -1. */
static int co_chain_failed(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;
	bool said = false;

	if (c->untrusted_root) {
		co_init(&o, OBS_CERT_UNTRUSTED_ROOT, x->proto);
		fmt_into(o.text, sizeof o.text, "%s", c->issuer);
		o.value = (int64_t)c->nsent;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The chain ends in a root that is not trusted (%s); the client must trust that root CA.",
			 c->verify_error_text);
		if (x->sink(x->ctx, &o))
			return -1;
		said = true;
	}
	if (c->missing_intermediate) {
		co_init(&o, OBS_CERT_MISSING_INTERMEDIATE, x->proto);
		o.value = (int64_t)c->nsent;
		fmt_into(o.text, sizeof o.text, "%s", c->naia ? c->aia_ca_issuers[0] : "");
		fmt_into(o.evidence, sizeof o.evidence,
			 "An issuer certificate is neither sent by the server (%zu sent%s) nor trusted here: the server should send its intermediate CA certificates, or the root is not trusted.",
			 c->nsent, c->intermediates_sent ? ", intermediates included" : ", the leaf only");
		if (x->sink(x->ctx, &o))
			return -1;
		said = true;
	}
	if (!said || c->ca_date_invalid) {
		co_init(&o, OBS_CERT_CHAIN_INVALID, x->proto);
		o.code = c->verify_error;
		o.value = c->verify_error_depth;
		fmt_into(o.text, sizeof o.text, "%s", c->verify_error_text);
		fmt_into(o.evidence, sizeof o.evidence, "The certificate chain does not verify: %s (at depth %d).",
			 c->verify_error_text, c->verify_error_depth);
		if (x->sink(x->ctx, &o))
			return -1;
	}
	return 0;
}

/* The chain: verified, or why not. 0, or -1. */
static int co_chain(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;

	if (c->chain_ok) {
		co_init(&o, OBS_CERT_CHAIN_OK, x->proto);
		o.value = (int64_t)c->chain_len;
		o.code = (int32_t)c->nsent;
		fmt_into(o.evidence, sizeof o.evidence, "The chain (%zu certificate%s, %zu sent by the server) verifies to a trusted root.",
			 c->chain_len, c->chain_len == 1 ? "" : "s", c->nsent);
		return x->sink(x->ctx, &o) ? -1 : 0;
	}
	/* (A chain cut at the bound that does not verify says nothing about the rest: the
	 * cert-chain-too-long observation is the whole fact, never "missing intermediate".) */
	if (!c->chain_too_long)
		return co_chain_failed(c, x);
	return 0;
}

/* Where revocation is checked (CRL, OCSP) and where issuer certificates are. The sink's result. */
static int co_revocation(const struct certcheck *c, const struct co_out *x)
{
	struct obs o;
	size_t i;

	co_init(&o, OBS_CERT_REVOCATION_URLS, x->proto);
	o.value = (int64_t)c->ncrl;
	o.code = (int32_t)c->nocsp;
	fmt_into(o.text, sizeof o.text, "%s", c->ncrl ? c->crl[0] : c->nocsp ? c->ocsp[0] : "");
	if (c->ncrl == 0 && c->nocsp == 0) {
		fmt_into(o.evidence, sizeof o.evidence, "The certificate names no CRL distribution point and no OCSP responder.");
	} else {
		fmt_into(o.evidence, sizeof o.evidence, "Revocation is checked at");
		for (i = 0; i < c->ncrl; i++)
			fmt_append(o.evidence, sizeof o.evidence, " CRL %s", c->crl[i]);
		for (i = 0; i < c->nocsp; i++)
			fmt_append(o.evidence, sizeof o.evidence, " OCSP %s", c->ocsp[i]);
		fmt_append(o.evidence, sizeof o.evidence, ".");
	}
	for (i = 0; i < c->naia; i++)
		fmt_append(o.evidence, sizeof o.evidence, " Issuer certificate at %s.", c->aia_ca_issuers[i]);
	return x->sink(x->ctx, &o);
}

/* Every observation about c, in a fixed order: leaf and name, EKU, dates and key, chain,
 * revocation. Stops at the first sink failure (-1); otherwise the last sink's result. */
static int co_emit(const struct certcheck *c, unsigned proto, cert_sink_fn sink, void *ctx)
{
	struct co_out x = {.proto = proto, .sink = sink, .ctx = ctx};

	if (!c->parsed) {
		struct obs o;

		co_init(&o, OBS_CERT_UNPARSABLE, proto);
		o.value = (int64_t)c->nsent;
		fmt_into(o.evidence, sizeof o.evidence,
			 "The server's certificate (%zu sent) does not parse as X.509, so Windows cannot use it.", c->nsent);
		return sink(ctx, &o);
	}
	co_sans(x.sans, sizeof x.sans, c);
	co_key(x.key, sizeof x.key, c);
	co_date(x.d1, sizeof x.d1, c->not_before);
	co_date(x.d2, sizeof x.d2, c->not_after);

	if (co_leaf_name(c, &x) || co_eku(c, &x) || co_dates_key(c, &x) || co_chain(c, &x))
		return -1;
	return co_revocation(c, &x);
}

struct co_engine_ctx {
	struct engine *e;
	struct probe_inst *pi;
};

static int co_sink_engine(void *ctx, const struct obs *o)
{
	struct co_engine_ctx *x = ctx;

	engine_observe(x->e, x->pi, o);
	return 0;
}

static int co_sink_result(void *ctx, const struct obs *o)
{
	return obs_result_add(ctx, o);
}

void cert_observe(struct engine *e, struct probe_inst *pi, const struct certcheck *c, unsigned proto)
{
	struct co_engine_ctx x = {e, pi};

	(void)co_emit(c, proto, co_sink_engine, &x);
}

void cert_observe_platform(struct engine *e, struct probe_inst *pi, const struct certcheck_der *chain, size_t n,
			   const char *host, unsigned proto)
{
	struct certstore_der d[64];
	struct certstore_verdict v;
	char err[200] = "";
	size_t k = n < 64 ? n : 64;
	for (size_t i = 0; i < k; i++)
		d[i] = (struct certstore_der){chain[i].p, chain[i].len};
	/* IKEv2: the cache only, as IKEEXT; SSTP: the network too, bounded by what is left of the run */
	uint32_t now = engine_now_ms(e), end = engine_end_ms(e), left = end > now ? end - now : 1;
	bool net = proto == KB_P_SSTP;
	if (certstore_verdict(d, k, host ? host : "", net, left > 3000 ? 3000 : left, &v, err, sizeof err) != 1)
		return; /* no chain engine here (Linux), or it did not take the chain: nothing to set beside */
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = OBS_CERT_PLATFORM_VERDICT;
	o.proto = proto;
	o.code = (int32_t)v.error;
	o.value = v.trust_errors;
	fmt_into(o.text, sizeof o.text, "%s", v.text);
	fmt_into(o.evidence, sizeof o.evidence, "Windows' own chain engine (machine store, revocation on, SSL policy for %s): 0x%08X, %s",
		 host ? host : "", (unsigned)v.error, v.text);
	engine_observe(e, pi, &o);
}

int cert_observe_result(struct obs_result *r, const struct certcheck *c, unsigned proto)
{
	return co_emit(c, proto, co_sink_result, r);
}
