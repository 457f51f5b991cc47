#!/usr/bin/env bash
# Installs (or checks for) the system programs the test suite needs, so that
# `npm test` works on a fresh machine: a python3 with the `cryptography`
# package, for the independent format check (test/independent/); Debian's
# chromium, which the browser tests (test/web/*.slow.ts) drive through
# playwright-core; and util-linux `script` (Debian bsdutils), a pseudo-terminal
# for the CLI's prompt tests. Later: etcd-server (multi-node tests).
# As root with apt it installs what is missing; otherwise it stops and prints
# the exact command to run. It never skips silently.
set -euo pipefail

have_python_cryptography() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import cryptography.hazmat.primitives.ciphers.aead' >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

# The browser tests launch exactly this binary (test/web/browser.ts).
have_chromium() {
  [ -x /usr/bin/chromium ]
}

missing=()
have_python_cryptography || missing+=(python3 python3-cryptography)
have_chromium || missing+=(chromium)
# util-linux `script`: the CLI tests drive the hidden passphrase prompt through a real pseudo-terminal.
command -v script >/dev/null 2>&1 || missing+=(bsdutils)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: installing ${missing[*]} with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  exit 0
fi

echo "setup-system: missing Debian packages: ${missing[*]}" >&2
echo "setup-system: run: sudo apt-get install -y ${missing[*]}" >&2
exit 1
