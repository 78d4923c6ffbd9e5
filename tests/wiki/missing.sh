#!/bin/sh
# Stands in for a tool that is not installed: the test is SKIPPED (exit 77), with the reason.
echo "SKIPPED: $1 is not installed (see tools/packages-wiki.txt, make deps)"
exit 77
