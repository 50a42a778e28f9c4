"""The command line: ``python -m pathways validate | evaluate | render | table | schema | export | handout |
...``; the only place errors become text."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Sequence

from .cases import cases_path_for, run_cases
from .catalogue import LANGUAGES, SOURCE_LANGUAGE, use_language
from .outputs.compare import compare, second_answers, situation_by_key
from .errors import PathwayError, ValidationFailed
from .evaluate import evaluate
from .outputs.export import result_to_dict, to_markdown
from .outputs.fhir import DEFAULT_CANONICAL_BASE, CanonicalBaseError
from .outputs.fhir import to_json as fhir_json
from .outputs.handout import comparison_pdf, handout_pdf
from .load import available_pathways, load_pathway, resolve_pathway
from .outputs.render import RENDER_FORMATS, render, to_dot
from .outputs.table import TABLE_FORMATS, decision_table, render_table
from .readability import readability_findings
from .validate import review_findings
from .yamlsafe import YamlProblem, parse_yaml

__all__ = ["main"]

#: The exit codes of every command (README "Command line"): 0 done; 1 a problem with the content, the input or
#: what the command needs (invalid content or cases, an unknown answer, option, situation or pathway, a file that
#: cannot be read or written, a missing program or library); 2 the command line itself is wrong (argparse's own
#: code too); 3 only from ``diff``: something a reader sees changed. Messages go to standard error.
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_CHANGED = 0, 1, 2, 3
#: ``export --format``: what each format writes for a whole pathway (room for more).
EXPORTERS = {"fhir": fhir_json}


def _parse_answers(pairs: Sequence[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _UsageError(f"--answer expects KEY=VALUE, got {pair!r}")
        answers[key.strip()] = value.strip()
    return answers


class _UsageError(Exception):
    pass


def _cmd_validate(args: argparse.Namespace) -> int:
    """Every file checked in turn (a broken one never stops the next): problems, warnings and notices on standard
    error as ``file:line: ...``, one ``file: ok`` line on standard output per file that passes."""
    files = args.files or [str(p) for p in available_pathways().values()]
    failed = False
    for file in files:
        failed = not _validate_one(file, args.today, args.strict, args.source) or failed
    return EXIT_INVALID if failed else EXIT_OK


def _validate_one(file: str, today: datetime.date, strict: bool,
                  sources: Sequence[tuple[str | None, Path]] = ()) -> bool:
    """Validate one file (content, its cases, its review state, its quotes when --source is given); problems on
    stderr, the ok line on stdout. False when the file has a problem."""
    try:
        pathway = load_pathway(file)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(error.format(), file=sys.stderr)
        return False
    case_errors = _case_errors(pathway, file) + _translation_errors(pathway, file)
    for error in case_errors:
        print(error.format(), file=sys.stderr)
    findings = _review_findings(pathway, file, today)
    for finding in findings:
        print(finding.format(), file=sys.stderr)
    quote_errors, checked = _quote_errors(pathway, file, sources)
    for error in quote_errors:
        print(error.format(), file=sys.stderr)
    warned = any(f.message.startswith("warning:") for f in findings)
    if case_errors or quote_errors or (strict and warned):
        return False
    print(f"{file}: ok ({pathway.id} {pathway.content.metadata.version}, {len(pathway.nodes)} nodes)")
    if checked:
        print(f"{file}: ok (every quote found in {checked}; every statement that is not editorial quotes it)")
    return True


def _source_arg(text: str) -> tuple[str | None, Path]:
    """``--source [ID=]FILE``: the source id (None: the pathway's only source) and the file of its text."""
    ident, sep, rest = text.partition("=")
    if sep and ident and all(c.islower() or c.isdigit() or c in "_-" for c in ident):
        return ident, Path(rest)
    return None, Path(text)


def _quote_errors(pathway, file: str, sources: Sequence[tuple[str | None, Path]]) -> tuple[list, str]:
    """Quotes checked against the source texts given with --source, and the names of the files checked."""
    from .quotes import quote_problems

    if not sources:
        return [], ""
    declared = [s.id for s in pathway.content.sources]
    texts: dict[str, str] = {}
    names: dict[str, str] = {}
    for ident, path in sources:
        if ident is None:
            if len(declared) != 1:
                raise _UsageError(f"--source {path}: {file} cites {len(declared)} sources; name one as "
                                  f"--source ID=FILE (ids: {declared})")
            ident = declared[0]
        elif ident not in declared:
            raise _UsageError(f"--source {ident}={path}: unknown source: {ident!r} (must be one of {declared})")
        try:
            texts[ident] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _UsageError(f"--source {path}: cannot read the source text ({exc})") from None
        names[ident] = str(path)
    try:
        raw = parse_yaml(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlProblem):
        raw = None
    return quote_problems(pathway.content, raw, file, texts, names), ", ".join(names.values())


def _translation_errors(pathway, file: str) -> list:
    """Stale, missing and unknown entries of the translations beside the pathway file (pathways/translate.py)."""
    from .translate import check_translation, load_translation, translation_files

    errors: list = []
    files = translation_files(file)
    if not files:
        return errors
    try:
        raw = parse_yaml(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlProblem):  # it loaded a moment ago; lines are a courtesy
        raw = None
    for path in files.values():
        try:
            errors += check_translation(pathway, load_translation(path), raw)
        except ValidationFailed as exc:
            errors += exc.errors
    return errors


def _review_findings(pathway, file: str, today: datetime.date) -> list:
    """Review-cycle warnings and notices, with the lines of the fields they concern."""
    try:
        raw = parse_yaml(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlProblem):  # it loaded a moment ago; lines are a courtesy
        raw = None
    return review_findings(pathway.content, file, today, raw) + readability_findings(pathway.content, file, raw)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _case_errors(pathway, file: str) -> list:
    """Failures of the reviewable cases beside the pathway file, if it has any."""
    cases = cases_path_for(file)
    if not cases.exists():
        return []
    try:
        return run_cases(pathway, cases)
    except ValidationFailed as exc:
        return exc.errors


def _evaluate(args: argparse.Namespace):
    pathway = load_pathway(resolve_pathway(args.pathway))
    return pathway, evaluate(pathway, _parse_answers(args.answer))


def _cmd_evaluate(args: argparse.Namespace) -> int:
    _, result = _evaluate(args)
    if args.format == "json":
        print(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False))
    else:
        print(to_markdown(result))
    return EXIT_OK


def _cmd_render(args: argparse.Namespace) -> int:
    pathway, result = _evaluate(args)
    data = render(to_dot(pathway, result if args.answer else None, full=args.full), args.format)
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return EXIT_OK


def _cmd_table(args: argparse.Namespace) -> int:
    pathway = load_pathway(resolve_pathway(args.pathway))
    text = render_table(decision_table(pathway), args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(text.encode()):,} bytes)")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    """Exit 0 when nothing a reader sees changed, 3 when something did, 1 when a side cannot be read or is invalid."""
    from .outputs.diff import diff_refs, render_diff

    try:
        diff = diff_refs(args.old, args.new)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(error.format(), file=sys.stderr)
        return EXIT_INVALID
    _write(render_diff(diff, args.format), args.output)
    return EXIT_CHANGED if diff.clinical else EXIT_OK


def _cmd_review(args: argparse.Namespace) -> int:
    """The review pack; its format follows the output's suffix (.html or .md) unless --format says."""
    from .outputs.diff import diff_refs
    from .outputs.review import review_command, review_pack, render_review

    pathway = load_pathway(resolve_pathway(args.pathway))
    diff = None
    if args.against:  # the same diff as `diff OLD NEW`, the translations beside both versions included
        try:
            diff = diff_refs(args.against, pathway.file)
        except ValidationFailed as exc:
            for error in exc.errors:
                print(error.format(), file=sys.stderr)
            return EXIT_INVALID
    fmt = args.format or ("html" if (args.output or "").lower().endswith((".html", ".htm")) else "md")
    pack = review_pack(pathway, diff, review_command(args.pathway, args.against))
    _write(render_review(pack, fmt), args.output)
    return EXIT_OK


def _write(text: str, output: str | None) -> None:
    if output and output != "-":
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {output} ({len(text.encode()):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    text = schema_text()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(text.encode()):,} bytes)")
    return EXIT_OK


def _cmd_translation(args: argparse.Namespace) -> int:
    """A translation's review pack: English and translation side by side, then a sign-off block; exit 1 when any entry is stale,
    missing or unknown (the pack is written either way, so the translator sees what to do)."""
    from .outputs.translation_pack import translation_pack
    from .translate import check_translation, load_translation, translation_path

    pathway = load_pathway(resolve_pathway(args.pathway))
    translation = load_translation(translation_path(pathway.file, args.language))
    _write(translation_pack(pathway, translation), args.output)
    return EXIT_INVALID if check_translation(pathway, translation) else EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    pathway = load_pathway(resolve_pathway(args.pathway))
    # built whole (and checked) before anything is written
    translations = None
    if args.translations:
        from .translate import translate_pathway, translation_files

        translations = {lang: translate_pathway(pathway, lang) for lang in translation_files(pathway.file)}
    data = EXPORTERS[args.format](pathway, args.base, datetime.date.today(), translations).encode("utf-8")
    output = Path(args.output)
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(data)
    partial.replace(output)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return EXIT_OK


def _cmd_handout(args: argparse.Namespace) -> int:
    """A handout; with ``--lang``, as the page makes it in that language: the pathway translated from the file beside
    it (failing closed, naming the file, when the translation is missing, stale or incomplete) and the interface's
    words from the language's catalogue."""
    pathway = load_pathway(resolve_pathway(args.pathway))
    if args.lang != SOURCE_LANGUAGE:
        from .translate import translate_pathway

        pathway = translate_pathway(pathway, args.lang)
    with use_language(args.lang):
        data = _handout(args, pathway, evaluate(pathway, _parse_answers(args.answer)))
    output = Path(args.output)  # written only once the whole PDF is made: bad input leaves no file
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(data)
    partial.replace(output)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return EXIT_OK


def _handout(args: argparse.Namespace, pathway, result) -> bytes:
    if args.compare:
        keys = [c for c in args.compare if "=" not in c]
        if keys and (len(keys) > 1 or len(args.compare) > 1):
            raise _UsageError("--compare takes either one situation key (e.g. adult/yes/b_cell) or KEY=VALUE "
                              "answers (repeated), not both")
        if keys:
            answers = second_answers(pathway, situation_by_key(pathway, keys[0]), result.answers)
        else:
            outlook = {q.id for q in pathway.outlook_questions()}
            answers = {**{k: v for k, v in result.answers.items() if k in outlook}, **_parse_answers(args.compare)}
        return comparison_pdf(compare(result, evaluate(pathway, answers)))
    if args.family:
        from .clinic import load_clinic
        from .outputs.family_handout import family_handout_pdf
        from .shown import shown

        clinic = load_clinic(args.clinic) if args.clinic else None
        return family_handout_pdf(shown(result), link=args.link, clinic=clinic)
    return handout_pdf(result)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pathways", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check pathway files (default: every shipped pathway)")
    validate.add_argument("files", nargs="*", metavar="FILE")
    validate.add_argument("--strict", action="store_true",
                          help="fail (exit 1) on review warnings too: overdue or missing review date, approval "
                               "pending, no change-log entry for this version, a plain-language text above "
                               "Flesch-Kincaid grade 8")
    validate.add_argument("--today", type=_date, default=datetime.date.today(), metavar="YYYY-MM-DD",
                          help="the day to check review dates against (default: today)")
    validate.add_argument("--source", action="append", default=[], type=_source_arg, metavar="[ID=]FILE",
                          help="the text of a cited source (repeat for several; ID= names the source when a "
                               "pathway cites more than one): every quote must appear in it verbatim (white space, "
                               "quotation marks and dashes normalised) and every statement that is not editorial "
                               "must quote it")
    validate.set_defaults(run=_cmd_validate)
    for name, helptext in (("evaluate", "show what the pathway documents for some answers"),
                           ("render", "draw the tree, the path for the answers highlighted")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--answer", "-a", action="append", default=[], metavar="KEY=VALUE")
        cmd.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                         help="a shipped pathway id or a pathway file (default: relapsed-all)")
        if name == "evaluate":
            cmd.add_argument("--format", "-f", choices=("json", "text"), default="json")
            cmd.set_defaults(run=_cmd_evaluate)
        else:
            cmd.add_argument("--format", "-f", choices=RENDER_FORMATS, required=True)
            cmd.add_argument("--output", "-o", required=True, metavar="FILE")
            cmd.add_argument("--full", action="store_true", help="draw every node even for a large tree")
            cmd.set_defaults(run=_cmd_render)
    table = sub.add_parser("table", help="every complete situation x every category (the reviewer's view)")
    table.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                       help="a shipped pathway id or a pathway file (default: relapsed-all)")
    table.add_argument("--format", "-f", choices=TABLE_FORMATS, default="md")
    table.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE instead of stdout")
    table.set_defaults(run=_cmd_table)
    diff = sub.add_parser("diff", help="what changed between two versions, situation by situation (exit 0 nothing "
                                       "a reader sees changed, 3 something did, 1 a side is unreadable or invalid)")
    diff.add_argument("old", metavar="OLD", help="a pathway file, a shipped id, git:REV (the shipped file at REV) "
                                                 "or git:REV:path")
    diff.add_argument("new", metavar="NEW", help="the same forms as OLD")
    diff.add_argument("--format", "-f", choices=("md", "json"), default="md")
    diff.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE instead of stdout")
    diff.set_defaults(run=_cmd_diff)
    review = sub.add_parser("review", help="the review pack a clinician reads to sign a version off")
    review.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                        help="a shipped pathway id or a pathway file (default: relapsed-all)")
    review.add_argument("--against", "-a", default=None, metavar="OLD",
                        help="the previous version to list the differences from (a file, id, git:REV or "
                             "git:REV:path)")
    review.add_argument("--format", "-f", choices=("md", "html"), default=None,
                        help="md or html (default: from the output's suffix, else md)")
    review.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE instead of stdout")
    review.set_defaults(run=_cmd_review)
    schema = sub.add_parser("schema", help="write the JSON Schema of the content format (for editors)")
    schema.add_argument("--output", "-o", default="-", metavar="FILE",
                        help="where to write it (default: standard output); the committed copy is "
                             "pathways/content/schema.json")
    schema.set_defaults(run=_cmd_schema)
    translation = sub.add_parser("translation", help="a translation's review pack: English and translation side "
                                                     "by side, each entry ok, stale or missing (docs/translations.md)")
    translation.add_argument("language", metavar="LANG", help="the translation's language code, e.g. es")
    translation.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                             help="a shipped pathway id or a pathway file (default: relapsed-all)")
    translation.add_argument("--output", "-o", default=None, metavar="FILE", help="default: standard output")
    translation.set_defaults(run=_cmd_translation)
    export = sub.add_parser("export", help="the whole pathway in an interchange format (fhir: a FHIR R4B Bundle)")
    export.add_argument("--format", "-f", choices=tuple(EXPORTERS), required=True)
    export.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                        help="a shipped pathway id or a pathway file (default: relapsed-all)")
    export.add_argument("--output", "-o", required=True, metavar="FILE")
    export.add_argument("--base", default=DEFAULT_CANONICAL_BASE, metavar="URL",
                        help=f"base of the resources' canonical URLs (default: the placeholder "
                             f"{DEFAULT_CANONICAL_BASE})")
    export.add_argument("--translations", action="store_true",
                        help="carry the translations beside the pathway file (FHIR's translation extension); "
                             "fails when one is stale or incomplete (docs/translations.md)")
    export.set_defaults(run=_cmd_export)
    handout = sub.add_parser("handout", help="a printable PDF for one complete situation, or a comparison of two")
    handout.add_argument("--answer", "-a", action="append", default=[], metavar="KEY=VALUE")
    handout.add_argument("--compare", "-c", action="append", default=[], metavar="KEY=VALUE|SITUATION",
                         help="the second situation: its answers (repeated KEY=VALUE) or its key as in the app's "
                              "link (e.g. adult/yes/b_cell); outlook answers given with --answer apply to both")
    handout.add_argument("--pathway", "-p", default=None, metavar="ID|FILE",
                         help="a shipped pathway id or a pathway file (default: relapsed-all)")
    handout.add_argument("--output", "-o", required=True, metavar="FILE")
    handout.add_argument("--family", action="store_true",
                         help="the family handout: plain language, questions to ask, room for notes (one situation)")
    handout.add_argument("--link", default=None, metavar="URL", help="with --family: the link back to the view")
    handout.add_argument("--clinic", default=None, metavar="FILE",
                         help="with --family: the clinic's details file (as CLINIC_FILE)")
    handout.add_argument("--lang", default=SOURCE_LANGUAGE, choices=tuple(LANGUAGES), metavar="LANG",
                         help=f"the handout's language ({', '.join(LANGUAGES)}; default {SOURCE_LANGUAGE}): the "
                              "translation beside the pathway file and the interface's catalogue, as the page uses "
                              "them; fails (exit 1, naming the file) when the translation is missing, stale or "
                              "incomplete (docs/translations.md)")
    handout.set_defaults(run=_cmd_handout)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (EXIT_*: 0 done, 1 content or input problem, 2 usage, 3 diff found a
    change). Every message goes to standard error."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(error.format(), file=sys.stderr)
        return EXIT_INVALID
    except (CanonicalBaseError, _UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (PathwayError, OSError) as exc:  # an unknown answer, option, situation or pathway; a file; a library
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
