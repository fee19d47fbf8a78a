"""Which reader a path needs: ``bundle``, ``csv``, ``hsds`` or ``auto`` (decided from the path)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from loaders.bundle import looks_like_bundle, read_bundle
from loaders.csv_folder import csv_folder_parts, looks_like_csv_folder
from loaders.items import Item, Part, Problem


class Format(StrEnum):
    AUTO = "auto"
    BUNDLE = "bundle"
    CSV = "csv"
    HSDS = "hsds"


def detect(path: Path) -> Format | None:
    """The format of ``path``, or None when it is none of them. HSDS is checked first:
    an HSDS folder also holds ``organizations.csv``."""
    from loaders.hsds import looks_like_hsds

    if looks_like_hsds(path):
        return Format.HSDS
    if looks_like_bundle(path):
        return Format.BUNDLE
    if looks_like_csv_folder(path):
        return Format.CSV
    return None


def read(path: Path, format: Format = Format.AUTO, **hsds_options: object) -> Iterator[Item | Problem | Part]:
    """The items of one source; a path that cannot be read is one problem, not an exception.
    A CSV folder comes as parts, one per file (:func:`loaders.items.expand` reads them in
    place), so that a loader may validate several files at once."""
    path = Path(path)
    if not path.exists():
        yield Problem(str(path), None, None, None, "does not exist")
        return
    chosen = detect(path) if format is Format.AUTO else Format(format)
    if chosen is None:
        yield Problem(str(path), None, None, None, "is neither a graphsvc bundle (.json), a graphsvc CSV folder nor Open Referral HSDS data; pass --format")
        return
    if chosen is Format.BUNDLE:
        yield from read_bundle(path)
    elif chosen is Format.CSV:
        if not path.is_dir():
            yield Problem(str(path), None, None, None, "a CSV source is a folder with one file per label and relationship type")
            return
        yield from csv_folder_parts(path)
    else:
        from loaders.hsds import read_hsds

        yield from read_hsds(path, **hsds_options)  # type: ignore[arg-type]
