/* Adds a "Copy" button to every command block of an article. Optional: without JavaScript the
 * commands are plain, selectable text. */
(function () {
  'use strict';
  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text, done); });
    } else {
      fallback(text, done);
    }
  }
  function fallback(text, done) {
    var ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'absolute';
    ta.style.left = '-9999px';
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand('copy'); done(); } catch (e) { /* nothing to do */ }
    document.body.removeChild(ta);
  }
  var blocks = document.querySelectorAll('pre.cmd');
  Array.prototype.forEach.call(blocks, function (pre) {
    var code = pre.querySelector('code');
    if (!code) return;
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'copy';
    b.textContent = 'Copy';
    b.setAttribute('aria-label', 'Copy the command');
    b.addEventListener('click', function () {
      copyText(code.textContent, function () {
        b.textContent = 'Copied';
        setTimeout(function () { b.textContent = 'Copy'; }, 1500);
      });
    });
    /* The button sits in a wrapper, not in the <pre>, so that it stays put when a long command
     * scrolls sideways. */
    var wrap = document.createElement('div');
    wrap.className = 'cmd-wrap';
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    wrap.appendChild(b);
  });
})();
