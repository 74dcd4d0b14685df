"""Async adapters: each opens a client the library's usual way and returns a coroutine
function that does one whole GET (send, read, decode JSON). Pools are sized for the
scenario's concurrency (64) wherever the library has a knob, so none waits for a slot."""

from __future__ import annotations

import ssl
import typing

Get = typing.Callable[[str], typing.Awaitable[object]]


class AsyncAdapter:
    name = ""
    loop = "asyncio"

    def __init__(self, ca: str) -> None:
        self.ca = ca

    async def open(self) -> Get:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class Restwell(AsyncAdapter):
    name = "restwell"

    async def open(self) -> Get:
        import restwell

        self.client = restwell.AsyncClient(verify=self.ca)
        get = self.client.get

        async def op(url: str) -> object:
            return (await get(url)).json()
        return op

    async def close(self) -> None:
        await self.client.aclose()


class RestwellUvloop(Restwell):
    name = "restwell-uvloop"
    loop = "uvloop"


class Aiohttp(AsyncAdapter):
    name = "aiohttp"

    async def open(self) -> Get:
        import aiohttp

        context = ssl.create_default_context(cafile=self.ca)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
        get = self.session.get

        async def op(url: str) -> object:
            async with get(url) as r:
                return await r.json()
        return op

    async def close(self) -> None:
        await self.session.close()


class Httpx2(AsyncAdapter):
    name = "httpx2"

    async def open(self) -> Get:
        import httpx2

        self.client = httpx2.AsyncClient(verify=self.ca)
        get = self.client.get

        async def op(url: str) -> object:
            return (await get(url)).json()
        return op

    async def close(self) -> None:
        await self.client.aclose()


class Niquests(AsyncAdapter):
    name = "niquests"

    async def open(self) -> Get:
        import niquests

        self.session = niquests.AsyncSession(
            pool_maxsize=64, disable_http2=True, disable_http3=True, verify=self.ca
        )
        self.session.trust_env = False
        get = self.session.get

        async def op(url: str) -> object:
            return (await get(url)).json()
        return op

    async def close(self) -> None:
        await self.session.close()


class Pyreqwest(AsyncAdapter):
    name = "pyreqwest"

    async def open(self) -> Get:
        from pyreqwest.client import ClientBuilder

        with open(self.ca, "rb") as f:
            pem = f.read()
        self.client = ClientBuilder().add_root_certificate_pem(pem).build()
        client = self.client

        async def op(url: str) -> object:
            return await (await client.get(url).build().send()).json()
        return op

    async def close(self) -> None:
        await self.client.close()


ASYNC_ADAPTERS: dict[str, type[AsyncAdapter]] = {
    a.name: a for a in (Restwell, RestwellUvloop, Pyreqwest, Aiohttp, Httpx2, Niquests)
}
