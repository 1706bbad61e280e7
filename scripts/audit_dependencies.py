"""Audit the installed Python packages against PyPI's vulnerability records; exit 1 on a finding.

PyPI publishes, for every release, the advisories that affect it (the Python Packaging Advisory
Database and OSV). pip-audit reads them from the release record /pypi/<name>/<version>/json; where
only the project record /pypi/<name>/json is reachable (it carries the advisories of the newest
release alone), a package whose installed release is the newest is audited from that.

A release below the newest is judged on what PyPI does say of it: advisories still open in the
newest release (nothing has fixed them, so they reach back), and whether it was yanked. It is not a
failure by itself that a newer release exists: a build must not turn red because some dependency
published a release outside a pin. The report names what holds it back (a pin of the portal or of
another package, the newest release's Python requirement), or says that nothing does and an upgrade
is due. What the audit truly cannot judge (a package or release PyPI does not know) fails the build
unless it is a reviewed exception in pyproject.toml ([tool.portal.dependency-audit]), so a new
dependency cannot slip through unaudited.

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

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi"
ROOT = Path(__file__).resolve().parents[1]

Fetch = Callable[[str], "dict | None"]
# Package -> [(who asks, what they ask for)]: every requirement on it in this environment.
Constraints = dict[str, list[tuple[str, SpecifierSet]]]


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
    behind: dict[str, str] = field(default_factory=dict)  # package -> why it is below the newest

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


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether a requirement is in force here: its marker holds for this interpreter with no extra
    or with one of the extras that distribution offers (an unused extra's pin is named too: this
    only explains, it never passes or fails anything)."""
    if requirement.marker is None:
        return True
    for extra in {"", *extras}:
        try:
            if requirement.marker.evaluate({"extra": extra}):
                return True
        except UndefinedEnvironmentName:
            continue
    return False


def installed_constraints() -> Constraints:
    """What every installed distribution (the portal with all its extras included) asks of the
    others."""
    constraints: Constraints = {}
    for dist in metadata.distributions():
        who = f"{dist.metadata['Name']} {dist.version}"
        extras = set(dist.metadata.get_all("Provides-Extra") or [])
        for line in dist.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.specifier and _applies(requirement, extras):
                constraints.setdefault(canonical(requirement.name), []).append((who, requirement.specifier))
    return constraints


def _python_allows(requires_python: str | None) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(".".join(map(str, sys.version_info[:3])))
    except InvalidSpecifier:
        return True


def held_back_by(name: str, newest: str, project: dict, constraints: Constraints,
                 installed: dict[str, str]) -> list[str]:
    """Why the newest release is not installed: the pins that exclude it, the newest release's
    Python requirement, or a requirement of the newest release this environment does not meet."""
    reasons = [f"{who} asks for {name}{spec}" for who, spec in constraints.get(name, [])
               if not spec.contains(newest, prereleases=True)]
    info = project.get("info") or {}
    if not _python_allows(info.get("requires_python")):
        reasons.append(f"{newest} needs Python {info['requires_python']}")
    for line in info.get("requires_dist") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        other = canonical(requirement.name)
        if (other in installed and requirement.specifier and _applies(requirement, set())
                and not requirement.specifier.contains(installed[other], prereleases=True)):
            reasons.append(f"{newest} needs {other}{requirement.specifier}, "
                           f"held at {installed[other]} here")
    return reasons


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


@dataclass
class PackageAudit:
    findings: list[Finding]
    not_auditable: str | None = None  # why PyPI says nothing of this release
    behind: str | None = None  # why the installed release is not the newest (judged nonetheless)


def audit_package(name: str, version: str, fetch: Fetch, constraints: Constraints | None = None,
                  installed: dict[str, str] | None = None) -> PackageAudit:
    """Findings for one package, and what limits the judgement."""
    def finding(v: dict, note: str = "") -> Finding:
        return Finding(name, version, v["id"], v.get("aliases") or [], v.get("fixed_in") or [],
                       v.get("link") or "", note)

    release = fetch(f"{PYPI}/{name}/{version}/json")
    if release is not None:
        findings = [finding(v) for v in _advisories(release)]
        if reason := _yanked(release.get("urls") or []):
            findings.append(Finding(name, version, "YANKED", [], [], "", reason))
        return PackageAudit(findings)

    project = fetch(f"{PYPI}/{name}/json")
    if project is None:
        return PackageAudit([], "not on PyPI")
    newest = project["info"]["version"]
    releases = project.get("releases") or {}
    known = next((files for release, files in releases.items() if same_version(release, version)), None)
    if known is None and not same_version(newest, version):
        return PackageAudit([], f"PyPI knows no release {version} (newest {newest})")
    yank_reason = _yanked(known or [])
    yanked = [Finding(name, version, "YANKED", [], [], "", yank_reason)] if yank_reason else []
    if same_version(newest, version):
        return PackageAudit([finding(v) for v in _advisories(project)] + yanked)
    # Advisories open in the newest release (nothing fixes them) most likely reach back to the
    # installed one. Advisories fixed in a release after the installed one are not published where
    # this audit can read them: the report says so, and names what holds the upgrade back.
    still_open = [finding(v, f"open in the newest release {newest}") for v in _advisories(project)]
    holders = held_back_by(name, newest, project, constraints or {}, installed or {})
    why = (f"held back by {'; '.join(holders)}" if holders
           else "nothing holds it back: upgrade it (scripts/setup in a fresh checkout installs the newest)")
    return PackageAudit(still_open + yanked, behind=f"installed {version}, newest {newest}: {why}")


def load_policy(pyproject: Path = ROOT / "pyproject.toml") -> tuple[dict[str, str], dict[str, str]]:
    """(reviewed not-auditable packages, reviewed ignored advisories), each with its reason."""
    with pyproject.open("rb") as fh:
        policy = tomllib.load(fh).get("tool", {}).get("portal", {}).get("dependency-audit", {})
    return ({canonical(k): v for k, v in policy.get("not-auditable", {}).items()},
            dict(policy.get("ignore", {})))


def audit(packages: dict[str, str], fetch: Fetch, not_auditable: dict[str, str],
          ignore: dict[str, str], workers: int = 8, constraints: Constraints | None = None) -> Report:
    report = Report()
    names = sorted(packages)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda n: audit_package(n, packages[n], fetch, constraints, packages), names))
    for name, result in zip(names, results):
        for f in result.findings:
            accepted = {f.advisory, *f.aliases} & ignore.keys()
            (report.ignored if accepted else report.findings).append(f)
        if result.behind:
            report.behind[name] = result.behind
        if result.not_auditable is None:
            report.audited.append(name)
        elif name in not_auditable:
            report.reviewed_exceptions[name] = f"{result.not_auditable} ({not_auditable[name]})"
        else:
            report.not_auditable[name] = result.not_auditable
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
    for name, why in sorted(report.behind.items()):
        lines.append(f"behind {name}: {why}; judged on the advisories still open in the newest release")
    for name, why in sorted(report.reviewed_exceptions.items()):
        lines.append(f"reviewed exception {name}: {why}")
    for f in report.ignored:
        lines.append(f"ignored {f.package} {f.version}: {f.advisory} (reviewed in pyproject.toml)")
    for name in report.unused_exceptions:
        lines.append(f"note: the exception for {name} is no longer needed here")
    lines.append(f"dependency audit: {total} packages, {len(report.audited)} audited, "
                 f"{len(report.findings)} findings, {len(report.not_auditable)} not audited, "
                 f"{len(report.reviewed_exceptions)} reviewed exceptions, {len(report.behind)} behind the newest release")
    return "\n".join(lines)


def main() -> int:
    packages = installed_packages()
    not_auditable, ignore = load_policy()
    try:
        report = audit(packages, fetch_json, not_auditable, ignore, constraints=installed_constraints())
    except Unreachable as error:
        print(f"dependency audit impossible, PyPI did not answer: {error}", file=sys.stderr)
        return 2
    print(render(report, len(packages)))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
