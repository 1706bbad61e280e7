"""The submit request's database round trips: under load every one of them waits for the CPU and
the interpreter lock again, so the request reads back nothing it has just made, and nothing after
its commit (issue 22, target 5). The receipt it stores lists the documents as the database has them."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.models import Submission
from tests.support import samples
from tests.support.case_files import storage_of
from tests.support.helpers import Applicant

CODE = "temporary-protection"  # a PDF, a HEIC photo, a JPEG and a PNG: originals and their PDF copies


def _submit_statements(app, client, monkeypatch) -> tuple[list[str], object]:
    import portal.intake.receipts
    from portal.extensions import db

    # The receipt's PDF (after the response; synchronous in tests) is not the request's work.
    monkeypatch.setattr(portal.intake.receipts, "finish_in_background", lambda *args: None)
    applicant = Applicant(client, "uk")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def committed(_conn):
        statements.append("COMMIT")

    applicant.start(CODE)
    for step, data in samples.STEPS[CODE].items():
        assert applicant.step(CODE, step, data).status_code == 302
    assert applicant.upload(CODE, samples.FILES[CODE]).status_code == 302
    assert applicant.step(CODE, "documents", {}).status_code == 302
    assert applicant.step(CODE, "review", {}).status_code == 302
    token_page = client.get(f"/uk/apply/{CODE}/declaration").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    sa.event.listen(engine, "commit", committed)
    try:
        response = client.post(f"/uk/apply/{CODE}/submit", data={"csrf_token": token, "declaration": "yes"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
        sa.event.remove(engine, "commit", committed)
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")
    return statements, response


def test_the_submit_reads_nothing_back_and_nothing_after_its_commit(app, client, db_session, sites, monkeypatch):
    statements, _ = _submit_statements(app, client, monkeypatch)
    assert statements[-1] == "COMMIT", statements[statements.index("COMMIT"):]
    reads_of_documents = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                          and re.search(r"\bFROM document\b", s)]
    assert reads_of_documents == []
    # Draft, uploads, idempotency key, service, site; the number (one statement); the submission,
    # its status, its change; the draft, the mail, the receipt's digest; the commits: 14 on
    # PostgreSQL, 13 on SQLite (the number is drawn in the same transaction there). The bound
    # leaves room for two more, not for a query per document or field. The documents' rows: one
    # INSERT each at most (PostgreSQL sends them in two).
    documents = [s for s in statements if s.startswith("INSERT INTO document")]
    assert len(statements) - len(documents) <= 16, "\n".join(statements)
    assert len(documents) <= 7


def test_the_receipt_lists_the_documents_as_stored(app, client, db_session, sites, monkeypatch):
    from portal.intake.acknowledge import _uploaded_documents

    _submit_statements(app, client, monkeypatch)
    submission = db_session.scalar(sa.select(Submission).order_by(Submission.id.desc()))
    listed = _uploaded_documents(db_session, submission)
    assert len(listed) == 4
    html = storage_of(app).read(submission.receipt_html_sha256).decode()
    positions = [html.index(document.original_filename) for document, _pages in listed]
    assert positions == sorted(positions)  # in the order the database gives them
    for document, pages in listed:
        row = html[html.index(document.original_filename):].split("</tr>", 1)[0]
        assert f"{pages} Seite" in row, row  # the German line of the pages column
