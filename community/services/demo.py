"""Demo data for the HTG Community area: news items (two sent before the demo day, one draft to try changing and
sending) and documents (a specification and a schedule). Made only where there is no news and no document yet, so
running it twice adds nothing. The earlier sendings are history: their rows say to whom and how many, but they put
nothing in the outbox (nobody is e-mailed when the demo starts)."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from community.models import Document, NewsItem, NewsSending
from community.selectors.segments import Segment, segment_recipients
from community.services.documents import document_upload

# (title nl, title en, body nl, body en, sent on (None: a draft), segment)
DEMO_NEWS = (
    (
        "Plateau 3 is open voor de NVWA-berichten",
        "Plateau 3 is open for the NVWA messages",
        "Nu de NVWA zelf op HTG is aangesloten, kunt u ook uw NVWA-berichten laten migreren. "
        "Plan uw slot in het portaal.",
        "Now that NVWA itself is connected to HTG, you can migrate your NVWA messages too. Plan your slot in the "
        "portal.",
        datetime.date(2020, 4, 1),
        Segment.EVERYONE,
    ),
    (
        "Plan uw slot vóór 19 juni",
        "Plan your slot before 19 June",
        "De boekingsperiode van alle plateaus sluit op 19 juni 2020. Daarna is migreren vóór 30 juni niet meer zeker.",
        "The booking window of every plateau closes on 19 June 2020. After that, migrating before 30 June can no "
        "longer be guaranteed.",
        datetime.date(2020, 5, 4),
        Segment.NOT_LIVE,
    ),
    (
        "Digipoort stopt op 30 juni 2020",
        "Digipoort stops on 30 June 2020",
        "Na 30 juni 2020 verwerkt Digipoort geen berichten voor Handel en Transport meer.",
        "After 30 June 2020, Digipoort no longer processes Trade and Transport messages.",
        None,
        Segment.EVERYONE,
    ),
)
DEMO_SCHEDULE = (
    "plateau,message flows,booking window opens,booking window closes\r\n"
    "1,AGS CID EMCS NCTS,2020-02-03,2020-06-19\r\n"
    "2,SW,2020-03-02,2020-06-19\r\n"
    "3,NVWA,2020-04-01,2020-06-19\r\n"
)
DEMO_SPECIFICATION = (
    "HTG connection specification (demo)\n\n"
    "Channel: SMTP-MSA/POP3 with TLS 1.2 or later, or SMTP-MTA over an IPsec VPN.\n"
    "Every message carries the company's HTG number.\n"
)


@dataclass(frozen=True)
class CommunityDemoResult:
    news: int
    documents: int


@transaction.atomic
def community_demo_seed() -> CommunityDemoResult:
    """The demo's news and documents, unless the community area has either already."""
    if NewsItem.objects.exists() or Document.objects.exists():
        return CommunityDemoResult(news=0, documents=0)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for title_nl, title_en, body_nl, body_en, sent_on, segment in DEMO_NEWS:
        written = datetime.datetime.combine(sent_on or datetime.date(2020, 5, 14), datetime.time(9), tzinfo=zone)
        sent = datetime.datetime.combine(sent_on, datetime.time(10), tzinfo=zone) if sent_on else None
        item = NewsItem.objects.create(
            title_nl=title_nl,
            title_en=title_en,
            body_nl=body_nl,
            body_en=body_en,
            created_at=written,
            published_at=sent,
        )
        if sent is not None:
            total = segment_recipients(segment=segment, plateau=None, flow=None).count()
            NewsSending.objects.create(
                news_item=item,
                segment={"segment": segment, "plateau": None, "flow": None},
                status=NewsSending.Status.FINISHED,
                total=total,
                queued_count=total,
                started_at=sent,
                progressed_at=sent,
                finished_at=sent,
            )
    documents = (
        ("Specificatie HTG-aansluiting", "HTG connection specification", "specification", "htg-connection.txt",
         DEMO_SPECIFICATION, None),
        ("Planning van de plateaus", "Schedule of the plateaus", "schedule", "plateau-schedule.csv",
         DEMO_SCHEDULE, None),
    )  # fmt: skip
    for title_nl, title_en, kind, name, text, plateau in documents:
        document_upload(
            title_nl=title_nl,
            title_en=title_en,
            kind=kind,
            uploaded_file=SimpleUploadedFile(name, text.encode()),
            uploaded_by=None,
            plateau_number=plateau,
        )
    return CommunityDemoResult(news=len(DEMO_NEWS), documents=len(documents))
