// The page's whole state (seeds, walk, mode, steps, model) <-> the URL hash, so any view is a
// permalink. Every value is validated here, once; a bad value becomes a readable notice and falls
// back to its default instead of breaking the page. No DOM or TensorFlow here (Node tests it).
import { parseSeeds } from './latent.js';

export const LIMITS = { gridSeeds: 256, walkSeeds: 16, maxSteps: 64, atlasMinN: 4, atlasMaxN: 64 };
export const MODELS = ['gan', 'vae'];
export const MODES = ['slerp', 'lerp'];
export const PLANES = ['seeds', 'random'];
export const MEASURES = ['area', 'stretch'];

export const DEFAULTS = Object.freeze({
  model: 'gan',
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
});

// One checker per key: returns the clean value or throws an Error whose message tells the user
// what was expected.
const CHECKS = {
  model(text) {
    if (!MODELS.includes(text)) throw new Error(`model must be one of ${MODELS.join(', ')}`);
    return text;
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
};

export const KEYS = Object.keys(CHECKS);

// Seeds are validated first, so the only characters left are digits, '-', ',', ';', '_', '+' and
// spaces; the canonical form has no spaces and commas only ("0-15,42"), which reads well in a link.
function normaliseSeedText(text) {
  return String(text).replace(/\s+/g, '').replaceAll(';', ',').replace(/,+/g, ',')
    .replace(/^,|,$/g, '');
}

/** Validate one value; returns {value} or {error} (a message for the user). */
export function checkValue(key, text) {
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
    if (!(key in CHECKS)) {
      notices.push(`Ignored unknown link setting "${key}".`);
      continue;
    }
    const { value, error } = checkValue(key, raw);
    if (error) {
      notices.push(`Ignored ${key}="${shorten(raw)}" from the link: ${error}. ` +
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

function shorten(text) {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
