"""Demo data: the word lists, and the company names, identifiers and addresses made from them."""

import random
import unicodedata
from collections.abc import Sequence
from functools import cache

from connections.models import Customer

EMAIL_DOMAIN = "demo.example"  # .example is reserved (RFC 2606): no demo e-mail can reach anyone

# (country, share, EORI digits, forms with weights, languages nl/en share)
COUNTRIES = (
    ("NL", 0.82, 9, (("B.V.", 80), ("V.O.F.", 7), ("N.V.", 3), ("Coöperatie U.A.", 2), ("Holding B.V.", 8)), 0.82),
    ("BE", 0.07, 10, (("BV", 50), ("NV", 30), ("SA", 12), ("SRL", 8)), 0.5),
    ("DE", 0.07, 12, (("GmbH", 60), ("GmbH & Co. KG", 30), ("AG", 10)), 0.0),
    ("FR", 0.015, 14, (("SAS", 60), ("SARL", 40)), 0.0),
    ("GB", 0.015, 12, (("Ltd", 100),), 0.0),
    ("PL", 0.005, 10, (("Sp. z o.o.", 100),), 0.0),
    ("LU", 0.005, 8, (("S.A.", 70), ("S.à r.l.", 30)), 0.0),
)
SURNAMES = {
    "NL": "de Vries|Jansen|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|"
    "van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|"
    "Vermeulen|van den Berg|van der Heijden|Schouten|van Beek|Willems|van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|"
    "Koster|van Dam|Prins|Blom|Huisman|Peeters|de Jong|van der Wal|Kuipers|Veenstra|Post|Kramer|Timmermans",
    "BE": "Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|De Smet|Dubois|Lambert|Dupont|Hermans",
    "DE": "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Hoffmann|Schulz|Koch|Richter|Klein|Wolf",
    "FR": "Martin|Bernard|Dubois|Lefebvre|Moreau|Laurent|Girard|Roux",
    "GB": "Smith|Jones|Taylor|Brown|Williams|Wilson|Evans|Walker",
    "PL": "Nowak|Kowalski|Wiśniewski|Wójcik|Kamiński",
    "LU": "Schmit|Muller|Weber|Hoffmann|Wagner",
}
FIRST_NAMES = {
    "NL": "Jan|Pieter|Kees|Sanne|Anouk|Lotte|Bram|Daan|Femke|Marieke|Joost|Ruud|Ingrid|Esther|Wouter|Sven|Linda|"
    "Mark|Ilse|Thijs|Noor|Emma|Lucas|Jeroen|Annelies|Hanneke|Gert|Willem|Sophie|Maarten",
    "BE": "Luc|An|Els|Koen|Sofie|Tom|Pierre|Marie|Bart|Nathalie",
    "DE": "Thomas|Andrea|Stefan|Sabine|Jürgen|Claudia|Michael|Katrin|Jens|Anke",
    "FR": "Jean|Claire|Nicolas|Isabelle|Julien|Camille",
    "GB": "James|Emily|Oliver|Sarah|David|Laura",
    "PL": "Piotr|Anna|Tomasz|Katarzyna",
    "LU": "Luc|Anne|Marc|Claude",
}
PLACES = {
    "NL": "Rotterdam|Venlo|Tilburg|Schiphol|Moerdijk|Amsterdam|Born|Waalwijk|Veghel|Zwolle|Groningen|Vlissingen|"
    "Delfzijl|Eindhoven|Breda|Aalsmeer|Westland|Nijmegen|Utrecht|Roosendaal|Maasvlakte|Botlek|Hengelo|Almere",
    "BE": "Antwerpen|Gent|Zeebrugge|Liège|Brussel|Genk",
    "DE": "Duisburg|Hamburg|Bremen|Köln|Düsseldorf|Emmerich|Kleve|Aachen",
    "FR": "Lille|Le Havre|Dunkerque|Paris",
    "GB": "Felixstowe|Harwich|Hull|London",
    "PL": "Poznań|Gdańsk|Łódź",
    "LU": "Luxembourg|Bettembourg",
}
SECTORS = {
    "NL": "Transport|Logistiek|Expeditie|Shipping|Cargo|Forwarding|Handelsmaatschappij|Import & Export|Agri|"
    "Bloemen|Food|Chemie|Trading|Freight|Warehousing|Koeltransport|Air Cargo|Zeevracht|Groothandel|Distributie",
    "BE": "Transport|Logistics|Shipping|Trading|Expeditie",
    "DE": "Spedition|Logistik|Transporte|Handelsgesellschaft|Lagerhaus|Zollagentur",
    "FR": "Transports|Logistique|Négoce",
    "GB": "Freight|Logistics|Shipping|Trading",
    "PL": "Transport|Logistyka|Spedycja",
    "LU": "Logistics|Cargo|Trading",
}
BRAND_HEADS = "Ned|Hol|Euro|Trans|Mar|Rhe|Delta|Maas|Schelde|Noord|Zuid|Oost|West|Inter|Flora|Agri|Port|Rijn|Polder"
BRAND_TAILS = "cargo|log|trans|port|freight|flow|ship|way|link|trade|lane|gate"
HUB_WORDS = "Customs Services|Douaneservice|EDI Hub|Forwarding & Customs|Douane-expediteurs|Customs Brokers"
SOFTWARE_WORDS = "Software|Systems|Customs Solutions|ICT|Informatica|EDI Solutions"
AREA_CODES = {"NL": ("10", "20", "30", "40", "50", "70", "76", "77", "13", "118", "297", "6"), "BE": ("3", "9", "2")}
PHONE_COUNTRY = {"NL": "+31", "BE": "+32", "DE": "+49", "FR": "+33", "GB": "+44", "PL": "+48", "LU": "+352"}
VPN_PREFIXES = ("192.0.2.", "198.51.100.")  # documentation ranges (RFC 5737): never a real peer
VPN_DETAILS = "IKEv2, AES-256-GCM, SHA-384, DH group 20; tunnel to the HTG gateway"


@cache
def words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def name_slug(text: str) -> str:
    return "-".join(part for part in "".join(c if c.isalnum() else " " for c in ascii_lower(text)).split())


def weighted_choice(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def company_name(rng: random.Random, country: str, role: str) -> str:
    """A company name without its legal form, built the way such names usually are."""
    family, place = rng.choice(words(SURNAMES[country])), rng.choice(words(PLACES[country]))
    surname = family[0].upper() + family[1:]  # "van Dijk", but "Van Dijk Transport"
    sector = rng.choice(words(SECTORS[country]))
    tail = rng.choice([word for word in words(BRAND_TAILS) if word not in sector.lower()])
    brand = rng.choice(words(BRAND_HEADS)) + tail
    if role == Customer.Role.HUB:
        return f"{rng.choice((brand, place, surname))} {rng.choice(words(HUB_WORDS))}"
    if role == Customer.Role.SOFTWARE_SUPPLIER:
        return f"{rng.choice((brand, surname))} {rng.choice(words(SOFTWARE_WORDS))}"
    pattern = rng.random()
    if pattern < 0.3:
        return f"{surname} {sector}" + (f" {place}" if rng.random() < 0.5 else "")
    if pattern < 0.45:
        initial = rng.choice(words(FIRST_NAMES[country]))[0]
        return f"{initial}. {family} {sector}"
    if pattern < 0.6:
        return f"{place} {sector}"
    if pattern < 0.72:
        return f"{surname} & {rng.choice(words(SURNAMES[country]))}"
    return f"{brand} {sector}" + (f" {place}" if rng.random() < 0.5 else "")


def unique_number(rng: random.Random, digits: int, taken: set[int]) -> int:
    while True:
        number = rng.randrange(10 ** (digits - 1), 10**digits)
        if number not in taken:
            taken.add(number)
            return number
