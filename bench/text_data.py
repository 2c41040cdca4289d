"""Builds the labelled text sets of bench/text.py from Debian packages
(offline: only the Debian archive is needed; nothing is committed).

  fortunes.csv  Debian `fortunes`: one text per %-separated block, label =
                the category file; categories with at least 150 texts.
  fortunes_de.csv, fortunes_es.csv  Debian `fortunes-de` / `fortunes-es`
                (German, Spanish), built the same way, at most 1000 texts
                per category (seeded) so the largest does not swamp the rest;
                kept for judging defaults chosen on the two English sets.
  austen.csv    Debian `r-cran-janeaustenr`: paragraphs of at least 10
                words of the six novels (R lazy-load data read with the
                `rdata` PyPI package), label = novel; 500 per novel, seeded.

usage: python bench/text_data.py OUTDIR   (needs apt-get download, dpkg-deb, pip rdata)
"""
import bz2, csv, gzip, lzma, os, random, subprocess, sys, tempfile, zlib
from pathlib import Path


def extract(pkg, work):
    subprocess.run(["apt-get", "download", pkg], cwd=work, check=True, capture_output=True)
    deb = next(Path(work).glob(f"{pkg}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(work) / "x")], check=True)
    return Path(work) / "x"


def fortunes(root, out, language="", cap=None):
    d = root / "usr/share/games/fortunes" / language
    rng = random.Random(0)
    rows = []
    for f in sorted(d.glob("*.u8")):
        blocks = [b.strip() for b in f.read_text(encoding="utf-8", errors="replace").split("\n%\n")]
        blocks = [b.strip("%").strip() for b in blocks if len(b.split()) >= 3]
        if len(blocks) >= 150 and f.stem not in ("ascii-art", "translate-me", "asciiart"):
            if cap and len(blocks) > cap:
                rng.shuffle(blocks)
                blocks = blocks[:cap]
            rows += [(" ".join(b.split()), f.stem.removesuffix(".fortunes")) for b in blocks]
    write(out, rows)


def rload(b):
    t = b[4:5]
    if t == b"Z":
        return zlib.decompress(b[5:])
    if t == b"2":
        return bz2.decompress(b[5:])
    if t == b"X":
        return lzma.decompress(b[5:])
    return zlib.decompress(b[4:])


def austen(root, out):
    import rdata

    base = next(root.glob("usr/lib/R/site-library/janeaustenr/data")) / "Rdata"
    idx = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress((base.with_suffix(".rdx")).read_bytes())))
    rdb = base.with_suffix(".rdb").read_bytes()
    rng = random.Random(0)
    rows = []
    for name, (off, ln) in idx["variables"].items():
        lines = rdata.conversion.convert(rdata.parser.parse_data(rload(rdb[int(off):int(off) + int(ln)])))
        paras, cur = [], []
        for line in list(lines) + [""]:
            if str(line).strip():
                cur.append(str(line).strip())
            elif cur:
                paras.append(" ".join(cur))
                cur = []
        paras = [p for p in paras if len(p.split()) >= 10]
        rng.shuffle(paras)
        rows += [(p, str(name)) for p in paras[:500]]
    write(out, rows)


def write(path, rows):
    random.Random(1).shuffle(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    print(f"{path}: {len(rows)} texts, {len(set(r[1] for r in rows))} classes")


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/aekit-text")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as w:
        fortunes(extract("fortunes", w), out / "fortunes.csv")
    for language in ("de", "es"):
        with tempfile.TemporaryDirectory() as w:
            fortunes(extract(f"fortunes-{language}", w), out / f"fortunes_{language}.csv", language, cap=1000)
    with tempfile.TemporaryDirectory() as w:
        austen(extract("r-cran-janeaustenr", w), out / "austen.csv")
