"""Migrations of Django's contrib apps for MongoDB (ObjectIdAutoField keys); see config/mongodb.py.

Generated, never edited by hand: ``make mongo-migrations``. ``make test`` fails if they fall behind the models.
"""
