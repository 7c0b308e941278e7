"""Pending decisions: approval requests (an admin decides) and confirmations (the requester
clicks Confirm on a destructive command).

Approvals live in a Redis hash per request: ``record`` (the immutable request, JSON) and
``status``/``decided_by``/``reason``/``decided_at``. The first decision wins inside one Lua
script (two admins clicking at once → one winner, one job). An expired request is marked
``expired``, never deleted by the decision path; records are kept ``ttl + retention``.

Ids are 64 bits derived from (key prefix, requester, inbound id): a redelivered or replayed
inbound event maps to the request it already created, and creation only ever writes a
record that does not exist yet, so nothing is overwritten or created twice.

A second *identical* request (same account, server, kind and arguments, from another inbound
event) is not created while the first is pending: ``{p}:approvals:identical:<digest>`` names
the pending one. It is written in the same script as the request (two identical requests at
once: one is created), lives as long as the request may stay pending, and the decision or
expiry script deletes it. The record keeps that key's name (field ``same``) so those scripts
find it: a key not in ``KEYS``, which standalone Redis and Sentinel allow (RQ rules out
Redis Cluster anyway).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import redis
from pydantic import BaseModel, ConfigDict

from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.codec import decoded
from bot.ports.invocation import Invocation
from jobs.queue import JobRequest

Status = Literal["pending", "approved", "denied", "expired"]
Outcome = Literal["won", "expired", "missing", "approved", "denied"]
_RETENTION = 30 * 86400

# Deletes the identical-request key of KEYS[1] if it still names this request (ARGV id).
_FORGET_IDENTICAL = """
local function forget_identical(id)
  local same = redis.call('HGET', KEYS[1], 'same')
  if same and redis.call('GET', same) == id then redis.call('DEL', same) end
end
"""

_DECIDE = (
    _FORGET_IDENTICAL
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'pending' then return status end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expires')) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  redis.call('ZREM', KEYS[2], ARGV[5])
  forget_identical(ARGV[5])
  return 'expired'
end
if ARGV[2] == 'expired' then return 'pending' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decided_by', ARGV[3], 'reason', ARGV[4],
           'decided_at', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[5])
forget_identical(ARGV[5])
return 'won'
"""
)

# KEYS: record, pending set, identical-request key. Returns 1 (created), 0 (this id exists:
# a redelivery) or the id of an identical request still pending (nothing written).
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local other = redis.call('GET', KEYS[3])
if other then
  local record = ARGV[5] .. other
  local expires = tonumber(redis.call('HGET', record, 'expires') or '0')
  if redis.call('HGET', record, 'status') == 'pending' and expires > tonumber(ARGV[6]) then
    return other
  end
end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', 'pending', 'expires', ARGV[2],
           'same', KEYS[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[7])
return 1
"""

# A reopened request is pending again, so it again stands for its identical requests
# (unless another one took that place meanwhile).
_REOPEN = """
if redis.call('HGET', KEYS[1], 'status') == 'approved'
   and redis.call('HGET', KEYS[1], 'decided_by') == ARGV[1] then
  local expires = redis.call('HGET', KEYS[1], 'expires')
  redis.call('HSET', KEYS[1], 'status', 'pending', 'decided_by', '', 'decided_at', '')
  redis.call('ZADD', KEYS[2], expires, ARGV[2])
  local same = redis.call('HGET', KEYS[1], 'same')
  local left = math.floor(tonumber(expires) - tonumber(ARGV[3]))
  if same and left > 0 then redis.call('SET', same, ARGV[2], 'EX', left, 'NX') end
  return 1
end
return 0
"""


class ApprovalRequest(BaseModel):
    """What was asked — ``job``, exactly the request an approval submits — by whom, and what
    the cache knows; never a secret."""

    model_config = ConfigDict(frozen=True)

    id: str
    job: JobRequest
    requester_name: str
    command: str  # "resize"
    text: str  # canonical text form
    summary: str
    changes: tuple[str, ...] = ()
    created: float
    expires: float
    ref: str = ""  # the short reference the requester's card shows (#k3f9)
    server: str = ""  # the server in words: "acme-web (101)"


@dataclass(frozen=True)
class Creation:
    """What ``ApprovalStore.create`` did: ``created`` (written now) or nothing, because the
    id exists (a redelivery) or because ``identical`` (that request's id) is pending."""

    created: bool
    identical: str | None = None


class Approval(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: ApprovalRequest
    status: Status
    decided_by: str = ""
    reason: str = ""
    decided_at: float | None = None


class ApprovalStore:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "jh",
        ttl: int = 86400,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clock = clock
        self._r = client
        self._p = prefix
        self.ttl = ttl
        self._decide = client.register_script(_DECIDE)
        self._reopen = client.register_script(_REOPEN)
        self._create = client.register_script(_CREATE)

    def create(self, request: ApprovalRequest) -> Creation:
        """Store a new pending request, unless its id exists or an identical one is pending."""
        job = request.job
        same = self._identical_key(job.account, job.vmid, job.kind, job.args)
        keys = [self._key(request.id), self._pending_key, same]
        expires, keep = repr(request.expires), self.ttl + _RETENTION
        args: list[str | int] = [
            request.model_dump_json(),
            expires,
            keep,
            request.id,
            self._key(""),
            repr(self.clock.now()),
            max(1, int(request.expires - self.clock.now())),
        ]
        result = self._create(keys=keys, args=args)
        if isinstance(result, bytes | str):
            return Creation(created=False, identical=decoded(result))
        return Creation(created=bool(result))

    def identical_pending(
        self, account: str | None, vmid: int | None, kind: str, args: Mapping[str, object]
    ) -> str | None:
        """The id of a pending request asking exactly this, if there is one."""
        other = self._r.get(self._identical_key(account, vmid, kind, args))
        found = self.get(decoded(other)) if other else None
        if found is None or found.status != "pending" or found.request.expires <= self.clock.now():
            return None
        return found.request.id

    def id_for(self, requester: str, inbound_id: str) -> str:
        """The same id for the same inbound event, so a redelivery finds the first request."""
        return derived_id(self._p, "approval", requester, inbound_id)

    def get(self, approval_id: str) -> Approval | None:
        raw = self._r.hgetall(self._key(approval_id))
        if not raw:
            return None
        fields = {decoded(k): decoded(v) for k, v in raw.items()}
        return Approval(
            request=ApprovalRequest.model_validate_json(fields["record"]),
            status=fields["status"],
            decided_by=fields.get("decided_by", ""),
            reason=fields.get("reason", ""),
            decided_at=float(fields["decided_at"]) if fields.get("decided_at") else None,
        )

    def decide(
        self, approval_id: str, decision: Literal["approved", "denied"], by: str, reason: str = ""
    ) -> Outcome:
        """``won``: this call decided it. Otherwise the status it already had (``expired``
        also when it expired just now and was marked so by this call)."""
        result = self._decide(
            keys=[self._key(approval_id), self._pending_key],
            args=[repr(self.clock.now()), decision, by, reason, approval_id],
        )
        return decoded(result)  # type: ignore[return-value]

    def reopen(self, approval_id: str, decided_by: str) -> bool:
        """Undo an approval whose job could not be enqueued (Redis hiccup): no half state."""
        keys = [self._key(approval_id), self._pending_key]
        return bool(self._reopen(keys=keys, args=[decided_by, approval_id, repr(self.clock.now())]))

    def expire_due(self) -> list[str]:
        """Mark every pending request past its expiry as expired; returns their ids."""
        now = self.clock.now()
        due = [decoded(i) for i in self._r.zrangebyscore(self._pending_key, "-inf", now)]
        expired = []
        for approval_id in due:
            keys = [self._key(approval_id), self._pending_key]
            if (
                decoded(self._decide(keys=keys, args=[repr(now), "expired", "", "", approval_id]))
                == "expired"
            ):
                expired.append(approval_id)
        return expired

    def pending(self) -> list[Approval]:
        ids = [decoded(i) for i in self._r.zrange(self._pending_key, 0, -1)]
        found = [self.get(i) for i in ids]
        return [a for a in found if a is not None and a.status == "pending"]

    @property
    def _pending_key(self) -> str:
        return f"{self._p}:approvals:pending"

    def _key(self, approval_id: str) -> str:
        return f"{self._p}:approval:{approval_id}"

    def _identical_key(
        self, account: str | None, vmid: int | None, kind: str, args: Mapping[str, object]
    ) -> str:
        # The arguments are already normalised by the registry (memory in MiB, sizes canonical).
        asked = json.dumps([account, vmid, kind, dict(args)], sort_keys=True, default=str)
        digest = hashlib.blake2b(asked.encode(), key=self._p.encode()[:64], digest_size=16)
        return f"{self._p}:approvals:identical:{digest.hexdigest()}"


class ConfirmationStore:
    """A destructive command waiting for its requester's Confirm click; used at most once."""

    def __init__(self, client: redis.Redis, *, prefix: str = "jh", ttl: int = 300) -> None:
        self._r = client
        self._p = prefix
        self.ttl = ttl

    def create(self, invocation: Invocation) -> str:
        """The id of the confirmation waiting for this invocation: created now, or, for a
        redelivered one, the one created the first time (never overwritten)."""
        inv = invocation
        confirmation_id = derived_id(self._p, "confirm", inv.identity.key, inv.inbound_id)
        self._r.set(self._key(confirmation_id), inv.model_dump_json(), ex=self.ttl, nx=True)
        return confirmation_id

    def peek(self, confirmation_id: str) -> Invocation | None:
        raw = self._r.get(self._key(confirmation_id))
        return Invocation.model_validate_json(raw) if raw else None

    def take(self, confirmation_id: str) -> Invocation | None:
        raw = self._r.getdel(self._key(confirmation_id))
        return Invocation.model_validate_json(raw) if raw else None

    def _key(self, confirmation_id: str) -> str:
        return f"{self._p}:confirm:{confirmation_id}"


def derived_id(prefix: str, kind: str, requester: str, inbound_id: str) -> str:
    """16 hex characters (64 bits), keyed by the deployment's key prefix: ids of different
    deployments on one Redis, of different kinds, or of different people never coincide."""
    digest = hashlib.blake2b(
        "\0".join((kind, requester, inbound_id)).encode(), key=prefix.encode()[:64], digest_size=8
    )
    return digest.hexdigest()
