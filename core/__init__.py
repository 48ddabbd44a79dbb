"""Plumbing every app shares: no models, no rules of the product, imports of Django and libraries only.

- registry: the one way a higher app adds what it brings to a lower one (from its AppConfig.ready)
- requests: the request of a signed-in person, as views declare it
- query: the one way a page reads its query string
- admin: the admin base classes (malformed input answered, saves through services)
- integrity: a save that loses a race for a unique value says so in the rule's words
"""
