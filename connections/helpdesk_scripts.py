"""What the helpdesk tells a caller, per connection state: the company's next step, Customs' next step, a script.

Plain lazy translations, so the helpdesk reads them in its own language (Dutch or English).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from connections.models import ConnectionState

S = ConnectionState


@dataclass(frozen=True)
class StepGuide:
    company_next: Promise
    customs_next: Promise
    script: Promise


STEP_GUIDES: dict[str, StepGuide] = {
    S.PLANNED: StepGuide(
        _("Nothing yet: wait for the invitation e-mail."),
        _("Invites the company when its message flow opens for migration."),
        _(
            "Your migration is planned. You will receive an invitation by e-mail; there is nothing you need to do "
            "before then."
        ),
    ),
    S.INVITED: StepGuide(
        _("Fill in the intake form from the invitation e-mail."),
        _("Waits for the intake form; sends reminders when it is late."),
        _(
            "You have been invited. Please fill in the intake form using the link in the invitation e-mail; "
            "we can resend it to the contact on file."
        ),
    ),
    S.AWAITING_TLS: StepGuide(
        _(
            "Have your mail software upgraded to TLS 1.2 or later, then confirm it on the connection's page in the "
            "portal."
        ),
        _("Waits until the company confirms TLS 1.2, then offers a time slot."),
        _(
            "We have your intake form, but HTG accepts only TLS 1.2 or later. Once your mail software uses it, "
            "please confirm it in the portal; the connection team then offers you a time slot."
        ),
    ),
    S.INTAKE_RECEIVED: StepGuide(
        _("Nothing: wait for the offer of a time slot."),
        _("Offers a one-hour slot with the connection team."),
        _("We have your intake form. The connection team will offer you a time slot by e-mail shortly."),
    ),
    S.SLOT_OFFERED: StepGuide(
        _("Book one of the offered slots in the portal."),
        _("Waits for the booking; sends reminders when it is late."),
        _(
            "A time slot has been offered. Please book one in the portal before the due date; if none of the "
            "times suit you, I can ask the team to call you back."
        ),
    ),
    S.SLOT_BOOKED: StepGuide(
        _("Be available at the booked slot."),
        _("Holds the session and sends the technical connection data."),
        _("Your slot is booked. The connection team will contact you at that time; please keep it free."),
    ),
    S.TECHNICAL_DATA_SENT: StepGuide(
        _("Configure the connection with the technical data received."),
        _("Starts testing in the Business Test Environment."),
        _(
            "The technical data has been sent to you. Please configure your connection; the team will start the "
            "test in the Business Test Environment."
        ),
    ),
    S.TESTING: StepGuide(
        _("Send test messages in the Business Test Environment, then confirm in the portal that you sent them."),
        _("Checks the test messages and passes the test."),
        _(
            "You are testing in the Business Test Environment. Please send your test messages before the due date; "
            "for technical problems I can ask the team to call you back."
        ),
    ),
    S.TEST_PASSED: StepGuide(
        _("Confirm in the portal that you are ready for production, then wait for the go-live date."),
        _("Switches the connection to production on HTG."),
        _("Your test has passed. The team will switch you to production on HTG and let you know when."),
    ),
    S.LIVE: StepGuide(
        _("Send all messages through HTG."),
        _("Closes the Digipoort route."),
        _("You are live on HTG. Please send all messages through HTG; the old Digipoort route will be closed."),
    ),
    S.DIGIPOORT_CLOSED: StepGuide(
        _("Nothing: the migration is complete."),
        _("Nothing: the migration is complete."),
        _("Your migration is complete. For a problem after the migration I will log it and ask the team to help."),
    ),
    S.ON_HOLD: StepGuide(
        _("Nothing until the team resumes the migration."),
        _("Resumes the migration when the reason for the hold is resolved."),
        _("Your migration is on hold for now. The connection team will contact you when it resumes."),
    ),
    S.WITHDRAWN: StepGuide(
        _("Nothing: this message flow is no longer used."),
        _("Nothing: this message flow is no longer used."),
        _("This message flow has been withdrawn from the migration because it is no longer used."),
    ),
    S.MISSED: StepGuide(
        _("Contact the connection team as soon as possible."),
        _("The core team approaches the company directly."),
        _("The deadline passed before this connection went live. I will ask the team to call you back urgently."),
    ),
}


def step_guide(state: str) -> StepGuide:
    return STEP_GUIDES[state]
