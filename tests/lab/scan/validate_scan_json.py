#!/usr/bin/env python3
"""Validates `vpndiag scan --json` output (a file, or stdin) against docs/scan-json.schema.json:
every line one object, responders first, exactly one summary object last, and summary.responders
equal to the number of responder lines. The subset of JSON Schema the schema uses (type, enum,
required, properties, additionalProperties false, items, minimum) is checked here, without a
dependency. Exit 0 valid, 1 not (with the reasons)."""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, '..', '..', '..', 'docs', 'scan-json.schema.json')
TYPES = {'string': str, 'integer': int, 'number': (int, float), 'boolean': bool, 'null': type(None),
         'array': list, 'object': dict}


def check(v, s, path, errs):
    if 'enum' in s and v not in s['enum']:
        errs.append(f'{path}: {v!r} not in {s["enum"]}')
    if 'type' in s:
        ts = s['type'] if isinstance(s['type'], list) else [s['type']]
        ok = any(isinstance(v, TYPES[t]) and not (t in ('integer', 'number') and isinstance(v, bool)) for t in ts)
        if not ok:
            errs.append(f'{path}: {v!r} is not {ts}')
            return
    if 'minimum' in s and isinstance(v, (int, float)) and v < s['minimum']:
        errs.append(f'{path}: {v} < {s["minimum"]}')
    if isinstance(v, dict):
        for k in s.get('required', []):
            if k not in v:
                errs.append(f'{path}: missing "{k}"')
        props = s.get('properties', {})
        for k, x in v.items():
            if k in props:
                check(x, props[k], f'{path}.{k}', errs)
            elif s.get('additionalProperties') is False:
                errs.append(f'{path}: unexpected "{k}"')
    if isinstance(v, list) and 'items' in s:
        for i, x in enumerate(v):
            check(x, s['items'], f'{path}[{i}]', errs)


def main():
    schema = json.load(open(SCHEMA))
    lines = (open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin).read().splitlines()
    errs, nresp, summaries = [], 0, 0
    for n, line in enumerate(lines, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            errs.append(f'line {n}: not JSON: {e}')
            continue
        kind = o.get('type') if isinstance(o, dict) else None
        if kind not in ('responder', 'summary'):
            errs.append(f'line {n}: type {kind!r}')
            continue
        if summaries:
            errs.append(f'line {n}: after the summary')
        check(o, schema[kind], f'line {n}', errs)
        if kind == 'responder':
            nresp += 1
        else:
            summaries += 1
            if o.get('responders') != nresp:
                errs.append(f'line {n}: summary says {o.get("responders")} responders, {nresp} lines')
    if summaries != 1:
        errs.append(f'{summaries} summary objects (want 1)')
    for e in errs:
        print('scan-json:', e)
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
