#!/usr/bin/env python3
"""Generate data/sample-vn-ict.csv: an ILLUSTRATIVE two-edition (2015, 2016)
table of the five-pillar Vietnam ICT Index for the 63 pre-2025 provinces.

Only these values are published facts (Vietnam ICT Index 2016 report, as
reported in the press): the 2016 composites of Da Nang 0.8321, Ha Noi 0.6705,
TP. Ho Chi Minh 0.6456, Lang Son 0.2144, Bac Lieu 0.1914, Dien Bien 0.1738,
and the ranks of Vinh Phuc (2016: composite 26/63, pillars 31, 12, 35, 38, 9;
2015 pillar ranks 25, 15, 31, 35, 20 implied by the reported rank changes).
Every other number is synthetic: plausible, correlated, seeded, deterministic.

Scoring rule (as the library does it): composite = plain mean of the five
pillars; every score is rounded to 4 decimals before ranking; standard
competition ranking ("1224"), rank 1 = highest.

Python 3 standard library only.  Usage:
    python3 scripts/make_sample.py           # (re)write the file, verify, exit 0/1
    python3 scripts/make_sample.py --check   # verify the file on disk only
Running it twice gives a byte-identical file.
"""
import csv
import io
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROVINCES = os.path.join(ROOT, "data", "provinces.csv")
OUT = os.path.join(ROOT, "data", "sample-vn-ict.csv")

PILLARS = ["HTKT", "HTNL", "UD", "SXKD", "MT"]
YEARS = [2015, 2016]
SEED = 20161018
MAX_ATTEMPTS = 500
SCALE = 10000  # all values are handled as integers in units of 0.0001

# --- published facts (see data/README.md) ---------------------------------
# 2016 composites (published) and illustrative pillar values chosen so that
# the plain mean is exactly the published composite (sum = 5 * composite, so
# no rounding at all is involved).
PUBLISHED_2016 = {
    "48": (8321, [8012, 8566, 8953, 6744, 9330]),  # Đà Nẵng, rank 1
    "01": (6705, [6931, 7354, 5522, 8215, 5503]),  # Hà Nội, rank 2
    "79": (6456, [6612, 6128, 5874, 8437, 5229]),  # TP. Hồ Chí Minh, rank 3
    "20": (2144, [2011, 2563, 1872, 815, 3459]),   # Lạng Sơn, rank 61
    "95": (1914, [1988, 2217, 1745, 702, 2918]),   # Bạc Liêu, rank 62
    "11": (1738, [1702, 1995, 1623, 551, 2819]),   # Điện Biên, rank 63
}
PUBLISHED_RANK_2016 = {"48": 1, "01": 2, "79": 3, "20": 61, "95": 62, "11": 63}

VP = "26"  # Vĩnh Phúc
VP_RANKS = {
    2016: {"ICT": 26, "HTKT": 31, "HTNL": 12, "UD": 35, "SXKD": 38, "MT": 9},
    # pillar ranks implied by the published 2016 rank changes; the 2015
    # composite rank (28) is our illustrative choice.
    2015: {"ICT": 28, "HTKT": 25, "HTNL": 15, "UD": 31, "SXKD": 35, "MT": 20},
}

# --- illustrative model ----------------------------------------------------
# Rough "development level" per province used to draw correlated pillars
# (synthetic; higher = richer / more urban).  The six published provinces are
# not listed: their 2016 values are fixed above.
PRIOR = {
    "46": 0.60, "22": 0.58, "27": 0.56, "31": 0.55, "56": 0.53, "92": 0.53,
    "74": 0.52, "10": 0.50, "87": 0.50, "77": 0.49, "75": 0.48, "86": 0.47,
    "49": 0.46, "82": 0.45, "37": 0.44, "42": 0.44, "52": 0.44, "19": 0.44,
    "33": 0.43, "80": 0.43, "30": 0.42, "44": 0.42, "26": 0.42, "25": 0.42,
    "38": 0.41, "83": 0.41, "40": 0.41, "36": 0.40, "35": 0.40, "89": 0.40,
    "34": 0.39, "24": 0.39, "68": 0.39, "51": 0.38, "72": 0.38, "45": 0.38,
    "60": 0.37, "91": 0.37, "66": 0.37, "84": 0.37, "54": 0.36, "08": 0.36,
    "96": 0.35, "94": 0.35, "93": 0.35, "15": 0.35, "17": 0.34, "58": 0.34,
    "70": 0.34, "64": 0.32, "62": 0.31, "67": 0.31, "06": 0.30, "14": 0.30,
    "04": 0.29, "02": 0.29, "12": 0.28,
}
# pillar = base + slope * (level - 0.40) + province effect + noise
MODEL = {
    "HTKT": (0.36, 1.10, 0.045),
    "HTNL": (0.42, 0.80, 0.045),
    "UD": (0.36, 1.00, 0.045),
    "SXKD": (0.22, 1.40, 0.045),
    "MT": (0.50, 0.70, 0.090),
}
# Deliberate exact ties (pillar, 0-based position in the 2016/2015 order of
# the unconstrained provinces, group size); kept away from Vĩnh Phúc's ranks.
TIES = {
    2016: [("HTKT", 44, 2), ("UD", 50, 2), ("SXKD", 14, 2), ("MT", 46, 3)],
    2015: [("HTNL", 47, 3), ("UD", 20, 2), ("MT", 3, 2)],
}
MIN_TIE_GROUPS = 5
# 2016 composites of unconstrained provinces stay strictly inside this band
BAND = (2144 + 60, 6456 - 60)  # verification: at least this many tie groups overall


class Failure(Exception):
    pass


# --- helpers ---------------------------------------------------------------
def read_provinces():
    with open(PROVINCES, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 63:
        raise Failure("provinces.csv must have 63 rows")
    return rows


def composite(pillars):
    """Plain mean of 4-decimal pillars, rounded to 4 decimals (integer units).
    The sum is an integer, so sum/5 ends in .0/.2/.4/.6/.8 -- never on a half."""
    return (sum(pillars) + 2) // 5


def competition_ranks(values):
    """dict code -> value  =>  dict code -> rank ("1224", rank 1 = highest)."""
    return {c: 1 + sum(1 for w in values.values() if w > v) for c, v in values.items()}


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def fmt(v):
    return "%d.%04d" % divmod(v, SCALE)


# --- generation --------------------------------------------------------------
def draw(rng, codes):
    """Latent 2016 values, then 2015 = 2016 - drift.  Returns {year: {code: [..]}}."""
    data = {2016: {}, 2015: {}}
    for c in codes:
        effect = rng.gauss(0, 0.02)
        drift_p = rng.gauss(0, 0.012)
        if c in PUBLISHED_2016:
            v16 = list(PUBLISHED_2016[c][1])
        else:
            lvl = PRIOR[c]
            v16 = []
            for p in PILLARS:
                base, slope, sd = MODEL[p]
                x = base + slope * (lvl - 0.40) + effect + rng.gauss(0, sd)
                v16.append(int(round(clamp(x, 0.03, 0.97) * SCALE)))
        v15 = []
        for x in v16:
            d = 0.012 + drift_p + rng.gauss(0, 0.018)
            v15.append(int(round(clamp(x / SCALE - d, 0.02, 0.98) * SCALE)))
        data[2016][c], data[2015][c] = v16, v15
    return data


def keep_inside_published_band(year_data):
    """Unconstrained 2016 composites must lie strictly inside (0.2144, 0.6456)
    with a margin, so the published top 3 / bottom 3 keep their ranks."""
    lo, hi = BAND
    for c, v in year_data.items():
        if c in PUBLISHED_2016 or c == VP:
            continue
        while composite(v) < lo:
            v[:] = [min(SCALE, x + 10) for x in v]
        while composite(v) > hi:
            v[:] = [max(0, x - 10) for x in v]


def make_ties(year_data, ties, protected):
    for pillar, pos, size in ties:
        k = PILLARS.index(pillar)
        order = sorted((c for c in year_data if c != VP),
                       key=lambda c: (-year_data[c][k], c))
        while any(c in protected for c in order[pos:pos + size]):
            pos += 1
        group = order[pos:pos + size]
        val = year_data[group[0]][k]
        for c in group:
            year_data[c][k] = val


def separate_protected(year_data, protected):
    """No unconstrained province may share a pillar value with a protected one."""
    for k in range(len(PILLARS)):
        taken = {year_data[p][k] for p in protected if p in year_data}
        for c in sorted(year_data):
            if c in protected or c == VP:
                continue
            while year_data[c][k] in taken:
                year_data[c][k] += 1


def vp_bounds(year_data, target):
    """Open interval of values giving Vĩnh Phúc exactly each target pillar rank."""
    lo, hi = [], []
    for k, p in enumerate(PILLARS):
        vals = sorted((v[k] for c, v in year_data.items() if c != VP), reverse=True)
        r = target[p]
        lo.append(vals[r - 1] + 1 if r - 1 < len(vals) else 0)
        hi.append(vals[r - 2] - 1 if r >= 2 else SCALE)
    return lo, hi


def try_place_vp(year_data, target, natural):
    """Set Vĩnh Phúc's values for exact target ranks, or return a hint
    ('down', code) / ('up', code) naming a province to move."""
    lo, hi = vp_bounds(year_data, target)
    for k, p in enumerate(PILLARS):
        if lo[k] > hi[k]:  # adjacent/tied neighbours: push the lower one down
            r = target[p]
            order = sorted((c for c in year_data if c != VP),
                           key=lambda c: (-year_data[c][k], c))
            return ("gap", order[r - 1], k)
    others = sorted((c for c in year_data if c != VP),
                    key=lambda c: (-composite(year_data[c]), c))
    comps = [composite(year_data[c]) for c in others]
    R = target["ICT"]
    cmax, cmin = comps[R - 2] - 1, comps[R - 1] + 1
    smin, smax = sum(lo), sum(hi)
    x = [clamp(n, a, b) for n, a, b in zip(natural, lo, hi)]
    s0 = sum(x)
    best = None
    for C in range(cmin, cmax + 1):
        a, b = max(5 * C - 2, smin), min(5 * C + 2, smax)
        if a <= b:
            s = clamp(s0, a, b)
            if best is None or abs(s - s0) < abs(best - s0):
                best = s
    if best is None:
        vhi, vlo = composite([smax]), composite([smin])  # (s + 2) // 5
        n_hi = sum(1 for c in comps if c > vhi)  # fewest that can be above
        n_lo = sum(1 for c in comps if c >= vlo)  # most that can be above
        if n_hi > R - 1:
            return ("down", others[n_hi - 1], lo)
        if n_lo < R - 1:
            return ("up", others[n_lo], hi)
        return ("down", others[R - 1], lo)
    k = 0
    while sum(x) != best:  # spread the difference round-robin within bounds
        step = 1 if best > sum(x) else -1
        if lo[k] <= x[k] + step <= hi[k]:
            x[k] += step
        k = (k + 1) % len(x)
    year_data[VP] = x
    return None


def place_vp(year_data, target, protected, band):
    """Place Vĩnh Phúc; if its rank slot cannot be reached, nudge the
    neighbouring province's pillars on the far side of Vĩnh Phúc's values
    (so Vĩnh Phúc's pillar ranks are unaffected) and try again."""
    natural = list(year_data[VP])
    for _ in range(200):
        hint = try_place_vp(year_data, target, natural)
        if hint is None:
            return
        kind, c, arg = hint
        if c in protected:
            raise Failure("would have to move a published province")
        v = year_data[c]
        counts = {}
        for w in year_data.values():
            for k, x in enumerate(w):
                counts[(k, x)] = counts.get((k, x), 0) + 1
        if kind == "gap":
            v[arg] = max(0, v[arg] - 3)
        else:
            moved = False
            for k in range(len(PILLARS)):
                if counts[(k, v[k])] > 1:
                    continue  # keep deliberate ties intact
                if kind == "down" and v[k] < arg[k]:
                    v[k] = max(0, v[k] - 20)
                    moved = True
                elif kind == "up" and v[k] > arg[k]:
                    v[k] = min(SCALE, v[k] + 20)
                    moved = True
            if not moved or not band[0] < composite(v) < band[1]:
                raise Failure("cannot make room for composite rank")
        separate_protected(year_data, protected)
    raise Failure("Vĩnh Phúc placement did not converge")


def generate(provinces, seed):
    rng = random.Random(seed)
    codes = [p["code"] for p in provinces]
    data = draw(rng, codes)
    keep_inside_published_band(data[2016])
    for year in YEARS:
        protected = set(PUBLISHED_2016) if year == 2016 else set()
        band = BAND if year == 2016 else (0, SCALE)
        make_ties(data[year], TIES[year], protected | {VP})
        separate_protected(data[year], protected)
        place_vp(data[year], VP_RANKS[year], protected, band)
    return data


def render(provinces, data):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "year", "group"] + PILLARS)
    for year in YEARS:
        for p in provinces:
            w.writerow([p["code"], p["name_vi"], year, p["region"]]
                       + [fmt(v) for v in data[year][p["code"]]])
    return buf.getvalue()


# --- verification (works on the CSV text only) -------------------------------
def parse4(s):
    if len(s) != 6 or s[1] != "." or not (s[0] + s[2:]).isdigit():
        raise Failure("value %r is not written with exactly 4 decimals" % s)
    v = int(s[0]) * SCALE + int(s[2:])
    if not 0 <= v <= SCALE:
        raise Failure("value %r outside [0, 1]" % s)
    return v


def rust_round4(x):
    """f64 mean rounded like Rust's (x * 1e4).round() (half away from zero)."""
    y = x * SCALE
    return int(y + 0.5) if y >= 0 else -int(-y + 0.5)


def verify(text, provinces):
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.split("\n", 1)[0]
    check(header == "code,name,year,group," + ",".join(PILLARS), "bad header")
    check(not text.startswith("\ufeff"), "BOM present")
    pmap = {p["code"]: p for p in provinces}
    table = {y: {} for y in YEARS}
    for r in rows:
        y = int(r["year"])
        check(y in table, "unexpected year %s" % y)
        check(r["code"] in pmap, "unknown code %s" % r["code"])
        if r["code"] in pmap:
            check(r["name"] == pmap[r["code"]]["name_vi"], "name mismatch %s" % r["code"])
            check(r["group"] == pmap[r["code"]]["region"], "group mismatch %s" % r["code"])
        check(r["code"] not in table.get(y, {}), "duplicate %s/%s" % (r["code"], y))
        table.setdefault(y, {})[r["code"]] = [parse4(r[p]) for p in PILLARS]
    for y in YEARS:
        check(len(table[y]) == 63, "%d: %d rows, expected 63" % (y, len(table[y])))
    if errors:
        return errors

    ranks, scores = {}, {}
    for y in YEARS:
        comp = {}
        for c, v in table[y].items():
            comp[c] = composite(v)
            mean = sum(x / SCALE for x in v) / 5
            check(rust_round4(mean) == comp[c] and round(mean, 4) == comp[c] / SCALE,
                  "%s/%d: float rounding disagrees with exact rounding" % (c, y))
        scores[y] = {"ICT": comp}
        for k, p in enumerate(PILLARS):
            scores[y][p] = {c: v[k] for c, v in table[y].items()}
        ranks[y] = {m: competition_ranks(s) for m, s in scores[y].items()}

    def tied(y, m, c):
        return sum(1 for v in scores[y][m].values() if v == scores[y][m][c]) > 1

    for c, (value, pillars) in PUBLISHED_2016.items():
        check(scores[2016]["ICT"][c] == value, "%s 2016 composite %s != published %s"
              % (c, fmt(scores[2016]["ICT"][c]), fmt(value)))
        check(ranks[2016]["ICT"][c] == PUBLISHED_RANK_2016[c], "%s 2016 composite rank %d != %d"
              % (c, ranks[2016]["ICT"][c], PUBLISHED_RANK_2016[c]))
        for m in ["ICT"] + PILLARS:
            check(not tied(2016, m, c), "%s ties in 2016 %s" % (c, m))
    for y in YEARS:
        for m, want in VP_RANKS[y].items():
            check(ranks[y][m][VP] == want, "Vĩnh Phúc %d %s rank %d != %d"
                  % (y, m, ranks[y][m][VP], want))
            check(not tied(y, m, VP), "Vĩnh Phúc ties in %d %s" % (y, m))
    want_change = {"HTKT": -6, "HTNL": 3, "UD": -4, "SXKD": -3, "MT": 11}
    for p, d in want_change.items():
        got = ranks[2015][p][VP] - ranks[2016][p][VP]
        check(got == d, "Vĩnh Phúc %s rank change %+d != %+d" % (p, got, d))

    groups = 0
    for y in YEARS:
        for p in PILLARS:
            seen = {}
            for c, v in scores[y][p].items():
                seen.setdefault(v, []).append(c)
            groups += sum(1 for g in seen.values() if len(g) > 1)
    check(groups >= MIN_TIE_GROUPS, "only %d tie groups in pillar ranks" % groups)

    for p in PILLARS:  # plausibility of the drift (illustrative data)
        k = PILLARS.index(p)
        diffs = [table[2016][c][k] - table[2015][c][k] for c in table[2016] if c != VP]
        mean = sum(diffs) / len(diffs) / SCALE
        check(0 <= mean <= 0.04, "%s mean drift %.4f implausible" % (p, mean))
    return errors


def main(argv):
    provinces = read_provinces()
    if "--check" not in argv:
        text = None
        for attempt in range(MAX_ATTEMPTS):
            try:
                data = generate(provinces, SEED + attempt)
            except Failure:
                continue
            candidate = render(provinces, data)
            if not verify(candidate, provinces):
                text = candidate
                break
        if text is None:
            print("make_sample: no attempt satisfied the constraints", file=sys.stderr)
            return 1
        if render(provinces, generate(provinces, SEED + attempt)) != text:
            print("make_sample: generation is not deterministic", file=sys.stderr)
            return 1
        with open(OUT, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print("make_sample: wrote %s (seed %d + attempt %d)"
              % (os.path.relpath(OUT, ROOT), SEED, attempt))
    with open(OUT, encoding="utf-8", newline="") as f:
        errors = verify(f.read(), provinces)
    for e in errors:
        print("make_sample: FAIL " + e, file=sys.stderr)
    if not errors:
        print("make_sample: all constraints hold")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
