#!/usr/bin/env bash
# Installs what the local CKAN stack runs on, skipping each part that is already in place:
#   1. Debian packages: PostgreSQL, Redis, libpq-dev (and curl, Java, Maven if missing);
#   2. CKAN + extensions + gunicorn in their own virtualenv, var/ckan/venv (uv, from PyPI);
#   3. the project's extension ckanext-ida into the same venv, again whenever its source changed;
#   4. Solr 9 jars from Maven Central into var/ckan/solr/lib.
# Output of each installer goes to var/ckan/logs/install-*.log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/settings.sh"
mkdir -p "$LOGS"

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_debian_packages() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do deb_installed "$p" || missing+=("$p"); done
    command -v curl >/dev/null || missing+=(curl)
    command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    # psycopg2 is built from source: it needs Python's headers.
    python3 - <<'EOF' || missing+=(python3-dev)
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
EOF
    ((${#missing[@]})) || return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local apt_log="$LOGS/install-apt.log"
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
        apt-get update >>"$apt_log" 2>&1 || die "apt-get update failed; see $apt_log"
        apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
            || die "apt-get install ${missing[*]} failed; see $apt_log"
    fi
}

# The uv to install with: python3 -m uv, installed for the user with pip if missing.
find_uv() {
    if ! python3 -m uv --version >/dev/null 2>&1; then
        log "pip install --user uv"
        python3 -m pip install --quiet --disable-pip-version-check --user uv >/dev/null 2>&1 \
            || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages uv \
                >/dev/null 2>&1 \
            || die "could not install uv with 'python3 -m pip install --user uv'"
    fi
    UV=(python3 -m uv)
}

install_ckan_venv() {
    local wanted="${CKAN_PACKAGES[*]}" marker="$VENV/.ckan-stack-packages"
    [[ -x "$VENV/bin/ckan" && -f "$marker" && "$(cat "$marker")" == "$wanted" ]] && return 0
    find_uv
    log "CKAN $CKAN_VERSION + extensions -> $VENV (uv, PyPI)"
    local python venv_log="$LOGS/install-ckan-venv.log"
    python="$(python3 -c 'import sys; print(sys.executable)')"
    export UV_PYTHON_DOWNLOADS=never
    {
        "${UV[@]}" venv --allow-existing --python "$python" "$VENV" &&
        "${UV[@]}" pip install --python "$VENV/bin/python" "${CKAN_PACKAGES[@]}"
    } >>"$venv_log" 2>&1 || die "installing CKAN into $VENV failed; see $venv_log"
    echo "$wanted" >"$marker"
}

# ckanext-ida is installed as a copy (not editable): a running CKAN keeps the code it started with, and
# up.sh restarts CKAN when the installed version changed (see ckan_stamp there).
install_ida_extension() {
    local marker="$VENV/.ckanext-ida.sha256" wanted
    wanted="$(tree_hash "$IDA_EXTENSION")"
    [[ -f "$marker" && "$(cat "$marker")" == "$wanted" ]] && return 0
    find_uv
    log "ckanext-ida -> $VENV"
    local ext_log="$LOGS/install-ckanext-ida.log"
    # --refresh/--reinstall: uv would otherwise reuse a wheel it built from an older state of the source
    UV_PYTHON_DOWNLOADS=never "${UV[@]}" pip install --python "$VENV/bin/python" \
        --refresh-package ckanext-ida --reinstall-package ckanext-ida "$IDA_EXTENSION" >>"$ext_log" 2>&1 \
        || die "installing ckanext-ida into $VENV failed; see $ext_log"
    rm -rf "$IDA_EXTENSION/build" "$IDA_EXTENSION"/*.egg-info
    echo "$wanted" >"$marker"
}

install_solr_jars() {
    local lib="$SOLR_DIR/lib" marker="$SOLR_DIR/lib/.pom.sha256" wanted
    wanted="$(sha256sum "$STACK_DIR/solr/pom.xml" | cut -d' ' -f1)"
    [[ -f "$marker" && "$(cat "$marker")" == "$wanted" ]] && return 0
    log "Solr jars -> $lib (Maven Central)"
    local build="$SOLR_DIR/maven" mvn_log="$LOGS/install-solr-jars.log"
    rm -rf "$build" "$lib"
    mkdir -p "$build"
    cp "$STACK_DIR/solr/pom.xml" "$build/pom.xml"   # Maven may write target/ beside its pom
    (cd "$build" && mvn -B -q -Dstyle.color=never \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$lib") >>"$mvn_log" 2>&1 \
        || die "fetching the Solr jars failed; see $mvn_log"
    rm -rf "$build"
    echo "$wanted" >"$marker"
}

install_debian_packages
install_ckan_venv
install_ida_extension
install_solr_jars
