#!/usr/bin/env bash
# A PostgreSQL streaming replica (a second cluster on another port, made with pg_basebackup -R), and optionally a
# private primary to replicate, for trying the read replica (chefu/db_router.py) or for the tests. Every command is
# idempotent: a cluster that exists is started if stopped and left as it is otherwise.
#
#   scripts/replica.sh primary DIR PORT          a private primary in DIR on 127.0.0.1:PORT (initdb, trust over
#                                                127.0.0.1 only, superuser "postgres", replication allowed)
#   scripts/replica.sh replica DIR PORT PRIMARY_PORT [PRIMARY_HOST [ROLE]]
#                                                a hot standby of PRIMARY_HOST:PRIMARY_PORT (127.0.0.1, role
#                                                "postgres") in DIR on 127.0.0.1:PORT
#   scripts/replica.sh stop DIR                  stop the cluster in DIR
#   scripts/replica.sh destroy DIR               stop it and delete DIR
#
# The script never reconfigures a cluster it did not create. To replicate the machine's main cluster, give it a
# replication entry in pg_hba.conf and a role with REPLICATION first (README, "Read replica").
# PostgreSQL refuses to run as root: as root, the clusters belong to and run as the `postgres` OS user, so DIR's
# parent must be one that user can enter (not under a 0700 directory of root's).
set -euo pipefail

die() { echo "replica.sh: $*" >&2; exit 1; }
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

PG_BIN=${PG_BIN:-}
if [ -z "$PG_BIN" ]; then
    PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
fi
[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_basebackup" ] || die "PostgreSQL's binaries not found (set PG_BIN)"

# Run a PostgreSQL program as the owner of the clusters: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

dir_prepare() {
    local dir=$1
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner test -w "$dir" || die "$dir is not writable by the clusters' owner (its parent must be enterable)"
}

is_cluster() { [ -f "$1/PG_VERSION" ]; }

start() {
    local dir=$1
    if as_owner "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        return 0
    fi
    as_owner "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -20 "$dir/server.log" >&2; die "the cluster in $dir did not start (log above)"; }
}

# Settings written after the ones a copy inherits (the later line wins): the port, TCP on 127.0.0.1 only, no Unix
# socket (so it cannot collide with the main cluster's).
settings_write() {
    local dir=$1 port=$2
    as_owner tee -a "$dir/postgresql.conf" >/dev/null <<EOF

# --- scripts/replica.sh ---
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
EOF
}

cmd=${1:-}
case "$cmd" in
    primary)
        [ $# -eq 3 ] || usage
        dir=$(realpath -m "$2") port=$3
        if ! is_cluster "$dir"; then
            dir_prepare "$dir"
            # wal_level=replica, max_wal_senders=10 and the replication lines of pg_hba.conf are initdb's defaults.
            as_owner "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
            as_owner sed -i -E 's/^(local|host)(\s+)/#\1\2/' "$dir/pg_hba.conf"
            as_owner tee -a "$dir/pg_hba.conf" >/dev/null <<EOF
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
            settings_write "$dir" "$port"
        fi
        start "$dir"
        echo "primary: $dir on 127.0.0.1:$port"
        ;;
    replica)
        [ $# -ge 4 ] && [ $# -le 6 ] || usage
        dir=$(realpath -m "$2") port=$3 primary_port=$4 primary_host=${5:-127.0.0.1} role=${6:-postgres}
        if ! is_cluster "$dir"; then
            dir_prepare "$dir"
            # -R: standby.signal and primary_conninfo; -X stream: the WAL written during the copy comes along.
            as_owner "$PG_BIN/pg_basebackup" -D "$dir" -h "$primary_host" -p "$primary_port" -U "$role" -w \
                -X stream -R -c fast --no-sync \
                || die "pg_basebackup from $primary_host:$primary_port as $role failed (replication allowed there?)"
            as_owner rm -f "$dir/server.log"
            settings_write "$dir" "$port"
        fi
        [ -f "$dir/standby.signal" ] || die "$dir holds a cluster that is not a standby"
        start "$dir"
        echo "replica: $dir on 127.0.0.1:$port, streaming from $primary_host:$primary_port"
        ;;
    stop)
        [ $# -eq 2 ] || usage
        if is_cluster "$2"; then
            as_owner "$PG_BIN/pg_ctl" -D "$2" -m fast -w status >/dev/null 2>&1 \
                && as_owner "$PG_BIN/pg_ctl" -D "$2" -m fast -w stop >/dev/null
        fi
        true
        ;;
    destroy)
        [ $# -eq 2 ] || usage
        "$0" stop "$2"
        if [ -d "$2" ]; then
            is_cluster "$2" || [ -z "$(ls -A "$2")" ] || die "$2 is not a cluster; not deleting it"
            rm -rf "$2"
        fi
        ;;
    *) usage ;;
esac
