// The Atlas panel's download: one PNG that reads on its own, as the app's
// (streamlit_app/atlas.atlas_png): the plane in words, then for every model its image grid and
// its change map side by side, each named, drawn at the same pixels a cell; the colour bar and
// notes on the colour scale and the cell size under them. Each square is at most PNG_SIDE pixels
// (a 24 x 24 grid at 32 pixels an image was 768 beside a 480-pixel map, and the file 3 MB).
import { downloadCanvas, drawColourBar, drawMap } from './render.js';

export const MEASURE_WORDS = { area: 'area magnification √det(JᵀJ)', stretch: 'largest singular value' };
export const PNG_SIDE = 360;
const IMAGE_SIZE = 32;
const GAP = 16;
const MARGIN = 12;
const BAND = 22; // a line of the 14 px text, with room
const FONT = '14px system-ui, sans-serif';
const SMALL = '12px system-ui, sans-serif';

/** Pixels a cell in the download, the same in the image grid and in the map. */
export function pngCell(n) {
  return Math.max(2, Math.min(2 * IMAGE_SIZE, Math.floor(PNG_SIDE / n)));
}

/** The plane in words, for the file's first line. */
export function planeTitle(plane) {
  const where = plane.kind === 'seeds'
    ? `the plane through seeds ${plane.seeds.join(', ')}`
    : `a random plane through seed ${plane.seeds[0]} (directions' seed ${plane.seeds[1]})`;
  return `latentwalk atlas: ${where}, change measured in pixels`;
}

/** A column's image grid (32 pixels an image on screen) redrawn at `cell` pixels an image:
 * averaged when shrunk, crisp when enlarged. */
function drawGrid(context, grid, n, cell, left, top) {
  context.imageSmoothingEnabled = cell < IMAGE_SIZE;
  context.imageSmoothingQuality = 'high';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      context.drawImage(grid, col * IMAGE_SIZE, row * IMAGE_SIZE, IMAGE_SIZE, IMAGE_SIZE,
        left + col * cell, top + row * cell, cell, cell);
    }
  }
}

/** Every column's grid and map, named, and the colour bar and notes, in one canvas. `drawn`:
 * the atlas on screen ({plane, measure, domain}). */
export function composite(columns, { plane, measure, domain }) {
  const { n } = plane;
  const cell = pngCell(n);
  const side = n * cell;
  const picked = columns[0].drawn.picked;
  const lines = [
    planeTitle(plane),
    `Colour: ${MEASURE_WORDS[measure]} / the model's own median, on a log scale shared by the maps.`,
    `Both squares: ${n} × ${n} cells, ${cell} px a cell. White rings: the seeds` +
      `${picked ? '; red: the picked cell.' : '.'}`,
  ];
  const bar = document.createElement('canvas');
  bar.width = Math.min(2 * side + GAP, 512);
  bar.height = 30;
  drawColourBar(bar, domain);
  const canvas = document.createElement('canvas');
  let context = canvas.getContext('2d');
  context.font = FONT;
  const textWidth = Math.max(...lines.map((line) => context.measureText(line).width));
  canvas.width = Math.ceil(Math.max(2 * side + GAP, textWidth)) + 2 * MARGIN;
  canvas.height = MARGIN + BAND + columns.length * (BAND + side + 8) + bar.height + 2 * BAND +
    MARGIN;
  context = canvas.getContext('2d'); // sizing the canvas reset its state
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#111';
  context.font = FONT;
  context.textBaseline = 'top';
  context.fillText(lines[0], MARGIN, MARGIN);
  let top = MARGIN + BAND;
  const map = document.createElement('canvas');
  for (const column of columns) {
    const right = MARGIN + side + GAP;
    const { logs, domain: shared, marks, labels } = column.drawn;
    context.fillStyle = '#111';
    context.fillText(`${column.entry.name}: images`, MARGIN, top + 3);
    context.fillText(`${column.entry.name}: change map`, right, top + 3);
    drawGrid(context, column.grid, n, cell, MARGIN, top + BAND);
    drawMap(map, logs, n, shared, { cell, marks, labels, picked });
    context.drawImage(map, right, top + BAND);
    top += BAND + side + 8;
  }
  context.drawImage(bar, MARGIN, top);
  top += bar.height + 4;
  context.font = SMALL;
  context.fillStyle = '#282828';
  lines.slice(1).forEach((line, k) => context.fillText(line, MARGIN, top + k * (BAND - 4)));
  return canvas;
}

/** Save the atlas on screen as latentwalk-atlas.png; a failure becomes a notice. */
export function downloadAtlas(app, columns, drawn) {
  return downloadCanvas(composite(columns, drawn), 'latentwalk-atlas.png')
    .catch((error) => app.notice(error.message, 'error'));
}
