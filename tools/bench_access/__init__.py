"""Benchmark the access resolver on a large data set: list page, detail page, one permission check.

Seeds (or reuses) a data set in the instance with slug "bench", then measures p50/p95 of
- the entity list page (page 1 with total count) and an entity's first tab, in-process via django.test.Client;
- one `user.has_perm("entities.view_master_data", entity)` on a fresh user object;
- floors: a logged-in 404 through the whole middleware stack, and the list queries as raw SQL on a cursor;
- a peer baseline: the same list from django-guardian's get_objects_for_user over per-entity permissions,
  for a "twin" user holding one object permission per entity its persona sees: as a query, and as the
  whole list page (our view and template, rows from guardian) so that page compares with page.

The personas hold company and entity grants, except two that see every entity and so have no
twin: "show-all" (an operator employee with sees_all_entities, verified second factor) and
"share" (the user of a second instance, "bench-partner", with an accepted Cockpit Share of
Inventory read on "bench"); the report compares their list pages.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cockpit_bench python -m tools.bench_access

A tool, not product code: `__main__` sets Django up with the product's own settings
(cockpit.settings, nothing added to INSTALLED_APPS) and runs `command.Command`.
dataset.py seeds and reads the data set, measure.py times, report.py prints.
The bench data bypasses the services (bulk_create) but keeps every constraint the services keep.
"""
