"""Forethought: web and GUI agents that look before they click."""

from forethought.settings import __version__

__all__ = ["Agent", "AgentConfig", "EpisodeResult", "__version__"]


def __getattr__(name: str):  # the API loads the browser and LLM stacks: import lazily
    if name in ("Agent", "AgentConfig", "EpisodeResult"):
        from forethought import agents

        return getattr(agents, name)
    raise AttributeError(name)
