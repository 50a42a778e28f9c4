#!/usr/bin/env bash
# The run command: install what the app needs (once), then start the explorer on the shipped pathway.
# Settings (environment): PORT (8501), ADDRESS (127.0.0.1), BASE_PATH (""), PATHWAY_FILE (shipped pathway).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_runtime
cd "$ROOT"
args=(--server.port "${PORT:-8501}" --server.address "${ADDRESS:-127.0.0.1}")
[ -n "${BASE_PATH:-}" ] && args+=(--server.baseUrlPath "$BASE_PATH")
log "starting the explorer on http://${ADDRESS:-127.0.0.1}:${PORT:-8501}/${BASE_PATH:-}"
exec "$VENV/bin/python" -m streamlit run app.py "${args[@]}" "$@"
