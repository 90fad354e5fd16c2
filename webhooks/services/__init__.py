"""The event outbox's services: writing events (events), endpoints (endpoints), sending (sending)."""

from webhooks.services.events import EventDraft, event_record, events_record

__all__ = ["EventDraft", "event_record", "events_record"]
