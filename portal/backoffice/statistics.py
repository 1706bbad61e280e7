"""The team leads' figures: queue size over time per site, items finished per day, queue age."""
from __future__ import annotations

from flask import render_template
from flask_babel import ngettext

from portal.backoffice import bp
from portal.backoffice.charts import bar_chart, line_chart
from portal.backoffice.guard import LEADS, requires_role
from portal.casework.statistics import finished_per_day, queue_age, queue_size_by_day
from portal.config import current_settings
from portal.domain.office_time import office_today
from portal.extensions import db
from portal.models._types import utcnow

DAYS = 28


@bp.get("/statistics")
@requires_role(*LEADS)
def statistics():
    today = office_today(utcnow())
    target = current_settings().queue.target_days
    sizes = queue_size_by_day(db.session, today, DAYS)
    finished = finished_per_day(db.session, today, DAYS)
    return render_template(
        "backoffice/statistics.html", sizes=sizes, finished=finished, ages=queue_age(db.session, today, target),
        target=target, days=DAYS,
        size_chart=line_chart(sizes, ngettext("Open submissions per site, last %(num)s day",
                                              "Open submissions per site, last %(num)s days", DAYS)),
        finished_chart=bar_chart(finished, ngettext("Submissions finished per day, last %(num)s day",
                                                    "Submissions finished per day, last %(num)s days", DAYS)))
