"""Pure figure builders: engine results in, plotly figures out. No st.* calls here.

Each builder's data comes straight from the engine's result, so the tests compare figure data
with the result it was drawn from. Figures are built as plain dicts with no named template
(Streamlit themes plotly charts in the browser): a named template such as plotly_white costs
about 9 ms per figure and make_subplots more, on every slider move (benchmarks/ui_bench.py).
"""

from __future__ import annotations

import math
from itertools import accumulate

import plotly.graph_objects as go

from engine.compare import Comparison, Outcome
from engine.growth import Projection
from engine.history import UsageHistory, month_label
from engine.models import EventKind, SimulationResult

COLORS = {
    "stop": "#8c8c8c",
    "flex": "#2f6f5e",
    "flex_auto_downgrade": "#7fb8a4",
    "auto_upgrade": "#c4572d",
    "auto_upgrade_manual_downgrade": "#e3a66b",
    "current": "#5b5fa8",
}


def _layout(title: str, height: int = 360, **extra) -> dict:
    return {
        "title": {"text": title},
        "template": "none",
        "height": height,
        # Fixed margins: automargin makes plotly lay out several times on every update (~30 ms).
        "margin": {"l": 64, "r": 16, "t": 50, "b": 64},
        # The legend sits at the bottom of the figure, below the month labels (which plotly
        # turns to 45 or 90 degrees on a narrow screen); `_figure` sizes the bottom margin for
        # it, and margin.autoexpand widens it where a narrow screen needs more rows.
        "legend": {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        **extra,
    }


# The bottom margin holds the month labels and the legend below them. Plotly widens a margin
# that is too small for its legend (margin.autoexpand), but then lays the figure out a second
# time on every update: ~50 ms more per slider move with two charts (benchmarks/ui_bench.py).
# So the margin is sized for the legend's rows in the results column of a laptop screen (about
# 400 px of legend entries a row, each ~40 px plus ~5.6 px a character); a phone's narrower
# figure still widens it, a wider screen leaves some space.
TICK_LABELS_PX = 74  # month labels turned 45 degrees, with the axis line and padding
LEGEND_ROW_PX, LEGEND_PAD_PX, LEGEND_ROW_WIDTH_PX = 19, 10, 400


def legend_rows(names: list[str]) -> int:
    """The legend's rows, estimated for the figure width of the Explore results column."""
    width = sum(40 + 5.6 * len(n) for n in names)
    return math.ceil(width / LEGEND_ROW_WIDTH_PX)


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """The figure, its bottom margin sized for its legend (see legend_rows)."""
    names = [d["name"] for d in data if d.get("name") and d.get("showlegend", True)]
    if layout.get("showlegend", True) and names:
        rows = legend_rows(names)
        layout["margin"]["b"] = TICK_LABELS_PX + LEGEND_PAD_PX + LEGEND_ROW_PX * rows
    return go.Figure({"data": data, "layout": layout})


def cumulative_cost(comparison: Comparison, labels: list[str], with_lost: bool = False) -> go.Figure:
    """Running total of each setting's bill (or bill + lost revenue) over the cycles."""
    data = []
    for o in comparison.outcomes:
        per_cycle = [
            float(b.total_usd + (b.lost_revenue_usd if with_lost else 0)) for b in o.result.cycles
        ]
        data.append(
            {
                "type": "scatter",
                "x": labels,
                "y": list(accumulate(per_cycle)),
                "name": o.label,
                "mode": "lines+markers",
                "line": {
                    "color": COLORS.get(o.key),
                    "width": 3 if o.key == comparison.cheapest_with_lost else 2,
                },
                "hovertemplate": "%{x}: $%{y:,.2f}<extra>" + o.label + "</extra>",
            }
        )
    title = "Cumulative bill + lost revenue" if with_lost else "Cumulative bill"
    return _figure(data, _layout(title, yaxis={"tickprefix": "$", "rangemode": "nonnegative"}))


BILL_LINES = (
    ("Email plan", "#2f6f5e", lambda b: b.email_base_usd),
    ("Upgrades", "#c4572d", lambda b: b.email_upgrade_usd + b.sms_upgrade_usd),
    ("Flex fees", "#e3a66b", lambda b: b.email_flex_usd + b.sms_flex_usd),
    ("SMS plan", "#5b5fa8", lambda b: b.sms_base_usd),
)


def monthly_bill(outcome: Outcome, labels: list[str]) -> go.Figure:
    """One setting's monthly bill, stacked by line: base, upgrade, flex, SMS. A line that is zero
    in every month (no SMS plan, no flex) is left out."""
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": [float(amount(b)) for b in outcome.result.cycles],
            "name": name,
            "marker": {"color": color},
            "hovertemplate": "%{x}: $%{y:,.2f}<extra>" + name + "</extra>",
        }
        for name, color, amount in BILL_LINES
        if any(amount(b) for b in outcome.result.cycles) or name == "Email plan"
    ]
    layout = _layout(
        f"Monthly bill: {outcome.label}",
        barmode="stack",
        yaxis={"tickprefix": "$", "rangemode": "nonnegative"},
    )
    return _figure(data, layout)


def _two_rows(title_top: str, title_bottom: str, height: int) -> dict:
    """A layout with two stacked plots sharing the x axis (what make_subplots would build)."""
    return _layout(
        "",
        height,
        xaxis={"anchor": "y", "matches": "x2", "showticklabels": False},
        xaxis2={"anchor": "y2"},
        yaxis={"domain": [0.56, 1.0]},
        yaxis2={"domain": [0.0, 0.44]},
        annotations=[
            {"text": t, "x": 0.5, "y": y, "xref": "paper", "yref": "paper", "showarrow": False,
             "xanchor": "center", "yanchor": "bottom"}
            for t, y in ((title_top, 1.0), (title_bottom, 0.44))
        ],
    )  # fmt: skip


def demand_vs_limit(
    history: UsageHistory, projection: Projection, result: SimulationResult
) -> go.Figure:
    """Messages against their limit, and profiles against the plan's band: history, then
    projection. The top plot is email, or SMS credits for an account that sends no email."""
    past = [month_label(m.month) for m in history.months]
    future = projection.labels
    cycles = result.cycles
    email = any(m.email_sends for m in history.months) or any(b.email_sends_demand for b in cycles)
    sms = any(m.sms_credits for m in history.months) or any(b.sms_credits_demand for b in cycles)

    def trace(kind, x, y, name, row, **style):
        axes = {"xaxis": "x", "yaxis": "y"} if row == 1 else {"xaxis": "x2", "yaxis": "y2"}
        return {"type": kind, "x": x, "y": y, "name": name, **axes, **style}

    if email or not sms:
        top = [
            trace("bar", past, [m.email_sends for m in history.months], "Emails sent (history)", 1,
                  marker={"color": "#b9c4bf"}),
            trace("bar", future, [b.email_sends_demand for b in cycles], "Emails wanted (projection)", 1,
                  marker={"color": "#2f6f5e"}),
            trace("scatter", future, [b.email_send_limit for b in cycles], "Send limit (after flex/upgrade)", 1,
                  mode="lines", line={"color": "#c4572d", "shape": "hv", "width": 2}),
        ]  # fmt: skip
        title = "Emails: demand against the plan's limit"
    else:
        top = [
            trace("bar", past, [m.sms_credits for m in history.months], "SMS credits used (history)", 1,
                  marker={"color": "#b9c4bf"}),
            trace("bar", future, [b.sms_credits_demand for b in cycles], "SMS credits wanted (projection)", 1,
                  marker={"color": "#2f6f5e"}),
            trace("scatter", future, [b.sms_credits_available for b in cycles],
                  "Credits available at renewal", 1,
                  mode="lines", line={"color": "#c4572d", "shape": "hv", "width": 2}),
        ]  # fmt: skip
        title = "SMS credits: demand against the plan's credits"
    data = [
        *top,
        trace("scatter", past, [m.active_profiles for m in history.months], "Profiles (history)", 2,
              mode="lines", line={"color": "#8c8c8c"}),
        trace("scatter", future, [b.active_profiles for b in cycles], "Profiles (projection)", 2,
              mode="lines", line={"color": "#2f6f5e", "dash": "dot"}),
        trace("scatter", future, [b.email_plan_profiles for b in cycles], "Plan's profile band", 2,
              mode="lines", line={"color": "#5b5fa8", "shape": "hv"}),
    ]  # fmt: skip
    layout = _two_rows(title, "Active profiles against the plan's band", 520)
    layout["yaxis"]["rangemode"] = layout["yaxis2"]["rangemode"] = "nonnegative"
    layout["barmode"] = "overlay"
    layout["xaxis"]["categoryarray"] = layout["xaxis2"]["categoryarray"] = past + future
    layout["xaxis"]["categoryorder"] = layout["xaxis2"]["categoryorder"] = "array"
    if future:
        layout["shapes"] = [
            {"type": "line", "xref": "x2", "yref": "paper", "x0": len(past) - 0.5, "x1": len(past) - 0.5,
             "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "#999"}}
        ]  # fmt: skip
    return _figure(data, layout)


EVENT_ROWS = {
    EventKind.NOTICE_75: "Warning 75%",
    EventKind.NOTICE_90: "Warning 90%",
    EventKind.NOTICE_95: "Warning 95%",
    EventKind.PROFILE_UPGRADE: "Profile upgrade",
    EventKind.AUTO_UPGRADE: "Auto-upgrade",
    EventKind.FLEX: "Flex",
    EventKind.BLOCK: "Sending blocked",
    EventKind.DOWNGRADE: "Downgrade",
    EventKind.DOWNGRADE_CANCELLED: "Downgrade",
    EventKind.CARD_FAILURE: "Card",
    EventKind.CARD_FIXED: "Card",
    EventKind.CUSTOM_QUOTE: "Custom quote",
}


def event_points(result: SimulationResult, labels: list[str]) -> list[tuple[str, str, str]]:
    """(month, row, text) for every event, one point per kind, channel and cycle."""
    points: dict[tuple[str, str, str], list[str]] = {}
    for b in result.cycles:
        for e in b.events:
            key = (labels[b.cycle - 1], EVENT_ROWS[e.kind], e.channel.value)
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
    data = [
        {
            "type": "scatter",
            "x": [p[0] for p in points],
            "y": [p[1] for p in points],
            "text": [p[2] for p in points],
            "mode": "markers",
            "marker": {"size": 12, "color": "#2f6f5e", "symbol": "diamond"},
            "hovertemplate": "%{x}<br>%{text}<extra></extra>",
        }
    ]
    layout = _layout(
        f"Events: {title}",
        380,
        showlegend=False,
        xaxis={"categoryorder": "array", "categoryarray": labels},
        yaxis={"categoryorder": "array", "categoryarray": list(dict.fromkeys(EVENT_ROWS.values()))},
    )  # fmt: skip
    return _figure(data, layout)


def history_preview(history: UsageHistory) -> go.Figure:
    """The loaded history: profiles, emails and SMS credits per month. A channel with nothing in
    any month (an email-only or SMS-only account) gets no plot, rather than an empty -1..1 axis."""
    x = [month_label(m.month) for m in history.months]
    series = [
        ("Active profiles", [m.active_profiles for m in history.months], "#5b5fa8"),
        ("Emails sent", [m.email_sends for m in history.months], "#2f6f5e"),
        ("SMS credits", [m.sms_credits for m in history.months], "#c4572d"),
    ]
    series = [s for i, s in enumerate(series) if i == 0 or any(s[1])]
    n = len(series)
    data, layout = [], _layout("", 160 * n, showlegend=False, annotations=[])
    for i, (title, values, color) in enumerate(series, start=1):
        suffix = "" if i == 1 else str(i)
        data.append({"type": "bar", "x": x, "y": values, "marker": {"color": color}, "name": title,
                     "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})  # fmt: skip
        top = 1 - (i - 1) / n
        layout[f"yaxis{suffix}"] = {
            "domain": [top - 1 / n + 0.06, top - 0.02],
            "rangemode": "nonnegative",
        }
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", **({"matches": "x"} if i > 1 else {}),
                                    "showticklabels": i == n}  # fmt: skip
        layout["annotations"].append({"text": title, "x": 0.5, "y": top - 0.02, "xref": "paper", "yref": "paper",
                                      "showarrow": False, "yanchor": "bottom"})  # fmt: skip
    return _figure(data, layout)


def fan_chart(fans, labels: list[str]) -> go.Figure:
    """The cumulative bill of each fan's setting over the cycles: its P50 as a line inside a
    shaded P10-P90 band (one legend entry a setting, so the legend fits its margin) (`fans`: engine.uncertainty.Fan, the recommended and the current one)."""
    data = []
    for fan in fans:
        color = COLORS.get(fan.key, COLORS["current"])
        x = labels[: len(fan.p50)]
        data.append(
            {"type": "scatter", "x": x, "y": [float(v) for v in fan.p10], "name": f"{fan.label} P10",
             "mode": "lines", "line": {"width": 0, "color": color}, "showlegend": False,
             "hoverinfo": "skip"}
        )  # fmt: skip
        data.append(
            {"type": "scatter", "x": x, "y": [float(v) for v in fan.p90],
             "name": f"{fan.label}: P10 to P90", "mode": "lines", "fill": "tonexty", "showlegend": False,
             "line": {"width": 0, "color": color}, "fillcolor": _translucent(color),
             "hovertemplate": "%{x}: P90 $%{y:,.2f}<extra>" + fan.label + "</extra>"}
        )  # fmt: skip
        data.append(
            {"type": "scatter", "x": x, "y": [float(v) for v in fan.p50], "name": fan.label,
             "mode": "lines+markers", "line": {"width": 2, "color": color},
             "hovertemplate": "%{x}: P50 $%{y:,.2f}<extra>" + fan.label + "</extra>"}
        )  # fmt: skip
    layout = _layout(
        "Cumulative bill, P10 to P90 of the futures",
        yaxis={"tickprefix": "$", "rangemode": "nonnegative"},
    )
    return _figure(data, layout)


def _translucent(hex_color: str, alpha: float = 0.2) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
