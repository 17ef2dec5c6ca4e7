"""`ckan datong demo load`: load the demo catalog (idempotent)."""
from __future__ import annotations

import click


@click.group(short_help="Demo data.")
def demo() -> None:
    """Demo organizations, users and datasets (config/demo/)."""


@demo.command("load")
def load() -> None:
    """Create or update the demo organizations, users and datasets; print the demo logins."""
    from ckanext.datong import demo as demo_data

    summary = demo_data.load(click.echo)
    click.echo(summary.line())
