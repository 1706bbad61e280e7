"""Scan deliveries without the database: index rows, paths inside the delivery, TIFF by content."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest

from portal.domain.dates import PartialDate
from portal.intake.scans.index import (
    BadRow, DeliveryError, IndexRow, Reason, RowFailure, file_inside, parse_row, read_index, relative_path,
    site_code_of,
)

TODAY = date(2026, 11, 20)
SHA = hashlib.sha256(b"x").hexdigest()


def _record(**changes) -> dict:
    record = {"batch_id": "LDK-2026-0042", "file_number": "WZ-2022-00017", "surname": "Шевченко",
              "given_names": "Олександр", "date_of_birth": "00.03.1987", "nationality": "UKR",
              "document_date": "2009-05-14", "document_type": "Bescheid", "path": "akten/0001.pdf",
              "pages": "2", "sha256": SHA.upper()}
    record.update(changes)
    return record


def _failure(row) -> tuple[str, str]:
    assert isinstance(row, BadRow), row
    return row.failure.code, row.failure.detail


def test_a_good_row_is_normalised():
    row = parse_row(7, _record(file_number=" wz-2022-00017 ", document_date="14.05.2009",
                               path="akten\\0001.pdf", document_type="  Bescheid  vom Amt "), TODAY)
    assert isinstance(row, IndexRow)
    assert (row.line, row.batch_id, row.file_number, row.sha256) == (7, "LDK-2026-0042", "WZ-2022-00017", SHA)
    assert (row.path, row.document_date, row.pages, row.document_type) == (
        "akten/0001.pdf", date(2009, 5, 14), 2, "Bescheid vom Amt")
    assert row.key == ("WZ-2022-00017", SHA)


@pytest.mark.parametrize("changes, code, words", [
    ({"batch_id": ""}, Reason.BAD_ROW, "batch id"),
    ({"batch_id": "B" * 65}, Reason.BAD_ROW, "longer than 64"),
    ({"file_number": ""}, Reason.BAD_ROW, "no file number"),
    ({"sha256": "abc"}, Reason.BAD_ROW, "not a SHA-256"),
    ({"sha256": SHA[:-1] + "g"}, Reason.BAD_ROW, "not a SHA-256"),
    ({"pages": "0"}, Reason.BAD_ROW, "pages"),
    ({"pages": "zwei"}, Reason.BAD_ROW, "pages"),
    ({"document_date": "2009-13-01"}, Reason.BAD_DATE, "does not exist"),
    ({"document_date": "00.05.2009"}, Reason.BAD_DATE, "does not exist"),
    ({"document_date": "gestern"}, Reason.BAD_DATE, "not a date"),
    ({"document_date": "2026-11-21"}, Reason.BAD_DATE, "future"),
    ({"document_date": ""}, Reason.BAD_DATE, "not a date"),
    ({"path": ""}, Reason.BAD_ROW, "no path"),
    ({"path": "../nachbar/0001.pdf"}, Reason.PATH_OUTSIDE, "leads out"),
    ({"path": "akten/../../0001.pdf"}, Reason.PATH_OUTSIDE, "leads out"),
    ({"path": "..\\..\\etc\\passwd"}, Reason.PATH_OUTSIDE, "leads out"),
    ({"path": "/etc/passwd"}, Reason.PATH_OUTSIDE, "absolute"),
    ({"path": "C:\\scans\\0001.pdf"}, Reason.PATH_OUTSIDE, "absolute"),
    ({"path": "akten/0001.pdf\x00.txt"}, Reason.PATH_OUTSIDE, "control characters"),
])
def test_bad_rows_are_refused_with_a_reason(changes, code, words):
    row = parse_row(3, _record(**changes), TODAY)
    got_code, detail = _failure(row)
    assert got_code == code and words in detail
    assert row.line == 3


def test_a_refused_row_keeps_what_identifies_it():
    row = parse_row(9, _record(document_date="2009-02-30"), TODAY)
    assert isinstance(row, BadRow)
    assert (row.batch_id, row.file_number, row.sha256, row.path) == ("LDK-2026-0042", "WZ-2022-00017", SHA,
                                                                      "akten/0001.pdf")


def test_relative_paths_lose_dots_and_keep_names():
    assert relative_path("./akten/./0001.pdf") == "akten/0001.pdf"
    assert relative_path("akten/..datei.pdf") == "akten/..datei.pdf"  # two dots in a name are no step up
    with pytest.raises(RowFailure):
        relative_path(".")


def test_file_inside_follows_links_only_within_the_delivery(tmp_path):
    delivery = tmp_path / "delivery"
    (delivery / "akten").mkdir(parents=True)
    (delivery / "akten" / "0001.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 outside")
    (delivery / "inside-link.pdf").symlink_to(delivery / "akten" / "0001.pdf")
    (delivery / "outside-link.pdf").symlink_to(tmp_path / "secret.pdf")
    (delivery / "akten" / "up").symlink_to(tmp_path)

    assert file_inside(delivery, "akten/0001.pdf") == (delivery / "akten" / "0001.pdf").resolve()
    assert file_inside(delivery, "inside-link.pdf") == (delivery / "akten" / "0001.pdf").resolve()
    for path, code in (("outside-link.pdf", Reason.PATH_OUTSIDE), ("akten/up/secret.pdf", Reason.PATH_OUTSIDE),
                       ("akten/0002.pdf", Reason.MISSING_FILE), ("akten", Reason.MISSING_FILE)):
        with pytest.raises(RowFailure) as refused:
            file_inside(delivery, path)
        assert refused.value.code == code, path


def test_the_index_is_read_with_bom_and_semicolons(tmp_path):
    header = "batch_id;file_number;surname;given_names;date_of_birth;nationality;document_date;document_type;path;pages;sha256"
    (tmp_path / "index.csv").write_bytes(
        b"\xef\xbb\xbf" + f"{header}\nB1;WZ-1;Шевченко;;00.03.1987;UKR;2009-05-14;Bescheid;a.pdf;1;{SHA}\n\n".encode())
    records = read_index(tmp_path)
    assert [(line, record["surname"]) for line, record in records] == [(2, "Шевченко")]
    (tmp_path / "index.csv").write_text("batch_id,file_number\nB1,WZ-1\n")
    with pytest.raises(DeliveryError, match="columns missing: surname"):
        read_index(tmp_path)
    (tmp_path / "index.csv").unlink()
    with pytest.raises(DeliveryError, match="does not exist"):
        read_index(tmp_path)


def test_site_from_the_file_number():
    assert site_code_of("WZ-2022-00017") == "WZ"
    assert site_code_of("DIL-2016-00321") == "DIL"
    assert site_code_of("2022/17") == ""


def test_person_data_of_a_new_file_is_checked_as_the_case_file_import_does():
    from portal.intake.scans.filing import person_values

    sites = {"WZ": 1, "DIL": 2}

    def person(**changes):
        row = parse_row(2, _record(**changes), TODAY)
        return person_values(row, sites)

    parsed = person(file_number="DIL-2019-00555", surname="الأحمد", given_names="فاطمة", date_of_birth="00.00.1985",
                    nationality="syr")
    assert parsed.values["date_of_birth"] == PartialDate(1985)
    assert (parsed.values["surname"], parsed.values["nationality"], parsed.values["site_id"]) == ("الأحمد", "SYR", 2)
    assert person(date_of_birth="1987-03-00").values["date_of_birth"] == PartialDate(1987, 3)
    for changes, code in (({"date_of_birth": "31.02.1987"}, Reason.BAD_DATE),
                          ({"file_number": "XY-2020-00001"}, Reason.UNKNOWN_SITE),
                          ({"file_number": "2020-00001"}, Reason.UNKNOWN_SITE),
                          ({"nationality": "Ukraine"}, Reason.BAD_PERSON_DATA),
                          ({"surname": ""}, Reason.BAD_PERSON_DATA)):
        with pytest.raises(RowFailure) as refused:
            person(**changes)
        assert refused.value.code == code, changes


# -- TIFF ----------------------------------------------------------------------------------------

def _tiff(frames, **options) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


def test_tiff_is_sniffed_for_scans_but_never_as_an_upload():
    from PIL import Image

    from portal.documents.sniff import PDF, TIFF, sniff, sniff_scan

    little = _tiff([Image.new("L", (20, 20))])
    big = b"MM\x00*" + little[4:]
    assert little.startswith(b"II*\x00")
    assert sniff_scan(little) == TIFF and sniff_scan(big) == TIFF
    assert sniff_scan(b"%PDF-1.7\n") == PDF
    assert sniff_scan(b"\xff\xd8\xff\xe0") is None and sniff_scan(b"II+\x00") is None and sniff_scan(b"") is None
    assert sniff(little) is None  # applicants still upload PDF, JPEG, PNG or HEIC only


def test_a_multi_page_tiff_becomes_one_pdf_page_per_tiff_page():
    from PIL import Image
    from pypdf import PdfReader

    from portal.documents.pdfs import check_pdf
    from portal.intake.scans.files import tiff_to_pdf

    frames = [Image.new("1", (2480, 3508), 1), Image.new("L", (1240, 1754), 200), Image.new("I;16", (300, 200))]
    data = _tiff(frames, compression="tiff_deflate", dpi=(300, 300))
    pdf, pages = tiff_to_pdf(data)
    assert pages == 3 and check_pdf(pdf).page_count == 3
    # A4 at 300 dpi is 595 x 842 points: the page has the paper's size.
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert tiff_to_pdf(data)[0] == pdf  # the same TIFF, the same PDF: a rerun stores nothing new


def test_damaged_and_oversized_tiffs_are_refused():
    from PIL import Image

    from portal.intake.scans.files import tiff_to_pdf

    good = _tiff([Image.new("L", (200, 200), 90)])
    with pytest.raises(RowFailure) as refused:
        tiff_to_pdf(good[:60])
    assert refused.value.code == Reason.UNREADABLE_TIFF
    huge = _tiff([Image.new("1", (8000, 8000), 1)], compression="group4")  # 64 megapixels
    with pytest.raises(RowFailure) as refused:
        tiff_to_pdf(huge)
    assert refused.value.code == Reason.UNREADABLE_TIFF and "megapixels" in refused.value.detail


def test_a_file_is_stored_only_after_every_check(tmp_path):
    from portal.documents.storage import DocumentStorage
    from portal.intake.scans.files import check_and_store
    from tests.support import samples
    from tests.support.clamd import without_scanner

    storage = DocumentStorage(tmp_path / "storage")
    pdf = samples.pdf_bytes(2)
    digest = hashlib.sha256(pdf).hexdigest()

    def row(**changes):
        return parse_row(2, _record(sha256=digest, **changes), TODAY)

    stored = check_and_store(storage, pdf, row(), without_scanner())
    assert (stored.sha256, stored.pdf_sha256, stored.page_count, stored.media_type) == (
        digest, digest, 2, "application/pdf")
    assert storage.read(digest) == pdf
    other = samples.pdf_bytes(1, text="Anderes Dokument")
    broken = b"%PDF-1.4\nnot really a PDF\n"
    for data, the_row, code in ((pdf, row(pages="3"), Reason.PAGE_COUNT_MISMATCH),
                                (other, row(), Reason.CHECKSUM_MISMATCH),
                                (broken, parse_row(2, _record(sha256=hashlib.sha256(broken).hexdigest()), TODAY),
                                 Reason.UNREADABLE_PDF),
                                (samples.png_bytes(), parse_row(2, _record(
                                    sha256=hashlib.sha256(samples.png_bytes()).hexdigest()), TODAY),
                                 Reason.UNSUPPORTED_TYPE)):
        with pytest.raises(RowFailure) as refused:
            check_and_store(storage, data, the_row, without_scanner())
        assert refused.value.code == code
    assert sorted(storage.all_digests()) == [digest]
