/* Yoyaku booking widget. Paste on a clinic's website:
 *   <div data-yoyaku-clinic="demo"></div>                       inline
 *   <button data-yoyaku-popup="demo">予約する</button>           opens it in a dialog
 *   <div data-yoyaku-floating="demo"></div>                     a corner button 予約する
 *   <script src="https://{yoyaku}/embed.js" async></script>
 * Options on the same element: data-yoyaku-menu, data-yoyaku-lang ("ja" | "en"),
 * data-yoyaku-accent ("#0a7d3b"). */
(function () {
  'use strict';
  var me = document.currentScript;
  var base = new URL(me ? me.src : '/embed.js', location.href).origin;
  var state = (window.__yoyaku = window.__yoyaku || { frames: [] });
  var frames = state.frames;

  function attr(el, name) {
    return el.getAttribute('data-yoyaku-' + name) || '';
  }
  function url(el, slug) {
    var q = new URLSearchParams({ origin: location.origin });
    ['menu', 'lang', 'accent'].forEach(function (k) {
      if (attr(el, k)) q.set(k, attr(el, k));
    });
    return base + '/w/' + encodeURIComponent(slug) + '?' + q.toString();
  }
  function frame(el, slug) {
    var f = document.createElement('iframe');
    f.src = url(el, slug);
    f.title = attr(el, 'lang') === 'en' ? 'Online booking' : 'オンライン予約';
    f.loading = 'lazy';
    f.className = 'yoyaku-frame';
    frames.push({ frame: f, host: el });
    return f;
  }

  if (!state.listening) {
    state.listening = true;
    var css = document.createElement('style');
    css.textContent =
      '.yoyaku-frame{display:block;width:100%;min-height:480px;border:0}' +
      '.yoyaku-dialog{width:min(560px,100vw);max-width:100vw;max-height:100vh;padding:0;border:0;border-radius:12px;overflow:auto}' +
      '.yoyaku-dialog::backdrop{background:rgba(0,0,0,.5)}' +
      '.yoyaku-close{position:sticky;top:0;float:right;margin:8px;font:inherit;font-size:1rem;padding:8px 14px;border:1px solid #555;border-radius:8px;background:#fff;color:#111;cursor:pointer}' +
      '.yoyaku-floating{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:inherit;font-size:1.1rem;font-weight:700;padding:14px 22px;border:0;border-radius:999px;background:var(--yoyaku-accent,#0a6b3a);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.3);cursor:pointer}';
    document.head.appendChild(css);
    window.addEventListener('message', function (e) {
      if (e.origin !== base || !e.data || typeof e.data.type !== 'string') return;
      frames.forEach(function (f) {
        if (f.frame.contentWindow !== e.source) return;
        var d = e.data;
        if (d.type === 'yoyaku:height' && d.height > 0 && d.height < 20000) f.frame.style.height = Math.ceil(d.height) + 'px';
        if (d.type === 'yoyaku:escape' && f.dialog) f.dialog.close();
        if (d.type === 'yoyaku:booked' && typeof d.reference === 'string') {
          f.host.dispatchEvent(new CustomEvent('yoyaku:booked', { bubbles: true, detail: { reference: d.reference, status: String(d.status) } }));
        }
      });
    });
  }

  // The popup: a modal <dialog> (the page behind is inert, Esc closes it), focus returned to
  // whatever opened it.
  function open(el, slug, opener) {
    var entry = frames.filter(function (f) { return f.host === el && f.dialog; })[0];
    if (!entry) {
      if (!window.HTMLDialogElement) return window.open(url(el, slug), '_blank', 'noopener');
      var dialog = document.createElement('dialog');
      dialog.className = 'yoyaku-dialog';
      dialog.setAttribute('aria-label', attr(el, 'lang') === 'en' ? 'Online booking' : 'オンライン予約');
      var close = document.createElement('button');
      close.type = 'button';
      close.className = 'yoyaku-close';
      close.textContent = attr(el, 'lang') === 'en' ? 'Close' : '閉じる';
      close.addEventListener('click', function () { dialog.close(); });
      var f = frame(el, slug);
      f.loading = 'eager';
      dialog.appendChild(close);
      dialog.appendChild(f);
      document.body.appendChild(dialog);
      entry = frames[frames.length - 1];
      entry.dialog = dialog;
      dialog.addEventListener('close', function () {
        if (entry.opener && entry.opener.focus) entry.opener.focus();
      });
    }
    entry.opener = opener;
    entry.dialog.showModal();
    entry.dialog.querySelector('.yoyaku-close').focus();
  }

  function mount() {
    document.querySelectorAll('[data-yoyaku-clinic]:not([data-yoyaku-ready])').forEach(function (el) {
      el.setAttribute('data-yoyaku-ready', '');
      el.appendChild(frame(el, attr(el, 'clinic')));
    });
    document.querySelectorAll('[data-yoyaku-popup]:not([data-yoyaku-ready])').forEach(function (el) {
      el.setAttribute('data-yoyaku-ready', '');
      el.addEventListener('click', function (e) {
        e.preventDefault();
        open(el, attr(el, 'popup'), el);
      });
    });
    document.querySelectorAll('[data-yoyaku-floating]:not([data-yoyaku-ready])').forEach(function (el) {
      el.setAttribute('data-yoyaku-ready', '');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'yoyaku-floating';
      b.textContent = attr(el, 'lang') === 'en' ? 'Book' : '予約する';
      if (attr(el, 'accent')) b.style.setProperty('--yoyaku-accent', attr(el, 'accent'));
      b.addEventListener('click', function () { open(el, attr(el, 'floating'), b); });
      el.appendChild(b);
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
