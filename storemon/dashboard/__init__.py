"""The Voilà dashboard's widgets: a client of the HTTP API, run in the dashboard kernel."""
