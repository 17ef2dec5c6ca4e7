"""The data authority's and each department's dashboards (docs/dashboards.md): catalog
compilation, update timeliness, sharing, harvest health and the plan's targets.

- facts: the one query over the catalog every entry figure is counted from, and the
  organizations; scope: whose figures a dashboard shows;
- compilation, timeliness, quality, targets, sharing_stats, harvest_health: the figures of
  each section as functions of those facts (or of one query each);
- tables: the section tables with their charts, and their CSV and .xlsx exports; charts:
  inline SVG bar charts.
"""
