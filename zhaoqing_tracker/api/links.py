"""OpenAPI links in the schema: where the id a creation answers goes next.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS). For each POST that creates a
record (201 with an ``id``), the schema's response names the requests that take that id: every
operation on the record's own path (``/projects/{id}/``, ``/projects/{id}/advance/``, …), and the
creations whose body names a record of that kind by a field of its singular name (a new
project's id is the ``project`` of its investment reports, problems, milestones, service team
and service logs; a new visit's id the ``visit`` of a problem raised there).

Integrators read them as the API's workflow; schemathesis's stateful phase follows them
(tests/reliability/test_schemathesis_stateful.py). The hook reads only the schema's paths, so it
knows no app: a new resource gets its links by following the same conventions.
"""

from django.utils.translation import gettext as _

ID = "$response.body#/id"
METHODS = ("get", "put", "patch", "post", "delete")


def add_links(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})

    def resolved(spec):
        while spec and "$ref" in spec:
            spec = components.get(spec["$ref"].rsplit("/", 1)[-1], {})
        return spec or {}

    def json_schema(container):
        return resolved((container or {}).get("content", {}).get("application/json", {}).get("schema"))

    paths = result.get("paths", {})
    operations = [
        (path, method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    ]
    for path, item in paths.items():
        creation = item.get("post")
        created = (creation or {}).get("responses", {}).get("201")
        if "{" in path or created is None or "id" not in json_schema(created).get("properties", {}):
            continue
        field = path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_").removesuffix("s")
        links = created.setdefault("links", {})
        for target_path, method, operation in operations:
            label = f"{method.upper()} {target_path}"
            if target_path.startswith(f"{path}{{id}}/"):
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {"id": ID},
                    "description": _("%(operation)s with the new record's id in the path.")
                    % {"operation": label},
                }
            elif method == "post" and "{" not in target_path and target_path != path:
                body = json_schema(operation.get("requestBody"))
                if body.get("properties", {}).get(field, {}).get("type") == "integer":
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "requestBody": {field: ID},
                        "description": _("%(operation)s with the new record's id as “%(field)s”.")
                        % {"operation": label, "field": field},
                    }
        if not links:
            del created["links"]
    return result
