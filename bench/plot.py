"""Draws bench/results/scaling-*.csv (written by `cargo bench --bench http`) as PNGs."""
import csv
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = pathlib.Path(__file__).parent / "results"


def rows(name):
    path = RESULTS / name
    if not path.exists():
        return []
    with path.open() as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def plot(kind, x, series, xlabel, log_x, out):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for engine in ("sqlite", "postgresql"):
        data = rows(f"scaling-{kind}-{engine}.csv")
        if not data:
            continue
        xs = [r[x] for r in data]
        for label, column in series:
            left.plot(xs, [r[f"{column}_p50_ms"] for r in data], marker="o", label=f"{label} p50, {engine}")
            left.plot(xs, [r[f"{column}_p99_ms"] for r in data], marker=".", linestyle="--", label=f"{label} p99, {engine}")
            right.plot(xs, [r[f"{column}_rps"] for r in data], marker="o", label=f"{label}, {engine}")
    for ax, ylabel in ((left, "latency (ms)"), (right, "requests/s")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if log_x:
            ax.set_xscale("log")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        ax.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(RESULTS / out, dpi=110)
    print(f"wrote {RESULTS / out}")


plot("templates", "templates", [("get", "get"), ("query", "query")], "stored templates", True, "scaling-templates.png")
plot("line-items", "line_items", [("click", "click")], "line items per template", False, "scaling-line-items.png")
