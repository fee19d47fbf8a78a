"""The demo community's fixed data: origin communities with their languages and names,
interests, occupations (ISCO-08), employers, streets, institution kinds, goals and tie
contexts. All invented or common; see :mod:`loaders.demo` for how they are used."""

from __future__ import annotations

from dataclasses import dataclass


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


ARABIC_LANGS = (("arb", 0.55, ("fluent", "conversational")),)
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
        "egyptian", "arz", 0.09, 0.7, (("EG", 1.0),), ARABIC_LANGS, ("ara", "arz", "arb"),
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
        "levantine", "apc", 0.10, 0.75, (("SY", 0.6), ("LB", 0.2), ("JO", 0.1), ("PS", 0.1)), ARABIC_LANGS,
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
CAREER = {"health": "healthcare", "tech": "software", "education": "teaching", "trades": "skilled-trades",
           "finance": "accounting", "hospitality": "hospitality", "social": "social-work", "legal": "law",
           "manufacturing": "engineering"}
EMPLOYERS = {  # sector: (weight, name templates); {f} a family name, {w} a word, {p} a place
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
WORDS = ("Maple", "Northstar", "Bluewater", "Cedar", "Harbour", "Beacon", "Summit", "Keystone", "Riverbend",
          "Granite", "Lighthouse", "Pioneer", "Orchard", "Falcon", "Silverline", "Meadow", "Alder", "Lakeside")
NEIGHBORHOOD_NAMES = (
    "Riverside", "Old Mill", "Harbourfront", "Cedar Heights", "Northgate", "Southfield", "Elm Park",
    "Foundry District", "Stone Bridge", "Market Square", "University Hill", "Lakeview", "Birchwood", "Westbrook",
    "Eastview", "Orchard Hill", "Kingsway", "Station Quarter", "Maple Grove", "Willow Bend", "Ashford", "Brookside",
    "Canal District", "Fairview", "Glenwood", "Highland Park", "Ironworks", "Juniper Flats", "Kettle Creek",
    "Lantern Row", "Meadowvale", "Northshore", "Oakridge", "Pinecrest", "Quarry Hill", "Rosedale", "Sunnyside",
    "Tannery Row", "Victoria Park", "Wharf End",
)
STREETS = ("Main Street", "King Street", "Queen Street", "Water Street", "Mill Road", "Church Street",
            "Park Avenue", "Elm Street", "Lakeshore Road", "Station Road", "Bridge Street", "Victoria Street",
            "Front Street", "George Street", "Market Street", "Garden Avenue")
#: kind: (chance per neighborhood, name template, operator key, hours choices, services)
INSTITUTIONS = {
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
SLOTS = tuple(f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
               for p in ("morning", "afternoon", "evening"))
GOALS = (("employment", 0.7), ("language", 0.5), ("housing", 0.35), ("social", 0.35), ("education", 0.25),
          ("health", 0.15), ("business", 0.1), ("civic", 0.1))
FAITH_PLACE = {"Muslim": "same mosque", "Jewish": "same synagogue", "Hindu": "same temple",
                "Buddhist": "same temple", "Sikh": "same gurdwara", "Druze": "same community hall"}
BRIDGE_NEAR = ("neighbors", "kids at the same school", "community centre", "same building")
BRIDGE_FAR = ("sports club", "volunteering", "friend of a friend", "mentorship program event")
#: ISO 639-3 macrolanguages of the individual languages above (Egyptian, Levantine and
#: Standard Arabic are Arabic; Dari is Persian): an ``arz`` speaker is served by an ``arb`` one.
MACROLANGUAGES = {"arz": "ara", "apc": "ara", "arb": "ara", "prs": "fas"}
#: How a planted newcomer comes to resemble their planted mentor (:func:`loaders.demo.generate`
#: with ``plant``): factor (named as in the scoring profile) -> chance it is applied.
PLANT_FACTORS = {"language": 0.6, "goals_occupation": 0.6, "interests": 0.65, "geography": 0.6, "social": 0.5,
                 "availability_capacity": 0.7}

#: Trust of a KNOWS tie by how it was drawn: (lowest trust, spread).
TRUST = {"cell": (0.55, 0.4), "community": (0.45, 0.45), "closure": (0.3, 0.4), "work": (0.3, 0.5),
          "bridge": (0.15, 0.5)}
#: ISCED levels that go with an ISCO-08 major group (drawn uniformly).
LEVELS_EDU = {"1": (6, 6, 7), "2": (6, 6, 7, 7, 8), "3": (4, 5, 5, 6), "4": (3, 4, 5), "5": (3, 3, 4),
               "7": (3, 3, 4), "8": (2, 3, 3), "9": (1, 2, 3)}
