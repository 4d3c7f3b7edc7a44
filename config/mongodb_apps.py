"""Django's contrib apps with ObjectId primary keys, for MongoDB only (config/mongodb.py installs them).

Their migrations live in backend/mongo_migrations/ (MIGRATION_MODULES), generated for ObjectIdAutoField.
https://www.mongodb.com/docs/languages/python/django-mongodb/current/model-data/models/#contrib-apps
"""

from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig

from config.mongodb import MONGODB_AUTO_FIELD


class MongoAdminConfig(AdminConfig):
    default_auto_field = MONGODB_AUTO_FIELD


class MongoAuthConfig(AuthConfig):
    default_auto_field = MONGODB_AUTO_FIELD


class MongoContentTypesConfig(ContentTypesConfig):
    default_auto_field = MONGODB_AUTO_FIELD
