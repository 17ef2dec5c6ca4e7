"""`ckan datong sharing tick`: what the sharing workflow does on a clock — escalate overdue
requests to the data authority and audit grants whose period ended. config/serve.sh runs it
every few minutes; run it from cron where the portal is served otherwise."""
from __future__ import annotations

import click


@click.group(short_help="Sharing requests.")
def sharing() -> None:
    """Sharing requests, grants and their deadlines (ckanext.datong.sharing)."""


@sharing.command("tick")
def tick() -> None:
    """Escalate overdue requests and audit expired grants."""
    import ckan.model as model

    from ckanext.datong.sharing import workflow

    escalated = workflow.escalate_overdue()
    click.echo(f"  {len(escalated)} overdue requests escalated to the data authority")
    expired = workflow.record_expiries()
    model.Session.commit()
    click.echo(f"escalated {len(escalated)} overdue requests, recorded {len(expired)} expired grants")
