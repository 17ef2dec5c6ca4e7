"""The DCAT profile that follows ckanext-dcat's (`ckanext.dcat.rdf.profiles = euro_dcat_ap_3
datong_catalog`): it maps the municipal catalog fields to DCAT-AP 3 and the EU vocabularies,
and publishes files only where anyone may download them. The IRIs of controlled vocabularies
are typed in the output (the class each DCAT-AP range asks for), see docs/dcat.md."""
from __future__ import annotations

import datetime
from typing import Any, Iterable, Optional
from urllib.parse import quote

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles import RDFProfile
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, RDF, SKOS, SPDX, XSD
from ckanext.dcat.utils import catalog_uri, resource_uri
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from ckanext.datong import access, clock, licences, lists, vocabulary
from ckanext.datong.dcat import mapping, publication

CHINESE = "zh"
CATALOG_DESCRIPTION = ("大同市公共数据开放目录：列出向社会开放的公共数据（无条件开放和有条件开放），"
                       "有条件开放的数据需在平台提出申请并签署数据利用协议后获取。")
CONDITIONAL_RIGHTS = "有条件开放：需在平台提出申请并签署数据利用协议后获取"
SCHEMES = {"themes": ("theme", "大同市公共数据主题"),
           "industry_domains": ("industry_domain", "大同市公共数据行业领域")}
"""The portal's concept schemes: vocabulary → (dataset field, title)."""
EU_DATA_THEMES = URIRef(mapping.EU + "data-theme")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
PUBLISHER_TYPES = URIRef("http://purl.org/adms/publishertype/1.0")
DISTRIBUTION_LINKS = (DCAT.accessURL, DCAT.downloadURL, DCT["format"], DCAT.mediaType,
                      SPDX.checksum, DCT.license, DCT.rights)
"""What this profile decides for every distribution (the base profile's values replaced)."""


def site_page(path: str) -> URIRef:
    return URIRef(tk.config["ckan.site_url"].rstrip("/") + path)


def beijing(literal: Literal) -> Literal:
    """An xsd:dateTime in Beijing time with its +08:00 offset (CKAN's naive times are UTC)."""
    try:
        moment = datetime.datetime.fromisoformat(str(literal))
    except ValueError:
        return literal
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return Literal(moment.astimezone(clock.BEIJING).isoformat(), datatype=XSD.dateTime)


class DatongCatalogProfile(RDFProfile):
    """Runs after euro_dcat_ap_3 and corrects or completes what it wrote. It makes no blank
    nodes: the same catalog serializes to the same text (tests/leaks compares answers)."""

    # ------------------------------------------------------------------ dataset
    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        page = site_page(f"/dataset/{dataset_dict.get('name') or dataset_dict.get('id')}")
        self._chinese(dataset_ref, (DCT.title, DCT.description, DCAT.keyword))
        if dataset_dict.get("resource_code"):
            g.add((dataset_ref, DCT.identifier, Literal(dataset_dict["resource_code"])))
        self._set(dataset_ref, DCAT.landingPage, page, FOAF.Document)
        self._set(dataset_ref, DCT.language, mapping.language(), DCT.LinguisticSystem)
        self._set(dataset_ref, DCT.accrualPeriodicity,
                  mapping.frequency(dataset_dict.get("update_frequency")), DCT.Frequency)
        self._set(dataset_ref, DCT.accessRights,
                  mapping.access_right(dataset_dict.get("open_type")), DCT.RightsStatement)
        if dataset_dict.get("publish_date"):
            g.remove((dataset_ref, DCT.issued, None))
            g.add((dataset_ref, DCT.issued, Literal(dataset_dict["publish_date"], datatype=XSD.date)))
        self._themes(dataset_ref, dataset_dict)
        self._publisher(dataset_ref, dataset_dict.get("owner_org"))
        subjects = [dataset_ref]
        for resource in dataset_dict.get("resources") or []:
            subjects.append(self._distribution(dataset_dict, resource, page))
        self._in_beijing_time(subjects)

    def _themes(self, dataset_ref: Node, dataset_dict: dict[str, Any]) -> None:
        """The portal's own concepts of 主题 and 行业领域, and their nearest EU data themes."""
        g = self.g
        g.remove((dataset_ref, DCAT.theme, None))
        for name, (field, _title) in SCHEMES.items():
            for value in lists.parsed(dataset_dict.get(field)) or []:
                scheme = self._scheme(name)
                concept = URIRef(f"{scheme}/{quote(value)}")
                self._concept(concept, Literal(value, lang=CHINESE), scheme)
                g.add((dataset_ref, DCAT.theme, concept))
                eu_theme = mapping.data_theme(name, value)
                if eu_theme:
                    self._concept(eu_theme[0], Literal(eu_theme[1], lang="en"), self._eu_themes())
                    g.add((dataset_ref, DCAT.theme, eu_theme[0]))

    def _distribution(self, dataset_dict: dict[str, Any], resource: dict[str, Any],
                      page: URIRef) -> URIRef:
        """Access, format, checksum and licence of one file: a file anyone may download has
        its downloadURL (accessURL: its page); an interface its endpoint as accessURL; a file
        that needs an application only the entry's page as accessURL."""
        g = self.g
        distribution = URIRef(resource_uri(resource))
        for predicate in DISTRIBUTION_LINKS:  # the base profile's values (its checksum node)
            for old in list(g.objects(distribution, predicate)):
                g.remove((distribution, predicate, old))
                if isinstance(old, BNode):
                    g.remove((old, None, None))
        self._chinese(distribution, (DCT.title, DCT.description))
        found = mapping.file_format(resource.get("format"), resource.get("mimetype"))
        url = resource.get("url")
        if url and resource.get("datong_download") == access.ALLOWED:
            if found.service:
                g.add((distribution, DCAT.accessURL, URIRef(url)))
            else:
                g.add((distribution, DCAT.accessURL, site_page(
                    f"/dataset/{dataset_dict.get('name')}/resource/{resource.get('id')}")))
                g.add((distribution, DCAT.downloadURL, URIRef(url)))
        else:
            g.add((distribution, DCAT.accessURL, page))
            rights = URIRef(f"{distribution}#rights")
            g.add((rights, RDF.type, DCT.RightsStatement))
            g.add((rights, RDFS.label, Literal(
                dataset_dict.get("open_condition") or CONDITIONAL_RIGHTS, lang=CHINESE)))
            g.add((distribution, DCT.rights, rights))
        self._add(distribution, DCT["format"], found.file_type, DCT.MediaTypeOrExtent)
        self._add(distribution, DCAT.mediaType, found.media_type, DCT.MediaType)
        self._checksum(distribution, resource)
        if dataset_dict.get("license_id"):
            self._add(distribution, DCT.license, licence_iri(dataset_dict, page),
                      DCT.LicenseDocument)
        return distribution

    def _checksum(self, distribution: URIRef, resource: dict[str, Any]) -> None:
        algorithm = mapping.checksum_algorithm(resource.get("hash"), resource.get("hash_algorithm"))
        if algorithm is None:
            return
        checksum = URIRef(f"{distribution}#checksum")
        self.g.add((checksum, RDF.type, SPDX.Checksum))
        self.g.add((checksum, SPDX.algorithm, algorithm))
        self.g.add((algorithm, RDF.type, SPDX.ChecksumAlgorithm))
        self.g.add((checksum, SPDX.checksumValue,
                    Literal(str(resource["hash"]).strip().lower(), datatype=XSD.hexBinary)))
        self.g.add((distribution, SPDX.checksum, checksum))

    def _publisher(self, subject: Node, org_id: Optional[str]) -> None:
        """The department as a foaf:Agent: Chinese name, 统一社会信用代码 as dct:identifier."""
        group = model.Group.get(org_id) if org_id else None
        if group is None:
            return
        self.g.remove((subject, DCT.publisher, None))
        agent = URIRef(f"{catalog_uri()}/organization/{group.id}")
        self.g.add((subject, DCT.publisher, agent))
        self.g.remove((agent, None, None))  # the base profile's description, or ours again
        self.g.add((agent, RDF.type, FOAF.Agent))
        self.g.add((agent, FOAF.name, Literal(group.title, lang=CHINESE)))
        uscc = group.extras.get("uscc")
        if uscc:
            self.g.add((agent, DCT.identifier, Literal(uscc)))
        self.g.add((agent, DCT.type, LOCAL_AUTHORITY))
        self._concept(LOCAL_AUTHORITY, Literal("Local Authority", lang="en"), PUBLISHER_TYPES,
                      "Publisher Type")

    # ------------------------------------------------------------------ catalog
    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Node) -> None:
        g = self.g
        self._chinese(catalog_ref, (DCT.title, DCT.description))
        if (catalog_ref, DCT.description, None) not in g:
            g.add((catalog_ref, DCT.description, Literal(CATALOG_DESCRIPTION, lang=CHINESE)))
        self._set(catalog_ref, DCT.language, mapping.language(), DCT.LinguisticSystem)
        for homepage in g.objects(catalog_ref, FOAF.homepage):
            g.add((homepage, RDF.type, FOAF.Document))
        g.remove((catalog_ref, DCT.modified, None))
        modified = publication.last_public_modification()
        if modified:
            self._add_date_triple(catalog_ref, DCT.modified, modified)
        authority = authority_id()
        if authority:
            self._publisher(catalog_ref, authority)
        else:  # no data authority organization yet: the portal itself
            agent = URIRef(f"{catalog_uri()}#publisher")
            g.add((catalog_ref, DCT.publisher, agent))
            g.add((agent, RDF.type, FOAF.Agent))
            g.add((agent, FOAF.name, Literal(tk.config.get("ckan.site_title"), lang=CHINESE)))
        for name in SCHEMES:
            g.add((catalog_ref, DCAT.themeTaxonomy, self._scheme(name)))
        g.add((catalog_ref, DCAT.themeTaxonomy, self._eu_themes()))
        self._in_beijing_time([catalog_ref])

    # ------------------------------------------------------------------ helpers
    def _scheme(self, name: str) -> URIRef:
        """The portal's concept scheme of vocabulary `name`, described once."""
        scheme = URIRef(f"{catalog_uri()}/vocabulary/{name}")
        if (scheme, RDF.type, SKOS.ConceptScheme) not in self.g:
            self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
            self.g.add((scheme, DCT.title, Literal(SCHEMES[name][1], lang=CHINESE)))
        return scheme

    def _eu_themes(self) -> URIRef:
        if (EU_DATA_THEMES, RDF.type, SKOS.ConceptScheme) not in self.g:
            self.g.add((EU_DATA_THEMES, RDF.type, SKOS.ConceptScheme))
            self.g.add((EU_DATA_THEMES, DCT.title, Literal("Data theme", lang="en")))
        return EU_DATA_THEMES

    def _concept(self, concept: URIRef, label: Literal, scheme: URIRef,
                 scheme_title: Optional[str] = None) -> None:
        self.g.add((concept, RDF.type, SKOS.Concept))
        self.g.set((concept, SKOS.prefLabel, label))
        self.g.add((concept, SKOS.inScheme, scheme))
        if scheme_title:
            self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
            self.g.set((scheme, DCT.title, Literal(scheme_title, lang="en")))

    def _add(self, subject: Node, predicate: URIRef, value: Optional[URIRef],
             kind: URIRef) -> None:
        """subject predicate value, the value typed `kind` (the class DCAT-AP's range asks)."""
        if value is not None:
            self.g.add((subject, predicate, value))
            self.g.add((value, RDF.type, kind))

    def _set(self, subject: Node, predicate: URIRef, value: Optional[URIRef],
             kind: URIRef) -> None:
        """Like _add, replacing what the base profile wrote."""
        self.g.remove((subject, predicate, None))
        self._add(subject, predicate, value, kind)

    def _chinese(self, subject: Node, predicates: Iterable[URIRef]) -> None:
        """Plain literals of `subject` tagged as Chinese."""
        for predicate in predicates:
            for value in list(self.g.objects(subject, predicate)):
                if isinstance(value, Literal) and not value.language and value.datatype is None:
                    self.g.remove((subject, predicate, value))
                    self.g.add((subject, predicate, Literal(str(value), lang=CHINESE)))

    def _in_beijing_time(self, subjects: Iterable[Node]) -> None:
        for subject in subjects:
            for predicate, value in list(self.g.predicate_objects(subject)):
                if isinstance(value, Literal) and value.datatype == XSD.dateTime:
                    self.g.remove((subject, predicate, value))
                    self.g.add((subject, predicate, beijing(value)))


def licence_iri(dataset_dict: dict[str, Any], page: URIRef) -> URIRef:
    """The entry's licence as a resolvable IRI: the licence's absolute address (its page on
    the portal for the portal's own licences), else the entry's page."""
    found = licences.datong_licence(dataset_dict.get("license_id"))
    url = (found or {}).get("url") or ""
    return URIRef(url) if url.startswith(("http://", "https://")) else page


def authority_id() -> Optional[str]:
    """The data authority's organization (the catalog's publisher): the first active
    organization whose kind is an authority kind."""
    kinds = [term.value for term in vocabulary.terms("org_kinds") if term.get("authority")]
    row = (model.Session.query(model.Group.id)
           .join(model.GroupExtra, model.GroupExtra.group_id == model.Group.id)
           .filter(model.Group.is_organization.is_(True), model.Group.state == model.State.ACTIVE,
                   model.GroupExtra.key == "org_kind", model.GroupExtra.value.in_(kinds),
                   model.GroupExtra.state == model.State.ACTIVE)
           .order_by(model.Group.created).first())
    return row[0] if row else None
