"""The `annotator` command: open the app, import, export and report."""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from annotator import __version__
from annotator.errors import AnnotatorError, InputError, counted, noun_for
from annotator.settings import bundled_corpus, default_db_path, resolve_annotator, validate_annotator
from annotator.store import Store, damaged_message, is_damage
from annotator.cells import fit
from annotator.text import json_for_terminal, one_line

DB_HELP = "Database file (default: $ANNOTATOR_DB, else ./annotator.db)."


# Options the group and its commands share. Users write them before or after the
# command (`annotator --db team.db stats`, `annotator stats --db team.db`); both must
# mean the same, so a command's own value is merged with the group's at parse time.
SHARED_NAME = "--annotator"
NO_ANNOTATOR = {
    "stats": "stats count every analyst",
    "backup": "a backup copies every analyst's work",
    "agreement": "use --annotators after the command to choose analysts",
    "merge": "a merge brings in every analyst's work",
    "search": "search looks through every analyst's spans",
    "entities": "the entity registry is the whole team's",
    "quantities": "quantities are listed from every analyst's spans",
}
# What --annotator means differs by command; each --help says its own meaning.
NAME_HELP = "Your name: the analyst the spans you tag are saved under (default: $ANNOTATOR_NAME, else your OS user)."
GROUP_NAME_HELP = (
    "Your name in the app (default: $ANNOTATOR_NAME, else your OS user). Before a command it means what that "
    "command's --annotator means: import: the analyst for spans a file credits to no one; export: only this "
    "analyst's spans."
)
IMPORT_NAME_HELP = (
    "The analyst credited with imported spans that the file credits to no one (default: $ANNOTATOR_NAME, else "
    "your OS user). Spans whose file names their analyst keep that name."
)
EXPORT_NAME_HELP = (
    "Only this analyst's spans (repeatable; default: every analyst's). Not your name: $ANNOTATOR_NAME plays no part."
)


def _outer(ctx: click.Context, name: str) -> Any:
    """The value the user gave the same option before the command, if any."""
    parent = ctx.parent
    return parent.params.get(name) if parent is not None else None


def _twice(option: str, before: object, after: object) -> click.UsageError:
    return click.UsageError(f"{option} is given twice with different values ({before} before the command, {after} after it)")


def _merge_db(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    outer = _outer(ctx, "db_path")
    if outer is not None and value is not None and outer != value:
        raise _twice("--db", outer, value)
    return value if value is not None else outer


def _merge_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    outer = _outer(ctx, "name")
    if outer is not None and value is not None and outer != value:
        raise _twice(SHARED_NAME, outer, value)
    return value if value is not None else outer


def _merge_names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """export's --annotator is repeatable: one given before the command joins the list."""
    outer = _outer(ctx, "name")
    if outer is not None and outer not in value:
        return (outer, *value)
    return value


def _db_option(function: Any) -> Any:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_merge_db,
        help=DB_HELP,
    )(function)


_opened: list[Path] = []  # the database this command opened, for error messages


def open_db(db_path: Path | None, create: bool = False, read_only: bool = False) -> Store:
    """Open the command's database, remembered so a damaged file is named in the error."""
    path = db_path or default_db_path()
    _opened.append(path)
    return Store.open(path, create=create, read_only=read_only)


def open_store(db_path: Path | None, create: bool = True) -> tuple[Store, bool]:
    """Open the database; report whether it was just created."""
    path = db_path or default_db_path()
    fresh = not path.exists() or path.stat().st_size == 0
    return open_db(path, create=create), fresh


class LazyGroup(click.Group):
    """Commands whose modules load only when they run: `annotator` itself starts faster.

    `serve` brings in a web server (textual-serve, aiohttp); nobody who opens the app needs it.
    """

    LAZY = {"serve": ("annotator.serve", "serve")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            import importlib

            module, name = self.LAZY[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="annotator")
@_db_option
@click.option("--annotator", "name", default=None, metavar="NAME", help=GROUP_NAME_HELP)
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, name: str | None) -> None:
    """Tag claims, entities and quantities in news articles, from the keyboard.

    With no command, opens the app on the default database (created with the
    bundled sample articles on first run).

    \b
    Examples:
      annotator                          open the app
      annotator --db team.db --annotator alice
      annotator import corpus/           add articles
      annotator export --out out.jsonl   write labelled JSONL
    """
    if ctx.invoked_subcommand not in (None, "annotate"):
        gc.enable()  # off while the entry point loads (annotator/launch.py); the app turns it on itself
    if ctx.invoked_subcommand is None:
        ctx.invoke(annotate, db_path=db_path, name=name, labels_file=None)
    elif name is not None and ctx.invoked_subcommand in NO_ANNOTATOR:
        raise click.UsageError(
            f"--annotator does not apply to '{ctx.invoked_subcommand}' ({NO_ANNOTATOR[ctx.invoked_subcommand]})"
        )


@cli.command()
@_db_option
@click.option(
    "--annotator", "name", default=None, callback=_merge_name, metavar="NAME", help=NAME_HELP,
)
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A JSON labels file that replaces the database's label set.",
)
def annotate(db_path: Path | None, name: str | None, labels_file: Path | None) -> None:
    """Open the annotation app.

    \b
    Example:
      annotator annotate --db project.db --annotator alice
    """
    annotator = resolve_annotator(name)
    path = db_path or default_db_path()
    if path.exists() and path.stat().st_size > 0 and Store.write_blocked(path):
        # Someone else's file, or read-only media: open it to read, and say so on screen.
        store, fresh = open_db(path, read_only=True), False
    else:
        store, fresh = open_store(db_path)
    if labels_file is not None:
        from annotator.labels import load_labels

        if store.read_only:
            raise InputError(f"{path}: is read-only; --labels cannot change its label set")
        store.set_labels(load_labels(labels_file))
    if fresh and db_path is None and store.document_count() == 0:
        _import_bundled(store)
    from annotator.tui.app import make_app

    app = make_app(store, annotator)
    try:
        app.run()
    finally:
        store.close()
    if app.database_failure is not None:
        raise app.database_failure


def _import_bundled(store: Store) -> None:
    from annotator.importers import collect_files, import_paths

    corpus = bundled_corpus()
    if corpus is None:
        return
    files, _ = collect_files([corpus])
    import_paths(store, files, annotator="import")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_db_option
@click.option(
    "--annotator", "name", default=None, callback=_merge_name, metavar="NAME", help=IMPORT_NAME_HELP,
)
@click.option(
    "--keep-chrome",
    is_flag=True,
    help="Keep site chrome (banners, subscription prompts) in plain-text articles.",
)
@click.option("--encoding", default=None, help="Decode text files with this encoding (default UTF-8), e.g. cp1252.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["native", "prodigy", "doccano", "labelstudio", "brat", "conll", "spacy", "text"]),
    default=None,
    help="Read every file in this format instead of detecting it from the content.",
)
@click.option(
    "--map",
    "label_maps",
    multiple=True,
    metavar="NAME=KIND|LABEL[:KIND]",
    help="Give an outside label a kind (ORG=entity) or rename it (GPE=PLACE); repeatable.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the good records of a file with bad ones, and list the bad ones.",
)
@click.option(
    "--follow-links",
    is_flag=True,
    help="Also import files that links inside a folder point to outside it (skipped by default).",
)
def import_command(
    paths: tuple[Path, ...],
    db_path: Path | None,
    name: str | None,
    keep_chrome: bool,
    encoding: str | None,
    fmt: str | None,
    label_maps: tuple[str, ...],
    skip_invalid: bool,
    follow_links: bool,
) -> None:
    """Import articles and annotations: text, JSONL/JSON, brat, or folders of them.

    Plain-text articles get their headline as title and lose the site chrome
    scraped around them (see --keep-chrome). JSONL lines are
    {"text", "id"?, "title"?, "meta"?, "spans"?}; annotator's own exports import
    back with their spans and annotators. Prodigy, doccano and Label Studio
    exports, brat .txt/.ann pairs, CoNLL columns and spaCy .spacy files are
    recognised from their content (see --format). Content already in the database is not added twice; its new
    spans are. A file with a bad record is not imported at all unless
    --skip-invalid is given.

    \b
    Examples:
      annotator import corpus/ --db project.db
      annotator import prodigy.jsonl --map GPE=PLACE --map MONEY=quantity
      annotator import export.json --format labelstudio --skip-invalid
    """
    from annotator.importers import LabelMap, gather_files, import_paths

    annotator = resolve_annotator(name)
    labels = LabelMap.parse(label_maps)
    gathered = gather_files(paths, any_suffix=fmt is not None, follow_links=follow_links)
    files, problems = gathered.files, gathered.problems
    for problem in problems:
        click.echo(f"annotator: {one_line(problem)}", err=True)
    for note in gathered.notes:
        click.echo(f"annotator: {one_line(note)}", err=True)
    if not files:
        # Nothing to read: leave the database alone (don't even create it).
        sys.exit(1)
    store, _ = open_store(db_path)
    try:
        if sys.stderr.isatty() and len(files) > 1:
            with click.progressbar(length=len(files), label="Importing", file=sys.stderr, show_pos=True) as bar:

                def progress(items: Any) -> Any:
                    for item in items:
                        yield item
                        bar.update(1)

                results = import_paths(
                    store, files, annotator, not keep_chrome, encoding, progress,
                    fmt=fmt, labels=labels, skip_invalid=skip_invalid,
                )
        else:
            results = import_paths(
                store, files, annotator, not keep_chrome, encoding,
                fmt=fmt, labels=labels, skip_invalid=skip_invalid,
            )
    finally:
        store.close()
    failed = [r for r in results if r.error]
    for result in results:
        # Lines name labels, ids and file names from the files: shown safe, never raw.
        for message in result.messages:
            click.echo(one_line(message))
        for line in result.skipped:
            click.echo(f"annotator: skipped: {one_line(line)}", err=True)
        for line in result.errors:
            click.echo(f"annotator: {one_line(line)}", err=True)
    added = sum(r.added for r in results)
    existing = sum(r.existing for r in results)
    spans = sum(r.spans_added for r in results)
    skipped = sum(r.spans_skipped for r in results)
    suggestions = sum(r.suggestions for r in results)
    set_aside = sum(r.set_aside for r in results)
    invalid = sum(len(r.skipped) for r in results)
    summary = f"{counted(added, 'document')} added, {existing} already present, {counted(spans, 'span')} added"
    updated = sum(r.updated for r in results)
    if updated:
        summary += (
            f"; {counted(updated, 'changed article')} updated: {counted(sum(r.stayed for r in results), 'span')} stayed, "
            f"{sum(r.moved for r in results)} moved, {sum(r.flagged for r in results)} need review"
        )
    if suggestions:
        summary += f" ({suggestions} of them {noun_for(suggestions, 'model suggestion')})"
    if skipped:
        summary += f", {skipped} already present"
    if set_aside:
        summary += f", {counted(set_aside, 'record')} not accepted kept apart"
    if invalid:
        summary += f", {counted(invalid, 'problem')} skipped"
    if failed:
        summary += f"; {counted(len(failed), 'file')} failed"
    defaulted = sum(r.defaulted for r in results if not r.error)
    if defaulted and name is None:
        # The name came from $ANNOTATOR_NAME or the OS user, not from the user's command:
        # said once, so nobody finds their colleague's spans under their own name later.
        click.echo(
            f"{counted(defaulted, 'span')} with no analyst credited to {one_line(annotator)!r} (pass --annotator to choose)"
        )
    click.echo(summary)
    if failed or problems:
        sys.exit(1)


@cli.command()
@_db_option
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Output file, or folder for brat ('-' for stdout; default exports/<db>.jsonl, or the format's own suffix).")
@click.option("--annotator", "names", multiple=True, callback=_merge_names, metavar="NAME", help=EXPORT_NAME_HELP)
@click.option("--label", "labels", multiple=True, help="Only spans with this label (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["claim", "entity", "quantity"]), help="Only spans of this kind (repeatable).")
@click.option("--only-annotated", is_flag=True, help="Skip documents with no span left after the filters.")
@click.option(
    "--format", "fmt", default="native", show_default=True,
    type=click.Choice(["native", "prodigy", "doccano", "labelstudio", "brat", "conll", "spacy"]),
    help="Output format (docs/exporting.md).",
)
@click.option("--split", "split", default=None, metavar="NAME=FRACTION,...", help="Training split by document hash, e.g. train=0.8,dev=0.1,test=0.1: one file per part and a manifest.")
@click.option(
    "--status", "status", default=None, type=click.Choice(["done", "touched", "all"]),
    help="Whose work on an article is written: done (marked done; gold: adjudicated), touched (done, or has a span; "
    "gold: adjudicated), all (every article). Default: all for native, touched for the other formats.",
)
def export(
    db_path: Path | None, out: Path | None, names: tuple[str, ...], labels: tuple[str, ...], kinds: tuple[str, ...], only_annotated: bool,
    fmt: str, split: str | None, status: str | None,
) -> None:
    """Write labelled data: native JSONL, one document per line (format in docs/exporting.md), or
    another tool's format with --format.

    \b
    Examples:
      annotator export                                  every analyst's spans
      annotator export --annotator alice --kind entity --out alice-entities.jsonl
      annotator export --format conll --annotator gold --split train=0.8,dev=0.1,test=0.1
      annotator export --format prodigy --status done   only articles analysts marked done
    """
    from annotator.exporters.atomic import no_wider_than
    from annotator.exporters.formats import FORMATS, REPLACED, same_file
    from annotator.exporters.native import ExportFilter, export_native, write_native

    path = db_path or default_db_path()
    store = open_db(path, read_only=True)
    try:
        # An export is a copy of the database's data: never more readable than the database.
        with no_wider_than(path):
            known = set(store.label_map())
            for label in labels:
                if label not in known:
                    raise InputError(f"--label {label}: no such label (known: {', '.join(sorted(known))})")
            with_spans = {row[0] for row in store.conn.execute("SELECT DISTINCT annotator FROM spans")}
            # An analyst who only marked articles done (nothing in them) has true negatives to export.
            with_spans |= {row[0] for row in store.conn.execute("SELECT DISTINCT annotator FROM progress WHERE state = 'done'")}
            for name in names:
                validate_annotator(name, allow_reserved=True)
                if name not in with_spans:
                    near = [n for n in sorted(with_spans) if n.lower() == name.lower()]
                    hint = f"; did you mean {near[0]!r}?" if near else f" (analysts with spans: {', '.join(sorted(with_spans)) or 'none'})"
                    raise InputError(f"--annotator {name}: no spans by this analyst{hint}")
            selection = ExportFilter(
                list(names) or None, list(labels) or None, list(kinds) or None, only_annotated, status or FORMATS[fmt].status
            )
            if fmt != "native" or split is not None or selection.status != "all":
                from annotator.exporters.formats import default_target, run_export

                to_stdout = out is not None and str(out) == "-"
                target = None if to_stdout else out or default_target(FORMATS[fmt], path, names)
                outcome = run_export(store, path, fmt, target, selection, split)
                for line in outcome.lines:
                    click.echo(one_line(line), err=to_stdout)
                return
            if out is not None and str(out) == "-":
                sys.stdout.flush()
                count = write_native(store, sys.stdout.buffer, selection)
                sys.stdout.buffer.flush()
                return
            suffix = "".join("-" + re.sub(r"[^\w.@+-]+", "_", name.strip()) for name in names)
            target = out or Path("exports") / f"{path.stem}{suffix}.jsonl"
            if same_file(target, path):
                raise InputError(f"--out {target}: that is the database itself; choose another file")
            if target.is_dir():
                raise InputError(f"--out {target}: is a folder; native export writes a file")
            replaced = target.exists()
            count, registry = export_native(store, target, selection)
    finally:
        store.close()
    click.echo(f"wrote {counted(count, 'document')} to {one_line(str(target))}{REPLACED if replaced else ''}")
    for line in registry:
        click.echo(line)


@cli.command()
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(db_path: Path | None, as_json: bool) -> None:
    """Documents, spans per label, kind and analyst, progress, and how good suggestions are.

    Suggestion precision and recall are measured leave-one-article-out (each article's
    suggestions come from the other articles' spans) against each analyst's spans, on
    at most 200 articles with spans.

    \b
    Example:
      annotator stats --db project.db
    """
    from annotator.session.suggestions import measure_suggestions

    store = open_db(db_path, read_only=True)
    try:
        figures = store.stats()
        figures["suggestion_quality"] = measure_suggestions(store).as_dict()
    finally:
        store.close()
    if as_json:
        click.echo(json_for_terminal(json.dumps(figures, indent=2, ensure_ascii=False)))
        return
    from annotator.text import one_line

    total = figures["documents"]
    done = figures["documents_with_spans"]
    gold = figures["gold"]
    # The analysts' figures first; gold (the reviewer's adjudicated copies) on its own
    # line and column, never added in: an adjudicated span would count twice.
    click.echo(f"Documents: {total}   with analysts' spans: {done} ({(100 * done / total) if total else 0:.0f}%)")
    click.echo(f"Analysts' spans: {figures['spans']}")
    click.echo(
        f"Gold spans:      {gold['spans']} in {gold['documents']} document{'s' if gold['documents'] != 1 else ''}"
        f"   adjudicated: {gold['adjudicated']}"
    )
    click.echo("\nBy kind:")
    click.echo(f"  {'kind':<10} {'analysts':>8} {'gold':>6}")
    for row in figures["by_kind"]:
        click.echo(f"  {fit(row['kind'], 10)} {row['spans']:>8} {row['gold']:>6}")
    click.echo("\nBy label:")
    click.echo(f"  {'label':<20} {'kind':<10} {'analysts':>8} {'gold':>6}")
    for row in figures["by_label"]:
        click.echo(f"  {fit(row['label'], 20)} {fit(row['kind'], 10)} {row['spans']:>8} {row['gold']:>6}")
    click.echo("\nBy annotator:")
    click.echo("  (documents: articles with spans by the analyst; done: articles they marked done with D)")
    click.echo(f"  {'name':<20} {'spans':>8} {'documents':>10} {'done':>6}  done %  last change")
    for row in figures["by_annotator"]:
        share = (100 * row["done"] / total) if total else 0
        click.echo(
            f"  {fit(row['annotator'], 20)} {row['spans']:>8} {row['documents']:>10} {row['done']:>6}  {share:>5.0f}%  {one_line(row['last_update'] or '-', 40)}"
        )
    share = (100 * gold["adjudicated"] / total) if total else 0
    if gold["spans"] or gold["adjudicated"]:
        click.echo(
            f"  {fit('gold (review)', 20)} {gold['spans']:>8} {gold['documents']:>10} {gold['adjudicated']:>6}  {share:>5.0f}%  {one_line(gold['last_update'] or '-', 40)}"
        )
    for row in figures["suggestions"]:
        click.echo(f"  {fit(row['source'], 20)} {row['spans']:>8} {row['documents']:>10}  (model suggestions, not counted above)")
    quality = figures["suggestion_quality"]
    click.echo("\nSuggestions (each article's from the other articles' spans, against each analyst's final spans):")
    if not quality["analyst_articles"]:
        click.echo("  no articles with analysts' spans yet")
    else:
        limit = f", the first {quality['cap']} only" if quality["capped"] else f" (at most {quality['cap']})"
        click.echo(
            f"  precision {100 * quality['precision']:.0f}% ({quality['right']} of {quality['offered']} suggested were kept)"
            f"   recall {100 * quality['recall']:.0f}% ({quality['right']} of {quality['final_spans']} spans were suggested)"
        )
        click.echo(f"  measured on {quality['articles']} article{'s' if quality['articles'] != 1 else ''}{limit}")


@cli.command("search")
@click.argument("query")
@_db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="At most this many articles, and this many spans.")
@click.option("--articles-only", is_flag=True, help="Search the articles' titles and text, not the spans.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match.")
def search_command(query: str, db_path: Path | None, limit: int, articles_only: bool, as_json: bool) -> None:
    """Find articles and spans by their words (full-text, every word, as a prefix).

    In the app, ctrl+f searches the same way and opens the article at the match.

    \b
    Examples:
      annotator search "national security" --db team.db
      annotator search gknb --articles-only --json
    """
    from annotator.store import locate

    store = open_db(db_path, read_only=True)
    try:
        hits = store.search(query, limit=limit, spans=not articles_only)
        located = [
            hit.offset if hit.offset is not None else locate(store.document(hit.document_id).text, query) for hit in hits
        ]
    finally:
        store.close()
    if as_json:
        for hit, offset in zip(hits, located):
            record = {
                "kind": hit.kind, "id": hit.key, "title": hit.title, "offset": offset,
                "snippet": hit.snippet.replace("\x02", "").replace("\x03", ""),
                **({"span": hit.span_uid, "label": hit.label, "annotator": hit.annotator} if hit.kind == "span" else {}),
            }
            click.echo(json_for_terminal(json.dumps(record, ensure_ascii=False)))
        return
    if not hits:
        click.echo(f"no article or span matches {one_line(query, 60)!r}")
        sys.exit(1)
    color = sys.stdout.isatty()
    for hit, offset in zip(hits, located):
        # The text is made display-safe piece by piece; the bold around matches is ours.
        pieces = re.split("([\x02\x03])", hit.snippet)
        marks = {"\x02": "\x1b[1m" if color else "", "\x03": "\x1b[22m" if color else ""}
        snippet = "".join(marks[piece] if piece in marks else one_line(piece) for piece in pieces)
        where = f"{one_line(hit.key, 30)} @ {offset}"
        if hit.kind == "article":
            click.echo(f"article  {where}  {one_line(hit.title, 50)}: {snippet}")
        else:
            click.echo(f"span     {where}  {one_line(hit.label or '', 12)} by {one_line(hit.annotator or '', 20)}: {snippet}")


@cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
@click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
def backup_command(destination: Path, db_path: Path | None, force: bool) -> None:
    """Make a consistent copy of the database, even while the app is in use.

    \b
    Example:
      annotator backup backups/team-$(date +%F).db --db team.db
    """
    if destination.exists() and not force:
        raise InputError(f"{destination}: already exists; pass --force to replace it")
    if not destination.parent.exists():
        raise InputError(f"{destination.parent}: no such folder")
    store = open_db(db_path, read_only=True)
    try:
        store.backup(destination)
    finally:
        store.close()
    click.echo(f"backed up {one_line(str(store.path))} to {one_line(str(destination))}")


def _figure(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


@cli.command("agreement")
@_db_option
@click.option("--annotators", "names", default=None, help="Comma-separated analysts to compare (default: all but gold).")
@click.option("--label", "labels", multiple=True, help="Only spans with this label (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def agreement_command(db_path: Path | None, names: str | None, labels: tuple[str, ...], as_json: bool) -> None:
    """Agreement between analysts: span F1, Krippendorff's alpha, Cohen's kappa.

    Figures per label, per kind and overall, then per article sorted by
    disagreement. Units and matching rules are in docs/review-and-agreement.md.

    \b
    Example:
      annotator agreement --db team.db --annotators alice,bob --label PERSON
    """
    from annotator.agreement import agreement, inputs_from_store, report_to_json
    from annotator.text import one_line

    store = open_db(db_path, read_only=True)
    try:
        chosen = [n.strip() for n in names.split(",") if n.strip()] if names else None
        known_annotators = set(store.annotators())
        for name in chosen or []:
            if name not in known_annotators:
                raise InputError(f"--annotators: no analyst named {name!r} in this database")
        known_labels = set(store.label_map())
        for label in labels:
            if label not in known_labels:
                raise InputError(f"--label {label}: no such label (known: {', '.join(sorted(known_labels))})")
        documents, annotators = inputs_from_store(store, chosen)
        kind_of = {label.name: label.kind for label in store.labels()}
    finally:
        store.close()
    if len(annotators) < 2:
        raise InputError("agreement needs at least two analysts with spans")
    report = agreement(documents, annotators, kind_of, list(labels) or None)
    if as_json:
        click.echo(json_for_terminal(json.dumps(report_to_json(report), indent=2, ensure_ascii=False)))
        return
    click.echo(f"Analysts: {', '.join(one_line(a, 20) for a in annotators)}   documents: {len(documents)}")
    click.echo("\nscope        alpha   pair                     kappa   exact P/R/F1          overlap F1")
    for scope in [report.overall, *report.kinds, *report.labels]:
        first = True
        for (a, b), exact in scope.exact.items():
            overlap = scope.overlap[(a, b)]
            pair = fit(f"{a} ~ {b}", 24)
            head = f"{fit(scope.name, 12)} {_figure(scope.alpha)}" if first else " " * 19
            click.echo(
                f"{head}   {pair} {_figure(scope.kappa.get((a, b)))}  "
                f"{_figure(exact.precision)} {_figure(exact.recall)} {_figure(exact.f1)}  {_figure(overlap.f1)}"
            )
            first = False
    click.echo("\nAttribution (claims both tagged on the same span; docs/review-and-agreement.md):")
    click.echo(f"  {'pair':<24} {'claims':>6} {'only a':>6} {'only b':>6}  {'source':<12} {'cue':<12} {'form':<12} {'stance':<12} kappa form/stance")
    for (a, b), figures in report.attribution.items():
        cells = []
        for name in ("source", "cue", "form", "stance"):
            field_figures = figures.fields[name]
            percent = field_figures.percent
            cells.append(fit(" -" if percent is None else f"{percent:3.0f}% {field_figures.agreed}/{field_figures.compared}", 12))
        click.echo(
            f"  {fit(f'{a} ~ {b}', 24)} {figures.matched:>6} {figures.only_a:>6} {figures.only_b:>6}  {' '.join(cells)} "
            f"{_figure(figures.fields['form'].kappa)} {_figure(figures.fields['stance'].kappa)}"
        )
    click.echo("\nArticles by disagreement:")
    for figures in sorted(report.documents, key=lambda d: (-(d.disagreements), d.key)):
        click.echo(
            f"  {figures.disagreements:>5} {noun_for(figures.disagreements, 'unit'):<5}  alpha {_figure(figures.alpha)}  F1 {_figure(figures.mean_f1)}  {one_line(figures.title, 60)}"
        )


@cli.command("merge")
@click.argument("other", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
def merge_command(other: Path, db_path: Path | None) -> None:
    """Bring in another analyst's database made on another machine.

    Documents are matched by content hash; spans, history and progress keep their
    analysts' names. A span the other file changed or deleted since the last merge
    is changed or deleted here too; when both files changed the same span, the later
    change wins, the conflict is listed, and undo brings back the other version.
    Merging the same file twice changes nothing the second time. The other file is
    only read.

    \b
    Example:
      annotator merge bob-laptop.db --db team.db
    """
    from annotator.text import one_line

    store = open_db(db_path)
    try:
        report = store.merge(other)
    finally:
        store.close()

    click.echo(
        f"merged {one_line(str(other))}: {counted(report.documents, 'document')} added; spans: {report.spans_added} added, "
        f"{report.spans_changed} changed, {report.spans_deleted} deleted, "
        f"{counted(len(report.conflicts), 'conflict')}; {counted(report.actions, 'history entry', 'history entries')}, "
        f"{counted(report.progress, 'progress mark')} updated"
    )
    click.echo(
        f"  entities: {report.entities_added} added, {report.entities_changed} changed; "
        f"{counted(report.entity_actions, 'entity history entry', 'entity history entries')}"
    )
    if report.spans_duplicate:
        click.echo(f"  {counted(report.spans_duplicate, 'span')} already here under another identity, not added twice")
    for conflict in report.conflicts:
        kept = "kept the other file's" if conflict.kept == "theirs" else "kept this database's"
        click.echo(
            f"  conflict in {one_line(conflict.document_key, 30)}, {one_line(conflict.annotator, 20)}'s "
            f"{one_line(conflict.label, 20)} {one_line(conflict.text, 40)!r}: both changed it; {kept} later change "
            f"(here: {one_line(conflict.ours, 50)}; there: {one_line(conflict.theirs, 50)}); undo brings back the other"
        )
    if report.refused:
        click.echo(
            f"annotator: {counted(len(report.refused), 'span')} not merged: the text at their offsets did not match "
            "(the other file may be damaged)",
            err=True,
        )


@cli.group("entities", invoke_without_command=True)
@_db_option
@click.option("--label", "label", default=None, help="Only entities of this type (an entity label, e.g. ORG).")
@click.option("--query", "query", default=None, help="Only entities whose name or an alias contains these words (case aside).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entity.")
@click.pass_context
def entities_command(ctx: click.Context, db_path: Path | None, label: str | None, query: str | None, as_json: bool) -> None:
    """The entity registry: name, type, aliases, external id and how many mentions link to it.

    `annotator entities show NAME_OR_UID` lists every mention of one entity across the corpus.

    \b
    Examples:
      annotator entities --db team.db --label ORG
      annotator entities --query gknb --json
      annotator entities show "State Committee for National Security"
    """
    if ctx.invoked_subcommand is not None:
        return
    from annotator.text import one_line

    store = open_db(db_path, read_only=True)
    try:
        if label is not None:
            kinds = {item.name: item.kind for item in store.labels()}
            if kinds.get(label) != "entity":
                known = ", ".join(sorted(name for name, kind in kinds.items() if kind == "entity"))
                raise InputError(f"--label {label}: not an entity label (known: {known})")
        found = store.entities(label=label, query=query)
        counts = store.entity_mention_counts()
    finally:
        store.close()
    if as_json:
        for entity in found:
            record = {**entity.to_json(), "mentions": counts.get(entity.uid, 0)}
            click.echo(json_for_terminal(json.dumps(record, ensure_ascii=False)))
        return
    if not found:
        click.echo("no entity matches" if label or query else "no entities yet (link a mention in the app to create one)")
        return
    click.echo(f"  {'name':<36} {'type':<10} {'mentions':>8}  {'external id':<14} aliases")
    for entity in found:
        aliases = ", ".join(one_line(alias, 30) for alias in entity.aliases) or "-"
        click.echo(
            f"  {fit(entity.name, 36)} {fit(entity.label, 10)} {counts.get(entity.uid, 0):>8}  "
            f"{fit(entity.external_id or '-', 14)} {one_line(aliases, 80)}"
        )
    click.echo(f"{counted(len(found), 'entity', 'entities')}")


@entities_command.command("show")
@click.argument("name_or_uid")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mention.")
def entities_show_command(name_or_uid: str, db_path: Path | None, as_json: bool) -> None:
    """Every mention of one entity across the corpus: article, offsets, text, analyst.

    NAME_OR_UID is the entity's uid, its name or an alias (case aside). Mentions of
    entities merged into it are its mentions.

    \b
    Example:
      annotator entities show GKNB --db team.db
    """
    from annotator.text import one_line

    store = open_db(db_path, read_only=True)
    try:
        entity = store.resolve(name_or_uid)
        if entity is None:
            wanted = " ".join(name_or_uid.split()).casefold()
            named = [
                e for e in store.entities(query=name_or_uid)
                if e.name.casefold() == wanted or wanted in (a.casefold() for a in e.aliases)
            ]
            if not named:
                raise InputError(f"entities show: no entity named {name_or_uid!r} (see 'annotator entities --query')")
            if len(named) > 1:
                choices = ", ".join(f"{e.uid} ({e.label})" for e in named)
                raise InputError(f"entities show: {len(named)} entities are named {name_or_uid!r}; give a uid: {choices}")
            entity = named[0]
        mentions = store.mentions_of(entity.uid)
    finally:
        store.close()
    if as_json:
        for mention in mentions:
            record = {
                "entity": entity.uid, "id": mention.document_key, "title": mention.document_title,
                "start": mention.start, "end": mention.end, "text": mention.text, "label": mention.label,
                "annotator": mention.annotator, "span": mention.span_uid,
            }
            click.echo(json_for_terminal(json.dumps(record, ensure_ascii=False)))
        return
    external = f"  {one_line(entity.external_id, 30)}" if entity.external_id else ""
    click.echo(f"{one_line(entity.name, 80)} ({one_line(entity.label, 20)}){external}  uid {one_line(entity.uid, 40)}")
    if entity.aliases:
        click.echo(f"  aliases: {one_line(', '.join(entity.aliases), 120)}")
    for mention in mentions:
        click.echo(
            f"  {fit(mention.document_key, 24)} {mention.start:>7}-{mention.end:<7} {fit(mention.label, 8)} "
            f"{fit(mention.annotator, 16)} {one_line(mention.text, 60)}"
        )
    click.echo(f"{counted(len(mentions), 'mention')}")


@cli.command("quantities")
@_db_option
@click.option("--counts", "counts", default=None, metavar="KEY", help="Only figures counting this (e.g. deaths, ammunition).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per quantity.")
def quantities_command(db_path: Path | None, counts: str | None, as_json: bool) -> None:
    """Every quantity in the corpus, grouped by what it counts, so figures for the same thing sit side by side.

    A quantity's value is the one stored on its span (filled from its text, or edited
    by hand); what it counts is read from that value ("at least 144 deaths" counts deaths).

    \b
    Examples:
      annotator quantities --db team.db
      annotator quantities --counts deaths --json
    """
    from annotator.quantities import Quantity, counted_key, parse_quantity
    from annotator.text import one_line

    store = open_db(db_path, read_only=True)
    try:
        rows = store.quantity_rows()
    finally:
        store.close()
    grouped: dict[str, list[tuple[Any, Quantity]]] = {}
    for row in rows:
        quantity = None
        if row.quantity is not None:
            try:
                quantity = Quantity.from_json(json.dumps(row.quantity))
            except InputError:
                quantity = None  # a stored value this version cannot read: read the text again
        if quantity is None:
            quantity = parse_quantity(row.text)
        grouped.setdefault(counted_key(quantity), []).append((row, quantity))
    if counts is not None:
        wanted = " ".join(counts.split()).casefold()
        if wanted not in grouped:
            known = ", ".join(sorted(k for k in grouped if k)) or "none"
            raise InputError(f"--counts {counts}: no quantity counts that (known: {one_line(known, 200)})")
        grouped = {wanted: grouped[wanted]}
    keys = sorted(grouped, key=lambda key: (key == "", key))
    if as_json:
        for key in keys:
            for row, quantity in grouped[key]:
                record = {
                    "counts": key, "value": quantity.display(), "quantity": row.quantity, "edited": row.edited,
                    "id": row.document_key, "title": row.document_title, "start": row.start, "end": row.end,
                    "text": row.text, "label": row.label, "annotator": row.annotator, "span": row.span_uid,
                }
                click.echo(json_for_terminal(json.dumps(record, ensure_ascii=False)))
        return
    if not keys:
        click.echo("no quantities yet")
        return
    for key in keys:
        items = grouped[key]
        click.echo(f"{one_line(key, 60) if key else '(counts nothing named)'}: {counted(len(items), 'figure')}")
        for row, quantity in items:
            edited = " (edited)" if row.edited else ""
            click.echo(
                f"  {fit(quantity.display() + edited, 30)} {fit(row.document_key, 20)} {row.start:>7}-{row.end:<7} "
                f"{fit(row.annotator, 14)} {one_line(row.text, 60)}"
            )


def main() -> None:
    """Entry point: user errors are one line on stderr and a non-zero exit, never a traceback."""
    _opened.clear()
    try:
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("annotator: aborted", err=True)
        sys.exit(130)
    except click.UsageError as error:
        # One line like every other error, with where to read more.
        # click ends its sentences with a full stop; the pointer to --help follows it.
        message = " ".join(error.format_message().split()).rstrip(".")
        command = error.ctx.command_path if error.ctx else "annotator"
        name = error.ctx.command.name if error.ctx else None
        if isinstance(error, click.NoSuchOption) and error.option_name == SHARED_NAME and name in NO_ANNOTATOR:
            # After the command as before it: the reason, not just "no such option".
            message = f"{SHARED_NAME} does not apply to '{name}' ({NO_ANNOTATOR[name]})"
        click.echo(f"annotator: {one_line(message)} (see '{command} --help')", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"annotator: {one_line(' '.join(error.format_message().split()))}", err=True)
        sys.exit(error.exit_code)
    except AnnotatorError as error:
        # Messages quote labels, names and file names: shown as the app shows them.
        click.echo(f"annotator: {one_line(str(error))}", err=True)
        sys.exit(1)
    except sqlite3.OperationalError as error:
        where = _opened[-1] if _opened else default_db_path()
        if is_damage(error):
            click.echo(f"annotator: {damaged_message(where, error)}", err=True)
        else:
            click.echo(f"annotator: {one_line(str(where))}: database error: {one_line(str(error), 200)}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as error:
        # A damaged page found after opening (a truncated file, a corrupted page).
        where = _opened[-1] if _opened else default_db_path()
        click.echo(f"annotator: {one_line(damaged_message(where, error))}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as error:
        # e.g. an export folder that cannot be created or written
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"annotator: {one_line(f'{where}{error.strerror or error}')}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("annotator: interrupted", err=True)
        sys.exit(130)
