#!/usr/bin/env python3
"""The HTML report of one run against its JSON (ctest lab_html, tests/lab/tests/html.sh).

  html_check.py REPORT.html REPORT.json EXIT_CODE

Asserts that the page holds the same diagnosis as --json: per protocol the verdict, Windows error
and cause (the data-* attributes of the verdict table's rows), the findings in the same order with
protocol, cause, error, severity and basis (data-* of each <section class="finding">), each
finding's summary and evidence as text; data-exit-code is the process's exit code; and that no
src/href leads anywhere but within the page or to the default wiki layout (errors/CODE.html).
Prints one line per problem; exit 0 when there is none, 1 otherwise."""
import html.parser
import json
import sys


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows = {}
        self.findings = []
        self.links = []
        self.body = {}
        self.text = []
        self.scripts = 0
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                self.links.append(a[k])
        if tag == "body":
            self.body = a
        if tag == "script":
            self.scripts += 1
            self.in_script = True
            if "src" in a:
                self.links.append(a["src"])
        if tag == "tr" and "data-protocol" in a:
            self.rows[a["data-protocol"]] = (a.get("data-verdict"), a.get("data-error"), a.get("data-cause"))
        if tag == "section" and "finding" in (a.get("class") or "").split():
            self.findings.append(tuple(a.get("data-" + k) for k in
                                       ("protocol", "cause", "error", "severity", "basis")))

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if not self.in_script:
            self.text.append(data)


def err_str(v):
    return "" if v is None else str(v)


def main():
    path, jpath, rc = sys.argv[1], sys.argv[2], sys.argv[3]
    problems = []
    with open(path, encoding="utf-8") as f:
        page = Page()
        page.feed(f.read())
    with open(jpath, encoding="utf-8") as f:
        j = json.load(f)
    text = " ".join(" ".join(page.text).split())

    for key, p in j["protocols"].items():
        want = (p["verdict"], err_str(p.get("windows_error")), p.get("cause") or "")
        got = page.rows.get(key)
        if got != want:
            problems.append("protocol %s: HTML %s, JSON %s" % (key, got, want))
    extra = set(page.rows) - set(j["protocols"])
    if extra:
        problems.append("HTML rows not in the JSON: %s" % sorted(extra))

    want_f = [(f.get("protocol") or "", f["cause"], err_str(f.get("windows_error")), f["severity"], f["basis"])
              for f in j["findings"]]
    if page.findings != want_f:
        problems.append("findings differ:\n    HTML %s\n    JSON %s" % (page.findings, want_f))
    for f in j["findings"]:
        for s in [f["summary"]] + list(f.get("evidence") or []):
            if " ".join(s.split()) not in text:
                problems.append("finding %s: text missing from the page: %.80s" % (f["cause"], s))

    if page.body.get("data-exit-code") != rc:
        problems.append("data-exit-code %s, process exit code %s" % (page.body.get("data-exit-code"), rc))
    for link in page.links:
        if not (link.startswith("#") or (link.startswith("errors/") and link.endswith(".html")
                                         and "/" not in link[len("errors/"):] and ":" not in link)):
            problems.append("a link that leaves the page: %s" % link)
    if page.scripts > 1:
        problems.append("%d script elements (only the copy buttons' one is expected)" % page.scripts)

    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
