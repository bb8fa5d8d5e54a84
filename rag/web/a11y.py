"""What the page adds for screen readers and keyboards, where gradio's components fall short.

Run once when the page (or the <gradio-app> component) loads, it watches the app and keeps:
- the sources panel a polite live region, so a new answer's sources are announced;
- the chat window a named region, and each question and answer in it a group named by its
  text as shown ("Your question: ...", "Answer: ..."), so a screen reader moving through the
  conversation hears who said what;
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
      sources.setAttribute('aria-label', 'Sources of the answer shown');
    }
    const chat = document.querySelector('#scr-chat');
    if (chat && chat.getAttribute('role') !== 'region') {
      chat.setAttribute('role', 'region');
      chat.setAttribute('aria-label', 'Conversation');
    }
    for (const message of document.querySelectorAll('#scr-chat .scr-q, #scr-chat .scr-a')) {
      const who = message.classList.contains('scr-q') ? 'Your question: ' : 'Answer: ';
      const name = who + message.innerText.replace(/\\s+/g, ' ').trim().slice(0, 400);
      if (message.getAttribute('aria-label') !== name) {
        message.setAttribute('role', 'group');
        message.setAttribute('aria-label', name);
      }
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
  // for typing and opens it again: it never sees the Tab, and focus moves on as usual. Its open
  // list, when it scrolls, is itself a Tab stop in Chromium, and focus would vanish with it as
  // it closes: it is taken out of the Tab order first.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Tab' && event.target.closest && event.target.closest('#scr-case input')) {
      event.stopPropagation();
      for (const list of document.querySelectorAll('#scr-case [role=listbox]')) list.tabIndex = -1;
    }
  }, true);
}
"""
