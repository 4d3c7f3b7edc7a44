#!/usr/bin/env bash
# kubectl's exec credential plugin (client.authentication.k8s.io/v1) for the deploy: each kubectl run asks GitHub's
# OIDC provider for a fresh ID token of this job (audience OIDC_AUDIENCE) and hands it to the API server, which
# trusts https://token.actions.githubusercontent.com (docs/deploy.md, "Cluster access with GitHub OIDC").
# No long-lived credential exists anywhere: a token lives minutes and names this repository and environment in
# its `sub` claim (repo:OWNER/REPO:environment:NAME), which k8s/deployer binds to the deploy Role.
# Needs the job's `permissions: id-token: write`, which makes the runner set the two ACTIONS_ID_TOKEN_* variables.
set -euo pipefail

if [[ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" || -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]]; then
    echo "github-oidc-token: no OIDC token available: the job needs 'permissions: id-token: write'" >&2
    exit 1
fi
audience=${OIDC_AUDIENCE:?set OIDC_AUDIENCE (the audience the cluster expects)}

response=$(curl --fail --silent --show-error --retry 3 --max-time 20 --get \
    --header "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
    --data-urlencode "audience=$audience" "$ACTIONS_ID_TOKEN_REQUEST_URL")
token=$(jq -er '.value' <<<"$response") || { echo "github-oidc-token: no token in GitHub's answer" >&2; exit 1; }

jq -n --arg token "$token" \
    '{apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: {token: $token}}'
