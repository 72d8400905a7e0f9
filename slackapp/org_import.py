"""`flowcoach org import`: an admin imports an existing org chart from a CSV file.

The file has a header row naming the columns ``manager`` and ``report`` (any order, any case; other
columns are ignored). Each cell is an email address or a Slack user id. A UTF-8 BOM and CRLF line
ends are tolerated, blank lines skipped. Rows that cannot be used are reported as
``people.csv:7: <why>`` and left out; the good rows are still imported (unless it is a dry run).

``import_org`` is the core and needs no Slack: emails are resolved by an injected ``lookup``
(email → user id, or None when nobody has it; it may raise ``Unusable`` with a reason). The CLI
builds that lookup on ``users.lookupByEmail``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from slackapp.domain import team

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
USER_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")
COLUMNS = ("manager", "report")

Lookup = Callable[[str], str | None]  # email → Slack user id, or None: no such user


class Unusable(Exception):
    """Raised by a lookup (or ``verify_id``) when the person exists but cannot be used (a bot,
    a deactivated account); the message is shown on the row's line."""


class OrgFileError(Exception):
    """The file as a whole cannot be read (no header, not UTF-8): one ``file:line: why`` message."""


@dataclass(frozen=True, slots=True)
class OrgRow:
    line: int
    manager: str  # as written in the file (an email or a user id)
    report: str


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int
    outcome: str  # created | unchanged | replaced | duplicate | problem
    manager: str = ""  # as written in the file
    report: str = ""
    manager_id: str | None = None
    report_id: str | None = None
    previous_manager_id: str | None = None
    message: str = ""  # the problem, or what a duplicate repeats


@dataclass
class ImportReport:
    dry_run: bool
    notify: bool = True  # whether people were (or would be) told about their new manager
    rows: list[RowResult] = field(default_factory=list)
    stale_cards: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, ts, manager_id)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def problems(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == "problem"]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, filename: str) -> list[str]:
        """The report the CLI prints: one line per row worth mentioning, then a summary."""
        out: list[str] = ["Dry run: nothing was written."] if self.dry_run else []
        would = "would " if self.dry_run else ""
        for row in sorted(self.rows, key=lambda r: r.line):
            where = f"{filename}:{row.line}:"
            if row.outcome == "problem":
                out.append(f"{where} {row.message}")
            elif row.outcome == "replaced":
                out.append(f"{where} {would}replace {row.report}'s manager {row.previous_manager_id} "
                           f"with {row.manager}")
            elif self.dry_run and row.outcome == "created":
                out.append(f"{where} would link {row.manager} as the manager of {row.report}")
        created, unchanged, replaced = self.count("created"), self.count("unchanged"), self.count("replaced")
        summary = (f"{'Would create' if self.dry_run else 'Created'} {created} link(s), {unchanged} unchanged, "
                   f"{replaced} {'would be ' if self.dry_run else ''}replaced (a report's previous manager)")
        duplicates = self.count("duplicate")
        if duplicates:
            summary += f", {duplicates} duplicate row(s) ignored"
        problems = len(self.problems)
        summary += f"; {problems} row(s) could not be used" + (" (listed above)." if problems else ".")
        out.append(summary)
        if not self.dry_run and created + replaced:
            out.append("Each report with a new manager was told in a direct message (and each replaced manager)."
                       if self.notify else "Nobody was messaged (--quiet).")
        return out


# ---- reading the file ------------------------------------------------------------------------------------


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


# ---- planning and importing ------------------------------------------------------------------------------


class _Resolver:
    """Cell → user id, each distinct value looked up once."""

    def __init__(self, lookup: Lookup, verify_id: Lookup | None) -> None:
        self.lookup, self.verify_id = lookup, verify_id
        self.cache: dict[str, str | Unusable] = {}

    def __call__(self, column: str, value: str) -> str:
        """The user id, or raises Unusable with the row's message."""
        if not value:
            raise Unusable(f"the {column} column is empty")
        key = value.lower()
        if key not in self.cache:
            self.cache[key] = self._resolve(value)
        found = self.cache[key]
        if isinstance(found, Unusable):
            raise found
        return found

    def _resolve(self, value: str) -> str | Unusable:
        id_match = USER_ID.match(value)
        try:
            if id_match:
                user_id = id_match.group(1)
                if self.verify_id is not None and self.verify_id(user_id) is None:
                    return Unusable(f"no Slack user with id {user_id}")
                return user_id
            if EMAIL.match(value):
                found = self.lookup(value)
                return found if found else Unusable(f"no Slack user with email {value}")
        except Unusable as problem:
            return problem
        return Unusable(f"'{value}' is neither an email address nor a Slack user id (like U012AB3CD)")


@dataclass
class _Planned:
    row: OrgRow
    manager_id: str
    report_id: str


def _find_loops(proposed: dict[str, str]) -> list[list[str]]:
    """Cycles in report → manager: each as [a, b, …] where b manages a, c manages b, …, a manages the last."""
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in proposed:
        path: list[str] = []
        index: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in index:
            index[node] = len(path)
            path.append(node)
            node = proposed.get(node)
        if node is not None and node in index:
            loops.append(path[index[node]:])
        done.update(path)
    return loops


def _name(planned: Iterable[_Planned], user_id: str) -> str:
    for plan in planned:
        if plan.manager_id == user_id:
            return plan.row.manager
        if plan.report_id == user_id:
            return plan.row.report
    return user_id


def _plan(rows: Sequence[OrgRow], current: dict[str, str], resolve: _Resolver) -> tuple[list[RowResult],
                                                                                      list[_Planned]]:
    results: list[RowResult] = []
    planned: list[_Planned] = []
    for row in rows:
        try:
            manager_id = resolve("manager", row.manager)
            report_id = resolve("report", row.report)
        except Unusable as problem:
            results.append(RowResult(row.line, "problem", row.manager, row.report, message=str(problem)))
            continue
        if manager_id == report_id:
            results.append(RowResult(row.line, "problem", row.manager, row.report,
                                     message="a person cannot be their own manager"))
            continue
        planned.append(_Planned(row, manager_id, report_id))

    # One manager per report: conflicting rows are all left out (which one is right is the admin's call).
    by_report: dict[str, list[_Planned]] = {}
    for plan in planned:
        by_report.setdefault(plan.report_id, []).append(plan)
    kept: list[_Planned] = []
    for plans in by_report.values():
        if len({p.manager_id for p in plans}) > 1:
            where = ", ".join(str(p.row.line) for p in plans)
            for plan in plans:
                results.append(RowResult(plan.row.line, "problem", plan.row.manager, plan.row.report,
                                         message=f"'{plan.row.report}' appears as a report twice with different "
                                                 f"managers (lines {where}); none of these rows was imported"))
            continue
        kept.append(plans[0])
        for duplicate in plans[1:]:
            results.append(RowResult(duplicate.row.line, "duplicate", duplicate.row.manager, duplicate.row.report,
                                     message=f"same as line {plans[0].row.line}"))

    # No loops (A manages B, B manages A) in the chart the import would leave behind.
    proposed = dict(current)
    for plan in kept:
        proposed[plan.report_id] = plan.manager_id
    while True:
        in_file = {plan.report_id: plan for plan in kept}
        loops = [loop for loop in _find_loops(proposed) if any(node in in_file for node in loop)]
        if not loops:
            break
        for loop in loops:
            chain = ", ".join(f"{_name(kept, proposed[node])} manages {_name(kept, node)}" for node in loop)
            for node in loop:
                plan_or_none = in_file.get(node)
                if plan_or_none is None:
                    continue
                results.append(RowResult(plan_or_none.row.line, "problem", plan_or_none.row.manager,
                                         plan_or_none.row.report,
                                         message=f"this would make a loop in who manages whom: {chain}"))
                kept.remove(plan_or_none)
                if node in current:
                    proposed[node] = current[node]
                else:
                    proposed.pop(node, None)
    return results, kept


def import_org(session: Session, rows: Sequence[OrgRow], *, team_id: str, lookup: Lookup, now: datetime,
               dry_run: bool, notify: bool = True, verify_id: Lookup | None = None) -> ImportReport:
    """Make each good row an active link (source ``import``), ending a report's previous manager link.

    Links already in Flowcoach but not in the file are left alone. With ``dry_run`` nothing is written.
    With ``notify`` each report with a new manager (and each replaced manager) gets a ``team_update``.
    """
    current = team.active_links(session, team_id=team_id)
    results, kept = _plan(rows, current, _Resolver(lookup, verify_id))
    report = ImportReport(dry_run=dry_run, notify=notify)
    for plan in kept:
        previous = current.get(plan.report_id)
        outcome = "unchanged" if previous == plan.manager_id else ("replaced" if previous else "created")
        if not dry_run and outcome != "unchanged":
            done = team.set_imported(session, team_id=team_id, manager_id=plan.manager_id, report_id=plan.report_id,
                                     now=now, notify_people=notify)
            if done.stale_card is not None:
                report.stale_cards.append((*done.stale_card, plan.manager_id))
        results.append(RowResult(plan.row.line, outcome, plan.row.manager, plan.row.report, plan.manager_id,
                                 plan.report_id, previous if outcome == "replaced" else None))
    report.rows = sorted(results, key=lambda r: r.line)
    return report
