"""`flowcoach org import`: an admin imports an existing org chart from a CSV file.

The file has a header row naming the columns ``manager`` and ``report`` (any order, any case; other
columns are ignored). Each cell is an email address or a Slack user id. A UTF-8 BOM and CRLF line
ends are tolerated, blank lines skipped. Rows that cannot be used are reported as
``people.csv:7: <why>`` and left out; the good rows are still imported (unless it is a dry run).

``import_org`` is the core and needs no Slack: emails are resolved by an injected ``lookup``
(email → user id, or None when nobody has it; it may raise ``Unusable`` with a reason). The CLI
builds that lookup on ``users.lookupByEmail``.

Reading the file is :mod:`slackapp.org_csv`, checking the rows :mod:`slackapp.org_plan`, and the
printed outcome :mod:`slackapp.org_report`; everything is importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.domain import team
from slackapp.org_csv import COLUMNS, OrgFileError, OrgRow, parse_org_csv, read_org_csv
from slackapp.org_plan import EMAIL, USER_ID, Lookup, Unusable, _plan, _Resolver
from slackapp.org_report import ImportReport, RowResult

__all__ = [
    "COLUMNS",
    "EMAIL",
    "USER_ID",
    "ImportReport",
    "Lookup",
    "OrgFileError",
    "OrgRow",
    "RowResult",
    "Unusable",
    "import_org",
    "parse_org_csv",
    "read_org_csv",
]


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
