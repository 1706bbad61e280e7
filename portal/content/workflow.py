"""The publication workflow of one translation, as Plone's: rules only, no database.

    private ──submit──► pending ──publish──► published ──expire──► expired
       ▲    ◄─retract──    │                     │
       └──────reject───────┘        (a new save makes a newer draft: private again)

Editors write and submit; team leads and admins also publish, reject, expire and restore.
The state is the state of the translation's newest version. Saving a new version never takes
the published one offline: the public keeps reading `published_number` until the newer
version is published. What the public sees is decided at read time by `is_live`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.domain.office_time import aware
from portal.models.content import WorkflowState
from portal.models.staff import Role

EDIT_ROLES = frozenset({Role.EDITOR.value, Role.TEAM_LEAD.value, Role.ADMIN.value})
PUBLISH_ROLES = frozenset({Role.TEAM_LEAD.value, Role.ADMIN.value})

P, R, PUB, X = WorkflowState.PRIVATE, WorkflowState.PENDING, WorkflowState.PUBLISHED, WorkflowState.EXPIRED


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: WorkflowState
    roles: frozenset


TRANSITIONS = {
    "submit": Transition("submit", frozenset({P}), R, EDIT_ROLES),
    "retract": Transition("retract", frozenset({R}), P, EDIT_ROLES),
    "publish": Transition("publish", frozenset({P, R, X}), PUB, PUBLISH_ROLES),
    "reject": Transition("reject", frozenset({R}), P, PUBLISH_ROLES),
    # Takes the live text down; a newer draft beside it keeps its own state (see expire()).
    "expire": Transition("expire", frozenset({P, R, PUB}), X, PUBLISH_ROLES),
}


class WorkflowRefused(Exception):
    """A change the workflow does not allow; `code` names why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check(action: str, state: str, role: str, *, live: bool = False) -> Transition:
    """The transition, or WorkflowRefused: 'unknown', 'not_allowed' (role) or 'wrong_state'.
    `live`: the translation has a published version that is not expired (needed to expire)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowRefused("unknown")
    if role not in transition.roles:
        raise WorkflowRefused("not_allowed")
    if state not in transition.sources or (action == "expire" and not live):
        raise WorkflowRefused("wrong_state")
    return transition


def available(state: str, role: str, *, live: bool = False) -> list[str]:
    """The transitions this role may make from this state (for the buttons)."""
    return [name for name, t in TRANSITIONS.items() if role in t.roles and state in t.sources
            and (name != "expire" or live)]


def can_edit(role: str) -> bool:
    return role in EDIT_ROLES


def can_publish(role: str) -> bool:
    return role in PUBLISH_ROLES


def is_live(published_number: int | None, publish_at: datetime | None, expire_at: datetime | None,
            now: datetime) -> bool:
    """Whether the public sees the published version now: publish_at inclusive, expire_at exclusive."""
    if published_number is None:
        return False
    start, end = aware(publish_at), aware(expire_at)
    return (start is None or start <= now) and (end is None or now < end)


def public_state(translation, now: datetime) -> str:
    """What the back office shows about the live text: 'published', 'scheduled', 'expired' or
    'unpublished'. Independent of any newer draft."""
    if translation.published_number is None:
        return "unpublished"
    if translation.state == WorkflowState.EXPIRED:
        return "expired"
    start, end = aware(translation.publish_at), aware(translation.expire_at)
    if end is not None and now >= end:
        return "expired"
    if start is not None and now < start:
        return "scheduled"
    return "published"
