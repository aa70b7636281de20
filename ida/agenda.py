"""The learning agenda (leeragenda): per province, what needs attention on a given day, read from a serving copy.

Four rules, their thresholds in `AgendaSettings` (ida/settings.py):
- `stale_lessons`: a running experiment (not stopped, not ended) without a new lesson for `stale_lesson_months`
  (the clock starts at its latest lesson, or at its start when it has none);
- `unanswered_question`: a learning question no lesson names, after its experiment ended;
- `open_dilemma`: a dilemma open longer than `dilemma_open_days` at its current escalation level;
- `missing_result`: a running experiment with goals (intended results or targets) without a measured result for
  `result_months` (the clock starts at its latest measurement, or at its start).
For an open question or dilemma the item also names what other provinces learned about it (the search engine).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import duckdb

from ida.learning_questions import Learned, alike, questions
from ida.settings import AgendaSettings

KINDS = {  # kind → Dutch label, in the order the agenda lists them
    "stale_lessons": "Geen nieuwe les",
    "unanswered_question": "Onbeantwoorde leervraag",
    "open_dilemma": "Dilemma wacht op besluit",
    "missing_result": "Geen recent resultaat",
}
OTHERS = 3  # other provinces' lessons named per open question or dilemma, at most

__all__ = ["KINDS", "AgendaItem", "Learned", "agenda", "why_empty", "months_before"]


@dataclass(frozen=True)
class AgendaItem:
    """One thing a province should look at."""

    province_code: str
    kind: str  # a key of KINDS
    experiment_key: str
    experiment_title: str
    core_task: str | None
    message: str  # one Dutch sentence: what needs attention and what to do
    since: date | None  # when the clock started: latest lesson, end date, dilemma at its level, latest result
    others: tuple[Learned, ...] = ()  # other provinces' lessons about it (open questions and dilemmas only)
    subject: str | None = None  # the learning question's text, or the dilemma's lesson key


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter: 31-08 minus 6 months = 28/29-02)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _day(value: date | None) -> str:
    return f"{value:%d-%m-%Y}" if value else ""


RUNNING = "not e.is_stopped and (e.end_date is null or e.end_date >= ?)"  # the experiments the clocks run for


def _province_filter(province: str | None, column: str = "province_code") -> tuple[str, list]:
    return (f" and {column} = ?", [province]) if province else ("", [])


def _stale_lessons(con, limits: AgendaSettings, today: date, province: str | None, others: bool) -> list[AgendaItem]:
    where, params = _province_filter(province, "e.province_code")
    rows = con.execute(f"""
        select e.province_code, e.experiment_key, e.title, e.core_task, max(l.lesson_date) as last_lesson, e.start_date
        from marts.experiments e left join marts.lessons l on l.experiment_key = e.experiment_key
        where {RUNNING}{where}
        group by all
    """, [today, *params]).fetchall()
    cutoff = months_before(today, limits.stale_lesson_months)
    items = []
    for code, key, title, task, last_lesson, start in rows:
        since = last_lesson or start
        if since is None:
            message = f"'{title}' heeft nog geen enkele les: leg vast wat het experiment tot nu toe leerde."
        elif since <= cutoff:
            message = (f"'{title}' heeft sinds {_day(since)} geen nieuwe les: leg vast wat het experiment sindsdien "
                       "leerde." if last_lesson else
                       f"'{title}' loopt sinds {_day(since)} en heeft nog geen les: leg vast wat het tot nu toe leerde.")
        else:
            continue
        items.append(AgendaItem(code, "stale_lessons", key, title, task, message, since))
    return items


def _unanswered_questions(con, limits: AgendaSettings, today: date, province: str | None,
                          others: bool) -> list[AgendaItem]:
    where, params = _province_filter(province)
    ended = dict(con.execute(f"select experiment_key, end_date from marts.experiments where end_date < ?{where}",
                             [today, *params]).fetchall())
    items = []
    for q in questions(con, province):
        if q.answered or q.experiment_key not in ended:
            continue
        learned = _learned(con, limits, q.text, q.province_code) if others else ()
        message = (f"Leervraag '{q.text}' van '{q.experiment_title}' is nog niet beantwoord, en het experiment eindigde "
                   f"op {_day(ended[q.experiment_key])}: lever een les aan die haar beantwoordt (kolom leervraag)"
                   + (", of kijk wat andere provincies erover leerden." if learned else "."))
        items.append(AgendaItem(q.province_code, "unanswered_question", q.experiment_key, q.experiment_title,
                                q.core_task, message, ended[q.experiment_key], learned, q.text))
    return items


def _open_dilemmas(con, limits: AgendaSettings, today: date, province: str | None, others: bool) -> list[AgendaItem]:
    where, params = _province_filter(province)
    rows = con.execute(f"""
        select province_code, lesson_key, experiment_key, experiment_title, core_task, lesson_text,
               coalesce(escalation_level_label, 'onbekend'), level_since
        from marts.open_dilemmas
        where date_diff('day', level_since, ?::date) > ?{where}
    """, [today, limits.dilemma_open_days, *params]).fetchall()
    items = []
    for code, lesson_key, key, title, task, text, level, since in rows:
        learned = _learned(con, limits, text, code) if others else ()
        message = (f"Een dilemma van '{title}' ligt sinds {_day(since)} open op niveau {level} ({(today - since).days} "
                   "dagen): breng het ter besluit of escaleer het naar het volgende niveau.")
        items.append(AgendaItem(code, "open_dilemma", key, title, task, message, since, learned, lesson_key))
    return items


def _missing_results(con, limits: AgendaSettings, today: date, province: str | None, others: bool) -> list[AgendaItem]:
    where, params = _province_filter(province, "e.province_code")
    rows = con.execute(f"""
        select e.province_code, e.experiment_key, e.title, e.core_task, max(r.measured_on) as last_result, e.start_date
        from marts.experiments e left join marts.results r on r.experiment_key = e.experiment_key
        where {RUNNING}{where}
        group by all
        having len(any_value(e.intended_results)) > 0 or count(r.target) > 0
    """, [today, *params]).fetchall()
    cutoff = months_before(today, limits.result_months)
    items = []
    for code, key, title, task, last_result, start in rows:
        since = last_result or start
        if since is None or since <= cutoff:
            message = (f"'{title}' heeft doelen maar sinds {_day(since)} geen gemeten resultaat: lever een nieuwe "
                       "meting aan." if last_result else
                       f"'{title}' heeft doelen maar nog geen gemeten resultaat: lever een eerste meting aan.")
            items.append(AgendaItem(code, "missing_result", key, title, task, message, since))
    return items


def _learned(con, limits: AgendaSettings, text: str, province: str) -> tuple[Learned, ...]:
    """The lessons of other provinces than `province` nearest to `text`, alike enough."""
    other = tuple(c for (c,) in con.execute("select code from vocab.provincies where code != ? order by code",
                                            [province]).fetchall())
    return alike(con, text, limits.min_score, OTHERS, provinces=other)


RULES = {"stale_lessons": _stale_lessons, "unanswered_question": _unanswered_questions,
         "open_dilemma": _open_dilemmas, "missing_result": _missing_results}


def agenda(con: duckdb.DuckDBPyConnection, limits: AgendaSettings, today: date | None = None,
           province: str | None = None, others: bool = True) -> list[AgendaItem]:
    """What needs attention on `today` (default: today), for one province (a CBS code) or all; by province, then in
    the order of KINDS, oldest clock first. `others=False` leaves out what other provinces learned (a search per open
    question or dilemma), for when only the items count."""
    today = today or date.today()
    items = [item for rule in RULES.values() for item in rule(con, limits, today, province, others)]
    order = list(KINDS)
    return sorted(items, key=lambda i: (i.province_code, order.index(i.kind), i.since or date.min, i.experiment_key,
                                        i.subject or ""))


def why_empty(con: duckdb.DuckDBPyConnection, limits: AgendaSettings, province: str) -> str:
    """A Dutch sentence for a province whose agenda is empty: why nothing needs attention."""
    experiments = con.execute("select count(*) from marts.experiments where province_code = ?", [province]).fetchone()[0]
    if not experiments:
        return "Geen experimenten aangeleverd: er is nog niets om te volgen."
    counted = "1 experiment" if experiments == 1 else f"de {experiments} experimenten"
    return (f"Niets vraagt nu aandacht bij {counted}: elk lopend experiment heeft een les van de "
            f"laatste {limits.stale_lesson_months} maanden en, als het doelen heeft, een resultaat van de laatste "
            f"{limits.result_months} maanden, geen dilemma ligt langer dan {limits.dilemma_open_days} dagen open en de leervragen van "
            "afgelopen experimenten zijn beantwoord.")
