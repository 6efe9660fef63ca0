#!/usr/bin/env python3
"""Checks the served OpenAPI document the way a client generator would see it.

    python3 tests/kiosk/validate.py http://127.0.0.1:8080/api/openapi.json   (or a file)

Fails (exit 1, one line per finding) unless the document is valid OpenAPI 3.1
(openapi-spec-validator), every operationId is unique and reads as a method name
(`list_events`, `pay_booking`), and every error response is application/problem+json
naming the codes it can carry (`x-problem-codes`, each one of the `Problem.code` enum, with
an example of that status), every operation documents 500 and 503, and every protected
operation 401.
"""

import json
import re
import sys
import urllib.request

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)*$")


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:
            return json.load(response)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


def findings(doc):
    codes = set(
        doc.get("components", {})
        .get("schemas", {})
        .get("Problem", {})
        .get("properties", {})
        .get("code", {})
        .get("enum", [])
    )
    if not codes:
        yield "Problem.code is not an enum"
    try:
        validate(doc)
    except Exception as e:  # the validator raises one of several error types
        yield f"not valid OpenAPI: {str(e).splitlines()[0]}"
    if not str(doc.get("openapi", "")).startswith("3.1"):
        yield f"openapi is {doc.get('openapi')!r}, not 3.1.x"
    seen = {}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            op_id = op.get("operationId")
            if not op_id:
                yield f"{where}: no operationId"
            elif not OPERATION_ID.match(op_id):
                yield f"{where}: operationId {op_id!r} is not snake_case"
            elif op_id in seen:
                yield f"{where}: operationId {op_id!r} also names {seen[op_id]}"
            else:
                seen[op_id] = where
            responses = op.get("responses", {})
            for needed in ["500", "503"] + (["401"] if op.get("security") else []):
                if needed not in responses:
                    yield f"{where}: {needed} is not documented"
            for status, response in responses.items():
                if status[0] in "45":
                    listed = response.get("x-problem-codes") or []
                    if not listed:
                        yield f"{where} {status}: no x-problem-codes"
                    examples = (
                        response.get("content", {})
                        .get("application/problem+json", {})
                        .get("examples", {})
                    )
                    for code in listed:
                        if code not in codes:
                            yield f"{where} {status}: {code!r} is not a Problem code"
                        example = examples.get(code, {}).get("value", {})
                        if example.get("code") != code or str(example.get("status")) != status:
                            yield f"{where} {status}: no {status} example for {code!r}"
                if not response.get("description"):
                    yield f"{where} {status}: no description"
                if status[0] in "45" and list(response.get("content", {})) != [
                    "application/problem+json"
                ]:
                    yield f"{where} {status}: error body is not application/problem+json"


def example_findings(doc):
    """Every example validates against the schema beside it."""
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            media = [("request", m) for m in op.get("requestBody", {}).get("content", {}).values()]
            for status, response in op.get("responses", {}).items():
                media += [(status, m) for m in response.get("content", {}).values()]
            for part, m in media:
                schema = m.get("schema")
                for name, example in (m.get("examples") or {}).items():
                    if schema is None:
                        yield f"{where} {part}: example {name!r} has no schema"
                        continue
                    wrapper = {"components": doc.get("components", {}), "allOf": [schema]}
                    for error in Draft202012Validator(wrapper).iter_errors(example.get("value")):
                        yield f"{where} {part}: example {name!r}: {error.message[:200]}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    doc = load(sys.argv[1])
    problems = list(findings(doc)) + list(example_findings(doc))
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("the OpenAPI document is valid")


if __name__ == "__main__":
    main()
