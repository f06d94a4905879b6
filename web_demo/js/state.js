// The page's whole state (data set, seeds, walk and its frame, atlas, backend, ...) <-> the URL
// hash, so any view is a permalink. Every value is validated here, once; a bad value becomes a readable notice and falls
// back to its default instead of breaking the page. No DOM or TensorFlow here (Node tests it).
import { parseSeeds } from './latent.js';

export const LIMITS = {
  gridSeeds: 256, walkSeeds: 16, maxSteps: 64, atlasMinN: 4, atlasMaxN: 64, latentDim: 512,
};
export const BACKEND_CHOICES = ['auto', 'wasm', 'webgl', 'cpu'];
export const MODES = ['slerp', 'lerp'];
export const PLANES = ['seeds', 'random'];
export const MEASURES = ['area', 'stretch'];

// A data set id as models/index.json names them (core/datasets.py: "frog", "frog-automobile").
export const DATASET_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const DEFAULTS = Object.freeze({
  dataset: '', // the site's default data set (models/index.json says which)
  seed: 42,
  grid: '0-63',
  walk: '0,42,7',
  mode: 'slerp',
  steps: 16,
  plane: 'seeds',
  pseeds: '0,1,2',
  n: 24,
  measure: 'area',
  atlas: 'off',
  cell: '', // the atlas cell picked, "row,column"; '' for the plane's centre
  frame: 0,
  dims: '',
  start: '',
  book: 'off',
  backend: 'auto',
  // The walk between real images: each end a held-out image's number or 'upload' ('' for the
  // data set's first pair), and an uploaded end's codes, "GAN code;VAE code" (the link keeps
  // the codes, not the image).
  rfrom: '',
  rto: '',
  rfromz: '',
  rtoz: '',
});

// One checker per key: returns the clean value or throws an Error whose message tells the user
// what was expected.
const CHECKS = {
  // Which data set's GAN and VAE every view shows. Its form is checked here; whether the site
  // has it, once models/index.json is read (datasets.js: chooseDataset).
  dataset(text) {
    const id = String(text).trim();
    if (id !== '' && !DATASET_ID.test(id)) {
      throw new Error('dataset must be a data set id such as "frog" or "cifar10"');
    }
    return id;
  },
  seed(text) {
    const seeds = parseSeeds(text);
    if (seeds.length !== 1) throw new Error('seed must be a single whole number');
    return seeds[0];
  },
  grid(text) {
    parseSeeds(text, LIMITS.gridSeeds);
    return normaliseSeedText(text);
  },
  walk(text) {
    const seeds = parseSeeds(text, LIMITS.walkSeeds);
    if (seeds.length < 2) throw new Error('a walk needs at least two seeds, e.g. "0, 42"');
    return normaliseSeedText(text);
  },
  mode(text) {
    if (!MODES.includes(text)) throw new Error(`mode must be ${MODES.join(' or ')}`);
    return text;
  },
  steps(text) {
    const steps = Number(text);
    if (!/^\d+$/.test(String(text).trim()) || steps < 1 || steps > LIMITS.maxSteps) {
      throw new Error(`steps must be a whole number from 1 to ${LIMITS.maxSteps}`);
    }
    return steps;
  },
  // The atlas: which plane, its seeds (three for 'seeds'; the centre seed and the directions'
  // seed for 'random', checked against the plane by the view), the grid size and the map.
  plane(text) {
    if (!PLANES.includes(text)) throw new Error(`plane must be ${PLANES.join(' or ')}`);
    return text;
  },
  pseeds(text) {
    const seeds = parseSeeds(text, 3);
    if (seeds.length < 2) throw new Error('the atlas needs two or three seeds, e.g. "0,1,2"');
    return normaliseSeedText(text);
  },
  n(text) {
    const n = Number(text);
    if (!/^\d+$/.test(String(text).trim()) || n < LIMITS.atlasMinN || n > LIMITS.atlasMaxN) {
      throw new Error(`N must be a whole number from ${LIMITS.atlasMinN} to ${LIMITS.atlasMaxN}`);
    }
    return n;
  },
  measure(text) {
    if (!MEASURES.includes(text)) throw new Error(`measure must be ${MEASURES.join(' or ')}`);
    return text;
  },
  atlas(text) {
    if (!['on', 'off'].includes(text)) throw new Error('atlas must be on or off');
    return text;
  },
  // The atlas cell on show large, "row,column" (the view takes the centre when N has no such cell).
  cell(text) {
    const trimmed = String(text).replace(/\s+/g, '');
    if (trimmed === '') return '';
    const match = /^(\d{1,2}),(\d{1,2})$/.exec(trimmed);
    if (!match || Number(match[1]) >= LIMITS.atlasMaxN || Number(match[2]) >= LIMITS.atlasMaxN) {
      throw new Error(`cell must be "row,column", each a whole number below ${LIMITS.atlasMaxN}`);
    }
    return `${Number(match[1])},${Number(match[2])}`;
  },
  // The walk's frame on screen (the view clamps it to the walk's length, with a notice).
  frame(text) {
    if (!/^\d{1,6}$/.test(String(text).trim())) throw new Error('frame must be a whole number');
    return Number(text);
  },
  // Generate's slider edits of the seed's latent: "index:value" pairs, e.g. "3:1.25,7:-0.5".
  dims(text) {
    const trimmed = String(text).replace(/\s+/g, '');
    if (trimmed === '') return '';
    const pairs = trimmed.split(',').map((part) => part.split(':'));
    const ok = pairs.length <= LIMITS.latentDim && pairs.every((pair) => pair.length === 2 &&
      /^\d{1,3}$/.test(pair[0]) && Number(pair[0]) < LIMITS.latentDim &&
      pair[1] !== '' && Number.isFinite(Number(pair[1])) && Math.abs(Number(pair[1])) <= 10);
    if (!ok) throw new Error('dims must be index:value pairs such as "3:1.25,7:-0.5"');
    return pairs.map(([i, v]) => `${Number(i)}:${Number(Number(v).toFixed(2))}`).join(',');
  },
  // A latent vector the walk starts from (an uploaded image's VAE code), or '' for none.
  start(text) {
    const trimmed = String(text).trim();
    if (trimmed === '') return '';
    const parts = trimmed.split(',');
    const values = parts.map(Number);
    if (values.length > LIMITS.latentDim || parts.some((p) => p.trim() === '') ||
      values.some((v) => !Number.isFinite(v) || Math.abs(v) > 100)) {
      throw new Error('start must be a comma-separated latent vector of numbers');
    }
    return values.map((v) => String(Number(v.toFixed(4)))).join(',');
  },
  book(text) {
    if (!['on', 'off'].includes(text)) throw new Error('book must be on or off');
    return text;
  },
  rfrom: realEnd,
  rto: realEnd,
  rfromz: realCodes,
  rtoz: realCodes,
  backend(text) {
    if (!BACKEND_CHOICES.includes(text)) {
      throw new Error(`backend must be one of ${BACKEND_CHOICES.join(', ')}`);
    }
    return text;
  },
};

export const KEYS = Object.keys(CHECKS);

function realEnd(text) {
  const trimmed = String(text).trim();
  if (trimmed === '' || trimmed === 'upload') return trimmed;
  if (!/^\d{1,4}$/.test(trimmed) || Number(trimmed) > 1023) {
    throw new Error('a real image is a held-out image\'s number (0 to 1023) or "upload"');
  }
  return Number(trimmed);
}

/** "g1,g2,...;v1,v2,..." (the VAE part may be empty), each value rounded to 4 decimals. */
function realCodes(text) {
  const trimmed = String(text).replace(/\s+/g, '');
  if (trimmed === '') return '';
  const parts = trimmed.split(';');
  const lists = parts.map((part) => (part === '' ? [] : part.split(',')));
  const ok = parts.length === 2 && lists[0].length > 0 && lists.every((list) =>
    list.length <= LIMITS.latentDim && list.every((v) => v !== '' && Number.isFinite(Number(v)) &&
      Math.abs(Number(v)) <= 100));
  if (!ok) throw new Error('an image\'s codes are two lists of numbers joined by ";" (GAN;VAE)');
  return lists.map((list) => list.map((v) => String(Number(Number(v).toFixed(4)))).join(','))
    .join(';');
}

// Seeds are validated first, so the only characters left are digits, '-', ',', ';', '_', '+' and
// spaces; the canonical form has no spaces and commas only ("0-15,42"), which reads well in a link.
function normaliseSeedText(text) {
  return String(text).replace(/\s+/g, '').replaceAll(';', ',').replace(/,+/g, ',')
    .replace(/^,|,$/g, '');
}

/** Validate one value; returns {value} or {error} (a message for the user). */
export function checkValue(key, text) {
  if (!Object.hasOwn(CHECKS, key)) return { error: `there is no setting "${shorten(key)}"` };
  try {
    return { value: CHECKS[key](String(text)) };
  } catch (error) {
    return { error: error.message };
  }
}

/** Read a hash such as "#seed=42&mode=lerp" into {state, notices}; bad or unknown keys become
 * notices and their defaults are kept. */
export function parseHash(hash) {
  const state = { ...DEFAULTS };
  const notices = [];
  const text = String(hash || '').replace(/^#/, '');
  if (!text) return { state, notices };
  let params;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { state, notices: ['The link could not be read; showing the defaults.'] };
  }
  for (const [key, raw] of params) {
    // Own keys only: "__proto__" or "toString" are in every object, and are no setting.
    if (!Object.hasOwn(CHECKS, key)) {
      notices.push(`Ignored unknown link setting "${shorten(key)}".`);
      continue;
    }
    const { value, error } = checkValue(key, raw);
    if (error) {
      // The checker's message may quote the value: shorten it too (a link can be any length).
      notices.push(`Ignored ${key}="${shorten(raw)}" from the link: ${shorten(error, 100)}. ` +
        `Using ${key}="${DEFAULTS[key]}".`);
    } else {
      state[key] = value;
    }
  }
  return { state, notices };
}

/** The hash for a state, readable in the address bar (commas and dashes left unescaped). */
export function stateToHash(state) {
  const parts = KEYS.map((key) => {
    const value = encodeURIComponent(String(state[key] ?? DEFAULTS[key]));
    return `${key}=${value.replace(/%2C/g, ',')}`;
  });
  return `#${parts.join('&')}`;
}

function shorten(text, length = 40) {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
