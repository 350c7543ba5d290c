from jobs.idempotency import idempotent_task

from .services import notifications_deliver


@idempotent_task(name="notifications.deliver")
def deliver(*, kind: str, subject_id: int) -> None:
    """Create the notifications of one cause (see ``services.notify``)."""
    notifications_deliver(kind=kind, subject_id=subject_id)
