"""Talking back to the chat without ever failing the Proxmox work.

``Reporter`` wraps the context's ``Notifier``: a failed post or edit is logged and handed to
a small delivery job that tries again with backoff, so an outcome is never lost. A failure
that names a ``retry_after`` (a platform's rate limit) is tried again once that has passed,
never sooner, and does not count against ``delivery_cap``: a rate limit ends, and the
outcome must still arrive. Private
replies (passwords) are never queued: a secret must not reach job arguments in Redis; when
one cannot be delivered, the requester is told in the channel to ask again.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

from pydantic import SecretStr
from rq import Retry, get_current_job

from actions.base import NotDelivered, PrivateDelivery
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply, ReplyField, Tone
from jobs.context import WorkerContext, current
from jobs.queue import JobRequest

log = logging.getLogger(__name__)

DeliveryKind = Literal["post", "update"]
# A delivery the platform keeps rate-limiting is given up after this many waits.
RATE_LIMITED_CAP = 100


def public(text: str, *, tone: Tone = "info", fields: dict[str, str] | None = None) -> Reply:
    shown = tuple(ReplyField(label=k, value=v) for k, v in (fields or {}).items())
    return Reply(text=text, fields=shown, ephemeral=False, tone=tone)


class Reporter:
    def __init__(self, ctx: WorkerContext) -> None:
        self._ctx = ctx

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef | None:
        try:
            return self._ctx.notifier.post(target, reply)
        except Exception as exc:
            log.warning("posting to %s failed (%s); will retry", target.channel, _kind(exc))
            self._later({"kind": "post", "target": target.model_dump(mode="json")}, reply, exc)
            return None

    def update(
        self,
        target: ReplyTarget,
        ref: MessageRef | None,
        reply: Reply,
        *,
        then: tuple[ReplyTarget, Reply] | None = None,
    ) -> None:
        """Edit ``ref``; without one (its post failed) post the reply as a new message.
        ``then`` is posted once the edit is shown (a completion notice must not arrive
        before the card it announces says so), by the retry when the edit is retried."""
        if ref is None:
            self.post(target, reply)
            if then is not None:
                self.post(*then)
            return
        try:
            self._ctx.notifier.update(ref, reply)
        except Exception as exc:
            log.warning("editing message %s failed (%s); will retry", ref.id, _kind(exc))
            payload: dict[str, Any] = {
                "kind": "update",
                "target": target.model_dump(mode="json"),
                "ref": ref.model_dump(mode="json"),
            }
            if then is not None:
                payload["then"] = {
                    "target": then[0].model_dump(mode="json"),
                    "reply": then[1].model_dump(mode="json"),
                }
            self._later(payload, reply, exc)
            return
        if then is not None:
            self.post(*then)

    def private(self, target: ReplyTarget, reply: Reply) -> None:
        try:
            self._ctx.notifier.notify_private(target, reply)
        except Exception as exc:
            log.warning("private message to %s failed (%s)", target.requester, _kind(exc))
            self.post(
                target,
                public(
                    f"{target.requester}: I could not send you a private message; "
                    "run the command again to get a new one.",
                    tone="warning",
                ),
            )

    def _later(self, payload: dict[str, Any], reply: Reply, exc: Exception) -> None:
        payload = {**payload, "reply": reply.model_dump(mode="json"), "attempt": 1}
        delay = _delay_for(exc) or self._ctx.settings.delivery_intervals[0]
        try:
            self._ctx.enqueuer().delivery(payload, delay)
        except Exception:
            log.exception("could not queue a message delivery retry")


def private_to(ctx: WorkerContext, target: ReplyTarget) -> PrivateDelivery:
    """How an Action shows the requester a secret before it takes effect: straight to the
    notifier, never queued (a secret must not wait in Redis), and a failure is the Action's
    to act on (``NotDelivered``), not something to repair with a channel post."""

    def deliver(text: str, secret: SecretStr) -> None:
        reply = Reply(text=text, code=secret.get_secret_value() or None)
        try:
            ctx.notifier.notify_private(target, reply)
        except Exception as exc:
            log.warning("private message to %s failed (%s)", target.requester, _kind(exc))
            raise NotDelivered(_kind(exc)) from None

    return deliver


def deliver(payload: dict[str, Any]) -> dict[str, Any] | Retry:
    """Delivery job: try a failed post/edit again; back off while the chat is unavailable."""
    ctx = current()
    target = ReplyTarget.model_validate(payload["target"])
    reply = Reply.model_validate(payload["reply"])
    try:
        if payload["kind"] == "update":
            ctx.notifier.update(MessageRef.model_validate(payload["ref"]), reply)
        else:
            ctx.notifier.post(target, reply)
    except Exception as exc:
        return _failed_delivery(ctx, target, reply, exc)
    then = payload.get("then")
    if then:  # what waited for this edit (the completion notice), now that it is shown
        Reporter(ctx).post(
            ReplyTarget.model_validate(then["target"]), Reply.model_validate(then["reply"])
        )
    return {"delivered": payload["kind"]}


def _failed_delivery(
    ctx: WorkerContext, target: ReplyTarget, reply: Reply, exc: Exception
) -> dict[str, Any] | Retry:
    """Another try later, or (past the caps) the failure raised for RQ to record."""
    job = get_current_job()
    tries = (job.number_of_retries or 0) if job else 0
    waits = int(job.meta.get("rate_limited", 0)) if job else 0
    delay = _delay_for(exc)
    log.warning("delivery attempt %d failed (%s)", tries + 1, _kind(exc))
    if delay is not None and job is not None:
        job.meta["rate_limited"] = waits = waits + 1
        job.save_meta()  # type: ignore[no-untyped-call]
    failures = tries + 1 - waits  # the attempts that failed for another reason
    if failures >= ctx.settings.delivery_cap or waits > RATE_LIMITED_CAP:
        log.error("giving up delivering a message to %s: %s", target.channel, reply.text)
        raise exc
    intervals = [delay] if delay is not None else list(ctx.settings.delivery_intervals)
    # One more try each time: RQ fails a job once its retries reach ``max``.
    return Retry(max=tries + 1, interval=intervals)


def _delay_for(exc: BaseException) -> int | None:
    """Whole seconds to wait before trying again when the failure named a ``retry_after``
    (a platform's rate limit): RQ schedules in whole seconds and truncates, so one more
    second makes sure the next try comes after it, never before."""
    retry_after = getattr(exc, "retry_after", None)
    if not isinstance(retry_after, int | float) or retry_after <= 0:
        return None
    return math.ceil(retry_after) + 1


def _kind(exc: BaseException) -> str:
    # The type only: a notifier's exception text may carry a webhook URL or a token.
    return type(exc).__name__


def audit_job(
    ctx: WorkerContext, request: JobRequest, event: str, *, job_id: str | None = None, **fields: Any
) -> None:
    """One audit entry about this request's job: who asked, for which server, which kind."""
    if ctx.audit is None:
        return
    ctx.audit.record(
        event,
        actor=request.requested_by,
        vmid=request.vmid,
        command=request.kind,
        job_id=job_id,
        **fields,
    )
