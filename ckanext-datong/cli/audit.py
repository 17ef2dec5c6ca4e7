"""`ckan datong audit verify|export`: check the SM3 chain of the audit log, export it as CSV."""
from __future__ import annotations

import re
from typing import Optional

import click

HEAD = re.compile(r"^[0-9a-f]{64}$")


@click.group(short_help="Audit log.")
def audit() -> None:
    """The append-only audit log of sharing requests and grants (ckanext.datong.sharing.audit)."""


def _head(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    if value is not None and not HEAD.match(value):
        raise click.BadParameter("链头哈希应为64位小写十六进制字符")
    return value


@audit.command("verify")
@click.option("--expect-head", callback=_head, metavar="HASH",
              help="A head hash recorded elsewhere earlier; it must still be in the log.")
def verify(expect_head: Optional[str]) -> None:
    """Recompute the whole chain; exit code 1 on any problem. Record the printed head
    outside the database: deleting the newest events can only be seen against it."""
    from ckanext.datong.sharing import audit as log

    result = log.verify(expect_head=expect_head,
                        progress=lambda events: click.echo(f"  已校验 {events} 条事件"))
    for _, message in result.problems:
        click.echo(message, err=True)
    click.echo(result.summary())
    if not result.ok:
        raise SystemExit(1)


@audit.command("export")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="CSV file to write (default: standard output).")
@click.option("--package-id", help="Only the events of this catalog entry (id or URL name).")
def export(output: Optional[str], package_id: Optional[str]) -> None:
    """Every event (or those of one entry) as CSV: UTF-8 with a byte-order mark, Chinese
    headers, Beijing times."""
    import ckan.model as model

    from ckanext.datong.sharing import audit as log

    if package_id:
        package = model.Package.get(package_id)
        package_id = package.id if package else package_id
    lines = log.csv_lines(log.Filters(package_id=package_id))
    if output is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    written = -1  # the header line is not an event
    with open(output, "w", encoding="utf-8", newline="") as target:
        for line in lines:
            target.write(line)
            written += 1
    click.echo(f"已导出 {written} 条事件到 {output}", err=True)
