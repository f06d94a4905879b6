// One model's column in the Atlas panel: two squares over the same plane, side by side and
// named, the images at the cells and the map of how much the image changes there, each with the
// plane's axes (latent units along the plane's two directions); a click on either picks a cell.
import { atlasSummary } from './latent.js';
import { drawImages, drawMap } from './render.js';
import { element, modelColumn } from './dom.js';

const IMAGE_VALUES = 32 * 32 * 3;
export const CLIFF_K = 3;
export const MAP_PIXELS = 480; // the side of a grid and of a map on screen, whatever N is
const AXES_PIXELS = 56; // the y axis's title and ticks beside a square

/** The words on a plane's axes: what each direction is, and the coordinates at its ends. */
export function planeAxes(plane) {
  const [x, y] = plane.center;
  const w = plane.halfWidth;
  const titles = plane.kind === 'seeds'
    ? [`seed ${plane.seeds[0]} → seed ${plane.seeds[1]}`, `towards seed ${plane.seeds[2]}`]
    : ['random direction 1', 'random direction 2'];
  const ticks = (centre) => [centre - w, centre, centre + w].map((v) => v.toFixed(1));
  return { x: { title: titles[0], ticks: ticks(x) }, y: { title: titles[1], ticks: ticks(y) } };
}

/** A named square (figure) holding `canvas` inside its axes; returns {figure, show(axes)}. */
function square(name, kind, canvas) {
  const figure = element('figure', 'atlas-square');
  figure.dataset.square = kind;
  const frame = element('div', 'atlas-axes');
  const yTitle = element('span', 'axis-title axis-y-title');
  const yTicks = element('div', 'axis-ticks axis-y-ticks');
  const xTicks = element('div', 'axis-ticks axis-x-ticks');
  const xTitle = element('span', 'axis-title axis-x-title');
  frame.append(yTitle, yTicks, canvas, xTicks, xTitle);
  figure.append(element('figcaption', '', name), frame);
  return {
    figure,
    show(axes) {
      xTitle.textContent = `${axes.x.title} →`;
      yTitle.textContent = `${axes.y.title} →`;
      // Rows run down the screen, so the y coordinates grow downwards.
      xTicks.replaceChildren(...axes.x.ticks.map((t) => element('span', '', t)));
      yTicks.replaceChildren(...axes.y.ticks.map((t) => element('span', '', t)));
    },
  };
}

/** The inner n x n images of a model's (n + 2)² lattice, as one flat array. */
function cellImages(lattice, n) {
  const side = n + 2;
  const out = new Float32Array(n * n * IMAGE_VALUES);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const from = ((i + 1) * side + (j + 1)) * IMAGE_VALUES;
      out.set(lattice.subarray(from, from + IMAGE_VALUES), (i * n + j) * IMAGE_VALUES);
    }
  }
  return out;
}

/** The column of `entry` in `parent`, or null when its model is not available. `onPick([row,
 * column])` is called when the person clicks a cell of either square. */
export function createAtlasColumn(app, entry, parent, onPick) {
  const node = modelColumn(app, entry, parent, 'atlas-column');
  if (!node) return null;
  const grid = element('canvas', 'pixels atlas-grid clickable');
  const map = element('canvas', 'atlas-map clickable');
  const summary = element('p', 'summary');
  const pair = element('div', 'atlas-pair');
  const squares = [square('Images', 'images', grid), square('Change map', 'map', map)];
  pair.append(...squares.map((s) => s.figure));
  node.append(pair, summary);
  // `drawn`: what the map was drawn from, so the download can draw it again at its own scale.
  const column = { id: entry.id, entry, grid, map, n: null, mapFont: null, drawn: null };

  /** Draw the model's atlas `result` ({lattice, maps}) with the map's values `logs` on the
   * shared colour scale `domain`. */
  column.draw = (result, { plane, measure, logs, domain, marks, labels, picked }) => {
    const { n } = plane;
    // As large as fits beside its axes (up to MAP_PIXELS), so a phone does not shrink the labels.
    const room = Math.min(MAP_PIXELS, (pair.clientWidth || MAP_PIXELS + AXES_PIXELS) - AXES_PIXELS);
    const cell = Math.max(2, Math.floor(room / n));
    result.images ??= cellImages(result.lattice, n);
    drawImages(grid, result.images, n * n, { columns: n, scale: 1, padding: 0 });
    grid.style.width = `${n * cell}px`;
    column.mapFont = drawMap(map, logs, n, domain, { cell, marks, labels, picked }).font;
    column.n = n;
    column.drawn = { logs, n, domain, marks, labels, picked };
    const axes = planeAxes(plane);
    squares.forEach((s) => s.show(axes));
    const summed = atlasSummary(result.maps[measure], CLIFF_K);
    const cliffs = summed.cliff_share > 0
      ? `${(100 * summed.cliff_share).toFixed(0)}% of the plane above ${CLIFF_K}× its median`
      : `no cell above ${CLIFF_K}× its median`;
    summary.textContent = `${cliffs} · p99 ${summed.p99_over_median.toFixed(2)}× and ` +
      `max ${summed.max_over_median.toFixed(2)}× the median`;
    summary.dataset.summary = JSON.stringify(summed);
  };

  for (const canvas of [grid, map]) {
    canvas.addEventListener('click', (event) => {
      if (!column.n) return;
      const rect = canvas.getBoundingClientRect();
      const size = rect.width / column.n;
      const row = Math.floor((event.clientY - rect.top) / size);
      const col = Math.floor((event.clientX - rect.left) / size);
      if (row >= 0 && col >= 0 && row < column.n && col < column.n) onPick([row, col]);
    });
  }
  return column;
}
