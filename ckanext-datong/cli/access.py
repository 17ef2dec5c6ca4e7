"""`ckan datong access relabel`: give every entry's activity history the labels the entry
has now (needed once for activities written before the portal kept them in step)."""
from __future__ import annotations

import click


@click.group(short_help="Access rules.")
def access() -> None:
    """Who may see what (ckanext.datong.access)."""


@access.command("relabel")
def relabel() -> None:
    """Relabel the activities of every entry with its current visibility."""
    import ckan.model as model

    from ckanext.datong import access as decision

    package_ids = [row[0] for row in model.Session.query(model.Package.id).order_by(model.Package.id)]
    for number, package_id in enumerate(package_ids, 1):
        decision.relabel_history(package_id)
        if number % 500 == 0:
            model.Session.commit()
            click.echo(f"  {number}/{len(package_ids)} entries")
    model.Session.commit()
    click.echo(f"relabelled the activity history of {len(package_ids)} entries")
