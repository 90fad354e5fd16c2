"""The programme's own settings (the HTG_* knobs and the outbox's SMTP details): part of base.py, which imports them
all, kept here so that base.py stays about Django and its libraries. Each is read from the environment with a safe
local default; production differs only by environment."""

import datetime
import os

from htg_migration.settings.environment import env_bool, env_list

# Pins the programme's date (htg_migration/clock.py), e.g. 2020-05-15 for the demo of the 2020 programme; empty: real.
HTG_CLOCK_DATE = datetime.date.fromisoformat(os.environ["HTG_CLOCK_DATE"]) if os.environ.get("HTG_CLOCK_DATE") else None

# Business days a company has for each step that waits on it (Dutch public holidays excluded), before reminders.
HTG_DUE_BUSINESS_DAYS = {
    "invited": int(os.environ.get("HTG_DUE_DAYS_INVITED", "10")),
    "slot_offered": int(os.environ.get("HTG_DUE_DAYS_SLOT_OFFERED", "5")),
    "testing": int(os.environ.get("HTG_DUE_DAYS_TESTING", "10")),
}

# The reminder ladder (connections/services/ladder.py): past due, a reminder; past due again, a second reminder;
# then an escalation to the core team. Each reminder gives HTG_REMINDER_BUSINESS_DAYS more. Within
# HTG_LADDER_STEEP_WEEKS of the programme deadline the steps and the rungs are shorter (the STEEP values).
HTG_REMINDER_BUSINESS_DAYS = int(os.environ.get("HTG_REMINDER_BUSINESS_DAYS", "3"))
HTG_LADDER_STEEP_WEEKS = int(os.environ.get("HTG_LADDER_STEEP_WEEKS", "4"))
HTG_LADDER_STEEP_REMINDER_BUSINESS_DAYS = int(os.environ.get("HTG_LADDER_STEEP_REMINDER_BUSINESS_DAYS", "1"))
HTG_LADDER_STEEP_DUE_BUSINESS_DAYS = {
    "invited": int(os.environ.get("HTG_STEEP_DUE_DAYS_INVITED", "5")),
    "slot_offered": int(os.environ.get("HTG_STEEP_DUE_DAYS_SLOT_OFFERED", "3")),
    "testing": int(os.environ.get("HTG_STEEP_DUE_DAYS_TESTING", "5")),
}
# Where escalations go: the core team's shared mailbox.
HTG_CORE_TEAM_EMAIL = os.environ.get("HTG_CORE_TEAM_EMAIL", "kernteam-htg@example.org")
HTG_CORE_TEAM_LANGUAGE = os.environ.get("HTG_CORE_TEAM_LANGUAGE", "nl")
# Where the team's workspace is (links in e-mails to the team, such as the escalation queue).
HTG_TEAM_URL = os.environ.get("HTG_TEAM_URL", "http://127.0.0.1:8000/")
# The language of e-mails to team members (the daily digest of their due items): nl or en.
HTG_TEAM_LANGUAGE = os.environ.get("HTG_TEAM_LANGUAGE", "nl")

# Callback requests: the service level in helpdesk hours (working days 07:00-17:00 Europe/Amsterdam, Dutch public
# holidays excluded) by urgency; a request still open after it is escalated.
HTG_CALLBACK_SLA_HOURS = {
    "urgent": float(os.environ.get("HTG_CALLBACK_SLA_HOURS_URGENT", "4")),
    "normal": float(os.environ.get("HTG_CALLBACK_SLA_HOURS_NORMAL", "16")),
}

# Where companies find the portal (links in e-mails), and the HTG endpoints the technical-data e-mail names.
HTG_PORTAL_URL = os.environ.get("HTG_PORTAL_URL", "http://127.0.0.1:8000/portal/")
HTG_TECHNICAL_DETAILS_MSA = os.environ.get(
    "HTG_TECHNICAL_DETAILS_MSA", "SMTP-MSA smtp.bte.htg.example:587 (STARTTLS), POP3 pop3.bte.htg.example:995 (TLS)"
)
HTG_TECHNICAL_DETAILS_MTA = os.environ.get(
    "HTG_TECHNICAL_DETAILS_MTA", "IPsec peer %(peer)s to vpn.bte.htg.example; SMTP-MTA mx.bte.htg.example:25"
)

# The programme dashboard (reporting/selectors/, plateaus/planning.py): one-hour slots a team member runs
# per working day; working days a connection typically needs per remaining step (its risk of missing the deadline);
# the working days over which the recent go-live rate is measured; from how many clients a hub is a risk of its own;
# how many risky connections the dashboard lists.
HTG_SLOTS_PER_MEMBER_PER_DAY = int(os.environ.get("HTG_SLOTS_PER_MEMBER_PER_DAY", "6"))
HTG_WORKING_DAYS_PER_STEP = int(os.environ.get("HTG_WORKING_DAYS_PER_STEP", "4"))
HTG_RATE_WINDOW_WORKING_DAYS = int(os.environ.get("HTG_RATE_WINDOW_WORKING_DAYS", "10"))
HTG_HUB_MANY_CLIENTS = int(os.environ.get("HTG_HUB_MANY_CLIENTS", "10"))
HTG_DASHBOARD_RISKS_SHOWN = int(os.environ.get("HTG_DASHBOARD_RISKS_SHOWN", "25"))
# The language of the weekly report for the ministry (PDF and XLSX, every Monday at 06:00): nl or en.
HTG_REPORT_LANGUAGE = os.environ.get("HTG_REPORT_LANGUAGE", "nl")

# The largest intake draft a company may save (portal/services/intake/), as UTF-8 JSON. The intake's forms allow
# about 130 kB at most (every field full, in four-byte characters); nobody types that much.
HTG_INTAKE_DRAFT_MAX_BYTES = int(os.environ.get("HTG_INTAKE_DRAFT_MAX_BYTES", str(256_000)))

# HTG numbers: "HTG-" + 7-digit serial + "-" + Luhn check digit (docs/architecture.md).
HTG_NUMBER_PREFIX = os.environ.get("HTG_NUMBER_PREFIX", "HTG")

# The largest registration list an upload may be (docs/import-format.md); 100,000 rows as CSV are about 20 MB.
HTG_IMPORT_MAX_BYTES = int(os.environ.get("HTG_IMPORT_MAX_BYTES", str(50_000_000)))
# The largest specification or schedule the team may publish in the HTG Community area.
HTG_DOCUMENT_MAX_BYTES = int(os.environ.get("HTG_DOCUMENT_MAX_BYTES", str(20_000_000)))
# The most an uploaded XLSX or DOCX file may unpack to (htg_migration/uploads.py: a "zip bomb" is refused unopened).
# A registration list of 100,000 companies unpacks to about 100 MB of XML.
HTG_UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("HTG_UPLOAD_MAX_UNPACKED_BYTES", str(200_000_000)))

# /readyz calls the worker or the scheduler stale when its last heartbeat (every 30 s) is older than this.
HTG_HEARTBEAT_STALE_SECONDS = int(os.environ.get("HTG_HEARTBEAT_STALE_SECONDS", "120"))

# The e-mail outbox (notifications/): a private CA for the SMTP server's certificate (empty: the system's CAs),
# how long one SMTP conversation may take, and how often a temporary failure is retried with doubling waits.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_SSL_CAFILE = os.environ.get("EMAIL_SSL_CAFILE", "")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The wait for the server's answer to the end of a message (RFC 5321 4.5.3.2.6: 10 minutes). No answer by then makes
# the row "unknown", sent again later with the same Message-ID (notifications.backends.SmtpEmailBackend).
HTG_SMTP_DATA_TIMEOUT = int(os.environ.get("HTG_SMTP_DATA_TIMEOUT", "600"))
# A sent mark that fails (the database restarting) is retried on a fresh connection, with doubling waits, for up to
# HTG_EMAIL_MARK_RETRY_SECONDS before the sending task ends.
HTG_EMAIL_MARK_RETRY_SECONDS = int(os.environ.get("HTG_EMAIL_MARK_RETRY_SECONDS", "900"))
HTG_EMAIL_MAX_ATTEMPTS = int(os.environ.get("HTG_EMAIL_MAX_ATTEMPTS", "8"))
HTG_EMAIL_RETRY_BASE_SECONDS = int(os.environ.get("HTG_EMAIL_RETRY_BASE_SECONDS", "60"))
HTG_EMAIL_RETRY_MAX_SECONDS = int(os.environ.get("HTG_EMAIL_RETRY_MAX_SECONDS", str(6 * 3600)))

# The reverse proxies in front of the app (IP addresses or networks, comma-separated, e.g. "10.0.0.5,172.18.0.0/16").
# X-Forwarded-For is read only from these (htg_migration/client_ip.py); empty: the peer address is the client's.
HTG_TRUSTED_PROXIES = env_list("HTG_TRUSTED_PROXIES", "")

# The companies' portal: a sign-in link works once, for HTG_PORTAL_LINK_MINUTES; within a window of
# HTG_PORTAL_LINK_WINDOW_MINUTES an address gets at most HTG_PORTAL_LINKS_PER_ADDRESS links and one IP address may
# ask for at most HTG_PORTAL_LINKS_PER_IP (counted from the database, so it holds across web processes).
HTG_PORTAL_LINK_MINUTES = int(os.environ.get("HTG_PORTAL_LINK_MINUTES", "10"))
HTG_PORTAL_LINK_WINDOW_MINUTES = int(os.environ.get("HTG_PORTAL_LINK_WINDOW_MINUTES", "60"))
HTG_PORTAL_LINKS_PER_ADDRESS = int(os.environ.get("HTG_PORTAL_LINKS_PER_ADDRESS", "5"))
HTG_PORTAL_LINKS_PER_IP = int(os.environ.get("HTG_PORTAL_LINKS_PER_IP", "30"))
# Sign-in link rows (who asked, from where, used or not) are kept this long for questions, then purged daily.
HTG_PORTAL_LINK_KEEP_DAYS = int(os.environ.get("HTG_PORTAL_LINK_KEEP_DAYS", "90"))

# Retention (htg_migration/retention.py, nightly and `manage.py retention_run [--dry-run]`): the contact details of
# companies whose connections are all closed go HTG_CONTACT_RETENTION_DAYS after the last programme deadline;
# intake drafts, raw bounce messages and uploaded import files after their own number of days.
HTG_CONTACT_RETENTION_DAYS = int(os.environ.get("HTG_CONTACT_RETENTION_DAYS", "365"))
HTG_INTAKE_DRAFT_KEEP_DAYS = int(os.environ.get("HTG_INTAKE_DRAFT_KEEP_DAYS", "90"))
HTG_BOUNCE_RAW_KEEP_DAYS = int(os.environ.get("HTG_BOUNCE_RAW_KEEP_DAYS", "90"))
HTG_IMPORT_FILE_KEEP_DAYS = int(os.environ.get("HTG_IMPORT_FILE_KEEP_DAYS", "90"))
# Sending in batches: e-mails per task (HTG_EMAIL_BATCH) and rows a sender claims at once (HTG_EMAIL_CLAIM_BATCH).
HTG_EMAIL_BATCH = int(os.environ.get("HTG_EMAIL_BATCH", "200"))
HTG_EMAIL_CLAIM_BATCH = int(os.environ.get("HTG_EMAIL_CLAIM_BATCH", "100"))
# Bounces: a Maildir the every-minute bounces-receive job reads (empty: off; the MTA pipes bounces to
# `manage.py email_bounces_receive` instead). The worker that runs the job must see this path.
HTG_BOUNCE_MAILDIR = os.environ.get("HTG_BOUNCE_MAILDIR", "")

# Message traffic (traffic/, docs/traffic-format.md): the folder the gateways' daily files are dropped in (scanned
# every minute; empty: off); the largest file accepted; business days without Digipoort traffic after "live" before
# "Digipoort closed" is proposed; whether the first production message on HTG makes a connection live by itself.
HTG_TRAFFIC_INBOX = os.environ.get("HTG_TRAFFIC_INBOX", "")
HTG_TRAFFIC_MAX_BYTES = int(os.environ.get("HTG_TRAFFIC_MAX_BYTES", str(150_000_000)))
HTG_TRAFFIC_CLOSED_AFTER_DAYS = int(os.environ.get("HTG_TRAFFIC_CLOSED_AFTER_DAYS", "10"))
HTG_TRAFFIC_AUTO_LIVE = env_bool("HTG_TRAFFIC_AUTO_LIVE", False)
