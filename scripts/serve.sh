#!/usr/bin/env bash
# Run Chefu locally: Celery workers + Celery beat in the background, gunicorn in
# front. Ctrl-C (or TERM) stops them all; if any one of them dies, the others
# are stopped too and the script exits non-zero. Run scripts/setup.sh first.
#
#   PORT=8000 scripts/serve.sh
#
# Workers: one per group of CELERY_WORKERS, a space-separated list of
# queue[,queue...][:concurrency] (queues of chefu/broker.py). The default is one
# worker for every queue, light on a small machine; production gives the
# busiest concerns workers of their own (README: "Queues and workers"), e.g.
#   CELERY_WORKERS="notifications:4 payments:2 default,quality,consignment:2"
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-8000}
# Where this site answers: payment providers (the sandbox's notifications) and the back office build URLs on it.
export PAYMENT_NOTIFY_BASE_URL=${PAYMENT_NOTIFY_BASE_URL:-http://127.0.0.1:$PORT}
export WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$PORT}
BIN=.venv/bin
# gunicorn and celery read DJANGO_SETTINGS_MODULE from .env, as manage.py does (chefu/environment.py).
[ -f .env ] || { echo "ERROR: .env not found; run scripts/setup.sh first" >&2; exit 1; }

for exe in celery gunicorn; do
    [ -x "$BIN/$exe" ] || { echo "ERROR: $BIN/$exe not found; run scripts/setup.sh first" >&2; exit 1; }
done

# Prometheus metrics from every process (gunicorn's workers, Celery's): each writes its own files here and /metrics
# adds them up. Emptied at each start, so counters start from zero with the processes that feed them.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
# Only prometheus_client's own files: the variable may name a directory shared with something else.
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -type f -name '*.db' -delete

pids=()
declare -A names=()

# Each service runs in its own session/process group (setsid), so stopping it
# also reaches its children (Celery pool processes, gunicorn workers).
start() {
    local name=$1
    shift
    setsid "$@" </dev/null &
    pids+=("$!")
    names[$!]=$name
}

stopping=0
stop_all() {
    [ "$stopping" -eq 1 ] && return 0
    stopping=1
    trap '' INT TERM
    local pid watchdog
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    # Give them 15 s for a graceful shutdown, then kill what is left.
    (
        sleep 15
        for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    ) &
    watchdog=$!
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    # Stray grandchildren left in the groups, if any.
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}

trap 'echo; echo "==> stopping"; stop_all; exit 130' INT
trap 'echo "==> stopping"; stop_all; exit 143' TERM
trap 'stop_all' EXIT

CELERY_WORKERS=${CELERY_WORKERS:-default,notifications,payments,quality,consignment:2}
for group in $CELERY_WORKERS; do
    queues=${group%%:*}
    concurrency=2
    [[ $group == *:* ]] && concurrency=${group##*:}
    # -n: one node name per group, so that workers on one host do not clash.
    start "celery worker ($queues)" "$BIN/celery" -A chefu worker -l info -Q "$queues" \
        --concurrency "$concurrency" -n "${queues//,/-}@%h"
done
start "celery beat" "$BIN/celery" -A chefu beat -l info \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler
# Workers, keep-alive and logging: deploy/gunicorn.conf.py (WEB_CONCURRENCY and WEB_THREADS set the numbers of workers and threads); its
# child_exit hook marks a worker that exits dead in PROMETHEUS_MULTIPROC_DIR.
start gunicorn "$BIN/gunicorn" chefu.wsgi:application -c deploy/gunicorn.conf.py --bind "127.0.0.1:$PORT"

echo "==> Chefu is starting on http://127.0.0.1:$PORT/  (Ctrl-C to stop)"
echo "Demo accounts: see README.md"

status=0
died=
wait -n -p died "${pids[@]}" || status=$?
name="a process"
[ -n "$died" ] && name=${names[$died]:-$name}
echo "==> $name exited (status $status); stopping everything" >&2
stop_all
[ "$status" -ne 0 ] || status=1
exit "$status"
