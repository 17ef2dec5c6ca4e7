"""The catalog workbook (.xlsx) in the 1272 layout: export, reading, import and its job.

Sheet 目录 holds one row per catalog entry, sheet 信息项 one row per data item keyed by
信息资源代码; the column headings are the Chinese labels of schemas/dataset.yaml (layout.py).
"""
