"""Package set-up for workbench: every field comes from settings.ini (nbdev 2 layout)."""
from configparser import ConfigParser
import setuptools, shlex

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

expected = 'version description keywords author author_email'.split()
missing = [o for o in expected if o not in cfg]
if missing: raise KeyError(f"settings.ini is missing: {missing}")

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

requirements = shlex.split(cfg.get('requirements', ''))
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))
lic = licenses[cfg['license']]
min_python = cfg['min_python']
console_scripts = [o for o in cfg.get('console_scripts', '').split() if o]
# Folders shipped inside the package (found by `workbench.data.package_folder`), each with the files it carries.
SHIPPED = {'workbench._data': ['*.json', '*.safetensors'], 'workbench._data.results': ['*.jsonl'],
           'workbench._data.results.dit_grids': ['*.png'], 'workbench._nbs': [], 'workbench._nbs.experiments': ['*.ipynb']}

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title(),
                 'License :: ' + lic[1]] +
                ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    # The reference weights, cards and committed results (data/) and the experiment notebooks (nbs/experiments/) ship
    # inside the package as `workbench._data` and `workbench._nbs`, so a plain (non-editable) install finds them.
    packages=setuptools.find_packages(include=['workbench', 'workbench.*']) + list(SHIPPED),
    package_dir={'workbench._data': 'data', 'workbench._nbs': 'nbs'},
    package_data=SHIPPED,
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    version=cfg['version'], description=cfg['description'], keywords=cfg['keywords'],
    author=cfg['author'], author_email=cfg['author_email'])
