"""A run the resume test can SIGKILL: add a product to the cart, go back, repeat.

``python -m tests.agents.scripted_run RUN_ID FOLDER [--resume]``. The policy and critic
are test doubles (see doubles.py); the browser, the site and its database are real.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from forethought.agents import Agent, AgentConfig
from forethought.envs.types import Task
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy

TASK = Task(
    id="shop.custom",
    goal="Add the product to the cart twice.",
    suite="builtin",
    site="shop",
    start_url="/shop/product/1",
)
SCRIPT = [
    ("/shop/product/", 'click("Add to cart")'),
    ("/shop/cart", 'goto("{origin}/shop/product/1")'),
]


async def main(run_id: str, folder: Path, resume: bool) -> None:
    agent = Agent(
        AgentConfig(max_steps=4, planner={"candidates": 1}),
        base_url="http://127.0.0.1:9/v1",
        model="unused",
        policy=ScriptedPolicy(SCRIPT),
        world_model=EchoWorldModel(),
        critic=FixedCritic(1.0),
    )
    result = await agent.run(TASK, run_id=run_id, folder=folder, resume=resume)
    print("steps", result.steps, "restarted", result.restarted, flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), "--resume" in sys.argv))
