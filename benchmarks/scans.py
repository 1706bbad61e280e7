"""Scan import benchmark: a delivery of 20,000 single-page PDFs over 2,000 case files (three in
four known to the office, the rest opened by the import), imported into a fresh, migrated
database with every check (checksum, type, PDF check, page count, atomic fsynced storage);
prints documents per second, the time, peak memory and the machine.

    .venv/bin/python benchmarks/scans.py                       # SQLite in a temporary folder
    .venv/bin/python benchmarks/scans.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/scans.py --documents 2000 --case-files 200   # quick

On PostgreSQL the run uses a schema of its own and drops it afterwards. Target: 200 documents
per second on SQLite on a 2-core machine.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway_database import throwaway_database  # noqa: E402

COLUMNS = ("batch_id", "file_number", "surname", "given_names", "date_of_birth", "nationality", "document_date",
           "document_type", "path", "pages", "sha256")
PEOPLE = [("Шевченко", "Олександр", "UKR"), ("الحسن", "محمد", "SYR"), ("Yılmaz", "Ayşe", "TUR"),
          ("Kowalczyk", "Anna", "POL"), ("Nguyen", "Thi Lan", "VNM"), ("Ахмедов", "Руслан", "RUS")]


def one_page_pdf(text: str) -> bytes:
    """A small valid PDF with one A4 page of text; distinct text, distinct file (and checksum)."""
    content = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_delivery(folder: Path, documents: int, case_files: int) -> list[str]:
    """Write the delivery; returns the file numbers (the first three quarters are to exist)."""
    numbers = [f"{'WZ' if n % 3 else 'DIL'}-{2000 + n % 26}-{n:05d}" for n in range(case_files)]
    rows = []
    for index in range(documents):
        number = numbers[index % case_files]
        surname, given, nationality = PEOPLE[index % case_files % len(PEOPLE)]
        data = one_page_pdf(f"{number} Seite {index}")
        path = f"{number}/{index:06d}.pdf"
        (folder / number).mkdir(exist_ok=True)
        (folder / path).write_bytes(data)
        rows.append({"batch_id": "BENCH-2026-0001", "file_number": number, "surname": surname,
                     "given_names": given, "date_of_birth": f"00.{1 + index % case_files % 12:02d}.1980",
                     "nationality": nationality, "document_date": f"{1995 + index % 30}-{1 + index % 12:02d}-15",
                     "document_type": "Schreiben", "path": path, "pages": "1",
                     "sha256": hashlib.sha256(data).hexdigest()})
    with (folder / "index.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return numbers


def _database_version(db) -> str:
    from sqlalchemy import text

    if db.engine.dialect.name == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return db.session.scalar(text("select version()")).split(",")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--case-files", type=int, default=2_000)
    parser.add_argument("--known-share", type=float, default=0.75, help="share of file numbers the office knows")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--kill-after", type=float, default=0,
                        help="first run `flask scans import` in a process of its own and SIGKILL it after this many "
                             "seconds; the measured run then finishes the rest (each document once)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-bench-scans-"))
    url, drop = throwaway_database(args.database_url, "bench-scans")
    if not args.database_url:
        url = f"sqlite:///{work}/bench.sqlite3"
    os.environ.update({"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "b" * 40,
                       "PORTAL_STORAGE_DIR": str(work / "storage")})
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select

    from portal import create_app
    from portal.config import settings_of
    from portal.demo import seed_services, seed_sites
    from portal.extensions import db, get_storage
    from portal.intake.scans import import_delivery
    from portal.maintenance.check import check
    from portal.models import CaseFile, Document, Submission

    app = create_app({"TESTING": True})
    try:
        delivery = work / "delivery"
        delivery.mkdir()
        started = time.perf_counter()
        numbers = make_delivery(delivery, args.documents, args.case_files)
        generated = time.perf_counter() - started
        with app.app_context():
            upgrade()
            sites = seed_sites(db.session)
            seed_services(db.session)
            now = datetime.now(timezone.utc)
            known = numbers[:int(len(numbers) * args.known_share)]
            db.session.execute(insert(CaseFile), [
                {"file_number": number, "surname": PEOPLE[i % len(PEOPLE)][0],
                 "given_names": PEOPLE[i % len(PEOPLE)][1], "nationality": PEOPLE[i % len(PEOPLE)][2],
                 "dob_year": 1980, "dob_month": 1 + i % 12, "site_id": sites[number.split("-")[0]].id,
                 "status": "active", "retention_rule": "standard", "created_at": now, "updated_at": now}
                for i, number in enumerate(known)])
            db.session.commit()
            database = _database_version(db)

            killed_with = 0
            if args.kill_after:
                run = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "scans", "import",
                                        str(delivery)], env=dict(os.environ), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
                time.sleep(args.kill_after)
                run.send_signal(signal.SIGKILL)
                run.wait()
                db.session.expire_all()
                killed_with = db.session.scalar(select(func.count()).select_from(Document))
            started = time.perf_counter()
            settings = settings_of(app)
            report = import_delivery(db.session, get_storage(), delivery, chunk_size=args.chunk_size,
                                     max_file_bytes=settings.uploads.scan_max_file_bytes,
                                     matching=settings.matching, virus_scan=settings.virus_scan)
            elapsed = time.perf_counter() - started
            documents = db.session.scalar(select(func.count()).select_from(Document))
            submissions = db.session.scalar(select(func.count()).select_from(Submission))
            files = db.session.scalar(select(func.count()).select_from(CaseFile))
            consistent, _orphans = check(db.session, get_storage())
    finally:
        drop()
        shutil.rmtree(work, ignore_errors=True)

    assert report.imported + report.skipped == args.documents == documents and not report.failed, \
        (report.imported, report.skipped, report.failed[:3])
    assert consistent.ok, consistent.as_dict()  # no row without its file after the kill
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {database}")
    print(f"delivery: {args.documents} single-page PDFs over {args.case_files} case files "
          f"({len(known)} known, {len(report.case_files_opened)} opened); generated in {generated:.1f} s")
    print(f"imported: {report.imported} documents, {submissions} submissions, {files} case files in {elapsed:.1f} s "
          f"= {report.imported / elapsed:.0f} documents/s (chunks of {args.chunk_size}); peak memory {peak:.0f} MB")
    if args.kill_after:
        print(f"killed: the first run was killed (SIGKILL) after {args.kill_after:.0f} s with {killed_with} documents "
              f"stored; the second run imported the other {report.imported}, skipped {report.skipped} as present; "
              f"every document once, `check` finds nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
