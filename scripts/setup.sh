#!/usr/bin/env bash
# Shared set-up steps for scripts/run.sh and scripts/test.sh. Safe to run again: each step is skipped when done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[setup] %s\n' "$*" >&2; }

_apt_updated=0
apt_install() {
  # apt_install PACKAGE... : install Debian packages (root, or sudo when available).
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      log "need root to install: $* (install them, then run this again)"; return 1; fi
  fi
  if [ "$_apt_updated" -eq 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq
    _apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_command() {
  # need_command COMMAND PACKAGE : install PACKAGE when COMMAND is missing.
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment in $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install python3-venv
      "$PYTHON" -m venv "$VENV"
    fi
  fi
}

ensure_requirements() {
  # ensure_requirements FILE : pip install -r FILE unless the same file was installed already.
  local file="$ROOT/$1" stamp="$VENV/.installed-$(basename "$1")"
  local digest
  digest="$(cat "$ROOT/requirements.txt" "$file" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  log "installing Python packages from $1"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
  echo "$digest" > "$stamp"
}

need_file() {
  # need_file PATH PACKAGE : install PACKAGE when PATH (a library or a font file) is missing.
  [ -e "$1" ] || apt_install "$2"
}

ensure_pdf_libraries() {
  # The PDF handout: WeasyPrint lays it out with Pango and HarfBuzz; its typeface is DejaVu Sans (never fetched).
  local lib=/usr/lib/$(uname -m)-linux-gnu
  need_file "$lib/libpango-1.0.so.0" libpango-1.0-0
  need_file "$lib/libpangoft2-1.0.so.0" libpangoft2-1.0-0
  need_file "$lib/libharfbuzz-subset.so.0" libharfbuzz-subset0
  need_file /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
}

ensure_runtime() {
  need_command dot graphviz
  ensure_pdf_libraries
  ensure_venv
  ensure_requirements requirements.txt
}

ensure_test_tools() {
  ensure_runtime
  need_command chromium chromium
  need_command nginx nginx
  need_command pdftotext poppler-utils
  need_command faketime faketime  # the suite must pass with the clock years ahead (docs/reliability.md)
  ensure_requirements requirements-dev.txt
}

# Run directly (bash scripts/setup.sh), it installs what the app needs without starting it (for deployment).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_runtime
  log "ready: $VENV"
fi
