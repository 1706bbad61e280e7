"""`flask casefiles match | import-csv | reindex`."""
import json

from sqlalchemy import func, select

from portal.domain.dates import PartialDate
from portal.matching.index import index_unindexed
from portal.models import CaseFile, CaseFileAlias, CaseFileNameKey


def _invoke(app, args):
    return app.test_cli_runner().invoke(args=args)


def test_match_prints_candidates_as_json(app, db_session, case_files):
    index_unindexed(db_session)
    db_session.commit()
    result = _invoke(app, ["casefiles", "match", "--surname", "Shevchenko", "--given-names", "Oleksandr",
                           "--date-of-birth", "1987-03-14", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["file_number"] == "WZ-2022-00017"
    assert 0.9 <= rows[0]["score"] <= 1.0
    assert all(isinstance(reason, str) for reason in rows[0]["reasons"]) and len(rows[0]["reasons"]) >= 3
    assert any("Шевченко" in reason for reason in rows[0]["reasons"])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)

    by_number = _invoke(app, ["casefiles", "match", "--surname", "X", "--date-of-birth", "00.00.1990",
                              "--file-number", "dil-2016-00321", "--nationality", "syr", "--json"])
    assert by_number.exit_code == 0, by_number.output
    assert json.loads(by_number.output)[0]["file_number"] == "DIL-2016-00321"


def test_match_prints_a_table_and_refuses_bad_dates(app, db_session, case_files):
    index_unindexed(db_session)
    db_session.commit()
    result = _invoke(app, ["casefiles", "match", "--surname", "Alhasan", "--given-names", "Mohammed",
                           "--date-of-birth", "1990-05-01"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "DIL-2016-00321" in first and "Al-Hassan" in first and "00.00.1990" in first
    nobody = _invoke(app, ["casefiles", "match", "--surname", "Kowalczyk", "--date-of-birth", "2001-04-04"])
    assert nobody.exit_code == 0 and "no candidates" in nobody.output
    bad = _invoke(app, ["casefiles", "match", "--surname", "X", "--date-of-birth", "1990-13-01"])
    assert bad.exit_code == 2 and "is not a date" in bad.output


HEADER = "file_number,surname,given_names,birth_name,date_of_birth,place_of_birth,nationality,site,aliases\n"


def _write(tmp_path, text, name="export.csv", bom=True):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_import_csv_creates_updates_and_reports_bad_lines(app, db_session, sites, tmp_path):
    rows = (
        "WZ-2021-00001,Шевченко,Олександр,,00.03.1987,Charkiw,UKR,WZ,\"Shevchenko, Oleksandr|Schewtschenko, Alexander\"\n"
        "DIL-2016-00321,Al-Hassan,Mohammad,,00.00.1990,Aleppo,SYR,DIL,\"الحسن, محمد\"\n"
        "WZ-2011-00412,Yılmaz,Ayşe,Kaya,1979-11-02,Gaziantep,TUR,wz,\n"
        "GI-2020-00001,Schmidt,Anna,,01.01.1980,Gießen,DEU,GI,\n"
        "WZ-2020-00002,Schmidt,Anna,,31.02.1980,Wetzlar,DEU,WZ,\n"
    )
    path = _write(tmp_path, HEADER + rows)
    first = _invoke(app, ["casefiles", "import-csv", str(path)])
    assert first.exit_code == 0, first.output
    assert "created: 3, updated: 0, unchanged: 0, refused: 2" in first.output
    assert "line 5: unknown site 'GI' (known: DIL, WZ); skipped" in first.output
    assert "line 6: date of birth '31.02.1980' is not a date" in first.output

    shevchenko = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2021-00001"))
    assert shevchenko.date_of_birth == PartialDate(1987, 3) and shevchenko.site.code == "WZ"
    assert [(a.surname, a.given_names) for a in shevchenko.aliases] == [
        ("Shevchenko", "Oleksandr"), ("Schewtschenko", "Alexander")]
    keys = set(db_session.scalars(select(CaseFileNameKey.key).where(CaseFileNameKey.case_file_id == shevchenko.id)))
    assert {"shevchenko", "oleksandr", "schewtschenko", "alexander"} <= keys
    yilmaz = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "WZ-2011-00412"))
    assert yilmaz.birth_name == "Kaya" and yilmaz.date_of_birth == PartialDate(1979, 11, 2)

    again = _invoke(app, ["casefiles", "import-csv", str(path)])
    assert again.exit_code == 0 and "created: 0, updated: 0, unchanged: 3, refused: 2" in again.output
    aliases = db_session.scalar(select(func.count()).select_from(CaseFileAlias))

    changed = rows.replace("00.00.1990,Aleppo,SYR,DIL,\"الحسن, محمد\"",
                           "00.05.1990,Aleppo,SYR,DIL,\"الحسن, محمد|Alhasan, Mohammed\"")
    third = _invoke(app, ["casefiles", "import-csv", str(_write(tmp_path, HEADER + changed, bom=False))])
    assert third.exit_code == 0 and "created: 0, updated: 1, unchanged: 2, refused: 2" in third.output
    db_session.expire_all()
    hassan = db_session.scalar(select(CaseFile).where(CaseFile.file_number == "DIL-2016-00321"))
    assert hassan.date_of_birth == PartialDate(1990, 5)
    assert db_session.scalar(select(func.count()).select_from(CaseFileAlias)) == aliases + 1
    assert ("Alhasan", "Mohammed") in [(a.surname, a.given_names) for a in hassan.aliases]


def test_import_csv_reads_semicolons_and_refuses_a_wrong_header(app, db_session, sites, tmp_path):
    semicolons = _write(tmp_path, HEADER.replace(",", ";") + "WZ-2019-00007;Popescu;Ioana;;1991-07-30;Iași;ROU;WZ;\n")
    result = _invoke(app, ["casefiles", "import-csv", str(semicolons)])
    assert result.exit_code == 0 and "created: 1" in result.output, result.output
    wrong = _write(tmp_path, "number,name\nWZ-1,X\n", name="wrong.csv")
    result = _invoke(app, ["casefiles", "import-csv", str(wrong)])
    assert result.exit_code != 0 and "columns missing: file_number, surname" in result.output
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "WZ-2019-00008,Müller,Jürgen,,1960-01-05,Wetzlar,DEU,WZ,\n").encode("latin-1"))
    result = _invoke(app, ["casefiles", "import-csv", str(latin1)])
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_reindex_rebuilds_every_key(app, db_session, case_files):
    result = _invoke(app, ["casefiles", "reindex"])
    assert result.exit_code == 0, result.output
    assert "case files: 3" in result.output
    assert db_session.scalar(select(func.count(func.distinct(CaseFileNameKey.case_file_id)))) == 3
