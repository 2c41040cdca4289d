"""The "Image defaults" table of BENCHMARKS.md from the JSONL files of
bench/image_defaults.py: per set and noise, the test MSE (and training
seconds) of aekit's new default, its old one, the Keras conv recipe (at
the most epochs it reached) and the dense Keras denoiser, and the
leave-one-set-out pick: for each set, the candidate with the lowest mean
ratio to the Keras conv recipe on the other sets (where measured), and
its figure on this one.

usage: python bench/image_summary.py NEW_DEFAULT_NAME CHOSEN_ON FILE.jsonl...
  e.g. python bench/image_summary.py aekit:N_half_lr3 digits8,photo16 results/*.jsonl
"""
import collections
import json
import sys


def main():
    new, chosen_on = sys.argv[1], set(sys.argv[2].split(","))
    rows = [json.loads(line) for f in sys.argv[3:] for line in open(f) if line.strip()]
    t = collections.defaultdict(dict)
    for r in rows:
        t[(r["set"], r["noise"])][r["model"]] = r
    sets = list(dict.fromkeys(k[0] for k in t))

    def keras(cell, peer="keras_conv"):
        for name in (peer, f"{peer}@50", f"{peer}@25", f"{peer}@10"):
            if name in cell:
                return name, cell[name]
        return None, None

    def at(name):
        return "" if name in (None, "keras_conv", "keras_dense") else f" at {name.split('@')[1]} ep"

    cands = sorted({m for cell in t.values() for m in cell if m.startswith("aekit:")})

    def loso(held, noise):
        best, best_score = None, None
        for c in cands:
            ratios = [t[(s, n)][c]["mse"] / keras(t[(s, n)])[1]["mse"]
                      for (s, n) in t if s != held and c in t[(s, n)] and keras(t[(s, n)])[1]]
            if len(ratios) < 2:
                continue
            score = sum(ratios) / len(ratios)
            if best_score is None or score < best_score:
                best, best_score = c, score
        return best

    def fig(r):
        return f"{r['mse']:.5f} ({r['seconds']:.0f} s)" if r else "-"

    print("| set | noise | noisy | aekit default (new) | aekit default (old) | Keras conv recipe"
          " | dense Keras | LOSO pick: its MSE | new / Keras |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in sets:
        for noise in ("gaussian", "mask"):
            cell = t.get((s, noise))
            if not cell:
                continue
            kname, k = keras(cell)
            kfig = fig(k) + at(kname)
            dname, d = keras(cell, "keras_dense")
            pick = loso(s, noise)
            pick_fig = f"{pick.split(':')[1]}: {cell[pick]['mse']:.5f}" if pick in cell else "-"
            ratio = f"{cell[new]['mse'] / k['mse']:.2f}" if new in cell and k else "-"
            mark = " (chosen on)" if s in chosen_on else ""
            noisy = next(iter(cell.values()))["noisy_mse"]
            print(f"| {s}{mark} | {noise} | {noisy:.4f} | {fig(cell.get(new))} "
                  f"| {fig(cell.get('aekit:default'))} | {kfig} | {fig(d) + at(dname)} "
                  f"| {pick_fig} | {ratio} |")


if __name__ == "__main__":
    main()
