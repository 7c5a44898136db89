"""A realistic sample operation, typed through the dispatcher like a coordinator would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, FakeClock
from bot.context import Invocation
from bot.dispatcher import Dispatcher
from bot.reply import Tone
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME

DEMO_OPERATION = "PANGEA-DEMO"

# Typed two days ago: due times that were then a day ahead are overdue now.
SETUP = [
    'agency add INTERPOL-GS "INTERPOL General Secretariat" --country FR --tz Europe/Paris --lang en',
    'agency add FR-OCLCTIC "Office central de lutte contre la criminalité liée aux TIC" --country FR --tz Europe/Paris --lang fr',
    'agency add ES-UCO "Guardia Civil, Unidad Central Operativa" --country ES --tz Europe/Madrid --lang es',
    'agency add AR-PFA "Policía Federal Argentina" --country AR --tz America/Argentina/Buenos_Aires --lang es',
    'agency add SG-SPF "Singapore Police Force" --country SG --tz Asia/Singapore --lang en',
    'agency add AE-DXB "Dubai Police" --country AE --tz Asia/Dubai --lang ar',
    'agency add US-FDA-OCI "FDA Office of Criminal Investigations" --country US --tz America/New_York --lang en',
    f'op new {DEMO_OPERATION} "Illicit online pharmacies (demo)" --lead INTERPOL-GS --tlp AMBER',
    *(
        f"op join {DEMO_OPERATION} {a}"
        for a in ("FR-OCLCTIC", "ES-UCO", "AR-PFA", "SG-SPF", "AE-DXB")
    ),
    f"op join {DEMO_OPERATION} US-FDA-OCI --role observer",
    f"op start {DEMO_OPERATION}",
    f'task add {DEMO_OPERATION} "Seize parcels at Roissy sorting hub" --to FR-OCLCTIC --due "in 1d" --priority high',
    f'task add {DEMO_OPERATION} "Take down 40 pharmacy domains" --to ES-UCO --due "in 3d"',
    f'task add {DEMO_OPERATION} "Raid warehouse 4" --to AR-PFA --due "in 1d" --priority urgent',
    f'task add {DEMO_OPERATION} "Trace payment processor" --to SG-SPF --due "in 5d"',
    f'task add {DEMO_OPERATION} "Inspect free-zone shipments" --to AE-DXB --due "in 4d"',
    f'task add {DEMO_OPERATION} "Share seizure statistics template" --to INTERPOL-GS',
    f'task add {DEMO_OPERATION} "Check courier manifests" --to FR-OCLCTIC --due "in 6d"',
    f'status {DEMO_OPERATION} "Phase 1: targets confirmed in 6 countries."',
]
# Typed now.
PROGRESS = [
    f"task start {DEMO_OPERATION}#2",
    f"task start {DEMO_OPERATION}#3",
    f'task block {DEMO_OPERATION}#4 "Waiting for the court order from Singapore"',
    f"task done {DEMO_OPERATION}#6",
    f"task cancel {DEMO_OPERATION}#7",
    f'status {DEMO_OPERATION} "Phase 2 started: action days under way."',
]


@dataclass(frozen=True)
class DemoResult:
    loaded: bool  # the demo operation is there (typed now, or already)
    commands: int  # commands typed now
    message: str
    already: bool = False  # it was there before: nothing was typed


async def seed_demo(dispatcher: Dispatcher, clock: Clock) -> DemoResult:
    """Type the sample into the dispatcher as the local administrator (once: a database that
    has the demo operation already is left as it is)."""
    now = clock.now()
    shown = await dispatcher.dispatch(_invocation(f"op show {DEMO_OPERATION}"))
    if shown.tone != Tone.ERROR:
        return DemoResult(True, 0, f"demo already loaded: operation {DEMO_OPERATION}", True)
    typed = 0
    demo_clock = FakeClock(now - timedelta(days=2))
    for script, moment in ((SETUP, now - timedelta(days=2)), (PROGRESS, now)):
        demo_clock.set(moment)
        runner = Dispatcher(
            dispatcher.sessions, dispatcher.registry, clock=demo_clock, defaults=dispatcher.defaults
        )
        for line in script:
            reply = await runner.dispatch(_invocation(line))
            if reply.tone == Tone.ERROR:
                if typed == 0:
                    return DemoResult(False, 0, f"demo not loaded: {reply.title}")
                return DemoResult(False, typed, f"demo stopped at '{line}': {reply.title}")
            typed += 1
    return DemoResult(True, typed, f"demo loaded: {typed} commands, operation {DEMO_OPERATION}")


def _invocation(text: str) -> Invocation:
    platform, workspace, user = LOCAL_ADMIN
    return Invocation(
        platform=platform,
        workspace=workspace,
        chat_id="console",
        user_id=user,
        user_name=LOCAL_ADMIN_NAME,
        text=text,
        chat_title="console",
    )
