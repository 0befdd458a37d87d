"""Compiling a supervisor's units in chat ("tổng hợp", /tonghop) and from the terminal (`baocao compile`).

The turn only decides: which unit and campaign (checked through `bot.access.oversees`), and replies
"Đang tổng hợp…". The work is a `CompileJob` the runtime (bot/app.py) runs in a background task once
the turn has committed: it opens its own sessions to read the subtree (storage.compiled.gather) and
to queue the files, writes the files in a worker thread (the writers in documents/ are pure), so the
event loop and every other member's turn go on meanwhile. A channel that cannot carry a file (the
terminal, Zalo Bot) or a file over its limit gets a short-lived signed link instead (bot/files.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from bot.compile_worker import Compiled
from dialogs.events import Msg, Reply
from documents.model import Compilation
from storage.compiled import Source, gather, subtree_size

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Runtime
    from storage.campaigns import CampaignSummary
    from storage.oversight import Counts
    from storage.units import UnitView

log = logging.getLogger(__name__)

Format = Literal["docx", "xlsx", "png"]
FORMATS: tuple[Format, ...] = ("docx", "xlsx", "png")
Progress = Callable[[int, int], None]
# How often, at most, a running compile tells the member how far it got (a message each time), and
# from how many units it says so at all (a small compile is done before anyone would wait).
PROGRESS_EVERY = 10.0
PROGRESS_EDIT_EVERY = 3.0  # where the channel changes the one message in place (Telegram)
PROGRESS_FROM = 100
# Compiles run at once in a process (a province's takes a core and some hundred MB); others wait.
AT_ONCE = 2
# From how many units in the subtree a compile runs in a process of its own (bot/compile_worker.py)
# rather than a worker thread: a large one would hold the interpreter lock against every other
# member's turn for seconds. A small one is done before a process would have started.
IN_PROCESS_FROM = 300


# --- the files ---------------------------------------------------------------------------------------


def _docx(
    compilation: Compilation, counts: Sequence[Counts], progress: Progress | None, zone: tzinfo | None
) -> bytes:
    from documents.docx import write_docx

    return write_docx(compilation, progress=progress)


def _xlsx(
    compilation: Compilation, counts: Sequence[Counts], progress: Progress | None, zone: tzinfo | None
) -> bytes:
    from documents.xlsx import write_xlsx

    return write_xlsx(compilation, counts, progress=progress, zone=zone)  # type: ignore[arg-type]


def _png(
    compilation: Compilation, counts: Sequence[Counts], progress: Progress | None, zone: tzinfo | None
) -> bytes:
    from bot.i18n import DISPLAY_TZ
    from documents.chart import write_chart

    when = compilation.generated_at.astimezone(zone or DISPLAY_TZ).date()
    return write_chart(compilation.campaign_title, when, counts)


# The writers by format; tests replace them.
WRITERS: dict[str, Callable[[Compilation, Sequence[Any], Progress | None, tzinfo | None], bytes]] = {
    "docx": _docx,
    "xlsx": _xlsx,
    "png": _png,
}
_NAMES = {"docx": "Bao-cao-tong-hop", "xlsx": "So-lieu-tong-hop", "png": "Tien-do"}


def file_name(compilation: Compilation, fmt: str) -> str:
    """ "Bao-cao-tong-hop-QT-HL.docx": ASCII, so every platform and mail client keeps it."""
    from bot.files import ascii_name

    return ascii_name(f"{_NAMES[fmt]}-{compilation.unit_code}.{fmt}")


def write(
    fmt: str,
    compilation: Compilation,
    counts: Sequence[Any],
    progress: Progress | None = None,
    zone: tzinfo | None = None,
) -> bytes:
    """One file of the compilation, times shown in `zone` (pure; run it off the event loop)."""
    return WRITERS[fmt](compilation, counts, progress, zone)


async def read(
    session: AsyncSession,
    campaign: CampaignSummary,
    unit: UnitView,
    now: datetime,
    today: Any,
    *,
    source: Source | None = None,
    progress: Progress | None = None,
) -> tuple[Compilation, tuple[Counts, ...]]:
    """The compilation and the progress of each child unit (for the chart and the workbook).

    `source` None: the children's own reports where one of them has submitted (a province over its
    districts' reports), else every grassroots unit."""
    from storage.compiled import children_reported
    from storage.oversight import progress_report

    if source is None:
        source = "children" if await children_reported(session, campaign, unit) else "grassroots"

    compilation = await gather(session, campaign, unit, now, source=source, progress=progress)
    report = await progress_report(session, campaign, unit, today)
    return compilation, report.children or (report.unit,)


# --- in chat -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileJob:
    """A compile a turn asked for, run by the runtime after the turn commits."""

    channel: str
    chat_id: str
    locale: str
    unit_id: int
    campaign_id: int
    source: Source | None = None  # None: the children's reports where they have submitted (`read`)


@dataclass
class _Shown:
    """How far a running compile got, and the outbox row of the message that tells the member."""

    total: int = 0
    done: int = 0
    row: int | None = None


def _say(message_id: str, **params: object) -> Reply:
    return Reply(body=(Msg(message_id, params),))  # type: ignore[arg-type]


class Compiler:
    """The runtime's background compiles: started after a turn commits, awaited or cancelled at exit."""

    def __init__(
        self, running: Runtime, at_once: int = AT_ONCE, in_process_from: int | None = IN_PROCESS_FROM
    ) -> None:
        self.running = running
        # None: always in a worker thread of this process.
        self.in_process_from = in_process_from
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(at_once)
        self._running: dict[tuple[str, str, int, int], asyncio.Task[None]] = {}

    def start(self, job: CompileJob) -> asyncio.Task[None]:
        """Run the job in the background; the same compile asked again in the same chat while it
        runs is the one already under way (its files come once)."""
        key = (job.channel, job.chat_id, job.unit_id, job.campaign_id)
        already = self._running.get(key)
        if already is not None and not already.done():
            return already
        task = asyncio.get_running_loop().create_task(self.run(job))
        self.tasks.add(task)
        self._running[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            self.tasks.discard(done)
            if self._running.get(key) is done:
                del self._running[key]

        task.add_done_callback(forget)
        return task

    async def wait(self) -> None:
        """Until every compile started so far has finished (tests, a clean stop)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self, grace: float = 0.0) -> None:
        """Let the compiles under way finish for up to `grace` seconds, then cancel the rest."""
        if grace > 0 and self.tasks:
            try:
                await asyncio.wait_for(self.wait(), grace)
            except TimeoutError:
                pass
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def run(self, job: CompileJob) -> None:
        try:
            async with self.slots:
                await self._run(job)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the member is told in one sentence; the log keeps the rest
            log.exception("compile failed for unit %s campaign %s", job.unit_id, job.campaign_id)
            await self._tell(job, _say("compile.failed"))

    async def _run(self, job: CompileJob) -> None:
        from storage.campaigns import all_campaigns
        from storage.units import unit_by_id

        running = self.running
        now = datetime.now(UTC)
        today = now.astimezone(running.settings.zone).date()
        # A reader's own connection: on SQLite the gathering must not hold the writer's (every
        # other member's turn would wait behind it).
        async with running.db.reader() as session:
            unit = await unit_by_id(session, job.unit_id)
            campaign = next((c for c in await all_campaigns(session) if c.id == job.campaign_id), None)
            if unit is None or campaign is None:
                await session.rollback()
                await self._tell(job, _say("compile.failed"))
                return
            size = self.in_process_from
            in_process = size is not None and await subtree_size(session, unit) >= size
            if not in_process:
                compilation, counts = await read(session, campaign, unit, now, today, source=job.source)
        shown = _Shown()
        finished = threading.Event()

        def progress(count: int, _: int) -> None:
            shown.done = count

        edits = running.outbox.capabilities_of(job.channel).edits

        async def report_progress() -> None:
            told = 0
            while not finished.is_set():
                await asyncio.sleep(PROGRESS_EDIT_EVERY if edits else PROGRESS_EVERY)
                if not finished.is_set() and shown.total >= PROGRESS_FROM and shown.done != told:
                    told = shown.done
                    await self._show(job, shown, _say("compile.progress", done=told, total=shown.total))

        reporter = asyncio.get_running_loop().create_task(report_progress())
        try:
            if in_process:
                compiled, files = await self._in_process(job, now, today, shown, progress)
            else:
                await self._counted(job, shown, len(compilation.units))
                files = await asyncio.to_thread(
                    _write_all, compilation, counts, progress, running.settings.zone
                )
                compiled = Compiled(
                    compilation.unit_code,
                    compilation.unit_name,
                    len(compilation.reported),
                    len(compilation.units),
                )
        finally:
            finished.set()
            reporter.cancel()
        if shown.row is not None and edits:
            # The progress message stays in the chat: it says the work is done, not "40/120".
            await self._show(job, shown, _say("compile.progress.done", total=shown.total))
        await self._deliver(job, compiled, files)

    async def _counted(self, job: CompileJob, shown: _Shown, units: int) -> None:
        """The number of units is known: a large compile tells the member it has started."""
        shown.total = units
        if units >= PROGRESS_FROM:
            await self._show(job, shown, _say("compile.progress", done=0, total=units))

    async def _show(self, job: CompileJob, shown: _Shown, reply: Reply) -> None:
        """The compile's progress: the first message, then changes of it where the channel edits
        messages (Telegram), a message each time where it does not (Zalo, the terminal)."""
        from bot.render import render

        running = self.running
        capabilities = running.outbox.capabilities_of(job.channel)
        message = render(reply, job.locale, capabilities, running.settings.zone)[0]
        async with running.db.session() as session, session.begin():
            if shown.row is None:
                rows = await running.outbox.queue_messages(session, job.channel, job.chat_id, [message])
                shown.row = rows[0].id
            else:
                await running.outbox.queue_edit(session, job.channel, job.chat_id, shown.row, message)
        running.outbox.wake()

    async def _in_process(
        self, job: CompileJob, now: datetime, today: Any, shown: _Shown, progress: Progress
    ) -> tuple[Compiled, list[tuple[str, bytes]]]:
        """Gather and write in a process of its own (bot/compile_worker.py)."""
        from bot.compile_worker import Order, compile_in_child

        settings = self.running.settings
        order = Order(
            settings.database.url, job.unit_id, job.campaign_id, job.source, now, today, settings.zone
        )
        counted: list[asyncio.Task[None]] = []

        def on_total(units: int) -> None:
            counted.append(asyncio.get_running_loop().create_task(self._counted(job, shown, units)))

        try:
            return await compile_in_child(
                order,
                on_total,
                lambda count: progress(count, shown.total),
                log_file=settings.log.file,
                log_level=settings.log.level,
            )
        finally:
            await asyncio.gather(*counted, return_exceptions=True)

    async def _deliver(self, job: CompileJob, compilation: Compiled, files: list[tuple[str, bytes]]) -> None:
        from bot.channels.base import RenderedMessage
        from bot.files import link, publish
        from bot.i18n import translate
        from bot.outbox import CannotCarry
        from bot.render import render, render_caption
        from storage.compiled import purge_files

        running = self.running
        outbox = running.outbox
        capabilities = outbox.capabilities_of(job.channel)
        now = datetime.now(UTC)
        ttl = timedelta(hours=running.settings.files.ttl_hours)
        links: list[str] = []
        unit = compilation.unit_name
        async with running.db.session() as session, session.begin():
            await purge_files(session, now)
            for filename, content in files:
                kind = filename.rsplit(".", 1)[-1]
                caption = translate(Msg(f"compile.caption.{kind}", {"unit": unit}), job.locale)
                try:
                    await outbox.queue_document(
                        session,
                        job.channel,
                        job.chat_id,
                        filename,
                        content,
                        render_caption(caption, capabilities),
                    )
                except CannotCarry:
                    secret = running.settings.secret
                    if not secret:
                        links.append(translate(Msg("compile.no_link", {"file": filename}), job.locale))
                        continue
                    token = await publish(session, secret, filename, content, now, ttl)
                    links.append(f"{caption}: {link(running.settings.public_url, token)}")
            done = _say("compile.done", unit=unit, reported=compilation.reported, total=compilation.total)
            messages: list[RenderedMessage] = render(done, job.locale, capabilities, running.settings.zone)
            if links:
                hours = running.settings.files.ttl_hours
                body = Reply(
                    body=(
                        Msg("compile.links", {"hours": int(hours) if hours == int(hours) else hours}),
                        *(Msg("compile.line", {"line": line}) for line in links),
                        *(
                            (Msg("compile.no_public_url", {"code": compilation.unit_code}),)
                            if not running.settings.public_url
                            else ()
                        ),
                    )
                )
                messages += render(body, job.locale, capabilities, running.settings.zone)
            await outbox.queue_messages(session, job.channel, job.chat_id, messages)
        outbox.wake()

    async def _tell(self, job: CompileJob, reply: Reply) -> None:
        from bot.render import render

        running = self.running
        capabilities = running.outbox.capabilities_of(job.channel)
        messages = render(reply, job.locale, capabilities, running.settings.zone)
        async with running.db.session() as session, session.begin():
            await running.outbox.queue_messages(session, job.channel, job.chat_id, messages)
        running.outbox.wake()


def _write_all(
    compilation: Compilation, counts: Sequence[Any], progress: Progress | None, zone: tzinfo | None = None
) -> list[tuple[str, bytes]]:
    """The three files, in a worker thread; `progress` hears the DOCX's units as it writes them."""
    started = time.perf_counter()
    files = [
        (file_name(compilation, fmt), write(fmt, compilation, counts, progress, zone)) for fmt in FORMATS
    ]
    log.info(
        "compiled %s (%d units) in %.1f s",
        compilation.unit_code,
        len(compilation.units),
        time.perf_counter() - started,
    )
    return files
