#!/usr/bin/env node
/* The wiki's search (search.js over search-index.js) must answer like `vpndiag explain --json`:
 * same kind of answer (error / nothing / entries) and the same codes in the same order.
 * usage: node search_agree.js VPNDIAG SITE [--data PATH] [--all-tags]
 *   --all-tags also runs every tag and every title word of the index as a query. */
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { spawnSync } = require('child_process');

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: node search_agree.js VPNDIAG SITE [--data PATH] [--all-tags]');
  process.exit(2);
}
const [vpndiag, site] = args;
const di = args.indexOf('--data');
const data = di >= 0 ? args[di + 1] : null;
const allTags = args.includes('--all-tags');

const ctx = vm.createContext({});
for (const f of ['search-index.js', 'search.js'])
  vm.runInContext(fs.readFileSync(path.join(site, f), 'utf8'), ctx, { filename: f });
const S = vm.runInContext('VpndiagSearch', ctx);
const index = vm.runInContext('VPNDIAG_INDEX', ctx);

const queries = [
  '809', '0x80092013', '-2146885613', 'ERROR_IPSEC_IKE_AUTH_FAIL', 'nat traversal', 'pre-shared key',
  'certificate revocation',
  /* more forms explain accepts */
  '80092013', '800B0109', '0x329', '809.', 'error 809', 'Error code: 0x80092013',
  'The user dialed a connection named Work which has failed. The error code returned on failure is 809.',
  'error_vpn_timeout', 'ERROR_NETNAME_DELETED', 'ERROR_NO_SUCH_THING', 'HRESULT_FROM_WIN32',
  'certificat', 'firewall udp 500', 'why does l2tp fail behind nat', 'IKEv2 fragmentation',
  'password', 'the', 'zzzz', 'sstp 443 tls', 'registry reboot', 'eap peap mschapv2',
  /* not found, and malformed (explain exits 1 and 2) */
  '12345', '0x80000001', '0x', '0x123456789', '99999999999', '-0', '-2147483649', '   ',
];
if (allTags) {
  const extra = new Set();
  for (const e of index.entries) {
    for (const t of e.tags) extra.add(t);
    for (const w of e.title.split(/\s+/)) if (w.length > 3) extra.add(w.toLowerCase());
  }
  queries.push(...extra);
}

function explain(q) {
  const argv = ['explain', '--json'];
  if (data) argv.push('--data', data);
  argv.push('--', q);
  const r = spawnSync(vpndiag, argv, { encoding: 'utf8', env: Object.assign({}, process.env, { NO_COLOR: '1' }) });
  if (r.status === 2) return { kind: 'error', codes: [] };
  if (r.status !== 0 && r.status !== 1) throw new Error(`explain ${JSON.stringify(q)}: exit ${r.status}: ${r.stderr}`);
  const codes = r.status === 0 ? JSON.parse(r.stdout).entries.map((e) => e.code) : [];
  return { kind: r.status === 1 ? 'none' : 'found', codes };
}

function js(q) {
  const r = S.search(index, q);
  if (r.kind === 'error') return { kind: 'error', codes: [] };
  if (r.kind === 'notfound') return { kind: 'none', codes: [] };
  return { kind: 'found', codes: r.entries.map((e) => e.code) };
}

let bad = 0;
for (const q of queries) {
  const c = explain(q), j = js(q);
  const same = c.kind === j.kind && c.codes.join(',') === j.codes.join(',');
  if (!same) {
    bad++;
    console.log(`DIFFER ${JSON.stringify(q)}\n  explain: ${c.kind} ${c.codes.join(' ')}\n  search.js: ${j.kind} ${j.codes.join(' ')}`);
  } else if (!allTags || queries.indexOf(q) < 40) {
    console.log(`ok ${JSON.stringify(q)}: ${c.kind} ${c.codes.slice(0, 5).join(' ')}${c.codes.length > 5 ? ' ...' : ''}`);
  }
}
console.log(`${queries.length - bad}/${queries.length} queries agree`);
process.exit(bad ? 1 : 0);
