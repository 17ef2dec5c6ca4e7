"""WSGI entry point for gunicorn (docker/Dockerfile): CKAN's app for the ini named by $CKAN_INI.

gunicorn's `module:factory(args)` form only takes literal arguments, so the config is loaded
here. load_config also sets up logging from the ini's [logger_*] sections.
"""
from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config())
