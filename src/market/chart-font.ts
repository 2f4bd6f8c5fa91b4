/**
 * The chart's font: the bundled DejaVu Sans, and its advance widths for echarts' text layout.
 *
 * Server-side, echarts has no canvas to measure text and falls back to a built-in table of
 * widths for a narrower font, so legends, rich text and label spacing were laid out too short
 * for DejaVu Sans and overlapped once resvg drew the real glyphs. Reading the advance widths
 * from the font file itself (OpenType `cmap`, `hhea`, `hmtx`: learn.microsoft.com/typography/opentype/spec)
 * makes the layout match what is drawn. Kerning is ignored: it moves a label by a pixel at most.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** Absolute path of DejaVuSans.ttf in the dejavu-fonts-ttf package. */
export function chartFontFile(): string {
  return createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
}

/** Width in pixels of `text` set at `fontSizePx`. */
export type TextMeasurer = (text: string, fontSizePx: number) => number;

/** Reads the font's metrics once and returns a measurer for BMP text (other characters count as 1 em). */
export function createTextMeasurer(fontFile: string): TextMeasurer {
  const font = readFileSync(fontFile);
  const tables = tableOffsets(font);
  const unitsPerEm = font.readUInt16BE(table(tables, 'head') + 18);
  const metricsCount = font.readUInt16BE(table(tables, 'hhea') + 34);
  const hmtx = table(tables, 'hmtx');
  const glyphOf = cmapFormat4(font, table(tables, 'cmap'));

  // Widths in em, cached per UTF-16 code unit: charts reuse a small alphabet.
  const emWidths = new Float32Array(0x10000).fill(-1);
  const emWidth = (code: number): number => {
    let width = emWidths[code]!;
    if (width < 0) {
      const glyph = glyphOf(code);
      const record = Math.min(glyph, metricsCount - 1);
      width = glyph === 0 && code !== 0 ? 1 : font.readUInt16BE(hmtx + record * 4) / unitsPerEm;
      emWidths[code] = width;
    }
    return width;
  };
  return (text, fontSizePx) => {
    let em = 0;
    for (let i = 0; i < text.length; i++) em += emWidth(text.charCodeAt(i));
    return em * fontSizePx;
  };
}

function tableOffsets(font: Buffer): Map<string, number> {
  const count = font.readUInt16BE(4);
  const offsets = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const record = 12 + i * 16;
    offsets.set(font.toString('latin1', record, record + 4), font.readUInt32BE(record + 8));
  }
  return offsets;
}

function table(tables: Map<string, number>, tag: string): number {
  const offset = tables.get(tag);
  if (offset === undefined) throw new Error(`chart font has no "${tag}" table`);
  return offset;
}

/** Character → glyph id through the Windows Unicode BMP subtable (platform 3, encoding 1, format 4). */
function cmapFormat4(font: Buffer, cmap: number): (code: number) => number {
  const subtables = font.readUInt16BE(cmap + 2);
  let sub = -1;
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + i * 8;
    if (font.readUInt16BE(record) === 3 && font.readUInt16BE(record + 2) === 1) sub = cmap + font.readUInt32BE(record + 4);
  }
  if (sub < 0 || font.readUInt16BE(sub) !== 4) throw new Error('chart font has no Unicode BMP cmap (format 4)');
  const segments = font.readUInt16BE(sub + 6) / 2;
  const endCodes = sub + 14;
  const startCodes = endCodes + segments * 2 + 2;
  const idDeltas = startCodes + segments * 2;
  const idRangeOffsets = idDeltas + segments * 2;
  return (code) => {
    for (let s = 0; s < segments; s++) {
      if (code > font.readUInt16BE(endCodes + s * 2)) continue;
      const start = font.readUInt16BE(startCodes + s * 2);
      if (code < start) return 0;
      const delta = font.readUInt16BE(idDeltas + s * 2);
      const rangeAt = idRangeOffsets + s * 2;
      const range = font.readUInt16BE(rangeAt);
      if (range === 0) return (code + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeAt + range + (code - start) * 2);
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
