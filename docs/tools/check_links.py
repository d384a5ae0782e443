"""Checks every internal link and image of a generated site.

Usage: check_links.py [--recursive] SITE_DIR

--recursive checks the pages in SITE_DIR's sub-folders too (a results
folder: the class page, a page per student, the similarity report).
Prints one line per broken link and a summary; exits 1 if any is broken.
"""
import html.parser
import pathlib
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag in ("img", "script", "link", "object", "iframe") and name in ("src", "href", "data"))):
                self.targets.append((tag, value))


def main():
    args = sys.argv[1:]
    recursive = "--recursive" in args
    args = [arg for arg in args if arg != "--recursive"]
    if len(args) != 1:
        print("usage: check_links.py [--recursive] SITE_DIR", file=sys.stderr)
        return 2
    site = pathlib.Path(args[0]).resolve()
    pages = sorted(site.rglob("*.html") if recursive else site.glob("*.html"))
    checked = 0
    broken = []
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(errors="replace"))
        for tag, target in parser.targets:
            url = urllib.parse.urlparse(target)
            if url.scheme or url.netloc or target.startswith(("#", "javascript:", "mailto:")):
                continue
            path = urllib.parse.unquote(url.path)
            if not path:
                continue
            checked += 1
            if not (page.parent / path).resolve().exists():
                broken.append(f"{page.relative_to(site)}: broken {tag} -> {target}")
    for line in broken:
        print(line)
    print(f"{len(pages)} pages, {checked} internal links and images checked, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
