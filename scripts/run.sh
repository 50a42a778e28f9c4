#!/usr/bin/env bash
# The run command: install what the app needs (once), then start the explorer on the shipped pathway.
# Settings (environment): PORT (8501), ADDRESS (127.0.0.1), BASE_PATH ("", or the sub-path such as /pathways: the
# same setting as in the systemd unit, the Dockerfile, render_nginx.py and deploy/k8s/), PATHWAY_FILE.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_runtime
cd "$ROOT"
args=(--server.port "${PORT:-8501}" --server.address "${ADDRESS:-127.0.0.1}")
base="${BASE_PATH:-}"
base="${base#/}"; base="${base%/}"  # written /pathways, pathways or /pathways/: the same sub-path
[ -n "$base" ] && args+=(--server.baseUrlPath "/$base")
log "starting the explorer on http://${ADDRESS:-127.0.0.1}:${PORT:-8501}${base:+/$base}/"
exec "$VENV/bin/python" -m streamlit run app.py "${args[@]}" "$@"
