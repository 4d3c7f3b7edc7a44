#!/usr/bin/env bash
# Usage: scripts/k8s-check.sh [KUSTOMIZATION_DIR...]   (default: every kustomization under tests/k8s/)
#
# Builds each kustomization with `kubectl kustomize` and validates the output with
# `kubernetes-validate --strict` (pip, in .venv), offline. Without kubectl, the raw manifests of the
# fixtures and components are validated instead (patches unapplied), with a warning saying so.
set -euo pipefail

cd "$(dirname "$0")/.."
KUBECTL=${KUBECTL:-kubectl}
VALIDATE=${KUBERNETES_VALIDATE:-.venv/bin/kubernetes-validate}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ $# -eq 0 ]]; then
    mapfile -t dirs < <(find tests/k8s -name kustomization.yaml -printf '%h\n' | sort)
else
    dirs=("$@")
fi
((${#dirs[@]})) || { echo "k8s-check: no kustomizations found" >&2; exit 1; }

if command -v "$KUBECTL" >/dev/null 2>&1; then
    for dir in "${dirs[@]}"; do
        built="$out/$(echo "$dir" | tr / _).yaml"
        echo "k8s-check: kubectl kustomize $dir"
        "$KUBECTL" kustomize "$dir" >"$built"
        "$VALIDATE" --strict --quiet "$built"
    done
else
    echo "k8s-check: WARNING: kubectl not found; validating raw manifests without applying patches" >&2
    mapfile -t files < <(find tests/k8s k8s/components -name '*.yaml' ! -name kustomization.yaml \
        ! -name '*.example.yaml' | sort)
    for file in "${files[@]}"; do
        # Strategic-merge patches (marked "name: any") are partial objects that no schema accepts.
        if grep -q '^  name: any$' "$file"; then
            echo "k8s-check: skipped patch $file (needs kubectl kustomize)" >&2
        else
            "$VALIDATE" --strict --quiet "$file"
        fi
    done
fi
echo "k8s-check: ok (${#dirs[@]} kustomization(s))"
