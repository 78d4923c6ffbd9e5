#!/bin/sh
# Fails when src/ or tests/ use a banned C function (unbounded copies and unchecked conversions).
cd "$(dirname "$0")/.." || exit 2
hits=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|stpcpy)[[:space:]]*\(' \
        --include='*.c' --include='*.h' src tests | grep -v 'banned.sh')
if [ -n "$hits" ]; then
  echo "banned functions used (use snprintf, memcpy with a checked length, strtol):"
  echo "$hits"
  exit 1
fi
echo "no banned functions in src/ and tests/"
