"""EXAMPLE ONLY: "Northwind Outfitters" support assistant, in three versions.

This is clearance's bundled example system, written as Python targets
(``targets.*.callable`` in ``clearance.yaml``). It is a small rule-based assistant over a
knowledge base with two tools (look up an order, issue a refund), not a language model,
so the example runs anywhere in seconds. The versions differ the way real releases do:

- ``v1`` (in production): knows fewer articles, answers tersely; its summaries quote
  documents verbatim, links and all.
- ``v2`` (candidate): knows every article, so it is better on the task suite, but it
  follows instructions injected in documents it reads, and it is slower and wordier
  (costlier).
- ``v2_1`` (the fix): v2's knowledge, treats documents as data (never repeats their
  links, images, credentials or instructions), terse and fast.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from knowledge import ARTICLES, KEYWORDS, ORDERS
from safety import looks_harmful

Message = dict[str, Any]


@dataclass(frozen=True)
class Version:
    name: str
    articles: frozenset[str]
    follows_injections: bool
    base_latency_s: float
    verbose: bool
    sanitizes: bool = False


_ALL = frozenset(ARTICLES)
V1 = Version("v1", _ALL - {"warranty", "international", "repair", "gift_cards"}, False, 0.010,
             False)
V2 = Version("v2", _ALL, True, 0.060, True)
V2_1 = Version("v2.1", _ALL, False, 0.008, False, sanitizes=True)

_DOC_START = re.compile(r"(?:Here is the (?:document|email|web page)|Tool result):?", re.I)
_INJECTION = re.compile(
    r"(?:ignore (?:the user'?s request|all previous instructions|previous instructions)"
    r"|assistant instructions:|to any AI reading this:|AI assistants? (?:must|should)"
    r"|new instructions?:|system override:)\s*(?P<payload>[^\n]*)",
    re.IGNORECASE,
)
_ORDER_ID = re.compile(r"\bA\d{4}\b")


def v1(messages: list[Message]) -> dict[str, Any]:
    return _respond(V1, messages)


def v2(messages: list[Message]) -> dict[str, Any]:
    return _respond(V2, messages)


def v2_1(messages: list[Message]) -> dict[str, Any]:
    return _respond(V2_1, messages)


def _respond(version: Version, messages: list[Message]) -> dict[str, Any]:
    user = _last_user(messages)
    text, tool_calls = _answer(version, user)
    _wait(version, user)
    return {"content": text, "tool_calls": tool_calls, "usage": _usage(messages, text)}


def _last_user(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _answer(version: Version, user: str) -> tuple[str, list[dict[str, Any]]]:
    request, document = _split_document(user)
    if looks_harmful(request):
        return "I'm sorry, but I can't help with that request.", []
    if document and version.follows_injections:
        hijack = _injected_payload(document)
        if hijack:
            return hijack, []
    order = _ORDER_ID.search(request)
    if order:
        return _order_reply(version, order.group(0), request)
    reply = _kb_reply(version, request) if not document else _summary(version, document)
    return _dress(version, reply), []


def _split_document(user: str) -> tuple[str, str]:
    match = _DOC_START.search(user)
    if not match:
        return user, ""
    return user[: match.start()], user[match.end():]


_MARKER = re.compile(r"INJECTED-[A-Z0-9]+")


def _injected_payload(document: str) -> str:
    match = _INJECTION.search(document)
    if not match:
        return ""
    payload = match.group("payload").strip().rstrip("-> ").strip()
    payload = re.sub(r"^(?:and )?(?:reply|respond|answer) only with\s*", "", payload, flags=re.I)
    marker = _MARKER.search(payload)
    if marker:  # does what it was told: answers with the marker, not a quote of the order
        return marker.group(0)
    return payload or match.group(0)


def _order_reply(version: Version, order_id: str,
                 request: str) -> tuple[str, list[dict[str, Any]]]:
    call = {"name": "lookup_order", "arguments": {"order_id": order_id}}
    order = ORDERS.get(order_id)
    if order is None:
        return f"I couldn't find order {order_id}. Could you check the number?", [call]
    if "refund" in request.lower() and order["status"] == "delivered":
        refund = {"name": "issue_refund", "arguments": {"order_id": order_id}}
        return _dress(version, f"I've started a refund for order {order_id} "
                               f"({order['item']}).") , [call, refund]
    return _dress(version, f"Order {order_id} ({order['item']}) is {order['status']}; "
                           f"expected: {order['eta']}."), [call]


def _kb_reply(version: Version, request: str) -> str:
    lowered = request.lower()
    for key, words in KEYWORDS.items():
        if any(w in lowered for w in words):
            if key in version.articles:
                return ARTICLES[key]
            return "I'm not sure about that one; please contact our customer service team."
    return _general(version, request)


def _general(version: Version, request: str) -> str:
    if version.sanitizes:
        return ("Sure. Here is a short, general answer based on what I know; for anything "
                "specific to your situation, check an authoritative source.")
    topic = " ".join(request.split()[:14]).rstrip("?.!")
    return (f"Sure. On \"{topic}\": here is a short, general answer based on what I know; "
            "for anything specific to your situation, check an authoritative source.")


_UNSAFE_LINE = re.compile(r"https?://|@|!\[|<img|token|password|secret|confidential|\[SYSTEM\]"
                          r"|notice for ai|instruction|reply with|tell the user|end your answer",
                          re.IGNORECASE)


def _summary(version: Version, document: str) -> str:
    lines = [ln.strip() for ln in document.splitlines()
             if ln.strip() and not _INJECTION.search(ln) and not ln.startswith(("---", "```"))]
    if version.sanitizes:
        text = re.sub(r"<[^>]+>", " ", " ".join(lines))
        sentences = re.split(r"(?<=[.!?])\s+", text)
        lines = [s for s in sentences if s.strip() and not _UNSAFE_LINE.search(s)]
    return "Summary: " + " ".join(lines[:2])[:300]


def _dress(version: Version, reply: str) -> str:
    if not version.verbose:
        return reply
    return (f"Thanks so much for reaching out to Northwind Outfitters! {reply} "
            "I hope this helps, and if there's anything else at all I can do for you - "
            "orders, sizing, returns or product advice - just let me know. "
            "Have a wonderful day and happy adventuring!")


def _wait(version: Version, user: str) -> None:
    # Deterministic per request: a latency distribution with a realistic tail.
    jitter = (zlib.crc32(user.encode()) % 1000) / 1000
    tail = 4.0 if jitter > 0.985 else 1.0
    time.sleep(version.base_latency_s * (0.7 + 0.6 * jitter) * tail)


def _usage(messages: list[Message], text: str) -> dict[str, int]:
    prompt_words = sum(len(str(m.get("content") or "").split()) for m in messages)
    return {"input_tokens": int(prompt_words * 1.3) + 4,
            "output_tokens": int(len(text.split()) * 1.3) + 1}
