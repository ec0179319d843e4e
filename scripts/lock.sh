#!/usr/bin/env bash
# The lock files: requirements.txt from requirements.in (runtime) and requirements-dev.txt from
# requirements-dev.in (runtime + tools), every package pinned with its hashes, compiled by uv.
#
#   scripts/lock.sh           recompile both, keeping every pin the inputs still allow (`make lock`)
#   scripts/lock.sh --check   exit 1 when an input and its lock disagree (`make lock-check`; CI runs it)
#   scripts/lock.sh --upgrade recompile both with the newest versions the inputs allow
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV=$(realpath -m "${UV:-.venv/bin/uv}")
[ -x "$UV" ] || { echo "ERROR: $UV not found: run 'make setup-dev' first" >&2; exit 1; }
mode=${1:-}
case "$mode" in "" | --check | --upgrade) ;; *) echo "usage: $0 [--check|--upgrade]" >&2; exit 2 ;; esac

LOCKS=(requirements.txt requirements-dev.txt)

# Both locks, compiled in the current directory with the same options every time (so a check reproduces them
# byte for byte). The runtime lock first: the dev input is constrained by it.
compile_all() {
    local lock
    for lock in "${LOCKS[@]}"; do
        "$UV" pip compile --quiet --generate-hashes --universal --python-version 3.11 \
            --custom-compile-command "make lock" "$@" "${lock%.txt}.in" -o "$lock"
    done
}

if [ "$mode" != --check ]; then
    compile_all ${mode:+"$mode"}
    exit 0
fi

# Recompile copies of the committed locks: uv keeps a lock's pins unless its input rules them out, so any
# difference means an input changed without `make lock`.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp requirements.in requirements-dev.in "${LOCKS[@]}" "$tmp/"
(cd "$tmp" && compile_all) || { echo "lock-check: uv could not compile the inputs" >&2; exit 1; }
status=0
for lock in "${LOCKS[@]}"; do
    if ! diff -u "$lock" "$tmp/$lock"; then
        echo "lock-check: $lock does not match ${lock%.txt}.in: run 'make lock' and commit both" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "lock files match their inputs"
exit "$status"
