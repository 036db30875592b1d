#!/bin/sh
# The browser the report tests drive: Debian's chromium, installed with apt when it is missing and we
# are root.  Never fails (`make test` calls it): when it cannot install, it says why, and the browser
# tests skip with the reason.  Playwright's own browser download is never used (no network for it here).
for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        echo "browser for the report tests: $(command -v "$candidate")"
        exit 0
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is not installed and this is not root, so it cannot be installed here (sudo apt-get install chromium); the browser tests will skip."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and there is no apt-get on this system; the browser tests will skip."
    exit 0
fi
echo "installing Debian's chromium for the report tests (apt-get)..."
if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
   || { apt-get update >/dev/null 2>&1 && \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }; then
    echo "browser for the report tests: $(command -v chromium)"
else
    echo "apt-get could not install chromium (no network or no package source?); the browser tests will skip."
fi
exit 0
