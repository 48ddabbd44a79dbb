"""Django's PostgreSQL backend, keeping a connection's prepared statements when a savepoint is rolled back.

psycopg forgets and deallocates every prepared statement of a connection when it sees a ROLLBACK, in case the
rolled-back work dropped and re-created what they read. On the server a prepared statement outlives any
rollback, and nothing here changes the schema outside migrations. Yet every savepoint rolled back (a service
refused inside another's transaction, each world of the access property test) made the access rules'
statements start again from their first run: planned anew each time (their planning costs more than their run)
until psycopg prepares them again. A transaction rolled back as a whole still clears them (psycopg's own
rollback, left as it is).
"""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _savepoint_rollback(self, sid):
        # psycopg skips its cache's upkeep, the clearing among it, while prepared statements are off.
        threshold = self.connection.prepare_threshold
        self.connection.prepare_threshold = None
        try:
            super()._savepoint_rollback(sid)  # type: ignore[misc]  # private in Django, absent from django-stubs
        finally:
            self.connection.prepare_threshold = threshold
