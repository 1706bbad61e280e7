import unicodedata

from portal.demo.people import demo_people


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def test_demo_people_are_the_same_every_time():
    assert demo_people(300) == demo_people(300)


def test_demo_people_cover_the_scripts_and_unknown_birth_days():
    people = demo_people(3000)
    scripts = set().union(*(_scripts(p.surname + p.given_names) for p in people))
    assert {"LATIN", "CYRILLIC", "ARABIC"} <= scripts
    assert any(p.date_of_birth.month is None for p in people), "00.00.YYYY"
    assert any(p.date_of_birth.month and p.date_of_birth.day is None for p in people), "00.MM.YYYY"
    assert {p.site_code for p in people} == {"WZ", "DIL"}
    assert len({p.file_number for p in people}) == 3000
    # Files in a non-Latin script keep the passport's Latin spelling as a known alias.
    cyrillic = [p for p in people if "CYRILLIC" in _scripts(p.surname)]
    assert cyrillic and all(p.aliases and "LATIN" in _scripts(p.aliases[0][0]) for p in cyrillic)
