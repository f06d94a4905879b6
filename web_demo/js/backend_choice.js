// Which backend the inference workers use when the person leaves it to the page ('auto'): the
// one a probe found fastest in this browser, remembered for PROBE_DAYS, else wasm. The probe
// itself (engine.probe) runs on a first visit once the first screen is live, never before it.
// No DOM here.

const PROBE_KEY = 'latentwalk-backend-probe/1';
const PROBE_DAYS = 30;

/** The probe's finding remembered in this browser ({backend, times, when, userAgent}), while it
 * is fresh; else null. */
export function rememberedProbe() {
  let cached = null;
  try {
    cached = JSON.parse(localStorage.getItem(PROBE_KEY) ?? 'null');
  } catch {
    cached = null;
  }
  const fresh = cached && Date.now() - cached.when < PROBE_DAYS * 864e5 &&
    cached.userAgent === navigator.userAgent;
  return fresh ? cached : null;
}

/** Remember a probe's finding ({backend, times}) for later visits. */
export function rememberProbe(result) {
  try {
    localStorage.setItem(PROBE_KEY, JSON.stringify({
      ...result, when: Date.now(), userAgent: navigator.userAgent,
    }));
  } catch {
    // storage may be off; the probe simply runs again next time
  }
}

/** The backend the workers start on for the link's `wanted` backend: the person's choice, else
 * the remembered probe's, else wasm. */
export function startingBackend(wanted) {
  if (wanted !== 'auto') return wanted;
  return rememberedProbe()?.backend ?? 'wasm';
}
