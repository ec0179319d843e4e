from django.core.wsgi import get_wsgi_application

from chefu.environment import settings_module_configure

settings_module_configure()
application = get_wsgi_application()
