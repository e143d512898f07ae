#!/usr/bin/env python3
"""Scores the reference decoders on a QR corpus (see ../shared/qr-corpus/README.md), in the same
table format as `cargo run --release -p smartpush-core --example qr_corpus`:

* zbar, through libzbar directly (ctypes; the library behind Debian's zbarimg), and
* zxing-cpp (PyPI `zxing-cpp`), with its default options (it tries rotations, inversion and
  downscaling itself),

each only when installed. Images are loaded and converted to 8-bit grayscale with Pillow
(PyPI `pillow`) outside the timed part; the decode time is one call of the decoder,
single-threaded.

usage: bench-qr-ref.py [CORPUS_DIR]
"""
import ctypes
import ctypes.util
import json
import os
import sys
import time


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, round(p / 100 * (len(v) - 1)))]


def zbar_decoder():
    name = ctypes.util.find_library("zbar")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    vp, c = ctypes.c_void_p, ctypes
    lib.zbar_image_scanner_create.restype = vp
    lib.zbar_image_scanner_set_config.argtypes = [vp, c.c_int, c.c_int, c.c_int]
    lib.zbar_image_create.restype = vp
    lib.zbar_image_set_format.argtypes = [vp, c.c_ulong]
    lib.zbar_image_set_size.argtypes = [vp, c.c_uint, c.c_uint]
    lib.zbar_image_set_data.argtypes = [vp, c.c_void_p, c.c_ulong, c.c_void_p]
    lib.zbar_scan_image.argtypes = [vp, vp]
    lib.zbar_image_first_symbol.argtypes = [vp]
    lib.zbar_image_first_symbol.restype = vp
    lib.zbar_symbol_next.argtypes = [vp]
    lib.zbar_symbol_next.restype = vp
    lib.zbar_symbol_get_data.argtypes = [vp]
    lib.zbar_symbol_get_data.restype = c.c_void_p
    lib.zbar_symbol_get_data_length.argtypes = [vp]
    lib.zbar_symbol_get_data_length.restype = c.c_uint
    lib.zbar_image_destroy.argtypes = [vp]
    lib.zbar_image_scanner_destroy.argtypes = [vp]
    y800 = int.from_bytes(b"Y800", "little")

    def decode(gray):
        scanner = lib.zbar_image_scanner_create()
        # zbarimg's defaults: every symbology enabled; keep them (QR is what is scored).
        image = lib.zbar_image_create()
        lib.zbar_image_set_format(image, y800)
        lib.zbar_image_set_size(image, gray.width, gray.height)
        data = gray.tobytes()
        buf = ctypes.create_string_buffer(data, len(data))
        lib.zbar_image_set_data(image, buf, len(data), None)
        t = time.perf_counter()
        lib.zbar_scan_image(scanner, image)
        out = []
        sym = lib.zbar_image_first_symbol(image)
        while sym:
            raw = ctypes.string_at(lib.zbar_symbol_get_data(sym), lib.zbar_symbol_get_data_length(sym))
            out.append(raw.decode("utf-8", "replace"))  # zbar converts payloads to UTF-8 itself
            sym = lib.zbar_symbol_next(sym)
        elapsed = time.perf_counter() - t
        lib.zbar_image_destroy(image)
        lib.zbar_image_scanner_destroy(scanner)
        return out, elapsed

    return decode


def zxing_decoder():
    try:
        import zxingcpp
    except ImportError:
        return None

    def decode(gray):
        t = time.perf_counter()
        results = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
        elapsed = time.perf_counter() - t
        return [r.text for r in results], elapsed

    return decode


def score(name, decode, corpus, manifest, load):
    per_case, loads, decodes, fps = {}, [], [], 0
    for e in manifest:
        t = time.perf_counter()
        gray = load(os.path.join(corpus, e["file"]))
        loads.append(time.perf_counter() - t)
        got, elapsed = decode(gray)
        decodes.append(elapsed)
        got, want = set(got), set(e["expected"])
        fps += len(got - want)
        p, n = per_case.get(e["case"], (0, 0))
        per_case[e["case"]] = (p + (got == want), n + 1)
    passed = sum(p for p, _ in per_case.values())
    print(f"== {name}")
    for case in sorted(per_case):
        p, n = per_case[case]
        print(f"  {case:22} {p}/{n}")
    ms = lambda v, q: percentile(v, q) * 1e3
    print(
        f"  overall {passed}/{len(manifest)} = {100 * passed / max(1, len(manifest)):.1f}%  false positives: {fps}"
        f"  decode ms median {ms(decodes, 50):.2f} p95 {ms(decodes, 95):.2f}"
        f"  (load ms median {ms(loads, 50):.2f} p95 {ms(loads, 95):.2f})"
    )


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/qr-corpus"
    try:
        from PIL import Image
    except ImportError:
        print("bench-qr-ref: Pillow not installed (pip install pillow); reference decoders skipped")
        return
    with open(os.path.join(corpus, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)

    def load(path):
        with Image.open(path) as im:
            im.load()
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            return im.convert("L")

    for name, make in (("zbar (libzbar, as zbarimg)", zbar_decoder), ("zxing-cpp (PyPI zxing-cpp)", zxing_decoder)):
        decode = make()
        if decode is None:
            print(f"== {name}: not installed, skipped")
            continue
        score(name, decode, corpus, manifest, load)


if __name__ == "__main__":
    main()
