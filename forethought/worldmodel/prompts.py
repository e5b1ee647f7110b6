"""Every role's prompt, kept once, laid out as one shared prefix.

On the embedded CPU engine reading a prompt is the expensive part, and llama.cpp reuses
the longest common prefix with the previous request. So every role (policy, world model,
critic) sends the same system preamble, then the goal, then the page, then its own
instructions, and last what varies between sibling calls (the action, or the imagined
path and outcome): a page is read once per step, not once per call, and siblings share
their role's instructions too. The policy's memory of its last actions comes after the
page for the same reason, then the goal again, close to the question. The notation for
page changes (:data:`CHANGES`), which the world model writes (``diff``) and the critic
reads (every imagined outcome), is in those roles' instructions: the policy, called on
every step, reads no more than it needs.

Override any template by passing ``Prompts(policy=..., ...)`` or ``Prompts.from_file``.
Templates are jinja2 strings.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel

from forethought.envs.actions import action_list
from forethought.envs.types import Observation
from forethought.worldmodel.relevance import answer_lines, relevant, search_hint

_JINJA = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    """A template compiled once (compiling costs more than rendering, per role call)."""
    return _JINJA.from_string(source)


PREAMBLE = (
    "You help a web agent. A page is one line per element: [id] role 'name'; text after "
    f"· is the rest of its row; lines without an [id] are text. Actions: {action_list()}."
)

#: How a page's changes are written: the world model writes them, the critic reads them.
CHANGES = (
    "Changes are written one per line: URL: <new url>; - [id] (removed); + [id] role "
    "'name' (new, with ids n1, n2, ...); ~ [id] role 'name' (changed); or: no change."
)

CONTEXT = "Goal: {{ goal }}\n\nCurrent page:\n{{ page }}\n\n"

POLICY = """
{% if memory %}Your last actions (oldest first):
{% for line in memory %}{{ line }}
{% endfor %}
{% endif %}{% if search %}{{ search }}
{% endif %}{% if relevant %}Elements that share words with the goal:
{% for line in relevant %}{{ line }}
{% endfor %}
{% endif %}{% if answers %}Text that shares words with the question:
{% for line in answers %}{{ line }}
{% endfor %}
{% endif %}Goal (again): {{ goal }}
Propose up to {{ k }} different actions for the next part of the goal not done yet, best \
first. Examples: fill(5, "blue umbrella") types into [5] textbox 'Search'; \
select(8, "French") picks an option of [8] combobox 'Language'. stop("<answer>") ends, \
once the goal is done or its question answered.
Reply as JSON: {"next": "<the part of the goal to do now>", \
"element": "<[id] role 'name' to act on>", "actions": ["<action>", ...]}"""

ANSWER = """
Text that shares words with the question:
{% for line in answers %}{{ line }}
{% endfor %}Question: {{ goal }}
Does the page say the answer? If it does, write the answer in a few words from the page. \
If it does not, write an empty answer.
Reply as JSON: {"answer": "<the answer, or empty>"}"""

WM_DIFF = f"""\
Imagine the page right after the action below. Write only the lines that change; never \
copy the page. {CHANGES}
Action: {{{{ action }}}}"""

WM_NL = """\
Imagine the page right after the action below. In at most three short sentences, say \
what appeared, disappeared or changed, and the new url if it changes.
Action: {{ action }}"""

WM_FULL = """\
Imagine the page right after the action below. Write the whole new page in the same \
format: a line URL: <url>, then every element as [id] role 'name'. Keep unchanged ids.
Action: {{ action }}"""

_JUDGE = f"""\
{CHANGES}
Score this imagined future: 1 = goal done, 0.5 = on track, 0 = off track or unasked \
(like buying, sending or deleting the wrong thing).
Reply as JSON: {{"reason": "...", "score": SCORE}}
Agent does:
{{{{ steps }}}}
Imagined result: {{{{ outcome }}}}"""

CRITIC_RUBRIC = _JUDGE.replace("SCORE", "0 | 0.5 | 1")

CRITIC_CONTINUOUS = _JUDGE.replace("SCORE", "<a number from 0 to 1>")


class Prompts(BaseModel):
    """The templates, one per role and format. Any field can be overridden."""

    preamble: str = PREAMBLE
    context: str = CONTEXT
    policy: str = POLICY
    answer: str = ANSWER
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
        self,
        template: str,
        goal: str,
        page: Observation,
        answers: Sequence[str] | None = None,
        **values: Any,
    ) -> list[dict[str, str]]:
        """The chat messages for one role call, in the shared-prefix layout; ``answers``,
        the page's lines that may answer a question, are found here unless given."""
        context = _compiled(self.context).render(goal=goal, page=page.render())
        shared = relevant(goal, page)
        # A list of every control says nothing the page did not.
        # (a select's options are on its page line already)
        short = [e.model_copy(update={"options": ()}).line().strip() for e in shared]
        relevant_lines = short if len(shared) < len(page.actionable) else []
        # A question's answer is often text on the page: its lines that share the words.
        if answers is None:
            answers = answer_lines(goal, page)
        role = {
            "goal": goal,
            "memory": page.memory,
            "relevant": relevant_lines,
            "answers": list(answers),
            "search": search_hint(goal, page),
            **values,
        }
        task = _compiled(getattr(self, template)).render(role)
        return [
            {"role": "system", "content": self.preamble},
            {"role": "user", "content": context + task},
        ]
