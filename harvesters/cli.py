"""`ckan datong harvest preview`: the source form's preview on the command line."""
from __future__ import annotations

import json
import os

import click
import ckan.plugins.toolkit as tk

from ckanext.datong.harvesters import preview as preview_module

__all__ = ["harvest"]


@click.group(short_help="Harvest sources: preview a configuration.")
def harvest() -> None:
    """Harvest source tools of the Datong portal."""


@harvest.command()
@click.argument("config")
@click.argument("url")
@click.option("--type", "source_type", default="datong_json", show_default=True,
              help="datong_json, datong_table, datong_ckan or datong_dcat")
@click.option("--limit", default=preview_module.DEFAULT_LIMIT, show_default=True, type=click.IntRange(1, preview_module.MOST))
@click.option("--org", default="", help="the source's organization (URL name or id), for routing and validation")
def preview(config: str, url: str, source_type: str, limit: int, org: str) -> None:
    """Show the first entries of URL read with CONFIG (a JSON file or JSON text) as a harvest
    would map them, each with its errors in Chinese; nothing is written."""
    text = open(config, encoding="utf-8").read() if os.path.isfile(config) else config
    context = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    try:
        result = tk.get_action("datong_harvest_preview")(context, {
            "source_type": source_type, "url": url, "config": text, "limit": limit, "owner_org": org})
    except tk.ValidationError as error:
        raise click.ClickException(json.dumps(error.error_dict, ensure_ascii=False)) from error
    for number, entry in enumerate(result["entries"], start=1):
        click.echo(f"{number}. {entry['title']}")
        if entry["provider"]:
            click.echo(f"   提供部门：{entry['provider']}")
        click.echo(f"   组织：{entry['owner'] or '（无：不导入）'}")
        if entry["changes"]:
            click.echo("   改动：" + "；".join(entry["changes"]))
        for message in entry["errors"]:
            click.echo(f"   错误：{message}")
        click.echo("   " + json.dumps(entry["data"], ensure_ascii=False))
    valid = sum(1 for entry in result["entries"] if not entry["errors"])
    click.echo(f"共 {len(result['entries'])} 条，{valid} 条可导入，{len(result['entries']) - valid} 条有错误；未写入任何内容。")
    if result["error"]:
        raise click.ClickException(result["error"])
