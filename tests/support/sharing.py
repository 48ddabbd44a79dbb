"""The shared cockpit's owner company by name: the sharing fixtures make it, and the Share form's scopes name it."""

OWNER_NAME = "Zurich Property AG"
