// Small DOM helpers the panels share: elements, buttons, each model's column and the notices.

/** A new element with an optional class and text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function button(text) {
  const node = element('button', '', text);
  node.type = 'button';
  return node;
}

/** A model's column in `parent`, headed by its name (its recipe on hover): the column, or null
 * (with the reason shown in it) when the model is not available. */
export function modelColumn(app, entry, parent, className) {
  const column = element('div', className);
  column.dataset.model = entry.id;
  const heading = element('h3', '', entry.name ?? entry.label ?? entry.id);
  heading.title = entry.label ?? entry.id;
  column.append(heading);
  parent.append(column);
  if (app.models[entry.id]) return column;
  column.append(element('p', 'column-error', `Not available: ${app.errors[entry.id]}`));
  return null;
}

/** A notice above the panels, which the person can dismiss. `source` 'link' marks notices
 * about the URL hash, replaced when the hash changes. */
export function showNotice(message, level = 'warning', source = 'page') {
  const item = element('p', `notice ${level}`);
  item.dataset.source = source;
  const close = button('×');
  close.className = 'dismiss';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', () => item.remove());
  item.append(element('span', '', message), close);
  document.getElementById('notices').append(item);
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with its attributes (and text). */
export function svg(tag, attributes = {}, text = '') {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text) node.textContent = text;
  return node;
}
