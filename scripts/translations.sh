#!/bin/sh
# Interface catalogues (docs/translations.md): extract the marked strings of the page and the package into the
# template, merge them into each language's .po (new strings empty, changed ones marked fuzzy), compile the .mo.
#   scripts/translations.sh            extract, update, compile
#   scripts/translations.sh compile    compile only (after editing a .po)
set -eu
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
if [ "${1:-}" != "compile" ]; then
  "$PYBABEL" extract -F babel.cfg -k _h --no-location --sort-output --project relapsed-all-explorer \
    --copyright-holder "the project's contributors" -o pathways/locales/messages.pot app.py views.py i18n.py guard.py pathways
  "$PYBABEL" update -i pathways/locales/messages.pot -d pathways/locales --no-wrap --ignore-obsolete
fi
"$PYBABEL" compile -d pathways/locales --statistics
