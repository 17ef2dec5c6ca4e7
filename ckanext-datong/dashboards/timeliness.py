"""Update timeliness (更新及时率): an entry is late when more days have passed since its last
update than its 更新周期 allows. The last update is the entry's last change (CKAN's
metadata_modified: an edit, a file added or replaced, a harvest that changed it), counted in
Beijing days. Entries updated 不定期 (其他) are not judged and are counted apart."""
from __future__ import annotations

import dataclasses
from typing import Iterable

from ckanext.datong.dashboards.tables import Table

ALLOWED_DAYS: dict[str, int] = {
    "实时": 2,      # a real-time feed silent for more than two days
    "每日": 2,      # one day's cycle plus one day's grace
    "每周": 10,     # 7 + 3
    "每月": 38,     # 31 + 7
    "每季度": 107,  # 92 + 15
    "每半年": 213,  # 183 + 30
    "每年": 396,    # 366 + 30
}
"""Days since the last update after which an entry of each 更新周期 is late (the cycle's
longest length plus a grace period)."""
IRREGULAR = "其他"
"""The 更新周期 of entries updated irregularly (不定期): not judged."""


@dataclasses.dataclass
class Tally:
    """Regular entries (judged), those on time and late, and irregular ones."""

    judged: int = 0
    late: int = 0
    irregular: int = 0

    @property
    def on_time(self) -> int:
        return self.judged - self.late

    @property
    def rate(self) -> float | None:
        """Share on time of the judged entries; None when none is judged."""
        return self.on_time / self.judged if self.judged else None

    def add(self, late: bool | None, count: int) -> None:
        if late is None:
            self.irregular += count
        else:
            self.judged += count
            self.late += count if late else 0


def tally(groups: Iterable[tuple[bool | None, int]]) -> Tally:
    """The tally of (late, count) pairs."""
    result = Tally()
    for late, count in groups:
        result.add(late, count)
    return result


COLUMNS = ("应按期更新数", "按期数", "逾期数", "更新及时率（%）", "不定期数")


def _row(counts: Tally) -> tuple:
    rate = counts.rate
    return (counts.judged, counts.on_time, counts.late,
            None if rate is None else round(100 * rate, 1), counts.irregular)


def tables(groups: list, organizations: list, cycles: tuple[str, ...]) -> list[Table]:
    """Timeliness per organization and per 更新周期 (in vocabulary order)."""
    per_org: dict[str, Tally] = {org.id: Tally() for org in organizations}
    per_cycle: dict[str, Tally] = {cycle: Tally() for cycle in cycles}
    for group in groups:
        per_org.setdefault(group.owner_org, Tally()).add(group.late, group.count)
        per_cycle.setdefault(group.cycle, Tally()).add(group.late, group.count)
    org_rows = tuple((org.title,) + _row(per_org[org.id]) for org in organizations)
    cycle_rows = tuple(
        (cycle, ALLOWED_DAYS.get(cycle), counts.judged + counts.irregular, counts.late,
         None if counts.rate is None else round(100 * counts.rate, 1))
        for cycle, counts in per_cycle.items())
    return [
        Table("timeliness_organizations", "各单位更新及时率", ("单位",) + COLUMNS, org_rows,
              chart=(0, 4)),
        Table("timeliness_cycles", "按更新周期", ("更新周期", "逾期判定（超过天数）", "目录数",
                                              "逾期数", "更新及时率（%）"), cycle_rows, chart=(0, 3)),
    ]


def summary(groups: list) -> list[tuple[str, object]]:
    counts = tally((group.late, group.count) for group in groups)
    rate = counts.rate
    return [("更新及时率（%）", None if rate is None else round(100 * rate, 1)),
            ("逾期数", counts.late), ("不定期数", counts.irregular)]
