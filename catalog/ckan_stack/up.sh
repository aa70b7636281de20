#!/usr/bin/env bash
# Starts the local CKAN stack (`make ckan-up`): PostgreSQL, Redis, Solr and CKAN on 127.0.0.1,
# all state under var/ckan/. Installs what is missing first (install.sh). Safe to run again:
# services that run are left alone; on a running stack it installs a changed ckanext-ida, renders
# ckan.ini and the schema anew, restarts CKAN (only CKAN) when any of them changed since CKAN started,
# and checks the accounts. One up.sh at a time per stack (a lock in var/ckan/run).
# Ports and paths: settings.sh. Stop with down.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/settings.sh"
[[ $EUID -eq 0 ]] || die "run as root (it installs Debian packages and runs PostgreSQL as user postgres)"
started=$SECONDS

# port_taken PORT: something listens on 127.0.0.1:PORT.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port NAME PORT: fail early if a process that is not ours holds PORT.
free_port() { ! port_taken "$2" || die "$1: port $2 is in use by another process (change it: see settings.sh)"; }

pg() { (cd / && runuser -u postgres -- "$@"); }   # initdb and the server refuse root
psql_admin() { pg "$PG_BIN/psql" -h "$PG_DATA/socket" -p "$CKAN_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

make_secrets() {
    local name
    mkdir -p "$CKAN_VAR/secrets" && chmod 700 "$CKAN_VAR/secrets"
    for name in secret_key db_password; do
        [[ -s "$CKAN_VAR/secrets/$name" ]] && continue
        (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$CKAN_VAR/secrets/$name")
    done
}

# PostgreSQL runs as user postgres: it must be able to reach its folder under var/ckan.
let_postgres_reach() {
    local dir="$1"
    while [[ "$dir" != / ]]; do
        dir="$(dirname "$dir")"
        if ! pg test -x "$dir"; then
            log "chmod o+x $dir (so that user postgres can reach $PG_DATA)"
            chmod o+x "$dir"
        fi
    done
}

start_postgres() {
    if [[ ! -f "$PG_DATA/data/PG_VERSION" ]]; then
        log "PostgreSQL: new cluster in $PG_DATA"
        rm -rf "$PG_DATA" && mkdir -p "$PG_DATA/data" "$PG_DATA/socket"
        chown -R postgres:postgres "$PG_DATA" && chmod 700 "$PG_DATA"
        let_postgres_reach "$PG_DATA"
        pg "$PG_BIN/initdb" -D "$PG_DATA/data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1 \
            || die "initdb failed; see $LOGS/postgres-initdb.log"
    fi
    if ! pg "$PG_BIN/pg_ctl" -D "$PG_DATA/data" status >/dev/null 2>&1; then
        free_port PostgreSQL "$CKAN_PG_PORT"
        touch "$LOGS/postgres.log" && chown postgres:postgres "$LOGS/postgres.log"
        pg "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -l "$LOGS/postgres.log" -w -t 60 -o \
            "-c port=$CKAN_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA/socket" \
            start >/dev/null 9>&- || die "PostgreSQL did not start; see $LOGS/postgres.log"
    fi
    if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'ckan'")" != 1 ]]; then
        log "PostgreSQL: role and database ckan"
        # The password goes through stdin, not the command line.
        psql_admin <<SQL || die "creating the ckan database failed; see $LOGS/postgres.log"
CREATE ROLE ckan LOGIN PASSWORD '$(cat "$CKAN_VAR/secrets/db_password")';
CREATE DATABASE ckan OWNER ckan ENCODING 'UTF8' TEMPLATE template0;
SQL
    fi
}

start_redis() {
    ours "$RUN/redis.pid" redis-server && return 0
    free_port Redis "$CKAN_REDIS_PORT"
    mkdir -p "$CKAN_VAR/redis"
    redis-server --port "$CKAN_REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
        --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" --dir "$CKAN_VAR/redis" \
        --save "60 1" </dev/null >/dev/null 9>&- || die "Redis did not start; see $LOGS/redis.log"
    wait_for Redis 20 "$LOGS/redis.log" - redis_ok
}
redis_ok() { [[ "$(redis-cli -p "$CKAN_REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

# Solr home: solr.xml and core `ckan` with CKAN's own schema.xml (copied anew at each start).
write_solr_home() {
    local conf="$SOLR_DIR/home/ckan/conf" ckan_pkg
    mkdir -p "$conf"
    cp "$STACK_DIR/solr/solr.xml" "$SOLR_DIR/home/"
    cp "$STACK_DIR/solr/"{solrconfig.xml,protwords.txt,synonyms.txt} "$conf/"
    ckan_pkg="$("$VENV/bin/python" -c 'import ckan, os; print(os.path.dirname(ckan.__file__))')"
    cp "$ckan_pkg/config/solr/schema.xml" "$conf/"
    echo "name=ckan" >"$SOLR_DIR/home/ckan/core.properties"
}

start_solr() {   # returns at once; wait_for waits
    ours "$RUN/solr.pid" Launcher.java && return 0
    free_port Solr "$SOLR_PORT"
    write_solr_home
    setsid java -Xms256m -Xmx1g -Dsolr.log.dir="$LOGS" -Dsolr.install.dir="$SOLR_DIR" \
        -Dlog4j2.configurationFile="$STACK_DIR/solr/log4j2.xml" \
        -cp "$SOLR_DIR/lib/*" "$STACK_DIR/solr/Launcher.java" "$SOLR_DIR/home" "$SOLR_PORT" \
        </dev/null >>"$LOGS/solr.log" 2>&1 9>&- &
    echo $! >"$RUN/solr.pid"
}
solr_ok() { http_ok "$SOLR_CORE_URL/select?q=*:*&rows=0&wt=json"; }

write_ckan_config() {
    mkdir -p "$CKAN_VAR/storage" "$CKAN_VAR/schemas"
    "$VENV/bin/python" "$STACK_DIR/experiment_schema.py" "$CKAN_VAR/schemas/experiment.yaml"
    CKAN_VAR="$CKAN_VAR" CKAN_SITE_URL="$CKAN_SITE_URL" CKAN_PG_PORT="$CKAN_PG_PORT" \
        CKAN_REDIS_PORT="$CKAN_REDIS_PORT" SOLR_CORE_URL="$SOLR_CORE_URL" \
        CKAN_CATALOG_PUBLISHER_URI="$CKAN_CATALOG_PUBLISHER_URI" \
        CKAN_CATALOG_PUBLISHER_NAME="$CKAN_CATALOG_PUBLISHER_NAME" \
        CKAN_CATALOG_CONTACT_NAME="$CKAN_CATALOG_CONTACT_NAME" \
        CKAN_CATALOG_CONTACT_EMAIL="$CKAN_CATALOG_CONTACT_EMAIL" CKAN_CATALOG_HOMEPAGE="$CKAN_CATALOG_HOMEPAGE" \
        "$VENV/bin/python" "$STACK_DIR/ckan_ini.py" "$CKAN_INI" || die "writing $CKAN_INI failed"
}

init_ckan_database() {   # once per CKAN version: tables of CKAN and its plugins
    local marker="$CKAN_VAR/.db-initialised-$CKAN_VERSION"
    [[ -f "$marker" ]] && return 0
    log "CKAN: ckan db init"
    "$VENV/bin/ckan" -c "$CKAN_INI" db init >>"$LOGS/ckan-db-init.log" 2>&1 \
        || die "ckan db init failed; see $LOGS/ckan-db-init.log and $LOGS/ckan.log"
    touch "$marker"
}

# ckan_stamp: what CKAN starts with — the rendered ckan.ini, the experiment schema and the installed
# ckanext-ida. Written beside the pid file at start; when it differs, the running CKAN is outdated.
ckan_stamp() {
    cat "$CKAN_INI" "$CKAN_VAR/schemas/experiment.yaml" "$VENV/.ckanext-ida.sha256" 2>/dev/null \
        | sha256sum | cut -d' ' -f1
}

start_ckan() {   # returns at once; wait_for waits
    ours "$RUN/ckan.pid" wsgi:application && return 0
    free_port CKAN "$CKAN_PORT"
    ckan_stamp >"$RUN/ckan.stamp"
    CKAN_INI="$CKAN_INI" setsid "$VENV/bin/gunicorn" --bind "127.0.0.1:$CKAN_PORT" \
        --workers "$CKAN_WORKERS" --timeout 120 --graceful-timeout 30 \
        --max-requests 5000 --max-requests-jitter 500 \
        --log-config "$CKAN_INI" --access-logfile "$LOGS/access.log" --no-control-socket \
        --pythonpath "$STACK_DIR" wsgi:application </dev/null >>"$LOGS/gunicorn.log" 2>&1 9>&- &
    echo $! >"$RUN/ckan.pid"
}
ckan_ok() { http_ok "$CKAN_SITE_URL/api/3/action/status_show"; }

provision_accounts() {
    CKAN_INI="$CKAN_INI" CKAN_SITE_URL="$CKAN_SITE_URL" CREDENTIALS="$CREDENTIALS" \
        "$VENV/bin/python" "$STACK_DIR/provision_accounts.py" 2>>"$LOGS/provision.log" \
        || die "setting up the accounts failed; see $LOGS/provision.log and $LOGS/ckan.log"
}

stack_running() {
    ours "$RUN/ckan.pid" wsgi:application && ours "$RUN/solr.pid" Launcher.java \
        && ours "$RUN/redis.pid" redis-server \
        && pg "$PG_BIN/pg_ctl" -D "$PG_DATA/data" status >/dev/null 2>&1 && ckan_ok && solr_ok
}

mkdir -p "$LOGS" "$RUN"
exec 9>"$RUN/up.lock"
flock 9   # another up.sh on this stack (a test session, a benchmark) finishes first
bash "$STACK_DIR/install.sh"   # a second or so when everything is in place
if ! stack_running; then
    [[ -x "$PG_BIN/initdb" ]] || die "no PostgreSQL server programs in $PG_BIN (set PG_BIN)"
    make_secrets
    start_solr                 # boots while the rest starts
    start_postgres
    start_redis
    write_ckan_config
    init_ckan_database
    wait_for Solr 120 "$LOGS/solr.log" "$RUN/solr.pid" solr_ok
else
    write_ckan_config
fi
if ours "$RUN/ckan.pid" wsgi:application && [[ "$(ckan_stamp)" != "$(cat "$RUN/ckan.stamp" 2>/dev/null)" ]]; then
    log "CKAN: ckan.ini, the schema or ckanext-ida changed since CKAN started; restarting CKAN"
    stop CKAN "$RUN/ckan.pid" wsgi:application
fi
start_ckan
wait_for CKAN 180 "$LOGS/gunicorn.log" "$RUN/ckan.pid" ckan_ok
provision_accounts
log "CKAN draait / is running: $CKAN_SITE_URL (Solr :$SOLR_PORT, PostgreSQL :$CKAN_PG_PORT," \
    "Redis :$CKAN_REDIS_PORT); tokens in $CREDENTIALS; logs in $LOGS ($((SECONDS - started))s)"
