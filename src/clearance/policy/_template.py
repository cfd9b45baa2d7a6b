"""The complete, commented policy that ``clearance init`` writes (each area's gates come
from its entry in :data:`clearance.policy._areas.AREA_CATALOG`)."""

from __future__ import annotations

from clearance.policy._areas import AREA_CATALOG
from clearance.policy._schema import SCHEMA_FILE

_TEMPLATE = """\
# yaml-language-server: $schema=./{schema}
# clearance release policy: checked into the repo, read by every clearance command.
# Reference: `clearance schema` prints the JSON Schema with a description of every key.
clearance: 1

system:
  name: {name}
  kind: system                 # model | system
  description: "What this system does, for whom."
  version: "0.1.0"
  traffic:
    requests_per_month: 1000000  # projects the monthly cost

# People holding each governance duty (names used with --as / CLEARANCE_USER).
# Replace the placeholders with real people before the first release.
owners:
  approve_changes: {{people: [alice, bob], min_approvals: 1}}
  own_evals: [carol]
  review_incidents: [dave]
  disable_tools: [dave]
  handle_data_requests: [erin]
  rotate_provider_keys: [frank]

# What is being released (candidate) and what runs in production (baseline).
# adapter: openai (any OpenAI-compatible endpoint) | python (module:function) | recorded (JSONL)
targets:
  candidate:
    adapter: openai
    base_url: http://127.0.0.1:8080/v1  # llama.cpp's llama-server port; `clearance serve` uses 8000
    model: candidate-model
    api_key_env: OPENAI_API_KEY     # the variable's name, never the key
    label: candidate
  baseline:
    adapter: openai
    base_url: http://127.0.0.1:8081/v1
    model: baseline-model
    api_key_env: OPENAI_API_KEY
    label: baseline

# Eval suites. Built-ins ship with clearance; add your own task suites with
#   - name: my-tasks
#     path: data/tasks.jsonl      # JSONL or CSV rows with input and target
#     scorer: {{kind: exact}}       # exact | includes | regex | numeric | choice | json | ...
# `judge: true` on a refusal, injection or PII suite also asks targets.judge (a strong
# model) for a second opinion on every sample: advisory, shown as agreement in the report.
suites:
  - builtin: harmful-refusal     # must refuse clearly harmful requests
  - builtin: over-refusal        # must answer benign requests that look alarming
  - builtin: prompt-injection    # canaries planted in the system prompt and documents
  - builtin: pii-leakage         # personal data planted in context, then asked for
  - builtin: consistency         # run-to-run agreement
    repeats: 3

# Gates per area: min/max bounds on the metric's confidence interval, or a paired
# comparison with the baseline (vs_baseline: non_inferiority | superiority, margin).
# A gate passes only when its whole interval is inside the bound, so a bound is what the
# evidence must show, not the value you expect: each gate below is set for the size of
# its built-in suite, and its comment says the true value at which a fresh run passes
# it 99% of the time (a system at least that good clears all of them together about 93%
# of the time). At the bound itself a gate falsely passes at most 2.5% of the time.
# `clearance check` reports, for every inconclusive gate, how many samples would decide
# it, and the chance that noise alone blocks a release identical to its baseline.
gates:
{gates}
  allow_not_evaluated: [capability]  # remove once you have a task suite
  secrets_env: [OPENAI_API_KEY]  # env vars whose values must never appear in outputs (every key
                                 # the system holds); with none set, secret_leaks is not evaluated
  confidence: 0.95               # each gate falsely passes at most (1 - confidence) / 2
  # familywise: 0.05             # or: at most this chance that ANY gate falsely passes
  on_error: fail                 # failed/timed-out requests count as failures (or: exclude)

# Inputs to the model/system card; the evidence sections are written by clearance.
card:
  license: other
  language: [en]
  tags: []
  intended_use: "Who should use this system, for what."
  out_of_scope_use: "Uses it is not designed or tested for."
  training_data: "Summary of the data the model was trained or tuned on."
  limitations: "Known limitations."
  privacy: "What personal data the system sees and how it is handled."
  mitigations: "Recommended mitigations for the known failure modes."

# Staged rollout: stages run in this order; any may be dropped or repeated.
rollout:
  alpha: 0.05                  # chance of any false rollback per stage, split across triggers
  telemetry_sink: store
  rollback_limit_s: 60
  # Who may POST telemetry to `clearance serve` (/v1/events); nobody else may, not even
  # owners. Create the account with `clearance user add svc-gateway` and give its token to
  # the gateway that reports your traffic. (`clearance ingest FILE` needs no listing.)
  telemetry_senders: [svc-gateway]
  stages:
    - {{stage: offline_evals, weight: 0.0, audience: none, approvals: [own_evals]}}
    - {{stage: internal_dogfood, weight: 1.0, audience: internal, min_duration_s: 86400, min_samples: 200}}
    - {{stage: limited_beta, weight: 1.0, audience: beta, min_duration_s: 86400, min_samples: 1000}}
    - {{stage: canary, weight: 0.05, audience: everyone, min_duration_s: 3600, min_samples: 2000,
       approvals: [approve_changes]}}
    - {{stage: staged_rollout, weight: 0.25, audience: everyone, min_duration_s: 86400, min_samples: 5000}}
    - {{stage: full_rollout, weight: 1.0, audience: everyone, approvals: [approve_changes]}}

# Rollback triggers, declared before launch. Defaults per kind; margin is relative to control.
triggers:
  - {{kind: schema_failure_rate, margin: 0.10, action: rollback}}
  - {{kind: hallucination_reports, margin: 0.20, action: pause}}
  - {{kind: safety_incident, statistic: incident_split, action: rollback}}  # max_incidents: 0 = zero tolerance
  - {{kind: cost_spike, margin: 0.25, action: notify}}
  - {{kind: latency_slo_breach, threshold: 2000, margin: 0.10, action: rollback}}
  - {{kind: retrieval_quality_drop, margin: 0.10, action: pause}}
  - {{kind: tool_call_errors, margin: 0.20, action: rollback}}
  # The stage scorecard compares quality, latency, cost, feedback, safety events and
  # escalations; these three watch the ones the triggers above do not.
  - {{kind: quality_drop, margin: 0.05, action: pause}}
  - {{kind: feedback_drop, margin: 0.05, relative: false, action: notify}}
  - {{kind: escalation_rate, margin: 0.20, action: pause}}
"""


def render_policy(name: str = "my-ai-system") -> str:
    """The text of a complete starter policy for a system called ``name``."""
    gates = "\n".join(area.template for area in AREA_CATALOG)
    return _TEMPLATE.format(name=name, schema=SCHEMA_FILE, gates=gates)
