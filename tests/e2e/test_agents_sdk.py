"""The OpenAI Agents SDK (`openai-agents`) against `rampart serve`: it speaks the Responses
API, with function tools and structured output (`output_type` → `text.format`)."""

import asyncio

import openai
import pytest
from conftest import KEY
from pydantic import BaseModel

agents = pytest.importorskip("agents")


class Weather(BaseModel):
    city: str
    degrees: int


@pytest.fixture
def model(gateway):
    agents.set_tracing_disabled(True)
    client = openai.AsyncOpenAI(base_url=gateway["base"] + "/v1", api_key=KEY, max_retries=0)
    return agents.OpenAIResponsesModel(model="mock", openai_client=client)


@agents.function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def run(agent, prompt):
    return asyncio.run(agents.Runner.run(agent, prompt))


def test_function_tool_round_trip(model):
    agent = agents.Agent(name="weather", instructions="Use the tool.", model=model, tools=[get_weather])
    result = run(agent, "What is the weather in Paris?")
    # The mock called the tool (city "mock"), the SDK ran it, and the mock reported its result.
    assert "sunny in mock" in result.final_output


def test_output_type_is_structured_output(model):
    agent = agents.Agent(name="typed", instructions="Answer as JSON.", model=model, output_type=Weather)
    result = run(agent, "Weather in Paris?")
    assert result.final_output == Weather(city="mock", degrees=0)


def test_tool_then_output_type(model):
    agent = agents.Agent(name="both", instructions="Use the tool.", model=model, tools=[get_weather], output_type=Weather)
    result = run(agent, "Weather in Paris?")
    assert isinstance(result.final_output, Weather)
