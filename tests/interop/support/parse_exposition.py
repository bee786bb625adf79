"""Parse an exposition from stdin with the official Python client's parsers and print it as JSON.

usage: /usr/bin/python3 parse_exposition.py 0.0.4|openmetrics < exposition

0.0.4       -> prometheus_client.parser.text_string_to_metric_families
openmetrics -> prometheus_client.openmetrics.parser.text_string_to_metric_families (strict: needs '# EOF')

Output: {"families": [{"name", "type", "documentation", "unit", "samples": [{"name", "labels", "value"}]}]}
Values are strings so that NaN and the infinities survive JSON: "NaN", "+Inf", "-Inf", else repr(float).
A parse error prints {"error": "..."} and exits 2.
"""
import json
import math
import sys


def value_str(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def main():
    fmt = sys.argv[1]
    text = sys.stdin.buffer.read().decode("utf-8")
    if fmt == "0.0.4":
        from prometheus_client.parser import text_string_to_metric_families
    elif fmt == "openmetrics":
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        raise SystemExit("unknown format " + fmt)
    try:
        families = []
        for f in text_string_to_metric_families(text):
            families.append({
                "name": f.name,
                "type": f.type,
                "documentation": f.documentation,
                "unit": getattr(f, "unit", ""),
                "samples": [
                    {"name": s.name, "labels": s.labels, "value": value_str(s.value),
                     "timestamp": None if s.timestamp is None else str(s.timestamp)}
                    for s in f.samples
                ],
            })
    except Exception as e:  # the parsers raise ValueError (and sometimes others) on bad input
        json.dump({"error": "%s: %s" % (type(e).__name__, e)}, sys.stdout)
        sys.exit(2)
    json.dump({"families": families}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
