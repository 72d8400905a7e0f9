"""The outcome of ``flowcoach org import``: one ``RowResult`` per row, gathered in an ``ImportReport``."""

from __future__ import annotations

from dataclasses import dataclass, field


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
