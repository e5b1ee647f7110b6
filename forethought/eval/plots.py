"""The report's plots (matplotlib, rendered to SVG text; nothing is shown on screen)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from forethought.eval.stats import AgentSummary

COLORS = ["#2f6fdf", "#e07b39", "#3a9d5d", "#b5443b", "#7b5cc4", "#8c6d3f", "#d45f9e"]
_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "forethought",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _figure(draw: Callable[[Figure], None], size: tuple[float, float]) -> str:
    with plt.rc_context(_STYLE):
        fig = plt.figure(figsize=size)
        draw(fig)
        return _svg(fig)


def _bars(ax: Axes, labels: Sequence[str], values: Sequence[float | None], **kwargs) -> None:
    x = np.arange(len(labels))
    heights = [v if v is not None else 0.0 for v in values]
    ax.bar(x, heights, color=[COLORS[i % len(COLORS)] for i in x], **kwargs)
    tilt = len(labels) > 3
    ax.set_xticks(x, labels, rotation=20 if tilt else 0, ha="right" if tilt else "center")
    for xi, v in zip(x, values, strict=True):
        label = "n/a" if v is None else f"{100 * v:.0f}%"
        ax.annotate(label, (xi + 0.08, (v or 0) + 0.02), ha="left", fontsize=9)


def success_rate(summaries: Sequence[AgentSummary]) -> str:
    """Success rate per agent with 95% bootstrap intervals."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        means = [s.success.mean for s in summaries]
        err = np.array(
            [
                [s.success.mean - s.success.low for s in summaries],
                [s.success.high - s.success.mean for s in summaries],
            ]
        )
        _bars(ax, [s.agent for s in summaries], means, yerr=err, capsize=5, alpha=0.85)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("success rate")
        ax.set_title("Success per agent (95% bootstrap CI)")

    return _figure(draw, (1.6 + 1.3 * len(summaries), 3.6))


def success_heatmap(tasks: Sequence[str], agents: Sequence[str], grid: np.ndarray) -> str:
    """Mean success of each task (rows) × agent (columns)."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(agents)), agents, rotation=20, ha="right")
        ax.set_yticks(range(len(tasks)), tasks)
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.04, label="success")
        ax.set_title("Success per task × agent")

    return _figure(draw, (2.8 + 1.2 * len(agents), 1.4 + 0.32 * len(tasks)))


def cost_vs_success(summaries: Sequence[AgentSummary]) -> str:
    """Success against mean completion tokens and mean seconds per episode."""

    def draw(fig: Figure) -> None:
        axes = fig.subplots(1, 2, sharey=True)
        costs = (
            ("completion tokens per episode", lambda s: s.mean_completion_tokens),
            ("seconds per episode", lambda s: s.mean_seconds),
        )
        for ax, (label, cost) in zip(axes, costs, strict=True):
            for i, s in enumerate(summaries):
                yerr = [[s.success.mean - s.success.low], [s.success.high - s.success.mean]]
                ax.errorbar(
                    cost(s),
                    s.success.mean,
                    yerr=yerr,
                    fmt="o",
                    capsize=4,
                    color=COLORS[i % len(COLORS)],
                    label=s.agent,
                )
                ax.annotate(
                    s.agent,
                    (cost(s), s.success.mean),
                    textcoords="offset points",
                    xytext=(6, 4),
                    fontsize=8,
                )
            ax.set_xlabel(label)
            ax.set_xlim(left=0)
            ax.margins(x=0.25)
        axes[0].set_ylabel("success rate")
        axes[0].set_ylim(-0.05, 1.1)
        fig.suptitle("Cost vs success")

    return _figure(draw, (9.0, 3.6))


def trap_rate(summaries: Sequence[AgentSummary]) -> str:
    """Share of trap-task episodes in which the agent triggered the trap."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        _bars(ax, [s.agent for s in summaries], [s.trap_rate for s in summaries], alpha=0.85)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("traps triggered / trap episodes")
        ax.set_title("Trap rate per agent (lower is better)")

    return _figure(draw, (1.6 + 1.3 * len(summaries), 3.6))


def fidelity(summaries: Sequence[AgentSummary]) -> str:
    """World-model next-state F1 against the identity baseline ("nothing changes")."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        x = np.arange(len(summaries))
        for offset, label, color, values in (
            (-0.2, "world model F1", COLORS[0], [s.fidelity_f1 for s in summaries]),
            (0.2, "identity baseline F1", "#9aa3ae", [s.identity_f1 for s in summaries]),
        ):
            ax.bar(x + offset, [v or 0.0 for v in values], width=0.4, label=label, color=color)
            for xi, v in zip(x, values, strict=True):
                ax.annotate(
                    "n/a" if v is None else f"{v:.2f}",
                    (xi + offset, (v or 0) + 0.02),
                    ha="center",
                    fontsize=8,
                )
        ax.set_xticks(x, [s.agent for s in summaries])
        ax.set_ylim(0, 1.35)
        ax.set_ylabel("next-state element F1")
        ax.legend(loc="upper left", ncol=2, fontsize=8, frameon=False)
        ax.set_title("Fidelity vs the identity baseline")

    return _figure(draw, (2.2 + 1.4 * len(summaries), 3.6))
