"""Sharing (共享与开放申请): requests by state, the providers' time to answer, overdue
requests and the share approved automatically by a scenario rule. Drafts (seen by their
requester only) are left out.

- time to answer: working days (sharing.workdays, the unit of every deadline) from the day
  a request first reached the provider's review (状态 待提供部门审核) to the provider's first
  decision on it (批准, 驳回 or 退回修改), Beijing dates; the median per provider;
- overdue: as sharing.workflow.overdue — a running step whose deadline has passed;
- automatic-approval share: requests approved by a scenario rule at submission, of all
  requests ever approved (by the rule, the provider or the authority's settlement).
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
import statistics
from typing import Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.datong import clock
from ckanext.datong.dashboards.facts import Organization
from ckanext.datong.dashboards.tables import Table, percent
from ckanext.datong.sharing import workdays, workflow

PROVIDER_ANSWERS = ("approve", "reject", "return")
AUTOMATIC = workflow.AUTOMATIC[workflow.APPROVED].name


@dataclasses.dataclass(frozen=True)
class Row:
    state: str
    provider_org_id: str
    overdue: bool
    reached: Optional[datetime.datetime]
    answered: Optional[datetime.datetime]
    automatic: bool
    approved: bool


def rows(provider_org: Optional[str], today: datetime.date) -> list[Row]:
    """Every submitted request (to one provider when `provider_org`), in one query."""
    statement = sa.text("""
        SELECT r.state, r.provider_org_id,
               (r.state = ANY(:running) AND r.due_date IS NOT NULL AND r.due_date < :today) AS overdue,
               min(d.created) FILTER (WHERE d.to_state = :reviewing) AS reached,
               min(d.created) FILTER (WHERE d.transition = ANY(:answers)) AS answered,
               COALESCE(bool_or(d.transition = :automatic), false) AS automatic,
               COALESCE(bool_or(d.to_state = :approved), false) AS approved
        FROM datong_request r LEFT JOIN datong_decision d ON d.request_id = r.id
        WHERE r.submitted IS NOT NULL AND (CAST(:org AS text) IS NULL OR r.provider_org_id = :org)
        GROUP BY r.id
    """)
    return [Row(**row._mapping) for row in model.Session.execute(statement, {
        "running": list(workflow.RUNNING), "today": today, "reviewing": workflow.REVIEWING,
        "answers": list(PROVIDER_ANSWERS), "automatic": AUTOMATIC, "approved": workflow.APPROVED,
        "org": provider_org})]


def answer_days(row: Row) -> Optional[int]:
    """Working days the provider took to answer, or None when it has not answered."""
    if row.reached is None or row.answered is None or row.answered < row.reached:
        return None
    return workdays.working_days_between(clock.beijing(row.reached).date(),
                                         clock.beijing(row.answered).date())


def median_days(found: list[Row]) -> Optional[float]:
    days = [d for d in (answer_days(row) for row in found) if d is not None]
    return float(statistics.median(days)) if days else None


def tables(found: list[Row], organizations: list[Organization]) -> list[Table]:
    """Requests by state, and per provider: requests, answered, median days, overdue, automatic."""
    by_state = collections.Counter(row.state for row in found)
    state_rows = tuple((label, by_state.get(state, 0))
                       for state, label in workflow.STATE_LABELS.items() if state != workflow.DRAFT)
    per_provider: dict[str, list[Row]] = collections.defaultdict(list)
    for row in found:
        per_provider[row.provider_org_id].append(row)
    provider_rows = tuple(
        (org.title, len(per_provider[org.id]),
         sum(1 for row in per_provider[org.id] if answer_days(row) is not None),
         median_days(per_provider[org.id]),
         sum(1 for row in per_provider[org.id] if row.overdue),
         sum(1 for row in per_provider[org.id] if row.automatic))
        for org in organizations if per_provider.get(org.id))
    return [
        Table("sharing_states", "申请状态分布", ("状态", "申请数"), state_rows, chart=(0, 1)),
        Table("sharing_providers", "提供部门答复情况",
              ("提供部门", "收到申请", "已答复", "答复用时中位数（工作日）", "超期数", "自动批准数"),
              provider_rows, chart=(0, 3)),
    ]


def summary(found: list[Row]) -> list[tuple[str, object]]:
    approved = sum(1 for row in found if row.approved)
    automatic = sum(1 for row in found if row.automatic)
    return [("申请数", len(found)), ("超期数", sum(1 for row in found if row.overdue)),
            ("答复用时中位数（工作日）", median_days(found)),
            ("自动批准占比（%）", percent(automatic, approved))]
