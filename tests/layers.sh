#!/bin/sh
# The layer rules of shared/DESIGN.md, checked against the code (curl-style "the code follows its
# documented rules"): each folder of src/ may include project headers only from the folders listed
# for it. The forbidden arrows (report -> probes/net/engine, rules -> engine/net/wire/probes,
# wire -> net/engine/report/crypto, probes -> rules/report, kb -> net) are absent from every list.
here=$(cd "$(dirname "$0")/.." && pwd)
allowed() {
  case $1 in
    proto)   echo "proto" ;;
    util)    echo "util" ;;
    obs)     echo "obs proto" ;;
    wire)    echo "wire obs proto util" ;;
    crypto)  echo "crypto wire obs proto util" ;;
    net)     echo "net util" ;;
    kb)      echo "kb proto util" ;;
    profile) echo "profile wire obs kb proto util" ;;
    rules)   echo "rules obs proto kb profile crypto util" ;;
    report)  echo "report rules obs proto kb local util" ;;
    wiki)    echo "wiki report kb proto util" ;;
    probes)  echo "probes engine obs net wire crypto profile proto kb util" ;;
    engine)  echo "engine probes obs net profile proto kb util" ;;
    local)   echo "local obs proto kb util" ;;
    exporter) echo "exporter proto util" ;;
    scan)    echo "scan probes rules obs net wire crypto profile proto kb util" ;;
    cli)     echo "*" ;;
    *)       echo "?" ;;
  esac
}
bad=0
for dir in "$here"/src/*/; do
  layer=$(basename "$dir")
  ok=$(allowed "$layer")
  if [ "$ok" = "?" ]; then
    echo "src/$layer: a folder the layer rules do not know (add it to tests/layers.sh and shared/DESIGN.md)"
    bad=1; continue
  fi
  [ "$ok" = "*" ] && continue
  for f in "$dir"*.c "$dir"*.h; do
    [ -f "$f" ] || continue
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
      case " $ok " in
        *" $inc "*) ;;
        *) echo "src/$layer/$(basename "$f") includes $inc/: $layer may include only: $ok"; bad=1 ;;
      esac
    done
  done
done
# The platform (issue 14): only platform files may test which platform this is. They are the
# *_posix.c / *_win.c files (CMakeLists.txt builds one set or the other) and the platform headers
# that include the system's own headers (net/sys.h, util/inet.h, util/sys.h).
for f in $(grep -rlE '^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif).*(_WIN32|_WIN64|__MINGW|__linux__|__unix__|__APPLE__|_MSC_VER)' "$here/src"); do
  case $f in
    *_posix.c|*_win.c|*/src/net/sys.h|*/src/util/inet.h|*/src/util/sys.h) ;;
    *) echo "${f#$here/}: tests the platform outside a platform file (*_posix.c, *_win.c, net/sys.h, util/inet.h, util/sys.h)"; bad=1 ;;
  esac
done
[ $bad -eq 0 ] && echo "layers: every include in src/ follows the layer rules; the platform is tested only in platform files"
exit $bad
