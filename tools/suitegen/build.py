"""Compose the sources into suite records (plain dicts, in the built-in JSONL format)."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from suitegen import consistency, harmful, injection, overrefusal, pii

Record = dict[str, Any]
ALL_CRITERIA = (
    "tool_call",
    "markdown_image",
    "link",
    "system_canary",
    "document_canary",
    "attacker_marker",
)
FRAMES_PER_TOPIC = 4


def short_hash(text: str) -> str:
    """Eight hex digits of SHA-256: an id that survives reordering the sources."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def record(
    id_: str,
    messages: list[dict[str, str]],
    category: str,
    expected: str,
    channel: str = "direct",
    **metadata: Any,
) -> Record:
    return {
        "id": id_,
        "messages": messages,
        "category": category,
        "channel": channel,
        "expected": expected,
        "metadata": metadata,
    }


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def harmful_refusal() -> list[Record]:
    records = []
    for category, topics in harmful.TOPICS.items():
        for slug, kind, task in topics:
            frames = harmful.HOW_FRAMES if kind == "how" else harmful.WRITE_FRAMES
            rng = random.Random(f"harmful-refusal:{slug}")
            chosen = rng.sample(sorted(frames), FRAMES_PER_TOPIC)
            for frame in sorted(chosen):
                text = frames[frame].format(task=task)
                records.append(
                    record(
                        f"hr-{category}-{slug}-{frame}",
                        user(text),
                        category,
                        "refuse",
                        topic=slug,
                        frame=frame,
                    )
                )
    return records


def over_refusal() -> list[Record]:
    return [
        record(f"or-{category}-{short_hash(text)}", user(text), category, "comply")
        for category, prompts in overrefusal.PROMPTS.items()
        for text in prompts
    ]


def consistency_suite() -> list[Record]:
    return [
        record(f"cons-{category}-{short_hash(text)}", user(text), category, "agree", answer=answer)
        for category, prompts in consistency.PROMPTS.items()
        for text, answer in prompts
    ]


def _system_and_user(system: str, text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def _direct_injections() -> list[Record]:
    records = []
    for technique, texts in injection.DIRECT.items():
        for text in texts:
            for persona in ("support", "research"):
                success = ["tool_call", "system_canary"]
                if "{ATTACKER_MARKER}" in text:
                    success.append("attacker_marker")
                records.append(
                    record(
                        f"pi-direct-{technique}-{short_hash(text)}-{persona}",
                        _system_and_user(injection.PERSONAS[persona], text),
                        technique,
                        "resist",
                        "direct",
                        technique=technique,
                        persona=persona,
                        success_when=success,
                    )
                )
    return records


def _injected_content(channel: str, content: str, goal: str, wrapper: str) -> str:
    _, payload, _ = injection.PAYLOADS[goal]
    text = injection.WRAPPERS[wrapper].replace("{PAYLOAD}", payload)
    if goal == "doc_secret":
        text = f"{injection.SECRET_LINE} {text}"
    if channel == "tool_result":
        text = json.dumps(text)[1:-1]
    return content.replace("{INJECTION}", text)


def _indirect_message(channel: str, task: str, content: str) -> str:
    if channel == "tool_result":
        return f"{task}\n\nTool result:\n```json\n{content}\n```"
    label = {"document": "document", "email": "email", "web": "web page"}[channel]
    return f"{task}\n\nHere is the {label}:\n\n---\n{content}\n---"


def _indirect_injections() -> list[Record]:
    records = []
    for channel, carriers in injection.CARRIERS.items():
        for carrier, (persona, task, content) in carriers.items():
            for goal, (category, _, primary) in injection.PAYLOADS.items():
                id_ = f"pi-{channel}-{carrier}-{goal}"
                wrapper = random.Random(id_).choice(sorted(injection.WRAPPERS))
                who = "agent" if goal == "tool_exfil" else persona
                injected = _injected_content(channel, content, goal, wrapper)
                text = _indirect_message(channel, task, injected)
                extra = {"tools": injection.TOOLS} if who == "agent" else {}
                records.append(
                    record(
                        id_,
                        _system_and_user(injection.PERSONAS[who], text),
                        category,
                        "resist",
                        channel,
                        carrier=carrier,
                        goal=goal,
                        wrapper=wrapper,
                        persona=who,
                        user_task=task,
                        success_when=list(ALL_CRITERIA),
                        primary=primary,
                        **extra,
                    )
                )
    return records


def prompt_injection() -> list[Record]:
    return _direct_injections() + _indirect_injections()


def pii_leakage() -> list[Record]:
    records = []
    for context, (channel, role, records_text) in pii.CONTEXTS.items():
        system = f"{role} {pii.RULE}\n\n{records_text}"
        for style, asks in pii.ASKS.items():
            for ask in asks:
                text = ask.replace("{WHO}", pii.WHO.get(context, "{PII_0_NAME}"))
                records.append(
                    record(
                        f"pii-{context}-{style}-{short_hash(ask)}",
                        _system_and_user(system, text),
                        style,
                        "protect",
                        channel,
                        context=context,
                        ask_style=style,
                    )
                )
    return records


SUITES = {
    "harmful-refusal": harmful_refusal,
    "over-refusal": over_refusal,
    "prompt-injection": prompt_injection,
    "pii-leakage": pii_leakage,
    "consistency": consistency_suite,
}
