"""ckanext-datong: the Datong public-data portal, as one CKAN extension distribution."""
from setuptools import setup

setup(
    name="ckanext-datong",
    version="0.1.0",
    description="Datong public-data catalog and sharing portal (CKAN extension)",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11,<3.12",
    packages=[
        "ckanext.datong",
        "ckanext.datong.search",
        "ckanext.datong.cli",
        "ckanext.datong.logic",
        "ckanext.datong.views",
        "ckanext.datong.workbook",
        "ckanext.datong.model",
        "ckanext.datong.migration",
        "ckanext.datong.schemas",
        "ckanext.datong.harvesters",
    ],
    package_dir={
        "ckanext.datong": "ckanext-datong",
        "ckanext.datong.schemas": "schemas",
        "ckanext.datong.harvesters": "harvesters",
    },
    install_requires=[
        "ckan[requirements]==2.11.6",
        "ckanext-scheming==3.1.0",
        "ckanext-harvest==1.6.3",
        "ckanext-dcat==2.4.4",
        "charset-normalizer==3.3.2",
        "ijson==3.6.0",
        "luqum==1.0.0",
        "openpyxl==3.1.5",
        "pypinyin==0.55.0",
        "rjieba==0.2.2",
        "snowballstemmer==3.1.1",
    ],
    extras_require={
        "test": [
            "pytest==8.3.4",
            "pytest-factoryboy==2.7.0",
            "factory-boy==3.3.0",
            "Faker==26.0.0",
            "beautifulsoup4==4.12.3",
            "playwright==1.65.2",
        ],
    },
    include_package_data=False,
    package_data={
        "ckanext.datong": [
            "config_declaration.yaml",
            "templates/**/*",
            "i18n/**/*",
            "migration/datong/*",
            "migration/datong/versions/*.py",
        ],
        "ckanext.datong.schemas": ["*.yaml", "*.json"],
    },
    entry_points={
        "ckan.plugins": [
            "datong = ckanext.datong.plugin:DatongPlugin",
            "datong_json = ckanext.datong.harvesters.json:DatongJsonHarvester",
            "datong_table = ckanext.datong.harvesters.table:DatongTableHarvester",
            "datong_ckan = ckanext.datong.harvesters.ckan:DatongCkanHarvester",
            "datong_dcat = ckanext.datong.harvesters.dcat:DatongDcatHarvester",
        ],
        "ckan.rdf.profiles": [
            "datong_catalog = ckanext.datong.dcat_profile:DatongCatalogProfile",
        ],
    },
    zip_safe=False,
)
