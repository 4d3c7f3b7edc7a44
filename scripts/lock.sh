#!/usr/bin/env bash
# Usage: scripts/lock.sh write|check [LOCK...]
#   (LOCK: requirements, requirements-dev, bench/requirements, tools/checkov/requirements)
#
# Resolves each requirements input (*.in) into its lock (*.txt): every package, transitive ones
# included, pinned and hashed, for the image's Python and platform (LOCK_PYTHON, LOCK_PLATFORM).
#   write  regenerate the locks (`make lock`); versions already locked are kept unless an input
#          asks for another one, so re-running it changes nothing. UPGRADE=1 takes the newest.
#   check  fail when a lock is not exactly what its input resolves to (`make lock-check`, in `make test`).
# The order matters: the dev lock is constrained by the runtime lock, the bench lock by the dev lock,
# so a package shared between them has one version everywhere. tools/checkov/requirements stands alone: checkov
# is installed into a venv of its own (.venv/checkov), since its pins conflict with the dev lock's.
# The header keeps uv's real command line: Dependabot reads it to recompile a lock after a bump.
set -euo pipefail

mode=${1:-}
[[ $mode == write || $mode == check ]] || { echo "usage: $0 write|check [LOCK...]" >&2; exit 2; }
shift
UV=${UV:-.venv/bin/uv}
: "${LOCK_PYTHON:?set LOCK_PYTHON (the Python of the image, e.g. 3.11.14)}"
: "${LOCK_PLATFORM:?set LOCK_PLATFORM (e.g. x86_64-unknown-linux-gnu)}"
LOCKS=(requirements requirements-dev bench/requirements tools/checkov/requirements)
(($#)) && LOCKS=("$@")

compile() { # compile INPUT OUTPUT [extra uv args]
    local input=$1 output=$2
    shift 2
    "$UV" pip compile --generate-hashes --python-version "$LOCK_PYTHON" --python-platform "$LOCK_PLATFORM" \
        --quiet "$@" "$input" -o "$output"
}

status=0
for base in "${LOCKS[@]}"; do
    input=$base.in lock=$base.txt
    if [[ $mode == write ]]; then
        echo "==> $input -> $lock"
        compile "$input" "$lock" ${UPGRADE:+--upgrade}
        continue
    fi
    expected_header="#    uv pip compile --generate-hashes --python-version $LOCK_PYTHON --python-platform $LOCK_PLATFORM $input -o $lock"
    if [[ ! -f $lock ]]; then
        echo "error: $lock is missing: run \`make lock\` and commit it" >&2
        status=1
        continue
    fi
    if [[ "$(sed -n 2p "$lock")" != "$expected_header" ]]; then
        echo "error: $lock was not made by \`make lock\` (its header should read: $expected_header)" >&2
        status=1
    fi
    # Resolve again into a copy (the copy's pins are the preferences, as `make lock` would use them);
    # the lock is current when nothing but the header's output path changes.
    fresh=$(mktemp)
    cp "$lock" "$fresh"
    if ! compile "$input" "$fresh"; then
        echo "error: $input does not resolve (see above)" >&2
        status=1
    elif ! diff -u --label "$lock (committed)" --label "$lock (resolved from $input)" \
        <(tail -n +3 "$lock") <(tail -n +3 "$fresh"); then
        echo "error: $lock does not match $input: run \`make lock\` and commit both files" >&2
        status=1
    else
        echo "ok: $lock matches $input"
    fi
    rm -f "$fresh"
done
exit $status
