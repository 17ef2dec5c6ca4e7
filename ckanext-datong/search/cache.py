"""Cached counts and facets of searches, valid until the index changes.

Counting and faceting read every matching document, which for the empty query (the home
page and /dataset/) is the whole catalog. Like Solr's filter and query-result caches, the
result is kept (in Redis, shared by every CKAN process) under the index generation: a
counter bumped after every committed index write, so no stale entry is ever read again.
Entries also expire after a while, which bounds staleness if a process dies between its
commit and the bump.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_GENERATION = "ckanext-datong:{site}:search:generation"
_ENTRY = "ckanext-datong:{site}:search:{generation}:{digest}"
_TTL_SECONDS = 600


def _site() -> str:
    """The portal's ckan.site_id: portals (or test workers) sharing a Redis database keep
    their caches apart."""
    return str(tk.config.get("ckan.site_id") or "default")


def bump_generation() -> None:
    """Invalidate every cached entry (called after an index write commits)."""
    try:
        connect_to_redis().incr(_GENERATION.format(site=_site()))
    except RedisError as error:
        log.warning("search cache generation not bumped: %s", error)


def cached(key: Any, compute: Callable[[], Any]) -> Any:
    """The JSON-serializable result of `compute` for `key` at the current index generation.
    Without Redis it just computes."""
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    try:
        redis = connect_to_redis()
        site = _site()
        generation = int(redis.get(_GENERATION.format(site=site)) or 0)
        entry = _ENTRY.format(site=site, generation=generation, digest=digest)
        hit = redis.get(entry)
        if hit is not None:
            return json.loads(hit)
    except RedisError as error:
        log.warning("search cache unavailable: %s", error)
        return compute()
    value = compute()
    try:
        redis.set(entry, json.dumps(value), ex=_TTL_SECONDS)
    except RedisError as error:
        log.warning("search cache not written: %s", error)
    return value
