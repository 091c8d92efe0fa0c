"""LangChain (`langchain-openai`) against `rampart serve`: chat, tools, structured output and
embeddings with their default settings."""

import pytest
from conftest import KEY
from pydantic import BaseModel

lc = pytest.importorskip("langchain_openai")


class Weather(BaseModel):
    city: str
    degrees: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture
def chat(gateway):
    return lc.ChatOpenAI(model="mock", base_url=gateway["base"] + "/v1", api_key=KEY, max_retries=0)


def test_chat(chat):
    msg = chat.invoke("Hello there!")
    assert msg.content.startswith("Hello from Rampart's mock model")


def test_streaming(chat):
    text = "".join(c.content for c in chat.stream("Hello there!"))
    assert text.startswith("Hello from Rampart's mock model")


def test_tools(chat):
    msg = chat.bind_tools([get_weather]).invoke("Weather in Paris?")
    assert msg.tool_calls[0]["name"] == "get_weather"
    assert msg.tool_calls[0]["args"] == {"city": "mock"}


def test_with_structured_output(chat):
    assert chat.with_structured_output(Weather).invoke("Weather in Paris?") == Weather(city="mock", degrees=0)


def test_with_structured_output_through_the_responses_api(gateway):
    chat = lc.ChatOpenAI(model="mock", base_url=gateway["base"] + "/v1", api_key=KEY, max_retries=0, use_responses_api=True)
    assert chat.with_structured_output(Weather).invoke("Weather in Paris?") == Weather(city="mock", degrees=0)


@pytest.mark.xfail(strict=True, reason="token-array embeddings: issue 12")
def test_embeddings_with_default_settings(gateway):
    # By default LangChain sends token arrays (tiktoken), not text. tiktoken downloads its
    # vocabulary on first use: without it (an offline machine) this cannot run at all.
    tiktoken = pytest.importorskip("tiktoken")
    try:
        tiktoken.get_encoding("cl100k_base")
    except Exception as e:  # noqa: BLE001 (any download failure)
        pytest.skip(f"tiktoken's cl100k_base vocabulary is not available offline: {type(e).__name__}")
    emb = lc.OpenAIEmbeddings(model="mock-embed", base_url=gateway["base"] + "/v1", api_key=KEY, max_retries=0)
    vectors = emb.embed_documents(["one text", "another"])
    assert len(vectors) == 2 and len(vectors[0]) > 0


def test_embeddings_of_text(gateway):
    emb = lc.OpenAIEmbeddings(
        model="mock-embed", base_url=gateway["base"] + "/v1", api_key=KEY, max_retries=0, check_embedding_ctx_length=False
    )
    vectors = emb.embed_documents(["one text", "another"])
    assert len(vectors) == 2 and vectors[0] != vectors[1]


def test_azure_chat_openai(gateway):
    chat = lc.AzureChatOpenAI(
        azure_endpoint=gateway["base"], azure_deployment="mock", api_key=KEY, api_version="2024-10-21", max_retries=0
    )
    assert chat.invoke("Hello there!").content.startswith("Hello from Rampart's mock model")
    assert chat.with_structured_output(Weather).invoke("Weather?") == Weather(city="mock", degrees=0)
