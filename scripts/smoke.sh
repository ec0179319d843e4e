#!/usr/bin/env bash
# The newcomer's path, proved: a fresh clone of HEAD in a temporary folder, `make run` in it exactly as a newcomer
# types it (set-up with runtime packages only, from the hash-checked lock; migrations; demo data; gunicorn + Celery
# worker + beat on a free port), then: health ok, the worker answers a ping, a booking paid through the payment sandbox
# reaches `confirmed` through the worker, and Ctrl-C stops everything cleanly. `make smoke`; CI runs it first.
#
# It uses its own database (chefu_smoke_<pid>) and Redis database (1), and removes both, and the clone, at the end.
# Commit first: the clone has what HEAD has, not your uncommitted changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SRC=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/chefu-smoke.XXXXXX")
CLONE=$WORK/chefu
LOG=$WORK/run.log
DB_NAME=chefu_smoke_$$
REDIS_DB=1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUN_PID=

log() { printf '==> smoke: %s\n' "$*"; }
fail() {
    printf 'smoke: FAILED: %s\n' "$*" >&2
    if [ -f "$LOG" ]; then
        echo "---- last 60 lines of make run's output ----" >&2
        tail -n 60 "$LOG" >&2
    fi
    exit 1
}

# Processes still running from the clone (a clean stop leaves none); /proc, as a bare machine may have no pgrep.
leftovers() {
    local f
    for f in /proc/[0-9]*/cmdline; do
        tr '\0' ' ' 2>/dev/null <"$f" | grep -qF -- "$CLONE/" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
    done
    return 0
}

# The HTTP status of a GET (000 when nothing answers), with Python's standard library: curl may not be installed.
http_status() {
    python3 - "$1" <<'PY'
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except OSError:
    print("000")
PY
}

cleanup() {
    local status=$?
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        kill -TERM -- "-$RUN_PID" 2>/dev/null || true
        sleep 5
        kill -KILL -- "-$RUN_PID" 2>/dev/null || true
    fi
    local pid
    for pid in $(leftovers); do kill -KILL "$pid" 2>/dev/null || true; done
    if [ -x "$CLONE/.venv/bin/python" ]; then
        (cd "$CLONE" && .venv/bin/python - "$REDIS_DB" <<'PY' || true
import sys

import environ
import redis

env = environ.Env()
environ.Env.read_env(".env")
redis.Redis.from_url(env("REDIS_URL")).flushdb()
PY
        )
    fi
    PGPASSWORD=chefu psql -X -q -w -h 127.0.0.1 -U chefu -d postgres \
        -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "cloning $(git rev-parse --short HEAD) into $CLONE"
git clone -q --no-hardlinks "$SRC" "$CLONE"

log "make run on port $PORT (its output: $LOG)"
(
    cd "$CLONE"
    # setsid: make, serve.sh and every process they start share one process group, which Ctrl-C reaches.
    CHEFU_DB_NAME=$DB_NAME CHEFU_REDIS_DB=$REDIS_DB PORT=$PORT exec setsid make run </dev/null >"$LOG" 2>&1
) &
RUN_PID=$!

# Set-up (packages, migrations, demo data) comes first: up to 15 minutes on a machine without a pip cache.
log "waiting for the site to answer"
for _ in $(seq 900); do
    kill -0 "$RUN_PID" 2>/dev/null || fail "make run exited before the site answered"
    [ "$(http_status "http://127.0.0.1:$PORT/api/v1/health")" = 200 ] && break
    sleep 1
done
[ "$(http_status "http://127.0.0.1:$PORT/api/v1/health")" = 200 ] || fail "the site did not answer in 15 minutes"

cd "$CLONE"
log "the virtualenv holds the runtime packages only"
if .venv/bin/python -c 'import pytest' 2>/dev/null || [ -e .venv/bin/ruff ] || [ -e .venv/bin/uv ]; then
    fail "development tools are installed in the runtime virtualenv"
fi
.venv/bin/python -m pip check >/dev/null || fail "pip check: $(.venv/bin/python -m pip check)"
grep -q '^DJANGO_SETTINGS_MODULE=chefu.settings.demo$' .env || fail ".env does not name chefu.settings.demo"

log "the Celery worker answers a ping"
.venv/bin/celery -A chefu inspect ping --timeout 10 >"$WORK/ping.txt" 2>&1 || { cat "$WORK/ping.txt" >&2; fail "no worker answered"; }
grep -q pong "$WORK/ping.txt" || fail "the worker's answer has no pong: $(cat "$WORK/ping.txt")"

log "an unknown page is the branded 404, not Django's debug page"
.venv/bin/python - "http://127.0.0.1:$PORT/no-such-page/" <<'PY' || fail "an unknown page is not our 404"
import sys
import urllib.error
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=10)
    sys.exit("answered 200")
except urllib.error.HTTPError as error:
    body = error.read().decode()
    if error.code != 404 or "error-code" not in body or "Traceback" in body:
        sys.exit(f"answered {error.code}")
PY

log "a booking paid through the sandbox"
.venv/bin/python "$CLONE/scripts/smoke_client.py" "http://127.0.0.1:$PORT" || fail "the booking was not paid end to end"

log "stopping (Ctrl-C)"
kill -INT -- "-$RUN_PID"
for _ in $(seq 40); do
    kill -0 "$RUN_PID" 2>/dev/null || break
    sleep 0.5
done
kill -0 "$RUN_PID" 2>/dev/null && fail "make run still runs 20 s after Ctrl-C"
RUN_PID=
sleep 1
[ -z "$(leftovers)" ] || fail "processes left after the stop: $(for p in $(leftovers); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
grep -q 'stopping' "$LOG" || fail "serve.sh did not stop its processes itself"

log "ok: fresh clone served, worker answered, booking confirmed through the worker, clean stop (${SECONDS}s)"
