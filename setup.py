"""Package layout that pyproject.toml cannot express: ship the top-level ``configs/`` and ``data/``
folders inside the package, as ``evalkit._bundled.configs`` and ``evalkit._bundled.data``.

They stay at the top of the repository (where users edit them and ``read_base()`` imports resolve);
a wheel can only install files inside packages, so the build maps them in (their files are listed as package-data in
pyproject.toml), and ``evalkit/resources.py`` looks them up in either place.  Everything else is in pyproject.toml.
"""
from setuptools import find_namespace_packages, setup

BUNDLED = {'evalkit._bundled.configs': 'configs', 'evalkit._bundled.data': 'data'}


def bundled_packages() -> dict[str, str]:
    """Each bundled folder and its sub-folders that are valid package names (the build warns about
    any such folder not listed); files in other sub-folders (``rc.nocontext``) ship as package data."""
    found = dict(BUNDLED)
    for package, folder in BUNDLED.items():
        for sub in find_namespace_packages(folder, exclude=['*__pycache__*']):
            found[f'{package}.{sub}'] = f"{folder}/{sub.replace('.', '/')}"
    return found


PACKAGE_DIRS = bundled_packages()

setup(
    packages=[*find_namespace_packages(include=['evalkit', 'evalkit.*'], exclude=['*__pycache__*']), *PACKAGE_DIRS],
    package_dir=PACKAGE_DIRS,
)
