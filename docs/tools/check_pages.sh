#!/usr/bin/env bash
# Checks pages the grader writes (the class page, students' pages, the
# similarity report) in a real browser, opened from file:// as an instructor
# opens them.
#
# Usage: docs/tools/check_pages.sh DIR SHOTS 'PAGE|PHRASE'...
#
# For each PAGE (a path under DIR, optionally with a #fragment) loads it in
# headless Chromium, saves its rendered DOM (SHOTS/NAME.dom.html) and a
# screenshot (SHOTS/NAME.png), and requires PHRASE in the DOM and not one
# console message (a script error, a blocked load). Then checks every link
# and image of every page under DIR. Exits non-zero on the first problem.
set -euo pipefail

dir=$(cd "$1" && pwd)
shots=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# The flags keep Chromium from reaching for the network this machine lacks;
# the logging flags make it print every console message.
browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
         --disable-background-networking --disable-component-update --disable-sync
         --user-data-dir="$profile" --window-size=1280,1600 --hide-scrollbars
         --enable-logging=stderr --v=0)

for entry in "$@"; do
  page=${entry%%|*}
  phrase=${entry#*|}
  name=$(printf '%s' "$page" | tr '/#=' '___')
  name=${name//.html/}
  url="file://$dir/$page"
  "${browser[@]}" --dump-dom "$url" >"$shots/$name.dom.html" 2>"$shots/$name.log"
  if ! grep -qF "$phrase" "$shots/$name.dom.html"; then
    echo "check_pages: $page did not render (no '$phrase' in its DOM)" >&2
    exit 1
  fi
  if grep -q ':CONSOLE' "$shots/$name.log"; then
    echo "check_pages: $page wrote to the console:" >&2
    grep ':CONSOLE' "$shots/$name.log" >&2
    exit 1
  fi
  "${browser[@]}" --screenshot="$shots/$name.png" "$url" 2>>"$shots/$name.log" >/dev/null
  if [[ ! -s $shots/$name.png ]]; then
    echo "check_pages: no screenshot of $page" >&2
    exit 1
  fi
  echo "rendered $page -> $shots/$name.png"
done
python3 "$here/check_links.py" --recursive "$dir"
