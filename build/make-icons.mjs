#!/usr/bin/env node
// Draws the tray icons (idle, hosting, listening, trouble) and writes them to assets/icons/ as PNG
// (Linux, macOS) and ICO (Windows: PNG-compressed entries, which Windows reads since Vista).
// No image library: shapes are rasterised with 4x4 supersampling and the PNG is written with zlib.
// The output is deterministic; re-run after changing a shape and commit the files:
//   node build/make-icons.mjs [outDir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ?? join(root, 'assets', 'icons');

/** Icon colours [r, g, b] per state: a disc in the state colour with a white mark. */
const STATES = {
  idle: { disc: [120, 128, 140], mark: 'waves' },
  hosting: { disc: [34, 160, 90], mark: 'broadcast' },
  listening: { disc: [40, 110, 220], mark: 'headphones' },
  trouble: { disc: [214, 60, 48], mark: 'exclamation' },
};

/** PNG sizes written as <state>.png (the first) and inside <state>.ico (all) [px]. */
const PNG_SIZE = 32;
const ICO_SIZES = [16, 24, 32, 48];

// --- geometry on a unit square (0..1), y down ---------------------------------------------------

function inDisc(x, y) {
  return (x - 0.5) ** 2 + (y - 0.5) ** 2 <= 0.47 ** 2;
}

function inRoundedBar(x, y, cx, top, bottom, halfWidth) {
  if (Math.abs(x - cx) > halfWidth) return false;
  if (y >= top + halfWidth && y <= bottom - halfWidth) return true;
  const capY = y < top + halfWidth ? top + halfWidth : bottom - halfWidth;
  return (x - cx) ** 2 + (y - capY) ** 2 <= halfWidth ** 2;
}

function inArc(x, y, cx, cy, radius, halfWidth, fromDeg, toDeg) {
  const d = Math.hypot(x - cx, y - cy);
  if (Math.abs(d - radius) > halfWidth) return false;
  const angle = (Math.atan2(y - cy, x - cx) * 180) / Math.PI;
  return angle >= fromDeg && angle <= toDeg;
}

/** True where the white mark of `kind` covers (x, y). */
function inMark(kind, x, y) {
  switch (kind) {
    case 'waves': // three bars of an equaliser: sound, at rest
      return inRoundedBar(x, y, 0.33, 0.42, 0.66, 0.055) || inRoundedBar(x, y, 0.5, 0.3, 0.72, 0.055) || inRoundedBar(x, y, 0.67, 0.38, 0.64, 0.055);
    case 'broadcast': // a dot with waves going out on both sides
      return (
        (x - 0.5) ** 2 + (y - 0.5) ** 2 <= 0.075 ** 2 ||
        inArc(x, y, 0.5, 0.5, 0.19, 0.04, -50, 50) ||
        inArc(x, y, 0.5, 0.5, 0.19, 0.04, 130, 180) ||
        inArc(x, y, 0.5, 0.5, 0.19, 0.04, -180, -130) ||
        inArc(x, y, 0.5, 0.5, 0.31, 0.04, -45, 45) ||
        inArc(x, y, 0.5, 0.5, 0.31, 0.04, 135, 180) ||
        inArc(x, y, 0.5, 0.5, 0.31, 0.04, -180, -135)
      );
    case 'headphones': // a band and two ear cups
      return (
        inArc(x, y, 0.5, 0.55, 0.24, 0.045, -180, 0) ||
        inRoundedBar(x, y, 0.28, 0.52, 0.76, 0.07) ||
        inRoundedBar(x, y, 0.72, 0.52, 0.76, 0.07)
      );
    case 'exclamation':
      return inRoundedBar(x, y, 0.5, 0.2, 0.6, 0.07) || (x - 0.5) ** 2 + (y - 0.76) ** 2 <= 0.075 ** 2;
    default:
      throw new Error(`unknown mark ${kind}`);
  }
}

/** RGBA pixels of one icon, `size` x `size`, anti-aliased by 4x4 supersampling. */
function render(state, size) {
  const { disc, mark } = STATES[state];
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let discHits = 0;
      let markHits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          if (!inDisc(x, y)) continue;
          discHits++;
          if (inMark(mark, x, y)) markHits++;
        }
      }
      const coverage = discHits / (n * n);
      const white = discHits === 0 ? 0 : markHits / discHits;
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) pixels[o + c] = Math.round(disc[c] * (1 - white) + 255 * white);
      pixels[o + 3] = Math.round(255 * coverage);
    }
  }
  return pixels;
}

// --- PNG (RFC 2083) -------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of RGBA `pixels` (8 bits per channel, colour type 6, no filtering). */
function encodePng(pixels, size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering (each row says which filter: 0 = none)
  ihdr[12] = 0; // no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- ICO: a directory of PNG images ----------------------------------------------------------------

function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size; // width (0 means 256)
    entry[1] = size >= 256 ? 0 : size; // height
    entry[2] = 0; // no palette
    entry[3] = 0; // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((image) => image.png)]);
}

mkdirSync(outDir, { recursive: true });
for (const state of Object.keys(STATES)) {
  writeFileSync(join(outDir, `${state}.png`), encodePng(render(state, PNG_SIZE), PNG_SIZE));
  const images = ICO_SIZES.map((size) => ({ size, png: encodePng(render(state, size), size) }));
  writeFileSync(join(outDir, `${state}.ico`), encodeIco(images));
  console.log(`icons: ${join(outDir, state)}.{png,ico}`);
}
