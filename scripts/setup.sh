#!/usr/bin/env bash
# Prepare everything Chefu needs on a Debian 12 machine, idempotently.
#
#   scripts/setup.sh          system packages, PostgreSQL/PostGIS, Redis, .venv,
#                             .env, migrations, demo data (what `make run` needs)
#   scripts/setup.sh --dev    the same plus dev/test packages, Debian's
#                             Chromium for Playwright, RabbitMQ (the
#                             tests run a worker on it) and nginx (never
#                             started: the tests run `nginx -t`); no demo data
#
# Works as root, or as a user with sudo; on machines with or without systemd.
# A second run with everything in place only checks and takes a few seconds.
set -euo pipefail

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }

DEV=0
for arg in "$@"; do
    case "$arg" in
        --dev) DEV=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "setup.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
# RabbitMQ, production's broker: the tests marked rabbitmq run a worker against it (guest/guest, local only).
AMQP_HOST=127.0.0.1
AMQP_PORT=5672
# A second copy on the same machine (make smoke) sets its own database and Redis database; only a new .env uses them.
DB_NAME=${CHEFU_DB_NAME:-chefu}
REDIS_DB=${CHEFU_REDIS_DB:-0}
DB_USER=chefu
DB_PASSWORD=chefu
PYTHON=${PYTHON:-python3}
VENV=.venv

log() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# --- privileges ---------------------------------------------------------------

if [ "$(id -u)" -eq 0 ]; then
    PRIV=root
elif command -v sudo >/dev/null 2>&1; then
    PRIV=sudo
else
    PRIV=none
fi

as_root() {
    case "$PRIV" in
        root) "$@" ;;
        sudo) sudo "$@" ;;
        *) die "need root (or sudo) to run: $*" ;;
    esac
}

# psql as the PostgreSQL superuser: peer/trust auth over the local socket as the
# postgres OS user when possible, else trust auth over TCP as role postgres.
psql_admin() {
    local args=(psql -X -w -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@")
    if id postgres >/dev/null 2>&1 && [ -S "/var/run/postgresql/.s.PGSQL.$PG_PORT" ] \
        && [ "$PRIV" != none ]; then
        case "$PRIV" in
            root) (cd / && runuser -u postgres -- "${args[@]}") ;;
            sudo) (cd / && sudo -u postgres "${args[@]}") ;;
        esac
    else
        "${args[@]}" -h "$PG_HOST" -U postgres
    fi
}

# --- probes -------------------------------------------------------------------

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
    else
        port_open "$PG_HOST" "$PG_PORT"
    fi
}

redis_up() {
    if command -v redis-cli >/dev/null 2>&1; then
        timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG
    else
        # shellcheck disable=SC2016  # expanded by the inner bash
        timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
            printf "PING\r\n" >&3; IFS= read -r line <&3; [[ $line == +PONG* ]]' \
            "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
    fi
}

# An AMQP 0-9-1 server answers the protocol header with a method frame (type 1: connection.start).
rabbitmq_up() {
    # shellcheck disable=SC2016  # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3; head -c 1 <&3 | od -An -tx1 | grep -q 01' \
        "$AMQP_HOST" "$AMQP_PORT" 2>/dev/null
}

have_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

# "VERSION CLUSTER STATUS" of the Debian cluster configured on $PG_PORT, if any.
pg_cluster_on_port() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4; exit }'
}

# Major version of the PostgreSQL server we use (or will use); default 15.
pg_major() {
    local v
    v=$(pg_cluster_on_port | awk '{ print $1 }')
    if [ -z "$v" ] && pg_up && [ "$PRIV" != none ]; then
        v=$(psql_admin -tAc 'show server_version_num' 2>/dev/null | awk '{ print int($1 / 10000) }') || v=
    fi
    if [ -z "$v" ]; then
        v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null \
            | awk -F/ '{ print $5 }' | sort -n | tail -n 1)
    fi
    echo "${v:-15}"
}

# --- a. system packages -------------------------------------------------------

missing_pkgs() {
    local p st
    for p in "$@"; do
        st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) || st=
        [[ $st == ii* ]] || printf '%s\n' "$p"
    done
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null 2>&1 || { [ "$PRIV" = none ]; }; then
        echo "ERROR: these system packages are missing and cannot be installed" >&2
        echo "       (need root or sudo, on Debian 12):" >&2
        echo "       $*" >&2
        echo "       Install them, e.g.: apt-get install --no-install-recommends $*" >&2
        exit 1
    fi
    log "installing system packages: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    # A UTF-8 locale so that a cluster created by the postgresql package's
    # postinst gets UTF8 databases (a bare container has no LANG: SQL_ASCII).
    as_root env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        apt-get install -y -q --no-install-recommends "$@"
}

command -v dpkg-query >/dev/null 2>&1 || die "this script expects Debian 12 (dpkg not found)"

want=(gdal-bin libgdal32 libgeos-c1v5 libproj25 python3-venv python3-dev libpq-dev
    build-essential ca-certificates)
if ! pg_up; then
    want+=(postgresql)
elif ! command -v psql >/dev/null 2>&1; then
    want+=(postgresql-client)
fi
redis_up || want+=(redis-server)
# chromium for the browser tests; a CJK font so screenshots show Chinese; gettext for makemessages.
[ "$DEV" -eq 1 ] && want+=(chromium fonts-wqy-zenhei gettext)
# RabbitMQ for the tests of production's broker (development itself queues on Redis).
[ "$DEV" -eq 1 ] && ! rabbitmq_up && want+=(rabbitmq-server)
mapfile -t missing < <(missing_pkgs "${want[@]}")
apt_install "${missing[@]}"

PG_V=$(pg_major)
mapfile -t missing < <(missing_pkgs "postgresql-$PG_V-postgis-3" "postgresql-$PG_V-postgis-3-scripts")
apt_install "${missing[@]}"

# nginx (--dev): only its program, for the test that runs `nginx -t` on deploy/nginx/chefu.conf. Debian's package
# starts a server on port 80 as it installs and enables it at boot: a policy-rc.d that refuses every start (the
# one dpkg's invoke-rc.d and deb-systemd-invoke ask, with or without systemd) keeps it from starting, and the
# service is then disabled, so neither a boot nor a later upgrade of the package starts it.
POLICY_RC=/usr/sbin/policy-rc.d
policy_restore() {
    if [ -e "$POLICY_RC.chefu-setup" ]; then
        as_root mv -f "$POLICY_RC.chefu-setup" "$POLICY_RC"
    else
        as_root rm -f "$POLICY_RC"
    fi
}
install_without_starting() {
    [ "$#" -gt 0 ] || return 0
    # Whoever's policy is there (a container's usually refuses too) is put back afterwards.
    [ -e "$POLICY_RC" ] && as_root mv -f "$POLICY_RC" "$POLICY_RC.chefu-setup"
    trap policy_restore EXIT
    as_root sh -c "printf '#!/bin/sh\n# scripts/setup.sh: no service starts while it installs %s\nexit 101\n' \
        '$*' >'$POLICY_RC' && chmod 755 '$POLICY_RC'"
    apt_install "$@"
    policy_restore
    trap - EXIT
}
if [ "$DEV" -eq 1 ]; then
    mapfile -t missing < <(missing_pkgs nginx)
    if [ "${#missing[@]}" -gt 0 ]; then
        install_without_starting "${missing[@]}"
        # systemctl disables the unit and the SysV links, with or without a running systemd.
        if have_systemd; then
            as_root systemctl disable --now --quiet nginx.service
        elif command -v systemctl >/dev/null 2>&1; then
            as_root systemctl disable --quiet nginx.service 2>/dev/null
        else
            as_root update-rc.d nginx disable >/dev/null
        fi
    fi
fi
log "system packages present (PostgreSQL $PG_V)"

# --- b. PostgreSQL running ----------------------------------------------------

if ! pg_up; then
    cluster=$(pg_cluster_on_port)
    if [ -n "$cluster" ]; then
        read -r PG_V PG_CLUSTER _ <<<"$cluster"
    else
        PG_CLUSTER=main
        if pg_lsclusters -h 2>/dev/null | awk -v v="$PG_V" '$1 == v && $2 == "main" { f = 1 } END { exit !f }'; then
            die "PostgreSQL cluster $PG_V/main exists but is not configured for port $PG_PORT (see pg_lsclusters)"
        fi
        log "creating PostgreSQL cluster $PG_V/main"
        as_root pg_createcluster --locale C.UTF-8 --port "$PG_PORT" "$PG_V" main >/dev/null
    fi
    log "starting PostgreSQL $PG_V/$PG_CLUSTER"
    if ! { have_systemd && as_root systemctl start "postgresql@$PG_V-$PG_CLUSTER" 2>/dev/null; }; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_V" "$PG_CLUSTER" start \
            || warn "pg_ctlcluster start failed; waiting in case it is starting anyway"
    fi
    for _ in $(seq 60); do
        pg_up && break
        sleep 0.5
    done
    pg_up || die "PostgreSQL did not come up on $PG_HOST:$PG_PORT (see /var/log/postgresql/)"
fi
log "PostgreSQL is accepting connections on $PG_HOST:$PG_PORT"

# --- c. role, database, extensions available ----------------------------------

# Fast path (no privileges needed): the app role can already log in, is a
# superuser, its database exists and postgis/btree_gist are installable.
db_ok() {
    local out
    out=$(PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -w -tA -h "$PG_HOST" -p "$PG_PORT" \
        -U "$DB_USER" -d "$DB_NAME" -c "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            AND (SELECT count(*) = 2 FROM pg_available_extensions WHERE name IN ('postgis', 'btree_gist'))" \
        2>/dev/null) || return 1
    [ "$out" = t ]
}

if ! db_ok; then
    log "ensuring PostgreSQL role and database '$DB_NAME'"
    result=$(psql_admin -tA <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE "$DB_USER" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
    ELSE
        -- We only get here when logging in with .env's password failed: make the role match it.
        ALTER ROLE "$DB_USER" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
-- UTF8 even when the cluster's template1 is not (e.g. SQL_ASCII in a bare container).
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
       || CASE WHEN (SELECT encoding FROM pg_database WHERE datname = 'template1') = pg_char_to_encoding('UTF8')
               THEN '' ELSE ' ENCODING ''UTF8'' LC_COLLATE ''C.UTF-8'' LC_CTYPE ''C.UTF-8'' TEMPLATE template0' END
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
SELECT 'postgis=' || count(*) FILTER (WHERE name = 'postgis')
       || ' btree_gist=' || count(*) FILTER (WHERE name = 'btree_gist')
       || ' template1=' || (SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'template1')
FROM pg_available_extensions;
SQL
    ) || die "could not create the PostgreSQL role/database (is $PG_HOST:$PG_PORT a local Debian cluster?)"
    case "$result" in
        *postgis=1*) ;;
        *) die "the PostGIS extension is not available in PostgreSQL $PG_V on $PG_HOST:$PG_PORT (package postgresql-$PG_V-postgis-3)" ;;
    esac
    case "$result" in
        *btree_gist=1*) ;;
        *) die "the btree_gist extension is not available in PostgreSQL on $PG_HOST:$PG_PORT (PostgreSQL contrib)" ;;
    esac
    case "$result" in
        *template1=UTF8*) ;;
        *) warn "template1 is not UTF8 ($result); databases created from it (e.g. by tests) will not be UTF8" ;;
    esac
    db_ok || warn "cannot log in as $DB_USER over TCP with the default password; check pg_hba.conf and DATABASE_URL in .env"
fi
log "database '$DB_NAME' ready (role $DB_USER, superuser; postgis available)"

# --- d. Redis -----------------------------------------------------------------

if ! redis_up; then
    if port_open "$REDIS_HOST" "$REDIS_PORT"; then
        die "something listens on $REDIS_HOST:$REDIS_PORT but does not answer Redis PING"
    fi
    log "starting Redis on $REDIS_HOST:$REDIS_PORT"
    if have_systemd && systemctl cat redis-server.service >/dev/null 2>&1; then
        as_root systemctl start redis-server 2>/dev/null || true
        for _ in $(seq 20); do redis_up && break; sleep 0.25; done
    fi
    if ! redis_up; then
        # Append-only file in the project: queued Celery tasks survive a Redis restart.
        mkdir -p .data/redis
        redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly yes \
            --dir "$PWD/.data/redis" --logfile "$PWD/.data/redis/redis.log" >/dev/null
    fi
    for _ in $(seq 40); do
        redis_up && break
        sleep 0.25
    done
    redis_up || die "Redis did not come up on $REDIS_HOST:$REDIS_PORT"
fi
log "Redis answers on $REDIS_HOST:$REDIS_PORT"

# --- d2. RabbitMQ (--dev) -----------------------------------------------------

if [ "$DEV" -eq 1 ] && ! rabbitmq_up; then
    if port_open "$AMQP_HOST" "$AMQP_PORT"; then
        die "something listens on $AMQP_HOST:$AMQP_PORT but does not speak AMQP"
    fi
    log "starting RabbitMQ on $AMQP_HOST:$AMQP_PORT"
    if have_systemd && systemctl cat rabbitmq-server.service >/dev/null 2>&1; then
        as_root systemctl start rabbitmq-server 2>/dev/null || true
    elif [ -x /etc/init.d/rabbitmq-server ]; then
        as_root /etc/init.d/rabbitmq-server start >/dev/null 2>&1 || true
    fi
    # The Erlang VM takes a few seconds to boot.
    for _ in $(seq 120); do
        rabbitmq_up && break
        sleep 0.5
    done
    rabbitmq_up || die "RabbitMQ did not come up on $AMQP_HOST:$AMQP_PORT (see /var/log/rabbitmq/)"
fi
[ "$DEV" -eq 1 ] && log "RabbitMQ answers on $AMQP_HOST:$AMQP_PORT"

# --- e. virtualenv and Python packages ----------------------------------------

is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }

if [ ! -x "$VENV/bin/python" ] || [ ! -e "$VENV/bin/pip" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (need Python 3.11)"
    is_py311 "$PYTHON" || die "$PYTHON is $("$PYTHON" -V 2>&1); Chefu needs Python 3.11 (set PYTHON=/path/to/python3.11)"
    log "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
is_py311 "$VENV/bin/python" \
    || die "$VENV uses $("$VENV/bin/python" -V 2>&1), not Python 3.11; remove $VENV and run again"

# The lock files pin every package, transitive ones included, with their hashes (make lock); the runtime set
# installs from requirements.txt alone, without any development tool.
if [ "$DEV" -eq 1 ]; then kind=dev; req=requirements-dev.txt; else kind=run; req=requirements.txt; fi
[ -f "$req" ] || die "$req not found"
req_hash=$(sha256sum "$req" | cut -c1-16)
stamp="$VENV/.req-$kind-$req_hash"
if [ ! -e "$stamp" ]; then
    log "installing Python packages from $req (hash-checked)"
    # Playwright must use Debian's Chromium, never download a browser.
    PIP_DISABLE_PIP_VERSION_CHECK=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
        "$VENV/bin/python" -m pip install -q --require-hashes -r "$req"
    rm -f "$VENV/.req-$kind-"*
    touch "$stamp"
fi
log "Python packages up to date ($req)"

# --- f. .env ------------------------------------------------------------------

if [ ! -e .env ]; then
    log "writing .env"
    secret=$("$VENV/bin/python" -c 'import secrets, string
alphabet = string.ascii_letters + string.digits + "-_"
print("".join(secrets.choice(alphabet) for _ in range(50)))')
    (
        umask 077
        cat >.env.tmp <<EOF
SECRET_KEY=$secret
DATABASE_URL=postgis://$DB_USER:$DB_PASSWORD@$PG_HOST:$PG_PORT/$DB_NAME
REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB
ALLOWED_HOSTS=127.0.0.1,localhost
EOF
    )
    mv -n .env.tmp .env
    rm -f .env.tmp
fi
# manage.py, gunicorn and celery take their settings module from here and never guess one (chefu/environment.py).
# The demo's: production-like with DEBUG off; chefu.settings.dev turns on Django's debug pages.
if ! grep -q '^DJANGO_SETTINGS_MODULE=' .env; then
    log "naming the settings module in .env (chefu.settings.demo)"
    printf 'DJANGO_SETTINGS_MODULE=chefu.settings.demo\n' >>.env
fi

# --- g. migrations ------------------------------------------------------------

[ -f manage.py ] || die "manage.py not found"
log "applying migrations"
"$VENV/bin/python" manage.py migrate --noinput

log "ensuring the payment sandbox's key pairs (PAYMENT_KEYS_DIR, default var/keys)"
"$VENV/bin/python" manage.py payment_keys --if-missing

# WhiteNoise serves what is collected here, under hashed names (the demo and production settings).
log "collecting static files"
"$VENV/bin/python" manage.py collectstatic --noinput -v 0

# --- h. demo data (for `make run`) --------------------------------------------

if [ "$DEV" -eq 0 ]; then
    log "loading demo data (if empty)"
    "$VENV/bin/python" manage.py seed_demo --stores 300 --if-empty
fi

log "setup done in ${SECONDS}s"
