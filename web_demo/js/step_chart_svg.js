// One SVG chart of every model's change per step over its own median step along one walk, with
// the jump line (hero_chart.js gives the geometry): the hero's chart, and the real-image walk's.
import { svg } from './dom.js';
import { heroChart } from './hero_chart.js';

/** Draw `columns` ([{name, colour, distances}]) into the <svg> `chart` of `size` ({width,
 * height}); returns {geometry, cursor} (cursor: the line a view moves to the frame on show). */
export function drawStepChart(chart, columns, size) {
  const geometry = heroChart(columns.map((c) => ({ name: c.name, colour: c.colour,
    distances: c.distances })), size);
  const { plot } = geometry;
  chart.replaceChildren();
  chart.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
  for (const tick of geometry.yTicks) {
    chart.append(svg('line', { x1: plot.left, x2: plot.right, y1: tick.y, y2: tick.y,
      class: 'grid' }));
    chart.append(svg('text', { x: plot.left - 6, y: tick.y + 4, 'text-anchor': 'end' },
      `${tick.value}×`));
  }
  for (const tick of geometry.xTicks) {
    chart.append(svg('text', { x: tick.x, y: plot.bottom + 15, 'text-anchor': 'middle' },
      String(tick.value)));
  }
  chart.append(svg('line', { x1: plot.left, x2: plot.right, y1: geometry.threshold.y,
    y2: geometry.threshold.y, class: 'threshold' }));
  chart.append(svg('text', { x: plot.right, y: geometry.threshold.y - 5, 'text-anchor': 'end',
    class: 'threshold-label' }, `jump: over ${geometry.threshold.value}× the median step`));
  for (const line of geometry.lines) {
    chart.append(svg('polyline', { points: line.points, class: 'curve', stroke: line.colour,
      'data-model': line.name }));
  }
  chart.append(svg('text', { x: (plot.left + plot.right) / 2, y: size.height - 4,
    'text-anchor': 'middle', class: 'axis-title' }, 'step along the walk'));
  chart.append(svg('text', { x: 12, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle',
    class: 'axis-title', transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})` },
  'change ÷ median step'));
  const cursor = svg('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom,
    class: 'cursor' });
  chart.append(cursor);
  let legendX = plot.left + 4;
  for (const line of geometry.lines) {
    chart.append(svg('text', { x: legendX, y: plot.top + 12, class: 'legend', fill: line.colour },
      line.name));
    legendX += 14 + 9 * line.name.length;
  }
  return { geometry, cursor };
}
