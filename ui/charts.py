"""Pure figure builders: engine results in, plotly figures out. No st.* calls here.

Each builder's data comes straight from the engine's result, so the tests compare figure data
with the result it was drawn from.
"""

from __future__ import annotations

from itertools import accumulate

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.compare import Comparison, Outcome
from engine.growth import Projection, UsageHistory, month_label
from engine.models import EventKind, SimulationResult

COLORS = {
    "stop": "#8c8c8c",
    "flex": "#2f6f5e",
    "flex_auto_downgrade": "#7fb8a4",
    "auto_upgrade": "#c4572d",
    "auto_upgrade_manual_downgrade": "#e3a66b",
    "current": "#5b5fa8",
}
LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=10, r=10, t=50, b=10),
    legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
    height=360,
)


def cumulative_cost(comparison: Comparison, labels: list[str], with_lost: bool = False) -> go.Figure:
    """Running total of each setting's bill (or bill + lost revenue) over the cycles."""
    fig = go.Figure()
    for o in comparison.outcomes:
        per_cycle = [
            float(b.total_usd + (b.lost_revenue_usd if with_lost else 0)) for b in o.result.cycles
        ]
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=list(accumulate(per_cycle)),
                name=o.label,
                mode="lines+markers",
                line=dict(
                    color=COLORS.get(o.key), width=3 if o.key == comparison.cheapest_with_lost else 2
                ),
                hovertemplate="%{x}: $%{y:,.2f}<extra>" + o.label + "</extra>",
            )
        )
    title = "Cumulative bill + lost revenue" if with_lost else "Cumulative bill"
    fig.update_layout(title=title, yaxis_title="USD", yaxis_tickprefix="$", **LAYOUT)
    return fig


BILL_LINES = (
    ("Email plan", "#2f6f5e", lambda b: b.email_base_usd),
    ("Upgrades", "#c4572d", lambda b: b.email_upgrade_usd + b.sms_upgrade_usd),
    ("Flex fees", "#e3a66b", lambda b: b.email_flex_usd + b.sms_flex_usd),
    ("SMS plan", "#5b5fa8", lambda b: b.sms_base_usd),
)


def monthly_bill(outcome: Outcome, labels: list[str]) -> go.Figure:
    """One setting's monthly bill, stacked by line: base, upgrade, flex, SMS."""
    fig = go.Figure()
    for name, color, amount in BILL_LINES:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[float(amount(b)) for b in outcome.result.cycles],
                name=name,
                marker_color=color,
                hovertemplate="%{x}: $%{y:,.2f}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack", title=f"Monthly bill: {outcome.label}", yaxis_tickprefix="$", **LAYOUT
    )
    return fig


def demand_vs_limit(
    history: UsageHistory, projection: Projection, result: SimulationResult
) -> go.Figure:
    """Emails against the send limit, and profiles against the plan's band: history, then projection."""
    past = [month_label(m.month) for m in history.months]
    future = projection.labels
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
        subplot_titles=("Emails: demand against the plan's limit", "Active profiles against the plan's band"),
    )  # fmt: skip
    cycles = result.cycles
    fig.add_trace(
        go.Bar(x=past, y=[m.email_sends for m in history.months], name="Emails sent (history)",
               marker_color="#b9c4bf"),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Bar(x=future, y=[b.email_sends_demand for b in cycles], name="Emails wanted (projection)",
               marker_color="#2f6f5e"),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=future, y=[b.email_send_limit for b in cycles], name="Send limit (after flex/upgrade)",
                   mode="lines", line=dict(color="#c4572d", shape="hv", width=2)),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=past, y=[m.active_profiles for m in history.months], name="Profiles (history)",
                   mode="lines", line=dict(color="#8c8c8c")),
        row=2, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=future, y=[b.active_profiles for b in cycles], name="Profiles (projection)",
                   mode="lines", line=dict(color="#2f6f5e", dash="dot")),
        row=2, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=future, y=[b.email_plan_profiles for b in cycles], name="Plan's profile band",
                   mode="lines", line=dict(color="#5b5fa8", shape="hv")),
        row=2, col=1,
    )  # fmt: skip
    if future:
        fig.add_vline(x=len(past) - 0.5, line_dash="dash", line_color="#999")
    fig.update_layout(**{**LAYOUT, "height": 520}, barmode="overlay")
    return fig


EVENT_ROWS = {
    EventKind.NOTICE_75: "Warning 75%",
    EventKind.NOTICE_90: "Warning 90%",
    EventKind.NOTICE_95: "Warning 95%",
    EventKind.PROFILE_UPGRADE: "Profile upgrade",
    EventKind.AUTO_UPGRADE: "Auto-upgrade",
    EventKind.FLEX: "Flex",
    EventKind.BLOCK: "Sending blocked",
    EventKind.DOWNGRADE: "Downgrade",
    EventKind.CARD_FAILURE: "Card",
    EventKind.CARD_FIXED: "Card",
    EventKind.CUSTOM_QUOTE: "Custom quote",
}


def event_points(result: SimulationResult, labels: list[str]) -> list[tuple[str, str, str]]:
    """(month, row, text) for every event, one point per kind, channel and cycle."""
    points: dict[tuple[str, str, str], list[str]] = {}
    for b in result.cycles:
        for e in b.events:
            key = (
                labels[b.cycle - 1],
                EVENT_ROWS[e.kind],
                e.channel.value if hasattr(e.channel, "value") else e.channel,
            )
            day = f"day {e.day}: " if e.day else ""
            points.setdefault(key, []).append(day + e.message)
    return [
        (month, row, f"{channel}: " + "<br>".join(texts))
        for (month, row, channel), texts in points.items()
    ]


def events_timeline(result: SimulationResult, labels: list[str], title: str) -> go.Figure:
    """Warnings, upgrades, flexes, blocks and downgrades of one setting, month by month.
    Days assume sends spread evenly over a 30-day cycle."""
    points = event_points(result, labels)
    fig = go.Figure(
        go.Scatter(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            text=[p[2] for p in points],
            mode="markers",
            marker=dict(size=12, color="#2f6f5e", symbol="diamond"),
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    fig.update_xaxes(categoryorder="array", categoryarray=labels)
    fig.update_yaxes(categoryorder="array", categoryarray=list(dict.fromkeys(EVENT_ROWS.values())))
    fig.update_layout(title=f"Events: {title}", **{**LAYOUT, "height": 380}, showlegend=False)
    return fig


def history_preview(history: UsageHistory) -> go.Figure:
    """The loaded history: profiles, emails and SMS credits per month."""
    x = [month_label(m.month) for m in history.months]
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=("Active profiles", "Emails sent", "SMS credits"))  # fmt: skip
    for row, (values, color) in enumerate(
        (
            ([m.active_profiles for m in history.months], "#5b5fa8"),
            ([m.email_sends for m in history.months], "#2f6f5e"),
            ([m.sms_credits for m in history.months], "#c4572d"),
        ),
        start=1,
    ):
        fig.add_trace(go.Bar(x=x, y=values, marker_color=color, showlegend=False), row=row, col=1)
    fig.update_layout(**{**LAYOUT, "height": 480})
    return fig
