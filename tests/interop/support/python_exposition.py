"""Builds, with prometheus_client itself, a registry equivalent to tests/interop/support/hostile.ts (the parts the
Python client has: Counter, Gauge, Histogram, Info, Enum; no StateSet, no summary quantiles) and prints its
exposition in the format asked for, so the interop lane can compare the two clients' output as parsed.

usage: /usr/bin/python3 python_exposition.py 0.0.4|openmetrics < spec.json
spec: {"hostile": [...], "numbers": [[case, "NaN"|"+Inf"|"-Inf"|float repr]], "site": "...",
       "buckets": [...], "observations": [...], "states": [...]}
"""
import json
import sys

from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_latest_om


def main():
    fmt = sys.argv[1]
    spec = json.loads(sys.stdin.read())
    hostile, site = spec["hostile"], spec["site"]
    r = CollectorRegistry()

    c = Counter("interop_requests", spec["help"], ["path", "code", "site"], registry=r)
    for i, v in enumerate(hostile):
        child = c.labels(path=v, code=str(200 + i), site=site)
        child.inc(i + 0.5)
        child.inc()

    g = Gauge("interop_temperature_celsius", "Special numbers.", ["sensor", "case", "site"], unit="celsius", registry=r)
    for i, (case, value) in enumerate(spec["numbers"]):
        g.labels(sensor=hostile[i % len(hostile)], case=case, site=site).set(float(value.replace("Inf", "inf")))

    h = Histogram("interop_request_duration_seconds", "Durations.", ["method", "site"], unit="seconds",
                  buckets=spec["buckets"], registry=r)
    for o in spec["observations"]:
        h.labels(method=hostile[1], site=site).observe(o)
    h.labels(method=hostile[4], site=site)

    i = Info("interop_build", "Build information.", ["site"], registry=r)
    i.labels(site=site).info({"version": "1.2.3", "note": hostile[5]})

    e = Enum("interop_link_state", "Link state.", ["iface", "site"], states=["up", "down", "unknown"], registry=r)
    e.labels(iface=hostile[7], site=site).state("down")

    out = generate_latest(r) if fmt == "0.0.4" else generate_latest_om(r)
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main()
