#!/usr/bin/env python3
"""Convert Vietnamese administrative divisions (3 levels) into Depot's CSV files.

Source: PyPI package ``vietnam-provinces==0.6.0`` (data retrieved from the General
Statistics Office of Viet Nam on 2025-01-04, i.e. the classic three-level
Province -> District -> Ward structure: 63 provinces, ~700 districts, ~10,000 wards).
Do NOT upgrade: releases from 2025.8.1 on carry the 2025 two-level reform
(34 provinces, no districts), which the Onflow-compatible API cannot serve.

How to get the data (keep it outside the repo) and regenerate:

    pip install --no-deps --target /tmp/vietnam-provinces vietnam-provinces==0.6.0
    PYTHONPATH=/tmp/vietnam-provinces python3 scripts/address/convert.py

(``--no-deps`` is fine: only the JSON file and the package's ``__init__`` are used.)
Alternatively pass the JSON file directly:

    python3 scripts/address/convert.py --source /path/to/vietnam_provinces/data/nested-divisions.json

Writes, relative to the repo root (UTF-8, no BOM, header row, "\\n" line ends, sorted by code):

    crates/store/data/address/provinces.csv  code,name
    crates/store/data/address/districts.csv  code,name,province_code
    crates/store/data/address/wards.csv      code,name,district_code

Codes are the official GSO codes as zero-padded strings: province "01",
district "001", ward "00001".

Name clean-ups (each one is printed when applied):
  * the type prefix "Thành Phố " is written "Thành phố " (2 districts in the source);
  * a word after the type prefix that starts with a lower-case letter gets its first
    letter upper-cased (GSO export quirk, e.g. "Xã Đại áng" -> "Xã Đại Áng");
  * names are NFC-normalised and whitespace-collapsed.
Everything else is copied verbatim.

The script exits non-zero if a sanity check fails (duplicate codes, dangling
parent codes, malformed codes, unexpected name prefixes, wrong province count).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

PINNED_VERSION = "0.6.0"
EXPECTED_DATA_VERSION = "2025-01-04"

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "crates" / "store" / "data" / "address"

PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
DISTRICT_PREFIXES = ("Thành phố ", "Quận ", "Huyện ", "Thị xã ")
WARD_PREFIXES = ("Phường ", "Xã ", "Thị trấn ")

CODE_WIDTH = {"province": 2, "district": 3, "ward": 5}


def locate_source(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    try:
        import vietnam_provinces  # type: ignore[import-not-found]
    except ImportError:
        sys.exit(
            "vietnam_provinces is not importable. Install it outside the repo, e.g.\n"
            f"  pip install --no-deps --target /tmp/vietnam-provinces vietnam-provinces=={PINNED_VERSION}\n"
            "  PYTHONPATH=/tmp/vietnam-provinces python3 scripts/address/convert.py"
        )
    version = getattr(vietnam_provinces, "__version__", "?")
    data_version = getattr(vietnam_provinces, "__data_version__", "?")
    if version != PINNED_VERSION:
        sys.exit(
            f"vietnam_provinces {version} found, but {PINNED_VERSION} is required "
            "(newer releases only have the 2025 two-level data, without districts)."
        )
    if data_version != EXPECTED_DATA_VERSION:
        sys.exit(f"vietnam_provinces data version {data_version}, expected {EXPECTED_DATA_VERSION}")
    print(f"source: vietnam-provinces {version}, data version {data_version}")
    return Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)


def clean_name(raw: str, prefixes: tuple[str, ...], level: str, code: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(raw.split()))
    if name.startswith("Thành Phố "):
        name = "Thành phố " + name[len("Thành Phố "):]
    prefix = next((p for p in prefixes if name.startswith(p)), None)
    if prefix is None:
        raise ValueError(f"{level} {code}: name {name!r} has none of the prefixes {prefixes}")
    words = name[len(prefix):].split(" ")
    words = [w[:1].upper() + w[1:] if w[:1].islower() else w for w in words]
    name = prefix + " ".join(words)
    if name != raw:
        print(f"  fixed {level} {code}: {raw!r} -> {name!r}")
    return name


def fmt_code(value: int | str, level: str) -> str:
    width = CODE_WIDTH[level]
    text = str(int(value)).zfill(width)
    if len(text) != width:
        raise ValueError(f"{level} code {value!r} does not fit in {width} digits")
    return text


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def check_unique(rows: list[tuple[str, ...]], level: str, errors: list[str]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row[0] in seen:
            errors.append(f"duplicate {level} code {row[0]}")
        seen.add(row[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="path to vietnam_provinces/data/nested-divisions.json")
    parser.add_argument("--out-dir", default=str(OUT_DIR), help=f"output folder (default {OUT_DIR})")
    args = parser.parse_args()

    source = locate_source(args.source)
    with source.open(encoding="utf-8") as fh:
        data = json.load(fh)

    provinces: list[tuple[str, str]] = []
    districts: list[tuple[str, str, str]] = []
    wards: list[tuple[str, str, str]] = []
    for p in data:
        pcode = fmt_code(p["code"], "province")
        provinces.append((pcode, clean_name(p["name"], PROVINCE_PREFIXES, "province", pcode)))
        for d in p.get("districts") or []:
            dcode = fmt_code(d["code"], "district")
            districts.append((dcode, clean_name(d["name"], DISTRICT_PREFIXES, "district", dcode), pcode))
            for w in d.get("wards") or []:
                wcode = fmt_code(w["code"], "ward")
                wards.append((wcode, clean_name(w["name"], WARD_PREFIXES, "ward", wcode), dcode))

    provinces.sort()
    districts.sort()
    wards.sort()

    errors: list[str] = []
    check_unique(provinces, "province", errors)
    check_unique(districts, "district", errors)
    check_unique(wards, "ward", errors)
    province_codes = {r[0] for r in provinces}
    district_codes = {r[0] for r in districts}
    errors += [f"district {r[0]} -> unknown province {r[2]}" for r in districts if r[2] not in province_codes]
    errors += [f"ward {r[0]} -> unknown district {r[2]}" for r in wards if r[2] not in district_codes]
    if len(provinces) != 63:
        errors.append(f"expected 63 provinces (three-level data), got {len(provinces)}")
    for row in provinces + districts + wards:
        if not re.fullmatch(r"\d+", row[0]):
            errors.append(f"malformed code {row[0]!r}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1

    empty = sorted(district_codes - {r[2] for r in wards})
    if empty:
        names = {r[0]: r[1] for r in districts}
        print("districts without wards (island districts, expected): "
              + ", ".join(f"{c} {names[c]}" for c in empty))

    out = Path(args.out_dir)
    write_csv(out / "provinces.csv", ["code", "name"], provinces)
    write_csv(out / "districts.csv", ["code", "name", "province_code"], districts)
    write_csv(out / "wards.csv", ["code", "name", "district_code"], wards)
    print(f"wrote {out}: provinces={len(provinces)} districts={len(districts)} wards={len(wards)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
