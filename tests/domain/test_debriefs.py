"""Peer debriefs in the domain: offers, suggestions, the deadline, exactly one summary, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.content.model import Question, QuestionSet
from slackapp.crypto import Vault
from slackapp.db import Database
from slackapp.db.models import (
    AnalyticsEvent,
    Assignment,
    CalendarOccurrence,
    Debrief,
    DebriefPeer,
    Delivery,
    Evidence,
    Person,
    TeamLink,
)
from slackapp.domain import debriefs, deliveries
from slackapp.domain.errors import AlreadyDone, InvalidInput, PermissionDenied

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
TEAM = "T1"
LEARNER = "ULEARNER"
COMPETENCY = "giving-feedback"
SECRET = "You paused before answering — it made the feedback land. Say the impact out loud next time."
QUESTIONS = QuestionSet(id="debrief-general", title="Peer debrief", questions=(
    Question("worked", "What did they do that worked?"),
    Question("next", "What should they try next time?"),
))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def vault() -> Vault:
    return Vault(Vault.generate_key())


def _person(session: Session, user_id: str, *, opt_in: str = "opted_in", deactivated: bool = False,
            unreachable: str | None = None) -> None:
    session.add(Person(team_id=TEAM, user_id=user_id, display_name=user_id.lower(), opt_in=opt_in,
                       deactivated=deactivated, unreachable_reason=unreachable, muted_kinds=[], created_at=NOW))


def _link(session: Session, manager: str, report: str, state: str = "active") -> None:
    session.add(TeamLink(team_id=TEAM, manager_id=manager, report_id=report, state=state, created_at=NOW,
                         updated_at=NOW))


def _assignment(session: Session, learner: str, competency: str = COMPETENCY, state: str = "reviewed") -> int:
    row = Assignment(team_id=TEAM, learner_id=learner, assigned_by="UMANAGER", reviewer_id="UMANAGER",
                     template_id="sbi-feedback", competency_id=competency, skill_id=f"{competency}.sbi",
                     state=state, due_at=NOW, created_at=NOW, updated_at=NOW)
    session.add(row)
    session.flush()
    return row.id


def _evidence(session: Session, learner: str, competency: str = COMPETENCY) -> None:
    assignment_id = _assignment(session, learner, competency)
    session.add(Evidence(team_id=TEAM, learner_id=learner, competency_id=competency, skill_id=f"{competency}.sbi",
                         assignment_id=assignment_id, level=3, confirmed_by="UMANAGER", created_at=NOW))


def _start(session: Session, peers: list[str], *, learner: str = LEARNER, assignment_id: int | None = None,
           now: datetime = NOW) -> Debrief:
    if assignment_id is None:
        assignment_id = _assignment(session, learner)
    return debriefs.start_debrief(
        session, team_id=TEAM, learner_id=learner, question_set_id=QUESTIONS.id,
        questions=debriefs.question_snapshot(QUESTIONS), peer_ids=peers, now=now, assignment_id=assignment_id,
        competency_id=COMPETENCY, about="SBI feedback to Lee")


def _events(session: Session, name: str) -> list[AnalyticsEvent]:
    return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)
                                .order_by(AnalyticsEvent.id)))


def _delivery(session: Session, key: str) -> Delivery:
    found = deliveries.by_key(session, key)
    assert found is not None, key
    return found


# -- offer -----------------------------------------------------------------------------------------


def test_offer_after_an_assignment_is_scheduled_once_with_its_competency(db: Database) -> None:
    with db.session() as session:
        assignment_id = _assignment(session, LEARNER)
        first = debriefs.offer_debrief(session, team_id=TEAM, learner_id=LEARNER, question_set_id="debrief-general",
                                       now=NOW, assignment_id=assignment_id)
        again = debriefs.offer_debrief(session, team_id=TEAM, learner_id=LEARNER, question_set_id="debrief-general",
                                       now=NOW + timedelta(minutes=5), assignment_id=assignment_id)
        assert again.id == first.id
        assert first.key == f"debrief-offer:{TEAM}:{LEARNER}:{assignment_id}"
        assert first.kind == "debrief_offer" and first.user_id == LEARNER and first.due_at == NOW
        assert first.payload == {"question_set_id": "debrief-general", "assignment_id": assignment_id,
                                 "occurrence_id": None, "competency_id": COMPETENCY,
                                 "about": "your micro-assignment",
                                 "not_after": (NOW + timedelta(days=7)).isoformat()}
        (event,) = _events(session, "debrief.offered")
        assert event.properties == {"competency_id": COMPETENCY, "question_set_id": "debrief-general",
                                    "source": "assignment"}


def test_offer_after_a_calendar_moment_is_keyed_by_the_occurrence(db: Database) -> None:
    with db.session() as session:
        occurrence = CalendarOccurrence(team_id=TEAM, user_id=LEARNER, source="ics", event_uid="e1",
                                        occurrence_id="20261123T090000Z", title="Feedback chat with Lee", start=NOW,
                                        end=NOW + timedelta(minutes=30), created_at=NOW, updated_at=NOW)
        session.add(occurrence)
        session.flush()
        offer = debriefs.offer_debrief(session, team_id=TEAM, learner_id=LEARNER, question_set_id="debrief-general",
                                       now=NOW, occurrence_id=occurrence.id, competency_id=COMPETENCY)
        assert offer.key == f"debrief-offer:{TEAM}:{LEARNER}:occ{occurrence.id}"
        assert offer.payload["about"] == "Feedback chat with Lee"
        assert _events(session, "debrief.offered")[0].properties["source"] == "calendar"
        with pytest.raises(ValueError, match="assignment or a calendar occurrence"):
            debriefs.offer_debrief(session, team_id=TEAM, learner_id=LEARNER, question_set_id="x", now=NOW)


# -- suggestions -----------------------------------------------------------------------------------


def _community(session: Session) -> None:
    """The learner reports to UMANAGER, who also manages USIBLING; the learner manages UREPORT.
    Everyone below practises the competency unless said otherwise."""
    for user in (LEARNER, "UMANAGER", "USIBLING", "UREPORT", "UANA", "UBEN", "UCARL", "UDORA", "UEVE",
                 "UFAY", "UGUS"):
        _person(session, user)
    _person(session, "UGONE", deactivated=True)
    _person(session, "UQUIET", opt_in="unknown")
    _person(session, "UNOREACH", unreachable="user_not_found")
    _person(session, "UOTHER")  # practises another competency only
    _link(session, "UMANAGER", LEARNER)
    _link(session, "UMANAGER", "USIBLING")
    _link(session, LEARNER, "UREPORT")
    _link(session, "UFORMER", LEARNER, state="removed")  # a former manager is not the team
    for user in ("UMANAGER", "USIBLING", "UREPORT", "UANA", "UCARL", "UGONE", "UQUIET", "UNOREACH", "UDORA"):
        _evidence(session, user)
    for user in ("UBEN", "UEVE", "UFAY", "UGUS"):
        _assignment(session, user, state="accepted")  # practising, no evidence yet
    _assignment(session, "UOTHER", competency="delegation")


def _past_debrief(session: Session, learner: str, peers: list[str], when: datetime) -> None:
    debrief = Debrief(team_id=TEAM, learner_id=learner, question_set_id="debrief-general", state="closed",
                      deadline_at=when + timedelta(hours=48), created_at=when)
    session.add(debrief)
    session.flush()
    for peer in peers:
        session.add(DebriefPeer(debrief_id=debrief.id, peer_id=peer, state="answered", invited_at=when))


def test_suggestions_come_from_outside_the_team_and_avoid_recent_pairings(db: Database) -> None:
    with db.session() as session:
        _community(session)
        _past_debrief(session, LEARNER, ["UCARL"], NOW - timedelta(days=20))  # paired recently: not again
        _past_debrief(session, "UDORA", [LEARNER], NOW - timedelta(days=59))  # the other way round counts too
        _past_debrief(session, LEARNER, ["UEVE"], NOW - timedelta(days=61))  # long enough ago
        _past_debrief(session, "USOMEONE", ["UFAY"], NOW - timedelta(days=3))  # asked recently by someone else
        _past_debrief(session, "USOMEONE", ["UGUS"], NOW - timedelta(days=30))
        suggested = debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id=COMPETENCY,
                                           now=NOW, limit=10)
        # Never asked first (by user id), then least recently asked: UEVE 61 days ago, UGUS 30, UFAY 3.
        assert suggested == ["UANA", "UBEN", "UEVE", "UGUS", "UFAY"]
        assert debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id=COMPETENCY,
                                      now=NOW) == ["UANA", "UBEN", "UEVE"]
        assert debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id=COMPETENCY,
                                      now=NOW, exclude=["UANA"], limit=1) == ["UBEN"]
        assert debriefs.same_team(session, team_id=TEAM, learner_id=LEARNER) == {"UMANAGER", "USIBLING", "UREPORT"}


def test_suggestions_are_deterministic_and_can_be_empty(db: Database) -> None:
    with db.session() as session:
        _community(session)
        runs = {tuple(debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id=COMPETENCY,
                                             now=NOW)) for _ in range(5)}
        assert len(runs) == 1
        assert debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id="coaching",
                                      now=NOW) == []
        assert debriefs.suggest_peers(session, team_id=TEAM, learner_id=LEARNER, competency_id=None, now=NOW) == []
        # A sibling asking: the learner and the manager are their team; UREPORT is not (a different team).
        sibling = debriefs.suggest_peers(session, team_id=TEAM, learner_id="USIBLING", competency_id=COMPETENCY,
                                         now=NOW, limit=10)
        assert LEARNER not in sibling and "UMANAGER" not in sibling and "UREPORT" in sibling


# -- start -----------------------------------------------------------------------------------------


def test_start_creates_the_debrief_prompts_and_one_reminder_per_peer(db: Database) -> None:
    with db.session() as session:
        debrief = _start(session, ["UANA", "UBEN", "UANA"])
        assert debrief.state == "collecting" and debrief.deadline_at == NOW + timedelta(hours=48)
        assert [(p.peer_id, p.state) for p in debriefs.peers_of(session, debrief.id)] == [
            ("UANA", "invited"), ("UBEN", "invited")]
        prompt = _delivery(session, f"debrief-prompt:{debrief.id}:UANA")
        assert prompt.kind == "debrief_prompt" and prompt.user_id == "UANA" and prompt.due_at == NOW
        assert prompt.payload["questions"] == [
            {"id": "worked", "text": "What did they do that worked?", "hint": "", "required": False},
            {"id": "next", "text": "What should they try next time?", "hint": "", "required": False}]
        assert prompt.payload["learner_id"] == LEARNER
        assert prompt.payload["not_after"] == debrief.deadline_at.isoformat()
        reminder = _delivery(session, f"debrief-reminder:{debrief.id}:UBEN")
        assert reminder.kind == "debrief_reminder" and reminder.due_at == NOW + timedelta(hours=36)
        (event,) = _events(session, "debrief.started")
        assert event.properties["peers"] == 2 and event.properties["suggested"] == 0


@pytest.mark.parametrize(("peers", "message"), [
    ([], "Pick one to three people"),
    (["UANA", "UBEN", "UCARL", "UDORA"], "Pick at most three people."),
    (["UANA", LEARNER], "You can't ask yourself"),
    (["UGONE"], "deactivated Slack account"),
])
def test_start_refuses_a_bad_choice_of_peers(db: Database, peers: list[str], message: str) -> None:
    with db.session() as session:
        _person(session, "UGONE", deactivated=True)
        with pytest.raises(InvalidInput, match=message):
            _start(session, peers)
        assert session.scalars(select(Debrief)).all() == []


def test_a_second_debrief_for_the_same_assignment_is_already_done(db: Database) -> None:
    with db.session() as session:
        first = _start(session, ["UANA"])
        assert first.assignment_id is not None
        with pytest.raises(AlreadyDone):
            _start(session, ["UBEN"], assignment_id=first.assignment_id)


# -- answering, closing, the summary ---------------------------------------------------------------


def test_deadline_closes_with_one_answer_and_one_expired_peer_and_one_summary(db: Database, vault: Vault) -> None:
    with db.session() as session:
        debrief = _start(session, ["UANA", "UBEN"])
        debrief_id = debrief.id
        assert debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA",
                                       answers={"worked": f"  {SECRET}  ", "next": "", "unknown": "ignored"},
                                       vault=vault, now=NOW + timedelta(hours=3)) is None  # UBEN still invited
        assert _delivery(session, f"debrief-reminder:{debrief_id}:UANA").state == "cancelled"
        assert debriefs.due_for_closing(session, now=NOW + timedelta(hours=47)) == []
    deadline = NOW + timedelta(hours=48)
    with db.session() as session:
        assert debriefs.due_for_closing(session, now=deadline) == [debrief_id]
        result = debriefs.close_debrief(session, debrief_id=debrief_id, vault=vault, now=deadline)
        assert result.closed and result.expired == ["UBEN"]
        assert result.summary_keys == [f"debrief-summary:{debrief_id}"]
    with db.session() as session:
        assert session.get_one(Debrief, debrief_id).state == "closed"
        assert {p.peer_id: p.state for p in debriefs.peers_of(session, debrief_id)} == {
            "UANA": "answered", "UBEN": "expired"}
        for key in (f"debrief-reminder:{debrief_id}:UBEN", f"debrief-prompt:{debrief_id}:UBEN"):
            assert _delivery(session, key).state == "cancelled"  # never sent in this test: not sent late
        summaries = session.scalars(select(Delivery).where(Delivery.kind == "debrief_summary")).all()
        assert len(summaries) == 1 and summaries[0].user_id == LEARNER
        assert summaries[0].payload == {
            "debrief_id": debrief_id, "about": "SBI feedback to Lee", "answered": ["UANA"], "declined": [],
            "expired": ["UBEN"], "pages": 1, "page": 1,
            "sections": [{"question": "What did they do that worked?", "answers": [{"peer_id": "UANA",
                                                                                    "text": SECRET}]},
                         {"question": "What should they try next time?", "answers": []}]}
        reflect = _delivery(session, f"debrief-reflect:{debrief_id}")
        assert reflect.kind == "debrief_reflect" and reflect.user_id == LEARNER
        assert [e.properties for e in _events(session, "debrief.closed")] == [
            {"answered": 1, "declined": 0, "expired": 1, "early": False, "pages": 1}]
        assert [e.user_id for e in _events(session, "debrief.expired")] == ["UBEN"]
        assert [e.properties for e in _events(session, "debrief.answered")] == [{"answered": 1}]


def test_closing_twice_does_nothing_the_second_time(db: Database, vault: Vault) -> None:
    with db.session() as session:
        debrief_id = _start(session, ["UANA"]).id
    later = NOW + timedelta(hours=49)
    with db.session() as session:
        assert debriefs.close_debrief(session, debrief_id=debrief_id, vault=vault, now=later).closed
    with db.session() as session:
        again = debriefs.close_debrief(session, debrief_id=debrief_id, vault=vault, now=later + timedelta(minutes=5))
        assert not again.closed and again.expired == [] and again.summary_keys == []
        assert debriefs.due_for_closing(session, now=later) == []
        assert len(session.scalars(select(Delivery).where(Delivery.kind == "debrief_summary")).all()) == 1
        assert len(_events(session, "debrief.closed")) == 1 and len(_events(session, "debrief.expired")) == 1
        with pytest.raises(AlreadyDone, match="This debrief has closed"):
            debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA", answers={"worked": "late"},
                                    vault=vault, now=later)


def test_the_last_answer_closes_early_and_a_second_submit_is_already_done(db: Database, vault: Vault) -> None:
    with db.session() as session:
        debrief_id = _start(session, ["UANA", "UBEN"]).id
        assert debriefs.decline(session, debrief_id=debrief_id, peer_id="UBEN", vault=vault, now=NOW) is None
        assert _delivery(session, f"debrief-reminder:{debrief_id}:UBEN").state == "cancelled"
        with pytest.raises(AlreadyDone, match="you declined"):
            debriefs.decline(session, debrief_id=debrief_id, peer_id="UBEN", vault=vault, now=NOW)
        with pytest.raises(InvalidInput, match="Write at least one answer"):
            debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA", answers={"worked": "  "},
                                    vault=vault, now=NOW)
        result = debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA", answers={"next": SECRET},
                                         vault=vault, now=NOW + timedelta(hours=1))
        assert result is not None and result.closed and result.expired == []
        with pytest.raises(AlreadyDone, match="your answers went to the person who asked"):
            debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA", answers={"next": "again"},
                                    vault=vault, now=NOW + timedelta(hours=2))
        with pytest.raises(PermissionDenied):
            debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UCARL", answers={"next": "hi"},
                                    vault=vault, now=NOW)
        (event,) = _events(session, "debrief.closed")
        assert event.properties == {"answered": 1, "declined": 1, "expired": 0, "early": True, "pages": 1}
        assert debriefs.read_answers(session, debrief_id=debrief_id, viewer_id=LEARNER, vault=vault) == {
            "UANA": {"next": SECRET}}


def test_not_now_keeps_the_one_reminder(db: Database, vault: Vault) -> None:
    with db.session() as session:
        debrief_id = _start(session, ["UANA"]).id
        assert debriefs.not_now(session, debrief_id=debrief_id, peer_id="UANA", now=NOW) == NOW + timedelta(hours=36)
        assert _delivery(session, f"debrief-reminder:{debrief_id}:UANA").state == "scheduled"


# -- privacy ---------------------------------------------------------------------------------------


def test_answers_are_encrypted_at_rest_and_readable_by_the_learner_only(db: Database, vault: Vault) -> None:
    with db.session() as session:
        debrief_id = _start(session, ["UANA", "UBEN"]).id
        debriefs.submit_answers(session, debrief_id=debrief_id, peer_id="UANA", answers={"worked": SECRET},
                                vault=vault, now=NOW)
    with db.session() as session:
        row = debriefs.peer_row(session, debrief_id=debrief_id, peer_id="UANA")
        assert row.encrypted_answers is not None
        assert SECRET not in row.encrypted_answers and "worked" not in row.encrypted_answers
        assert json.loads(vault.decrypt(row.encrypted_answers)) == {"worked": SECRET}
        for viewer in ("UANA", "UBEN", "UMANAGER"):
            with pytest.raises(PermissionDenied, match="only the person who asked"):
                debriefs.read_answers(session, debrief_id=debrief_id, viewer_id=viewer, vault=vault)
        assert debriefs.read_answers(session, debrief_id=debrief_id, viewer_id=LEARNER, vault=vault) == {
            "UANA": {"worked": SECRET}}
        stored = [_json(e.properties) for e in session.scalars(select(AnalyticsEvent))]
        assert stored and all(SECRET not in s for s in stored)
        outbox = [_json(d.payload) for d in session.scalars(select(Delivery))]
        assert all(SECRET not in s for s in outbox)  # nothing outside the encrypted column before the close


def test_the_summary_drops_the_answers_once_sent_or_given_up(db: Database, vault: Vault) -> None:
    with db.session() as session:
        first = _start(session, ["UANA"]).id
        second = _start(session, ["UBEN"]).id
        for debrief_id, peer in ((first, "UANA"), (second, "UBEN")):
            debriefs.submit_answers(session, debrief_id=debrief_id, peer_id=peer, answers={"worked": SECRET},
                                    vault=vault, now=NOW)
        sent = _delivery(session, f"debrief-summary:{first}")
        assert SECRET in _json(sent.payload)  # waiting for the learner's working hours, say
        deliveries.mark_sent(session, sent, channel_id="DLEARNER", ts="1.0", now=NOW, reason="test")
        debriefs.ON_SENT["debrief_summary"](session, sent)
        assert session.get_one(Debrief, first).summary_sent_at == NOW
        assert "sections" not in sent.payload and sent.payload["scrubbed"] is True
        given_up = _delivery(session, f"debrief-summary:{second}")
        deliveries.skip(session, given_up, reason="the person's Slack account is deactivated", now=NOW)
        assert debriefs.scrub_unsent_summaries(session, now=NOW) == 1
        assert all(SECRET not in _json(d.payload) for d in session.scalars(select(Delivery)))


def test_the_prompt_remembers_its_card(db: Database) -> None:
    with db.session() as session:
        debrief_id = _start(session, ["UANA"]).id
        prompt = _delivery(session, f"debrief-prompt:{debrief_id}:UANA")
        deliveries.mark_sent(session, prompt, channel_id="DUANA", ts="123.456", now=NOW, reason="test")
        debriefs.ON_SENT["debrief_prompt"](session, prompt)
        row = debriefs.peer_row(session, debrief_id=debrief_id, peer_id="UANA")
        assert (row.card_channel, row.card_ts) == ("DUANA", "123.456")
        assert debriefs.peer_cards(session, debrief_id=debrief_id, peer_id="UANA") == [
            debriefs.PeerCard(f"debrief-prompt:{debrief_id}:UANA", "DUANA", "123.456")]


# -- pagination ------------------------------------------------------------------------------------


def _answers(count: int, length: int) -> list[dict[str, Any]]:
    return [{"peer_id": f"U{n}", "text": "x" * length} for n in range(count)]


def test_pagination_keeps_pages_within_budget_and_continues_a_question() -> None:
    sections = [{"question": f"Question {n}?", "answers": _answers(3, debriefs.MAX_ANSWER_CHARS)} for n in range(5)]
    pages = debriefs.paginate(sections)
    assert [sum(len(item["answers"]) for item in page) for page in pages] == [7, 7, 1]  # 1,500 chars each
    for page in pages:
        blocks = sum(1 + len(item["answers"]) for item in page)
        chars = sum(len(item["question"]) + sum(len(a["text"]) for a in item["answers"]) for item in page)
        assert blocks <= debriefs.PAGE_BLOCK_BUDGET and chars <= debriefs.PAGE_CHAR_BUDGET
    flattened = [a for page in pages for item in page for a in item["answers"]]
    assert len(flattened) == 15  # nothing lost, nothing doubled
    split = [item["question"] for page in pages for item in page]
    assert len(split) == 7 and len(set(split)) == 5  # two questions continue on the next page, text repeated
    tiny = debriefs.paginate([{"question": "Q?", "answers": _answers(5, 10)}], block_budget=3)
    assert [len(page[0]["answers"]) for page in tiny] == [2, 2, 1]
    assert debriefs.paginate([]) == [[]]
    assert debriefs.paginate([{"question": "Q?", "answers": []}]) == [[{"question": "Q?", "answers": []}]]
