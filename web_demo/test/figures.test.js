// The measured figures as the first screen and the evidence table show them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  evidenceRows, formatRatio, formatShare, noVerdictText, provenanceText, tailsCaption, tailsChart,
  transitionChart, verdictSentence,
} from '../js/figures.js';

function curve(width) {
  const offset = Array.from({ length: 65 }, (_, i) => -0.5 + i / 64);
  const median = offset.map((o) => 1 / (1 + Math.exp((-2 * Math.log(9) * o) / width)));
  return { offset, median, q25: median.map((p) => Math.max(0, p - 0.1)),
    q75: median.map((p) => Math.min(1, p + 0.1)) };
}

const TEARS = {
  verdict: { sentence: 'On two classes, the GAN tears.' },
  models: {
    GAN: {
      transitions: { pairs: 64, switching: 60, width_median: 0.05, width_median_ci: [0.03, 0.08] },
      transition_curve: curve(0.05),
      between_class: { share: 0.1025, ci: [0.085, 0.121] },
      outside_real: { share: 0.25, ci: [0.22, null] },
      tails: { p999_over_median: 12.3, top1_share: 0.0237 },
      tears: { tears: [{ stretch_over_typical: 9.04, change_kept: 0.0059 }] },
    },
    VAE: {
      transitions: { pairs: 64, switching: 0, width_median: null, width_median_ci: [null, null] },
      transition_curve: { offset: curve(1).offset, median: [], q25: [], q75: [] },
      between_class: { share: 0.44, ci: [0.41, 0.47] },
      tails: { p999_over_median: 1.83, top1_share: 0.0179 },
      tears: { tears: [] },
    },
  },
  settings: { samples: 1024, pairs: 64, steps: 64, paths: 32, path_steps: 32, tear_budget: 512 },
  space: 'judge features',
  models_measured: { GAN: 'gan-frog-automobile', VAE: 'vae-frog-automobile' },
  date: '2026-12-03T08:26:50+00:00',
  commit: 'e871ee26bc44c51ed4b925c2c1886285b0005e52+dirty',
};

test('the sentence is shown as written, and its absence is said plainly', () => {
  assert.equal(verdictSentence(TEARS), 'On two classes, the GAN tears.');
  assert.equal(verdictSentence({ verdict: { sentence: ' ' } }), null);
  assert.equal(verdictSentence(null), null);
  const text = noVerdictText({ id: 'cifar10', label: 'all ten CIFAR-10 classes' });
  assert.match(text, /^No measured verdict for all ten CIFAR-10 classes/);
  assert.match(text, /tears-cifar10\.json, written by models\/recipes\/measure_tears\.py/);
});

test('the evidence table has every figure, with intervals, and a dash where none was measured', () => {
  const rows = Object.fromEntries(evidenceRows(TEARS).map((row) => [row.key, row]));
  assert.deepEqual(Object.keys(rows), ['width', 'between', 'outside', 'p999', 'top1', 'steepest']);
  assert.equal(rows.width.cells.GAN, '0.05 (0.03–0.08)');
  assert.equal(rows.width.notes.GAN, '60 of 64 walks switched class');
  assert.equal(rows.width.cells.VAE, '—');
  assert.equal(rows.width.notes.VAE, '0 of 64 walks switched class');
  assert.equal(rows.between.cells.GAN, '10.3% (8.5%–12.1%)');
  assert.equal(rows.outside.cells.GAN, '25.0%'); // half an interval is no interval
  assert.equal(rows.outside.cells.VAE, '—');
  assert.equal(rows.p999.cells.GAN, '12×');
  assert.equal(rows.p999.cells.VAE, '1.8×');
  assert.equal(rows.top1.cells.VAE, '1.8%');
  assert.equal(rows.steepest.cells.GAN, '9.0× (a slope)'); // 0.6 % kept: not a tear
  assert.equal(rows.steepest.cells.VAE, '—');
  assert.equal(formatShare(NaN), '—');
  assert.equal(formatRatio(undefined), '—');
});

test('the provenance line names the models, the date, the space, the budgets and the commit', () => {
  assert.equal(provenanceText(TEARS), 'Measured on gan-frog-automobile and vae-frog-automobile ' +
    'on 2026-12-03 in the judge\'s features: 1024 samples, 64 cross-class walks of 64 steps, ' +
    '32 random paths of 32 steps, a tear search of 512 model calls per model ' +
    '(commit e871ee26bc44).');
});

test('the chart draws each model that has a curve, inside its plot area', () => {
  const chart = transitionChart(TEARS, { width: 400, height: 200 });
  assert.deepEqual(chart.series.map((s) => [s.name, s.colour, s.width]),
    [['GAN', '#d62728', 0.05]]); // the VAE's walks never switched: no curve to draw
  const [gan] = chart.series;
  const points = gan.line.slice(1).split('L').map((p) => p.split(',').map(Number));
  assert.equal(points.length, 65);
  for (const [x, y] of points) {
    assert.ok(x >= chart.plot.left && x <= chart.plot.right, x);
    assert.ok(y >= chart.plot.top && y <= chart.plot.bottom, y);
  }
  // A sharp switch: flat at the bottom, then at the top, within a few points of the middle.
  assert.ok(points[20][1] > chart.plot.bottom - 2 && points[44][1] < chart.plot.top + 2);
  assert.match(gan.band, /^M.*Z$/);
  assert.deepEqual(chart.thresholds.map((t) => t.value), [0.1, 0.9]);
  assert.equal(transitionChart({}).series.length, 0);
});

test('the random paths figure puts every model\'s p99 and p99.9 over its median on one axis', () => {
  const tears = {
    ...TEARS,
    models: {
      GAN: { tails: { p99_over_median: 3.0, p999_over_median: 12.3 } },
      VAE: { tails: { p99_over_median: 1.6, p999_over_median: 1.83 } },
    },
  };
  const chart = tailsChart(tears, { width: 360 });
  assert.deepEqual(chart.rows.map((r) => [r.name, r.colour]),
    [['GAN', '#d62728'], ['VAE', '#1f77b4']]);
  const [gan, vae] = chart.rows;
  // One axis: the medians at the same place, on a log scale (3 is log 3 / log 12.3 of the way).
  assert.equal(gan.at.median, vae.at.median);
  const span = (value) => (value - gan.at.median);
  assert.ok(Math.abs(span(gan.at.p99) / span(gan.at.p999) - Math.log(3) / Math.log(12.3)) < 1e-9);
  assert.ok(gan.at.p999 <= chart.plot.right && vae.at.p999 < gan.at.p999);
  assert.ok(vae.y > gan.y && chart.height > vae.y);
  assert.deepEqual(chart.ticks.map((t) => t.value), [1, 1.5, 2, 3, 5, 7, 10]);
  assert.match(tailsCaption(tears, chart), /^32 random paths of 32 steps per model, every step /);
  // A model without tail figures has no row; with none, no figure.
  const half = { models: { GAN: tears.models.GAN, VAE: { tails: { p99_over_median: null } } } };
  assert.deepEqual(tailsChart(half).rows.map((r) => r.name), ['GAN']);
  assert.equal(tailsChart({}).rows.length, 0);
  assert.match(tailsCaption({}), /^Random paths per model/);
});
