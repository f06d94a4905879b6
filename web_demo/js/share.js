// "Copy link": the page's whole state is in its link (state.js), so sharing a view is copying
// the address. Where the clipboard is refused (a page served over plain http from another
// host, a denied permission), the link is shown selected, to copy by hand.
const $ = (id) => document.getElementById(id);

/** Wire the Copy link button; `link()` gives the view's link, written up to date. */
export function bindCopyLink(link) {
  const status = $('copy-status');
  const field = $('share-link');
  $('copy-link').addEventListener('click', async () => {
    const url = link();
    try {
      await navigator.clipboard.writeText(url);
      field.hidden = true;
      status.textContent = 'Link copied.';
    } catch {
      field.value = url;
      field.hidden = false;
      field.select();
      status.textContent = 'Copy this link:';
    }
  });
}
