"""API clients: the systems that use the API (the office's specialist application, a reporting
tool), each with a bearer token of its own, the scopes it may use and, where it serves one site
only, that site. Views and commands call portal.clients.accounts; the site rule for clients is
in portal.casework.access like the staff's."""
