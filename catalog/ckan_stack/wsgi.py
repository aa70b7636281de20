"""The WSGI application of the local CKAN, for gunicorn (up.sh): `gunicorn wsgi:application`.

CKAN's wheel ships no wsgi.py; this is the one its documentation describes. CKAN_INI names the
rendered config (var/ckan/ckan.ini); gunicorn takes its logging sections (--log-config), which send
CKAN's log to var/ckan/logs/ckan.log.
"""

import os

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

CKAN_INI = os.environ["CKAN_INI"]
application = make_app(CKANConfigLoader(CKAN_INI).get_config())
