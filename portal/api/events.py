"""The change feed: new and changed submissions since the cursor of the last call, so that the
other side picks up what happened without reading every submission again (portal.change_feed)."""
from __future__ import annotations

from portal import change_feed
from portal.api import bp, paging, shapes
from portal.api import schemas as S
from portal.api.auth import current_client
from portal.api.registry import operation
from portal.api.responses import audit_read, json_response
from portal.casework import access
from portal.clients.accounts import Scope
from portal.domain.office_time import aware
from portal.extensions import db

KIND = "events"


@bp.get("/events")
@operation(summary="What happened to submissions since the last call", tag="events",
           scopes=(Scope.SUBMISSIONS_READ.value,), query=S.FeedQuery, response=S.FeedPage,
           description="Each new or changed submission once per change, in a safe order: a submission committed "
                       "late never appears behind a cursor already given out, so nothing is missed and nothing "
                       "repeated. Keep `next_cursor` and call again with `after` (e.g. every minute); an empty "
                       "list means nothing new. A change appears once its transaction is finished.")
def events(query: S.FeedQuery):
    start = paging.decode(KIND, query.after)
    after = change_feed.Position(start.get("t", 0), start.get("i", 0)) if start else change_feed.START
    page = change_feed.read(db.session, after, limit=query.limit,
                            where=access.client_submission_condition(current_client()))
    body = S.FeedPage(
        events=[S.FeedEvent(kind=change.kind, at=aware(change.at), submission=shapes.submission_summary(submission))
                for change, submission in page.changes],
        next_cursor=paging.encode(KIND, {"t": page.position.txid, "i": page.position.id}))
    audit_read("view", "submission", "", feed=True, references=sorted({s.reference for _c, s in page.changes}))
    return json_response(body)
