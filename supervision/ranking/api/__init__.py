"""The rankings and bulletins resources of the REST API (mounted at /api/v1/)."""
