"""`ckan datong search rebuild`: the parallel rebuild of the embedded search index."""
from __future__ import annotations

import click


@click.group(short_help="Embedded search index.")
def search() -> None:
    """The embedded PostgreSQL search index (ckanext.datong.search.backend = postgres)."""


@search.command("rebuild")
@click.option("--workers", default=2, show_default=True, help="Worker processes.")
@click.option("--batch-size", default=500, show_default=True, help="Datasets per write.")
def rebuild(workers: int, batch_size: int) -> None:
    """Reindex every dataset in batches and parallel workers; `ckan search-index rebuild`
    does the same one dataset at a time."""
    from ckanext.datong import config
    from ckanext.datong.search import rebuild as search_rebuild

    if config.search_backend() != "postgres":
        raise click.ClickException("此命令仅用于内置 PostgreSQL 搜索 (ckanext.datong.search.backend = postgres)；"
                                   "使用 Solr 时请运行 ckan search-index rebuild")
    summary = search_rebuild.rebuild(workers=workers, batch_size=batch_size, echo=click.echo)
    click.echo(summary.line())
    if summary.failed:
        click.echo(f"索引失败的条目（{len(summary.failed)} 个）：", err=True)
        for package_id in summary.failed:
            click.echo(package_id, err=True)
        raise SystemExit(1)
