"""Attaching without a caseworker: only when the office switched it on, and only to one clear,
high-scoring candidate. The filing itself is portal.casefiles.operations.attach_submission."""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from portal.casefiles.operations import attach_submission
from portal.matching.candidates import Candidate, for_submission
from portal.models import Submission

DEFAULT_AUTO_THRESHOLD = 0.95
DEFAULT_AUTO_MARGIN = 0.10


def auto_attach_candidate(candidates: list[Candidate], threshold: float = DEFAULT_AUTO_THRESHOLD,
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


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def auto_attach_settings() -> tuple[bool, float]:
    """(enabled, threshold) from the app's config: PORTAL_MATCH_AUTO_ATTACH (default off)
    and PORTAL_MATCH_AUTO_THRESHOLD (default 0.95). Off outside an app (no office settings)."""
    if not has_app_context():
        return False, DEFAULT_AUTO_THRESHOLD
    enabled = _flag(current_app.config.get("PORTAL_MATCH_AUTO_ATTACH", False))
    try:
        threshold = float(current_app.config.get("PORTAL_MATCH_AUTO_THRESHOLD", DEFAULT_AUTO_THRESHOLD))
    except (TypeError, ValueError):
        threshold = DEFAULT_AUTO_THRESHOLD
    return enabled, threshold


def maybe_auto_attach(session: Session, submission: Submission) -> Candidate | None:
    """Attach without a caseworker when the office enabled it (PORTAL_MATCH_AUTO_ATTACH) and
    one candidate is clearly the person (PORTAL_MATCH_AUTO_THRESHOLD). Returns the candidate
    attached, or None."""
    enabled, threshold = auto_attach_settings()
    if not enabled or submission.case_file_id is not None:
        return None
    chosen = auto_attach_candidate(for_submission(session, submission), threshold)
    if chosen is None:
        return None
    attach_submission(session, submission, chosen.case_file, None, automatic=True, candidate=chosen)
    return chosen
