#!/usr/bin/env python3
"""A hostile knowledge-base entry comes out of `vpndiag wiki build` escaped.

usage: hostile.py VPNDIAG WORKDIR
Writes WORKDIR/data/errors/ with entries whose title, symbol, quick answer, cause, cause id, fix,
command, FAQ and source carry markup and quotes, builds the wiki with --data, then checks every
page: the only elements are the ones the templates write (no <img>, <svg>, no on* attribute, no
script other than ours), the JSON-LD parses and cannot close its element, and the hostile strings
are present as text (escaped, not dropped)."""
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

SCRIPT = "<script>alert(1)</script>"
IMG = "\"'><img src=x onerror=alert(1)>"
CLOSE = "</script><script>alert(2)</script><!--"

HOSTILE = f"""code: 809
symbol: ERROR_{SCRIPT}
category: ras
title: {SCRIPT} title {IMG}
quick: quick {IMG} & {CLOSE}
meaning: meaning {SCRIPT}
detail: detail {IMG}
cause: cause {IMG} {SCRIPT}
cause-protocols: l2tp
cause-basis: inferred
cause-id: udp500-filtered
step: step {SCRIPT}
fix: fix {IMG}
fix-command: reg add "HKLM\\x" /v {IMG}
 echo {SCRIPT} && del *.*
faq: question {CLOSE} {IMG}?
faq-answer: answer {CLOSE} {SCRIPT}
tags: nat, index, a--b, a-b
related: 800
source: inferred: source {IMG} {SCRIPT}
"""

PLAIN = """code: 800
symbol: ERROR_AUTOMATIC_VPN_FAILED
category: ras
title: A plain neighbour
quick: Plain.
meaning: Plain.
cause: Plain.
cause-protocols: all
cause-basis: documented
step: Plain.
fix: Plain.
tags: nat
source: documented: plain
"""

OUR_SCRIPTS = {"search-index.js", "search.js", "../copy.js"}
ALLOWED = {"html", "head", "meta", "title", "link", "body", "a", "header", "div", "nav", "ul", "li", "form",
           "label", "input", "button", "main", "footer", "p", "code", "script", "article", "h1", "h2", "h3",
           "span", "section", "ol", "pre", "dl", "dt", "dd", "strong", "noscript"}


class Check(HTMLParser):
    def __init__(self, name, problems):
        super().__init__(convert_charrefs=True)
        self.name, self.problems = name, problems
        self.in_ld = False
        self.ld = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ALLOWED:
            self.problems.append(f"{self.name}: unexpected element <{tag}>")
        for k, _ in attrs:
            if k.startswith("on") or k in ("srcdoc", "formaction"):
                self.problems.append(f"{self.name}: event-handler attribute {k} on <{tag}>")
        for k in ("href", "src", "action"):
            v = (a.get(k) or "").strip().lower()
            if v.startswith(("javascript:", "data:")):
                self.problems.append(f"{self.name}: {k}={v[:30]}")
        if tag == "script":
            if a.get("type") == "application/ld+json":
                self.in_ld = True
            elif a.get("src") not in OUR_SCRIPTS:
                self.problems.append(f"{self.name}: foreign script {a}")

    def handle_endtag(self, tag):
        if tag == "script" and self.in_ld:
            self.in_ld = False
            raw = "".join(self.ld)
            self.ld = []
            try:
                doc = json.loads(raw)
                if doc.get("@type") != "FAQPage":
                    self.problems.append(f"{self.name}: JSON-LD is not a FAQPage")
                if CLOSE not in doc["mainEntity"][0]["name"]:
                    self.problems.append(f"{self.name}: JSON-LD lost the question text")
            except (ValueError, KeyError, IndexError) as e:
                self.problems.append(f"{self.name}: JSON-LD does not parse: {e}")
            if "<" in raw:
                self.problems.append(f"{self.name}: raw '<' inside the JSON-LD script")

    def handle_data(self, data):
        if self.in_ld:
            self.ld.append(data)
        else:
            self.text.append(data)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    vpndiag, work = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "data", "errors"))
    with open(os.path.join(work, "data", "errors", "809.txt"), "w", encoding="utf-8") as f:
        f.write(HOSTILE)
    with open(os.path.join(work, "data", "errors", "800.txt"), "w", encoding="utf-8") as f:
        f.write(PLAIN)
    site = os.path.join(work, "site")
    r = subprocess.run([vpndiag, "wiki", "build", "--data", os.path.join(work, "data"),
                        "--base-url", "https://help.example.com/vpn", site], capture_output=True, text=True)
    print(r.stdout + r.stderr, end="")
    if r.returncode != 0:
        print(f"wiki build failed: exit {r.returncode}")
        return 1
    problems = []
    texts = {}
    for root, _, files in os.walk(site):
        for fn in files:
            path = os.path.join(root, fn)
            name = os.path.relpath(path, site)
            with open(path, encoding="utf-8") as f:
                raw = f.read()
            if fn.endswith((".html", ".xml")):
                for bad in ("<script>alert", "<img", "<!--", "</script><script>alert"):
                    if bad in raw:
                        problems.append(f"{name}: contains unescaped {bad!r}")
            if fn.endswith(".html"):
                c = Check(name, problems)
                c.feed(raw)
                c.close()
                texts[name] = " ".join("".join(c.text).split())
    art = texts.get("errors/809.html", "")
    for want in (SCRIPT + " title " + IMG, "cause " + IMG + " " + SCRIPT, "reg add \"HKLM\\x\" /v " + IMG,
                 "echo " + SCRIPT + " && del *.*", "ERROR_" + SCRIPT, "source " + IMG):
        if want not in art:
            problems.append(f"errors/809.html: the text {want!r} is not shown literally")
    # Tags that slug to the same name, and a tag named like the tags index, get distinct pages.
    for page in ("tags/index.html", "tags/index-2.html", "tags/a-b.html", "tags/a-b-2.html", "tags/nat.html"):
        if page not in texts:
            problems.append(f"missing {page}")
    if "Tag: index" not in texts.get("tags/index-2.html", ""):
        problems.append("tags/index-2.html is not the page of the tag 'index'")
    with open(os.path.join(site, "search-index.js"), encoding="utf-8") as f:
        js = f.read()
    m = re.search(r"var VPNDIAG_INDEX = (\{.*\});\s*$", js, re.S)
    if not m or json.loads(m.group(1))["entries"][1]["title"] != f"{SCRIPT} title {IMG}":
        problems.append("search-index.js does not carry the title as data")
    with open(os.path.join(site, "sitemap.xml"), encoding="utf-8") as f:
        sm = f.read()
    if "<loc>https://help.example.com/vpn/errors/809.html</loc>" not in sm:
        problems.append("sitemap.xml lacks the article's absolute URL")
    for p in problems[:40]:
        print(p)
    print(f"{len(texts)} pages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
