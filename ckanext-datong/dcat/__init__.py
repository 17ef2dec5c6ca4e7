"""DCAT-AP 3 output of the public catalog (docs/dcat.md): what is published (publication),
how the municipal fields map to DCAT-AP and the EU vocabularies (mapping, profile)."""
