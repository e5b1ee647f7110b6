"""Plug your own critic into the planner through its protocol.

Any object with ``async def score(goal, path, outcome) -> (Score, Cost)`` is a critic.
This one dislikes imagined futures that leave the current site, and asks the LLM critic
for everything else.

    python examples/custom_critic.py [--model qwen2.5-coder-0.5b-instruct]
        [--max-steps 2] [--candidates 2]
"""

import argparse
from urllib.parse import urlsplit

from forethought import Agent, AgentConfig
from forethought.planner import Cost, Score
from forethought.worldmodel.critic import LLMCritic


class StayOnSiteCritic:
    def __init__(self, inner: LLMCritic) -> None:
        self.inner = inner

    async def score(self, goal, path, outcome):
        start = path[0][0]
        if urlsplit(outcome.url).netloc != urlsplit(start.url).netloc:
            return Score(0.0, 1.0), Cost()
        return await self.inner.score(goal, path, outcome)


parser = argparse.ArgumentParser()
parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
parser.add_argument("--candidates", type=int, default=3)
parser.add_argument("--max-steps", type=int, default=4)
args = parser.parse_args()


class MyAgent(Agent):
    def roles(self):
        roles = super().roles()
        roles.critic = StayOnSiteCritic(roles.critic)
        return roles


agent = MyAgent(
    AgentConfig(
        agent="lookahead", max_steps=args.max_steps, planner={"candidates": args.candidates}
    ),
    model=args.model,
)
result = agent.run_sync("What is the confirmation code of my Bluejet Airways booking?", site="mail")
print(f"answer={result.answer!r} steps={result.steps} calls={result.usage.calls}")
