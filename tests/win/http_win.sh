#!/bin/sh
# Test of the Windows HTTP transport (src/net/http_win.c, issue 14): cross-compiles
# tests/win/http_win_test.c with it, starts a small HTTP server, a closed port and a server that
# never answers, all on 127.0.0.1 (no other traffic), runs the test under Wine in a fresh
# WINEPREFIX (a temporary folder, removed afterwards) and checks its output.
# Exit 77 (skipped) with the reason when the cross compiler, Wine or python3 is missing.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cc=x86_64-w64-mingw32-gcc-posix
skip() { echo "win http: SKIP: $*"; exit 77; }
fail() { echo "win http: FAIL: $*" >&2; exit 1; }

command -v "$cc" >/dev/null || skip "$cc not installed (tools/win-deps.sh)"
command -v wine >/dev/null || skip "wine not installed (tools/win-deps.sh)"
command -v python3 >/dev/null || skip "python3 not installed"

tmp=$(mktemp -d)
export WINEPREFIX="$tmp/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
  [ -d "$WINEPREFIX" ] && timeout 30 wineserver -k 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

exe="$tmp/http_win_test.exe"
"$cc" -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -O2 -static \
  -D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00 -DWIN32_LEAN_AND_MEAN -D__USE_MINGW_ANSI_STDIO=1 -DVD_PRINTF=gnu_printf \
  -I"$here/src" -o "$exe" "$here/tests/win/http_win_test.c" "$here/src/net/http_win.c" "$here/src/util/fmt.c" \
  -lwinhttp || fail "cross-compiling http_win_test.c failed"

# The servers: ports written to $tmp/ports once they listen (HTTP CLOSED SILENT).
python3 - "$tmp/ports" <<'EOF' &
import http.server, socket, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body, length=True, extra=()):
        self.send_response(code)
        for k, v in extra: self.send_header(k, v)
        if length: self.send_header("Content-Length", str(len(body)))
        else: self.send_header("Connection", "close"); self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        p = self.path
        if p == "/small": self.send(200, b"A" * 100)
        elif p == "/big": self.send(200, b"B" * 100000)
        elif p == "/stream": self.send(200, b"S" * 100000, length=False)
        elif p == "/redirect": self.send(302, b"", extra=(("Location", "/small"),))
        elif p == "/ua": self.send(200, self.headers.get("User-Agent", "").encode())
        elif p.startswith("/echo"): self.send(200, p.encode())
        else: self.send(404, b"not here")
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.handle_error = lambda *a: None   # the test cuts bodies short on purpose
closed = socket.socket(); closed.bind(("127.0.0.1", 0)); cport = closed.getsockname()[1]; closed.close()
silent = socket.socket(); silent.bind(("127.0.0.1", 0)); silent.listen(16)
held = []
def hold():
    while True:
        c, _ = silent.accept(); held.append(c)   # accepted, never answered
threading.Thread(target=hold, daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f: f.write("%d %d %d\n" % (srv.server_address[1], cport, silent.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
EOF
srv=$!
i=0
while [ ! -s "$tmp/ports" ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "the test servers did not start"; sleep 0.1
done
read -r http closed silent <"$tmp/ports"

# The first run boots the fresh prefix (several seconds).
rc=0
timeout 300 wine "$exe" "$http" "$closed" "$silent" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
out=$(tr -d '\r' <"$tmp/stdout")
echo "$out"
[ $rc -eq 0 ] || fail "http_win_test.exe failed under wine (exit $rc): $(tail -n 3 "$tmp/stderr")"
echo "$out" | grep -q '^FAIL' && fail "a check failed"
echo "$out" | grep -qx 'PASSED' || fail "no PASSED line"
echo "win http: OK"
