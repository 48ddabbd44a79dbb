"""Django's PostgreSQL backend, keeping a connection's prepared statements when a savepoint is rolled back
(`core.postgresql.base`)."""
