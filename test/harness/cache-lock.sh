# Sourced by prereqs.sh (and by its test): the parts of it that must be right when two runs meet.
# Two runs at once (two checkouts, or `npm start` during `npm test`) share the cache directory;
# without a lock one deletes code-server while the other installs it.

# lock_cache DIR: holds an exclusive flock(1) on DIR/.lock for the rest of the calling shell
# (file descriptor 9; the kernel releases it when the shell exits, even on kill -9). While another
# run holds it, says so on stderr (which file, which run) and waits up to CACHELENS_LOCK_WAIT
# seconds (default 1800), then fails with what to do.
lock_cache() {
  local dir=$1 wait=${CACHELENS_LOCK_WAIT:-1800}
  local lock="$dir/.lock" holder
  command -v flock >/dev/null || { echo "[prereqs] flock is missing: install util-linux (apt-get install util-linux)" >&2; return 1; }
  mkdir -p "$dir"
  exec 9>>"$lock"   # append: the holder's line stays readable until we own the lock
  if ! flock -n 9; then
    holder=$(cat "$lock" 2>/dev/null || true)
    echo "[prereqs] waiting for $lock: another prereqs.sh run (${holder:-unknown}) is installing into $dir; waiting up to ${wait}s for it to finish" >&2
    if ! flock -w "$wait" 9; then
      echo "[prereqs] still locked after ${wait}s: $lock is held by ${holder:-unknown}. Wait for that run, stop it, or set CACHELENS_CACHE to another directory." >&2
      return 1
    fi
    echo "[prereqs] $lock is free, going on" >&2
  fi
  printf 'pid %s, %s, started %s\n' "$$" "$PWD" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" > "$lock"
}

# install_failure LOG: why an install failed, on stderr. The last lines of a failed npm install
# are often a compile line of another package with no error in it; the cause is earlier. Prints
# the first error lines (npm's `npm error`/`npm ERR!`, node-gyp's `gyp ERR!`, compiler `error:`),
# then the last lines, then where the whole log is.
install_failure() {
  local log=$1 errors
  errors=$(grep -n -E 'ERR!|^npm error|[Ee]rror:|fatal:' "$log" 2>/dev/null | head -40 || true)
  echo "[prereqs] the install failed. Error lines of $log:" >&2
  if [ -n "$errors" ]; then printf '%s\n' "$errors" >&2; else echo "  (no line says error; see the end of the log below)" >&2; fi
  echo "[prereqs] last lines of $log:" >&2
  tail -15 "$log" >&2
  echo "[prereqs] full log: $log" >&2
}
