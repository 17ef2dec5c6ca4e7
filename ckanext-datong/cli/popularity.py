"""`ckan datong popularity update`: sum the counted page views and downloads per entry and
reindex the entries whose counts changed (ckanext.datong.popularity). config/serve.sh runs it
every few minutes; run it from cron where the portal is served otherwise."""
from __future__ import annotations

import time

import click


@click.group(short_help="Page views and downloads per entry.")
def popularity() -> None:
    """Popularity of catalog entries: counted page views and downloads."""


@popularity.command("update")
def update() -> None:
    """Aggregate the counts and reindex the entries whose counts changed."""
    from ckanext.datong import popularity as counting

    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        click.echo(f"  [{done}/{total}] entries counted and reindexed")

    changed = counting.aggregate(progress)
    click.echo(f"popularity updated: {changed} entries changed and reindexed "
               f"in {time.monotonic() - started:.1f} s")
