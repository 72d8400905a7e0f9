"""Checking org chart rows before import: resolve each cell to a Slack user, leave out conflicts and loops."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from slackapp.org_csv import OrgRow
from slackapp.org_report import RowResult

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
USER_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")

Lookup = Callable[[str], str | None]  # email → Slack user id, or None: no such user


class Unusable(Exception):
    """Raised by a lookup (or ``verify_id``) when the person exists but cannot be used (a bot,
    a deactivated account); the message is shown on the row's line."""


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
