"""``open311 check URL``: a conformance checker for any Open311 GeoReport v2 server.

A client, not part of the server: it speaks HTTP to the server it grades, reads the JSON Schemas and
XSDs of ``schemas/`` as data (shipped inside this package) and imports nothing that needs a database.
Start at :func:`open311.check.runner.run_check`; the checks are listed in :mod:`open311.check.checklist`.
"""
