"""Production logs: JSON lines tagged with the generation, team and provider task, and no key."""

from __future__ import annotations

import io
import json
import logging

import pytest

from avatarstudio.core.logs import ContextFilter, JsonFormatter, log_context
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The root logger also writes JSON lines, as production's LOG_FORMAT=json does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.setLevel(previous)
    root.removeHandler(handler)


def test_a_line_is_json_with_the_ids_of_its_context(json_lines):
    with log_context(generation_id="g-1", team_id=7, provider_task_id=""):
        logging.getLogger("avatarstudio.test").info("hello %s", "there")
    (line,) = json_lines()
    assert line["message"] == "hello there"
    assert (line["level"], line["logger"]) == ("INFO", "avatarstudio.test")
    assert (line["generation_id"], line["team_id"]) == ("g-1", "7")
    assert "provider_task_id" not in line
    assert "time" in line


def test_a_generations_lines_carry_its_ids_and_never_the_key(team, owner, provider, json_lines):
    team.set_api_key("sk-team-secret-key-9876")
    team.save()
    generation = start_generation(team, owner)
    drive(generation)
    lines = [line for line in json_lines() if line.get("generation_id") == str(generation.pk)]
    assert lines, "no line carried the generation id"
    assert all(line["team_id"] == str(team.pk) for line in lines)
    submitted = [line for line in lines if "provider task" in line["message"]]
    assert submitted and submitted[0]["provider_task_id"] == generation.provider_task_id
    later = [line for line in lines if "provider_task_id" in line]
    assert len(later) > 1  # the polls after the submit know the task too
    everything = json.dumps(json_lines())
    assert "sk-team-secret-key-9876" not in everything
    assert "base64" not in everything and "/9j/" not in everything  # no image payload
