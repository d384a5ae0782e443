"""Checks every internal link and image of a generated site.

Usage: check_links.py SITE_DIR
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
    site = pathlib.Path(sys.argv[1]).resolve()
    pages = sorted(site.glob("*.html"))
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
                broken.append(f"{page.name}: broken {tag} -> {target}")
    for line in broken:
        print(line)
    print(f"{len(pages)} pages, {checked} internal links and images checked, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
