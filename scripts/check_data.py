#!/usr/bin/env python3
"""Consistency checks for the files in data/ (Python 3 standard library only).

    python3 scripts/check_data.py     # exit 0 if everything holds, 1 otherwise
"""
import csv
import io
import os
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")

REGIONS = {
    "Trung du và miền núi phía Bắc": "Northern Midlands and Mountains",
    "Đồng bằng sông Hồng": "Red River Delta",
    "Bắc Trung Bộ và duyên hải miền Trung": "North Central and Central Coast",
    "Tây Nguyên": "Central Highlands",
    "Đông Nam Bộ": "Southeast",
    "Đồng bằng sông Cửu Long": "Mekong River Delta",
}
PILLARS = ["HTKT", "HTNL", "UD", "SXKD", "MT"]
MAX_COLS = 12

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def load(name, header):
    """Read a data CSV strictly: UTF-8, no BOM, LF endings, exact header."""
    path = os.path.join(DATA, name)
    raw = open(path, "rb").read()
    check(not raw.startswith(b"\xef\xbb\xbf"), name + ": has a BOM")
    check(b"\r" not in raw, name + ": has CR line endings")
    check(raw.endswith(b"\n"), name + ": no final newline")
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    check(rows and rows[0] == header, "%s: header %s != %s" % (name, rows[0] if rows else None, header))
    for i, r in enumerate(rows[1:], 2):
        check(len(r) == len(header), "%s line %d: %d fields" % (name, i, len(r)))
    return [dict(zip(header, r)) for r in rows[1:]]


def strip_marks(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def check_names(name, rows):
    for r in rows:
        check(len(r["code"]) == 2 and r["code"].isdigit(), "%s: bad code %r" % (name, r["code"]))
        check(r["region"] in REGIONS, "%s %s: unknown region %r" % (name, r["code"], r["region"]))
        check(REGIONS.get(r["region"]) == r["region_en"], "%s %s: region_en mismatch" % (name, r["code"]))
        check(r["name_ascii"].isascii(), "%s %s: name_ascii not ASCII" % (name, r["code"]))
        check(strip_marks(r["name_vi"]) == r["name_ascii"], "%s %s: name_ascii != name_vi without marks"
              % (name, r["code"]))
    codes = [r["code"] for r in rows]
    check(len(set(codes)) == len(codes), name + ": duplicate codes")
    check(codes == sorted(codes), name + ": not sorted by code")


def check_grid(name, codes):
    rows = load(name, ["code", "row", "col"])
    cells = {}
    seen = set()
    for r in rows:
        c = r["code"]
        check(c in codes, "%s: unknown code %s" % (name, c))
        check(c not in seen, "%s: code %s twice" % (name, c))
        seen.add(c)
        if not check(r["row"].isdigit() and r["col"].isdigit(), "%s %s: row/col not a 0-based integer" % (name, c)):
            continue
        rc = (int(r["row"]), int(r["col"]))
        check(rc not in cells, "%s: %s and %s collide at %s" % (name, cells.get(rc), c, rc))
        check(rc[1] < MAX_COLS, "%s %s: column %d >= %d" % (name, c, rc[1], MAX_COLS))
        cells[rc] = c
    check(seen == set(codes), "%s: missing %s" % (name, sorted(set(codes) - seen)))
    if not cells:
        return
    # the map is one piece (8-neighbourhood)
    start = next(iter(cells))
    stack, reached = [start], {start}
    while stack:
        r, c = stack.pop()
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                n = (r + dr, c + dc)
                if n in cells and n not in reached:
                    reached.add(n)
                    stack.append(n)
    check(len(reached) == len(cells), name + ": tiles are not all connected")
    check(min(r for r, _ in cells) == 0 and min(c for _, c in cells) == 0, name + ": grid does not start at 0,0")


def main():
    prov = load("provinces.csv", ["code", "name_vi", "name_ascii", "region", "region_en", "code_2025", "name_2025"])
    check(len(prov) == 63, "provinces.csv: %d rows, expected 63" % len(prov))
    check_names("provinces.csv", prov)
    codes = {r["code"]: r for r in prov}
    check(len(codes) == 63, "provinces.csv: %d unique codes, expected 63" % len(codes))

    new = load("provinces-2025.csv", ["code", "name_vi", "name_ascii", "region", "region_en", "members"])
    check(len(new) == 34, "provinces-2025.csv: %d rows, expected 34" % len(new))
    check_names("provinces-2025.csv", new)
    owner = {}
    for u in new:
        members = u["members"].split(";")
        check(len(members) == len(set(members)), "unit %s: repeated member" % u["code"])
        for m in members:
            check(m in codes, "unit %s: unknown member %s" % (u["code"], m))
            check(m not in owner, "old code %s in units %s and %s" % (m, owner.get(m), u["code"]))
            owner[m] = u["code"]
        check(u["region"] == codes.get(members[0], {}).get("region"),
              "unit %s: region is not the namesake (first member) province's" % u["code"])
    check(set(owner) == set(codes), "members do not cover: %s" % sorted(set(codes) - set(owner)))
    unchanged = [u for u in new if u["members"] == u["code"]]
    merged = [u for u in new if ";" in u["members"]]
    check(len(unchanged) == 11 and len(merged) == 23, "expected 11 unchanged + 23 merged units")
    check(sum(len(u["members"].split(";")) for u in merged) == 52, "merged units must hold 52 old units")
    newmap = {u["code"]: u for u in new}
    for c, r in codes.items():
        check(owner.get(c) == r["code_2025"], "%s: code_2025 %s but members say %s" % (c, r["code_2025"], owner.get(c)))
        check(newmap.get(r["code_2025"], {}).get("name_vi") == r["name_2025"], "%s: name_2025 mismatch" % c)

    fw = load("framework-vn-ict.csv", ["code", "parent", "weight", "direction", "method", "lo", "hi", "name_vi", "name_en"])
    check([r["code"] for r in fw] == ["ICT"] + PILLARS, "framework: unexpected nodes")
    check(fw and fw[0]["parent"] == "" and fw[0]["method"] == "arithmetic", "framework: bad root")
    for r in fw[1:]:
        check(r["parent"] == "ICT" and r["method"] == "none" and r["weight"] == "1" and r["direction"] == "1",
              "framework: bad leaf %s" % r["code"])
    for r in fw:
        check(r["name_vi"] and r["name_en"], "framework %s: name missing" % r["code"])

    sample = load("sample-vn-ict.csv", ["code", "name", "year", "group"] + PILLARS)
    for r in sample:
        p = codes.get(r["code"])
        if check(p is not None, "sample: unknown code %s" % r["code"]):
            check(r["name"] == p["name_vi"] and r["group"] == p["region"], "sample %s: name/group mismatch" % r["code"])
    for y in ("2015", "2016"):
        check(sorted(r["code"] for r in sample if r["year"] == y) == sorted(codes), "sample %s: not all 63 codes" % y)

    pub = load("published-2006-top10.csv", ["code", "name", "year", "group", "rank", "ICT"] + PILLARS)
    check([r["rank"] for r in pub] == [str(i) for i in range(1, 11)], "published 2006: ranks must be 1..10")
    for r in pub:
        p = codes.get(r["code"])
        if check(p is not None, "published 2006: unknown code %s" % r["code"]):
            check(r["name"] == p["name_vi"] and r["group"] == p["region"], "published 2006 %s: name/group" % r["code"])
        for k in ["ICT"] + PILLARS:
            v = r[k]
            check(len(v) == 4 and v[1] == "." and 0 <= float(v) <= 1, "published 2006 %s %s: %r" % (r["code"], k, v))
    icts = [float(r["ICT"]) for r in pub]
    check(icts == sorted(icts, reverse=True), "published 2006: composites not in rank order")

    check_grid("tilegrid-63.csv", set(codes))
    check_grid("tilegrid-34.csv", set(newmap))

    # the sample's own constraints (published values, Vĩnh Phúc ranks, ties)
    res = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_sample.py"), "--check"],
                         capture_output=True, text=True)
    check(res.returncode == 0, "make_sample.py --check failed:\n" + res.stderr)

    for e in errors:
        print("check_data: FAIL " + e, file=sys.stderr)
    print("check_data: %s" % ("OK" if not errors else "%d problem(s)" % len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
