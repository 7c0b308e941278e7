"""The request's one card: posted once when its chain starts, edited at every later state,
so a customer follows a resize on a single message instead of a post per step.

The card names the operation and the server in words, who asked, where the chain is
("growing the disk (3 of 4)", a progress bar for long tasks), the Proxmox task id once there
is one, and the outcome with its duration and what the person must still do. When the chain
ends, one short notice in the card's thread mentions the requester, so they are notified.

Edits closer than ``MIN_EDIT_INTERVAL`` apart are skipped when the next one shows a newer
state at once; a state the chain waits in (a task running, a retry's backoff) never is, nor
the final state: it goes through the reporter, which retries a failed delivery.
"""

from __future__ import annotations

import logging
from typing import Any

from actions.base import Action
from bot.ports.invocation import shown_person
from bot.ports.notify import CARD_EDIT_INTERVAL, ReplyTarget
from bot.ports.reply import Button, Reply, ReplyField, Tone
from jobs.chain.report import Reporter
from jobs.chain.wording import duration
from jobs.context import WorkerContext
from jobs.kinds import KINDS, heading
from jobs.state.cards import CardRecords
from jobs.state.chains import ChainState, StepState

log = logging.getLogger(__name__)
MIN_EDIT_INTERVAL = CARD_EDIT_INTERVAL  # the platforms rate-limit edits of one message
_BAR_CELLS = 10
# Steps that only check and read before anything is changed: the card does not list them.
_CHECKS = frozenset({"prepare", "allocate"})
REBOOT_NOTE = "takes effect after a reboot"


def show(
    ctx: WorkerContext,
    state: ChainState,
    *,
    progress: float | None = None,
    final: bool = False,
    exit_status: str | None = None,
    reveal: bool = True,
    announce: bool = False,
) -> ChainState:
    """Bring the card up to date (post it the first time); returns the state that records it.
    ``reveal`` False: an ownership refusal, which names the server by its number only.
    ``announce`` (with ``final``): then the one completion notice, once the card shows it."""
    now = ctx.clock.now()
    if not _has_card(state) or (not final and _too_soon(state, progress, now)):
        return state
    adopted = _with_bots_card(ctx, state, final=final)
    if adopted is None:
        return state  # the bot's post of this card is in flight: the next state shows
    reply = render(ctx, adopted, progress=progress, exit_status=exit_status, now=now, reveal=reveal)
    if final:
        return _show_final(ctx, adopted, reply, now, announce=announce, reveal=reveal)
    return _show_progress(ctx, adopted, reply, now)


def _with_bots_card(ctx: WorkerContext, state: ChainState, *, final: bool) -> ChainState | None:
    """A card the bot posted before the job existed (a request that waited for approval)
    becomes this chain's card. None: the bot's post is still in flight (the final state
    does not wait for it: it posts a card of its own)."""
    if state.card is not None:
        return state
    record = CardRecords(ctx.redis, prefix=ctx.prefix).get(state.request.inbound_id)
    if record is not None and record.ref is not None:
        return ctx.chains().save(state.model_copy(update={"card": record.ref}))
    return None if record is not None and not final else state


def _show_progress(ctx: WorkerContext, state: ChainState, reply: Reply, now: float) -> ChainState:
    if state.card is None:
        ref = _try_post(ctx, state, reply)
        if ref is None:
            return state  # not shown yet: the next state change posts it
        return ctx.chains().save(state.model_copy(update={"card": ref, "card_shown": now}))
    try:
        ctx.notifier.update(state.card, reply)
    except Exception as exc:  # a missed edit is caught up by the next one
        log.warning("editing the card of %s failed (%s)", state.root, type(exc).__name__)
        return state
    return ctx.chains().save(state.model_copy(update={"card_shown": now}))


def _show_final(
    ctx: WorkerContext, state: ChainState, reply: Reply, now: float, *, announce: bool, reveal: bool
) -> ChainState:
    """The outcome, retried until delivered; the notice only after it (a retried edit takes
    the notice along, so nobody reads "is done" on a card still saying "⏳")."""
    reporter, target = Reporter(ctx), state.request.target
    if state.card is None:
        ref = reporter.post(target, reply)
        if ref is not None:
            state = ctx.chains().save(state.model_copy(update={"card": ref, "card_shown": now}))
        if announce:
            reporter.post(*_notice(ctx, state, reveal))
        return state
    reporter.update(
        target, state.card, reply, then=_notice(ctx, state, reveal) if announce else None
    )
    return ctx.chains().save(state.model_copy(update={"card_shown": now}))


def _notice(ctx: WorkerContext, state: ChainState, reveal: bool) -> tuple[ReplyTarget, Reply]:
    """The one completion notice: replying to the card, mentioning the requester."""
    target = state.request.target
    if state.card is not None:
        target = target.model_copy(update={"reply_to": state.card.id})
    outcome = "is done" if state.status == "succeeded" else "did not go through"
    text = f"{_heading(ctx, state)} of {_server(ctx, state, reveal)} {outcome}."
    tone: Tone = "success" if state.status == "succeeded" else "error"
    return target, Reply(text=text, ephemeral=False, tone=tone, mention=True)


def render(
    ctx: WorkerContext,
    state: ChainState,
    *,
    progress: float | None = None,
    exit_status: str | None = None,
    now: float,
    reveal: bool = True,
) -> Reply:
    title = f"{_heading(ctx, state)} · {_server(ctx, state, reveal)}"
    lines = [_asked_by(state)]
    lines.append(_state_line(state, progress, now))
    lines += [f"• {s.summary}" for s in _worth_showing(state)]
    lines += _pending(state)
    fields = []
    upid = next((s.upid for s in reversed(state.steps) if s.upid), None)
    if upid is not None:
        fields.append(ReplyField(label="Task", value=upid))
    if exit_status and state.status != "running":
        fields.append(ReplyField(label="Proxmox", value=exit_status))
    return Reply(
        title=title,
        text="\n".join(lines),
        fields=tuple(fields),
        buttons=_next_actions(state),
        ephemeral=False,
        tone=_tone(state, exit_status),
        card=True,
    )


def _heading(ctx: WorkerContext, state: ChainState) -> str:
    """The kinds table names every operation (the bot names a waiting request the same
    way); a kind outside it (a test's own) is named by its Action."""
    if state.kind in KINDS:
        return heading(state.kind, state.request.args)
    action: Action[Any] = ctx.action_for(state.kind)
    return action.title or action.name


def _server(ctx: WorkerContext, state: ChainState, reveal: bool = True) -> str:
    """``acme-web (101)``: the name the inventory knows, and the VMID once."""
    vmid = state.request.vmid if state.request.vmid is not None else state.context.get("vmid")
    name = state.context.get("name") or state.request.args.get("name")
    if not reveal:
        return f"server {vmid}"
    if isinstance(vmid, int):
        entry = ctx.inventory().get(vmid)
        name = entry.name if entry is not None and entry.name else name
        return f"{name} ({vmid})" if name else f"server {vmid}"
    return str(name) if name else "a new server"


def _asked_by(state: ChainState) -> str:
    target, request = state.request.target, state.request
    who = target.requester_name or "you"
    line = f"asked by {who}" + (f" for {request.account}" if request.account else "")
    line += f" · approved by {shown_person(request.approved_by)}" if request.approved_by else ""
    return line + (f" · #{request.ref}" if request.ref else "")


def _state_line(state: ChainState, progress: float | None, now: float) -> str:
    if state.status == "succeeded":
        return f"✓ Done in {duration((state.ended or now) - state.started)}"
    index, step = _current(state)
    doing = step.doing
    if state.status == "failed":
        done = any(_did_something(s) for s in state.steps[:index])
        verb = "Stopped" if done else "Failed"
        return f"✗ {verb} while {doing}: {state.error or step.error or 'unknown error'}"
    where = f" ({index + 1} of {len(state.steps)})" if len(state.steps) > 1 else ""
    line = f"⏳ {doing[:1].upper()}{doing[1:]}{where}"
    if step.error:  # a retry is waiting: say why
        line += f" — {step.error.removeprefix('retrying: ')}; trying again shortly"
    if step.state == "pending" and index == 0 and step.started is None and not step.error:
        line = "⏳ Queued"
    if progress is not None:
        filled = round(progress / 100 * _BAR_CELLS)
        line += f" · {'▰' * filled}{'▱' * (_BAR_CELLS - filled)} {progress:.0f}%"
    return line


def _current(state: ChainState) -> tuple[int, StepState]:
    for index, step in enumerate(state.steps):
        if step.state != "done":
            return index, step
    return len(state.steps) - 1, state.steps[-1]


def _worth_showing(state: ChainState) -> list[StepState]:
    """Steps that did something: not the checks, not what nobody asked for."""
    return [s for s in state.steps if _did_something(s) and s.summary]


def _did_something(step: StepState) -> bool:
    return step.state == "done" and not step.skipped and step.name not in _CHECKS


def _too_soon(state: ChainState, progress: float | None, now: float) -> bool:
    """An edit this soon after the last one is skipped when a newer state follows at once
    (the next step starts, the task reports progress again). A state the chain then waits
    in, a task running or a retry's backoff, is always shown: skipping it would leave the
    older state on the card for the whole wait."""
    if state.card is None or now - state.card_shown >= MIN_EDIT_INTERVAL:
        return False
    _, step = _current(state)
    waits = step.state == "task" or bool(step.error)
    return progress is not None or not waits


def _pending(state: ChainState) -> list[str]:
    """What the person must still do: follow a task the card no longer follows (it still
    runs on Proxmox), apply changes Proxmox keeps pending until a reboot."""
    lines = [state.error] if state.status == "unfollowed" and state.error else []
    if not state.notes:
        return lines
    waiting = [n for n in state.notes if n != REBOOT_NOTE]
    told = f": {', '.join(waiting)}" if waiting else ""
    return [*lines, f"⚠ Takes effect after a reboot{told}. Reboot when it suits you."]


def _next_actions(state: ChainState) -> tuple[Button, ...]:
    """A finished request whose changes wait for a reboot offers one; clicking it starts a
    reboot request of its own (with its own card and every check a typed one gets)."""
    vmid = state.request.vmid
    if state.status != "succeeded" or not state.notes or vmid is None:
        return ()
    return (Button(action="reboot", value=str(vmid), label="Reboot now", style="primary"),)


def _tone(state: ChainState, exit_status: str | None) -> Tone:
    if state.status == "failed":
        return "error"
    if state.status == "succeeded":
        warned = bool(state.notes) or (exit_status or "").startswith("WARNINGS")
        return "warning" if warned else "success"
    return "info"


def _has_card(state: ChainState) -> bool:
    """Requests that change something get a card; reads answer privately instead."""
    kind = KINDS.get(state.kind)
    return kind is None or kind.mutating


def _try_post(ctx: WorkerContext, state: ChainState, reply: Reply) -> Any:
    try:
        return ctx.notifier.post(state.request.target, reply)
    except Exception as exc:  # the next state change posts it; the final one is retried
        log.warning("posting the card of %s failed (%s)", state.root, type(exc).__name__)
        return None
