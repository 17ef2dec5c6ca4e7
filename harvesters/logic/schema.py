"""Validation schemas of the harvest plugin's actions."""
from __future__ import annotations

from typing import Any

from ckan.logic.schema import validator_args
from ckan.types import Schema


@validator_args
def datong_harvest_preview_schema(not_empty: Any, ignore_missing: Any, unicode_safe: Any,
                                  natural_number_validator: Any) -> Schema:
    return {
        "source_type": [not_empty, unicode_safe],
        "url": [not_empty, unicode_safe],
        "config": [ignore_missing, unicode_safe],
        "owner_org": [ignore_missing, unicode_safe],
        "limit": [ignore_missing, natural_number_validator],
    }


@validator_args
def datong_harvest_unmatched_providers_schema() -> Schema:
    return {}


@validator_args
def datong_harvest_job_report_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {"id": [not_empty, unicode_safe]}
