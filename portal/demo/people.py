"""Realistic, made-up people for the demo case files.

Each name is (as written in the person's script, Latin spelling as in the passport).
The office keeps some files under the native spelling and some under the Latin one;
the other spelling is kept as a known alias.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from portal.domain.dates import PartialDate

# nationality: (surnames, female given names, male given names, places of birth, female surname rule)
_UKR = (
    [("Шевченко", "Shevchenko"), ("Коваленко", "Kovalenko"), ("Бондаренко", "Bondarenko"),
     ("Ткаченко", "Tkachenko"), ("Кравченко", "Kravchenko"), ("Олійник", "Oliinyk"),
     ("Мельник", "Melnyk"), ("Шевчук", "Shevchuk"), ("Поліщук", "Polishchuk"), ("Бойко", "Boiko"),
     ("Лисенко", "Lysenko"), ("Руденко", "Rudenko"), ("Савченко", "Savchenko"), ("Петренко", "Petrenko"),
     ("Марченко", "Marchenko"), ("Гончаренко", "Honcharenko"), ("Ковальчук", "Kovalchuk"),
     ("Клименко", "Klymenko"), ("Павленко", "Pavlenko"), ("Кузьменко", "Kuzmenko")],
    [("Олена", "Olena"), ("Наталія", "Nataliia"), ("Тетяна", "Tetiana"), ("Юлія", "Yuliia"),
     ("Марія", "Mariia"), ("Оксана", "Oksana"), ("Ірина", "Iryna"), ("Світлана", "Svitlana"),
     ("Анастасія", "Anastasiia"), ("Катерина", "Kateryna")],
    [("Олександр", "Oleksandr"), ("Андрій", "Andrii"), ("Іван", "Ivan"), ("Дмитро", "Dmytro"),
     ("Сергій", "Serhii"), ("Василь", "Vasyl"), ("Богдан", "Bohdan"), ("Юрій", "Yurii"),
     ("Максим", "Maksym"), ("Микола", "Mykola")],
    ["Kyjiw", "Charkiw", "Odesa", "Dnipro", "Lwiw", "Saporischschja", "Mykolajiw", "Poltawa"],
)
_RUS = (
    [("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"), ("Попов", "Popov"),
     ("Соколов", "Sokolov"), ("Лебедев", "Lebedev"), ("Новиков", "Novikov"), ("Морозов", "Morozov"),
     ("Волков", "Volkov"), ("Фёдоров", "Fedorov")],
    [("Ирина", "Irina"), ("Екатерина", "Ekaterina"), ("Ольга", "Olga"), ("Анна", "Anna"),
     ("Татьяна", "Tatiana"), ("Елена", "Elena")],
    [("Алексей", "Aleksei"), ("Сергей", "Sergei"), ("Дмитрий", "Dmitrii"), ("Михаил", "Mikhail"),
     ("Александр", "Aleksandr"), ("Николай", "Nikolai")],
    ["Moskau", "Sankt Petersburg", "Nowosibirsk", "Kasan", "Samara"],
)
_SYR = (
    [("الأحمد", "Al-Ahmad"), ("الحسن", "Al-Hassan"), ("الخطيب", "Al-Khatib"), ("العلي", "Al-Ali"),
     ("المحمد", "Al-Mohammad"), ("الشيخ", "Alsheikh"), ("حداد", "Haddad"), ("الحلبي", "Alhalabi"),
     ("سليمان", "Suleiman"), ("يوسف", "Youssef"), ("إبراهيم", "Ibrahim"), ("الكردي", "Alkurdi")],
    [("فاطمة", "Fatima"), ("مريم", "Mariam"), ("عائشة", "Aisha"), ("زينب", "Zainab"), ("نور", "Nour"),
     ("رنا", "Rana"), ("هبة", "Hiba")],
    [("محمد", "Mohammad"), ("أحمد", "Ahmad"), ("علي", "Ali"), ("عمر", "Omar"), ("خالد", "Khaled"),
     ("يوسف", "Yousef"), ("حسن", "Hasan"), ("سامي", "Sami")],
    ["Aleppo", "Damaskus", "Homs", "Hama", "Idlib", "Latakia", "Deir ez-Zor"],
)
_AFG = (
    [("احمدی", "Ahmadi"), ("محمدی", "Mohammadi"), ("حیدری", "Haidari"), ("رحیمی", "Rahimi"),
     ("کریمی", "Karimi"), ("نوری", "Noori"), ("صدیقی", "Sediqi"), ("حسینی", "Hosseini")],
    [("فرشته", "Fereshta"), ("مریم", "Maryam"), ("زهرا", "Zahra"), ("فریبا", "Fariba"), ("سحر", "Sahar")],
    [("احمد", "Ahmad"), ("محمد", "Mohammad"), ("علی", "Ali"), ("مصطفی", "Mustafa"), ("رحیم", "Rahim"),
     ("جواد", "Jawad")],
    ["Kabul", "Herat", "Mazar-i-Sharif", "Kandahar", "Dschalalabad"],
)
_TUR = (
    [("Yılmaz", "Yilmaz"), ("Kaya", "Kaya"), ("Demir", "Demir"), ("Şahin", "Sahin"), ("Çelik", "Celik"),
     ("Yıldız", "Yildiz"), ("Öztürk", "Oeztuerk"), ("Aydın", "Aydin"), ("Arslan", "Arslan"), ("Doğan", "Dogan")],
    [("Ayşe", "Ayse"), ("Fatma", "Fatma"), ("Zeynep", "Zeynep"), ("Elif", "Elif"), ("Büşra", "Buesra")],
    [("Mehmet", "Mehmet"), ("Mustafa", "Mustafa"), ("Emre", "Emre"), ("Hüseyin", "Hueseyin"), ("Can", "Can")],
    ["Ankara", "İstanbul", "İzmir", "Gaziantep", "Konya", "Diyarbakır"],
)
_EUROPE_LATIN = {
    "POL": ([("Wiśniewski", "Wisniewski"), ("Kowalczyk", "Kowalczyk"), ("Dąbrowski", "Dabrowski"),
             ("Zieliński", "Zielinski")],
            [("Agnieszka", "Agnieszka"), ("Małgorzata", "Malgorzata")],
            [("Łukasz", "Lukasz"), ("Paweł", "Pawel")],
            ["Kraków", "Wrocław", "Gdańsk"]),
    "ROU": ([("Popescu", "Popescu"), ("Ionescu", "Ionescu"), ("Ștefănescu", "Stefanescu"),
             ("Dumitrescu", "Dumitrescu")],
            [("Ioana", "Ioana"), ("Mădălina", "Madalina")],
            [("Ștefan", "Stefan"), ("Andrei", "Andrei")],
            ["București", "Cluj-Napoca", "Iași"]),
    "XKX": ([("Krasniqi", "Krasniqi"), ("Berisha", "Berisha"), ("Gashi", "Gashi")],
            [("Drita", "Drita"), ("Arta", "Arta")],
            [("Arben", "Arben"), ("Besnik", "Besnik")],
            ["Prishtina", "Prizren", "Peja"]),
}

# nationality, weight, data, native script is non-Latin
NATIONALITIES = [
    ("UKR", 34, _UKR, True), ("SYR", 18, _SYR, True), ("AFG", 10, _AFG, True), ("RUS", 6, _RUS, True),
    ("TUR", 14, _TUR, False), ("POL", 6, _EUROPE_LATIN["POL"], False),
    ("ROU", 6, _EUROPE_LATIN["ROU"], False), ("XKX", 6, _EUROPE_LATIN["XKX"], False),
]


@dataclass
class DemoPerson:
    file_number: str
    site_code: str
    surname: str
    given_names: str
    birth_name: str
    date_of_birth: PartialDate
    place_of_birth: str
    nationality: str
    aliases: list[tuple[str, str]] = field(default_factory=list)
    moved_away: bool = False


def _female_surname(nationality: str, surname: tuple[str, str]) -> tuple[str, str]:
    native, latin = surname
    if nationality == "RUS":
        return native + "а", latin + "a"
    if nationality == "POL" and native.endswith("ski"):
        return native[:-1] + "a", latin[:-1] + "a"
    return surname


def _date_of_birth(rng: random.Random) -> PartialDate:
    year = rng.randint(1948, 2021)
    roll = rng.random()
    if roll < 0.08:  # 00.00.YYYY: common in files from countries without civil registers
        return PartialDate(year)
    month = rng.randint(1, 12)
    if roll < 0.13:
        return PartialDate(year, month)
    return PartialDate(year, month, rng.randint(1, 28))


def demo_people(count: int, seed: int = 2026) -> list[DemoPerson]:
    """The same `count` people every time (idempotent seeding relies on it)."""
    rng = random.Random(seed)
    weights = [w for _, w, _, _ in NATIONALITIES]
    people = []
    for index in range(count):
        nationality, _, (surnames, female, male, places), non_latin = rng.choices(NATIONALITIES, weights)[0]
        is_female = rng.random() < 0.5
        surname = rng.choice(surnames)
        if is_female:
            surname = _female_surname(nationality, surname)
        given = rng.choice(female if is_female else male)
        if rng.random() < 0.15:  # a second given name
            second = rng.choice(female if is_female else male)
            if second != given:
                given = (f"{given[0]} {second[0]}", f"{given[1]} {second[1]}")
        site_code = "WZ" if rng.random() < 0.62 else "DIL"
        year_opened = rng.randint(2005, 2026)
        person = DemoPerson(
            file_number=f"{site_code}-{year_opened}-{index + 1:05d}",
            site_code=site_code,
            surname="", given_names="", birth_name="",
            date_of_birth=_date_of_birth(rng),
            place_of_birth=rng.choice(places),
            nationality=nationality,
            moved_away=rng.random() < 0.04,
        )
        # Files kept in the native script, or in the passport's Latin spelling.
        native_first = non_latin and rng.random() < 0.5
        primary, other = (0, 1) if native_first or not non_latin else (1, 0)
        person.surname, person.given_names = surname[primary], given[primary]
        if surname[other] != surname[primary] or given[other] != given[primary]:
            person.aliases.append((surname[other], given[other]))
        if is_female and rng.random() < 0.2:
            maiden = rng.choice(surnames)
            maiden = _female_surname(nationality, maiden)
            person.birth_name = maiden[primary]
        people.append(person)
    return people
