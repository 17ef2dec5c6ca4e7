"""The embedded search backend: CKAN's Solr calls answered from PostgreSQL (seam.py replaces
CKAN's connection; store.py, engine.py and lucene.py index and search; rebuild.py rebuilds).
See docs/architecture.md."""
