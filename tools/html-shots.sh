#!/bin/sh
# Screenshots of HTML reports (`vpndiag probe --html FILE`) in headless Chromium, to look at: for
# each FILE, NAME-light.png (1280 px wide), NAME-dark.png (the same with the system in dark mode)
# and NAME-narrow.png (a 390 px phone-sized window; NAME-narrow-top.png its first screen, at full size). A manual check, not a test: nothing asserts
# on the pictures. JavaScript stays on (the copy buttons appear); NAME-nojs.png is with it off.
# usage: tools/html-shots.sh OUTDIR FILE...     (exit 77: chromium is not installed)
out=${1:?usage: html-shots.sh OUTDIR FILE...}
shift
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIPPED: chromium is not installed (apt-get install chromium)"; exit 77; }
mkdir -p "$out"
shot() { # PNG WIDTH HEIGHT NOJS URL [FLAGS...]
  png=$1 w=$2 h=$3 nojs=$4 url=$5
  shift 5
  prof=$(mktemp -d)
  if [ "$nojs" = 1 ]; then
    mkdir -p "$prof/Default"
    echo '{"profile":{"default_content_setting_values":{"javascript":2}}}' > "$prof/Default/Preferences"
  fi
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$prof" --window-size="$w,$h" --virtual-time-budget=3000 "$@" \
    --screenshot="$png" "$url" >/dev/null 2>"$out/chromium.log" || echo "chromium failed on $url (see $out/chromium.log)"
  rm -rf "$prof"
  [ -s "$png" ] && echo "$png"
}
for f in "$@"; do
  name=$(basename "$f" .html)
  url="file://$(readlink -f "$f")"
  shot "$out/$name-light.png" 1280 2600 0 "$url"
  shot "$out/$name-dark.png" 1280 2600 0 "$url" --force-dark-mode --blink-settings=preferredColorScheme=0
  shot "$out/$name-narrow.png" 390 3000 0 "$url"
  shot "$out/$name-narrow-top.png" 390 1100 0 "$url"
  shot "$out/$name-nojs.png" 1280 1400 1 "$url"
done
