"""A minimal HTTP/1.1 client on asyncio streams: POST a body, read a streamed answer line by line.

Why not httpx: a load generator must cost the endpoint's client side next to nothing, or it
measures itself.  Against a trivial local server on this machine (2 shared cores, busy), httpx
0.28 spent 2.0-2.7 ms of CPU per streamed request (h11 parsing, anyio locks, and httpcore
re-trying a failed ``import sniffio`` four times per request), a bare asyncio stream 0.45 ms.
This client does only what the perf tool needs: keep-alive connections to one host (``http``
or ``https``), ``Content-Length`` or chunked answers, a stall timeout on every read.  No
proxies, redirects or compression.
"""
from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import urlsplit

from evalkit.config.errors import ConfigError

T = TypeVar('T')


class HttpFailure(Exception):
    """A request that got no usable answer; ``kind`` names why (``connect``, ``stall``, ``broken_stream``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


async def _within(pending: Awaitable[T], stall: float) -> T:
    """``pending``'s result, or a ``stall`` failure after ``stall`` seconds without it."""
    try:
        return await asyncio.wait_for(pending, stall)
    except asyncio.TimeoutError:
        raise HttpFailure('stall', f'no data for {stall:g} s') from None
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise HttpFailure('broken_stream', f'the answer broke off: {exc!r}') from None


class Response:
    """Status, headers, and the body read as it arrives (chunked or sized)."""

    def __init__(self, reader: asyncio.StreamReader, status: int, headers: dict[str, str], stall: float) -> None:
        self.status = status
        self.headers = headers
        self.reader = reader
        self._stall = stall
        self.complete = False  # the whole body was read: the connection may serve the next request

    async def pieces(self) -> AsyncIterator[bytes]:
        """The body in the pieces the server sent."""
        if self.headers.get('transfer-encoding', '').lower() == 'chunked':
            async for piece in self._dechunked():
                yield piece
        elif 'content-length' in self.headers:
            yield await _within(self.reader.readexactly(int(self.headers['content-length'])), self._stall)
        else:  # the body ends when the server closes the connection
            while piece := await _within(self.reader.read(65536), self._stall):
                yield piece
            return
        self.complete = True

    async def _dechunked(self) -> AsyncIterator[bytes]:
        """Chunked transfer decoded from whatever the socket delivers: one timed read per arrival,
        not one per chunk header and body (each timed read costs a task)."""
        buffer = b''
        while True:
            while (eol := buffer.find(b'\r\n')) >= 0:
                try:
                    size = int(buffer[:eol].split(b';')[0], 16)
                except ValueError:
                    raise HttpFailure('broken_stream', f'bad chunk header {buffer[:40]!r}') from None
                if size == 0:
                    if buffer.find(b'\r\n\r\n', eol) >= 0:  # the last chunk and the (usually empty) trailers
                        return
                    break
                end = eol + 2 + size
                if len(buffer) < end + 2:
                    break
                yield buffer[eol + 2:end]
                buffer = buffer[end + 2:]
            more = await _within(self.reader.read(65536), self._stall)
            if not more:
                raise HttpFailure('broken_stream', 'the connection closed in the middle of the answer')
            buffer += more

    async def lines(self) -> AsyncIterator[str]:
        """The body's lines (without line ends), however the pieces split them."""
        rest = b''
        async for piece in self.pieces():
            *whole, rest = (rest + piece).split(b'\n')
            for line in whole:
                yield line.rstrip(b'\r').decode()
        if rest:
            yield rest.decode()

    async def read(self) -> bytes:
        return b''.join([piece async for piece in self.pieces()])


class ConnectionPool:
    """Keep-alive connections to the host of ``base_url``; a connection serves one request at a time."""

    def __init__(self, base_url: str, connect_timeout: float = 10.0) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ('http', 'https') or not url.hostname:
            raise ConfigError(f"--url '{base_url}' is not an http(s) URL: give the API root, such as "
                              f"http://127.0.0.1:8000/v1.")
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == 'https' else 80)
        self.ssl = ssl.create_default_context() if url.scheme == 'https' else None
        self.prefix = url.path.rstrip('/')
        self.host_header = url.netloc.rsplit('@', 1)[-1]
        self.connect_timeout = connect_timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.wait_for(asyncio.open_connection(self.host, self.port, ssl=self.ssl),
                                          self.connect_timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            raise HttpFailure('connect', f'cannot connect to {self.host}:{self.port}: {exc!r}') from None

    async def _send(self, request: bytes, stall: float) -> tuple[asyncio.StreamWriter, Response]:
        """Send on a kept-alive connection (skipping any the server has closed meanwhile), else a new one."""
        while True:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._open()
            try:
                writer.write(request)
                return writer, await self._response(reader, stall)
            except HttpFailure as exc:
                writer.close()
                if not (reused and exc.kind == 'broken_stream'):
                    raise

    @asynccontextmanager
    async def post(self, path: str, body: bytes, headers: Mapping[str, str],
                   stall_timeout: float) -> AsyncIterator[Response]:
        """POST ``body`` to ``prefix + path``; the connection is kept only if the answer was read whole."""
        head = [f'POST {self.prefix}{path} HTTP/1.1', f'Host: {self.host_header}',
                f'Content-Length: {len(body)}', *(f'{k}: {v}' for k, v in headers.items())]
        writer, response = await self._send(('\r\n'.join(head) + '\r\n\r\n').encode() + body, stall_timeout)
        try:
            yield response
        finally:
            if response.complete and response.headers.get('connection', '').lower() != 'close':
                self._idle.append((response.reader, writer))
            else:
                writer.close()

    async def _response(self, reader: asyncio.StreamReader, stall: float) -> Response:
        status_line = await _within(reader.readline(), stall)
        if not status_line:  # a kept-alive connection the server had closed
            raise HttpFailure('broken_stream', 'the server closed the connection before answering')
        headers = {}
        while (line := await _within(reader.readline(), stall)) not in (b'\r\n', b'\n', b''):
            name, _, value = line.decode('latin-1').partition(':')
            headers[name.strip().lower()] = value.strip()
        return Response(reader, int(status_line.split()[1]), headers, stall)

    async def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()
