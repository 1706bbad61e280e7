"""Attaching without a caseworker: only when the office switched it on, and only to one clear,
high-scoring candidate. The filing itself is portal.casefiles.operations.attach_submission."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.casefiles.operations import attach_submission
from portal.config import MatchingSettings
from portal.matching.candidates import Candidate, for_submission
from portal.models import Submission

DEFAULT_AUTO_MARGIN = 0.10  # the lead over the runner-up (a rule, not a setting)


def auto_attach_candidate(candidates: list[Candidate], threshold: float,
                          margin: float = DEFAULT_AUTO_MARGIN) -> Candidate | None:
    """The candidate to attach without a caseworker: only one whose score reaches the
    threshold and leads the next candidate by at least `margin`; otherwise None."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: -c.score)
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if top.score >= threshold and top.score - runner_up >= margin:
        return top
    return None


def maybe_auto_attach(session: Session, submission: Submission, matching: MatchingSettings) -> Candidate | None:
    """Attach without a caseworker when the office enabled it (matching.auto_attach) and one
    candidate is clearly the person (matching.auto_threshold). Returns the candidate attached,
    or None."""
    if not matching.auto_attach or submission.case_file_id is not None:
        return None
    chosen = auto_attach_candidate(for_submission(session, submission), matching.auto_threshold)
    if chosen is None:
        return None
    attach_submission(session, submission, chosen.case_file, None, automatic=True, candidate=chosen)
    return chosen
