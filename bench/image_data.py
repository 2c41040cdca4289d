"""Builds the public image sets of bench/image_defaults.py (offline: PyPI and
Debian only; nothing is committed). Every set is grey, pixels in [0, 1], one
CSV per split with columns pixel_Y_X (row by row) and a `label` column;
the train/test split is seeded.

  digits8    scikit-learn's bundled handwritten digits, 8x8, pixels/16
             (1 347 train / 450 test).
  photo16    16x16 grey patches cut at seeded random places from
             scikit-learn's bundled sample photographs (china.jpg,
             flower.jpg); label = the photograph (3 000 / 1 000).
  photo28    28x28 grey patches of scikit-image's bundled photographs
             (camera, astronaut, coffee, chelsea, rocket, moon, hubble deep
             field, immunohistochemistry); label = the photograph
             (3 000 / 1 000).
  texture16  16x16 patches of scikit-image's bundled textures (brick, grass,
             gravel); label = the texture (3 000 / 1 000).
  glyphs28   letters, digits and punctuation rendered white on black at
             28x28 with Pillow from the Debian fonts installed under
             /usr/share/fonts (fonts-dejavu-core, fonts-liberation2,
             fonts-urw-base35, ttf-bitstream-vera), each at a seeded size
             (16-22 px) and offset; label = the character (3 000 / 1 000).

usage: python bench/image_data.py OUTDIR   (needs pip scikit-learn,
scikit-image, pillow; apt fonts-dejavu-core fonts-liberation2
fonts-urw-base35 ttf-bitstream-vera)
"""
import string
import sys
from pathlib import Path

import numpy as np

N_TRAIN, N_TEST = 3000, 1000


def write(path, x, labels, side):
    cols = [f"pixel_{y}_{xx}" for y in range(side) for xx in range(side)]
    with open(path, "w") as f:
        f.write(",".join(cols + ["label"]) + "\n")
        for row, lab in zip(x, labels):
            f.write(",".join(f"{v:.4f}" for v in row) + f",{lab}\n")


def split_write(out, name, x, labels, side, n_test, seed=0):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    test, train = order[:n_test], order[n_test:]
    write(out / f"{name}_train.csv", x[train], [labels[i] for i in train], side)
    write(out / f"{name}_test.csv", x[test], [labels[i] for i in test], side)
    print(f"{name}: {len(train)} train / {len(test)} test, {side}x{side}")


def grey(im):
    im = np.asarray(im, dtype=np.float64)
    if im.ndim == 3:
        im = im[..., :3] @ np.array([0.299, 0.587, 0.114])
    if im.max() > 1.0:
        im = im / 255.0
    return im


def patches(images, side, n, seed):
    """n patches of side x side, each from a photograph chosen in turn."""
    rng = np.random.default_rng(seed)
    x, labels = [], []
    for i in range(n):
        name, im = images[i % len(images)]
        y0 = rng.integers(0, im.shape[0] - side + 1)
        x0 = rng.integers(0, im.shape[1] - side + 1)
        x.append(im[y0 : y0 + side, x0 : x0 + side].reshape(-1))
        labels.append(name)
    return np.clip(np.array(x), 0, 1), labels


def digits(out):
    from sklearn.datasets import load_digits

    d = load_digits()
    split_write(out, "digits8", d.data / 16.0, list(d.target), 8, 450)


def photo16(out):
    from sklearn.datasets import load_sample_images

    s = load_sample_images()
    images = [(Path(f).stem, grey(im)) for f, im in zip(s.filenames, s.images)]
    x, labels = patches(images, 16, N_TRAIN + N_TEST, seed=1)
    split_write(out, "photo16", x, labels, 16, N_TEST)


def photo28(out):
    import skimage.data as d

    names = ["camera", "astronaut", "coffee", "chelsea", "rocket", "moon",
             "hubble_deep_field", "immunohistochemistry"]
    images = [(n, grey(getattr(d, n)())) for n in names]
    x, labels = patches(images, 28, N_TRAIN + N_TEST, seed=2)
    split_write(out, "photo28", x, labels, 28, N_TEST)


def texture16(out):
    import skimage.data as d

    images = [(n, grey(getattr(d, n)())) for n in ["brick", "grass", "gravel"]]
    x, labels = patches(images, 16, N_TRAIN + N_TEST, seed=3)
    split_write(out, "texture16", x, labels, 16, N_TEST)


def glyphs28(out):
    from PIL import Image, ImageDraw, ImageFont

    fonts = []
    for d in ["truetype/dejavu", "truetype/liberation2", "opentype/urw-base35",
              "truetype/ttf-bitstream-vera"]:
        for f in sorted(Path("/usr/share/fonts", d).glob("*.[ot]tf")):
            # Dingbats and symbol fonts draw no letters.
            if not any(s in f.name for s in ("D050000L", "StandardSymbols", "ExtraLight")):
                fonts.append(f)
    if not fonts:
        sys.exit("no fonts under /usr/share/fonts: apt-get install fonts-dejavu-core ...")
    chars = string.ascii_letters + string.digits + "&?!@#%$+="
    rng = np.random.default_rng(4)
    x, labels = [], []
    while len(x) < N_TRAIN + N_TEST:
        f = fonts[rng.integers(len(fonts))]
        c = chars[rng.integers(len(chars))]
        font = ImageFont.truetype(str(f), int(rng.integers(16, 23)))
        im = Image.new("L", (28, 28), 0)
        draw = ImageDraw.Draw(im)
        l, t, r, b = draw.textbbox((0, 0), c, font=font)
        if r - l > 26 or b - t > 26 or r <= l:
            continue
        dx, dy = rng.integers(-2, 3, size=2)
        draw.text(((28 - (r - l)) / 2 - l + dx, (28 - (b - t)) / 2 - t + dy), c, fill=255, font=font)
        x.append(np.asarray(im, dtype=np.float64).reshape(-1) / 255.0)
        labels.append(ord(c))
    split_write(out, "glyphs28", np.array(x), labels, 28, N_TEST)


SETS = {"digits8": digits, "photo16": photo16, "photo28": photo28,
        "texture16": texture16, "glyphs28": glyphs28}

if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:] or SETS:
        SETS[name](out)
