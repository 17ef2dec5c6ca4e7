"""Template helpers of the portal's pages, one module per page: home (home page, department and
county pages, footer), results (search results), entry (the entry page and form), previews,
related and share (parts of the entry and resource pages), api_guide (the API page)."""
