"""The factors of a candidate's score, each with its reason: the date of birth (a bare year is
weak), the nationality, the place of birth; and the rule that at most one file is in the
certain band (twins, namesakes the search cannot tell apart)."""
import pytest
from flask_babel import force_locale

from portal.domain.dates import PartialDate
from portal.matching.candidates import CERTAIN, Candidate, Query, _apart, score_case_file
from portal.models import CaseFile


def _file(number="WZ-2020-00001", surname="Al-Hassan", given="Mohammad", born=PartialDate(1990, 5, 1),
          nationality="SYR", place="Aleppo") -> CaseFile:
    return CaseFile(file_number=number, surname=surname, given_names=given, date_of_birth=born,
                    nationality=nationality, place_of_birth=place, aliases=[])


def _query(**changes) -> Query:
    values = {"surname": "الحسن", "given_names": "محمد", "date_of_birth": PartialDate(1990, 5, 1),
              "nationality": "SYR", "place_of_birth": "حلب", **changes}
    return Query(**values)


def _texts(app, candidate):
    with app.app_context(), force_locale("en"):
        return candidate.reason_texts()


def test_everything_agreeing_across_scripts_is_certain(app):
    candidate = score_case_file(_query(), _file())
    assert candidate.score == 1.0
    assert {"Date of birth matches", "Same nationality", "Place of birth matches"} <= set(_texts(app, candidate))


@pytest.mark.parametrize("query_date, file_date", [
    (PartialDate(1990), PartialDate(1990, 5, 1)),   # the applicant knows only the year
    (PartialDate(1990, 5, 1), PartialDate(1990)),   # the file knows only the year
])
def test_a_bare_year_of_birth_on_either_side_stays_below_the_certain_band(app, query_date, file_date):
    candidate = score_case_file(_query(date_of_birth=query_date), _file(born=file_date))
    assert candidate.score < CERTAIN
    assert "Only the year of birth can be compared (1990): many people share a name and a year" in _texts(
        app, candidate)


def test_another_nationality_lowers_the_score_visibly(app):
    same = score_case_file(_query(), _file())
    other = score_case_file(_query(nationality="IRQ"), _file())
    assert other.score <= same.score - 0.1 and other.score < CERTAIN
    assert "Other nationality (IRQ ≠ SYR)" in _texts(app, other)
    unknown = score_case_file(_query(nationality=""), _file())
    assert other.score < unknown.score < same.score


def test_a_conflicting_place_of_birth_lowers_the_score_visibly(app):
    other = score_case_file(_query(place_of_birth="Homs"), _file())
    assert other.score <= 0.85
    assert "Place of birth differs (Homs ≠ Aleppo)" in _texts(app, other)
    # The same place in another script or spelling is no conflict: حلب, Aleppo, Halab.
    for place in ("حلب", "Halab", "ALEPPO"):
        assert score_case_file(_query(place_of_birth=place), _file()).score == 1.0, place


def test_same_name_only_year_and_another_nationality_is_far_from_certain(app):
    """The issue's case: not as high as a near-certain match any more."""
    candidate = score_case_file(_query(date_of_birth=PartialDate(1990), nationality="IRQ"), _file())
    assert candidate.score < 0.75


def test_twins_are_never_both_in_the_certain_band(app):
    born = PartialDate(2001, 2, 3)
    hasan = _file("WZ-2020-00001", given="Hasan", born=born)
    hussein = _file("WZ-2020-00002", given="Hussein", born=born)
    # Hasan and Hussein share their consonants but are two names: only Hasan is the person.
    query = _query(given_names="حسن", date_of_birth=born)
    scored = [score_case_file(query, hasan), score_case_file(query, hussein)]
    assert scored[0].score >= CERTAIN > scored[1].score
    # Should both reach the band (a search that cannot tell them apart), both are set below it.
    a, b = Candidate(hasan, 0.97, []), Candidate(hussein, 0.93, [])
    _apart([a, b])
    assert a.score < CERTAIN and b.score < CERTAIN and a.score > b.score
    assert _texts(app, a) == ["Another case file has the same surname and date of birth (WZ-2020-00002): twins?"]


def test_one_candidate_in_the_band_keeps_its_score():
    alone = Candidate(_file(), 0.97, [])
    _apart([alone, Candidate(_file("WZ-2020-00003", given="Omar"), 0.6, [])])
    assert alone.score == 0.97


def test_auto_attach_cannot_be_set_below_the_band_without_errors(tmp_path):
    from portal.config import AUTO_ATTACH_FLOOR, ConfigError, load_settings

    assert load_settings(tmp_path, {}).matching.auto_threshold == 0.95
    assert load_settings(tmp_path, {"PORTAL_MATCH_AUTO_THRESHOLD": "0.97"}).matching.auto_threshold == 0.97
    with pytest.raises(ConfigError, match="PORTAL_MATCH_AUTO_THRESHOLD must be at least 0.95"):
        load_settings(tmp_path, {"PORTAL_MATCH_AUTO_THRESHOLD": "0.9"})
    assert CERTAIN <= AUTO_ATTACH_FLOOR


def test_a_file_named_by_its_number_keeps_its_score_the_others_go_below():
    named, namesake = Candidate(_file("WZ-2020-00001"), 1.0, []), Candidate(_file("WZ-2020-00004"), 0.96, [])
    _apart([named, namesake], frozenset({"WZ-2020-00001"}))
    assert named.score == 1.0 and namesake.score < CERTAIN
