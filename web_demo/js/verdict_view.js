// The first screen: the data set choice (whose GAN and VAE every view shows), the measured
// verdict for that data set with its chart of the class switch, GAN vs VAE, and the evidence
// section (the figures table and where they come from). The figures are
// models/figures/tears-<id>.json, listed in models/index.json; the sentence is core/verdict.py's,
// shown as it is. Nothing here waits for the models: the verdict is up before they load.
import {
  evidenceRows, formatNumber, formatRatio, MODELS, noVerdictText, provenanceText, tailsCaption,
  tailsChart, transitionChart, verdictSentence,
} from './figures.js';
import { element, svg } from './dom.js';

const $ = (id) => document.getElementById(id);

/** The data set choice: one radio button per data set, named by its short word. Choosing one
 * calls onChoose(id). Hidden when the site has a single data set. */
function buildChoice(site, current, onChoose) {
  const choice = $('dataset-choice');
  const named = site.datasets.filter((d) => d.id);
  choice.hidden = named.length < 2;
  for (const dataset of named) {
    const label = element('label', 'choice');
    label.dataset.dataset = dataset.id;
    label.title = dataset.label;
    const input = element('input');
    input.type = 'radio';
    input.name = 'dataset';
    input.value = dataset.id;
    input.checked = dataset.id === current.id;
    input.addEventListener('change', () => {
      if (input.checked && dataset.id !== current.id) onChoose(dataset.id);
    });
    label.append(input, element('span', '', dataset.short));
    choice.append(label);
  }
}

/** The chart of the end class's probability across the switch, into the <svg>. */
function drawChart(target, tears) {
  const chart = transitionChart(tears);
  target.replaceChildren();
  target.setAttribute('viewBox', `0 0 ${chart.width} ${chart.height}`);
  const { plot } = chart;
  for (const tick of chart.yTicks) {
    target.append(svg('line', { x1: plot.left, x2: plot.right, y1: tick.at, y2: tick.at,
      class: 'grid' }));
    target.append(svg('text', { x: plot.left - 6, y: tick.at + 4, 'text-anchor': 'end' },
      String(tick.value)));
  }
  for (const line of chart.thresholds) {
    target.append(svg('line', { x1: plot.left, x2: plot.right, y1: line.at, y2: line.at,
      class: 'threshold' }));
  }
  chart.xTicks.forEach((tick, k) => {
    const text = tick.value === 0 ? 'switch' : `${tick.value > 0 ? '+' : '−'}${Math.abs(tick.value)}`;
    // The end ticks' labels stay inside the box.
    const anchor = k === 0 ? 'start' : k === chart.xTicks.length - 1 ? 'end' : 'middle';
    target.append(svg('text', { x: tick.at, y: plot.bottom + 16, 'text-anchor': anchor }, text));
  });
  target.append(svg('text', { x: (plot.left + plot.right) / 2, y: chart.height - 4,
    'text-anchor': 'middle', class: 'axis-title' }, 'walk position around the class switch'));
  target.append(svg('text', { x: 12, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle',
    class: 'axis-title', transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})` },
  'P(end class)'));
  for (const series of chart.series) {
    if (series.band) {
      target.append(svg('path', { d: series.band, fill: series.colour, 'fill-opacity': 0.16,
        stroke: 'none' }));
    }
  }
  chart.series.forEach((series, k) => {
    const path = svg('path', { d: series.line, stroke: series.colour, fill: 'none',
      'stroke-width': 2.5, class: 'curve' });
    path.dataset.model = series.name;
    target.append(path);
    // Top left, between the thresholds: where the curves are still near 0.
    const legend = svg('text', { x: plot.left + 8, y: chart.thresholds[1].at + 20 + 18 * k,
      fill: series.colour, class: 'legend' }, `${series.name}: band ${formatNumber(series.width, 2)}`);
    target.append(legend);
  });
  const words = chart.series.map((s) => `${s.name} band ${formatNumber(s.width, 2)}`);
  target.setAttribute('aria-label', 'The end class\'s probability across the class switch, ' +
    `median and quartiles: ${words.join(', ')}.`);
  return chart.series.length;
}

/** The random paths' figure (figures.js tailsChart) into the <svg>: a row per model from its
 * median step (1×, open) to its p99 (dot) and p99.9 (square) on a shared log axis. */
function drawTails(target, tears) {
  const chart = tailsChart(tears);
  target.replaceChildren();
  target.setAttribute('viewBox', `0 0 ${chart.width} ${chart.height}`);
  const { plot } = chart;
  for (const tick of chart.ticks) {
    target.append(svg('line', { x1: tick.at, x2: tick.at, y1: plot.top - 4, y2: plot.bottom,
      class: 'grid' }));
    target.append(svg('text', { x: tick.at, y: plot.bottom + 15, 'text-anchor': 'middle' },
      `${tick.value}×`));
  }
  target.append(svg('text', { x: plot.left, y: 14, class: 'legend-key' },
    '○ median step   ● 99th percentile   ■ 99.9th'));
  target.append(svg('text', { x: (plot.left + plot.right) / 2, y: chart.height - 4,
    'text-anchor': 'middle', class: 'axis-title' }, 'step ÷ the model\'s median step (log scale)'));
  for (const row of chart.rows) {
    const group = svg('g', { class: 'tail-row', fill: row.colour, stroke: row.colour });
    group.dataset.model = row.name;
    group.append(
      svg('text', { x: 2, y: row.y + 4, class: 'legend', stroke: 'none' }, row.name),
      svg('line', { x1: row.at.median, x2: Math.max(row.at.p99, row.at.p999), y1: row.y,
        y2: row.y, 'stroke-width': 2 }),
      svg('circle', { cx: row.at.median, cy: row.y, r: 4, fill: '#fff', 'stroke-width': 2 }),
      svg('circle', { cx: row.at.p99, cy: row.y, r: 4.5, class: 'p99' }),
      svg('rect', { x: row.at.p999 - 4.5, y: row.y - 4.5, width: 9, height: 9, class: 'p999' }),
      // p99 above the line, p99.9 under it: the two stay apart when they are close.
      svg('text', { x: row.at.p99, y: row.y - 8, 'text-anchor': 'middle', stroke: 'none' },
        formatRatio(row.p99)),
      svg('text', { x: row.at.p999, y: row.y + 17, 'text-anchor': 'middle', stroke: 'none' },
        formatRatio(row.p999)),
    );
    target.append(group);
  }
  target.setAttribute('aria-label', 'Random paths, each model\'s steps over its median step: ' +
    chart.rows.map((r) => `${r.name} p99 ${formatRatio(r.p99)}, p99.9 ` +
      `${formatRatio(r.p999)}`).join('; ') + '.');
  return chart;
}

function fillEvidence(tears) {
  const body = $('evidence-table').tBodies[0];
  body.replaceChildren();
  for (const row of evidenceRows(tears)) {
    const line = element('tr');
    line.dataset.figure = row.key;
    line.append(element('th', '', row.figure));
    for (const name of MODELS) {
      const cell = element('td', '', row.cells[name]);
      cell.dataset.model = name;
      if (row.notes[name]) cell.append(element('span', 'cell-note', row.notes[name]));
      line.append(cell);
    }
    body.append(line);
  }
  $('evidence-provenance').textContent = provenanceText(tears);
  const tails = drawTails($('tails-chart'), tears);
  $('tails-figure').hidden = tails.rows.length === 0;
  $('tails-caption').textContent = tailsCaption(tears, tails);
}

async function fetchTears(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
}

/** Show the choice and the chosen data set's verdict and evidence. `onChoose(id)` switches
 * the data set. Returns {info(), ready, figures()}: ready resolves once the verdict is on
 * screen; figures() is then the figures read (null when there are none). */
export function createVerdictView(site, dataset, onChoose) {
  const shown = { dataset: dataset.id, status: 'loading', sentence: null, curves: 0 };
  let figures = null; // the data set's tears-<id>.json, once read
  buildChoice(site, dataset, onChoose);
  $('evidence-dataset').textContent = dataset.label ? ` on ${dataset.label}` : '';

  function without(text) {
    $('verdict-sentence').textContent = text;
    $('verdict').classList.add('unmeasured');
    $('verdict-figure').hidden = true;
    $('evidence-figures').hidden = true;
    $('evidence-status').textContent = text;
    $('evidence-link').textContent = 'Measure the path tails here instead, in pixels';
  }

  async function show() {
    if (!dataset.tears) {
      without(noVerdictText(dataset));
      return 'none';
    }
    let tears;
    try {
      tears = await fetchTears(dataset.tears);
    } catch (error) {
      without(`The measured figures for ${dataset.label || 'this data set'} could not be ` +
        `read: ${error.message}.`);
      return 'failed';
    }
    const sentence = verdictSentence(tears);
    $('verdict-sentence').textContent = sentence ??
      `The figures for ${dataset.label} hold no verdict sentence; the evidence is below.`;
    shown.sentence = sentence;
    figures = tears;
    shown.curves = drawChart($('verdict-chart'), tears);
    $('verdict-figure').hidden = shown.curves === 0;
    fillEvidence(tears);
    $('evidence-figures').hidden = false;
    $('evidence-status').textContent = '';
    return 'shown';
  }

  const info = () => ({ view: 'verdict', ...shown });
  const ready = show().then((status) => {
    shown.status = status;
    return info();
  });
  return { ready, info, figures: () => figures };
}
