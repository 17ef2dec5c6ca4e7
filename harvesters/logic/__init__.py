"""Actions and auth functions of the harvest plugin (harvesters/plugin.py)."""
