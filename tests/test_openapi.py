"""The API answers as its OpenAPI document says, for inputs schemathesis generates from it."""
import os
import time

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

EXAMPLES = int(os.environ.get("CHECKPOINT_SCHEMATHESIS_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
OPERATIONS = [("/api/v1/health", "GET"), ("/api/v1/devices", "POST"), ("/api/v1/sites", "GET"),
              ("/api/v1/sync", "POST"), ("/api/v1/watchlist", "GET"),
              ("/api/v1/roster-index", "GET"), ("/api/v1/scan", "POST"),
              ("/api/v1/door-events", "POST"), ("/api/v1/tasks", "GET"),
              ("/api/v1/handover-key", "GET")]


def test_the_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


# Negative inputs only exist for operations with a body (health and sites take none).
CASES = [(path, method, GenerationMode.POSITIVE) for path, method in OPERATIONS] + [
    ("/api/v1/devices", "POST", GenerationMode.NEGATIVE),
    ("/api/v1/sync", "POST", GenerationMode.NEGATIVE)]


@pytest.mark.parametrize("path,method,mode", CASES)
def test_the_api_conforms_to_its_openapi_document(app, world, device_token, path, method, mode):
    """Valid inputs (positive) and inputs breaking the schema (negative): never a 5xx, and
    every answer's status, content type and body as documented."""
    headers, _device_id = device_token(world["a"]["volunteer"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    calls = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        response = case.call(headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    started = time.monotonic()
    call()
    print(f"\n{mode.value} {method} {path}: {len(calls)} calls, statuses {sorted(set(calls))}, "
          f"{time.monotonic() - started:.1f} s")
    assert calls
