"""Which of an experiment's learning questions (`leervragen`) are answered: explicitly, by a lesson whose v1.1
`leervraag` names the question, or by suggestion, a lesson of any experiment and any province that the search engine
(ida.search) finds alike with at least a minimum score. Per province and per core task: the share answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import duckdb

from ida import search

SUGGESTIONS = 3  # lessons suggested per question, at most


@dataclass(frozen=True)
class Learned:
    """A lesson, as an answer to a question or as what another province learned about something."""

    lesson_key: str
    province_code: str
    experiment_key: str
    text: str
    score: float


@dataclass(frozen=True)
class Question:
    """One learning question of one experiment, with the lessons that answer it."""

    experiment_key: str
    experiment_title: str
    province_code: str
    core_task: str | None
    position: int  # 1 = the experiment's first question
    text: str
    answered_by: tuple[Learned, ...]  # its experiment's lessons that name it (score 0: not found by search)
    suggested: tuple[Learned, ...] = ()  # alike lessons, best first; filled by `with_suggestions`

    @property
    def answered(self) -> bool:
        return bool(self.answered_by)


QUESTIONS = """
    with questions as (
        select experiment_key, title, province_code, core_task,
               unnest(range(1, len(learning_questions) + 1)) as position, unnest(learning_questions) as question
        from marts.experiments
        where len(learning_questions) > 0 {where}
    )
    select q.experiment_key, q.title, q.province_code, q.core_task, q.position, q.question,
           list((l.lesson_key, l.province_code, l.experiment_key, l.lesson_text) order by l.lesson_date, l.lesson_key)
               filter (where l.lesson_key is not null) as answers
    from questions q
    left join marts.lessons l on l.experiment_key = q.experiment_key and l.learning_question = q.question
    group by all
    order by q.province_code, q.experiment_key, q.position
"""


def questions(con: duckdb.DuckDBPyConnection, province: str | None = None,
              experiment_key: str | None = None) -> list[Question]:
    """The learning questions (of one province, or one experiment), each with the lessons that name it."""
    conditions, parameters = [], []
    if province:
        conditions.append("and province_code = ?")
        parameters.append(province)
    if experiment_key:
        conditions.append("and experiment_key = ?")
        parameters.append(experiment_key)
    rows = con.execute(QUESTIONS.format(where=" ".join(conditions)), parameters).fetchall()
    return [Question(key, title, code, task, position, text,
                     tuple(Learned(a[0], a[1], a[2], a[3], 0.0) for a in answers or ()))
            for key, title, code, task, position, text, answers in rows]


def alike(con: duckdb.DuckDBPyConnection, text: str, min_score: float, top: int,
          provinces: tuple[str, ...] = (), exclude: Iterable[str] = ()) -> tuple[Learned, ...]:
    """The lessons nearest to `text` (of `provinces`, all when empty; never those in `exclude`) with a search score
    of at least `min_score`, best first; none when the serving copy has no search index."""
    try:
        index = search.Index.of(con)
    except search.NotIndexed:
        return ()
    skip = set(exclude)
    hits = index.search(con, text, top=top + len(skip), provinces=provinces)
    return tuple(Learned(h.key, h.province_code, h.experiment_key, h.text, h.score)
                 for h in hits if h.score >= min_score and h.key not in skip)[:top]


def with_suggestions(con: duckdb.DuckDBPyConnection, found: list[Question], min_score: float,
                     top: int = SUGGESTIONS) -> list[Question]:
    """`found` with, per question, the alike lessons of any province that do not already name it."""
    return [replace(q, suggested=alike(con, q.text, min_score, top, exclude=(a.lesson_key for a in q.answered_by)))
            for q in found]


@dataclass(frozen=True)
class Coverage:
    """How many learning questions of one province or core task have an answer."""

    group: str  # a province code or a core-task code
    questions: int
    explicit: int  # with a lesson that names it
    explicit_or_suggested: int  # with such a lesson or a suggestion

    @property
    def explicit_share(self) -> float:
        return self.explicit / self.questions if self.questions else 0.0

    @property
    def suggested_share(self) -> float:
        return self.explicit_or_suggested / self.questions if self.questions else 0.0


def coverage(found: list[Question], by: str) -> list[Coverage]:
    """The shares per `by` ("province_code" or "core_task") of `found` (with their suggestions), by group."""
    groups: dict[str, list[Question]] = {}
    for q in found:
        groups.setdefault(getattr(q, by) or "", []).append(q)
    return [Coverage(group, len(qs), sum(q.answered for q in qs), sum(q.answered or bool(q.suggested) for q in qs))
            for group, qs in sorted(groups.items())]
