import os

from django.core.wsgi import get_wsgi_application

from common.runtime import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkteam.settings.production")
application = get_wsgi_application()
settle()
