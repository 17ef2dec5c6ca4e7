"""Who may see and download what: the single access decision point.

Every channel asks this package, and nothing else decides:
- identity: who is asking (a Viewer: account, organizations, authority);
- decision: what an entry's attributes allow (audiences, file statuses, grades, references);
- labels: CKAN's permission labels (package_show auth, search filters, activity labels);
- redaction: entry dicts as their reader may see them (package_show, search, activities).
"""
from ckanext.datong.access.decision import (
    ALLOWED, DENIED, GRANT_REQUIRED, MESSAGES, NOT_FOUND_MESSAGE, NOT_VISIBLE_MESSAGE, STATUSES,
    UUID, WHOLE, Entry, Scope, audience, authorized, can_see_grade, data_scope, file_auth,
    file_statuses,
    referenced_entry, resource_file_status, seen_entries, updatable, visible_packages)
from ckanext.datong.access.identity import (
    ANONYMOUS, Viewer, current_viewer, viewer, viewer_from_context)
from ckanext.datong.access.labels import (
    dataset_labels, may_see, relabel_history, user_labels)
from ckanext.datong.access.redaction import (
    flagged_item, hide_grading, redact_dataset, redact_entry, redact_search_results, searching)

__all__ = [
    "ALLOWED", "DENIED", "GRANT_REQUIRED", "MESSAGES", "NOT_FOUND_MESSAGE", "NOT_VISIBLE_MESSAGE",
    "STATUSES", "UUID", "WHOLE", "Entry", "Scope", "data_scope", "audience", "authorized", "can_see_grade", "file_auth",
    "file_statuses", "referenced_entry", "resource_file_status", "seen_entries", "updatable",
    "visible_packages", "ANONYMOUS", "Viewer", "current_viewer", "viewer", "viewer_from_context",
    "dataset_labels", "may_see", "relabel_history", "user_labels", "flagged_item",
    "hide_grading", "redact_dataset", "redact_entry", "redact_search_results", "searching",
]
