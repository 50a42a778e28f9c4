#!/usr/bin/env bash
# The test command: install what the tests need (once), then run every test (unit, app, browser).
# Extra arguments go to pytest, e.g. scripts/test.sh -k deep_link
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_test_tools
cd "$ROOT"
"$VENV/bin/python" -m pathways validate
# The quotes against the source's own words, where the source text is beside the repository (CI has it).
SOURCE_TEXT="$ROOT/../shared/source/relapsed-all-overview.txt"
if [[ -f "$SOURCE_TEXT" ]]; then
  "$VENV/bin/python" -m pathways validate --source "$SOURCE_TEXT"
fi
exec "$VENV/bin/python" -m pytest "$@"
