"""What the page adds for screen readers and keyboards, where gradio's components fall short.

Run once when the page (or the <gradio-app> component) loads, it watches the app and keeps:
- the sources panel a polite live region, so a new answer's sources are announced;
- each chat message's accessible name plain text: gradio names a message by its raw
  markdown (`bot's message: ... \\(child not named\\) ... **Case S**`), read out with its
  backslashes and asterisks; the name becomes the text as shown;
- the case list closed when Tab moves on: gradio's dropdown leaves its options open over
  its label after focus has left it.
"""

from __future__ import annotations

ACCESSIBILITY_JS = """
() => {
  const plainNames = () => {
    const sources = document.querySelector('#scr-sources');
    if (sources && sources.getAttribute('aria-live') !== 'polite') {
      sources.setAttribute('aria-live', 'polite');
      sources.setAttribute('aria-label', 'Sources of the latest answer');
    }
    for (const message of document.querySelectorAll('#scr-chat [aria-label*="s message: "]')) {
      const label = message.getAttribute('aria-label');
      const who = label.startsWith('user') ? 'Your question: ' : 'Answer: ';
      const body = message.querySelector('.message-content, .md, .prose');
      const name = who + (body || message).innerText.replace(/\\s+/g, ' ').trim().slice(0, 400);
      if (label !== name) message.setAttribute('aria-label', name);
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; plainNames(); });
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ['aria-label']});
  plainNames();
  // gradio's dropdown closes on blur, then its (asynchronous) keydown handler takes the Tab
  // for typing and opens it again: it never sees the Tab, and focus moves on as usual.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Tab' && event.target.closest && event.target.closest('#scr-case input')) {
      event.stopPropagation();
    }
  }, true);
}
"""
