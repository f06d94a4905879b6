// The Walk column's "Download strip": one model's walk as a PNG that reads on its own, as the
// app's strip does (streamlit_app/media.labelled_strip_png): the model's name and the walk above,
// the frames at twice their size, each numbered under it. A long walk's frames are spread
// evenly, at most STRIP_MOST of them, so the file stays small (under 1 MB even for noise).
import { downloadCanvas, drawImages } from './render.js';

const SCALE = 2;
const COLUMNS = 17; // a default 16-step leg and its end frame per row, as on screen
export const STRIP_MOST = 3 * COLUMNS;
const MARGIN = 8;
const BAND = 22; // a line of the 14 px text, with room
const NUMBERS = 15; // the frame numbers' row under each row of frames
const TITLE_FONT = '14px system-ui, sans-serif';
const NUMBER_FONT = '11px system-ui, sans-serif';

/** At most `most` frame indices spread over 0..count-1, the first and last kept. */
export function evenlySpaced(count, most) {
  if (count <= most) return Array.from({ length: count }, (_, i) => i);
  const picked = Array.from({ length: most }, (_, k) => Math.round((k * (count - 1)) / (most - 1)));
  return [...new Set(picked)];
}

/** The labelled strip of `frames` NHWC frames `data` (in [-1, 1]) of the model `name` along
 * the walk `words` ("seed 0 → seed 42 · 16 steps a leg, slerp"), as a canvas. */
export function labelledStrip({ name, data, frames, words }) {
  const shown = evenlySpaced(frames, STRIP_MOST);
  const values = data.length / frames;
  const side = Math.round(Math.sqrt(values / 3));
  const tile = side * SCALE;
  const across = Math.min(shown.length, COLUMNS);
  const rows = Math.ceil(shown.length / across);
  const lines = [
    `${name} · ${words}`,
    shown.length < frames
      ? `${shown.length} of its ${frames} frames, evenly spaced; the frame number under each`
      : `its ${frames} frames; the frame number under each`,
  ];
  const canvas = document.createElement('canvas');
  let context = canvas.getContext('2d');
  context.font = TITLE_FONT;
  const textWidth = Math.max(...lines.map((line) => context.measureText(line).width));
  canvas.width = Math.ceil(Math.max(across * (tile + 2) - 2, textWidth)) + 2 * MARGIN;
  canvas.height = MARGIN + 2 * BAND + rows * (tile + NUMBERS) + MARGIN;
  context = canvas.getContext('2d'); // sizing the canvas reset its state
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#141414';
  context.font = TITLE_FONT;
  context.textBaseline = 'top';
  lines.forEach((line, k) => context.fillText(line, MARGIN, MARGIN + 3 + k * BAND));
  const scratch = document.createElement('canvas');
  context.font = NUMBER_FONT;
  context.textAlign = 'center';
  context.fillStyle = '#464646';
  shown.forEach((frame, k) => {
    const left = MARGIN + (k % across) * (tile + 2);
    const top = MARGIN + 2 * BAND + Math.floor(k / across) * (tile + NUMBERS);
    drawImages(scratch, data.subarray(frame * values, (frame + 1) * values), 1,
      { scale: SCALE, padding: 0 });
    context.drawImage(scratch, left, top);
    context.fillText(String(frame), left + tile / 2, top + tile + 2);
  });
  return canvas;
}

/** Save the labelled strip as `filename`; resolves to the file's name. */
export function downloadStrip(strip, filename) {
  return downloadCanvas(labelledStrip(strip), filename);
}
