// A data set's measured figures (models/figures/tears-<id>.json, written by
// models/recipes/measure_tears.py in the judge's features) as the page shows them: the evidence table's
// rows, the provenance line, and the transition chart's geometry. The verdict sentence itself is
// built in Python (core/verdict.py) and shown as it is. No DOM here (Node tests it).

export const MODELS = ['GAN', 'VAE'];
// A place the tear search zoomed into is a tear when at least this share of its change stays
// (core/tearing.py's TEAR_KEPT; tests/test_structure.py checks they agree).
export const TEAR_KEPT = 0.5;
export const COLOURS = { GAN: '#d62728', VAE: '#1f77b4' }; // as every chart of the project

const missing = (value) => value === null || value === undefined || !Number.isFinite(value);
const DASH = '—';

/** A number with `digits` decimals, or a dash when it was not measured (null in the file). */
export function formatNumber(value, digits = 2) {
  return missing(value) ? DASH : value.toFixed(digits);
}

export function formatShare(value, digits = 1) {
  return missing(value) ? DASH : `${(100 * value).toFixed(digits)}%`;
}

export function formatRatio(value) {
  return missing(value) ? DASH : `${value.toFixed(value >= 10 ? 0 : 1)}×`;
}

/** "0.20 (0.15–0.31)": a value and its 95 % interval, in one format. */
function withInterval(value, interval, format) {
  const [lo, hi] = Array.isArray(interval) ? interval : [];
  if (missing(value)) return DASH;
  if (missing(lo) || missing(hi)) return format(value);
  return `${format(value)} (${format(lo)}–${format(hi)})`;
}

/** Whether a place the tear search found is a tear (its change survived zooming in) rather
 * than a steep but smooth slope, as core/tearing.is_tear. */
export function isTear(place) {
  const kept = place?.change_kept;
  return Number.isFinite(kept) && kept >= TEAR_KEPT;
}

/** How many times the search zoomed into each place (2^levels), from its figures; 0 if unknown. */
export function zoomFactor(search) {
  const finest = search?.tears?.[0]?.finest_step;
  if (!Number.isFinite(finest) || !(finest > 0) || !Number.isFinite(search?.segment)) return 0;
  return 2 ** Math.round(Math.log2(search.segment / finest));
}

/** The verdict sentence, or null when the file has none. */
export function verdictSentence(tears) {
  const sentence = tears?.verdict?.sentence;
  return typeof sentence === 'string' && sentence.trim() ? sentence : null;
}

/** What the first screen says for a data set without measured figures. */
export function noVerdictText(dataset) {
  const name = dataset.label || dataset.id || 'this data set';
  const file = dataset.id ? `tears-${dataset.id}.json` : 'tears-<id>.json';
  return `No measured verdict for ${name}: this site has no figures for its models ` +
    `(${file}, written by models/recipes/measure_tears.py).`;
}

/** The evidence table: one row per figure, a cell per model ("—" where not measured). */
export function evidenceRows(tears) {
  const of = (name) => tears?.models?.[name] ?? {};
  const rows = [
    {
      key: 'width',
      figure: 'Class-switch band: the share of a cross-class walk over which P(end class) goes ' +
        'from 0.1 to 0.9 (median, 95% interval)',
      cell: (m) => withInterval(m.transitions?.width_median, m.transitions?.width_median_ci,
        (v) => formatNumber(v, 2)),
      note: (m) => (m.transitions ? `${m.transitions.switching ?? 0} of ` +
        `${m.transitions.pairs ?? 0} walks switched class` : ''),
    },
    {
      key: 'between',
      figure: 'Samples between classes (top class probability below 0.5)',
      cell: (m) => withInterval(m.between_class?.share, m.between_class?.ci, formatShare),
    },
    {
      key: 'outside',
      figure: 'Samples off the data (outside every real image\'s k-NN ball)',
      cell: (m) => withInterval(m.outside_real?.share, m.outside_real?.ci, formatShare),
    },
    {
      key: 'p999',
      figure: 'Random paths: p99.9 step / median step',
      cell: (m) => formatRatio(m.tails?.p999_over_median),
    },
    {
      key: 'top1',
      figure: 'Random paths: share of the length in the largest 1% of steps',
      cell: (m) => formatShare(m.tails?.top1_share),
    },
    {
      key: 'steepest',
      figure: 'Steepest stretch found: its stretch / the model\'s median stretch; a tear if ' +
        'zooming in keeps half its change, else a slope',
      cell: (m) => {
        const place = m.tears?.tears?.[0];
        if (!place) return DASH;
        return `${formatRatio(place.stretch_over_typical)} (${isTear(place) ? 'a tear' : 'a slope'})`;
      },
    },
  ];
  return rows.map(({ key, figure, cell, note }) => ({
    key,
    figure,
    cells: Object.fromEntries(MODELS.map((name) => [name, cell(of(name))])),
    notes: Object.fromEntries(MODELS.map((name) => [name, note ? note(of(name)) : ''])),
  }));
}

/** Where the figures come from, in one sentence. */
export function provenanceText(tears) {
  const s = tears?.settings ?? {};
  const measured = tears?.models_measured ?? {};
  const models = MODELS.map((name) => measured[name]).filter(Boolean);
  const parts = [
    models.length ? `Measured on ${models.join(' and ')}` : 'Measured',
    tears?.date ? `on ${String(tears.date).slice(0, 10)}` : '',
    `in ${!tears?.space || tears.space === 'judge features' ? 'the judge\'s features' : tears.space}:`,
    [
      s.samples && `${s.samples} samples`,
      s.pairs && `${s.pairs} cross-class walks of ${s.steps} steps`,
      s.paths && `${s.paths} random paths of ${s.path_steps ?? '?'} steps`,
      s.tear_budget && `a tear search of ${s.tear_budget} model calls`,
    ].filter(Boolean).join(', ') + ' per model',
    tears?.commit ? `(commit ${String(tears.commit).slice(0, 12)}).` : '.',
  ];
  return parts.filter(Boolean).join(' ').replace(' .', '.');
}

/** The chart of the end class's probability across the switch, GAN vs VAE, in a box of
 * `width` x `height` units: the plot area, axis ticks and, per model with a curve, an SVG path
 * for the median and one for the quartile band. */
export function transitionChart(tears, { width = 400, height = 200, left = 44, right = 10,
  top = 10, bottom = 40 } = {}) {
  const plot = { left, right: width - right, top, bottom: height - bottom };
  const x = (offset) => plot.left + (offset + 0.5) * (plot.right - plot.left);
  const y = (p) => plot.bottom - Math.min(1, Math.max(0, p)) * (plot.bottom - plot.top);
  const point = (a, b) => `${a.toFixed(1)},${b.toFixed(1)}`;
  const series = [];
  for (const name of MODELS) {
    const figures = tears?.models?.[name];
    const curve = figures?.transition_curve;
    const ok = (list) => Array.isArray(list) && list.length === curve.offset.length;
    if (!curve || !Array.isArray(curve.offset) || curve.offset.length < 2 || !ok(curve.median)) {
      continue;
    }
    const keep = curve.offset.map((o, i) => !missing(o) && !missing(curve.median[i]));
    const at = (list) => curve.offset.flatMap((o, i) => (keep[i] ? [point(x(o), y(list[i]))] : []));
    const line = `M${at(curve.median).join('L')}`;
    let band = null;
    if (ok(curve.q25) && ok(curve.q75) && curve.q25.every((v) => !missing(v)) &&
      curve.q75.every((v) => !missing(v))) {
      band = `M${at(curve.q75).join('L')}L${at(curve.q25).reverse().join('L')}Z`;
    }
    series.push({ name, colour: COLOURS[name], line, band,
      width: figures.transitions?.width_median ?? null });
  }
  return {
    width,
    height,
    plot,
    series,
    xTicks: [-0.5, -0.25, 0, 0.25, 0.5].map((v) => ({ value: v, at: x(v) })),
    yTicks: [0, 0.5, 1].map((v) => ({ value: v, at: y(v) })),
    thresholds: [0.1, 0.9].map((v) => ({ value: v, at: y(v) })),
  };
}

const TAIL_TICKS = [1, 1.5, 2, 3, 5, 7, 10, 20, 50, 100, 200, 500, 1000];

/** The random paths' figure: per model with tail figures, a row showing how far its largest
 * steps reach above its median step (p99 / median and p99.9 / median, the median at 1×), on
 * one log axis for every model, in a box `width` units wide. Also the paths measured. */
export function tailsChart(tears, { width = 360, left = 44, right = 14, top = 30, row = 34,
  bottom = 38 } = {}) {
  const models = MODELS.flatMap((name) => {
    const tails = tears?.models?.[name]?.tails;
    const p99 = tails?.p99_over_median;
    const p999 = tails?.p999_over_median;
    if (missing(p99) || missing(p999) || !(p99 > 0) || !(p999 > 0)) return [];
    return [{ name, colour: COLOURS[name], p99, p999 }];
  });
  const highest = Math.max(2, ...models.map((m) => Math.max(m.p99, m.p999))) * 1.15;
  const x = (value) => left + (Math.log(value) / Math.log(highest)) * (width - left - right);
  const height = top + models.length * row + bottom;
  const settings = tears?.settings ?? {};
  return {
    width,
    height,
    plot: { left, right: width - right, top, bottom: height - bottom },
    rows: models.map((m, k) => ({ ...m, y: top + (k + 0.5) * row,
      at: { median: x(1), p99: x(m.p99), p999: x(m.p999) } })),
    ticks: TAIL_TICKS.filter((v) => v <= highest).map((v) => ({ value: v, at: x(v) })),
    paths: settings.paths ?? null,
    pathSteps: settings.path_steps ?? null,
  };
}

/** What the random paths' figure shows, in a sentence. */
export function tailsCaption(tears, chart = tailsChart(tears)) {
  const paths = chart.paths ? `${chart.paths} random paths` : 'Random paths';
  const steps = chart.pathSteps ? ` of ${chart.pathSteps} steps` : '';
  const space = !tears?.space || tears.space === 'judge features' ? 'the judge\'s features'
    : tears.space;
  return `${paths}${steps} per model, every step measured in ${space}: how far each model's ` +
    'largest steps reach above its median step (its 99th and 99.9th percentiles). Further ' +
    'right: a heavier tail of sudden changes.';
}
