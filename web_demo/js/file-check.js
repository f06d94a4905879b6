// A classic script, so it runs even where ES modules cannot: browsers refuse to load this page's
// modules (and the models) from file://, which would leave "Loading models…" forever. Say why.
if (location.protocol === 'file:') {
  document.addEventListener('DOMContentLoaded', () => {
    const notice = document.createElement('p');
    notice.className = 'notice error';
    notice.textContent = 'This page must be served over HTTP, not opened as a file: run ' +
      '"python -m http.server --directory SITE 8000" and open http://localhost:8000/.';
    document.getElementById('notices').append(notice);
    document.querySelector('#loading h2').textContent = 'Cannot load models from a file';
  });
}
