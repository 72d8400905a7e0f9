"""`flowcoach org import`: the CSV reader, the import core without Slack, and the CLI against the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from slackapp.cli import main
from slackapp.db import Database
from slackapp.db.models import AnalyticsEvent, Delivery, TeamLink
from slackapp.domain import team
from slackapp.emulator.web_api import FakeSlack
from slackapp.org_import import ImportReport, OrgFileError, OrgRow, Unusable, import_org, parse_org_csv, read_org_csv
from tests.conftest import BOT_TOKEN

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = "T1"
DIRECTORY = {"maria@example.com": "UMARIA", "ravi@example.com": "URAVI", "lee@example.com": "ULEE",
             "ana@example.com": "UANA", "gone@example.com": "UGONE"}


def lookup(email: str) -> str | None:
    if email.lower() == "gone@example.com":
        raise Unusable(f"{email} belongs to a deactivated Slack account")
    return DIRECTORY.get(email.lower())


def rows(*pairs: tuple[str, str]) -> list[OrgRow]:
    return [OrgRow(line=index + 2, manager=m, report=r) for index, (m, r) in enumerate(pairs)]


def run(db: Database, data: list[OrgRow], *, dry_run: bool = False, notify: bool = True) -> ImportReport:
    with db.session() as session:
        return import_org(session, data, team_id=TEAM, lookup=lookup, now=NOW, dry_run=dry_run, notify=notify)


def links(db: Database) -> dict[tuple[str, str], str]:
    with db.session() as session:
        return {(link.manager_id, link.report_id): link.state for link in session.scalars(select(TeamLink))}


def link(db: Database, manager: str, report: str, state: str = "active") -> int:
    with db.session() as session:
        row = TeamLink(team_id=TEAM, manager_id=manager, report_id=report, state=state, source="invite",
                       invited_by=manager, created_at=NOW, updated_at=NOW)
        session.add(row)
        session.flush()
        return row.id


# ---- reading the file ----------------------------------------------------------------------------------


def test_reader_tolerates_bom_crlf_blank_lines_extra_columns_and_any_column_order() -> None:
    text = ("\ufeffTeam, Report ,MANAGER\r\n"
            "\r\n"
            "sales,ravi@example.com,maria@example.com\r\n"
            ",,\r\n"
            "\"north,\nwest\",ULEE,UMARIA\r\n"
            "ops,lee@example.com\r\n")
    assert parse_org_csv(text) == [OrgRow(3, "maria@example.com", "ravi@example.com"), OrgRow(5, "UMARIA", "ULEE"),
                                   OrgRow(7, "", "lee@example.com")]


def test_reader_needs_the_header(tmp_path: Path) -> None:
    with pytest.raises(OrgFileError, match=r"^people.csv:2: the header row must name the columns manager and report "
                                            r"\(found: boss, person\)$"):
        parse_org_csv("\nboss,person\nmaria@example.com,ravi@example.com\n", filename="people.csv")
    with pytest.raises(OrgFileError, match="the file is empty"):
        parse_org_csv("\n\n", filename="people.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("manager,report\nrené@example.com,URAVI\n".encode("latin-1"))
    with pytest.raises(OrgFileError, match="not UTF-8 text"):
        read_org_csv(latin)


# ---- importing -------------------------------------------------------------------------------------------


def test_import_creates_active_links_and_tells_each_report(db: Database) -> None:
    report = run(db, rows(("maria@example.com", "ravi@example.com"), ("Maria@Example.com", "ULEE"),
                          ("UMARIA", "<@UANA|ana>")))
    assert report.ok and (report.count("created"), report.count("unchanged"), report.count("replaced")) == (3, 0, 0)
    assert links(db) == {("UMARIA", "URAVI"): "active", ("UMARIA", "ULEE"): "active", ("UMARIA", "UANA"): "active"}
    with db.session() as session:
        assert team.reports_of(session, team_id=TEAM, manager_id="UMARIA") == ["UANA", "ULEE", "URAVI"]
        assert {row.source for row in session.scalars(select(TeamLink))} == {"import"}
        notices = session.scalars(select(Delivery).order_by(Delivery.user_id)).all()
        events = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "team.imported")).all()
    assert [(d.user_id, d.kind, d.payload["event"]) for d in notices] == [
        ("UANA", "team_update", "imported"), ("ULEE", "team_update", "imported"), ("URAVI", "team_update", "imported")]
    assert len(events) == 3 and all("@" not in json.dumps(e.properties) for e in events)
    assert report.lines("people.csv") == [
        "Created 3 link(s), 0 unchanged, 0 replaced (a report's previous manager); 0 row(s) could not be used.",
        "Each report with a new manager was told in a direct message (and each replaced manager).",
    ]
    again = run(db, rows(("maria@example.com", "ravi@example.com")))  # importing again changes nothing
    assert again.count("unchanged") == 1 and again.count("created") == 0


def test_dry_run_writes_nothing_and_says_what_it_would_do(db: Database) -> None:
    link(db, "ULEE", "URAVI")
    report = run(db, rows(("maria@example.com", "ravi@example.com"), ("UMARIA", "ana@example.com"),
                          ("nobody@example.com", "ULEE")), dry_run=True)
    assert links(db) == {("ULEE", "URAVI"): "active"}
    with db.session() as session:
        assert session.scalars(select(Delivery)).all() == []
        assert session.scalars(select(AnalyticsEvent)).all() == []
    assert report.lines("people.csv") == [
        "Dry run: nothing was written.",
        "people.csv:2: would replace ravi@example.com's manager ULEE with maria@example.com",
        "people.csv:3: would link UMARIA as the manager of ana@example.com",
        "people.csv:4: no Slack user with email nobody@example.com",
        "Would create 1 link(s), 0 unchanged, 1 would be replaced (a report's previous manager); "
        "1 row(s) could not be used (listed above).",
    ]


def test_rows_that_cannot_be_used_are_reported_with_their_line_and_the_rest_imported(db: Database) -> None:
    report = run(db, rows(
        ("maria@example.com", "ravi@example.com"),   # 2 fine
        ("nobody@example.com", "ULEE"),              # 3 unknown email
        ("UMARIA", "maria@example.com"),             # 4 own manager
        ("lee@example.com", "UANA"),                 # 5 conflicts with 7
        ("boss", "UANA"),                            # 6 not an email or id
        ("UMARIA", "ana@example.com"),               # 7 conflicts with 5
        ("", "ULEE"),                                # 8 empty manager
        ("UMARIA", "gone@example.com"),              # 9 deactivated (the lookup says why)
        ("maria@example.com", "URAVI"),              # 10 the same link as line 2: ignored
    ))
    assert not report.ok
    assert links(db) == {("UMARIA", "URAVI"): "active"}
    assert [line for line in report.lines("people.csv") if line.startswith("people.csv:")] == [
        "people.csv:3: no Slack user with email nobody@example.com",
        "people.csv:4: a person cannot be their own manager",
        "people.csv:5: 'UANA' appears as a report twice with different managers (lines 5, 7); "
        "none of these rows was imported",
        "people.csv:6: 'boss' is neither an email address nor a Slack user id (like U012AB3CD)",
        "people.csv:7: 'ana@example.com' appears as a report twice with different managers (lines 5, 7); "
        "none of these rows was imported",
        "people.csv:8: the manager column is empty",
        "people.csv:9: gone@example.com belongs to a deactivated Slack account",
    ]
    assert report.lines("people.csv")[-2] == (
        "Created 1 link(s), 0 unchanged, 0 replaced (a report's previous manager), 1 duplicate row(s) ignored; "
        "7 row(s) could not be used (listed above).")


def test_loops_are_rejected_in_the_chart_the_import_would_leave(db: Database) -> None:
    report = run(db, rows(("UMARIA", "URAVI"), ("URAVI", "UMARIA"), ("UANA", "ULEE")))
    assert [(r.line, r.message) for r in report.problems] == [
        (2, "this would make a loop in who manages whom: UMARIA manages URAVI, URAVI manages UMARIA"),
        (3, "this would make a loop in who manages whom: UMARIA manages URAVI, URAVI manages UMARIA"),
    ]
    assert links(db) == {("UANA", "ULEE"): "active"}
    # Against a link already in Flowcoach: ULEE now manages UANA? UANA manages ULEE already.
    report = run(db, rows(("lee@example.com", "UANA"),))
    assert [r.message for r in report.problems] == [
        "this would make a loop in who manages whom: UANA manages lee@example.com, lee@example.com manages UANA"]
    # Flipping the link is fine when the same file gives ULEE a new manager too (order does not matter).
    report = run(db, rows(("lee@example.com", "UANA"), ("UMARIA", "ULEE")))
    assert report.ok and report.count("created") == 1 and report.count("replaced") == 1
    with db.session() as session:
        assert team.manager_of(session, team_id=TEAM, user_id="UANA") == "ULEE"
        assert team.manager_of(session, team_id=TEAM, user_id="ULEE") == "UMARIA"


def test_replacing_a_manager_ends_the_old_link_and_tells_both(db: Database) -> None:
    link(db, "ULEE", "URAVI")
    report = run(db, rows(("maria@example.com", "ravi@example.com"),))
    assert report.ok and report.count("replaced") == 1
    (row,) = report.rows
    assert (row.manager_id, row.report_id, row.previous_manager_id) == ("UMARIA", "URAVI", "ULEE")
    assert links(db) == {("ULEE", "URAVI"): "removed", ("UMARIA", "URAVI"): "active"}
    with db.session() as session:
        told = {(d.user_id, d.payload["event"]) for d in session.scalars(select(Delivery))}
        removed = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "team.removed")).one()
    assert told == {("URAVI", "imported"), ("ULEE", "replaced")}
    assert removed.properties == {"source": "invite", "by": "import", "was": "active", "reason": "replaced"}


def test_a_pending_invitation_for_the_same_pair_becomes_the_imported_link(db: Database) -> None:
    with db.session() as session:
        invited = team.invite(session, team_id=TEAM, manager_id="UMARIA", report_id="URAVI", now=NOW)
        invited.card_channel, invited.card_ts = "DURAVI", "1700000000.000100"
        invite_key = team.invite_key_prefix(TEAM, invited.id)
    report = run(db, rows(("UMARIA", "URAVI"),), notify=False)
    assert report.count("created") == 1 and report.stale_cards == [("DURAVI", "1700000000.000100", "UMARIA")]
    assert links(db) == {("UMARIA", "URAVI"): "active"}
    with db.session() as session:
        assert [(d.key, d.state) for d in session.scalars(select(Delivery))] == [(invite_key, "cancelled")]
    assert report.lines("people.csv")[-1] == "Nobody was messaged (--quiet)."


# ---- the command ---------------------------------------------------------------------------------------------


def test_the_cli_dry_run_against_slack(
    fake_slack: FakeSlack, database_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_slack.add_user("UBOTTY", name="standup", is_bot=True, email="bot@example.com")
    for name, value in (("SLACK_BOT_TOKEN", BOT_TOKEN), ("SLACK_API_URL", fake_slack.url),
                        ("DATABASE_URL", database_url)):
        monkeypatch.setenv(name, value)
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "FLOWCOACH_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    people = tmp_path / "people.csv"
    people.write_text("manager,report,team\nmaria@example.com,ravi@example.com,sales\n"
                      "maria@example.com,UREPORT2,sales\nmaria@example.com,x@y.example,sales\n"
                      "UMANAGER,bot@example.com,sales\nUMANAGER,UNOBODY1,sales\n", encoding="utf-8")

    code = main(["org", "import", str(people), "--dry-run"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        "Dry run: nothing was written.",
        f"{people}:2: would link maria@example.com as the manager of ravi@example.com",
        f"{people}:3: would link maria@example.com as the manager of UREPORT2",
        f"{people}:4: no Slack user with email x@y.example",
        f"{people}:5: bot@example.com is a bot, not a person",
        f"{people}:6: no Slack user with id UNOBODY1",
        "Would create 2 link(s), 0 unchanged, 0 would be replaced (a report's previous manager); "
        "3 row(s) could not be used (listed above).",
    ]
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 4  # maria looked up once
    with db.session() as session:
        assert session.scalars(select(TeamLink)).all() == []

    people.write_text("manager,report\r\nmaria@example.com,ravi@example.com\r\n", encoding="utf-8")
    assert main(["org", "import", str(people)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("Created 1 link(s), 0 unchanged")
    with db.session() as session:
        assert team.manager_of(session, team_id="T0001", user_id="UREPORT1") == "UMANAGER"
        assert [d.user_id for d in session.scalars(select(Delivery))] == ["UREPORT1"]
    assert main(["org", "import", str(tmp_path / "missing.csv")]) == 2
    assert fake_slack.validation_errors == []
