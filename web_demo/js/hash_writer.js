// The page's state in the URL hash, written as it changes. Browsers ignore
// history.replaceState when it is called too often (Chromium: more than 200 times in 10 s,
// e.g. while dragging a slider): a change is written at once, and changes that follow within
// HASH_MS are written together when it ends.
import { stateToHash } from './state.js';

const HASH_MS = 150;

/** A writer of `state()`'s hash: write() (throttled as above), link() (the page's link with
 * anything still waiting written now) and now() (written at once, e.g. before a reload). */
export function createHashWriter(state) {
  let timer = null;
  let pending = false;

  function now() {
    clearTimeout(timer);
    timer = null;
    pending = false;
    history.replaceState(null, '', stateToHash(state()));
  }

  function write() {
    if (timer !== null) {
      pending = true;
      return;
    }
    history.replaceState(null, '', stateToHash(state()));
    timer = setTimeout(() => {
      timer = null;
      if (pending) {
        pending = false;
        write();
      }
    }, HASH_MS);
  }

  function link() {
    now();
    return location.href;
  }

  return { write, link, now };
}
