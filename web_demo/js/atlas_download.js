// The Atlas panel's download: every model's named grid and map and the colour bar, in one PNG.
import { downloadCanvas } from './render.js';

/** Grids and maps of every column and the colour bar `bar` in one canvas. */
function composite(columns, bar) {
  const width = Math.max(...columns.map((c) => c.grid.width + c.map.width + 16));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = columns.reduce((sum, c) => sum + Math.max(c.grid.height, c.map.height) + 24, 0) + 36;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#111';
  context.font = '13px system-ui, sans-serif';
  let top = 0;
  for (const column of columns) {
    const name = column.entry.name;
    context.fillText(`${name}: images`, 0, top + 14);
    context.fillText('change map', column.grid.width + 16, top + 14);
    context.drawImage(column.grid, 0, top + 20);
    context.drawImage(column.map, column.grid.width + 16, top + 20);
    top += Math.max(column.grid.height, column.map.height) + 24;
  }
  context.drawImage(bar, 0, top + 4);
  return canvas;
}

/** Save the atlas on screen as latentwalk-atlas.png; a failure becomes a notice. */
export function downloadAtlas(app, columns, bar) {
  return downloadCanvas(composite(columns, bar), 'latentwalk-atlas.png')
    .catch((error) => app.notice(error.message, 'error'));
}
