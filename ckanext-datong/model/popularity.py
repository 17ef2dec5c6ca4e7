"""Popularity of catalog entries: counted page views and downloads (ckanext.datong.popularity
writes and reads them)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa


class PopularityHit(tk.BaseModel):
    """One visitor's view of an entry's page, or download of one of its files, on one day
    (Beijing time): counted once however often it is repeated that day."""
    __tablename__ = "datong_popularity_hit"

    KIND_VIEW = "view"
    KIND_DOWNLOAD = "download"

    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           primary_key=True)
    kind = sa.Column(sa.UnicodeText, primary_key=True)
    day = sa.Column(sa.Date, primary_key=True)
    resource_id = sa.Column(sa.UnicodeText, primary_key=True, default="")
    visitor = sa.Column(sa.UnicodeText, primary_key=True)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('view', 'download')", name="datong_popularity_hit_kind"),
    )


class Popularity(tk.BaseModel):
    """An entry's counts as last aggregated: all time, and within the recent window."""
    __tablename__ = "datong_popularity"

    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           primary_key=True)
    views_total = sa.Column(sa.Integer, nullable=False, default=0)
    views_recent = sa.Column(sa.Integer, nullable=False, default=0)
    downloads_total = sa.Column(sa.Integer, nullable=False, default=0)
    downloads_recent = sa.Column(sa.Integer, nullable=False, default=0)
    counted = sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
