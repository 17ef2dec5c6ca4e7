"""Data asset registration (数据资产登记, docs/registration.md): workflow.py (the state
machine), chain.py (the SM3-chained versions and their verification), rules.py (refusals),
certificate.py (the PDF), dictize.py (records as the API and the pages show them)."""
