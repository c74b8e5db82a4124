"""django-mongodb-backend, with `iexact` taking its text literally.

On MongoDB `iexact` is the regular expression `^text$` (case-insensitive). The backend escapes
the text of the other pattern lookups (its `prep_for_like_query`), but Django's base operations
bind `prep_for_iexact_query` to their own `prep_for_like_query` when the class is defined, so
the backend's escaping never reaches `iexact` (django-mongodb-backend 5.2.4): the admin's
exact-match search ("=mrn", "=id") was a 500 for "+44" or "(" and matched every row for ".*".
Subclassing the backend is Django's documented way, as core/sqlite does.
"""

from django_mongodb_backend import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    prep_for_iexact_query = operations.DatabaseOperations.prep_for_like_query


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
