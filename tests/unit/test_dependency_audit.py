"""The dependency audit (scripts/audit_dependencies.py) against a made-up PyPI: it must find what
the records say, fail on what it cannot audit, and accept only reviewed exceptions."""
import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts" / "audit_dependencies.py")
audit_dependencies = importlib.util.module_from_spec(_spec)
sys.modules["audit_dependencies"] = audit_dependencies  # dataclasses look their module up
_spec.loader.exec_module(audit_dependencies)

PYPI = audit_dependencies.PYPI


def advisory(id_, aliases=(), fixed_in=("9.9",), withdrawn=None):
    return {"id": id_, "aliases": list(aliases), "fixed_in": list(fixed_in), "withdrawn": withdrawn,
            "link": f"https://osv.dev/vulnerability/{id_}", "summary": "", "details": ""}


def project(newest, advisories=(), releases=None):
    return {"info": {"version": newest}, "vulnerabilities": list(advisories),
            "releases": releases or {newest: [{"yanked": False}]}}


class FakePyPI:
    """Answers from a dict of URL -> record; anything else is a 404 (None)."""

    def __init__(self, records):
        self.records = records
        self.asked = []

    def __call__(self, url):
        self.asked.append(url)
        return self.records.get(url)


def run(packages, records, not_auditable=None, ignore=None):
    return audit_dependencies.audit(packages, FakePyPI(records), not_auditable or {}, ignore or {})


def test_release_record_advisories_are_findings_and_withdrawn_ones_are_not():
    records = {f"{PYPI}/jinja2/2.10/json": {
        "vulnerabilities": [advisory("PYSEC-2019-217", ["CVE-2019-10906"], ["2.10.1"]),
                            advisory("PYSEC-2000-1", withdrawn="2024-01-01T00:00:00Z")],
        "urls": [{"yanked": False}]}}
    report = run({"jinja2": "2.10"}, records)
    assert [f.advisory for f in report.findings] == ["PYSEC-2019-217"]
    assert report.findings[0].fixed_in == ["2.10.1"]
    assert report.audited == ["jinja2"] and report.failed


def test_the_same_flaw_under_two_ids_is_one_finding():
    both = [advisory("PYSEC-2026-1325", ["GHSA-wj6h-64fc-37mp", "CVE-2024-23342"], []),
            advisory("GHSA-wj6h-64fc-37mp", ["PYSEC-2026-1325", "CVE-2024-23342"], [])]
    report = run({"ecdsa": "0.19.2"}, {f"{PYPI}/ecdsa/json": project("0.19.2", both)})
    assert len(report.findings) == 1


def test_without_release_records_the_newest_release_is_audited_from_the_project_record():
    fake = FakePyPI({f"{PYPI}/flask/json": project("3.1.3")})
    report = audit_dependencies.audit({"flask": "3.1.3"}, fake, {}, {})
    assert fake.asked == [f"{PYPI}/flask/3.1.3/json", f"{PYPI}/flask/json"]
    assert report.audited == ["flask"] and not report.failed

    report = run({"ecdsa": "0.19.2"}, {f"{PYPI}/ecdsa/json": project("0.19.2", [advisory("GHSA-1", fixed_in=())])})
    assert [f.advisory for f in report.findings] == ["GHSA-1"] and report.failed


def constraints(**asks):
    """Package -> [(who asks, specifier)], as installed_constraints() reads them."""
    return {name: [(who, SpecifierSet(spec))] for name, (who, spec) in asks.items()}


def test_a_new_release_outside_a_pin_does_not_fail_the_build():
    """cryptography 51 was released while the portal asked for <51: the installed 50.x is judged on
    what PyPI says (nothing open in the newest, not yanked) and the pin is named, not a failure."""
    records = {f"{PYPI}/cryptography/json": project("51.0.1", releases={
        "50.0.2": [{"yanked": False}], "51.0.1": [{"yanked": False}]})}
    report = audit_dependencies.audit({"cryptography": "50.0.2"}, FakePyPI(records), {}, {},
                                      constraints=constraints(cryptography=("portal 0.1.0", ">=46,<51")))
    assert not report.failed and report.audited == ["cryptography"]
    assert report.behind["cryptography"] == ("installed 50.0.2, newest 51.0.1: held back by "
                                             "portal 0.1.0 asks for cryptography<51,>=46")
    assert "behind cryptography" in audit_dependencies.render(report, 1)


def test_what_holds_a_release_back_is_named():
    newest = project("2.5.5", releases={"2.4.6": [{"yanked": False}], "2.5.5": [{"yanked": False}]})
    newest["info"]["requires_python"] = ">=3.99"
    report = run({"numpy": "2.4.6"}, {f"{PYPI}/numpy/json": newest})
    assert not report.failed and "2.5.5 needs Python >=3.99" in report.behind["numpy"]

    newest = project("3.0", releases={"2.0": [{"yanked": False}], "3.0": [{"yanked": False}]})
    newest["info"]["requires_dist"] = ["sqlalchemy>=3", "tomli>=1; python_version < '3.0'"]
    report = audit_dependencies.audit({"lib": "2.0", "sqlalchemy": "2.1.9"},
                                      FakePyPI({f"{PYPI}/lib/json": newest,
                                                f"{PYPI}/sqlalchemy/json": project("2.1.9")}), {}, {})
    assert report.behind == {"lib": "installed 2.0, newest 3.0: held back by 3.0 needs sqlalchemy>=3, "
                                    "held at 2.1.9 here"}


def test_a_release_nothing_holds_back_is_reported_for_an_upgrade_but_judged():
    records = {f"{PYPI}/flask/json": project("3.2.0", releases={"3.1.3": [{"yanked": False}],
                                                                 "3.2.0": [{"yanked": False}]})}
    report = audit_dependencies.audit({"flask": "3.1.3"}, FakePyPI(records), {}, {},
                                      constraints=constraints(flask=("portal 0.1.0", ">=3.1,<4")))
    assert not report.failed and "nothing holds it back: upgrade it" in report.behind["flask"]


def test_a_release_pypi_does_not_know_fails_unless_reviewed():
    records = {f"{PYPI}/numpy/json": project("2.5.5")}
    report = run({"numpy": "2.4.6+local"}, records)
    assert report.failed and report.not_auditable["numpy"] == "PyPI knows no release 2.4.6+local (newest 2.5.5)"
    assert "NOT AUDITED numpy" in audit_dependencies.render(report, 1)

    report = run({"numpy": "2.4.6+local"}, records, not_auditable={"numpy": "built here from the 2.4.6 sources"})
    assert not report.failed and "built here" in report.reviewed_exceptions["numpy"]


def test_the_environment_s_pins_are_read_including_the_portal_s_own():
    asks = audit_dependencies.installed_constraints()
    assert any(who.startswith("portal ") for who, _ in asks["flask"])
    assert any(who.startswith("portal ") for who, _ in asks["pytest"]), "the test extra counts too"


def test_advisories_still_open_in_the_newest_release_count_against_an_older_one():
    records = {f"{PYPI}/oldlib/json": project("2.0", [advisory("GHSA-open", fixed_in=())],
                                                  releases={"1.0": [{"yanked": False}], "2.0": [{"yanked": False}]})}
    report = run({"oldlib": "1.0"}, records)
    assert [f.advisory for f in report.findings] == ["GHSA-open"] and report.failed
    assert "open in the newest release 2.0" in report.findings[0].note


def test_a_package_pypi_does_not_know_is_not_audited():
    report = run({"private-lib": "1.0"}, {})
    assert report.not_auditable == {"private-lib": "not on PyPI"} and report.failed


def test_a_yanked_release_is_a_finding():
    records = {f"{PYPI}/somelib/json": project("1.1", releases={
        "1.0": [{"yanked": True, "yanked_reason": "remote code execution"}], "1.1": [{"yanked": False}]})}
    report = run({"somelib": "1.0"}, records)
    assert report.findings[0].advisory == "YANKED" and "remote code execution" in report.findings[0].note
    assert "yanked by its authors: remote code execution" in audit_dependencies.render(report, 1)


def test_a_reviewed_advisory_is_ignored_by_its_id_or_an_alias():
    records = {f"{PYPI}/pdflib/json": project("4.0", [advisory("PYSEC-1", ["CVE-2026-1"])])}
    report = run({"pdflib": "4.0"}, records, ignore={"CVE-2026-1": "the portal never calls the affected API"})
    assert not report.findings and [f.advisory for f in report.ignored] == ["PYSEC-1"] and not report.failed


def test_unreachable_pypi_ends_the_audit_with_its_own_exit_status(monkeypatch):
    def down(url):
        raise audit_dependencies.Unreachable(f"{url}: connection refused")

    monkeypatch.setattr(audit_dependencies, "fetch_json", down)
    assert audit_dependencies.main() == 2


def test_the_portal_itself_is_not_looked_up_but_its_dependencies_are():
    packages = audit_dependencies.installed_packages()
    assert "portal" not in packages
    assert "flask" in packages and "sqlalchemy" in packages


def test_every_reviewed_exception_names_its_reason():
    not_auditable, ignore = audit_dependencies.load_policy()
    for name, reason in {**not_auditable, **ignore}.items():
        assert isinstance(reason, str) and len(reason) > 10, name


@pytest.mark.parametrize("a,b,same", [("2.9.0.post0", "2.9.0.post0", True), ("1.0", "1.0.0", True),
                                      ("1.0", "1.1", False)])
def test_versions_compare_as_versions(a, b, same):
    assert audit_dependencies.same_version(a, b) is same
