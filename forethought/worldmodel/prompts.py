"""Every role's prompt, kept once, laid out as one shared prefix.

On the embedded CPU engine reading a prompt is the expensive part, and llama.cpp reuses
the longest common prefix with the previous request. So every role (policy, world model,
critic) sends the same system preamble, then the goal, then the page, then its own
instructions, and last what varies between sibling calls (the action, or the imagined
path and outcome): a page is read once per step, not once per call, and siblings share
their role's instructions too.

Override any template by passing ``Prompts(policy=..., ...)`` or ``Prompts.from_file``.
Templates are jinja2 strings.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel

from forethought.envs.types import Observation

_JINJA = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    """A template compiled once (compiling costs more than rendering, per role call)."""
    return _JINJA.from_string(source)


PREAMBLE = (
    "You help a web agent. Pages are accessibility trees: one element per line as "
    '[id] role \'name\'. Actions: click(id), fill(id, "text"), select(id, "option"), '
    'press("key"), scroll("up|down"), hover(id), goto("url"), go_back(), '
    'stop("answer").'
)

CONTEXT = "Goal: {{ goal }}\n\nCurrent page:\n{{ page }}\n\n"

POLICY = """\
Task for you: propose up to {{ k }} different next actions that make progress toward \
the goal, best first. Write each action as a call from the list above; an element's id \
is the number in brackets before it, so click(N) clicks the element shown as [N]. When \
the goal is done, or it asks for information you can read on the page, propose \
stop("<the answer>").
Reply as JSON: {"actions": ["<action>", ...]}"""

WM_DIFF = """\
Task for you: imagine the page right after the action below, and list only what \
changes, one element per line, with these prefixes:
URL: <the new url, if it changes>
- [id] for an element that disappears
+ [id] role 'name' for a new element (invent new ids like n1, n2)
~ [id] role 'name' for an element whose name or value changes (give the new name)
Write nothing else. If nothing changes, write: no change
Action: {{ action }}"""

WM_NL = """\
Task for you: imagine the page right after the action below. In at most three short \
sentences, describe what the page shows then: what appeared, disappeared or changed, \
and the new url if it changes.
Action: {{ action }}"""

WM_FULL = """\
Task for you: imagine the page right after the action below. Write the complete new \
page in the same format: first a line URL: <url>, then every element as [id] role \
'name', one per line. Keep ids of unchanged elements.
Action: {{ action }}"""

CRITIC_RUBRIC = """\
Task for you: judge an imagined future. Score 1 if the goal is done, 0.5 if it is on \
track, 0 if it is off track or does something the goal did not ask for (such as buying, \
sending or deleting the wrong thing).
Reply as JSON: {"reason": "short reason", "score": 0 | 0.5 | 1}
Starting from the current page the agent would do:
{{ steps }}
Imagined result: {{ outcome }}"""

CRITIC_CONTINUOUS = """\
Task for you: judge an imagined future. Score how well it serves the goal: 1.0 = goal \
done, 0.5 = on track, 0.0 = off track or doing something the goal did not ask for (such \
as buying, sending or deleting the wrong thing).
Reply as JSON: {"reason": "short reason", "score": <a number from 0 to 1>}
Starting from the current page the agent would do:
{{ steps }}
Imagined result: {{ outcome }}"""


class Prompts(BaseModel):
    """The templates, one per role and format. Any field can be overridden."""

    preamble: str = PREAMBLE
    context: str = CONTEXT
    policy: str = POLICY
    world_model_diff: str = WM_DIFF
    world_model_nl: str = WM_NL
    world_model_full: str = WM_FULL
    critic_rubric: str = CRITIC_RUBRIC
    critic_continuous: str = CRITIC_CONTINUOUS

    @classmethod
    def from_file(cls, path: Path) -> Prompts:
        """Load overrides from a YAML or JSON file with any of the field names as keys."""
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of template names to text")
        return cls(**data)

    def messages(
        self, template: str, goal: str, page: Observation, **values: Any
    ) -> list[dict[str, str]]:
        """The chat messages for one role call, in the shared-prefix layout."""
        context = _compiled(self.context).render(goal=goal, page=page.render())
        task = _compiled(getattr(self, template)).render(goal=goal, **values)
        return [
            {"role": "system", "content": self.preamble},
            {"role": "user", "content": context + task},
        ]
