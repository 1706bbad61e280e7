"""Audit the installed Python packages against PyPI's vulnerability records; exit 1 on a finding.

PyPI publishes, for every release, the advisories that affect it (the Python Packaging Advisory
Database and OSV). pip-audit reads them from the release record /pypi/<name>/<version>/json; where
only the project record /pypi/<name>/json is reachable (it carries the advisories of the newest
release alone), a package whose installed release is the newest is audited from that. A package
neither record covers is "not auditable" and fails the build unless it is a reviewed exception in
pyproject.toml ([tool.portal.dependency-audit]), so a new dependency cannot slip through unaudited.

Run with the environment's own interpreter: .venv/bin/python scripts/audit_dependencies.py
Exit status: 0 clean, 1 findings, 2 PyPI not reachable.
"""
from __future__ import annotations

import json
import re
import sys
import time
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable

from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi"
ROOT = Path(__file__).resolve().parents[1]

Fetch = Callable[[str], "dict | None"]


class Unreachable(Exception):
    """PyPI did not answer (network, 5xx): nothing can be said about the package."""


@dataclass
class Finding:
    package: str
    version: str
    advisory: str
    aliases: list[str]
    fixed_in: list[str]
    link: str
    note: str = ""


@dataclass
class Report:
    audited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ignored: list[Finding] = field(default_factory=list)
    not_auditable: dict[str, str] = field(default_factory=dict)  # package -> why
    reviewed_exceptions: dict[str, str] = field(default_factory=dict)
    unused_exceptions: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.findings or self.not_auditable)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def installed_packages() -> dict[str, str]:
    """Name -> version of every distribution in this environment, except the portal itself and
    anything else installed from a local directory: they are not on PyPI."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        own_name = canonical(tomllib.load(fh)["project"]["name"])
    packages = {}
    for dist in metadata.distributions():
        direct_url = dist.read_text("direct_url.json")
        local = direct_url and json.loads(direct_url).get("url", "").startswith("file:")
        if local or canonical(dist.metadata["Name"]) == own_name:
            continue
        packages[canonical(dist.metadata["Name"])] = dist.version
    return packages


def fetch_json(url: str) -> dict | None:
    """The parsed record, None if PyPI has none (404); Unreachable after three tries otherwise."""
    for attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (fixed https URL)
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            problem = f"HTTP {error.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            problem = str(error)
        time.sleep(1 + attempt * 2)
    raise Unreachable(f"{url}: {problem}")


def _advisories(record: dict) -> list[dict]:
    """The record's advisories, withdrawn ones left out and each counted once: PyPI lists the
    same flaw under its PYSEC and its GHSA id, each naming the other as an alias."""
    seen: set[str] = set()
    advisories = []
    for v in record.get("vulnerabilities") or []:
        names = {v["id"], *(v.get("aliases") or [])}
        if v.get("withdrawn") or names & seen:
            continue
        seen |= names
        advisories.append(v)
    return advisories


def _yanked(files: list[dict]) -> str | None:
    """The reason a release was withdrawn by its authors, if every file of it is yanked."""
    if files and all(f.get("yanked") for f in files):
        return files[0].get("yanked_reason") or "no reason given"
    return None


def audit_package(name: str, version: str, fetch: Fetch) -> tuple[list[Finding], str | None]:
    """Findings for one package, and why it could not be audited (None if it was)."""
    def finding(v: dict, note: str = "") -> Finding:
        return Finding(name, version, v["id"], v.get("aliases") or [], v.get("fixed_in") or [],
                       v.get("link") or "", note)

    release = fetch(f"{PYPI}/{name}/{version}/json")
    if release is not None:
        findings = [finding(v) for v in _advisories(release)]
        if reason := _yanked(release.get("urls") or []):
            findings.append(Finding(name, version, "YANKED", [], [], "", reason))
        return findings, None

    project = fetch(f"{PYPI}/{name}/json")
    if project is None:
        return [], "not on PyPI"
    newest = project["info"]["version"]
    yank_reason = _yanked(project.get("releases", {}).get(version) or [])
    yanked = [Finding(name, version, "YANKED", [], [], "", yank_reason)] if yank_reason else []
    if same_version(newest, version):
        return [finding(v) for v in _advisories(project)] + yanked, None
    # Advisories open in the newest release (nothing fixes them) most likely reach back to the
    # installed one; the rest of its history is unknown from here.
    still_open = [finding(v, f"open in the newest release {newest}") for v in _advisories(project)]
    return still_open + yanked, f"installed {version}, newest {newest}: PyPI's release record is not reachable"


def load_policy(pyproject: Path = ROOT / "pyproject.toml") -> tuple[dict[str, str], dict[str, str]]:
    """(reviewed not-auditable packages, reviewed ignored advisories), each with its reason."""
    with pyproject.open("rb") as fh:
        policy = tomllib.load(fh).get("tool", {}).get("portal", {}).get("dependency-audit", {})
    return ({canonical(k): v for k, v in policy.get("not-auditable", {}).items()},
            dict(policy.get("ignore", {})))


def audit(packages: dict[str, str], fetch: Fetch, not_auditable: dict[str, str],
          ignore: dict[str, str], workers: int = 8) -> Report:
    report = Report()
    names = sorted(packages)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda n: audit_package(n, packages[n], fetch), names))
    for name, (findings, why_not) in zip(names, results):
        for f in findings:
            accepted = {f.advisory, *f.aliases} & ignore.keys()
            (report.ignored if accepted else report.findings).append(f)
        if why_not is None:
            report.audited.append(name)
        elif name in not_auditable:
            report.reviewed_exceptions[name] = f"{why_not} ({not_auditable[name]})"
        else:
            report.not_auditable[name] = why_not
    report.unused_exceptions = sorted(set(not_auditable) - set(report.reviewed_exceptions))
    return report


def render(report: Report, total: int) -> str:
    lines = []
    for f in report.findings:
        also = f" ({', '.join(f.aliases)})" if f.aliases else ""
        fixed = f", fixed in {', '.join(f.fixed_in)}" if f.fixed_in else ", no fixed release"
        if f.advisory == "YANKED":
            lines.append(f"VULNERABLE? {f.package} {f.version} was yanked by its authors: {f.note}")
        else:
            note = f" [{f.note}]" if f.note else ""
            lines.append(f"VULNERABLE {f.package} {f.version}: {f.advisory}{also}{fixed}{note} {f.link}".rstrip())
    for name, why in sorted(report.not_auditable.items()):
        lines.append(f"NOT AUDITED {name}: {why}; upgrade it, or review it and add it to "
                     "[tool.portal.dependency-audit] not-auditable in pyproject.toml")
    for name, why in sorted(report.reviewed_exceptions.items()):
        lines.append(f"reviewed exception {name}: {why}")
    for f in report.ignored:
        lines.append(f"ignored {f.package} {f.version}: {f.advisory} (reviewed in pyproject.toml)")
    for name in report.unused_exceptions:
        lines.append(f"note: the exception for {name} is no longer needed here")
    lines.append(f"dependency audit: {total} packages, {len(report.audited)} audited, "
                 f"{len(report.findings)} findings, {len(report.not_auditable)} not audited, "
                 f"{len(report.reviewed_exceptions)} reviewed exceptions")
    return "\n".join(lines)


def main() -> int:
    packages = installed_packages()
    not_auditable, ignore = load_policy()
    try:
        report = audit(packages, fetch_json, not_auditable, ignore)
    except Unreachable as error:
        print(f"dependency audit impossible, PyPI did not answer: {error}", file=sys.stderr)
        return 2
    print(render(report, len(packages)))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
