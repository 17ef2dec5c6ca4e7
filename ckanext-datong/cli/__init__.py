"""`ckan datong …` commands."""
from __future__ import annotations

import click

from ckanext.datong.cli.access import access
from ckanext.datong.cli.audit import audit
from ckanext.datong.cli.demo import demo
from ckanext.datong.cli.popularity import popularity
from ckanext.datong.cli.registration import registration
from ckanext.datong.cli.search import search
from ckanext.datong.cli.sharing import sharing

__all__ = ["datong"]


@click.group(short_help="大同公共数据平台 (ckanext-datong) commands.")
def datong() -> None:
    """Commands of the Datong public-data portal."""


datong.add_command(access)
datong.add_command(audit)
datong.add_command(demo)
datong.add_command(popularity)
datong.add_command(registration)
datong.add_command(search)
datong.add_command(sharing)
