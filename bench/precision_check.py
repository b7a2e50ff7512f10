#!/usr/bin/env python3
"""The science check of a precision: two results folders of the same sweep (e.g. results/quick and
results/quick-tf32, each with its report/), compared the way issue 20 asks.

  python3 bench/precision_check.py results/quick results/quick-tf32

For each (task, kind, rules), over the complete runs: the mean of ID and OoD (loss, ood_loss) and its 95% Student-t
interval. It checks that
  1. every mean of one folder lies inside the other folder's interval, both ways;
  2. the kinds' orderings by mean are the same: pooled over rules (the sweep's headline contrast), and per rules;
  3. the win counts of report/report.md's "Ranking" table differ by at most one cell per ranking and kind.
Prints a Markdown summary; exit 0 when all three hold, 1 otherwise, 2 on bad input.
"""
import csv
import math
import re
import sys
from collections import defaultdict

QUANTITIES = (("ID", "loss"), ("OoD", "ood_loss"))


def t_quantile(df, p=0.975):
    """The p quantile of Student's t with df degrees of freedom (bisection on a Simpson-integrated density)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(x):
        steps = 2000
        h = x / steps
        f = lambda t: c * (1 + t * t / df) ** (-(df + 1) / 2)
        s = f(0) + f(x) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, steps))
        return 0.5 + s * h / 3

    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def cells(folder):
    """{(task, kind, rules): {quantity: (mean, half-width, n)}} over the complete runs of folder/report/results.csv."""
    values = defaultdict(lambda: defaultdict(list))
    try:
        with open(f"{folder}/report/results.csv", newline="") as f:
            for row in csv.DictReader(f):
                if row["status"] != "complete":
                    continue
                for _, column in QUANTITIES:
                    values[(row["task"], row["kind"], int(row["rules"]))][column].append(float(row[column]))
    except OSError as e:
        print(f"precision_check: {e.filename}: {e.strerror} (give two results folders with a report/)", file=sys.stderr)
        sys.exit(2)
    out = {}
    for key, by in values.items():
        out[key] = {}
        for column, xs in by.items():
            n = len(xs)
            mean = sum(xs) / n
            half = t_quantile(n - 1) * math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1) / n) if n > 1 else math.inf
            out[key][column] = (mean, half, n)
    return out


def wins(folder):
    """{ranking: {kind: wins}} from report.md's Ranking table."""
    with open(f"{folder}/report/report.md") as f:
        lines = [l for l in f if l.startswith("|")]
    table, header = {}, None
    for line in lines:
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols[0] == "Ranking":
            header = cols
        elif header and cols[0] and not set(cols[0]) <= set("- ") and len(cols) == len(header):
            table[cols[0]] = {k: v for k, v in zip(header[3:], cols[3:]) if v != "—"}
        elif header and len(cols) != len(header):
            header = None
    return table


def ordering(means):
    return " < ".join(k for k, _ in sorted(means.items(), key=lambda kv: kv[1]))


def main():
    if len(sys.argv) != 3:
        print("usage: precision_check.py RESULTS_A RESULTS_B", file=sys.stderr)
        sys.exit(2)
    a_dir, b_dir = sys.argv[1:]
    a, b = cells(a_dir), cells(b_dir)
    if set(a) != set(b):
        print(f"precision_check: the folders hold different (task, kind, rules): {sorted(set(a) ^ set(b))}",
              file=sys.stderr)
        sys.exit(2)
    ok = True
    print(f"## Means inside the other's 95% interval: A = {a_dir}, B = {b_dir}\n")
    print("| task | kind | R | quantity | A mean ± half (n) | B mean ± half (n) | A in B | B in A |")
    print("|---|---|---:|---|---|---|---|---|")
    outside = 0
    for key in sorted(a):
        for label, column in QUANTITIES:
            (ma, ha, na), (mb, hb, nb) = a[key][column], b[key][column]
            a_in_b, b_in_a = abs(ma - mb) <= hb, abs(mb - ma) <= ha
            outside += (not a_in_b) + (not b_in_a)
            print(f"| {key[0]} | {key[1]} | {key[2]} | {label} | {ma:.4g} ± {ha:.2g} ({na}) | {mb:.4g} ± {hb:.2g} ({nb})"
                  f" | {'yes' if a_in_b else 'NO'} | {'yes' if b_in_a else 'NO'} |")
    print(f"\nmeans outside the other's interval: {outside} of {4 * len(a)}")
    ok &= outside == 0
    print("\n## Orderings of the kinds by mean\n")
    print("| task | R | quantity | A | B | same |")
    print("|---|---|---|---|---|---|")
    tasks = sorted({k[0] for k in a})
    same_pooled, same_rules, rule_rows = True, 0, 0
    for task in tasks:
        rules = sorted({k[2] for k in a if k[0] == task})
        for label, column in QUANTITIES:
            for r in rules + ["all"]:
                def means(c):
                    keys = [k for k in c if k[0] == task and (r == "all" or k[2] == r)]
                    kinds = sorted({k[1] for k in keys})
                    return {kind: sum(c[k][column][0] for k in keys if k[1] == kind) / len(rules if r == "all" else [r])
                            for kind in kinds}
                oa, ob = ordering(means(a)), ordering(means(b))
                print(f"| {task} | {r} | {label} | {oa} | {ob} | {'yes' if oa == ob else 'NO'} |")
                if r == "all":
                    same_pooled &= oa == ob
                else:
                    rule_rows += 1
                    same_rules += oa == ob
    print(f"\npooled over rules: {'the same' if same_pooled else 'DIFFERENT'}; per rules: {same_rules} of {rule_rows}"
          " the same")
    ok &= same_pooled and same_rules == rule_rows
    print("\n## Win counts (report.md's Ranking table)\n")
    wa, wb = wins(a_dir), wins(b_dir)
    print("| ranking | kind | A | B | differ by |")
    print("|---|---|---:|---:|---:|")
    worst = 0
    for ranking in wa:
        for kind, va in wa[ranking].items():
            vb = wb.get(ranking, {}).get(kind)
            d = abs(int(va) - int(vb)) if vb is not None else math.inf
            worst = max(worst, d)
            print(f"| {ranking} | {kind} | {va} | {vb} | {d} |")
    print(f"\nlargest difference in win counts: {worst} cell(s)")
    ok &= worst <= 1
    print(f"\nscience check: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
