#!/bin/sh
# The man page renders with man -l and groff reports no warnings.
page="$(dirname "$0")/../docs/vpndiag.1"
command -v man >/dev/null || { echo "man not installed"; exit 77; }
warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warn" ] || { echo "$warn"; exit 1; }
MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q 'vpndiag explain' || { echo "man page did not render"; exit 1; }
echo "man page renders cleanly"
