"""The checks, one module per part of the standard; :mod:`open311.check.runner` calls them in order."""
