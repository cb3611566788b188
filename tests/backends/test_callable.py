import asyncio

from forensics.backends import Failure, Params, Request, Response
from forensics.backends import CallableBackend


def r(content):
    return Request("p", "m", 0, ({"role": "user", "content": content},), Params(temperature=0.3))


def test_sync_async_and_failures():
    async def afn(messages, params):
        return f"async {messages[-1]['content']} t={params.temperature}"

    def boom(messages, params):
        raise RuntimeError("nope")

    [a] = asyncio.run(CallableBackend(afn).generate([r("x")]))
    assert isinstance(a, Response) and a.text == "async x t=0.3"
    [s] = asyncio.run(CallableBackend(lambda m, p: "sync").generate([r("x")]))
    assert s.text == "sync"
    [f] = asyncio.run(CallableBackend(boom).generate([r("x")]))
    assert isinstance(f, Failure) and f.kind == "callable_error" and "nope" in f.message
    [n] = asyncio.run(CallableBackend(lambda m, p: 42).generate([r("x")]))
    assert isinstance(n, Failure) and n.kind == "bad_response"
