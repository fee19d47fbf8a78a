"""The demo community: a fictional mid-sized city, its newcomers, residents and places.

``generate(people, seed)`` streams :class:`~loaders.items.Item` like any other reader
(``file="demo"``, ``row`` a running index): first the fixed nodes (languages, interests,
neighborhoods, organizations, institutions) and their relationships, then people in
blocks, each block's people before the block's relationships. Every relationship ends at
a node already yielded, so a consumer may check ends as it goes.

Memory stays bounded however many people are asked for: nothing refers back to all
people. A KNOWS tie goes from a new person to someone generated earlier, picked from
short "recently seen" queues per (community, neighborhood), community, neighborhood and
organization; duplicate pairs are avoided per person, since a pair is only ever drawn by
its later member. Everything is drawn from ``random.Random`` instances seeded from
``seed`` (never the global one), with no dependence on set order or string hashing, so
the same ``(people, seed)`` gives the same stream.

The city, its places, organizations and people are invented; e-mail addresses use the
reserved ``example.org`` domain and phone numbers the fictional 555-01xx range.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from bisect import bisect
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphsvc.model import Label, RelType
from loaders.items import Item

__all__ = [
    "COMMUNITIES", "DEFAULT_SPEC", "INTERESTS", "LANGUAGES", "OCCUPATIONS", "Community", "DemoSpec",
    "generate", "neighborhood_count", "person_id",
]

FILE = "demo"
Entry = tuple[Label | RelType, dict[str, Any]]

# ----------------------------------------------------------------------------- constants


def _names(text: str) -> tuple[tuple[str, str], ...]:
    """``"Ahmed=أحمد, Omar=عمر, José"`` -> ``(("Ahmed", "أحمد"), ("Omar", "عمر"), ("José", ""))``:
    a name in Latin letters and, where given, in its own script."""
    return tuple((latin.strip(), own.strip()) for latin, _, own in (p.partition("=") for p in text.split(",")))


@dataclass(frozen=True, slots=True)
class Community:
    """A community of origin (or the local majority): its languages, origins, names, faiths."""

    key: str
    native: str  # ISO 639-3 mother tongue; SPEAKS {level: native}
    share: float  # of all people
    newcomer_share: float  # of its people who arrived in the last three years
    countries: tuple[tuple[str, float], ...]  # ISO 3166-1 alpha-2 origins, weighted
    languages: tuple[tuple[str, float, tuple[str, ...]], ...]  # (code, probability, levels) besides native
    served: tuple[str, ...]  # codes institutions list when they serve this community (ara, not arz)
    faiths: tuple[tuple[str, float], ...]
    female: tuple[tuple[str, str], ...]
    male: tuple[tuple[str, str], ...]
    family: tuple[tuple[str, str], ...]
    script: float = 0.0  # chance that a name is written in its own script
    association: tuple[str, str] = ("", "")  # its own organization, and the cultural center it runs
    occupations: tuple[tuple[str, float], ...] = ()  # extra weight for some ISCO-08 codes
    bonding: tuple[str, ...] = ("family friends", "relatives", "from back home", "community association")


_ARABIC_LANGS = (("arb", 0.55, ("fluent", "conversational")),)
COMMUNITIES: tuple[Community, ...] = (
    Community(
        "local", "eng", 0.34, 0.0, (),
        (("fra", 0.12, ("conversational", "fluent")), ("spa", 0.06, ("basic", "conversational"))), (),
        (("Christian", 0.45), ("No religion", 0.38), ("Jewish", 0.04), ("Muslim", 0.04), ("Hindu", 0.04),
         ("Sikh", 0.03), ("Buddhist", 0.02)),
        _names("Sarah, Emily, Jessica, Emma, Olivia, Hannah, Megan, Claire, Grace, Chloe, Priya, Mei"),
        _names("James, Michael, David, Robert, Daniel, Thomas, Matthew, Ryan, Liam, Noah, Arjun, Kevin"),
        _names("Smith, Johnson, Brown, Wilson, Taylor, Campbell, MacDonald, Thompson, Anderson, Martin, "
               "Murphy, O'Brien, Tremblay, Walker, Clarke, Nguyen, Patel, Chen, Kowalski, Okafor"),
        bonding=("school friends", "family friends", "relatives", "sports league"),
    ),
    Community(
        "egyptian", "arz", 0.09, 0.7, (("EG", 1.0),), _ARABIC_LANGS, ("ara", "arz", "arb"),
        (("Muslim", 0.85), ("Coptic Orthodox Christian", 0.15)),
        _names("Fatma=فاطمة, Mona=منى, Nour=نور, Heba=هبة, Aya=آية, Salma=سلمى, Yasmin=ياسمين, Dina=دينا, "
               "Mariam=مريم, Rania=رانيا"),
        _names("Ahmed=أحمد, Mohamed=محمد, Mahmoud=محمود, Mostafa=مصطفى, Youssef=يوسف, Omar=عمر, Karim=كريم, "
               "Amr=عمرو, Hany=هاني, Tarek=طارق"),
        _names("Hassan=حسن, Ibrahim=إبراهيم, Abdelrahman=عبد الرحمن, El-Sayed=السيد, Mansour=منصور, "
               "Fathy=فتحي, Shawky=شوقي, Soliman=سليمان, Farouk=فاروق, Naguib=نجيب"),
        0.3, ("Egyptian Community Association", "Egyptian Cultural Centre"), (("2211", 1), ("2142", 2), ("2411", 2), ("2262", 1)),
    ),
    Community(
        "levantine", "apc", 0.10, 0.75, (("SY", 0.6), ("LB", 0.2), ("JO", 0.1), ("PS", 0.1)), _ARABIC_LANGS,
        ("ara", "apc"), (("Muslim", 0.75), ("Christian", 0.2), ("Druze", 0.05)),
        _names("Lina=لينا, Rasha=رشا, Hala=هالة, Rima=ريما, Dima=ديما, Layal=ليال, Nisreen=نسرين, Ghada=غادة"),
        _names("Khaled=خالد, Rami=رامي, Bassel=باسل, Ghassan=غسان, Majd=مجد, Ziad=زياد, Fadi=فادي, Samer=سامر"),
        _names("Haddad=حداد, Khoury=خوري, Nasser=ناصر, Darwish=درويش, Sabbagh=صباغ, Hamdan=حمدان, "
               "Jaber=جابر, Qassem=قاسم, Attar=عطار, Halabi=حلبي"),
        0.3, ("Levant Cultural Society", "Levant House"), (("2262", 1), ("5120", 2), ("7512", 1), ("2411", 1), ("5223", 2)),
    ),
    Community(
        "eritrean", "tir", 0.06, 0.75, (("ER", 1.0),),
        (("ara", 0.25, ("basic", "conversational")), ("amh", 0.2, ("conversational", "fluent"))), ("tir",),
        (("Orthodox Christian", 0.6), ("Muslim", 0.3), ("Catholic", 0.1)),
        _names("Senait=ሰናይት, Helen=ሄለን, Mebrat=መብራት, Selam=ሰላም, Rahel=ራሄል, Saba=ሳባ, Yordanos=ዮርዳኖስ, "
               "Luwam=ሉዋም"),
        _names("Tesfay=ተስፋይ, Yonas=ዮናስ, Dawit=ዳዊት, Kidane=ኪዳነ, Mehari=መሓሪ, Samuel=ሳሙኤል, Filmon=ፊልሞን, "
               "Berhane=ብርሃነ"),
        _names("Gebremedhin=ገብረመድህን, Tesfamariam=ተስፋማርያም, Haile=ሃይለ, Ghebreyesus=ገብረየሱስ, Woldu=ወልዱ, "
               "Berhe=በርሀ, Kahsay=ካሕሳይ, Tekle=ተኽለ, Mengisteab=መንግስተኣብ, Andemariam=ኣንደማርያም"),
        0.35, ("Eritrean Community Association", "Eritrean Community Centre"), (("8322", 3), ("5321", 3), ("9112", 2), ("8160", 2)),
    ),
    Community(
        "afghan", "prs", 0.08, 0.8, (("AF", 1.0),), (), ("prs", "fas"), (("Muslim", 0.97), ("Sikh", 0.03)),
        _names("Zahra=زهرا, Mariam=مریم, Fereshta=فرشته, Shabnam=شبنم, Nargis=نرگس, Mursal=مرسل, "
               "Parwana=پروانه, Mahbooba=محبوبه"),
        _names("Ahmad=احمد, Mohammad=محمد, Farid=فرید, Habib=حبیب, Jawad=جواد, Nasir=ناصر, Hamid=حمید, "
               "Wahid=وحید"),
        _names("Ahmadi=احمدی, Rahimi=رحیمی, Hakimi=حکیمی, Karimi=کریمی, Noori=نوری, Sultani=سلطانی, "
               "Amiri=امیری, Hashimi=هاشمی, Rasuli=رسولی, Popal=پوپل"),
        0.3, ("Afghan Cultural Society", "Afghan Cultural Centre"), (("2643", 3), ("8322", 2), ("7231", 2), ("5120", 1)),
    ),
    Community(
        "ukrainian", "ukr", 0.12, 0.8, (("UA", 1.0),), (("rus", 0.6, ("fluent", "conversational")),), ("ukr", "rus"),
        (("Orthodox Christian", 0.6), ("Greek Catholic", 0.15), ("No religion", 0.25)),
        _names("Olena=Олена, Iryna=Ірина, Kateryna=Катерина, Oksana=Оксана, Nataliia=Наталія, Yuliia=Юлія, "
               "Halyna=Галина, Tetiana=Тетяна"),
        _names("Oleksandr=Олександр, Dmytro=Дмитро, Andrii=Андрій, Serhii=Сергій, Mykola=Микола, Taras=Тарас, "
               "Volodymyr=Володимир, Bohdan=Богдан"),
        _names("Shevchenko=Шевченко, Kovalenko=Коваленко, Bondarenko=Бондаренко, Tkachenko=Ткаченко, "
               "Melnyk=Мельник, Kravchenko=Кравченко, Boiko=Бойко, Oliinyk=Олійник, Moroz=Мороз, Lysenko=Лисенко"),
        0.35, ("Ukrainian Cultural Association", "Ukrainian Cultural Centre"), (("2512", 3), ("2142", 2), ("2144", 2), ("2310", 1)),
    ),
    Community(
        "latin", "spa", 0.12, 0.6, (("MX", 0.3), ("CO", 0.25), ("VE", 0.2), ("SV", 0.1), ("GT", 0.1), ("PE", 0.05)),
        (), ("spa",), (("Catholic", 0.65), ("Evangelical Christian", 0.2), ("No religion", 0.15)),
        _names("María, Ana, Lucía, Camila, Valentina, Gabriela, Daniela, Sofía"),
        _names("José, Carlos, Luis, Diego, Andrés, Javier, Miguel, Juan Pablo"),
        _names("García, Rodríguez, Martínez, Hernández, López, González, Pérez, Ramírez, Torres, Flores, "
               "Castillo, Morales"),
        0.0, ("Latin American Community Association", "Casa Latina"), (("7115", 2), ("5120", 2), ("8160", 2), ("2341", 1)),
    ),
    Community(
        "filipino", "tgl", 0.09, 0.5, (("PH", 1.0),), (), ("tgl",),
        (("Catholic", 0.8), ("Protestant", 0.1), ("Iglesia ni Cristo", 0.1)),
        _names("Maricel, Liza, Jocelyn, Rowena, Mary Grace, Kristine, Analyn, Divina"),
        _names("Jose, Mark, John Paul, Rodel, Jericho, Paolo, Ramon, Nestor"),
        _names("Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Dela Cruz, Villanueva, Aquino, Manalo"),
        0.0, ("Filipino Community Association", "Filipino Community Centre"), (("2221", 6), ("5321", 4), ("5322", 5)),
    ),
)

#: Language nodes: the communities' own, the local majority's, and the codes institutions
#: use (``ara`` and ``fas`` are macrolanguages, kept apart from ``arz``, ``apc``, ``prs``).
LANGUAGES: tuple[str, ...] = (
    "eng", "fra", "ara", "arb", "arz", "apc", "tir", "amh", "prs", "fas", "ukr", "rus", "spa", "tgl",
)

#: (slug, name, category); listed from most to least popular (Zipf-like weights follow the order).
INTERESTS: tuple[tuple[str, str, str], ...] = tuple(
    (slug, name, cat)
    for cat, text in (
        ("hobby", ("cooking:Cooking, soccer:Soccer, music:Music, hiking:Hiking, reading:Reading, "
                  "photography:Photography, gardening:Gardening, cycling:Cycling, baking:Baking, "
                  "board-games:Board games, volleyball:Volleyball, chess:Chess, basketball:Basketball, "
                  "dance:Dance, painting:Painting, yoga:Yoga, cricket:Cricket, sewing:Sewing, "
                  "video-games:Video games, fishing:Fishing")),
        ("career", ("healthcare:Healthcare careers, software:Software development, teaching:Teaching, "
                   "skilled-trades:Skilled trades, accounting:Accounting and finance, "
                   "entrepreneurship:Starting a business, engineering:Engineering, hospitality:Hospitality, "
                   "social-work:Social work, law:Law, design:Design, data-science:Data science")),
        ("cause", ("refugee-support:Refugee support, environment:Environment, womens-rights:Women's rights, "
                  "youth-mentoring:Youth mentoring, food-security:Food security, accessibility:Accessibility, "
                  "anti-racism:Anti-racism, housing-justice:Housing justice")),
    )
    for slug, _, name in (part.strip().partition(":") for part in text.split(","))
)

#: (ISCO-08 unit group, title, sector, weight)
OCCUPATIONS: tuple[tuple[str, str, str, float], ...] = (
    ("2221", "Registered nurse", "health", 5), ("3221", "Practical nurse", "health", 3),
    ("5321", "Health care aide", "health", 4), ("5322", "Home support worker", "health", 1),
    ("2211", "Family physician", "health", 1), ("2262", "Pharmacist", "health", 1),
    ("2512", "Software developer", "tech", 4), ("3512", "IT support technician", "tech", 2),
    ("2166", "Graphic designer", "tech", 1), ("2431", "Marketing specialist", "tech", 1),
    ("2341", "Primary school teacher", "education", 3), ("2330", "Secondary school teacher", "education", 2),
    ("5311", "Early childhood educator", "education", 2), ("2310", "University lecturer", "education", 1),
    ("7411", "Electrician", "trades", 3), ("7126", "Plumber", "trades", 2), ("7115", "Carpenter", "trades", 2),
    ("7231", "Auto mechanic", "trades", 2), ("2142", "Civil engineer", "trades", 2),
    ("2411", "Accountant", "finance", 3), ("3313", "Bookkeeper", "finance", 2), ("2421", "Business analyst", "finance", 1),
    ("5120", "Cook", "hospitality", 3), ("5131", "Server", "hospitality", 2), ("7512", "Baker", "hospitality", 1),
    ("9112", "Cleaner", "hospitality", 2), ("5223", "Retail sales associate", "retail", 3), ("5230", "Cashier", "retail", 2),
    ("8322", "Taxi driver", "transport", 2), ("8332", "Truck driver", "transport", 2),
    ("8160", "Food processing machine operator", "manufacturing", 2), ("2144", "Mechanical engineer", "manufacturing", 1),
    ("2635", "Social worker", "social", 2), ("2643", "Interpreter", "social", 1),
    ("3412", "Settlement counsellor", "social", 1), ("2611", "Lawyer", "legal", 1),
    ("4110", "Office clerk", "public", 2), ("2622", "Librarian", "public", 1),
)
_CAREER = {"health": "healthcare", "tech": "software", "education": "teaching", "trades": "skilled-trades",
           "finance": "accounting", "hospitality": "hospitality", "social": "social-work", "legal": "law",
           "manufacturing": "engineering"}
_EMPLOYERS = {  # sector: (weight, name templates); {f} a family name, {w} a word, {p} a place
    "health": (3, ("{f} Family Health Team", "{p} Dental Care", "{p} Pharmacy", "{p} Long-Term Care Home")),
    "tech": (2, ("{w} Software", "{w} Labs", "{w} Data Systems", "{w} Digital")),
    "trades": (3, ("{f} Electric", "{f} Plumbing & Heating", "{w} Construction", "{f} Renovations")),
    "hospitality": (3, ("{w} Bistro", "Hotel {p}", "{f} Bakery", "{f}'s Kitchen", "{w} Cleaning Services")),
    "finance": (2, ("{f} & Partners Accounting", "{w} Credit Union", "{p} Insurance")),
    "retail": (3, ("{w} Market", "{p} Grocers", "{w} Hardware")),
    "transport": (1, ("{w} Taxi", "{p} Logistics", "{w} Courier")),
    "manufacturing": (2, ("{w} Manufacturing", "{w} Foods", "{w} Plastics")),
    "legal": (1, ("{f} Law", "{f} Legal Services")),
}
_WORDS = ("Maple", "Northstar", "Bluewater", "Cedar", "Harbour", "Beacon", "Summit", "Keystone", "Riverbend",
          "Granite", "Lighthouse", "Pioneer", "Orchard", "Falcon", "Silverline", "Meadow", "Alder", "Lakeside")
NEIGHBORHOOD_NAMES = (
    "Riverside", "Old Mill", "Harbourfront", "Cedar Heights", "Northgate", "Southfield", "Elm Park",
    "Foundry District", "Stone Bridge", "Market Square", "University Hill", "Lakeview", "Birchwood", "Westbrook",
    "Eastview", "Orchard Hill", "Kingsway", "Station Quarter", "Maple Grove", "Willow Bend", "Ashford", "Brookside",
    "Canal District", "Fairview", "Glenwood", "Highland Park", "Ironworks", "Juniper Flats", "Kettle Creek",
    "Lantern Row", "Meadowvale", "Northshore", "Oakridge", "Pinecrest", "Quarry Hill", "Rosedale", "Sunnyside",
    "Tannery Row", "Victoria Park", "Wharf End",
)
_STREETS = ("Main Street", "King Street", "Queen Street", "Water Street", "Mill Road", "Church Street",
            "Park Avenue", "Elm Street", "Lakeshore Road", "Station Road", "Bridge Street", "Victoria Street",
            "Front Street", "George Street", "Market Street", "Garden Avenue")
#: kind: (chance per neighborhood, name template, operator key, hours choices, services)
_INSTITUTIONS = {
    "community_center": (0.6, "{nb} Community Centre", "city",
                         ("Mon-Fri 07:00-22:00; Sat-Sun 09:00-18:00", "Mon-Sat 08:00-21:00"),
                         ("drop-in programs", "youth programs", "sports", "ESL conversation circle", "food bank")),
    "library": (0.45, "{nb} Branch Library", "library",
                ("Mon-Thu 10:00-20:00; Fri-Sat 10:00-17:00", "Tue-Sat 10:00-18:00"),
                ("computer access", "ESL conversation circle", "job search help", "children's programs",
                 "books in many languages")),
    "clinic": (0.45, "{nb} Community Health Centre", "health",
               ("Mon-Fri 08:30-17:00", "Mon-Fri 08:30-17:00; Wed until 20:00"),
               ("primary care", "vaccinations", "interpretation on request", "mental health counselling",
                "prenatal care")),
    "school": (1.0, "{nb} Public School", "schools", ("Mon-Fri 08:00-15:30",),
               ("kindergarten", "elementary grades", "after-school program", "newcomer reception class")),
    "settlement_agency": (0.0, "{city} Newcomer Services, {nb} office", "settlement",
                          ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00; Thu until 19:00"),
                          ("settlement counselling", "language assessment", "employment services", "housing help",
                           "credential recognition", "interpretation")),
    "cultural_center": (0.0, "", "", ("Tue-Sun 11:00-19:00", "Fri-Sun 10:00-20:00"),
                        ("heritage language classes", "cultural events", "peer support", "youth club")),
}
_SLOTS = tuple(f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
               for p in ("morning", "afternoon", "evening"))
_GOALS = (("employment", 0.7), ("language", 0.5), ("housing", 0.35), ("social", 0.35), ("education", 0.25),
          ("health", 0.15), ("business", 0.1), ("civic", 0.1))
_FAITH_PLACE = {"Muslim": "same mosque", "Jewish": "same synagogue", "Hindu": "same temple",
                "Buddhist": "same temple", "Sikh": "same gurdwara", "Druze": "same community hall"}
_BRIDGE_NEAR = ("neighbors", "kids at the same school", "community centre", "same building")
_BRIDGE_FAR = ("sports club", "volunteering", "friend of a friend", "mentorship program event")


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """The knobs of the demo community."""

    city: str = "Port Alder"
    #: the city's box (lat/lon degrees): about 13 km by 14 km at mid-latitudes; the layout is invented
    south: float = 44.28
    north: float = 44.40
    west: float = -78.44
    east: float = -78.26
    today: date = date(2025, 9, 1)  # "now" for arrival dates and tie ages, fixed for determinism
    communities: tuple[Community, ...] = COMMUNITIES
    ties: float = 6.0  # mean KNOWS drawn per person towards earlier people: mean degree about twice this
    max_ties: int = 30  # cap on those, so a million people stays feasible
    bridging: float = 0.10  # share of ties deliberately drawn across communities (work ties add a little)
    work: float = 0.10  # share of ties drawn among people of the same organization
    closure: float = 0.6  # chance that a close tie brings a friend of that friend along
    block: int = 1000  # people per block: a block's people are yielded before its relationships
    memory: int = 32  # recent people remembered per (community, neighborhood) as tie partners


DEFAULT_SPEC = DemoSpec()


def neighborhood_count(people: int) -> int:
    """12 neighborhoods for a few hundred people, growing with the log of the size to 40 at a million."""
    scale = (math.log10(max(people, 1)) - 2.5) / 3.5
    return 12 + round(28 * min(1.0, max(0.0, scale)))


def person_id(index: int) -> str:
    """``p000123``; zero-padded to six digits, so ids sort as indices do up to a million."""
    return f"p{index:06d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _draw(rng: random.Random, cum: list[float]) -> int:
    """An index drawn with the weights whose running sums are ``cum``."""
    return bisect(cum, rng.random() * cum[-1], 0, len(cum) - 1)  # hi: a product rounded up to the total


def _pick(rng: random.Random, items: Sequence[Any], cum: list[float]) -> Any:
    return items[_draw(rng, cum)]


# ----------------------------------------------------------------------------- the city


@dataclass(slots=True)
class _City:
    """The fixed part of the community, and the tables people are drawn from."""

    fixed: list[Entry]  # nodes, then their relationships
    hoods: list[str]  # neighborhood ids
    hood_cum: list[list[float]]  # per community: cumulative neighborhood weights (communities cluster)
    employers: dict[str, list[tuple[str, str]]]  # sector -> [(id, label)]
    places: dict[tuple[str, int], list[str]]  # (institution kind, neighborhood) -> institution ids
    settlement: list[str]
    cultural: list[str | None]  # per community: its cultural center
    language_school: str
    higher_ed: list[str]


def _polygon_point(quad: Sequence[tuple[float, float]], u: float, v: float) -> tuple[float, float]:
    """The point at ``(u, v)`` in [0, 1]^2 of a quadrilateral (SW, SE, NE, NW), bilinearly;
    inside it when the quadrilateral is convex."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    a, b, c, d = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def _build_city(people: int, spec: DemoSpec, rng: random.Random) -> _City:
    nodes: list[Entry] = [(Label.LANGUAGE, {"id": code}) for code in LANGUAGES]
    nodes += [(Label.INTEREST, {"id": slug, "name": name, "category": cat}) for slug, name, cat in INTERESTS]
    rels: list[Entry] = []

    # Neighborhoods: a grid of quadrilaterals over the city's box. Inner vertices are moved by
    # up to a fifth of a cell, which keeps every cell convex; cells share their vertices, so
    # they tile the city and touching cells are exactly the grid neighbors.
    n = neighborhood_count(people)
    rows = max(1, round(math.sqrt(n)))
    cols = math.ceil(n / rows)
    dlat, dlon = (spec.north - spec.south) / rows, (spec.east - spec.west) / cols

    def vertex(r: int, c: int) -> tuple[float, float]:
        lat, lon = spec.south + r * dlat, spec.west + c * dlon
        if 0 < r < rows and 0 < c < cols:
            lat += rng.uniform(-0.18, 0.18) * dlat
            lon += rng.uniform(-0.18, 0.18) * dlon
        return round(lon, 6), round(lat, 6)

    grid = [[vertex(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    names = list(NEIGHBORHOOD_NAMES)
    rng.shuffle(names)
    quads, hoods = [], []
    for k in range(n):
        r, c = divmod(k, cols)
        quad = (grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c])  # counterclockwise
        ring = [list(p) for p in (*quad, quad[0])]
        hoods.append(f"nb-{_slug(names[k])}")
        quads.append(quad)
        nodes.append((Label.NEIGHBORHOOD, {"id": hoods[k], "name": names[k], "city": spec.city,
                                           "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    pairs = [(k, k + 1) for k in range(n - 1) if (k + 1) % cols] + [(k, k + cols) for k in range(n - cols)]
    for a, b in sorted(pairs):
        start, end = sorted((hoods[a], hoods[b]))  # undirected: stored from the smaller id
        rels.append((RelType.ADJACENT_TO, {"type": "ADJACENT_TO", "start": start, "end": end}))

    # Communities cluster: each community of origin has two or three neighboring home cells.
    homes: list[list[int]] = []
    hood_cum = []
    for com in spec.communities:
        weights = [1.0] * n
        home: list[int] = []
        if com.countries:
            start = rng.randrange(n)
            near = [b for a, b in pairs if a == start] + [a for a, b in pairs if b == start]
            home = [start, *rng.sample(sorted(near), min(2, len(near)))]
            for j, h in enumerate(home):
                weights[h] += 12.0 if j == 0 else 6.0
        homes.append(home)
        hood_cum.append(_cumulative(weights))

    # Organizations: the city's own, the communities' associations, and employers.
    used: dict[str, int] = {}
    employers: dict[str, list[tuple[str, str]]] = {sector: [] for sector in (*_EMPLOYERS, "education", "social", "public")}

    def org(name: str, kind: str, sector: str | None) -> str:
        slug = _slug(name)
        used[slug] = used.get(slug, 0) + 1
        oid = f"org-{slug}" if used[slug] == 1 else f"org-{slug}-{used[slug]}"
        data = {"id": oid, "name": name, "kind": kind, "website": f"https://{slug}.example.org"}
        if sector:
            data["sector"] = sector
            employers.setdefault(sector, []).append((oid, "Organization"))
        nodes.append((Label.ORGANIZATION, data))
        return oid

    city = spec.city
    operators = {
        "city": org(f"City of {city}", "government", "public"),
        "library": org(f"{city} Public Library", "government", "public"),
        "health": org(f"{city} Community Health Centres", "nonprofit", "health"),
        "schools": org(f"{city} District School Board", "government", "education"),
        "settlement": org(f"{city} Newcomer Services", "nonprofit", "social"),
    }
    org(f"{city} General Hospital", "employer", "health")
    higher_ed = [org(f"University of {city}", "university", "education"),
                 org(f"{city.split()[-1]} Valley College", "university", "education")]
    language_school = org(f"{city} Adult Language Institute", "school", "education")
    associations = [org(com.association[0], "nonprofit", "social") if com.association[0] else None
                    for com in spec.communities]
    sectors = list(_EMPLOYERS)
    sector_cum = _cumulative([_EMPLOYERS[s][0] for s in sectors])
    families = [f for com in spec.communities for f, _ in com.family]
    for e in range(min(600, max(2 * len(sectors), people // 150))):  # every sector has employers
        sector = sectors[e] if e < len(sectors) else _pick(rng, sectors, sector_cum)
        templates = _EMPLOYERS[sector][1]
        for _attempt in range(8):
            name = rng.choice(templates).format(
                f=rng.choice(families), w=rng.choice(_WORDS), p=rng.choice((city, *names[:n])))
            if _slug(name) not in used:
                break
        org(name, "business" if sector in ("legal", "finance") and rng.random() < 0.5 else "employer", sector)

    # Institutions: a school in every neighborhood, other kinds by chance (each kind at least
    # once), settlement agencies mostly where communities live, a cultural center per community.
    places: dict[tuple[str, int], list[str]] = {}
    settlement: list[str] = []
    cultural: list[str | None] = [None] * len(spec.communities)
    everywhere = sorted({h for home in homes for h in home})
    must = {kind: rng.randrange(n) for kind in _INSTITUTIONS}
    for k in range(n):
        planned: list[tuple[str, int | None]] = []
        for kind, (chance, *_) in _INSTITUTIONS.items():
            if kind == "settlement_agency":
                chance = 0.8 if k in everywhere else 0.1
            if kind != "cultural_center" and (k == must[kind] or rng.random() < chance):
                planned.append((kind, None))
        planned += [("cultural_center", ci) for ci, home in enumerate(homes) if home and home[0] == k]
        for kind, ci in planned:
            _, template, operator, hours, services = _INSTITUTIONS[kind]
            if ci is None:
                name = template.format(nb=names[k], city=city)
                op = operators[operator]
            else:
                name, op = spec.communities[ci].association[1], associations[ci]
            iid = f"inst-{_slug(name)}"
            lon, lat = _polygon_point(quads[k], rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))
            offered = [s for s in services if rng.random() < 0.6] or [services[0]]
            nodes.append((Label.INSTITUTION, {
                "id": iid, "name": name, "kind": kind,
                "address": f"{rng.randint(10, 2400)} {rng.choice(_STREETS)}, {city}",
                "latitude": round(lat, 6), "longitude": round(lon, 6),
                "services": offered, "hours": rng.choice(hours)}))
            places.setdefault((kind, k), []).append(iid)
            if kind == "settlement_agency":
                settlement.append(iid)
            if ci is not None:
                cultural[ci] = iid
            rels.append((RelType.LOCATED_IN, {"type": "LOCATED_IN", "start": iid, "end": hoods[k]}))
            if op is not None:
                rels.append((RelType.OPERATES, {"type": "OPERATES", "start": op, "end": iid}))
            served = ["eng"]
            if ci is not None:
                com = spec.communities[ci]
                served += [com.native, *(code for code in com.served if code != com.native)]
            else:
                chance = {"settlement_agency": 0.8, "library": 0.5, "clinic": 0.45, "school": 0.35}.get(kind, 0.3)
                for com, home in zip(spec.communities, homes, strict=True):
                    if k in home and rng.random() < chance:
                        served.append(rng.choice(com.served))
                if kind == "library" and rng.random() < 0.4:
                    served.append("fra")
            for code in dict.fromkeys(served):
                rels.append((RelType.SERVES_LANGUAGE, {"type": "SERVES_LANGUAGE", "start": iid, "end": code}))
    return _City(nodes + rels, hoods, hood_cum, employers, places, settlement, cultural, language_school, higher_ed)


# ----------------------------------------------------------------------------- people

#: What a person leaves behind for later people to tie to: ``(id, community, neighborhood,
#: earliest tie date as an ordinal, faith, newcomer)``. Flat, so that remembering someone's
#: friends never keeps a chain of older people alive.
Core = tuple[str, int, int, int, str, bool]
Remembered = tuple[Core, tuple[Core, ...]]
Occupation = tuple[str, str, str, float]

_CHRISTIAN = ("Christian", "Catholic", "Protestant", "Iglesia ni Cristo")
_TRUST = {"cell": (0.55, 0.4), "community": (0.45, 0.45), "closure": (0.3, 0.4), "work": (0.3, 0.5),
          "bridge": (0.15, 0.5)}  # kind of tie: (lowest trust, spread)
_SLOT_DAY = _cumulative([3 if i < 15 and i % 3 < 2 else 1 for i in range(21)])  # weekday daytime
_SLOT_OFF = _cumulative([3 if i >= 15 or i % 3 == 2 else 1 for i in range(21)])  # evenings, weekends
_LEVELS_EDU = {"1": (6, 6, 7), "2": (6, 6, 7, 7, 8), "3": (4, 5, 5, 6), "4": (3, 4, 5), "5": (3, 3, 4),
               "7": (3, 3, 4), "8": (2, 3, 3), "9": (1, 2, 3)}
_INSTITUTION_SECTOR = {"health": "clinic", "education": "school", "public": "library", "social": "settlement_agency"}
_FIRST_JOBS = ("hospitality", "retail", "transport", "manufacturing")
_AREA_CODES = ("613", "705", "905")
_HISTORY_DAYS = 31 * 365  # the oldest date anything refers to: arrivals 30 years back


def _faith_place(faith: str) -> str | None:
    if any(word in faith for word in _CHRISTIAN):
        return "same church"
    return _FAITH_PLACE.get(faith)


def _one(rng: random.Random, items: Sequence[Any]) -> Any:
    return items[int(rng.random() * len(items))]


class _Population:
    """Draws people one at a time, remembering only a bounded window of recent people."""

    def __init__(self, city: _City, spec: DemoSpec, seed: int) -> None:
        self.city, self.spec = city, spec
        self.rng = random.Random(f"graphsvc-demo:{seed}:people")  # str seeds are hashed with sha512
        self.today = spec.today.toordinal()
        self.base = self.today - _HISTORY_DAYS
        self.iso = [date.fromordinal(d).isoformat() for d in range(self.base, self.today + 1)]
        self.com_cum = _cumulative([com.share for com in spec.communities])
        self.occ_cum, self.faith_cum, self.country_cum = [], [], []
        for com in spec.communities:
            extra = dict(com.occupations)
            self.occ_cum.append(_cumulative([w + extra.get(code, 0) for code, _, _, w in OCCUPATIONS]))
            self.faith_cum.append(_cumulative([w for _, w in com.faiths]))
            self.country_cum.append(_cumulative([w for _, w in com.countries]))
        # Zipf-like popularity (s = 1.3) over a shuffled order of the interests: a few are
        # everyone's, the last are some forty times rarer than the first.
        rank = list(range(len(INTERESTS)))
        self.rng.shuffle(rank)
        self.interest_cum = _cumulative([1 / (rank[k] + 1) ** 1.3 for k in range(len(INTERESTS))])
        self.places = {faith: _faith_place(faith) for com in spec.communities for faith, _ in com.faiths}
        self.hood_count = len(city.hoods)
        m = spec.memory
        self.by_cell: list[deque[Remembered]] = [deque(maxlen=m) for _ in range(len(spec.communities) * self.hood_count)]
        self.by_com: list[deque[Remembered]] = [deque(maxlen=2 * m) for _ in spec.communities]
        self.by_hood: list[deque[Remembered]] = [deque(maxlen=2 * m) for _ in city.hoods]
        self.everyone: deque[Remembered] = deque(maxlen=4 * m)
        self.by_org: dict[str, deque[Remembered]] = {}  # bounded: organizations and institutions are

    def person(self, i: int, rels: list[Entry]) -> dict[str, Any]:
        """Person ``i``'s node; their relationships are appended to ``rels``."""
        rng, spec, city, today = self.rng, self.spec, self.city, self.today
        c = _draw(rng, self.com_cum)
        com = spec.communities[c]
        h = _draw(rng, city.hood_cum[c])
        pid = person_id(i)
        immigrant = bool(com.countries)
        newcomer = immigrant and rng.random() < com.newcomer_share

        r = rng.random()
        gender = "female" if r < 0.49 else "male" if r < 0.98 else "non-binary"
        firsts = com.female if gender == "female" or (gender == "non-binary" and r < 0.99) else com.male
        first, family = _one(rng, firsts), _one(rng, com.family)
        latin = f"{first[0]} {family[0]}"
        own = com.script and first[1] and family[1] and rng.random() < com.script
        node: dict[str, Any] = {"id": pid, "name": f"{first[1]} {family[1]}" if own else latin}

        arrival = None
        if newcomer:
            arrival = today - 30 - int(rng.random() * 3 * 365)
        elif immigrant:
            arrival = today - 4 * 365 - int(rng.random() * 26 * 365)
        occupation = _pick(rng, OCCUPATIONS, self.occ_cum[c]) if rng.random() < (0.6 if newcomer else 0.8) else None
        mentor = not newcomer and rng.random() < (0.35 if occupation else 0.15)
        roles = ["NEWCOMER"] if newcomer else ["RESIDENT"]
        if occupation and not newcomer:
            roles.append("PROFESSIONAL")
        if mentor:
            roles.append("MENTOR")
        node["roles"] = sorted(roles)
        if arrival is not None:
            node["arrival_date"] = self.iso[arrival - self.base]
        goals = ([g for g, p in _GOALS if rng.random() < p] or ["employment"]) if newcomer else []
        if goals:
            node["goals"] = goals
        if occupation:
            node["occupation"] = {"isco08": occupation[0], "title": occupation[1]}
        edu = _one(rng, _LEVELS_EDU[occupation[0][0]] if occupation else (2, 3, 4, 5, 6))
        if rng.random() < 0.85:
            node["education_level"] = edu
        if mentor:
            capacity = rng.random()
            node["mentor_capacity"] = 1 if capacity < 0.5 else 2 if capacity < 0.85 else 3
        count = 2 + int(rng.random() * 5) if newcomer or mentor else int(rng.random() * 3) if rng.random() < 0.5 else 0
        week = _SLOT_DAY if newcomer else _SLOT_OFF
        slots = {_draw(rng, week) for _ in range(count)}
        if slots:
            node["availability"] = [_SLOTS[s] for s in sorted(slots)]

        faith = _pick(rng, com.faiths, self.faith_cum[c])[0]
        sensitive: dict[str, Any] = {}
        if immigrant and rng.random() < 0.9:
            sensitive["origin_country"] = _pick(rng, com.countries, self.country_cum[c])[0]
        if rng.random() < 0.85:
            sensitive["gender"] = gender
        if rng.random() < 0.35:
            sensitive["faith"] = faith
        purposes = [p for p, chance in (("matching", 0.45), ("reporting", 0.3)) if sensitive and rng.random() < chance]
        node["consent"] = {
            "matching": rng.random() < (0.85 if newcomer else 0.9 if mentor else 0.55),
            "intermediary": rng.random() < 0.6,
            "directory": rng.random() < 0.65,
            "sensitive_purposes": purposes,
        }
        contact = {}
        if rng.random() < 0.9:
            contact["email"] = f"{_slug(latin).replace('-', '.')}.{i}@example.org"
        if rng.random() < 0.35:
            contact["phone"] = f"+1 {_one(rng, _AREA_CODES)} 555 01{int(rng.random() * 100):02d}"
        if contact:
            node["contact"] = contact
        if sensitive:
            node["sensitive"] = sensitive

        if rng.random() < 0.97:
            rels.append((RelType.LIVES_IN, {"type": "LIVES_IN", "start": pid, "end": city.hoods[h]}))
        self._speaks(pid, com, newcomer, arrival, edu, rels)
        self._interests(pid, occupation, rels)
        org = self._affiliations(pid, h, c, occupation, newcomer, mentor, goals, arrival, rels)
        core: Core = (pid, c, h, arrival if arrival is not None else today - 25 * 365, faith, newcomer)
        remembered = (core, self._ties(core, org, mentor, rels))
        for queue in (self.by_cell[c * self.hood_count + h], self.by_com[c], self.by_hood[h], self.everyone):
            queue.append(remembered)
        if org is not None:
            self.by_org.setdefault(org, deque(maxlen=16)).append(remembered)
        return node

    def _speaks(self, pid: str, com: Community, newcomer: bool, arrival: int | None, edu: int,
                rels: list[Entry]) -> None:
        rng = self.rng
        levels = {com.native: "native"}
        for code, chance, choices in com.languages:
            if code not in levels and rng.random() < chance:
                levels[code] = _one(rng, choices)
        if arrival is not None and "eng" not in levels:  # English improves with the years here
            years = (self.today - arrival) / 365
            score = rng.random() + 0.25 * years + (0.15 if edu >= 6 else 0.0) if newcomer else 0.75 + rng.random()
            levels["eng"] = "basic" if score < 0.5 else "conversational" if score < 0.95 else "fluent"
        for code, level in levels.items():
            rels.append((RelType.SPEAKS, {"type": "SPEAKS", "start": pid, "end": code, "props": {"level": level}}))

    def _interests(self, pid: str, occupation: Occupation | None, rels: list[Entry]) -> None:
        rng = self.rng
        chosen = [_pick(rng, INTERESTS, self.interest_cum)[0] for _ in range(1 + int(rng.random() * 4))]
        if occupation and occupation[2] in _CAREER and rng.random() < 0.5:
            chosen.append(_CAREER[occupation[2]])
        for slug in dict.fromkeys(chosen):
            rels.append((RelType.INTERESTED_IN, {"type": "INTERESTED_IN", "start": pid, "end": slug}))

    def _since(self, earliest: int | None, years: int = 15) -> str:
        low = max(earliest or 0, self.today - years * 365)
        return self.iso[low - self.base + int(self.rng.random() * (self.today - low))]

    def _affiliations(self, pid: str, h: int, c: int, occupation: Occupation | None, newcomer: bool,
                      mentor: bool, goals: list[str], arrival: int | None, rels: list[Entry]) -> str | None:
        """Work, study, services used, volunteering; returns the place whose people this person meets."""
        rng, city = self.rng, self.city
        links: list[tuple[str, str, str]] = []  # (end, end label, role)
        if occupation and not newcomer and rng.random() < 0.8:
            sector = occupation[2]
            local = city.places.get((_INSTITUTION_SECTOR.get(sector, ""), h))
            if local and rng.random() < 0.35:
                links.append((_one(rng, local), "Institution", "works_at"))
            else:
                links.append((*_one(rng, city.employers[sector]), "works_at"))
        elif newcomer and rng.random() < 0.3:  # a first job, often not in one's own field
            links.append((*_one(rng, city.employers[_one(rng, _FIRST_JOBS)]), "works_at"))
        if newcomer and "language" in goals and rng.random() < 0.6:
            links.append((city.language_school, "Organization", "studies_at"))
        if newcomer and "education" in goals and rng.random() < 0.5:
            links.append((_one(rng, city.higher_ed), "Organization", "studies_at"))
        if newcomer and rng.random() < 0.5:
            agencies = city.places.get(("settlement_agency", h)) or city.settlement
            links.append((_one(rng, agencies), "Institution", "uses"))
        if mentor and rng.random() < 0.3:
            centers = [*city.places.get(("community_center", h), ()), *filter(None, [city.cultural[c]])]
            if centers:
                links.append((_one(rng, centers), "Institution", "volunteers_at"))
        meet = None
        for end, label, role in links:
            rels.append((RelType.AFFILIATED_WITH, {
                "type": "AFFILIATED_WITH", "start": pid, "end": end, "end_label": label,
                "props": {"role": role, "since": self._since(arrival)}}))
            if meet is None and role in ("works_at", "studies_at"):
                meet = end
        return meet

    def _ties(self, me: Core, org: str | None, mentor: bool, rels: list[Entry]) -> tuple[Core, ...]:
        """KNOWS towards people generated earlier: mostly within community and neighborhood,
        some among people of the same workplace or school, a few deliberately across."""
        rng, spec = self.rng, self.spec
        c, h = me[1], me[2]
        mean = spec.ties * (0.6 if me[5] else 1.0) * (1.5 if mentor else 1.0)
        want = min(spec.max_ties, int(rng.paretovariate(2.5) * mean * 0.6))  # heavy-tailed, mean ~ mean
        cell, com = self.by_cell[c * self.hood_count + h], self.by_com[c]
        bonding = spec.communities[c].bonding
        friends: list[Core] = []
        mine: set[str] = set()
        for _ in range(2 * want + 2):
            if len(friends) >= want:
                break
            r = rng.random()
            if org is not None and r < spec.work:
                kind, pool = "work", self.by_org.get(org)
            elif r < spec.work + spec.bridging:
                kind, pool = "bridge", self.by_hood[h] if rng.random() < 0.6 else self.everyone
            elif r < spec.work + spec.bridging + 0.25:
                kind, pool = "community", com
            else:
                kind, pool = "cell", cell
            if not pool:
                kind, pool = ("community", com) if com else ("bridge", self.everyone)
                if not pool:
                    break
            entry = _one(rng, pool)
            if kind == "bridge":
                for _retry in range(3):
                    if entry[0][1] != c:
                        break
                    entry = _one(rng, pool)
                else:
                    continue
            other = entry[0]
            if other[0] in mine:
                continue
            self._knows(me, other, kind, self._context(kind, me, other, pool is self.everyone, org, bonding), rels)
            mine.add(other[0])
            friends.append(other)
            if kind in ("cell", "community") and entry[1] and rng.random() < spec.closure and len(friends) < want:
                fof = _one(rng, entry[1])
                if fof[0] not in mine:
                    self._knows(me, fof, "closure", "friend of a friend", rels)
                    mine.add(fof[0])
                    friends.append(fof)
        return tuple(friends)

    def _context(self, kind: str, me: Core, other: Core, far: bool, org: str | None, bonding: tuple[str, ...]) -> str:
        rng, city = self.rng, self.city
        if kind == "work":
            return "ESL class" if org == city.language_school else "university" if org in city.higher_ed else "work"
        if kind == "bridge":
            if far:
                return _one(rng, _BRIDGE_FAR)
            return "ESL class" if me[5] and other[5] and rng.random() < 0.4 else _one(rng, _BRIDGE_NEAR)
        r = rng.random()
        place = self.places[me[4]] if me[4] == other[4] else None
        if place and r < 0.35:
            return place
        if kind == "cell" and r < 0.65:
            return "neighbors"
        return _one(rng, bonding)

    def _knows(self, me: Core, other: Core, kind: str, context: str, rels: list[Entry]) -> None:
        rng = self.rng
        low, spread = _TRUST[kind]
        earliest = max(me[3], other[3])
        since = earliest + int(rng.random() * (self.today - earliest))
        rels.append((RelType.KNOWS, {  # other is older, so its id is the smaller: stored as given
            "type": "KNOWS", "start": other[0], "end": me[0],
            "props": {"trust": round(low + spread * rng.random(), 2), "context": context,
                      "since": self.iso[since - self.base]}}))


# ----------------------------------------------------------------------------- the stream


def generate(people: int, seed: int = 7, spec: DemoSpec = DEFAULT_SPEC) -> Iterator[Item]:
    """Stream a demo community of ``people`` people as items (``file="demo"``, ``row`` 1, 2, ...).

    Fixed nodes and their relationships come first, then people in blocks of
    ``spec.block``: a block's people, then the block's relationships. Every relationship
    ends at a node already yielded. The same ``(people, seed, spec)`` gives the same items.

    >>> items = list(generate(50, seed=1))
    >>> items[0].kind, items[0].data
    (<Label.LANGUAGE: 'Language'>, {'id': 'eng'})
    >>> sum(item.kind is Label.PERSON for item in items)
    50
    """
    if people < 0 or spec.block < 1:
        raise ValueError(f"people must be 0 or more (not {people}), and spec.block 1 or more")
    city = _build_city(people, spec, random.Random(f"graphsvc-demo:{seed}:city"))
    row = 0
    for kind, data in city.fixed:
        row += 1
        yield Item(kind, data, FILE, row)
    population = _Population(city, spec, seed)
    for start in range(0, people, spec.block):
        rels: list[Entry] = []
        for i in range(start, min(people, start + spec.block)):
            row += 1
            yield Item(Label.PERSON, population.person(i, rels), FILE, row)
        for kind, data in rels:
            row += 1
            yield Item(kind, data, FILE, row)
