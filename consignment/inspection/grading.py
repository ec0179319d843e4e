"""The report's grade, A to D, from its answers. The rule, version 1:

1. Start from 100 points. Each non-critical item answered ``minor`` costs 2 points, ``major`` 6 (``ok`` and ``na``
   cost nothing).
2. Paint: a panel reading over 200 µm has been repainted (3 points); over 500 µm it carries body filler (8 points
   instead), a repaired dent. Factory paint is 80-180 µm.
3. The score makes the grade: A from 90, B from 75, C from 60, D below. An A also needs no major defect and no panel
   with filler (such a car is a B at best).
4. The accident, flood and fire checks cap it: one answered ``major`` makes the car a D; ``minor`` (a light
   repair, a trace that is not conclusive) a C at best.

The inspector may override the computed grade with a reason (``InspectionReport.grade_override_reason``, which the
database requires whenever the two differ).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from consignment.inspection.template import BY_CODE, Item
from consignment.models import Grade, ItemResult

START = 100
DEDUCTION = {ItemResult.MINOR: 2, ItemResult.MAJOR: 6}
REPAINT_UM = Decimal("200")
FILLER_UM = Decimal("500")
REPAINT_DEDUCTION = 3
FILLER_DEDUCTION = 8
THRESHOLDS = ((Grade.A, 90), (Grade.B, 75), (Grade.C, 60))
_ORDER = [Grade.A, Grade.B, Grade.C, Grade.D]


@dataclass(frozen=True)
class Answer:
    code: str
    result: str
    reading: Decimal | None = None


@dataclass(frozen=True)
class Grading:
    """The computed grade and what it stands on: the score, the repainted and filled panels, the critical checks
    that capped it (codes), and the grade the score alone gives."""

    grade: str
    score: int
    by_score: str
    repainted: tuple[str, ...] = field(default_factory=tuple)
    filler: tuple[str, ...] = field(default_factory=tuple)
    capped_by: tuple[str, ...] = field(default_factory=tuple)
    majors: int = 0
    minors: int = 0


def _worst(a: str, b: str) -> str:
    return max(a, b, key=_ORDER.index)


def grade_compute(answers: Iterable[Answer], items: dict[str, Item] = BY_CODE) -> Grading:
    """The grade of ``answers`` by the rule of the module docstring. Answers to codes not in ``items`` are ignored
    (the report's service refuses them before)."""
    score = START
    repainted, filler, capped_by = [], [], []
    majors = minors = 0
    cap = Grade.A
    for answer in answers:
        item = items.get(answer.code)
        if item is None:
            continue
        if item.critical:
            if answer.result == ItemResult.MAJOR:
                cap = _worst(cap, Grade.D)
                capped_by.append(answer.code)
            elif answer.result == ItemResult.MINOR:
                cap = _worst(cap, Grade.C)
                capped_by.append(answer.code)
            continue
        score -= DEDUCTION.get(answer.result, 0)
        majors += answer.result == ItemResult.MAJOR
        minors += answer.result == ItemResult.MINOR
        if item.paint and answer.reading is not None and answer.result != ItemResult.NA:
            if answer.reading > FILLER_UM:
                score -= FILLER_DEDUCTION
                filler.append(answer.code)
            elif answer.reading > REPAINT_UM:
                score -= REPAINT_DEDUCTION
                repainted.append(answer.code)
    score = max(score, 0)
    by_score = next((grade for grade, floor in THRESHOLDS if score >= floor), Grade.D)
    grade = by_score
    if grade == Grade.A and (majors or filler):
        grade = Grade.B
    grade = _worst(grade, cap)
    return Grading(
        grade=grade,
        score=score,
        by_score=by_score,
        repainted=tuple(repainted),
        filler=tuple(filler),
        capped_by=tuple(capped_by),
        majors=majors,
        minors=minors,
    )


def report_grading(report) -> Grading:
    """The grade the rule gives an ``InspectionReport``'s items (its prefetched ``items`` when there are)."""
    return grade_compute(Answer(code=i.code, result=i.result, reading=i.reading) for i in report.items.all())
