"""The step e-mails of the connection process, in Dutch and English (editable in the admin afterwards).

Context values are strings formatted by the caller in the contact's language (dates included); the HTML body is
built from the text here, paragraph by paragraph, and autoescaped when rendered.
"""

from django.db import migrations

COMMON_NL = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld Logistiek B.V.",
    "flow_name": "NCTS",
    "htg_number": "HTG-0000042-2",
    "portal_url": "https://migratie-htg.example.org/portaal/",
}
COMMON_EN = {**COMMON_NL, "contact_name": "Jane Smith", "company_name": "Example Logistics Ltd"}

SIGNATURE_NL = "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane"
SIGNATURE_EN = "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs"

TEMPLATES = {
    "connection.invited": {
        "nl": (
            "Uitnodiging: migratie {{ flow_name }} van Digipoort naar HTG",
            "Beste {{ contact_name }},\n\n"
            "Digipoort Handel & Transport stopt. {{ company_name }} moet haar berichtenstroom {{ flow_name }} "
            "uiterlijk 30 juni 2020 via de Handel & Transport Gateway (HTG) versturen.\n\n"
            "Vul vóór {{ due_date }} het intakeformulier in: {{ intake_url }}\n\n"
            "Na de intake ontvangt u uw HTG-nummer en een uitnodiging om een afspraak met het aansluitteam te maken.",
            {"intake_url": "https://migratie-htg.example.org/intake/abc123/", "due_date": "15 mei 2020"},
        ),
        "en": (
            "Invitation: moving {{ flow_name }} from Digipoort to HTG",
            "Dear {{ contact_name }},\n\n"
            "Digipoort Trade & Transport is closing. {{ company_name }} must send its {{ flow_name }} messages "
            "through the Trade and Transport Gateway (HTG) by 30 June 2020.\n\n"
            "Please fill in the intake form before {{ due_date }}: {{ intake_url }}\n\n"
            "After the intake you receive your HTG number and an invitation to book a session with the connection team.",
            {"intake_url": "https://migratie-htg.example.org/intake/abc123/", "due_date": "15 May 2020"},
        ),
    },
    "connection.slot_offered": {
        "nl": (
            "Plan uw aansluitafspraak voor {{ flow_name }}",
            "Beste {{ contact_name }},\n\n"
            "Bedankt voor de intake. Uw HTG-nummer is {{ htg_number }}.\n\n"
            "Kies een afspraak van een uur met het aansluitteam tussen {{ window_start }} en {{ window_end }}: "
            "{{ booking_url }}\n\n"
            "Kies uiterlijk {{ due_date }} een moment.",
            {
                "window_start": "18 mei 2020",
                "window_end": "29 mei 2020",
                "booking_url": "https://migratie-htg.example.org/portaal/afspraak/",
                "due_date": "22 mei 2020",
            },
        ),
        "en": (
            "Book your connection session for {{ flow_name }}",
            "Dear {{ contact_name }},\n\n"
            "Thank you for the intake. Your HTG number is {{ htg_number }}.\n\n"
            "Book a one-hour session with the connection team between {{ window_start }} and {{ window_end }}: "
            "{{ booking_url }}\n\n"
            "Please choose a time by {{ due_date }}.",
            {
                "window_start": "18 May 2020",
                "window_end": "29 May 2020",
                "booking_url": "https://migratie-htg.example.org/portal/slot/",
                "due_date": "22 May 2020",
            },
        ),
    },
    "connection.slot_booked": {
        "nl": (
            "Bevestiging: aansluitafspraak {{ slot_start }}",
            "Beste {{ contact_name }},\n\n"
            "Uw afspraak met het aansluitteam voor {{ flow_name }} staat vast: {{ slot_start }} tot {{ slot_end }}.\n\n"
            "Verzetten kan via het portaal: {{ portal_url }}",
            {"slot_start": "dinsdag 19 mei 2020 10:00", "slot_end": "11:00"},
        ),
        "en": (
            "Confirmed: connection session on {{ slot_start }}",
            "Dear {{ contact_name }},\n\n"
            "Your session with the connection team for {{ flow_name }} is booked: {{ slot_start }} to {{ slot_end }}.\n\n"
            "You can reschedule in the portal: {{ portal_url }}",
            {"slot_start": "Tuesday 19 May 2020 10:00", "slot_end": "11:00"},
        ),
    },
    "connection.technical_data_sent": {
        "nl": (
            "Technische gegevens voor uw HTG-aansluiting ({{ flow_name }})",
            "Beste {{ contact_name }},\n\n"
            "Hierbij de technische gegevens voor de aansluiting van {{ company_name }} ({{ htg_number }}) op HTG.\n\n"
            '{% if channel == "smtp_mta_ipsec" %}Kanaal: SMTP-MTA via een IPsec-VPN. Het VPN-profiel en de '
            "adressen van de mailservers: {{ technical_details }}"
            "{% else %}Kanaal: SMTP-MSA voor verzenden en POP3 voor ontvangen, beide alleen met TLS 1.2 of hoger; "
            "oudere versies en onversleutelde verbindingen worden geweigerd. Servers en poorten: {{ technical_details }}"
            "{% endif %}\n\n"
            "Gebruik deze gegevens eerst in de Business Test Omgeving (BTO); u hoort van ons wanneer u kunt testen.",
            {"channel": "smtp_msa_pop3", "technical_details": "smtp.bto.example.org:587, pop3.bto.example.org:995"},
        ),
        "en": (
            "Technical data for your HTG connection ({{ flow_name }})",
            "Dear {{ contact_name }},\n\n"
            "Here is the technical data to connect {{ company_name }} ({{ htg_number }}) to HTG.\n\n"
            '{% if channel == "smtp_mta_ipsec" %}Channel: SMTP-MTA over an IPsec VPN. The VPN profile and the '
            "addresses of the mail servers: {{ technical_details }}"
            "{% else %}Channel: SMTP-MSA for sending and POP3 for receiving, both only with TLS 1.2 or later; older "
            "versions and unencrypted connections are refused. Servers and ports: {{ technical_details }}"
            "{% endif %}\n\n"
            "Use this data in the Business Test Environment (BTE) first; we will tell you when you can test.",
            {"channel": "smtp_msa_pop3", "technical_details": "smtp.bte.example.org:587, pop3.bte.example.org:995"},
        ),
    },
    "connection.testing": {
        "nl": (
            "Start van de testfase voor {{ flow_name }}",
            "Beste {{ contact_name }},\n\n"
            "Uw aansluiting staat klaar in de Business Test Omgeving (BTO). Stuur vóór {{ due_date }} de "
            "testberichten voor {{ flow_name }} met uw HTG-nummer {{ htg_number }} en controleer dat u de "
            "antwoordberichten ontvangt.\n\n"
            "Lukt het niet? Antwoord op deze e-mail; het aansluitteam helpt u.",
            {"due_date": "5 juni 2020"},
        ),
        "en": (
            "Your test phase for {{ flow_name }} starts",
            "Dear {{ contact_name }},\n\n"
            "Your connection is ready in the Business Test Environment (BTE). Before {{ due_date }}, send the test "
            "messages for {{ flow_name }} with your HTG number {{ htg_number }} and check that you receive the "
            "replies.\n\n"
            "Any trouble? Reply to this e-mail; the connection team will help.",
            {"due_date": "5 June 2020"},
        ),
    },
    "connection.live": {
        "nl": (
            "{{ flow_name }} is live op HTG",
            "Beste {{ contact_name }},\n\n"
            "Vanaf {{ live_date }} verstuurt {{ company_name }} {{ flow_name }} in productie via HTG. "
            "Gebruik vanaf nu alleen nog de HTG-aansluiting.\n\n"
            "Wij sluiten daarna uw route via Digipoort; daarover ontvangt u nog bericht.",
            {"live_date": "12 juni 2020"},
        ),
        "en": (
            "{{ flow_name }} is live on HTG",
            "Dear {{ contact_name }},\n\n"
            "From {{ live_date }}, {{ company_name }} sends {{ flow_name }} in production through HTG. "
            "From now on, use only the HTG connection.\n\n"
            "We will then close your route through Digipoort; you will hear from us about that.",
            {"live_date": "12 June 2020"},
        ),
    },
    "connection.digipoort_closed": {
        "nl": (
            "Digipoort-route voor {{ flow_name }} gesloten",
            "Beste {{ contact_name }},\n\n"
            "Op {{ closed_date }} hebben wij de route van {{ company_name }} voor {{ flow_name }} via Digipoort "
            "gesloten. Berichten via Digipoort worden niet meer verwerkt; uw migratie naar HTG is hiermee afgerond.",
            {"closed_date": "19 juni 2020"},
        ),
        "en": (
            "Digipoort route for {{ flow_name }} closed",
            "Dear {{ contact_name }},\n\n"
            "On {{ closed_date }} we closed the Digipoort route of {{ company_name }} for {{ flow_name }}. Messages "
            "sent through Digipoort are no longer processed; your move to HTG is complete.",
            {"closed_date": "19 June 2020"},
        ),
    },
}


def _html(text):
    paragraphs = text.split("\n\n")
    return "".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>\n" for paragraph in paragraphs)


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for key, languages in TEMPLATES.items():
        for language, (subject, body, example) in languages.items():
            signature = SIGNATURE_NL if language == "nl" else SIGNATURE_EN
            body_text = f"{body}\n\n{signature}\n"
            EmailTemplate.objects.update_or_create(
                key=key,
                language=language,
                defaults={
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": _html(body_text.strip()),
                    "example_context": {**(COMMON_NL if language == "nl" else COMMON_EN), **example},
                },
            )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox")]

    operations = [migrations.RunPython(load, unload)]
