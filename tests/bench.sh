#!/usr/bin/env bash
# The benchmark command of the README:   bash tests/bench.sh [python -m tests.bench args...]
#
# The speed targets are stated against Hugo on the same machine, so this installs Debian's hugo
# when it is missing (and .venv with dwgk), then runs `python -m tests.bench` with the arguments.
# It stops loudly when Hugo cannot be installed; to measure without it on purpose, run
# `.venv/bin/python -m tests.bench --no-hugo` instead.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO_ROOT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf '!!! tests/bench.sh: %s\n' "$@" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        env DEBIAN_FRONTEND=noninteractive "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo env DEBIAN_FRONTEND=noninteractive "$@"
    else
        die "need root to run: $*"
    fi
}

if ! command -v hugo >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "Hugo is not installed and there is no apt-get to install it"
    log "installing Debian's hugo (the comparison the targets are stated in)"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends hugo </dev/null >/dev/null ||
        die "apt-get install hugo failed"
fi
command -v hugo >/dev/null 2>&1 || die "hugo is still not on PATH"

if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "${PYTHON:-python3}" -m venv .venv || die "'${PYTHON:-python3} -m venv .venv' failed (on Debian: apt-get install python3-venv)"
fi
# --preview-latency drives Chromium through playwright, a test dependency (Chromium itself is
# installed by tests/run.sh); everything else needs dwgk only.
spec=.
for arg in "$@"; do
    [ "$arg" = --preview-latency ] && spec='.[test]'
done
# pip's chatter (build-backend warnings) goes to a log, shown on failure.
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec" </dev/null >.venv/pip-install.log 2>&1; then
    cat .venv/pip-install.log >&2
    die "pip install -e '$spec' failed (pip output above, also in .venv/pip-install.log)"
fi

# An editable install leaves dwgk's modules uncompiled; with PYTHONDONTWRITEBYTECODE set (as on
# some build machines) every command would compile them again, some 20 ms each time. A normal
# install compiles them once, and so does this.
.venv/bin/python -m compileall -q dwgk || die "python -m compileall dwgk failed"

exec .venv/bin/python -m tests.bench "$@"
