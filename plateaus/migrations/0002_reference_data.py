"""The real programme: Digipoort Trade & Transport to HTG before 30 June 2020. Editable in the admin afterwards."""

import datetime

from django.db import migrations

D = datetime.date

PARTIES = [
    # code, abbreviation, name_nl, name_en, connected to HTG on
    ("customs", "Douane", "Douane", "Customs", D(2020, 1, 31)),
    ("ienw", "IenW", "Ministerie van Infrastructuur en Waterstaat", "Ministry of Infrastructure and Water Management",
     D(2020, 3, 2)),
    ("kmar", "KMar", "Koninklijke Marechaussee (grenscontrole)", "Royal Netherlands Marechaussee (Border Control)",
     D(2020, 3, 2)),
    ("nvwa", "NVWA", "Nederlandse Voedsel- en Warenautoriteit", "Netherlands Food and Consumer Product Safety Authority",
     D(2020, 4, 1)),
]

PLATEAUS = [
    # number, name_nl, name_en, planned start, actual start, production start, booking window, notes_nl, notes_en
    (1, "Plateau 1: Douaneberichten (AGS, CID, EMCS, NCTS)", "Plateau 1: Customs messages (AGS, CID, EMCS, NCTS)",
     D(2019, 12, 2), D(2020, 2, 3), None, (D(2020, 2, 3), D(2020, 6, 19)),
     "Gepland voor december 2019, gestart in februari 2020.", "Planned for December 2019, started in February 2020."),
    (2, "Plateau 2: Single Window Maritiem en Luchtvaart", "Plateau 2: Single Window for Maritime and Air",
     D(2020, 3, 2), D(2020, 3, 2), D(2020, 3, 30), (D(2020, 3, 2), D(2020, 6, 19)),
     "Gestart in maart 2020; productie eind maart.", "Started in March 2020; production from the end of March."),
    (3, "Plateau 3: NVWA", "Plateau 3: NVWA",
     D(2020, 4, 1), D(2020, 4, 1), None, (D(2020, 4, 1), D(2020, 6, 19)),
     "Gestart in april 2020, nadat de NVWA zelf op HTG was aangesloten.",
     "Started in April 2020, once NVWA itself was connected to HTG."),
]

FLOWS = [
    # code, plateau, name_nl, name_en, parties
    ("AGS", 1, "AGS (DMS): aangiftes invoer en uitvoer", "AGS (DMS): import and export declarations", ["customs"]),
    ("CID", 1, "CID", "CID", ["customs"]),
    ("EMCS", 1, "EMCS: accijnsgoederen", "EMCS: excise goods", ["customs"]),
    ("NCTS", 1, "NCTS: douanevervoer (transit)", "NCTS: transit", ["customs"]),
    ("SW", 2, "Single Window Maritiem en Luchtvaart (lading, personen aan boord, scheepsmeldingen)",
     "Single Window for Maritime and Air (cargo notices, persons on board, ship notices)",
     ["customs", "ienw", "kmar"]),
    ("NVWA", 3, "NVWA-berichten (veterinair, fytosanitair, visserij)",
     "NVWA messages (veterinary, phytosanitary, fishery)", ["nvwa"]),
]


def load(apps, schema_editor):
    Programme = apps.get_model("plateaus", "Programme")
    Plateau = apps.get_model("plateaus", "Plateau")
    MessageFlow = apps.get_model("plateaus", "MessageFlow")
    GovernmentParty = apps.get_model("plateaus", "GovernmentParty")

    programme = Programme.objects.create(
        code="digipoort-migration",
        name_nl="Programma Migratie Digipoort Handel en Transport",
        name_en="Digipoort Migration Program",
        deadline=D(2020, 6, 30),
        time_zone="Europe/Amsterdam",
    )
    parties = {}
    for code, abbreviation, name_nl, name_en, connected_on in PARTIES:
        parties[code] = GovernmentParty.objects.create(
            code=code,
            abbreviation=abbreviation,
            name_nl=name_nl,
            name_en=name_en,
            htg_status="connected",
            htg_connected_on=connected_on,
        )
    plateaus = {}
    for number, name_nl, name_en, planned, actual, production, window, notes_nl, notes_en in PLATEAUS:
        plateaus[number] = Plateau.objects.create(
            programme=programme,
            number=number,
            name_nl=name_nl,
            name_en=name_en,
            planned_start=planned,
            actual_start=actual,
            production_start=production,
            booking_window_start=window[0],
            booking_window_end=window[1],
            notes_nl=notes_nl,
            notes_en=notes_en,
        )
    for code, plateau_number, name_nl, name_en, party_codes in FLOWS:
        flow = MessageFlow.objects.create(code=code, plateau=plateaus[plateau_number], name_nl=name_nl, name_en=name_en)
        flow.parties.set([parties[party_code] for party_code in party_codes])


def unload(apps, schema_editor):
    apps.get_model("plateaus", "MessageFlow").objects.filter(code__in=[flow[0] for flow in FLOWS]).delete()
    apps.get_model("plateaus", "Plateau").objects.filter(programme__code="digipoort-migration").delete()
    apps.get_model("plateaus", "Programme").objects.filter(code="digipoort-migration").delete()
    apps.get_model("plateaus", "GovernmentParty").objects.filter(code__in=[party[0] for party in PARTIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("plateaus", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
