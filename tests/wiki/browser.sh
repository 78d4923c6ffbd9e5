#!/bin/sh
# A real headless browser (Debian's chromium) renders the built wiki from file:// and the test
# asserts on the rendered DOM:
#   - errors/809.html shows the AssumeUDPEncapsulationContextOnSendRule fix as a command block,
#     with JavaScript on (copy buttons added) and off (the page is readable without it);
#   - search.html?q=nat%20traversal lists 809 among its first three results once search.js ran.
# Screenshots are kept in ARTIFACTS (809.png, search-nat-traversal.png, and a phone-width, a
# dark-mode, an index and two JavaScript-off views).
# usage: browser.sh SITE ARTIFACTS     (exit 77: chromium is not installed)
set -u
site=$(cd "${1:?usage: browser.sh SITE ARTIFACTS}" && pwd)
art=${2:?usage: browser.sh SITE ARTIFACTS}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIPPED: chromium is not installed (apt-get install chromium, or make deps)"
  exit 77
fi
mkdir -p "$art"
fail=0

# chromium ARGS...: one fresh profile per run, no network services, bounded in time.
# With nojs=1 the profile's content settings block JavaScript (as a user who turned it off).
run() {
  prof=$(mktemp -d)
  if [ "${nojs:-0}" = 1 ]; then
    mkdir -p "$prof/Default"
    echo '{"profile":{"default_content_setting_values":{"javascript":2}}}' > "$prof/Default/Preferences"
  fi
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" "$@" 2>"$art/chromium.log"
  rc=$?
  rm -rf "$prof"
  nojs=0
  return $rc
}

article="file://$site/errors/809.html"
search="file://$site/search.html?q=nat%20traversal"
fixre='<pre class="cmd[^"]*"><code>[^<]*AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD'

run --virtual-time-budget=5000 --dump-dom "$article" > "$art/809.dom.html" || { echo "chromium failed on $article"; cat "$art/chromium.log"; exit 1; }
if grep -Eq "$fixre" "$art/809.dom.html"; then
  echo "ok: errors/809.html shows the AssumeUDPEncapsulationContextOnSendRule fix in a command block"
else
  echo "FAIL: errors/809.html: no command block with the AssumeUDPEncapsulationContextOnSendRule fix"; fail=1
fi
if grep -q '<button type="button" class="copy"' "$art/809.dom.html"; then
  echo "ok: copy.js added the copy buttons"
else
  echo "FAIL: errors/809.html: copy.js did not run"; fail=1
fi

nojs=1 run --virtual-time-budget=5000 --dump-dom "$article" > "$art/809.nojs.dom.html"
if grep -Eq "$fixre" "$art/809.nojs.dom.html" && ! grep -q 'class="copy"' "$art/809.nojs.dom.html"; then
  echo "ok: with JavaScript off errors/809.html still shows the fix (and no copy buttons)"
else
  echo "FAIL: with JavaScript off errors/809.html does not show the fix"; fail=1
fi

run --virtual-time-budget=5000 --dump-dom "$search" > "$art/search.dom.html"
codes=$(grep -o 'data-code="[^"]*"' "$art/search.dom.html" | sed 's/data-code="\(.*\)"/\1/' | tr '\n' ' ')
top3=$(echo "$codes" | cut -d' ' -f1-3)
echo "search.html?q=nat%20traversal results: $codes"
case " $top3 " in
  *" 809 "*) echo "ok: 809 is in the top three ($top3)" ;;
  *) echo "FAIL: 809 is not in the top three results ($top3)"; fail=1 ;;
esac

# Screenshots: look at them.
run --screenshot="$art/809.png" --window-size=1200,1600 "$article" >/dev/null
run --virtual-time-budget=5000 --screenshot="$art/search-nat-traversal.png" --window-size=1200,1600 "$search" >/dev/null
run --screenshot="$art/809-phone.png" --window-size=390,1400 "$article" >/dev/null
run --force-dark-mode --screenshot="$art/809-dark.png" --window-size=1200,1600 "$article" >/dev/null
run --screenshot="$art/index.png" --window-size=1200,1600 "file://$site/index.html" >/dev/null
nojs=1 run --screenshot="$art/809-nojs.png" --window-size=1200,1600 "$article" >/dev/null
nojs=1 run --screenshot="$art/search-nojs.png" --window-size=1200,900 "$search" >/dev/null
for f in 809.png search-nat-traversal.png 809-phone.png 809-dark.png index.png 809-nojs.png search-nojs.png; do
  if [ -s "$art/$f" ]; then echo "screenshot: $art/$f"; else echo "FAIL: no screenshot $f"; fail=1; fi
done
exit $fail
