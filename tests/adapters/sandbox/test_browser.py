"""The sandbox in a real browser, as a newcomer uses it: headless Chromium (Debian's `chromium`
package) driven by Playwright. A coordinator types a status on Slack, it lands in a Telegram
group, a button acknowledges it, a third agency closes a task, the clock moves and the chase
arrives: the README's sandbox steps, in order.
It also takes the README's screenshot (docs/sandbox.png).

Chromium is not optional here: CI installs it (.ci/run), so a missing browser fails the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from adapters.sandbox.serve import serve_sandbox
from bot.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "sandbox.png"
STATUS = 'status PANGEA-DEMO "Warehouse 4 raided at dawn: 2 arrests, 300 kg of pills" --ack'
WAIT = 20_000  # ms: the longest any step may take


@pytest.fixture
async def url() -> AsyncIterator[str]:
    stop = asyncio.Event()
    ready: list[str] = []
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    served = asyncio.create_task(serve_sandbox(settings, 0, stop, ready=ready.append))
    async with asyncio.timeout(60):
        while not ready:
            if served.done():
                served.result()  # raises what stopped it
            await asyncio.sleep(0.05)
    yield ready[0]
    stop.set()
    await served


@pytest.fixture
async def page(url: str) -> AsyncIterator[Page]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        tab = await browser.new_page(viewport={"width": 1600, "height": 900})
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        await tab.goto(url)
        yield tab
        await browser.close()
        assert errors == []


async def test_three_agencies_on_two_platforms_talk_through_the_sandbox(page: Page) -> None:
    gs = page.locator('[data-agency="INTERPOL-GS"]')  # Slack, the lead
    fr = page.locator('[data-agency="FR-OCLCTIC"]')  # Telegram, in French
    es = page.locator('[data-agency="ES-UCO"]')  # Slack, in Spanish
    sg = page.locator('[data-agency="SG-SPF"]')  # Telegram, in English
    await expect(gs.locator("select")).to_have_value("gs-maria")  # a coordinator

    await gs.locator("input").fill(STATUS)
    await gs.locator("input").press("Enter")
    await expect(gs.get_by_text("Status update posted on PANGEA-DEMO")).to_be_visible(timeout=WAIT)
    status = fr.locator(".tg-msg", has_text="Warehouse 4 raided at dawn")
    await expect(status).to_be_visible(timeout=WAIT)  # Slack to a Telegram group
    await expect(es.locator(".sl-msg", has_text="Warehouse 4 raided")).to_be_visible(timeout=WAIT)

    await status.locator(".tg-btn", has_text="Accuser réception").click()  # as Claire Martin
    await expect(fr.locator(".toast")).to_contain_text("FR-OCLCTIC", timeout=WAIT)

    await es.locator("input").fill("task done PANGEA-DEMO#2")  # as Lucía García
    await es.locator("input").press("Enter")
    done = gs.locator(".sl-msg", has_text="Task PANGEA-DEMO#2: in progress → done")
    await expect(done).to_be_visible(timeout=WAIT)  # the lead hears of it, in English

    await page.locator("#plus-hour").click()
    await expect(page.get_by_test_id("clock")).to_contain_text("UTC")
    await expect(page.locator("#clock-offset")).to_have_text("(+1 h)", timeout=WAIT)
    chase = sg.locator(".tg-msg", has_text="Please acknowledge status update")
    await expect(chase).to_be_visible(timeout=WAIT)  # SG-SPF has not acknowledged
    await expect(fr.locator(".tg-msg", has_text="Veuillez accuser")).to_have_count(0)
    await expect(page.get_by_test_id("violations")).to_have_text("0 spec violations")
    await expect(fr.locator(".toast")).to_have_count(0, timeout=WAIT)  # for the picture
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))

    # what people type reaches every page as text, never markup (here from Telegram to Slack)
    status = 'status PANGEA-DEMO "<img src=x onerror=window.pwned=1> 12 parcels seized"'
    await fr.locator("input").fill(status)
    await fr.locator("input").press("Enter")
    delivered = gs.locator(".sl-msg", has_text="12 parcels seized")
    await expect(delivered).to_be_visible(timeout=WAIT)
    await expect(delivered).to_contain_text("<img src=x")
    assert await page.evaluate("window.pwned") is None
    assert await page.locator(".messages img").count() == 0
