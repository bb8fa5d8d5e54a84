// The chat window and the sources panel (rag/web/chat_html.py makes their markup).
// Both gr.HTML components run this file once, on their own `element`; gradio then updates the
// element's children in place, so listeners sit on `element` and look things up when used.
// - a new turn scrolls into view (the question at the top of the chat window);
// - [n] shows its answer's card and scrolls the card's passage to the highlighted quote;
// - selecting an answer shows its cards; on a phone the sources are a view of their own;
// - the copy buttons put the answer (with its references) on the clipboard.
{
  const PHONE = '(max-width: 767px)';
  const app = element.closest('.gradio-container') || element.getRootNode();
  const find = (selector) => app.querySelector(selector);
  const isSources = Boolean(element.closest('#scr-sources'));

  // The nearest ancestor that scrolls (the chat window, the sources panel or a passage box).
  const scroller = (node) => {
    for (let box = node.parentElement; box; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) return box;
    }
    return null;
  };
  // Scrolls the box `target` sits in so that it is `gap` px below the box's top; then the page,
  // if the start of `target` (its first 200 px) is still outside the window.
  const scrollTo = (target, gap = 8) => {
    const box = scroller(target);
    if (box) box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - gap;
    const rect = target.getBoundingClientRect();
    const start = Math.min(rect.height, 200);
    if (rect.top < 0 || rect.top + start > window.innerHeight) target.scrollIntoView({block: 'start'});
  };
  // Each passage box scrolled so that its (first, or n's) highlighted quote is in view.
  const revealMarks = (scope, n) => {
    scope.querySelectorAll('.scr-passage').forEach((passage) => {
      const mark = (n && passage.querySelector(`mark[data-n~="${n}"]`)) || passage.querySelector('mark');
      if (!mark || passage.scrollHeight <= passage.clientHeight) return;
      const top = mark.getBoundingClientRect().top - passage.getBoundingClientRect().top + passage.scrollTop;
      passage.scrollTop = Math.max(0, top - passage.clientHeight / 4);
    });
  };

  const shownTurn = () => {
    const group = find('#scr-sources .scr-turn-sources:not([hidden])');
    return group ? group.dataset.turn : null;
  };
  // The answer whose cards are shown is marked in the chat window.
  const markSelected = () => {
    const turn = shownTurn();
    app.querySelectorAll('#scr-chat .scr-turn[data-turn]').forEach((t) => {
      t.classList.toggle('scr-selected', t.dataset.turn === turn);
    });
  };
  // On a phone the chat and the sources take turns on the screen.
  const phoneView = (view) => {
    const row = find('.scr-main');
    if (!row || !window.matchMedia(PHONE).matches) return;
    row.classList.toggle('scr-phone-sources', view === 'sources');
  };
  // Shows answer `turn`'s cards (from the top when they were not shown already).
  const showSources = (turn) => {
    const before = shownTurn();
    let shown = null;
    app.querySelectorAll('#scr-sources .scr-turn-sources').forEach((g) => {
      g.hidden = g.dataset.turn !== turn;
      if (!g.hidden) shown = g;
    });
    markSelected();
    if (!shown) return null;
    phoneView('sources');
    if (before !== turn) scrollTo(shown);
    revealMarks(shown);  // hidden until now (another answer's, or a phone's sources view): no layout before
    return shown;
  };
  const showCitation = (turn, n) => {
    const group = showSources(turn);
    const anchor = group && group.querySelector(`#cite-${turn}-${n}`);
    const card = anchor && anchor.closest('.scr-card');
    if (!card) return;
    scrollTo(card);
    revealMarks(card, n);
    card.classList.remove('scr-flash');
    void card.offsetWidth;  // restarts the flash when the same card is asked for again
    card.classList.add('scr-flash');
    card.focus({preventScroll: true});
  };

  const copyText = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {  // no clipboard API (a plain-http intranet page): the older way
      const area = document.createElement('textarea');
      area.value = text;
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
  };
  const copyAnswer = async (button) => {
    const turn = button.closest('.scr-turn');
    const held = turn.querySelector(`pre.scr-copy[data-format="${button.dataset.copy}"]`);
    const status = turn.querySelector('.scr-copy-status');
    await copyText(held.textContent);
    status.textContent = button.dataset.copy === 'markdown' ? 'Markdown copied' : 'Text copied';
    setTimeout(() => { status.textContent = ''; }, 3000);
  };

  element.addEventListener('click', (event) => {
    const target = event.target;
    const example = target.closest('.scr-example');
    const cite = target.closest('a.scr-cite');
    const sources = target.closest('.scr-show-sources');
    const copy = target.closest('button[data-copy]');
    if (example) {
      trigger('select', {index: Number(example.dataset.index), value: example.textContent});
    } else if (cite) {
      event.preventDefault();
      showCitation(cite.dataset.turn, cite.dataset.n);
    } else if (sources) {
      const group = showSources(sources.dataset.turn);
      if (group) scrollTo(group);
    } else if (copy) {
      copyAnswer(copy);
    } else if (target.closest('.scr-back-to-chat')) {
      phoneView('chat');
      const selected = find('#scr-chat .scr-turn.scr-selected');
      if (selected) scrollTo(selected);
    } else {  // a click on an answer (not while selecting its text) shows that answer's cards
      const turn = target.closest('#scr-chat .scr-turn[data-turn]:not(.scr-pending)');
      if (turn && !String(window.getSelection())) showSources(turn.dataset.turn);
    }
  });

  if (isSources) {
    watch('value', () => {  // a new answer's cards: each passage at its quote
      markSelected();
      const group = find('#scr-sources .scr-turn-sources:not([hidden])');
      if (group) revealMarks(group);
    });
  } else {
    let scrolled = null;  // the turn (or notice) last scrolled into view
    const follow = () => {
      const turns = element.querySelectorAll('.scr-turn');
      const latest = turns.length ? turns[turns.length - 1] : null;
      markSelected();
      if (!latest) { scrolled = null; return; }
      const key = latest.dataset.turn || `notice after ${turns.length - 1}`;  // a refused question
      if (key === scrolled) return;
      scrolled = key;
      phoneView('chat');  // a new question: its answer is what the reader waits for
      scrollTo(latest);
    };
    watch('value', follow);
    follow();
  }
}
