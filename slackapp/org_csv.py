"""Reading the org chart CSV file (``manager``/``report`` columns) into ``OrgRow``s for ``flowcoach org import``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("manager", "report")


class OrgFileError(Exception):
    """The file as a whole cannot be read (no header, not UTF-8): one ``file:line: why`` message."""


@dataclass(frozen=True, slots=True)
class OrgRow:
    line: int
    manager: str  # as written in the file (an email or a user id)
    report: str


def parse_org_csv(text: str, *, filename: str = "<csv>") -> list[OrgRow]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    columns: dict[str, int] | None = None
    rows: list[OrgRow] = []
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1  # the line the record starts on (quoted cells may span lines)
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue
        if columns is None:
            names = [value.lower() for value in values]
            missing = [name for name in COLUMNS if name not in names]
            if missing:
                raise OrgFileError(f"{filename}:{line}: the header row must name the columns manager and report "
                                   f"(found: {', '.join(values)})")
            columns = {name: names.index(name) for name in COLUMNS}
            continue
        cell = {name: values[index] if index < len(values) else "" for name, index in columns.items()}
        rows.append(OrgRow(line=line, manager=cell["manager"], report=cell["report"]))
    if columns is None:
        raise OrgFileError(f"{filename}:1: the file is empty; expected a header row `manager,report`")
    return rows


def read_org_csv(path: Path) -> list[OrgRow]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OrgFileError(f"{path}: not UTF-8 text; save it as “CSV UTF-8”") from exc
    except OSError as exc:
        raise OrgFileError(f"{path}: {exc.strerror or exc}") from exc
    return parse_org_csv(text, filename=str(path))
