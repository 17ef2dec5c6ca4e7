"""`ckan datong registration verify`: recompute the registry chain of data asset registration."""
from __future__ import annotations

from typing import Optional

import click

from ckanext.datong.cli.audit import _head


@click.group(short_help="Data asset registration.")
def registration() -> None:
    """The registry of data asset registration (ckanext.datong.registration.chain)."""


@registration.command("verify")
@click.option("--expect-head", callback=_head, metavar="HASH",
              help="A head hash recorded elsewhere earlier; it must still be in the registry.")
def verify(expect_head: Optional[str]) -> None:
    """Recompute every version row and both chains; exit code 1 on any problem, each listed.
    Record the printed head outside the database: deleting the newest rows can only be seen
    against it."""
    from ckanext.datong.registration import chain

    result = chain.verify(expect_head=expect_head,
                          progress=lambda rows: click.echo(f"  已校验 {rows} 条版本记录"))
    for problem in result.problems:
        click.echo(problem.message, err=True)
    click.echo(result.summary())
    if not result.ok:
        raise SystemExit(1)
