"""Solve a built-in trap task with the lookahead agent and the embedded model.

python examples/builtin_lookahead.py [--model qwen2.5-coder-0.5b-instruct]
        [--max-steps 2] [--candidates 2]
"""

import argparse

from forethought import Agent, AgentConfig

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
parser.add_argument("--candidates", type=int, default=3)
parser.add_argument("--max-steps", type=int, default=6)
parser.add_argument("--task", default="shop.cancel-order-1")
args = parser.parse_args()

agent = Agent(
    AgentConfig(
        agent="lookahead", max_steps=args.max_steps, planner={"candidates": args.candidates}
    ),
    model=args.model,
)
result = agent.run_sync(args.task)
print(f"success={result.success} steps={result.steps} answer={result.answer!r}")
print(f"gate events: {[(e.action, e.decision) for e in result.gate_events]}")
print(f"LLM calls: {result.usage.calls}, completion tokens: {result.usage.completion_tokens}")
print(f"trace: {result.trace_dir}")
