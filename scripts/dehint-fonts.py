#!/usr/bin/env python3
"""Removes the TrueType hinting from the bundled fonts (fonts/*.ttf), in place.

Why: every PDF embeds a subset of each font it uses, and Typst's PDF writer copies a glyph's
hinting instructions and the font's hinting programs (fpgm, prep, cvt) into that subset and
compresses it, once per document. Noto Sans as shipped is hinted by ttfautohint: about a
third of its glyph data is instructions that no printer uses (hinting only adjusts outlines
to a screen's pixel grid at small sizes). Without it, each PDF is smaller and its export
faster. The outlines, metrics, kerning and shaping tables are unchanged, so the printed page
is the same. The DSIG table (a signature over the old bytes) goes too. The SIL Open Font
License (fonts/OFL.txt) allows modified versions; Noto reserves no font name.

Needs fontTools (pip install fonttools). Deterministic: the same input gives the same files.
Usage: python3 scripts/dehint-fonts.py [fonts/...ttf ...]   (default: every fonts/*.ttf)
"""
import glob
import os
import sys

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import ttProgram

HINTING_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX", "DSIG")


def dehint(path):
    font = TTFont(path, recalcTimestamp=False)
    if "glyf" not in font:
        return False
    changed = False
    for tag in HINTING_TABLES:
        if tag in font:
            del font[tag]
            changed = True
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        glyph.expand(glyf)
        if hasattr(glyph, "program") and glyph.program is not None and glyph.program.getBytecode():
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
            changed = True
    if "maxp" in font and font["maxp"].tableVersion >= 0x00010000:
        maxp = font["maxp"]
        maxp.maxZones = 1
        maxp.maxTwilightPoints = 0
        maxp.maxStorage = 0
        maxp.maxFunctionDefs = 0
        maxp.maxInstructionDefs = 0
        maxp.maxStackElements = 0
        maxp.maxSizeOfInstructions = 0
    if "gasp" in font:
        # Without hinting: smooth at every size.
        font["gasp"].gaspRange = {0xFFFF: 0x000A}
    if not changed:
        return False
    tmp = path + ".tmp"
    font.save(tmp)
    os.replace(tmp, path)
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "..", "fonts", "*.ttf")))
    for path in paths:
        before = os.path.getsize(path)
        if dehint(path):
            print(f"{os.path.basename(path)}: {before} -> {os.path.getsize(path)} bytes")
        else:
            print(f"{os.path.basename(path)}: no hinting")


if __name__ == "__main__":
    main()
