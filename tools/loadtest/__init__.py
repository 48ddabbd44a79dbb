"""The load benchmark of the real server (make loadtest): gunicorn on PostgreSQL with the bench data, under Locust."""
