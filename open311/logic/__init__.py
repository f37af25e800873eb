"""The GeoReport rules as plain functions taking a Session; nothing here knows about HTTP."""
