import io
import time
from pathlib import Path

from slackapp.demo.run import run_demo

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_the_loop_and_prints_what_each_person_saw() -> None:
    out = io.StringIO()
    started = time.monotonic()
    assert run_demo(content_dir=REPO / "content", out=out) == 0
    assert time.monotonic() - started < 60
    transcript = out.getvalue()
    for expected in (
        "Maria sees an ephemeral reply",
        "`/coach pause [YYYY-MM-DD | N days]`",
        "Ravi sees a DM from Flowcoach",
        "Would you like me to coach you?",
        "[Yes, coach me] [Not now]",
        "You're in.",
        "*Coaching is on.*",
        "No problem — I won't message you.",
        "Lee has 1 message(s) from Flowcoach",
        "*Connected*",
        "1 event(s) in the next 7 days",
        "Your 1:1 *Ravi / Maria 1:1* starts at 10:00.",
        "[Open full guide] [Not helpful]",
        "*Phrases that help*",
        "How did *Ravi / Maria 1:1* go?",
        "Saved privately.",
        # the micro-assignment loop
        "Invitation sent to <@URAVI>.",
        "You accepted: <@UMARIA> is now your manager in Flowcoach.",
        "<@URAVI> accepted — they're now one of your reports in Flowcoach.",
        "== Give one piece of SBI feedback and note the response ==",
        "*Context from <@UMARIA>*",
        "📨 *Submitted* — waiting for <@UMARIA>'s review",
        "<@UMARIA> asked for changes to your work — *Developing* (2 of 4).",
        "[Submit again]",
        "again (version 2, after the changes you asked for)",
        "<@UMARIA> reviewed your work — *Proficient* (3 of 4).",
        "This counts as evidence of *Use Situation-Behaviour-Impact*.",
        "🎉 *Reviewed* by <@UMARIA>",
        "You asked <@ULEE> and <@UANA> for their perspective",
        "Thanks — your answers went to <@URAVI> only.",
        "This debrief has closed.",
        "1 of 2 colleagues answered.",
        "<@UANA> didn't answer before the deadline.",
        "Only you can see these answers.",
        "Paused until",
        "I don't know “dance” yet",
        "Block Kit validation errors: 0",
    ):
        assert expected in transcript, expected
