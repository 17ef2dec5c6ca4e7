"""Actions, auth functions, validators and action schemas of ckanext-datong."""
