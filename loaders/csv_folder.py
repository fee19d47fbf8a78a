"""The CSV folder format: one file per label (``people.csv``) and per relationship type
(``knows.csv``), columns as in :mod:`loaders.columns`, documented in docs/import-formats.md.

Files are read as a stream (never whole): UTF-8 with or without a BOM, the delimiter
sniffed among ``, ; tab |`` (``.tsv`` files are tab-separated), quoted cells may span
lines. A problem's ``row`` is the line in the file where the record starts, so a user can
open the file right there.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Self, TextIO

from graphsvc.model import Label, Node, Rel, RelType
from loaders.columns import (
    LABEL_OF_FILE,
    NODE_FILES,
    PERSON_SHORTHANDS,
    REL_FILES,
    TYPE_OF_FILE,
    ColumnError,
    node_columns,
    node_to_row,
    rel_columns,
    row_to_node_data,
    split_list,
)
from loaders.items import Item, Part, Problem, Severity, expand

SUFFIXES = (".csv", ".tsv")
_DELIMITERS = ",;\t|"


def looks_like_csv_folder(path: Path) -> bool:
    return path.is_dir() and any(_kind_of(p) is not None for p in _data_files(path))


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def _kind_of(path: Path) -> Label | RelType | None:
    stem = path.stem.lower()
    return LABEL_OF_FILE.get(stem) or TYPE_OF_FILE.get(stem)


def _ordered(folder: Path) -> list[tuple[Path, Label | RelType]]:
    """Node files first (in label order), then relationship files (in type order)."""
    order = {k: i for i, k in enumerate([*NODE_FILES, *REL_FILES])}
    found = [(p, k) for p in _data_files(folder) if (k := _kind_of(p)) is not None]
    return sorted(found, key=lambda pk: (order[pk[1]], pk[0].name))


def _dialect(path: Path, handle: TextIO) -> csv.Dialect | type[csv.Dialect]:
    if path.suffix.lower() == ".tsv":
        return csv.excel_tab
    first_line = handle.readline()
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel
    dialect.doublequote = True  # the sniffer guesses these from too little
    dialect.quotechar = '"'
    return dialect


#: Where a file is read from: its whole (None), or a span of its lines (see :func:`_spans`):
#: (first byte, end byte, line number of the first byte)
Span = tuple[int, int, int] | None
#: Files of at least twice this many bytes are read in spans of about this size, when they
#: can be (see :func:`_spans`), so that a loader can validate a large file on several cores
SPAN_BYTES = 4 << 20


def _records(path: Path, name: str, span: Span = None) -> Iterator[tuple[int, list[str]] | Problem]:
    """(1, header) and then (line, cells) for each record of a CSV file (or of its span: then
    a problem with the header is left to the file's first span), or a Problem."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        yield Problem(name, None, None, None, f"cannot be read: {exc.strerror or exc}")
        return
    with handle:
        line = 1
        try:
            dialect = _dialect(path, handle)
            reader = csv.reader(handle, dialect)
            header = [h.strip() for h in next(reader, [])]
            if not header or header == [""]:
                if span is None or span[2] == 2:
                    yield Problem(name, 1, None, None, "is empty: the first line must name the columns")
                return
            if len(set(header)) != len(header):
                dup = next(h for h in header if header.count(h) > 1)
                if span is None or span[2] == 2:
                    yield Problem(name, 1, dup, dup, "column named twice in the header")
                return
            yield (1, header)
            base = 1
            if span is not None:
                reader = csv.reader(_lines(path, span[0], span[1]), dialect)
                base = span[2]
            while True:
                line = base + reader.line_num
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                if not "".join(cells).strip():
                    continue  # blank line
                if len(cells) != len(header):
                    yield Problem(name, line, None, len(cells), f"has {len(cells)} cells, the header has {len(header)}")
                    continue
                yield (line, cells)
        except UnicodeDecodeError as exc:
            yield Problem(name, line, None, None, f"is not UTF-8 text ({exc.reason} at byte {exc.start} of a read block)")
        except csv.Error as exc:
            yield Problem(name, line, None, None, f"is not valid CSV: {exc}")


def _lines(path: Path, start: int, end: int) -> Iterator[str]:
    with path.open("rb") as handle:
        handle.seek(start)
        left = end - start
        for raw in handle:
            if left <= 0:
                return
            left -= len(raw)
            yield raw.decode("utf-8")


def _spans(path: Path) -> list[tuple[int, int, int]] | None:
    """Spans of whole lines of about :data:`SPAN_BYTES` that read the same apart as in one
    pass, or None. That holds when every line is a record: no quote (a quoted cell may span
    lines), no carriage return, no NUL, no line longer than the csv module's field limit;
    and when the file is UTF-8 (a reading error ends the whole file's reading)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    limit = csv.field_size_limit()
    cuts: list[tuple[int, int]] = []  # (byte, line) where a span starts
    try:
        with path.open("rb") as handle:
            header = handle.readline()
            if b'"' in header or not header.endswith(b"\n"):
                return None
            at, lines = len(header), 1  # bytes and lines before the block
            cuts.append((at, 2))
            target = at + SPAN_BYTES
            while block := handle.read(1 << 20):
                if b'"' in block or b"\r" in block or b"\0" in block or max(map(len, block.split(b"\n"))) > limit:
                    return None
                decoder.decode(block)
                while target < at + len(block) and (i := block.find(b"\n", target - at)) >= 0:
                    cuts.append((at + i + 1, lines + block.count(b"\n", 0, i + 1) + 1))
                    target = at + i + 1 + SPAN_BYTES
                at, lines = at + len(block), lines + block.count(b"\n")
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return None
    cuts = [(byte, line) for byte, line in cuts if byte < at]
    if len(cuts) < 2:
        return None
    ends = [byte for byte, _ in cuts[1:]] + [at]
    return [(byte, end, line) for (byte, line), end in zip(cuts, ends, strict=True)]


def read_csv_folder(folder: Path) -> Iterator[Item | Problem]:
    """The items of a CSV folder, nodes first; unknown file names are reported."""
    return expand(csv_folder_parts(folder))


def csv_folder_parts(folder: Path) -> Iterator[Problem | Part]:
    """The files of a CSV folder as parts, one per file, nodes first (a loader may read
    several at once); unknown file names are reported."""
    folder = Path(folder)
    for path in _data_files(folder):
        if _kind_of(path) is None:
            known = ", ".join(f"{s}.csv" for s in [*NODE_FILES.values(), *REL_FILES.values()])
            yield Problem(path.name, None, None, path.name, f"is not a graphsvc file name (expected one of {known})", severity=Severity.WARNING)
    for path, kind in _ordered(folder):
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        spans = _spans(path) if size >= 2 * SPAN_BYTES else None
        if spans is None:
            yield Part(path.name, read_csv_file, (path, kind), size)
        else:
            for span in spans:
                yield Part(path.name, read_csv_file, (path, kind, span), span[1] - span[0])


def read_csv_file(path: Path, kind: Label | RelType, span: Span = None) -> Iterator[Item | Problem]:
    """The items of one file of a CSV folder (or of a span of its lines), which holds nodes
    of ``kind`` or relationships."""
    return _node_file(path, kind, span) if isinstance(kind, Label) else _rel_file(path, kind, span)


def _check_header(name: str, header: Iterable[str], allowed: Iterable[str], required: Iterable[str]) -> list[Problem]:
    allowed = set(allowed)
    header = list(header)
    problems = [Problem(name, 1, c, c, f"unknown column (known: {', '.join(sorted(allowed))})") for c in header if c not in allowed]
    problems += [Problem(name, 1, c, None, "required column is missing") for c in required if c not in header]
    return problems


def _node_file(path: Path, label: Label, span: Span = None) -> Iterator[Item | Problem]:
    columns, _ = node_columns(label)
    allowed = [*columns, *(PERSON_SHORTHANDS if label is Label.PERSON else ())]
    name = path.name
    header: list[str] = []
    for record in _records(path, name, span):
        if isinstance(record, Problem):
            yield record
            continue
        line, cells = record
        if line == 1:
            header = cells
            problems = _check_header(name, header, allowed, ["id"])
            if problems:
                if span is None or span[2] == 2:  # once, by the file's first span
                    yield from problems
                return
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            data = row_to_node_data(label, row)
        except ColumnError as exc:
            yield Problem(name, line, exc.column, exc.value, exc.reason)
            continue
        yield Item(label, data, name, line, raw=row)
        if label is Label.PERSON:
            yield from _shorthands(name, line, row)


def _shorthands(name: str, line: int, row: dict[str, str]) -> Iterator[Item | Problem]:
    """``languages``, ``interests`` and ``neighborhood`` cells of a person's row."""
    person = row.get("id", "").strip()
    try:
        languages = split_list(row.get("languages") or "")
        interests = split_list(row.get("interests") or "")
    except ValueError as exc:
        yield Problem(name, line, "languages", None, f"cannot be read: {exc}")
        return
    for entry in languages:
        code, _, level = entry.partition(":")
        props = {"level": level.strip()} if level.strip() else {}
        yield Item(Label.LANGUAGE, {"id": code.strip()}, name, line, raw=row, implied=True)
        yield Item(RelType.SPEAKS, {"type": "SPEAKS", "start": person, "end": code.strip(), "props": props}, name, line, raw=row)
    for interest in interests:
        yield Item(RelType.INTERESTED_IN, {"type": "INTERESTED_IN", "start": person, "end": interest}, name, line, raw=row)
    if hood := (row.get("neighborhood") or "").strip():
        yield Item(RelType.LIVES_IN, {"type": "LIVES_IN", "start": person, "end": hood}, name, line, raw=row)


def _rel_file(path: Path, type: RelType, span: Span = None) -> Iterator[Item | Problem]:
    columns = rel_columns(type)
    optional_labels = [c for c in ("start_label", "end_label") if c not in columns]  # allowed, redundant
    name = path.name
    records = _records(path, name, span)
    for record in records:  # the header first
        if isinstance(record, Problem):
            yield record
            continue
        header = record[1]
        required = ["start", "end", *(c for c in ("start_label", "end_label") if c in columns)]
        problems = _check_header(name, header, [*columns, *optional_labels], required)
        if problems:
            if span is None or span[2] == 2:  # once, by the file's first span
                yield from problems
            return
        break
    else:
        return
    ends = [(i, c) for i, c in enumerate(header) if c in ("start", "end", "start_label", "end_label")]
    props = [(i, c) for i, c in enumerate(header) if c not in ("start", "end", "start_label", "end_label")]
    value = type.value
    for record in records:  # the hot loop: a dict per row only where needed
        if isinstance(record, Problem):
            yield record
            continue
        line, cells = record
        data: dict[str, Any] = {"type": value, "start": "", "end": ""}
        for i, column in ends:
            if cells[i].strip():
                data[column] = cells[i]
        data["props"] = {column: cells[i] for i, column in props if cells[i].strip()}
        yield Item(type, data, name, line, raw=(header, cells))


# ---------------------------------------------------------------------------- writing


class CsvFolderWriter:
    """Writes nodes and relationships into a CSV folder, one file per label and type,
    opened on first use (so an export has no empty files)."""

    def __init__(self, folder: Path, *, include_hidden: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.include_hidden = include_hidden
        self._files: dict[Label | RelType, tuple[TextIO, csv.DictWriter[str]]] = {}

    def _writer(self, kind: Label | RelType, columns: Iterable[str]) -> csv.DictWriter[str]:
        if kind not in self._files:
            stem = NODE_FILES[kind] if isinstance(kind, Label) else REL_FILES[kind]
            handle = (self.folder / f"{stem}.csv").open("w", newline="", encoding="utf-8")
            writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            self._files[kind] = (handle, writer)
        return self._files[kind][1]

    def node(self, node: Node) -> None:
        row = node_to_row(node, include_hidden=self.include_hidden)
        self._writer(node.label, row).writerow(row)

    def rel(self, rel: Rel) -> None:
        columns = rel_columns(rel.type)
        row = {"start": rel.start, "end": rel.end, "start_label": rel.start_label, "end_label": rel.end_label}
        row |= {k: ("true" if v is True else "false" if v is False else v) for k, v in rel.props.items()}
        self._writer(rel.type, columns).writerow({c: row.get(c, "") if row.get(c) is not None else "" for c in columns})

    def close(self) -> None:
        for handle, _ in self._files.values():
            handle.close()
        self._files.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
