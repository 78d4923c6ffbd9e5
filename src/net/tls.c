#include "net/tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/fmt.h"

struct net_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	int alert; /* TLS alert received from the server, -1 none */
};

/* OpenSSL's last error as one line (then cleared), or the usual meaning of "no error queued". */
static void openssl_reason(char *out, size_t len)
{
	unsigned long err = ERR_peek_last_error();
	if (err) {
		char b[200];
		ERR_error_string_n(err, b, sizeof b);
		fmt_into(out, len, "%s", b);
	} else {
		fmt_into(out, len, "the server closed the connection during the handshake");
	}
	ERR_clear_error();
}

/* OpenSSL info callback: remembers the alert the server sent. The SSL object is OpenSSL's; the
 * struct net_tls it points at (app data) is the caller's. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	if (!(where & SSL_CB_READ_ALERT))
		return;
	struct net_tls *t = SSL_get_app_data(ssl);
	if (t && t->alert < 0)
		t->alert = ret & 0xff;
}

static int setup(struct net_tls *t, int fd, enum net_tls_profile prof, const char *sni, size_t max_cert_list)
{
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx)
		return -1;
	if (prof == NET_TLS_LEGACY) {
		/* Only for telling "offers only TLS 1.0/1.1" apart: OpenSSL 3's default security level
		 * refuses those versions and their SHA-1 signatures. */
		SSL_CTX_set_security_level(t->ctx, 0);
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(t->ctx, TLS1_1_VERSION);
		if (SSL_CTX_set_cipher_list(t->ctx, "ALL:@SECLEVEL=0") != 1)
			return -1;
	} else {
		/* What current Windows offers: TLS 1.2, and 1.3 on Windows 11 with Server 2022 [V]. */
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION);
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_info_callback(t->ctx, info_cb);
	SSL_CTX_set_max_cert_list(t->ctx, (long)max_cert_list);
	t->ssl = SSL_new(t->ctx);
	if (!t->ssl)
		return -1;
	SSL_set_app_data(t->ssl, t);
	if (sni)
		SSL_set_tlsext_host_name(t->ssl, sni);
	return SSL_set_fd(t->ssl, fd) == 1 ? 0 : -1;
}

struct net_tls *net_tls_new(int fd, enum net_tls_profile prof, const char *sni, size_t max_cert_list, char *err,
			    size_t errlen)
{
	struct net_tls *t = calloc(1, sizeof *t);
	if (!t) {
		fmt_into(err, errlen, "out of memory");
		return NULL;
	}
	t->alert = -1;
	if (setup(t, fd, prof, sni, max_cert_list) != 0) {
		openssl_reason(err, errlen);
		net_tls_free(t, false);
		return NULL;
	}
	return t;
}

void net_tls_free(struct net_tls *t, bool shutdown)
{
	if (!t)
		return;
	if (t->ssl) {
		if (shutdown)
			(void)SSL_shutdown(t->ssl); /* one attempt: sends close_notify, never waits */
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	free(t);
	ERR_clear_error();
}

/* Maps the result of an SSL_* call (rc <= 0) after SSL_get_error. */
static enum net_tls_rc step_rc(const struct net_tls *t, int rc)
{
	int err = SSL_get_error(t->ssl, rc);
	int sys = errno;
	if (err == SSL_ERROR_WANT_READ)
		return NET_TLS_WANT_READ;
	if (err == SSL_ERROR_WANT_WRITE)
		return NET_TLS_WANT_WRITE;
	if (err == SSL_ERROR_SYSCALL)
		return sys == ECONNRESET ? NET_TLS_RESET : NET_TLS_SYSERR;
	return NET_TLS_FAILED;
}

enum net_tls_rc net_tls_handshake(struct net_tls *t, char *why, size_t whylen)
{
	ERR_clear_error();
	int rc = SSL_connect(t->ssl);
	if (rc == 1)
		return NET_TLS_OK;
	enum net_tls_rc r = step_rc(t, rc);
	if (r == NET_TLS_WANT_READ || r == NET_TLS_WANT_WRITE)
		return r;
	openssl_reason(why, whylen);
	if (r == NET_TLS_RESET)
		fmt_into(why, whylen, "the server reset the connection during the handshake");
	return r;
}

enum net_tls_rc net_tls_write(struct net_tls *t, const uint8_t *p, size_t n)
{
	ERR_clear_error();
	int rc = SSL_write(t->ssl, p, (int)n);
	return rc > 0 ? NET_TLS_OK : step_rc(t, rc);
}

enum net_tls_rc net_tls_read(struct net_tls *t, uint8_t *buf, size_t cap, size_t *got)
{
	*got = 0;
	ERR_clear_error();
	int rc = SSL_read(t->ssl, buf, (int)(cap > (size_t)INT32_MAX ? (size_t)INT32_MAX : cap));
	if (rc <= 0)
		return step_rc(t, rc);
	*got = (size_t)rc;
	return NET_TLS_OK;
}

int net_tls_alert(const struct net_tls *t)
{
	return t->alert;
}

const char *net_tls_alert_name(int alert)
{
	return SSL_alert_desc_string_long(alert);
}

int net_tls_version(const struct net_tls *t)
{
	return SSL_version(t->ssl);
}

void net_tls_describe(const struct net_tls *t, char *out, size_t outlen)
{
	fmt_into(out, outlen, "%s %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
}

int net_tls_peer_chain(const struct net_tls *t, struct net_tls_chain *c)
{
	memset(c, 0, sizeof *c);
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(t->ssl);
	int n = sk ? sk_X509_num(sk) : 0;
	if (n <= 0)
		return 0;
	c->sent = (size_t)n;
	c->der = calloc((size_t)n, sizeof *c->der);
	c->len = calloc((size_t)n, sizeof *c->len);
	if (!c->der || !c->len)
		return -1;
	for (int i = 0; i < n; i++) {
		uint8_t *b = NULL;
		int len = i2d_X509(sk_X509_value(sk, i), &b);
		if (len <= 0)
			break;
		c->der[c->n] = b;
		c->len[c->n] = (size_t)len;
		c->n++;
	}
	return n;
}

void net_tls_chain_free(struct net_tls_chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		OPENSSL_free(c->der[i]);
	free(c->der);
	free(c->len);
	memset(c, 0, sizeof *c);
}
