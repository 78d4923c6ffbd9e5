#!/usr/bin/env python3
"""The knowledge base and the wiki agree: every entry has exactly one article (and there is no
other article), each article is the entry's (code, symbol, title), every related code is a link to
an existing article, every tag a link to an existing tag page, and the search index holds every
entry.

usage: kb_agree.py VPNDIAG SITE [--data PATH]"""
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser


class Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.section = None
        self.links = {}  # section id -> [href]
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2" and a.get("id"):
            self.section = a["id"]
        if tag == "a" and a.get("href") and self.section:
            self.links.setdefault(self.section, []).append(a["href"])

    def handle_data(self, data):
        self.text.append(data)


def stem(code):
    return f"0x{code:08x}" if code & 0x80000000 else str(code)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    vpndiag, site = args[0], args[1]
    cmd = [vpndiag, "explain", "--list", "--json"]
    if "--data" in args:
        cmd += ["--data", args[args.index("--data") + 1]]
    entries = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["entries"]
    codes = {e["code"] for e in entries}
    problems = []
    articles = sorted(f for f in os.listdir(os.path.join(site, "errors")) if f.endswith(".html"))
    want = sorted(stem(e["code"]) + ".html" for e in entries)
    if articles != want:
        extra = sorted(set(articles) - set(want))
        missing = sorted(set(want) - set(articles))
        problems.append(f"articles differ from the entries: missing {missing[:10]}, extra {extra[:10]}")
    if len(entries) != len(codes):
        problems.append("duplicate codes in the knowledge base")
    for e in entries:
        path = os.path.join(site, "errors", stem(e["code"]) + ".html")
        if not os.path.isfile(path):
            continue
        p = Links()
        with open(path, encoding="utf-8") as f:
            p.feed(f.read())
        text = " ".join("".join(p.text).split())
        for what in (e["symbol"], " ".join(e["title"].split()), " ".join(e["quick_answer"].split())):
            if what not in text:
                problems.append(f"{stem(e['code'])}: article does not show {what[:60]!r}")
        related = p.links.get("related", [])
        for r in e["related"]:
            if r not in codes:
                problems.append(f"{stem(e['code'])}: related code {r} has no entry")
            href = stem(r) + ".html"
            if f"../errors/{href}" not in related:
                problems.append(f"{stem(e['code'])}: related code {r} is not linked in 'Related errors'")
            elif not os.path.isfile(os.path.join(site, "errors", href)):
                problems.append(f"{stem(e['code'])}: related link {href} has no article")
        tags = p.links.get("tags", [])
        if len(tags) != len(e["tags"]):
            problems.append(f"{stem(e['code'])}: {len(e['tags'])} tags but {len(tags)} tag links")
        for t in tags:
            if not os.path.isfile(os.path.normpath(os.path.join(site, "errors", t))):
                problems.append(f"{stem(e['code'])}: tag link {t} has no page")
    with open(os.path.join(site, "search-index.js"), encoding="utf-8") as f:
        js = f.read()
    m = re.search(r"var VPNDIAG_INDEX = (\{.*\});\s*$", js, re.S)
    if not m:
        problems.append("search-index.js does not assign VPNDIAG_INDEX")
    else:
        idx = json.loads(m.group(1))
        if [x["code"] for x in idx["entries"]] != [e["code"] for e in entries]:
            problems.append("search index entries differ from the knowledge base")
    for p in problems[:50]:
        print(p)
    print(f"{len(entries)} entries, {len(articles)} articles, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
