/* The local rules (local_rules.h): services, registry values, connections, each with its basis.
 * The facts and their sources are in docs/local.md. */
#include "local/local_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/fmt.h"
#include "util/text.h"

const char *local_sev_name(enum local_sev s)
{
	return s == LOCAL_FAILURE ? "failure" : s == LOCAL_WARNING ? "warning" : "info";
}

/* The stages of a dial [D: facts §1.1, "RAS Connection Establishment Issues"]. */
const char *local_stage_name(unsigned id)
{
	switch (id) {
	case 20221: return "dialing had started (20221): before the tunnel";
	case 20222: return "connecting the device (20222): the tunnel, IPsec or transport stage";
	case 20223: return "the device connected (20223): the PPP or authentication stage";
	case 20224: return "the link was up (20224): the authentication stage";
	default: return "no earlier stage event";
	}
}

static struct local_finding *add(struct local_diag *d, const char *cause, const char *conn, enum local_sev sev,
				 uint32_t err, enum kb_basis basis, const char *fmt, ...) __attribute__((format(VD_PRINTF, 7, 8)));

static struct local_finding *add(struct local_diag *d, const char *cause, const char *conn, enum local_sev sev,
				 uint32_t err, enum kb_basis basis, const char *fmt, ...)
{
	if (d->n >= LOCAL_MAX_FINDINGS) {
		d->dropped++;
		return NULL;
	}
	struct local_finding *f = &d->f[d->n++];
	memset(f, 0, sizeof *f);
	fmt_into(f->cause, sizeof f->cause, "%s", cause);
	fmt_into(f->conn, sizeof f->conn, "%s", conn ? conn : "");
	f->sev = sev;
	f->windows_error = err;
	f->basis = basis;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->summary, sizeof f->summary, fmt, ap);
	va_end(ap);
	return f;
}

static void evidence(struct local_finding *f, const char *fmt, ...) __attribute__((format(VD_PRINTF, 2, 3)));
static void evidence(struct local_finding *f, const char *fmt, ...)
{
	if (!f || f->nevidence >= 2)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->evidence[f->nevidence++], sizeof f->evidence[0], fmt, ap);
	va_end(ap);
}

/* Which protocols the PC's VPN connections use (proto names from pbk_entry_protocols). */
static bool pc_uses(const struct local_pc *pc, const char *proto)
{
	for (size_t i = 0; i < pc->nconns; i++) {
		const char *p[4];
		size_t n = local_conn_is_vpn(&pc->conns[i]) ? pbk_entry_protocols(&pc->conns[i].e, p) : 0;
		for (size_t k = 0; k < n; k++)
			if (strcmp(p[k], proto) == 0)
				return true;
	}
	return false;
}

/* A registry value as Windows reads it: absent or of another type counts as 0 [O: facts §2.2]. */
static uint32_t reg_effective(const struct local_pc *pc, enum local_reg r)
{
	return pc->reg[r].state == LOCAL_PRESENT ? pc->reg[r].value : 0;
}

static void set_action(struct local_finding *f, enum fix_kind kind, int target, uint32_t value, bool reboot)
{
	if (!f)
		return;
	f->has_action = true;
	f->action = (struct fix_action){.kind = kind, .value = value, .reboot = reboot};
	if (kind == FIX_SET_DWORD)
		f->action.reg = (enum local_reg)target;
	else
		f->action.svc = (enum local_svc)target;
	fmt_into(f->action.cause, sizeof f->action.cause, "%s", f->cause);
	fmt_into(f->action.why, sizeof f->action.why, "%s", f->summary);
}

/* ---- services ---- */
static void rule_services(const struct local_pc *pc, struct local_diag *d)
{
	if (!pc->have_services)
		return;
	bool ipsec = pc_uses(pc, "ikev2") || pc_uses(pc, "l2tp"), sstp = pc_uses(pc, "sstp"), any = pc->nconns > 0;
	for (int s = 0; s < LOCAL_SVC_COUNT; s++) {
		const struct local_service *v = &pc->svc[s];
		const struct local_svc_def *def = &local_svc_defs[s];
		bool needed = s == LOCAL_SVC_RASMAN ? any : s == LOCAL_SVC_SSTPSVC ? sstp : ipsec;
		if (v->state == LOCAL_ABSENT) {
			add(d, "service-missing", "", needed ? LOCAL_WARNING : LOCAL_INFO, 0, KB_OBSERVED,
			    "the %s service is not installed on this PC (%s)", def->name, def->title);
			continue;
		}
		if (v->state != LOCAL_PRESENT) {
			add(d, "service-unreadable", "", LOCAL_INFO, 0, KB_OBSERVED,
			    "the state of the %s service could not be read (Windows error %u)", def->name, (unsigned)v->error);
			continue;
		}
		bool disabled = v->start_type == LOCAL_START_DISABLED;
		bool running = v->run_state == LOCAL_SVC_RUNNING;
		/* IKEEXT and BFE: ERROR_IPSEC_SERVICE_STOPPED [D: raserror.h 827]; RasMan disabled: 711
		 * ERROR_RASMAN_CANNOT_INITIALIZE [D]; PolicyAgent: 791, no policy [I]; SstpSvc: no number
		 * is documented for a disabled SSTP service. BFE is an automatic service: stopped is
		 * already wrong; IKEEXT and the others start on demand, so only disabled is. */
		bool bad = disabled || (s == LOCAL_SVC_BFE && !running);
		if (!bad) {
			struct local_finding *f = add(d, "service-ok", "", LOCAL_INFO, 0, KB_DOCUMENTED, "%s is %s (start type %s)",
						      def->name, running ? "running" : "stopped",
						      v->start_type == LOCAL_START_AUTO ? "automatic" : v->start_type == LOCAL_START_DEMAND ? "manual" : "system");
			if (!running)
				evidence(f, "a manual (demand or trigger) start service starts when a connection needs it");
			continue;
		}
		uint32_t err = 0;
		enum kb_basis basis = KB_DOCUMENTED;
		const char *cause = "service-disabled";
		if (s == LOCAL_SVC_IKEEXT || s == LOCAL_SVC_BFE) {
			err = needed ? 827 : 0;
			cause = s == LOCAL_SVC_IKEEXT ? "ikeext-stopped" : "bfe-stopped";
		} else if (s == LOCAL_SVC_RASMAN) {
			err = 711;
			cause = "rasman-disabled";
		} else if (s == LOCAL_SVC_POLICYAGENT) {
			err = pc_uses(pc, "l2tp") ? 791 : 0;
			basis = KB_INFERRED;
			cause = "policyagent-disabled";
		} else {
			basis = KB_INFERRED;
			cause = "sstpsvc-disabled";
		}
		struct local_finding *f =
			add(d, cause, "", needed ? LOCAL_FAILURE : LOCAL_WARNING, err, basis, "%s is %s%s: %s", def->name,
			    disabled ? "disabled" : "stopped", needed ? "" : " (no connection on this PC needs it now)", def->title);
		if (!f)
			continue;
		if (disabled) {
			fmt_into(f->fix, sizeof f->fix, "Set %s's start type back to Windows' default (%s) and start it.", def->name,
				 def->default_start == LOCAL_START_AUTO ? "automatic" : "manual");
			set_action(f, FIX_START_TYPE, s, def->default_start, false);
		} else {
			fmt_into(f->fix, sizeof f->fix, "Start %s.", def->name);
			set_action(f, FIX_RESTART_SERVICE, s, 0, false);
		}
	}
}

/* ---- registry values ---- */
static void rule_registry(const struct local_pc *pc, const struct local_probe_facts *facts, struct local_diag *d)
{
	if (!pc->have_registry)
		return;
	for (int r = 0; r < LOCAL_REG_COUNT; r++)
		if (pc->reg[r].state == LOCAL_WRONG_TYPE)
			add(d, "registry-wrong-type", "", LOCAL_WARNING, 0, KB_OBSERVED,
			    "%s is not a REG_DWORD (type %u): Windows reads it as 0", local_reg_defs[r].value, (unsigned)pc->reg[r].type);
	/* AssumeUDPEncapsulationContextOnSendRule: needed only for an L2TP server behind NAT: 1, or 2
	 * when this PC is behind NAT too [D: KB 926179]. Only a probe of the server can tell. */
	uint32_t assume = reg_effective(pc, LOCAL_REG_ASSUME_UDP);
	for (size_t i = 0; facts && i < pc->nconns; i++) {
		const struct local_probe_facts *p = &facts[i];
		if (!p->l2tp_probed || p->nat_server != 1)
			continue;
		uint32_t need = p->nat_client == 1 ? 2 : 1;
		const char *name = pc->conns[i].e.name;
		if (assume >= need) {
			add(d, "assume-udp-set", name, LOCAL_INFO, 0, KB_DOCUMENTED,
			    "the L2TP server is behind NAT and AssumeUDPEncapsulationContextOnSendRule is %u, enough (it takes effect after a restart of the PC)",
			    (unsigned)assume);
			continue;
		}
		struct local_finding *f = add(d, "server-behind-nat", name, LOCAL_FAILURE, 809, KB_DOCUMENTED,
					      "the L2TP server is behind NAT%s and AssumeUDPEncapsulationContextOnSendRule is %u: Windows refuses it (809) until the value is %u",
					      need == 2 ? ", and so is this PC" : "", (unsigned)assume, (unsigned)need);
		if (!f)
			continue;
		evidence(f, "the server's NAT-D hashes did not match its address%s", need == 2 ? "; this PC's did not match either" : "");
		fmt_into(f->fix, sizeof f->fix,
			 "Set AssumeUDPEncapsulationContextOnSendRule = %u (%s), then restart the PC.", (unsigned)need,
			 need == 2 ? "server and client behind NAT" : "server behind NAT");
		set_action(f, FIX_SET_DWORD, LOCAL_REG_ASSUME_UDP, need, true);
	}
	/* The probe's own fixes that are registry changes on this PC (e.g. NegotiateDH2048_AES256 for a
	 * server that refuses the default IKEv2 proposals): one mechanism, the profile's data. */
	for (size_t i = 0; facts && i < pc->nconns; i++) {
		for (size_t k = 0; k < facts[i].nreg_fix; k++) {
			const struct fix_action *a = &facts[i].reg_fix[k];
			uint32_t cur = reg_effective(pc, a->reg);
			if (cur == a->value || a->reg == LOCAL_REG_ASSUME_UDP)
				continue; /* done, or the NAT rule above decides */
			struct local_finding *f =
				add(d, a->cause, pc->conns[i].e.name, LOCAL_FAILURE, facts[i].reg_fix_error[k], KB_VENDOR, "%s (%s is %u here)",
				    a->why, local_reg_defs[a->reg].value, (unsigned)cur);
			if (!f)
				continue;
			fmt_into(f->fix, sizeof f->fix, "Set %s = %u.", local_reg_defs[a->reg].value, (unsigned)a->value);
			f->has_action = true;
			f->action = *a;
		}
	}
	/* ProhibitIpSec=1: no automatic IPsec policy for L2TP: 791 [D: KB 240262; kb 791]. */
	if (reg_effective(pc, LOCAL_REG_PROHIBIT_IPSEC) == 1 && pc_uses(pc, "l2tp")) {
		struct local_finding *f = add(d, "prohibit-ipsec", "", LOCAL_FAILURE, 791, KB_DOCUMENTED,
					      "ProhibitIpSec is 1: Windows creates no IPsec policy for L2TP, so L2TP/IPsec connections fail unless a hand-made policy matches");
		if (f) {
			fmt_into(f->fix, sizeof f->fix, "Set ProhibitIpSec = 0 (then restart the PC), unless an administrator built an IPsec policy on purpose.");
			set_action(f, FIX_SET_DWORD, LOCAL_REG_PROHIBIT_IPSEC, 0, true);
		}
	}
	/* DH2048 = 2: only AES-256/MODP2048 is offered [V: strongSwan] */
	if (reg_effective(pc, LOCAL_REG_DH2048) == 2 && pc_uses(pc, "ikev2"))
		add(d, "dh2048-only", "", LOCAL_INFO, 0, KB_VENDOR,
		    "NegotiateDH2048_AES256 is 2: IKEv2 connections with the default policy offer only AES-256-CBC with MODP2048; a server that refuses it gives 13868");
	/* Weakened checks: security warnings */
	if (reg_effective(pc, LOCAL_REG_NAME_EKU) == 1)
		add(d, "name-eku-check-off", "", LOCAL_WARNING, 0, KB_VENDOR,
		    "DisableIKENameEkuCheck is 1: IKEv2 accepts a server certificate with any name and EKU (a man in the middle with any certificate of a trusted CA is accepted)");
	if (reg_effective(pc, LOCAL_REG_SSTP_NO_CRL) == 1)
		add(d, "sstp-crl-check-off", "", LOCAL_WARNING, 0, KB_OBSERVED,
		    "NoCertRevocationCheck is 1: SSTP does not check whether the server certificate is revoked");
	if (reg_effective(pc, LOCAL_REG_L2TP_WEAK) == 1)
		add(d, "l2tp-weak-crypto", "", LOCAL_WARNING, 0, KB_OBSERVED,
		    "AllowL2TPWeakCrypto is 1: L2TP/IPsec may negotiate DES and MD5");
}

/* ---- the connections themselves ---- */
static bool ipv6_literal(const char *s)
{
	return strchr(s, ':') != NULL;
}

static void rule_connections(const struct local_pc *pc, struct local_diag *d)
{
	for (size_t i = 0; i < pc->nconns; i++) {
		const struct pbk_entry *e = &pc->conns[i].e;
		if (!local_conn_is_vpn(&pc->conns[i]))
			continue;
		if (e->nservers == 0)
			add(d, "no-server", e->name, LOCAL_FAILURE, 0, KB_INFERRED, "the connection has no server address");
		if (e->disable_ike_name_eku_check == PBK_YES)
			add(d, "name-eku-check-off", e->name, LOCAL_WARNING, 0, KB_OBSERVED,
			    "the connection has DisableIKENameEkuCheck=1: its IKEv2 server certificate's name and EKU are not checked");
		if (e->custom_policy)
			add(d, "custom-ipsec-policy", e->name, LOCAL_INFO, 0, KB_DOCUMENTED,
			    "the connection has a custom IPsec policy (Set-VpnConnectionIPsecConfiguration): Windows sends exactly that one IKE proposal, not the defaults the probe speaks");
		if (e->vpn_strategy == PBK_VS_PPTP_ONLY && e->nservers && ipv6_literal(e->servers[0]))
			add(d, "pptp-ipv6", e->name, LOCAL_FAILURE, 825, KB_DOCUMENTED,
			    "PPTP to the IPv6 address %s: Windows' PPTP does not support IPv6", e->servers[0]);
		if (e->ip_prioritize_remote == PBK_NO)
			add(d, "split-tunnel", e->name, LOCAL_INFO, 0, KB_OBSERVED,
			    "split tunnelling: only the VPN's own routes go through the tunnel (IpPrioritizeRemote=0)");
	}
}

/* ---- the events: what Windows reported, newest first ---- */
static void rule_events(const struct local_pc *pc, struct local_diag *d)
{
	for (size_t i = 0; i < pc->nfailures; i++) {
		const struct local_failure *x = &pc->failures[i];
		const char *conn = x->ev->ndata > 2 ? x->ev->data[2] : "";
		uint32_t code = (uint32_t)x->code; /* evt_error_code: the knowledge base's unsigned form */
		struct local_finding *f = add(d, "event-failure", conn, LOCAL_WARNING, code, KB_DOCUMENTED,
					      "Windows logged this error for the connection (RasClient event 20227)");
		if (f)
			evidence(f, "the attempt reached: %s", local_stage_name(x->stage));
	}
}

void local_rules(const struct local_pc *pc, const struct local_probe_facts *facts, struct local_diag *d)
{
	memset(d, 0, sizeof *d);
	rule_services(pc, d);
	rule_registry(pc, facts, d);
	rule_connections(pc, d);
	rule_events(pc, d);
}

void local_rules_plan(const struct local_pc *pc, const struct local_diag *d, struct fix_plan *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < d->n; i++) {
		if (!d->f[i].has_action)
			continue;
		struct fix_action a = d->f[i].action;
		if (a.kind == FIX_SET_DWORD)
			a.old_reg = pc->reg[a.reg];
		else
			a.old_start = pc->svc[a.svc].start_type;
		(void)fix_plan_add(p, &a);
	}
	fix_plan_finish(p, pc);
}

/* ---- reading a registry fix command ---- */
static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next word (quoted or not) into out; returns the rest, or NULL. */
static const char *word(const char *s, char *out, size_t outlen)
{
	s = skip_ws(s);
	size_t n = 0;
	char q = *s == '"' ? *s++ : 0;
	while (*s && *s != '\n' && (q ? *s != q : *s != ' ' && *s != '\t')) {
		if (n + 1 >= outlen)
			return NULL;
		out[n++] = *s++;
	}
	if (q && *s++ != q)
		return NULL;
	out[n] = 0;
	return n ? s : NULL;
}

bool fix_from_command(const char *cmd, struct fix_action *a)
{
	char w[6][200];
	const char *s = cmd;
	for (int i = 0; i < 2; i++)
		if (!(s = word(s, w[i], sizeof w[i])))
			return false;
	if (!text_ieq(w[0], "reg") || !text_ieq(w[1], "add") || !(s = word(s, w[2], sizeof w[2])))
		return false;
	const char *key = w[2];
	if (strncmp(key, "HKLM\\", 5) == 0)
		key += 5;
	else if (strncmp(key, "HKEY_LOCAL_MACHINE\\", 19) == 0)
		key += 19;
	else
		return false;
	char name[200] = "", type[40] = "", data[40] = "";
	bool force = false;
	while ((s = word(s, w[3], sizeof w[3])) != NULL) {
		if (text_ieq(w[3], "/f")) {
			force = true;
			continue;
		}
		char *dst = text_ieq(w[3], "/v") ? name : text_ieq(w[3], "/t") ? type : text_ieq(w[3], "/d") ? data : NULL;
		size_t dl = dst == name ? sizeof name : sizeof type;
		if (!dst || !(s = word(s, w[4], sizeof w[4])) || strlen(w[4]) >= dl)
			return false;
		fmt_into(dst, dl, "%s", w[4]);
	}
	if (!force || !text_ieq(type, "REG_DWORD") || !data[0] || strlen(data) > 9)
		return false;
	uint32_t v = 0;
	for (const char *p = data; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint32_t)(*p - '0');
	}
	for (int r = 0; r < LOCAL_REG_COUNT; r++) {
		if (text_ieq(local_reg_defs[r].key, key) && text_ieq(local_reg_defs[r].value, name)) {
			*a = (struct fix_action){.kind = FIX_SET_DWORD, .reg = (enum local_reg)r, .value = v,
						 .reboot = r == LOCAL_REG_ASSUME_UDP || r == LOCAL_REG_PROHIBIT_IPSEC};
			return true;
		}
	}
	return false;
}
