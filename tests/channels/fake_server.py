"""What every fake platform in the tests is: an aiohttp app on 127.0.0.1 in a thread of its own, so
the code under test reaches it over real HTTP (the network beyond 127.0.0.1 is refused). A fake names
its routes; `base_url` goes into the channel's API base setting."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from aiohttp import web


class FakeServer:
    """Start with `with Fake() as fake:` (or start()/stop()); the routes run on the fake's own loop."""

    thread_name = "fake-server"
    client_max_size = 1024**2  # aiohttp's default: a fake that takes uploads raises it
    base_url = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def on_loop(self) -> None:
        """Made on the fake's loop before it serves (events the handlers set)."""

    def start(self) -> Self:
        started = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
            loop.close()

        self._thread = threading.Thread(target=main, name=self.thread_name, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self

    async def _serve(self) -> None:
        await self.on_loop()
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
