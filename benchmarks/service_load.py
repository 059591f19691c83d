"""A bounded load test of the engine service on loopback (issue 10, item 6).

Run: `.venv/bin/python benchmarks/service_load.py` (about 1.5 minutes; `--quick` for a short run).
It starts `python -m service` on 127.0.0.1 only, on a free port, and stops it when done:

1. The in-process call: what `/v1/compare` does for one request (parse, compare, sensitivity,
   serialise) called directly, as requests per second, measured again before each HTTP phase.
2. `/v1/compare` over HTTP with 1 and then 2 workers, CONCURRENCY requests in flight: requests
   per second as a ratio to the in-process call, and p50/p99 latency.
3. 20 concurrent clients for 20 s against 2 workers: every request counted, every error counted
   and printed; the exit status is 1 if there was any error.

Every phase is bounded by a request count and a time limit. Absolute figures depend on the
machine (and on whatever else shares its cores); the ratios are measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.cli import dumps, output  # noqa: E402
from engine.contract import book_for, parse_scenario  # noqa: E402
from tests.service.conftest import start_service, stop_service  # noqa: E402

HOST = "127.0.0.1"  # loopback only
SCENARIO = ROOT / "tests/golden/cases/growing-list-profile-compliance.json"
CONCURRENCY = 8  # connections in flight: the kernel hands each to one worker for its whole keep-alive
MAX_REQUESTS = 1500  # per throughput phase
PHASE_SECONDS = 20.0  # at most, per throughput phase
SOAK_CLIENTS = 20
SOAK_SECONDS = 20.0
SOAK_MAX_REQUESTS = 20_000
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def in_process(text: str, requests: int, seconds: float) -> tuple[float, str]:
    """Requests per second of the handler's own work, called directly, and its output."""
    expected = ""
    done, started = 0, time.perf_counter()
    while done < requests and time.perf_counter() - started < seconds:
        scenario = parse_scenario(text)
        expected = dumps(output("compare", scenario, book_for(scenario)))
        done += 1
    return done / (time.perf_counter() - started), expected


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]
    )


async def load(
    url: str, text: str, expected: str, clients: int, requests: int, seconds: float
) -> tuple[int, float, list[float], Counter]:
    """`clients` loops posting to /v1/compare until `requests` are sent or `seconds` pass."""
    latencies: list[float] = []
    errors: Counter = Counter()
    sent = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT, limits=limits) as client:

        async def one_client() -> None:
            nonlocal sent
            while sent < requests and time.perf_counter() < deadline:
                sent += 1
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/compare", content=text)
                    if r.status_code != 200:
                        errors[f"HTTP {r.status_code}: {r.text[:200]}"] += 1
                    elif r.text != expected:
                        errors["a 200 whose body differs from the in-process output"] += 1
                except httpx.HTTPError as e:
                    errors[f"{type(e).__name__}: {e}"] += 1
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return sent, elapsed, latencies, errors


def report_errors(errors: Counter) -> None:
    for message, count in errors.most_common():
        print(f"    error x{count}: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s phases, for a smoke run")
    args = parser.parse_args()
    phase, soak = (5.0, 5.0) if args.quick else (PHASE_SECONDS, SOAK_SECONDS)
    text = json.dumps(json.loads(SCENARIO.read_text())["scenario"])
    print(f"/v1/compare on {SCENARIO.name}, on {HOST}; {CONCURRENCY} requests in flight")

    in_process(text, 5, phase)  # warm up
    failed = False
    for workers in (1, 2):
        # The in-process rate is measured just before each HTTP phase: on a shared machine the
        # load from other processes drifts, and a ratio should compare like with like.
        base_rps, expected = in_process(text, MAX_REQUESTS, phase)
        print(f"in process: {base_rps:8.1f} requests/s")
        proc, url = start_service(workers)
        assert url.startswith(f"http://{HOST}:")
        try:
            asyncio.run(
                load(url, text, expected, CONCURRENCY, 2 * CONCURRENCY * workers, phase)
            )  # warm up
            sent, elapsed, lat, errors = asyncio.run(
                load(url, text, expected, CONCURRENCY, MAX_REQUESTS, phase)
            )
            rps = sent / elapsed
            print(
                f"{workers} worker{'s' if workers > 1 else ' '}: {rps:8.1f} requests/s = "
                f"{rps / base_rps:.2f} x in process; p50 {percentile(lat, 50):.1f} ms, "
                f"p99 {percentile(lat, 99):.1f} ms; {sent} requests, {sum(errors.values())} errors"
            )
            report_errors(errors)
            failed = failed or bool(errors)
            if workers == 2:
                sent, elapsed, lat, errors = asyncio.run(
                    load(url, text, expected, SOAK_CLIENTS, SOAK_MAX_REQUESTS, soak)
                )
                print(
                    f"{SOAK_CLIENTS} clients for {elapsed:.1f} s (2 workers): {sent} requests, "
                    f"{sent / elapsed:.1f}/s, p50 {percentile(lat, 50):.1f} ms, "
                    f"p99 {percentile(lat, 99):.1f} ms, {sum(errors.values())} errors"
                )
                report_errors(errors)
                failed = failed or bool(errors)
        finally:
            stop_service(proc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
