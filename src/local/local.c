/* The portable half of reading the PC: the tables of what is read, and the steps from the bytes
 * of a phonebook or of the event XML to the model (local.h). local_win.c reads the bytes. */
#include "local/local.h"

#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/fmt.h"

/* The registry values the knowledge base cites as client-side fixes (data/errors; the facts and
 * their basis: docs/local.md "Registry values"). */
const struct local_reg_def local_reg_defs[LOCAL_REG_COUNT] = {
	[LOCAL_REG_ASSUME_UDP] = {"SYSTEM\\CurrentControlSet\\Services\\PolicyAgent",
				  "AssumeUDPEncapsulationContextOnSendRule",
				  "L2TP/IPsec to a server behind NAT (0 no, 1 server behind NAT, 2 both behind NAT)"},
	[LOCAL_REG_DH2048] = {"SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters", "NegotiateDH2048_AES256",
			      "IKEv2 default proposals (0 AES-128/MODP1024 set, 1 also AES-256/MODP2048, 2 only those)"},
	[LOCAL_REG_PROHIBIT_IPSEC] = {"SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters", "ProhibitIpSec",
				      "1 = no automatic IPsec policy for L2TP"},
	[LOCAL_REG_L2TP_WEAK] = {"SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters", "AllowL2TPWeakCrypto",
				 "1 = L2TP/IPsec may use DES and MD5"},
	[LOCAL_REG_NAME_EKU] = {"SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters", "DisableIKENameEkuCheck",
				"1 = IKEv2 does not check the server certificate's name and EKU"},
	[LOCAL_REG_SSTP_NO_CRL] = {"SYSTEM\\CurrentControlSet\\Services\\SstpSvc\\Parameters", "NoCertRevocationCheck",
				   "1 = SSTP does not check the server certificate's revocation"},
};

/* Default start types: Microsoft's "Guidance on disabling system services on Windows Server 2016
 * with Desktop Experience" (the table of every service's default) [D]. */
const struct local_svc_def local_svc_defs[LOCAL_SVC_COUNT] = {
	[LOCAL_SVC_IKEEXT] = {"IKEEXT", "IKE and AuthIP IPsec Keying Modules (IKEv2, L2TP/IPsec)", LOCAL_START_DEMAND},
	[LOCAL_SVC_POLICYAGENT] = {"PolicyAgent", "IPsec Policy Agent (L2TP/IPsec)", LOCAL_START_DEMAND},
	[LOCAL_SVC_BFE] = {"BFE", "Base Filtering Engine (IKEEXT needs it)", LOCAL_START_AUTO},
	[LOCAL_SVC_RASMAN] = {"RasMan", "Remote Access Connection Manager (every VPN)", LOCAL_START_DEMAND},
	[LOCAL_SVC_SSTPSVC] = {"SstpSvc", "Secure Socket Tunneling Protocol Service (SSTP)", LOCAL_START_DEMAND},
};

bool local_conn_is_vpn(const struct local_conn *c)
{
	return c->e.type == 2 || (c->e.type < 0 && strstr(c->e.device, "WAN Miniport") != NULL);
}

void local_add_pbk(struct local_pc *pc, struct local_pbk_file *f, const uint8_t *buf, size_t len)
{
	struct pbk_book book;
	if (pbk_parse(buf, len, &book, f->err, sizeof f->err) != 0) {
		f->state = LOCAL_READ_ERROR;
		return;
	}
	f->state = LOCAL_PRESENT;
	f->entries = book.n;
	f->skipped = book.skipped;
	f->bad_lines = book.bad_lines;
	if (book.n > 0) {
		struct local_conn *c = realloc(pc->conns, (pc->nconns + book.n) * sizeof *c);
		if (!c) {
			f->state = LOCAL_READ_ERROR;
			fmt_into(f->err, sizeof f->err, "out of memory");
		} else {
			pc->conns = c;
			for (size_t i = 0; i < book.n; i++)
				pc->conns[pc->nconns++] = (struct local_conn){.e = book.entries[i], .all_users = f->all_users,
									      .pbk = (size_t)(f - pc->pbk)};
		}
	}
	pbk_free(&book);
}

/* The RasClient stage events (facts §1.1 [D]): the last one of a CoId before its 20227 names the
 * stage the attempt reached. */
static bool is_stage(unsigned id)
{
	return id >= 20221 && id <= 20224;
}

static int by_time_desc(const void *a, const void *b)
{
	const struct local_failure *x = a, *y = b;
	return x->ev->time < y->ev->time ? 1 : x->ev->time > y->ev->time ? -1 : 0;
}

void local_add_events(struct local_pc *pc, const uint8_t *xml, size_t len)
{
	if (evt_parse(xml, len, &pc->events, pc->events_err, sizeof pc->events_err) != 0) {
		pc->events_state = LOCAL_READ_ERROR;
		return;
	}
	pc->events_state = pc->events.n ? LOCAL_PRESENT : LOCAL_ABSENT;
	int64_t since = pc->now - (int64_t)pc->days * 86400;
	size_t nf = 0;
	for (size_t i = 0; i < pc->events.n; i++)
		nf += pc->events.events[i].id == 20227;
	pc->failures = nf ? calloc(nf, sizeof *pc->failures) : NULL;
	if (nf && !pc->failures) {
		pc->events_state = LOCAL_READ_ERROR;
		fmt_into(pc->events_err, sizeof pc->events_err, "out of memory");
		return;
	}
	for (size_t i = 0; i < pc->events.n; i++) {
		const struct evt_event *e = &pc->events.events[i];
		int64_t code;
		if (e->id != 20227 || strcmp(e->provider, "RasClient") != 0 || (e->time && e->time < since) ||
		    !evt_error_code(e, &code))
			continue;
		struct local_failure *f = &pc->failures[pc->nfailures++];
		*f = (struct local_failure){.ev = e, .code = code};
		/* the newest stage event of the same CoId at or before it (at the same second, the later
		 * stage: their ids rise with the stage) */
		int64_t best = INT64_MIN;
		for (size_t j = 0; j < pc->events.n; j++) {
			const struct evt_event *s = &pc->events.events[j];
			if (!is_stage(s->id) || s->ndata == 0 || e->ndata == 0 || strcmp(s->data[0], e->data[0]) != 0 ||
			    s->time > e->time)
				continue;
			if (s->time > best || (s->time == best && s->id > f->stage)) {
				best = s->time;
				f->stage = s->id;
			}
		}
	}
	qsort(pc->failures, pc->nfailures, sizeof *pc->failures, by_time_desc);
}

void local_pc_free(struct local_pc *pc)
{
	free(pc->conns);
	free(pc->failures);
	evt_free(&pc->events);
	memset(pc, 0, sizeof *pc);
}

/* ---- the recorded-events source ---- */
static int file_events(void *ctx, uint32_t days, int64_t now, uint8_t **xml, size_t *len, char *err, size_t errlen)
{
	(void)days, (void)now; /* local_add_events keeps the window */
	return file_read_bounded((const char *)ctx, EVT_MAX_BYTES, FILE_DATA_TIMEOUT_MS, 0, xml, len, err, errlen);
}

const struct local_event_source local_event_file = {"file", file_events, NULL};
