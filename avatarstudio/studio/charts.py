"""A bar chart of seconds per month, as numbers an inline SVG template can draw."""

from __future__ import annotations

from dataclasses import dataclass

from avatarstudio.studio.quotas import MonthUsage

WIDTH = 600
HEIGHT = 200
LABEL_SPACE = 24  # below the bars, for the month names
TOP_SPACE = 18  # above the tallest bar, for its value


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    centre: float

    @property
    def value_y(self) -> float:
        return self.y - 5


@dataclass
class Chart:
    width: int
    height: int
    baseline: float
    label_y: float
    bars: list[Bar]
    summary: str  # the same figures in words, for screen readers


def month_bars(months: list[MonthUsage]) -> Chart:
    drawable = HEIGHT - LABEL_SPACE - TOP_SPACE
    tallest = max((month.seconds for month in months), default=0) or 1
    slot = WIDTH / max(len(months), 1)
    bars = []
    for index, month in enumerate(months):
        height = drawable * month.seconds / tallest
        bars.append(
            Bar(
                x=index * slot + slot * 0.2,
                y=HEIGHT - LABEL_SPACE - height,
                width=slot * 0.6,
                height=height,
                label=month.start.strftime("%b"),
                value=f"{month.seconds:.0f} s",
                centre=index * slot + slot / 2,
            )
        )
    summary = "; ".join(f"{month.start:%B %Y}: {month.seconds:.0f} seconds" for month in months)
    return Chart(WIDTH, HEIGHT, HEIGHT - LABEL_SPACE, HEIGHT - 6, bars, summary)
