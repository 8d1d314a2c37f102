"""Event filtering of event source mappings, driven by the cases in specs/event-filters/.

Every case file is checked against its JSON Schema, then every case runs: the
FilterCriteria compile for the case's source kind (or refuse with AWS's
message), and the record's view matches or not as AWS answered. A few
properties no data file can hold (hostile nesting, the poller-facing API)
are tested below the data; the API edge (Create/UpdateEventSourceMapping) is
tested through boto3 in tests/integration/lambda_/test_event_filter_validation.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from providers.lambda_.event_sources.filtering import (
    FilterSet,
    InvalidFilterCriteria,
    RecordView,
    view_of,
    view_of_sqs_record,
)

SPECS = Path(__file__).resolve().parents[2] / "specs" / "event-filters"
SCHEMA = json.loads((SPECS / "case-file.schema.json").read_text())
CASE_FILES = sorted(path for path in SPECS.glob("*.json") if path.name != "case-file.schema.json")


def load_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in CASE_FILES:
        document = json.loads(path.read_text())
        for case in document["cases"]:
            cases.append((f"{path.stem}: {case['name']}", case))
    return cases


CASES = load_cases()


def filter_criteria(case: dict) -> dict[str, Any]:
    if "filter_criteria" in case:
        return case["filter_criteria"]
    patterns = case["filters"] if "filters" in case else [case["pattern"]]
    return {"Filters": [{"Pattern": item if isinstance(item, str) else json.dumps(item)} for item in patterns]}


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.name)
def test_case_file_follows_the_schema(path: Path) -> None:
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    names = [case["name"] for case in document["cases"]]
    assert len(names) == len(set(names)), "case names are unique within a file"
    assert {case["source"] for case in document["cases"]} <= set(document["sources"]), "every case cites a listed source"


def test_there_are_at_least_200_cases_from_aws() -> None:
    from_aws = [case for _, case in CASES if case["source"] != "derived"]
    assert len(from_aws) >= 200


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=[name for name, _ in CASES])
def test_case(case: dict) -> None:
    kind = case.get("kind")
    if "error" in case:
        with pytest.raises(InvalidFilterCriteria) as refused:
            FilterSet.compile(filter_criteria(case), kind)
        assert refused.value.message == case["error"]
        return
    filters = FilterSet.compile(filter_criteria(case), kind)
    view = view_of(kind, case["record"]) if kind else RecordView(case["event"])
    assert filters.matches(view) is case["matches"]


# What the data cannot hold ---------------------------------------------------------------------


def test_hostile_nesting_in_a_record_neither_recurses_nor_matches() -> None:
    deep: Any = "x"
    for _ in range(50_000):
        deep = [deep]
    filters = FilterSet.compile({"Filters": [{"Pattern": '{"a": {"b": ["x"]}}'}, {"Pattern": '{"a": ["x"]}'}]})
    assert filters.matches(RecordView({"a": deep}))  # the leaf "x" is found through every array
    assert not filters.matches(RecordView({"a": [[[{"b": "y"}]]] * 3}))
    body = "[" * 100_000 + "]" * 100_000  # json refuses the depth: the body stays a plain string
    view = view_of_sqs_record({"body": body})
    assert view.event["body"] == body and view.payloads["body"] == "text"


def test_hostile_wildcard_runs_in_linear_passes() -> None:
    filters = FilterSet.compile({"Filters": [{"Pattern": '{"f": [{"wildcard": "*a*a*a*a*b"}]}'}]})
    assert not filters.matches(RecordView({"f": "a" * 200_000}))
    assert filters.matches(RecordView({"f": "a" * 200_000 + "b"}))


def test_records_of_each_source_as_pollers_pass_them() -> None:
    """Pollers hand the record they will deliver; bytes data (botocore's) works as base64 does."""
    kinesis = {"kinesis": {"partitionKey": "p", "data": b'{"level": "ERROR"}'}, "eventSource": "aws:kinesis"}
    errors = FilterSet.compile({"Filters": [{"Pattern": '{"data": {"level": ["ERROR"]}}'}]}, "kinesis")
    assert errors.matches(view_of("kinesis", kinesis))
    encoded = {**kinesis, "kinesis": {"partitionKey": "p", "data": base64.b64encode(b'{"level": "INFO"}').decode()}}
    assert not errors.matches(view_of("kinesis", encoded))


def test_compiled_once_matches_many() -> None:
    filters = FilterSet.compile({"Filters": [{"Pattern": '{"body": {"n": [{"numeric": [">=", 500]}]}}'}]}, "sqs")
    records = [{"body": json.dumps({"n": n})} for n in range(1000)]
    kept = [record for record in records if filters.matches(view_of("sqs", record))]
    assert len(kept) == 500 and len(filters) == 1
