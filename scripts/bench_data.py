"""Measurement data while the casework seed lives in another branch: organisations, generated casework, funding.

    .venv/bin/python scripts/bench_data.py --scale municipality --cases 60000

Replaces the demo data (like ``seed_demo --reset``). Once the casework seed is
merged, ``seed_demo --scale municipality`` does this and this script can go.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkteam.settings.local")

import django

django.setup()

from django.core.management.base import OutputWrapper  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from funding import seed as funding_seed  # noqa: E402
from organisations import seed as organisations_seed  # noqa: E402
from tests.funding.generate import generate_casework  # noqa: E402
from wijkteam.management.commands.seed_demo import Command  # noqa: E402
from wijkteam.seeding import SCALES, SeedContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="municipality")
    parser.add_argument("--cases", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 — demo data, not secrets
    ctx = SeedContext(scale=SCALES[args.scale], rng=rng, stdout=OutputWrapper(sys.stdout))
    started = time.perf_counter()
    with transaction.atomic():
        with ctx.step("reset"):
            Command()._truncate()
            with connection.cursor() as cursor:
                # _truncate made the constraints immediate; the coordinator check must wait for commit.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        organisations_seed.seed(ctx)
        with ctx.step(f"generated casework ({args.cases} cases)"):
            actions = generate_casework(ctx, cases=args.cases)
            print(f"    {actions} actions")
        funding_seed.seed(ctx)
    print(f"Done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
