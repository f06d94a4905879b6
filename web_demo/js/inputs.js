// The page's inputs, tied to the state (state.js) through app.update, for every view: a typed
// value is checked once by state.js and refused in words beside its box; a select takes its
// value as it is. A field's view shows the state in it with field.show(value), which also takes
// back the message of a value it refused: once the box shows a value the page uses again, a
// stale "cannot read seeds 'abc'" beside it would describe something no longer there.
import { checkValue } from './state.js';

/** Wire a text or number input to the state key `key`: on change, check the text; refuse it in
 * `errorSpan` (which other fields and the view may share) or update the state. Returns
 * {input, show(value)}. */
export function bindInput(app, input, key, errorSpan) {
  let refused = null; // the message this field put in errorSpan, while it is there

  function mark(error) {
    input.setAttribute('aria-invalid', String(Boolean(error)));
    if (error) errorSpan.textContent = error;
    else if (refused !== null && errorSpan.textContent === refused) errorSpan.textContent = '';
    refused = error ?? null;
  }

  input.addEventListener('change', () => {
    const { value, error } = checkValue(key, input.value);
    mark(error);
    if (!error) app.update({ [key]: value });
  });
  return {
    input,
    /** Show the state's value in the box; a refused text it replaces takes its message along. */
    show(value) {
      input.value = String(value);
      if (refused !== null || input.getAttribute('aria-invalid') === 'true') mark(null);
    },
  };
}

/** Wire a <select> to the state key `key` (its options are the valid values). Returns
 * {input, show(value)}. */
export function bindSelect(app, select, key) {
  select.addEventListener('change', () => app.update({ [key]: select.value }));
  return {
    input: select,
    show(value) {
      select.value = String(value);
    },
  };
}
