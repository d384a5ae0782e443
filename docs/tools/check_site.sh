#!/usr/bin/env bash
# Checks the generated site in a real browser.
#
# Usage: docs/tools/check_site.sh SITE_DIR SCREENSHOT_DIR
#
# Serves SITE_DIR on a loopback port, loads the main page, a handout and an
# API page in headless Chromium (saving a screenshot of each and checking that
# each rendered its title and content), then checks every internal link and
# image of every page. Exits non-zero on the first problem.
set -euo pipefail

site=$(cd "$1" && pwd)
shots=$(mkdir -p "$2" && cd "$2" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
profile=$(mktemp -d)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >"$shots/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$profile"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.1
done

# The flags keep Chromium from reaching for the network this machine lacks.
browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
         --disable-background-networking --disable-component-update --disable-sync
         --user-data-dir="$profile" --window-size=1280,1400 --hide-scrollbars)

# page, and a phrase its rendered DOM must contain
pages=(
  "index.html|Processes and threads: the lab kit"
  "lab01_handout.html|Task 1"
  "namespacelab01.html|decode_status"
)
for entry in "${pages[@]}"; do
  page=${entry%%|*}
  phrase=${entry#*|}
  name=${page%.html}
  "${browser[@]}" --dump-dom "http://127.0.0.1:$port/$page" >"$shots/$name.dom.html" 2>"$shots/$name.log"
  if ! grep -q "$phrase" "$shots/$name.dom.html" || ! grep -q 'class="contents"' "$shots/$name.dom.html"; then
    echo "check_site: $page did not render (no '$phrase' in its DOM)" >&2
    exit 1
  fi
  "${browser[@]}" --screenshot="$shots/$name.png" "http://127.0.0.1:$port/$page" 2>>"$shots/$name.log" >/dev/null
  if [[ ! -s $shots/$name.png ]]; then
    echo "check_site: no screenshot of $page" >&2
    exit 1
  fi
  echo "rendered $page -> $shots/$name.png"
done
python3 "$here/check_links.py" "$site"
