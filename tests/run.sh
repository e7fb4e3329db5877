#!/usr/bin/env bash
# The one test command for dwgk:   bash tests/run.sh [pytest args...]
#
# Idempotently provisions everything the test suite drives for real, then runs
# pytest from the repository root with the given arguments:
#   * Debian packages: chromium, fonts-wqy-microhei, nginx (+ a JRE / npm /
#     python3-venv only if those are missing altogether)
#   * .venv with `pip install -e '.[test]'`
#   * tests/node_modules from the committed tests/package-lock.json
#     (vnu-jar = Nu HTML Checker, axe-core)
# Then it checks that every tool is really present and stops with a loud
# message if one is not: the suite never skips because a tool is missing.
#
# Environment knobs:
#   PYTHON=/path/to/python3.11   interpreter used to create .venv (default python3)
#   DWGK_SKIP_PROVISION=1         do not install anything, only verify and run
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO_ROOT"

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf '\n' >&2
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
    printf '!!! tests/run.sh: %s\n' "$@" >&2
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
    exit 1
}

# ---------------------------------------------------------------- privileges
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=(__no_sudo__)
fi
as_root() {
    if [ "${SUDO[0]:-}" = "__no_sudo__" ]; then
        die "need root to run: $*" "run as root or install sudo"
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
}

# ---------------------------------------------------------------- Debian packages
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

provision_apt() {
    local missing=() p
    for p in chromium fonts-wqy-microhei nginx; do
        pkg_installed "$p" || missing+=("$p")
    done
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
    # Debian's own python3 cannot create a venv without python3-venv.
    if [ ! -x .venv/bin/python ]; then
        case "$(command -v "${PYTHON:-python3}" || true)" in
            /usr/bin/* | /bin/*) pkg_installed python3-venv || missing+=(python3-venv) ;;
        esac
    fi
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 ||
        die "missing packages (${missing[*]}) and no apt-get to install them"

    log "installing Debian packages: ${missing[*]}"
    # Keep package maintainer scripts from starting nginx (or anything else) as
    # a system service: the tests start their own nginx on a free port.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# temporary, written by dwgk tests/run.sh\nexit 101\n' |
            as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 0755 /usr/sbin/policy-rc.d
        made_policy=1
        trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null >/dev/null
    if [ "$made_policy" -eq 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
}

# ---------------------------------------------------------------- Python venv
venv_ok() {
    [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null
}

provision_venv() {
    local py="${PYTHON:-python3}"
    if ! venv_ok; then
        command -v "$py" >/dev/null 2>&1 || die "no '$py' on PATH to create .venv (set PYTHON=...)"
        "$py" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' ||
            die "'$py' is older than Python 3.11 (set PYTHON=/path/to/python3.11)"
        log "creating .venv with $("$py" -c 'import sys; print(sys.executable)')"
        rm -rf .venv
        "$py" -m venv .venv || die "'$py -m venv .venv' failed (on Debian: apt-get install python3-venv)"
        rm -f .venv/.dwgk-install-stamp
    fi
    # Reinstall only when pyproject.toml changed since the last good install.
    local stamp want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    stamp="$(cat .venv/.dwgk-install-stamp 2>/dev/null || true)"
    if [ "$stamp" != "$want" ] || ! .venv/bin/python -c 'import pytest, playwright, dwgk' >/dev/null 2>&1; then
        log "pip install -e '.[test]' into .venv"
        # pip's chatter (build-backend warnings) goes to a log, shown on failure.
        local piplog=.venv/pip-install.log
        if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' \
            </dev/null >"$piplog" 2>&1; then
            cat "$piplog" >&2
            die "pip install -e '.[test]' failed (pip output above, also in $piplog)"
        fi
        printf '%s\n' "$want" > .venv/.dwgk-install-stamp
    fi
}

# ---------------------------------------------------------------- npm tools
provision_npm() {
    command -v npm >/dev/null 2>&1 || die "npm is not installed"
    local stamp=tests/node_modules/.dwgk-lock.sha256 want
    want="$(sha256sum tests/package-lock.json | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] ||
        [ ! -f tests/node_modules/vnu-jar/build/dist/vnu.jar ] ||
        [ ! -f tests/node_modules/axe-core/axe.min.js ]; then
        log "npm ci --ignore-scripts in tests/"
        (cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null) ||
            die "npm ci in tests/ failed"
        printf '%s\n' "$want" > "$stamp"
    fi
}

# ---------------------------------------------------------------- verification
verify_tools() {
    local problems=()
    [ -x /usr/bin/chromium ] || problems+=("/usr/bin/chromium (Debian package chromium)")
    command -v java >/dev/null 2>&1 || problems+=("java (a JRE >= 11, e.g. default-jre-headless)")
    [ -f tests/node_modules/vnu-jar/build/dist/vnu.jar ] ||
        problems+=("tests/node_modules/vnu-jar/build/dist/vnu.jar (npm ci in tests/)")
    [ -f tests/node_modules/axe-core/axe.min.js ] ||
        problems+=("tests/node_modules/axe-core/axe.min.js (npm ci in tests/)")
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        problems+=("nginx (Debian package nginx)")
    fi
    if ! command -v fc-list >/dev/null 2>&1; then
        problems+=("fc-list (Debian package fontconfig)")
    elif ! fc-list 2>/dev/null | grep -qi 'WenQuanYi'; then
        problems+=("a WenQuanYi font in fc-list (Debian package fonts-wqy-microhei)")
    fi
    venv_ok || problems+=(".venv/bin/python (Python >= 3.11 venv)")
    if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import pytest, playwright.sync_api' 2>/dev/null; then
        problems+=("pytest + playwright in .venv (pip install -e '.[test]')")
    fi
    if [ "${#problems[@]}" -gt 0 ]; then
        local msg=("required test tools are MISSING:")
        local p
        for p in "${problems[@]}"; do msg+=("    - $p"); done
        msg+=("the suite does not skip tests for missing tools; fix the above and rerun")
        die "${msg[@]}"
    fi
}

if [ "${DWGK_SKIP_PROVISION:-0}" != "1" ]; then
    provision_apt
    provision_venv
    provision_npm
fi
verify_tools

# Playwright must never try to fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

log "running: .venv/bin/python -m pytest $*"
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
exit "$rc"
