"""The fake Klaviyo on 127.0.0.1 and a client pointed at it (sleeps recorded, not slept)."""

from collections.abc import Iterator

import httpx
import pytest

from fake_klaviyo import KEY, FakeKlaviyo
from klaviyo.client import Credential, KlaviyoClient


@pytest.fixture
def fake() -> Iterator[FakeKlaviyo]:
    server = FakeKlaviyo()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(fake, slept) -> Iterator[KlaviyoClient]:
    with httpx.Client(timeout=2.0) as http:
        yield KlaviyoClient(http, Credential.api_key(KEY), base_url=fake.base_url, sleep=slept.append)
