// Inside the booking widget's frame (`/w/{clinic}`): tells the embedding page the height of the
// widget, so the frame grows with it and never scrolls inside, passes on Esc (a popup closes) and
// says when a booking was made.
// Only to the origin the server accepted as one of the clinic's websites (`data-host-origin`):
// no other window hears anything.
(function () {
  'use strict';
  if (window.parent === window) return;
  // Once per document: pages the router shows in place load this script again.
  if (window.__yoyakuWidget) return;
  window.__yoyakuWidget = true;
  function host() {
    var root = document.querySelector('[data-host-origin]');
    return root ? root.getAttribute('data-host-origin') : '';
  }
  function tell(message) {
    var origin = host();
    if (origin) window.parent.postMessage(message, origin);
  }
  var last = 0;
  function measure() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      tell({ type: 'yoyaku:height', height: height });
    }
  }
  if (window.ResizeObserver) new ResizeObserver(measure).observe(document.body);
  window.addEventListener('load', measure);
  measure();
  // A booking was made (the page the right code led to): the reference and the status only,
  // once per booking: a reload of this page (or Back to it) does not count it again. Storage
  // may be refused inside another site's frame; then it is told each time rather than never.
  var booked = document.querySelector('[data-booked-reference]');
  if (booked) {
    var reference = booked.getAttribute('data-booked-reference');
    var told = false;
    try {
      told = window.sessionStorage.getItem('yoyaku:booked:' + reference) === '1';
      window.sessionStorage.setItem('yoyaku:booked:' + reference, '1');
    } catch (e) { /* no storage: tell */ }
    if (!told) tell({ type: 'yoyaku:booked', reference: reference, status: booked.getAttribute('data-booked-status') });
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') tell({ type: 'yoyaku:escape' });
  });
})();
