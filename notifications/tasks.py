from jobs.idempotency import idempotent_task

from .services import notifications_deliver, notifications_digest_send


@idempotent_task(name="notifications.deliver")
def deliver(*, kind: str, subject_id: int) -> None:
    """Create the notifications of one cause (see ``services.notify``)."""
    notifications_deliver(kind=kind, subject_id=subject_id)


@idempotent_task(name="notifications.send_digests")
def send_digests() -> None:
    """The daily e-mail digests (``services.notifications_digest_send``); queued once a day through the outbox."""
    notifications_digest_send()
