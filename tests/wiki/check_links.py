#!/usr/bin/env python3
"""Every internal link and resource of the built wiki resolves, and nothing is loaded from outside.

usage: check_links.py SITE
Checks every *.html under SITE: href/src/action values that are relative must name an existing
file (and, with a #fragment, an element with that id in it). Resources (script src, link href,
img src) must be local: the site is self-contained. Links to the outside (a, with http(s)) are
reported; the wiki has none apart from canonical links when built with --base-url."""
import os
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit, unquote


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []  # (tag, attr, value, line)
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.add(value)
            if value is None:
                continue
            if (name in ("href", "src", "action")) or (tag == "link" and name == "href"):
                self.refs.append((tag, name, value, self.getpos()[0]))


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    site = os.path.abspath(sys.argv[1])
    pages = {}
    for root, _, files in os.walk(site):
        for f in files:
            if f.endswith(".html"):
                pages[os.path.join(root, f)] = None
    if not pages:
        print(f"no pages under {site}")
        return 1
    problems = []
    nrefs = 0
    for path in sorted(pages):
        pages[path] = pages[path] or parse(path)
        for tag, attr, value, line in pages[path].refs:
            nrefs += 1
            where = f"{os.path.relpath(path, site)}:{line}: <{tag} {attr}=\"{value}\">"
            u = urlsplit(value)
            if u.scheme or u.netloc:
                if tag == "link" and attr == "href" and value.startswith(("http://", "https://")):
                    continue  # rel=canonical with --base-url: not loaded
                problems.append(f"{where}: external reference (the site must be self-contained)")
                continue
            target = path if u.path == "" else os.path.normpath(os.path.join(os.path.dirname(path), unquote(u.path)))
            if not target.startswith(site + os.sep):
                problems.append(f"{where}: leaves the site")
                continue
            if not os.path.isfile(target):
                problems.append(f"{where}: {os.path.relpath(target, site)} does not exist")
                continue
            if u.fragment:
                if not target.endswith(".html"):
                    continue
                if target not in pages or pages[target] is None:
                    pages[target] = parse(target)
                if unquote(u.fragment) not in pages[target].ids:
                    problems.append(f"{where}: no id \"{u.fragment}\" in {os.path.relpath(target, site)}")
    for p in problems[:50]:
        print(p)
    print(f"{len(pages)} pages, {nrefs} links and resources, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
