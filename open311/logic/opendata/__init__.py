"""Extension: open data the city owns: the privacy transform, what is published, exports, retention."""
