// Drawing: model outputs -> canvases with crisp, upscaled pixels; the step-change chart; PNG
// downloads. No TensorFlow here: everything takes plain Float32Arrays in the models' [-1, 1].

export const IMAGE_SIZE = 32;

/** [-1, 1] -> 0..255, as train.images.to_uint8 (which rounds half to even; this rounds half up:
 * the only difference is at exact .5 values, one level at most). */
export function toByte(value) {
  return Math.min(255, Math.max(0, Math.round((value + 1) * 127.5)));
}

/** [-1, 1] floats -> bytes, all at once (Uint8ClampedArray clamps and rounds half to even,
 * like train.images.to_uint8). */
export function toBytes(data) {
  const bytes = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = (data[i] + 1) * 127.5;
  return bytes;
}

/** A grid's geometry for `count` images of `data`, with the canvas sized to hold it. */
function sizeGrid(canvas, data, count, { columns, scale, padding, size }) {
  const side = size ?? Math.round(Math.sqrt(data.length / count / 3));
  const across = Math.max(1, Math.min(count, columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / across);
  const cell = side * scale + padding;
  canvas.width = across * cell + padding;
  canvas.height = rows * cell + padding;
  return { side, rows, cell, columns: across };
}

/** Tile `count` NHWC images into `canvas`, each pixel drawn as a scale x scale block.
 * Pixels are written with putImageData (not a smoothed drawImage), so a cell's pixels are exactly
 * the model's output bytes and tests can read them back with getImageData. */
export function drawImages(canvas, data, count, { columns, scale = 2, padding = 2, size } = {}) {
  const { side, rows, cell, columns: across } = sizeGrid(canvas, data, count,
    { columns, scale, padding, size });
  columns = across;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255); // white gaps between cells, like train.images.make_grid
  const pixels = image.data;
  const bytes = toBytes(data);
  for (let n = 0; n < count; n++) {
    const top = padding + Math.floor(n / columns) * cell;
    const left = padding + (n % columns) * cell;
    const base = n * side * side * 3;
    for (let y = 0; y < side * scale; y++) {
      const row = base + Math.floor(y / scale) * side * 3;
      let out = ((top + y) * canvas.width + left) * 4;
      for (let x = 0; x < side * scale; x++, out += 4) {
        const source = row + Math.floor(x / scale) * 3;
        pixels[out] = bytes[source];
        pixels[out + 1] = bytes[source + 1];
        pixels[out + 2] = bytes[source + 2];
      }
    }
  }
  context.putImageData(image, 0, 0);
  return { columns, rows, cell, padding, scale, side };
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** drawImages for many images (a long walk's strip) in slices of rows, each its own task of
 * about `sliceMs`, so the page stays responsive; the same pixels as drawImages. */
export async function drawImagesInSlices(canvas, data, count, { columns, scale = 1, padding = 1,
  sliceMs = 8 } = {}) {
  const { side, rows, cell, columns: across } = sizeGrid(canvas, data, count,
    { columns, scale, padding });
  columns = across;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const scratch = document.createElement('canvas');
  let started = performance.now();
  for (let row = 0; row < rows; row++) {
    const first = row * columns;
    const n = Math.min(columns, count - first);
    const slice = data.subarray(first * side * side * 3, (first + n) * side * side * 3);
    drawImages(scratch, slice, n, { columns, scale, padding, size: side });
    context.drawImage(scratch, 0, 0, scratch.width, cell, 0, row * cell, scratch.width, cell);
    if (performance.now() - started > sliceMs) {
      await nextTask();
      started = performance.now();
    }
  }
  return { columns, rows, cell, padding, scale, side };
}

/** Which cell (image index) a click at canvas pixel (x, y) falls in, or -1. */
export function cellAt(layout, count, x, y) {
  const column = Math.floor((x - layout.padding) / layout.cell);
  const row = Math.floor((y - layout.padding) / layout.cell);
  if (column < 0 || row < 0 || column >= layout.columns) return -1;
  const index = row * layout.columns + column;
  return index < count ? index : -1;
}

const CHART_MARGIN = { left: 58, right: 8, top: 16, bottom: 20 };
const CHART_HEIGHT = 132; // CSS pixels, as style.css shows it
const CHART_FONT = 11; // CSS pixels: the chart is drawn at the size it is shown, so this stays
// readable in a phone's narrow column (a fixed 384-pixel canvas scaled to 170 had 4-pixel text)

/** A number for an axis label: 3 significant digits, exponent when small or large. */
function tick(value) {
  if (value === 0) return '0';
  return Math.abs(value) >= 1e-2 && Math.abs(value) < 1e3 ? value.toPrecision(2) : value.toExponential(1);
}

/** Size `canvas` to the CSS width it is shown at (384 while it is not laid out) and the chart
 * height, in device pixels; returns its context drawing in CSS pixels, and that size. */
function fitChart(canvas) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = Math.max(120, Math.round(canvas.clientWidth || 384));
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(CHART_HEIGHT * ratio);
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width, height: CHART_HEIGHT, ratio };
}

/** Bar chart of per-step image change with axes: y from 0 to `top` (shared by every model's
 * chart, so their heights compare) with its title, x the step number; jumps in red, the current
 * step outlined, waypoints (step indices where a new leg starts) as dashed lines labelled
 * `labels`. Returns the layout chartStepAt() needs to map a click to a step (in CSS pixels of
 * a chart `width` wide) and the text's size in canvas pixels (`font`). */
export function drawChart(canvas, distances, {
  jumps = [], current = -1, color = '#2f6f4f', top = null, waypoints = [], labels = [],
  title = 'change per step',
} = {}) {
  const { context, width, height, ratio } = fitChart(canvas);
  const m = CHART_MARGIN;
  const plotWidth = width - m.left - m.right;
  const plotHeight = height - m.top - m.bottom;
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#f4f6f4';
  context.fillRect(m.left, m.top, plotWidth, plotHeight);
  const layout = { left: m.left, slot: plotWidth / Math.max(1, distances.length),
    count: distances.length, width, font: CHART_FONT * ratio };
  if (!distances.length) return layout;
  const yMax = top ?? Math.max(...distances);
  const scale = yMax > 0 ? plotHeight / yMax : 0;
  const jumpSet = new Set(jumps);
  distances.forEach((d, i) => {
    const barHeight = Math.max(1, d * scale);
    context.fillStyle = jumpSet.has(i) ? '#c0392b' : color;
    context.fillRect(m.left + i * layout.slot + layout.slot * 0.1, m.top + plotHeight - barHeight,
      Math.max(1, layout.slot * 0.8), barHeight);
  });
  context.font = `${CHART_FONT}px system-ui, sans-serif`;
  context.fillStyle = '#555';
  context.strokeStyle = '#888';
  context.setLineDash([3, 3]);
  waypoints.forEach((step, k) => {
    const x = Math.round(m.left + step * layout.slot) + 0.5;
    context.beginPath();
    context.moveTo(x, m.top);
    context.lineTo(x, m.top + plotHeight);
    context.stroke();
    context.textAlign = 'center';
    context.fillText(labels[k] ?? '', x, m.top - 4);
  });
  context.setLineDash([]);
  if (current >= 0 && current < distances.length) {
    context.strokeStyle = '#111';
    context.lineWidth = 1;
    context.strokeRect(m.left + current * layout.slot + 0.5, m.top + 0.5, Math.max(2, layout.slot - 1),
      plotHeight - 1);
  }
  // Axes: y ticks at 0, half and the top, and the y title; x ticks at the first and last step.
  context.fillStyle = '#333';
  context.strokeStyle = '#333';
  context.beginPath();
  context.moveTo(m.left - 0.5, m.top);
  context.lineTo(m.left - 0.5, m.top + plotHeight + 0.5);
  context.lineTo(m.left + plotWidth, m.top + plotHeight + 0.5);
  context.stroke();
  context.textAlign = 'right';
  for (const fraction of [0, 0.5, 1]) {
    const y = m.top + plotHeight * (1 - fraction);
    context.fillText(tick(yMax * fraction), m.left - 4, y + 4);
  }
  context.save();
  context.translate(CHART_FONT, m.top + plotHeight / 2);
  context.rotate(-Math.PI / 2);
  context.textAlign = 'center';
  context.fillText(title, 0, 0);
  context.restore();
  context.textAlign = 'left';
  context.fillText('step 1', m.left, height - 5);
  context.textAlign = 'right';
  context.fillText(`step ${distances.length}`, width - m.right, height - 5);
  layout.title = title;
  return layout;
}

/** The step (bar index) under x (CSS pixels from the chart's left edge), or -1. */
export function chartStepAt(layout, x) {
  const step = Math.floor((x - layout.left) / layout.slot);
  return step >= 0 && step < layout.count ? step : -1;
}

/** Save a Blob as a file through a temporary same-origin blob: URL. */
function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return filename;
}

/** Save bytes (e.g. a GIF) as a file. */
export function downloadBytes(bytes, filename, type) {
  return Promise.resolve(saveBlob(new Blob([bytes], { type }), filename));
}

/** Save a canvas as a PNG file. */
export function downloadCanvas(canvas, filename) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (blob) resolve(saveBlob(blob, filename));
      else reject(new Error('the browser could not encode the image as PNG'));
    }, 'image/png');
  });
}

/** Human-readable byte count: 1.2 MB, 340 kB. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return 'unknown size';
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

// Matplotlib's viridis at nine even stops, as streamlit_app/atlas.py draws its maps.
const VIRIDIS = [
  [0x44, 0x01, 0x54], [0x48, 0x28, 0x78], [0x3e, 0x49, 0x89], [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e], [0x1f, 0x9e, 0x89], [0x35, 0xb7, 0x79], [0x6e, 0xce, 0x58],
  [0xfd, 0xe7, 0x25],
];

/** A value on [lo, hi] (clipped) as an [r, g, b] colour of viridis. */
export function viridis(value, [lo, hi]) {
  const t = Math.min(1, Math.max(0, (value - lo) / (hi - lo))) * (VIRIDIS.length - 1);
  const below = Math.min(Math.floor(t), VIRIDIS.length - 2);
  const frac = t - below;
  return VIRIDIS[below].map((c, i) => Math.round(c * (1 - frac) + VIRIDIS[below + 1][i] * frac));
}

const MAP_FONT = 11; // the seeds' labels, in canvas pixels

/** An n x n map of values (row-major) on the colour scale `domain`, `cell` pixels a cell; the
 * seeds' positions ([row, column], fractional) ringed in white, the picked cell outlined red. */
export function drawMap(canvas, values, n, domain, { cell = 12, marks = [], labels = [], picked = null } = {}) {
  canvas.width = n * cell;
  canvas.height = n * cell;
  const context = canvas.getContext('2d');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [r, g, b] = viridis(values[i * n + j], domain);
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  context.strokeStyle = '#fff';
  context.fillStyle = '#fff';
  context.lineWidth = 2;
  context.font = `bold ${MAP_FONT}px system-ui, sans-serif`;
  marks.forEach(([row, column], k) => {
    const radius = Math.max(3, cell / 3);
    context.beginPath();
    context.arc(column * cell, row * cell, radius, 0, 2 * Math.PI);
    context.stroke();
    context.fillText(labels[k] ?? '', column * cell + radius + 2, row * cell - radius);
  });
  if (picked) {
    context.strokeStyle = '#e00';
    context.strokeRect(picked[1] * cell + 1, picked[0] * cell + 1, cell - 2, cell - 2);
  }
  return { cell, n, font: MAP_FONT };
}

/** A horizontal colour bar for `domain` (log10 of multiples of the median), ends labelled. */
export function drawColourBar(canvas, domain) {
  const context = canvas.getContext('2d');
  const { width } = canvas;
  context.clearRect(0, 0, width, canvas.height);
  for (let x = 0; x < width; x++) {
    const [r, g, b] = viridis(domain[0] + ((domain[1] - domain[0]) * x) / (width - 1), domain);
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fillRect(x, 0, 1, 14);
  }
  context.fillStyle = '#333';
  context.font = '11px system-ui, sans-serif';
  const label = (v) => `${(10 ** v).toPrecision(2)}× median`;
  context.textAlign = 'left';
  context.fillText(label(domain[0]), 0, 27);
  context.textAlign = 'right';
  context.fillText(label(domain[1]), width, 27);
  context.textAlign = 'center';
  const middle = (-domain[0] / (domain[1] - domain[0])) * width;
  context.fillText('median', middle, 27);
}
