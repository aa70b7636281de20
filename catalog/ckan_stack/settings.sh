# Shared by up.sh, down.sh and install.sh: where the local CKAN stack keeps its state, which
# versions and ports it uses, and small helpers. Every setting can be overridden from the
# environment (see README.md in this folder).

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$STACK_DIR/../.." && pwd)"

# All state: databases, index, venv, jars, logs, credentials. Survives restarts; rm -rf resets.
CKAN_VAR="${CKAN_VAR:-$REPO_DIR/var/ckan}"

CKAN_PORT="${CKAN_PORT:-5000}"
SOLR_PORT="${SOLR_PORT:-8983}"
CKAN_PG_PORT="${CKAN_PG_PORT:-5439}"         # not 5432: a system cluster may own that one
CKAN_REDIS_PORT="${CKAN_REDIS_PORT:-6389}"   # not 6379: Debian's redis-server may run there
CKAN_WORKERS="${CKAN_WORKERS:-4}"            # gunicorn worker processes
CKAN_SITE_URL="http://127.0.0.1:$CKAN_PORT"

# The catalogue as DCAT-AP-NL describes it (dcat:Catalog; ckanext-ida writes it, see ckan.ini.template).
# The IPO has no TOOI URI: its website stands for it until it has one.
CKAN_CATALOG_PUBLISHER_URI="${CKAN_CATALOG_PUBLISHER_URI:-https://www.ipo.nl/}"
CKAN_CATALOG_PUBLISHER_NAME="${CKAN_CATALOG_PUBLISHER_NAME:-Interprovinciaal Overleg (IPO)}"
CKAN_CATALOG_CONTACT_NAME="${CKAN_CATALOG_CONTACT_NAME:-IDA Leerplatform (IPO)}"
CKAN_CATALOG_CONTACT_EMAIL="${CKAN_CATALOG_CONTACT_EMAIL:-info@ipo.nl}"
CKAN_CATALOG_HOMEPAGE="${CKAN_CATALOG_HOMEPAGE:-$CKAN_SITE_URL}"
SOLR_CORE_URL="http://127.0.0.1:$SOLR_PORT/solr/ckan"

CKAN_VERSION="2.12.0"
CKAN_PACKAGES=(
    "ckan[requirements]==$CKAN_VERSION"
    "ckanext-scheming==3.1.0"
    "ckanext-dcat==2.4.4"
    "gunicorn==27.0.1"
)
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"   # Debian 12's PostgreSQL
APT_PACKAGES=(postgresql redis-server libpq-dev)

# The project's own CKAN extension (DCAT-AP-NL profile, lessons in the index), installed into the venv
# by install.sh and again whenever its source changes.
IDA_EXTENSION="$STACK_DIR/ckanext-ida"

VENV="$CKAN_VAR/venv"
CKAN_INI="$CKAN_VAR/ckan.ini"
PG_DATA="$CKAN_VAR/postgres"
SOLR_DIR="$CKAN_VAR/solr"          # lib/ (jars) and home/ (solr.xml, core ckan)
LOGS="$CKAN_VAR/logs"
RUN="$CKAN_VAR/run"                # pid files, PostgreSQL's socket
CREDENTIALS="$CKAN_VAR/credentials.json"

log() { printf '[ckan-stack] %s\n' "$*"; }
die() { printf '[ckan-stack] FOUT/ERROR: %s\n' "$*" >&2; exit 1; }

# proc_alive PID: the process runs. A process that ended but is not yet reaped by its parent is a
# zombie, and kill -0 still succeeds on it: look at its state instead.
proc_alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat%% *}" != Z ]]
}

# pid_alive FILE: the process named in the pid file runs.
pid_alive() { [[ -s "$1" && "$(cat "$1")" =~ ^[0-9]+$ ]] && proc_alive "$(cat "$1")"; }

# ours FILE PATTERN: the process named in the pid file runs and its command line holds PATTERN
# (pid files outlive their processes, e.g. across a reboot, and a pid can be reused).
ours() { pid_alive "$1" && [[ "$(tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null)" == *"$2"* ]]; }

# stop NAME PIDFILE PATTERN: SIGTERM the process of the pid file if it is ours (see `ours`), wait up to
# 30 s for it to end, then SIGKILL.
stop() {
    local name="$1" pidfile="$2" pattern="$3" pid i
    if ! ours "$pidfile" "$pattern"; then
        rm -f "$pidfile"
        return 0
    fi
    pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    for ((i = 0; i < 30; i++)); do
        proc_alive "$pid" || break
        sleep 1
    done
    if proc_alive "$pid"; then
        log "$name: still running after 30 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "$name stopped"
}

# tree_hash DIR: one hash over the files of a source tree (paths and contents; caches and builds left out).
tree_hash() {
    (cd "$1" && find . -type f ! -path '*/__pycache__/*' ! -path '*.egg-info/*' ! -path './build/*' -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# http_ok URL: answers 2xx within 5 s.
http_ok() { curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null; }

# wait_for WHAT SECONDS LOGFILE PIDFILE COMMAND...: retry COMMAND every second until it succeeds;
# fail at once if the process in PIDFILE (- for none) has died.
wait_for() {
    local what="$1" seconds="$2" logfile="$3" pidfile="$4" i
    shift 4
    for ((i = 0; i < seconds; i++)); do
        "$@" && return 0
        if [[ "$pidfile" != - ]] && ! pid_alive "$pidfile"; then
            seconds=$i
            break
        fi
        sleep 1
    done
    echo "---- last lines of $logfile ----" >&2
    tail -n 30 "$logfile" >&2 2>/dev/null || true
    die "$what did not come up (${seconds}s); see $logfile"
}
