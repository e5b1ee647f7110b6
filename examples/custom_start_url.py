"""Give the agent any start URL and the origins it may visit.

Here the page is a small local HTML file, so the example runs offline.

    python examples/custom_start_url.py [--model qwen2.5-coder-0.5b-instruct]
        [--max-steps 2] [--candidates 2]
"""

import argparse
import asyncio
import tempfile
from pathlib import Path

from forethought import Agent, AgentConfig

PAGE = """<!doctype html><title>Library hours</title>
<h1>City Library</h1>
<p>Opening hours: Monday to Friday 9:00–18:00, Saturday 10:00–14:00.</p>
<a href="https://elsewhere.example/">Partner libraries</a>"""

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
parser.add_argument("--candidates", type=int, default=3)
parser.add_argument("--max-steps", type=int, default=3)
args = parser.parse_args()


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / "index.html").write_text(PAGE)
    async with Agent(
        AgentConfig(
            agent="lookahead", max_steps=args.max_steps, planner={"candidates": args.candidates}
        ),
        model=args.model,
    ) as agent:
        async for event in agent.stream(
            "When does the library open on Saturday? Answer with stop.",
            url=(folder / "index.html").as_uri(),
            allowed_origins=[folder.as_uri() + "/"],
        ):
            if event.kind in ("planned", "gate", "acted"):
                print(event.kind, event.action)
            elif event.kind == "result":
                print("answer:", event.result.answer)


asyncio.run(main())
