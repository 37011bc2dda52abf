/*
 * Porvoo – Borgå citizen-service chat widget.
 * Plain JavaScript, no dependencies, no build step, nothing loaded from the internet.
 *
 * Embed with one tag:
 *   <script src="/static/widget.js" data-language="fi" defer></script>
 * Optional attributes:
 *   data-language   fi | sv | en   interface language and the language of a new conversation
 *   data-api-base   origin or path prefix of the API (default: the origin of this script's src)
 *   data-max-chars  message length limit (default 2000)
 *
 * The widget injects widget.css (from the same folder as widget.js), builds its DOM at the
 * end of <body> and exposes one global: window.PorvooChat = {open(), close(), reset()}.
 * Text from the server is only ever inserted as text nodes, never as HTML.
 */
(function () {
  'use strict';

  if (window.PorvooChat) {
    return; // included twice
  }

  var LANGS = ['fi', 'sv', 'en'];
  var LANGUAGE_NAMES = { fi: 'Suomi', sv: 'Svenska', en: 'English' };
  var SENDERS = ['resident', 'bot', 'staff', 'system'];
  var STORAGE_KEY = 'pbw.conversation.v1';
  var OPEN_KEY = 'pbw.open.v1';
  var API = '/api/webchat/conversations';
  var POLL_MS = 3000;
  var REQUEST_TIMEOUT_MS = 30000;
  var WS_MAX_BACKOFF_MS = 30000;

  /* All interface strings. The three languages have identical key sets. */
  var STRINGS = {
    fi: {
      launcherText: 'Chat',
      launcherLabel: 'Avaa chat – Porvoon kaupungin asiakaspalvelu',
      unreadOne: '1 uusi viesti',
      unreadMany: '{count} uutta viestiä',
      title: 'Porvoon kaupungin chat',
      subtitle: 'Kysy kaupungin palveluista',
      closeLabel: 'Sulje chat',
      languageLabel: 'Kieli',
      newConversation: 'Uusi keskustelu',
      logLabel: 'Keskustelu',
      inputLabel: 'Kirjoita viestisi',
      inputHint: 'Enter lähettää viestin, Shift + Enter lisää rivinvaihdon.',
      counter: '{count}/{max} merkkiä',
      counterOver: '{count}/{max} merkkiä – viesti on liian pitkä',
      sendText: 'Lähetä',
      sendLabel: 'Lähetä viesti',
      senderBot: 'Avustaja:',
      senderStaff: 'Asiakaspalvelija:',
      senderResident: 'Sinä:',
      senderSystem: 'Ilmoitus:',
      nameBot: 'Avustaja',
      nameStaff: 'Asiakaspalvelija',
      typing: 'Avustaja kirjoittaa…',
      buttonsLabel: 'Vastausvaihtoehdot',
      buttonChosen: '(valittu)',
      sending: 'Lähetetään…',
      linkNewTab: '(avautuu uuteen välilehteen)',
      handoffWaiting: 'Odotat asiakaspalvelijaa',
      handoffQueue: 'olet jonossa sijalla {position}',
      handoffWait: 'arvioitu odotus noin {minutes} min',
      handoffWaitShort: 'arvioitu odotus alle minuutin',
      handoffDepartment: 'Palvelu: {name}',
      handoffClaimed: 'Asiakaspalvelija on liittynyt keskusteluun',
      handoffClosed: 'Asiakaspalvelija on päättänyt keskustelun. Voit jatkaa kysymistä avustajalta.',
      handoffLeftMessage: 'Viestisi on välitetty asiakaspalveluun. Asiakaspalvelija käsittelee sen mahdollisimman pian.',
      errorSend: 'Viestin lähettäminen ei onnistunut. Yritä uudelleen.',
      errorTooLong: 'Viesti on liian pitkä. Enimmäispituus on {max} merkkiä.',
      errorInvalid: 'Viestiä ei voitu käsitellä. Tarkista viesti ja yritä uudelleen.',
      errorRateLimited: 'Olet lähettänyt liian monta viestiä. Odota {seconds} s ja yritä sitten uudelleen.',
      errorEmpty: 'Kirjoita ensin viesti.',
      errorStart: 'Chatin avaaminen ei onnistunut. Tarkista verkkoyhteys ja yritä uudelleen.',
      errorConnection: 'Yhteys palvelimeen on katkennut. Yritämme muodostaa sen uudelleen…',
      retry: 'Yritä uudelleen',
      noteRestarted: 'Edellinen keskustelu oli päättynyt, joten aloitimme uuden keskustelun.',
      noteExpired: 'Keskustelu on päättynyt. Uusi keskustelu alkaa, kun lähetät viestin.',
      newStaffMessage: 'Uusi viesti asiakaspalvelijalta',
      privacy: 'Älä kirjoita chattiin henkilötunnustasi tai terveystietojasi.'
    },
    sv: {
      launcherText: 'Chatt',
      launcherLabel: 'Öppna chatt – Borgå stads kundtjänst',
      unreadOne: '1 nytt meddelande',
      unreadMany: '{count} nya meddelanden',
      title: 'Borgå stads chatt',
      subtitle: 'Fråga om stadens tjänster',
      closeLabel: 'Stäng chatten',
      languageLabel: 'Språk',
      newConversation: 'Ny diskussion',
      logLabel: 'Diskussion',
      inputLabel: 'Skriv ditt meddelande',
      inputHint: 'Enter skickar meddelandet, Shift + Enter ger en ny rad.',
      counter: '{count}/{max} tecken',
      counterOver: '{count}/{max} tecken – meddelandet är för långt',
      sendText: 'Skicka',
      sendLabel: 'Skicka meddelandet',
      senderBot: 'Assistenten:',
      senderStaff: 'Kundrådgivaren:',
      senderResident: 'Du:',
      senderSystem: 'Information:',
      nameBot: 'Assistenten',
      nameStaff: 'Kundrådgivaren',
      typing: 'Assistenten skriver…',
      buttonsLabel: 'Svarsalternativ',
      buttonChosen: '(vald)',
      sending: 'Skickas…',
      linkNewTab: '(öppnas i en ny flik)',
      handoffWaiting: 'Du väntar på en kundrådgivare',
      handoffQueue: 'du är nummer {position} i kön',
      handoffWait: 'uppskattad väntetid cirka {minutes} min',
      handoffWaitShort: 'uppskattad väntetid under en minut',
      handoffDepartment: 'Tjänst: {name}',
      handoffClaimed: 'En kundrådgivare har anslutit sig till diskussionen',
      handoffClosed: 'Kundrådgivaren har avslutat diskussionen. Du kan fortsätta att ställa frågor till assistenten.',
      handoffLeftMessage: 'Ditt meddelande har förmedlats till kundtjänsten. En kundrådgivare behandlar det så snart som möjligt.',
      errorSend: 'Meddelandet kunde inte skickas. Försök på nytt.',
      errorTooLong: 'Meddelandet är för långt. Det får vara högst {max} tecken.',
      errorInvalid: 'Meddelandet kunde inte behandlas. Kontrollera meddelandet och försök på nytt.',
      errorRateLimited: 'Du har skickat för många meddelanden. Vänta {seconds} s och försök sedan på nytt.',
      errorEmpty: 'Skriv först ett meddelande.',
      errorStart: 'Chatten kunde inte öppnas. Kontrollera nätförbindelsen och försök på nytt.',
      errorConnection: 'Förbindelsen till servern har brutits. Vi försöker återställa den…',
      retry: 'Försök på nytt',
      noteRestarted: 'Den tidigare diskussionen hade avslutats, så vi inledde en ny diskussion.',
      noteExpired: 'Diskussionen har avslutats. En ny diskussion inleds när du skickar ett meddelande.',
      newStaffMessage: 'Nytt meddelande från en kundrådgivare',
      privacy: 'Skriv inte din personbeteckning eller dina hälsouppgifter i chatten.'
    },
    en: {
      launcherText: 'Chat',
      launcherLabel: 'Open chat – City of Porvoo customer service',
      unreadOne: '1 new message',
      unreadMany: '{count} new messages',
      title: 'City of Porvoo chat',
      subtitle: 'Ask about city services',
      closeLabel: 'Close chat',
      languageLabel: 'Language',
      newConversation: 'New conversation',
      logLabel: 'Conversation',
      inputLabel: 'Write your message',
      inputHint: 'Enter sends the message, Shift + Enter adds a new line.',
      counter: '{count}/{max} characters',
      counterOver: '{count}/{max} characters – the message is too long',
      sendText: 'Send',
      sendLabel: 'Send message',
      senderBot: 'Assistant:',
      senderStaff: 'Customer service agent:',
      senderResident: 'You:',
      senderSystem: 'Notice:',
      nameBot: 'Assistant',
      nameStaff: 'Customer service agent',
      typing: 'The assistant is typing…',
      buttonsLabel: 'Reply options',
      buttonChosen: '(selected)',
      sending: 'Sending…',
      linkNewTab: '(opens in a new tab)',
      handoffWaiting: 'You are waiting for a customer service agent',
      handoffQueue: 'you are number {position} in the queue',
      handoffWait: 'estimated wait about {minutes} min',
      handoffWaitShort: 'estimated wait less than a minute',
      handoffDepartment: 'Service: {name}',
      handoffClaimed: 'A customer service agent has joined the conversation',
      handoffClosed: 'The customer service agent has ended the conversation. You can keep asking the assistant.',
      handoffLeftMessage: 'Your message has been passed on to customer service. An agent will handle it as soon as possible.',
      errorSend: 'The message could not be sent. Please try again.',
      errorTooLong: 'The message is too long. The maximum length is {max} characters.',
      errorInvalid: 'The message could not be processed. Check the message and try again.',
      errorRateLimited: 'You have sent too many messages. Wait {seconds} s and then try again.',
      errorEmpty: 'Write a message first.',
      errorStart: 'The chat could not be opened. Check your network connection and try again.',
      errorConnection: 'The connection to the server was lost. Trying to reconnect…',
      retry: 'Try again',
      noteRestarted: 'The previous conversation had ended, so a new conversation was started.',
      noteExpired: 'The conversation has ended. A new conversation will start when you send a message.',
      newStaffMessage: 'New message from customer service',
      privacy: 'Do not write your personal identity code or health information in the chat.'
    }
  };

  var SENDER_LABEL_KEY = {
    bot: 'senderBot', staff: 'senderStaff', resident: 'senderResident', system: 'senderSystem'
  };
  var SENDER_NAME_KEY = { bot: 'nameBot', staff: 'nameStaff' };
  var LOCALE = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB' };

  /* ------------------------------------------------------------------ configuration */

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src]');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/widget\.js(?:[?#]|$)/.test(all[i].src)) { return all[i]; }
    }
    return null;
  })();

  function scriptAttr(name) {
    return script ? script.getAttribute(name) : null;
  }

  var scriptSrc = script && script.src ? script.src : '';

  function validLang(value) {
    value = String(value || '').toLowerCase().slice(0, 2);
    return LANGS.indexOf(value) >= 0 ? value : null;
  }

  var apiBase = (function () {
    var given = (scriptAttr('data-api-base') || '').trim();
    if (given) { return given.replace(/\/+$/, ''); }
    try {
      var origin = new URL(scriptSrc, location.href).origin;
      return origin && origin !== 'null' ? origin : '';
    } catch (e) {
      return '';
    }
  })();

  var cssHref = (function () {
    try {
      var src = new URL(scriptSrc || 'widget.js', location.href);
      var css = new URL('widget.css', src);
      css.search = src.search; // same cache-busting query as widget.js
      return css.href;
    } catch (e) {
      return null;
    }
  })();

  var maxChars = (function () {
    var n = parseInt(scriptAttr('data-max-chars'), 10);
    return n > 0 ? n : 2000;
  })();

  var defaultLang = validLang(scriptAttr('data-language')) ||
    validLang(document.documentElement.getAttribute('lang')) || 'fi';

  /* ------------------------------------------------------------------ state */

  var state = {
    uiLang: defaultLang,
    convLang: null,        // language of the conversation as the server last reported it
    conversationId: null,
    cursor: '',
    mode: 'bot',
    handoff: null,
    isOpen: false,
    gen: 0,                // bumped on reset; async results of an older generation are ignored
    starting: null,        // promise of a conversation being created
    restoring: null,       // promise of the history being fetched after a reload
    historyLoaded: true,   // false until the history of a restored conversation is drawn
    sending: false,
    ws: null,
    wsRetry: 0,
    wsTimer: null,
    pollTimer: null,
    pollTick: 0,
    failures: 0,
    catchUpRunning: null,
    catchUpAgain: false,
    seen: Object.create(null), // message id -> element
    echoes: [],                // local echoes of the resident's messages not yet matched to an id
    lastSender: null,
    unread: 0,
    rateLimitedUntil: 0,
    rateTimer: null,
    errorKey: null,
    errorVars: null,
    errorRetry: null,
    bannerStatus: null,
    typingTimer: null,
    counterOver: false
  };

  /* ------------------------------------------------------------------ helpers */

  function t(key, vars, lang) {
    var table = STRINGS[lang || state.uiLang] || STRINGS.fi;
    var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : STRINGS.fi[key];
    if (text == null) { return key; }
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (m, name) {
        return vars[name] != null ? String(vars[name]) : m;
      });
    }
    return text;
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var ICONS = {
    chat: ['M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'],
    close: ['M6 6l12 12', 'M18 6L6 18'],
    plus: ['M12 5v14', 'M5 12h14'],
    send: ['M22 2L11 13', 'M22 2l-7 20-4-9-9-4z'],
    info: ['M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z', 'M12 16v-5', 'M12 8h.01'],
    alert: ['M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
      'M12 9v4', 'M12 17h.01']
  };

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'pbw-icon');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '20');
    svg.setAttribute('height', '20');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    ICONS[name].forEach(function (d) {
      var path = document.createElementNS(SVG_NS, 'path');
      path.setAttribute('d', d);
      svg.appendChild(path);
    });
    return svg;
  }

  /* el('div', {class: 'x', 'data-testid': 'y'}, [child, 'text']) */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) { return; }
        if (name === 'text') {
          node.textContent = value;
        } else {
          node.setAttribute(name, value === true ? '' : String(value));
        }
      });
    }
    if (children != null) {
      (Array.isArray(children) ? children : [children]).forEach(function (child) {
        if (child == null) { return; }
        node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
      });
    }
    return node;
  }

  function codePoints(text) {
    return Array.from(text || '').length;
  }

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }

  function storageSet(store, key, value) {
    try {
      if (value === null) { window[store].removeItem(key); } else { window[store].setItem(key, value); }
    } catch (e) { /* storage disabled: the widget still works for this page view */ }
  }

  function save() {
    if (!state.conversationId) {
      storageSet('localStorage', STORAGE_KEY, null);
      return;
    }
    storageSet('localStorage', STORAGE_KEY, JSON.stringify({
      conversation_id: state.conversationId,
      cursor: state.cursor,
      language: state.convLang
    }));
  }

  function loadSaved() {
    var raw = storageGet('localStorage', STORAGE_KEY);
    if (!raw) { return null; }
    try {
      var data = JSON.parse(raw);
      if (data && typeof data.conversation_id === 'string' && data.conversation_id) { return data; }
    } catch (e) { /* ignore a broken entry */ }
    storageSet('localStorage', STORAGE_KEY, null);
    return null;
  }

  function prefersReducedMotion() {
    return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  /* ------------------------------------------------------------------ HTTP */

  function apiUrl(path) {
    return apiBase + path;
  }

  function conversationPath(id, rest) {
    return API + '/' + encodeURIComponent(id) + (rest || '');
  }

  /* Resolves {status, data, headers}; rejects only on network failure or timeout. */
  function request(method, path, body) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var init = {
      method: method,
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store'
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (controller) { init.signal = controller.signal; }
    return fetch(apiUrl(path), init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        if (text) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        return { status: response.status, data: data, headers: response.headers };
      });
    }).finally(function () {
      if (timer) { clearTimeout(timer); }
    });
  }

  function retryAfterSeconds(headers) {
    var value = headers && headers.get('Retry-After');
    if (value) {
      var seconds = parseInt(value, 10);
      if (/^\s*\d+\s*$/.test(value) && seconds >= 0) { return Math.max(1, seconds); }
      var date = Date.parse(value);
      if (!isNaN(date)) { return Math.max(1, Math.ceil((date - Date.now()) / 1000)); }
    }
    return 10;
  }

  /* ------------------------------------------------------------------ DOM */

  var bindings = []; // [node, attribute or null for text, key]

  function bind(node, attribute, key) {
    bindings.push([node, attribute, key]);
    return node;
  }

  var root = el('div', { class: 'pbw-root', lang: state.uiLang, 'data-testid': 'root' });
  root.style.display = 'none'; // until widget.css has loaded (no flash of unstyled content)

  var launcherText = bind(el('span', { class: 'pbw-launcher-text' }), null, 'launcherText');
  var launcherBadge = el('span', { class: 'pbw-badge', 'aria-hidden': 'true', hidden: true });
  var launcher = el('button', {
    type: 'button',
    class: 'pbw-launcher',
    'data-testid': 'launcher',
    'aria-expanded': 'false',
    'aria-controls': 'pbw-panel'
  }, [icon('chat'), launcherText, launcherBadge]);

  var title = bind(el('h2', { id: 'pbw-title', class: 'pbw-title' }), null, 'title');
  var subtitle = bind(el('p', { class: 'pbw-subtitle' }), null, 'subtitle');
  var closeButton = el('button', { type: 'button', class: 'pbw-iconbutton pbw-close', 'data-testid': 'close' },
    [icon('close')]);
  bind(closeButton, 'aria-label', 'closeLabel');
  bind(closeButton, 'title', 'closeLabel');

  var header = el('div', { class: 'pbw-header' }, [
    el('div', { class: 'pbw-heading' }, [title, subtitle]),
    closeButton
  ]);

  var langSelect = el('select', { id: 'pbw-language', class: 'pbw-select', 'data-testid': 'language' });
  LANGS.forEach(function (code) {
    langSelect.appendChild(el('option', { value: code, lang: code, text: LANGUAGE_NAMES[code] }));
  });
  var langLabel = bind(el('label', { for: 'pbw-language', class: 'pbw-select-label' }), null, 'languageLabel');
  var resetButton = el('button', { type: 'button', class: 'pbw-textbutton', 'data-testid': 'reset' },
    [icon('plus'), bind(el('span'), null, 'newConversation')]);

  var toolbar = el('div', { class: 'pbw-toolbar' }, [
    el('div', { class: 'pbw-language' }, [langLabel, langSelect]),
    resetButton
  ]);

  var bannerText = el('span', { class: 'pbw-banner-text' });
  var bannerDetail = el('span', { class: 'pbw-banner-detail' });
  var banner = el('div', { class: 'pbw-banner', 'data-testid': 'handoff-banner', hidden: true }, [
    icon('info'), el('div', { class: 'pbw-banner-body' }, [bannerText, bannerDetail])
  ]);

  var log = el('div', {
    class: 'pbw-log',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-atomic': 'false',
    tabindex: '0',
    'data-testid': 'message-list'
  });
  bind(log, 'aria-label', 'logLabel');

  var typingText = bind(el('span', { class: 'pbw-typing-text' }), null, 'typing');
  var typing = el('div', { class: 'pbw-typing', 'data-testid': 'typing', hidden: true }, [
    el('span', { class: 'pbw-dots', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')]),
    typingText
  ]);

  var errorBox = el('div', { class: 'pbw-error', role: 'alert', 'data-testid': 'error' });

  var input = el('textarea', {
    id: 'pbw-input',
    class: 'pbw-input',
    rows: '2',
    'data-testid': 'input',
    'aria-describedby': 'pbw-hint pbw-counter',
    autocomplete: 'off',
    spellcheck: 'true'
  });
  var inputLabel = bind(el('label', { for: 'pbw-input', class: 'pbw-input-label' }), null, 'inputLabel');
  var hint = bind(el('span', { id: 'pbw-hint', class: 'pbw-hint' }), null, 'inputHint');
  var counter = el('span', { id: 'pbw-counter', class: 'pbw-counter', 'data-testid': 'counter' });
  var sendText = bind(el('span', { class: 'pbw-send-text' }), null, 'sendText');
  var sendButton = el('button', { type: 'submit', class: 'pbw-send', 'data-testid': 'send' },
    [sendText, icon('send')]);
  bind(sendButton, 'aria-label', 'sendLabel');

  var form = el('form', { class: 'pbw-form', novalidate: true }, [
    inputLabel,
    el('div', { class: 'pbw-input-row' }, [input, sendButton]),
    el('div', { class: 'pbw-form-info' }, [hint, counter])
  ]);

  var privacy = bind(el('p', { class: 'pbw-privacy' }), null, 'privacy');

  /* Announcements that are not messages (typing, handoff status, counter over the limit). */
  var announcer = el('div', { class: 'pbw-vh', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });

  var panel = el('div', {
    id: 'pbw-panel',
    class: 'pbw-panel',
    role: 'dialog',
    'aria-labelledby': 'pbw-title',
    'aria-modal': 'false',
    'data-testid': 'panel',
    hidden: true
  }, [header, toolbar, banner, log, typing, errorBox, form, privacy]);

  root.appendChild(launcher);
  root.appendChild(panel);
  root.appendChild(announcer);

  /* ------------------------------------------------------------------ interface language */

  function applyStrings() {
    root.setAttribute('lang', state.uiLang);
    bindings.forEach(function (b) {
      var text = t(b[2]);
      if (b[1]) { b[0].setAttribute(b[1], text); } else { b[0].textContent = text; }
    });
    langSelect.value = state.uiLang;
    updateLauncherLabel();
    updateCounter();
    renderBanner(false);
    renderError();
    var labels = log.querySelectorAll('[data-pbw-label]');
    for (var i = 0; i < labels.length; i++) {
      labels[i].textContent = t(SENDER_LABEL_KEY[labels[i].getAttribute('data-pbw-label')]) + ' ';
    }
    var names = log.querySelectorAll('[data-pbw-name]');
    for (var j = 0; j < names.length; j++) {
      names[j].textContent = t(SENDER_NAME_KEY[names[j].getAttribute('data-pbw-name')]);
    }
    var chosen = log.querySelectorAll('.pbw-chosen-text');
    for (var k = 0; k < chosen.length; k++) {
      chosen[k].textContent = ' ' + t('buttonChosen');
    }
    var pending = log.querySelectorAll('.pbw-msg--pending .pbw-meta');
    for (var m = 0; m < pending.length; m++) {
      pending[m].textContent = t('sending');
    }
    var newTab = log.querySelectorAll('.pbw-newtab');
    for (var n = 0; n < newTab.length; n++) {
      newTab[n].textContent = ' ' + t('linkNewTab');
    }
    var groups = log.querySelectorAll('.pbw-buttons');
    for (var g = 0; g < groups.length; g++) {
      groups[g].setAttribute('aria-label', t('buttonsLabel'));
    }
  }

  function setUiLang(lang) {
    lang = validLang(lang);
    if (!lang || lang === state.uiLang) { return; }
    state.uiLang = lang;
    applyStrings();
  }

  function updateLauncherLabel() {
    var label = t('launcherLabel');
    if (state.unread > 0) {
      label += ', ' + (state.unread === 1 ? t('unreadOne') : t('unreadMany', { count: state.unread }));
      launcherBadge.textContent = String(state.unread);
      launcherBadge.hidden = false;
    } else {
      launcherBadge.hidden = true;
      launcherBadge.textContent = '';
    }
    launcher.setAttribute('aria-label', label);
  }

  /* ------------------------------------------------------------------ announcements */

  var announceTimer = null;

  function announce(text) {
    clearTimeout(announceTimer);
    announcer.textContent = '';
    announceTimer = setTimeout(function () { announcer.textContent = text; }, 60);
  }

  /* Runs fn with the log's live region switched off: the resident's own messages and a
     redrawn history are not read out again. The region is switched back on shortly after,
     or at once when a message that should be announced is added. */
  var liveTimer = null;

  function liveOn() {
    clearTimeout(liveTimer);
    log.setAttribute('aria-live', 'polite');
  }

  function silently(fn) {
    clearTimeout(liveTimer);
    log.setAttribute('aria-live', 'off');
    try {
      fn();
    } finally {
      liveTimer = setTimeout(liveOn, 100);
    }
  }

  /* ------------------------------------------------------------------ error line */

  function showError(key, vars, retry) {
    state.errorKey = key;
    state.errorVars = vars || null;
    state.errorRetry = retry || null;
    renderError();
  }

  function clearError(onlyKey) {
    if (onlyKey && state.errorKey !== onlyKey) { return; }
    if (!state.errorKey) { return; }
    state.errorKey = null;
    state.errorVars = null;
    state.errorRetry = null;
    renderError();
  }

  function renderError() {
    while (errorBox.firstChild) { errorBox.removeChild(errorBox.firstChild); }
    errorBox.removeAttribute('data-error');
    if (!state.errorKey) { return; }
    errorBox.setAttribute('data-error', state.errorKey);
    errorBox.appendChild(icon('alert'));
    errorBox.appendChild(el('span', { class: 'pbw-error-text', text: t(state.errorKey, state.errorVars) }));
    if (state.errorRetry) {
      var retry = state.errorRetry;
      var button = el('button', { type: 'button', class: 'pbw-textbutton pbw-retry', text: t('retry') });
      button.addEventListener('click', function () {
        clearError();
        input.focus(); // the retry button disappears with the message
        retry();
      });
      errorBox.appendChild(button);
    }
  }

  /* ------------------------------------------------------------------ character counter */

  function updateCounter() {
    var count = codePoints(input.value);
    var over = count > maxChars;
    counter.textContent = t(over ? 'counterOver' : 'counter', { count: count, max: maxChars });
    counter.classList.toggle('pbw-counter--over', over);
    if (over) { input.setAttribute('aria-invalid', 'true'); } else { input.removeAttribute('aria-invalid'); }
    if (over && !state.counterOver) { announce(counter.textContent); }
    if (!over) { clearError('errorTooLong'); }
    state.counterOver = over;
  }

  function autoGrow() {
    input.style.height = 'auto';
    if (input.scrollHeight > 0) { input.style.height = input.scrollHeight + 2 + 'px'; }
  }

  /* ------------------------------------------------------------------ typing indicator */

  function showTyping() {
    typing.hidden = false;
    scrollToBottom(true);
    clearTimeout(state.typingTimer);
    // Announce only if the reply does not come at once, to keep screen readers quiet.
    state.typingTimer = setTimeout(function () {
      if (!typing.hidden) { announce(t('typing')); }
    }, 1200);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    typing.hidden = true;
  }

  /* ------------------------------------------------------------------ handoff banner */

  function bannerContent() {
    var h = state.handoff;
    if (!h || typeof h !== 'object') { return null; }
    var detail = h.department_name ? t('handoffDepartment', { name: h.department_name }) : '';
    switch (h.status) {
      case 'waiting': {
        var text = t('handoffWaiting');
        var position = typeof h.queue_position === 'number' ? h.queue_position : null;
        var minutes = typeof h.estimated_wait_minutes === 'number' ? Math.round(h.estimated_wait_minutes) : null;
        if (position !== null && position > 0) { text += ' – ' + t('handoffQueue', { position: position }); }
        if (minutes !== null) {
          text += (position !== null && position > 0 ? ', ' : ' – ') +
            (minutes < 1 ? t('handoffWaitShort') : t('handoffWait', { minutes: minutes }));
        }
        return { text: text, detail: detail };
      }
      case 'claimed':
      case 'answered':
        return { text: t('handoffClaimed'), detail: detail };
      case 'closed':
        return { text: t('handoffClosed'), detail: '' };
      case 'left_message':
        return { text: t('handoffLeftMessage'), detail: detail };
      default:
        return null;
    }
  }

  function renderBanner(mayAnnounce) {
    var content = bannerContent();
    var status = content ? state.handoff.status : null;
    if (!content) {
      banner.hidden = true;
      banner.removeAttribute('data-status');
      bannerText.textContent = '';
      bannerDetail.textContent = '';
    } else {
      banner.hidden = false;
      banner.setAttribute('data-status', status);
      bannerText.textContent = content.text;
      bannerDetail.textContent = content.detail;
      bannerDetail.hidden = !content.detail;
      // Announce a change of status (not every change of the queue position).
      if (mayAnnounce && status !== state.bannerStatus && state.isOpen) {
        announce(content.text);
      }
    }
    if (mayAnnounce !== false || !content) { state.bannerStatus = status; }
    root.setAttribute('data-mode', state.mode);
  }

  /* ------------------------------------------------------------------ messages */

  var LINK_RE = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s()<>]+)\)|(https?:\/\/[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

  function safeHttpUrl(candidate) {
    try {
      var url = new URL(candidate);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function makeLink(href, text, newTab) {
    var a = el('a', { href: href, class: 'pbw-link' });
    a.textContent = text;
    if (newTab) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.appendChild(el('span', { class: 'pbw-vh pbw-newtab', text: ' ' + t('linkNewTab') }));
    }
    return a;
  }

  /* Appends text to node as text nodes; http(s) URLs, [text](url) and e-mail addresses become links. */
  function appendRichText(node, text) {
    text = String(text == null ? '' : text);
    var last = 0;
    var match;
    LINK_RE.lastIndex = 0;
    while ((match = LINK_RE.exec(text)) !== null) {
      var start = match.index;
      var whole = match[0];
      var linkNode = null;
      if (match[1] !== undefined) {
        var href = safeHttpUrl(match[2]);
        if (href) { linkNode = makeLink(href, match[1], true); }
      } else if (match[3] !== undefined) {
        // Leave trailing punctuation out of the address ("see https://x.fi/a.").
        var raw = match[3];
        var trail = /[.,;:!?'"»”)\]]+$/.exec(raw);
        if (trail) {
          var cut = trail[0];
          if (cut.charAt(0) === ')' && raw.indexOf('(') >= 0) { cut = cut.slice(1); }
          raw = raw.slice(0, raw.length - cut.length);
        }
        var url = safeHttpUrl(raw);
        if (url) {
          linkNode = makeLink(url, raw, true);
          whole = raw;
        }
      } else if (match[4] !== undefined) {
        linkNode = makeLink('mailto:' + match[4], match[4], false);
      }
      if (!linkNode) { continue; }
      if (start > last) { node.appendChild(document.createTextNode(text.slice(last, start))); }
      node.appendChild(linkNode);
      last = start + whole.length;
      LINK_RE.lastIndex = last;
    }
    if (last < text.length) { node.appendChild(document.createTextNode(text.slice(last))); }
  }

  function formatTime(iso) {
    if (!iso) { return null; }
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return null; }
    try {
      return new Intl.DateTimeFormat(LOCALE[state.uiLang], { hour: '2-digit', minute: '2-digit' }).format(date);
    } catch (e) {
      return date.toTimeString().slice(0, 5);
    }
  }

  /* The log follows new messages while the reader is at the bottom ("pinned"); a reader who
     has scrolled up to read older messages is not moved. */
  var pinned = true;

  function isNearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  }

  function scrollToBottom(force) {
    if (force || pinned) {
      log.scrollTop = log.scrollHeight;
      pinned = true;
    }
  }

  log.addEventListener('scroll', function () {
    if (log.clientHeight > 0) { pinned = isNearBottom(); }
  });

  if (typeof ResizeObserver === 'function') {
    // The banner, the error line or a growing input box make the log shorter.
    new ResizeObserver(function () {
      if (pinned && log.clientHeight > 0) { log.scrollTop = log.scrollHeight; }
    }).observe(log);
  }

  function renderButtons(buttons, lang) {
    var list = Array.isArray(buttons) ? buttons.filter(function (b) {
      return b && typeof b === 'object' && (b.title || b.payload);
    }) : [];
    if (!list.length) { return null; }
    var group = el('div', { class: 'pbw-buttons', role: 'group', 'aria-label': t('buttonsLabel') });
    list.forEach(function (b) {
      var label = String(b.title != null && b.title !== '' ? b.title : b.payload);
      var button = el('button', { type: 'button', class: 'pbw-choice', lang: lang, 'data-testid': 'choice' });
      button.appendChild(el('span', { class: 'pbw-choice-text', text: label }));
      button.addEventListener('click', function () {
        if (group.getAttribute('data-used') === 'true') { return; }
        chooseButton(group, button, label, b.payload != null ? String(b.payload) : null);
      });
      group.appendChild(button);
    });
    return group;
  }

  function setGroupUsed(group, chosenButton) {
    var all = group.querySelectorAll('button');
    for (var i = 0; i < all.length; i++) {
      all[i].disabled = !!chosenButton;
      all[i].classList.remove('pbw-choice--chosen');
      var mark = all[i].querySelector('.pbw-chosen-text');
      if (mark) { mark.parentNode.removeChild(mark); }
    }
    if (chosenButton) {
      group.setAttribute('data-used', 'true');
      chosenButton.classList.add('pbw-choice--chosen');
      chosenButton.appendChild(el('span', { class: 'pbw-vh pbw-chosen-text', text: ' ' + t('buttonChosen') }));
    } else {
      group.removeAttribute('data-used');
    }
  }

  function chooseButton(group, button, title, payload) {
    if (state.sending) { return; }
    setGroupUsed(group, button);
    input.focus(); // the disabled button can no longer hold focus
    sendMessage(title, payload, { typed: false }).then(function (ok) {
      if (!ok) { setGroupUsed(group, null); }
    });
  }

  function buildMessage(msg, lang, pending) {
    var sender = SENDERS.indexOf(msg.sender) >= 0 ? msg.sender : 'system';
    var item = el('div', {
      class: 'pbw-msg pbw-msg--' + sender + (pending ? ' pbw-msg--pending' : ''),
      'data-testid': 'message',
      'data-sender': sender,
      'data-id': msg.id != null ? String(msg.id) : null
    });
    if (SENDER_NAME_KEY[sender] && state.lastSender !== sender) {
      item.appendChild(el('div', {
        class: 'pbw-name', 'aria-hidden': 'true', 'data-pbw-name': sender, text: t(SENDER_NAME_KEY[sender])
      }));
    }
    var bubble = el('div', { class: 'pbw-bubble' });
    bubble.appendChild(el('span', {
      class: 'pbw-vh', 'data-pbw-label': sender, text: t(SENDER_LABEL_KEY[sender]) + ' '
    }));
    var text = el('p', { class: 'pbw-text', lang: lang || null });
    appendRichText(text, msg.text);
    bubble.appendChild(text);
    item.appendChild(bubble);
    var buttons = renderButtons(msg.buttons, lang);
    if (buttons) { item.appendChild(buttons); }
    var meta = el('div', { class: 'pbw-meta', 'aria-hidden': 'true' });
    if (pending) {
      meta.textContent = t('sending');
    } else {
      setMetaTime(meta, msg.created_at);
    }
    item.appendChild(meta);
    state.lastSender = sender;
    return item;
  }

  function setMetaTime(meta, iso) {
    meta.textContent = '';
    var time = formatTime(iso);
    if (time) {
      meta.appendChild(el('time', { datetime: iso, text: time }));
    }
  }

  function append(node, announceIt) {
    var stick = pinned || !announceIt;
    if (announceIt) {
      liveOn();
      log.appendChild(node);
    } else {
      silently(function () { log.appendChild(node); });
    }
    scrollToBottom(stick);
  }

  /* Adds one server message unless already shown. opts: {announce, lang} */
  function addMessage(msg, opts) {
    if (!msg || typeof msg !== 'object') { return; }
    opts = opts || {};
    var id = msg.id != null ? String(msg.id) : null;
    if (id && state.seen[id]) { return; }
    var lang = validLang(msg.language) || opts.lang || state.convLang || state.uiLang;
    if (msg.sender === 'resident') {
      var echo = takeEcho(msg.text);
      if (echo) {
        if (id) {
          echo.node.setAttribute('data-id', id);
          state.seen[id] = echo.node;
        }
        confirmEcho(echo, msg.created_at, lang);
        return;
      }
    }
    var node = buildMessage(msg, lang, false);
    if (id) { state.seen[id] = node; }
    var live = !!opts.announce && msg.sender !== 'resident';
    append(node, live);
    if (msg.sender === 'staff' || msg.sender === 'bot') {
      if (msg.sender === 'staff') { hideTyping(); }
      if (live && !state.isOpen) {
        state.unread++;
        updateLauncherLabel();
        if (msg.sender === 'staff') { announce(t('newStaffMessage')); }
      }
    }
  }

  function addMessages(list, opts) {
    if (!Array.isArray(list)) { return; }
    list.forEach(function (msg) { addMessage(msg, opts); });
  }

  function addLocalNote(key) {
    addMessage({ id: null, sender: 'system', text: t(key), buttons: [], created_at: new Date().toISOString() },
      { announce: true, lang: state.uiLang });
  }

  /* Local echo of what the resident sent, shown at once and matched to the server's copy. */
  function addEcho(text) {
    var lang = state.convLang || state.uiLang;
    var node = buildMessage({ sender: 'resident', text: text }, lang, true);
    append(node, false);
    scrollToBottom(true);
    var echo = { node: node, text: String(text).trim(), id: null, confirmed: false };
    state.echoes.push(echo);
    return echo;
  }

  function takeEcho(text) {
    var wanted = String(text == null ? '' : text).trim();
    for (var i = 0; i < state.echoes.length; i++) {
      if (state.echoes[i].text === wanted && state.echoes[i].node.parentNode === log) {
        return state.echoes.splice(i, 1)[0];
      }
    }
    return null;
  }

  function confirmEcho(echo, createdAt, lang) {
    echo.confirmed = true;
    echo.node.classList.remove('pbw-msg--pending');
    var meta = echo.node.querySelector('.pbw-meta');
    if (meta) { setMetaTime(meta, createdAt || new Date().toISOString()); }
    var text = echo.node.querySelector('.pbw-text');
    if (text && lang) { text.setAttribute('lang', lang); }
  }

  function removeEcho(echo) {
    var i = state.echoes.indexOf(echo);
    if (i >= 0) { state.echoes.splice(i, 1); }
    if (echo.node.parentNode) { echo.node.parentNode.removeChild(echo.node); }
    var last = log.lastElementChild;
    state.lastSender = last ? last.getAttribute('data-sender') : null;
  }

  function clearLog() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
    state.seen = Object.create(null);
    state.echoes = [];
    state.lastSender = null;
    pinned = true;
  }

  /* ------------------------------------------------------------------ conversation state */

  function setCursor(cursor) {
    if (cursor === undefined || cursor === null) { return; }
    state.cursor = String(cursor);
    save();
  }

  function applyState(conv) {
    if (!conv || typeof conv !== 'object') { return; }
    var lang = validLang(conv.language);
    if (lang && lang !== state.convLang) {
      state.convLang = lang;
      setUiLang(lang); // the interface follows the conversation's language when it changes
    }
    state.mode = conv.mode === 'human' ? 'human' : 'bot';
    state.handoff = conv.handoff && typeof conv.handoff === 'object' ? conv.handoff : null;
    renderBanner(true);
    save();
  }

  function forgetConversation() {
    stopRealtime();
    state.conversationId = null;
    state.cursor = '';
    state.convLang = null;
    state.mode = 'bot';
    state.handoff = null;
    state.historyLoaded = true;
    state.restoring = null;
    renderBanner(false);
    save();
  }

  /* The server no longer knows the conversation (404). */
  function conversationGone(quiet) {
    if (!state.conversationId) { return; }
    forgetConversation();
    hideTyping();
    clearError('errorConnection');
    if (!quiet) { addLocalNote('noteExpired'); }
  }

  function startConversation() {
    if (state.starting) { return state.starting; }
    var gen = state.gen;
    var lang = state.uiLang;
    clearError('errorStart');
    state.starting = request('POST', API, { language: lang }).then(function (res) {
      if (gen !== state.gen) { return false; }
      if (res.status < 200 || res.status >= 300 || !res.data || !res.data.conversation_id) {
        if (res.status === 429) {
          showError('errorRateLimited', { seconds: retryAfterSeconds(res.headers) }, startConversation);
        } else {
          showError('errorStart', null, startConversation);
        }
        return false;
      }
      var data = res.data;
      state.conversationId = String(data.conversation_id);
      state.cursor = '';
      state.historyLoaded = true;
      applyState(data);
      addMessages(data.messages, { announce: true, lang: state.convLang });
      setCursor(data.cursor);
      save();
      connectRealtime();
      return true;
    }, function () {
      if (gen === state.gen) { showError('errorStart', null, startConversation); }
      return false;
    }).finally(function () {
      if (gen === state.gen) { state.starting = null; }
    });
    return state.starting;
  }

  function ensureConversation() {
    if (state.restoring) {
      return state.restoring.then(ensureConversation);
    }
    return state.conversationId ? Promise.resolve(true) : startConversation();
  }

  /* After a reload: GET state and the whole history of the saved conversation. */
  function restore(saved) {
    var gen = state.gen;
    state.conversationId = saved.conversation_id;
    state.cursor = '';
    state.historyLoaded = false;
    var lang = validLang(saved.language);
    if (lang) {
      state.convLang = lang;
      setUiLang(lang);
    }
    var id = state.conversationId;
    state.restoring = request('GET', conversationPath(id)).then(function (res) {
      if (gen !== state.gen) { return; }
      if (res.status === 404) {
        conversationGone(true);
        setUiLang(defaultLang); // the saved language belonged to the expired conversation
        return;
      }
      if (res.status >= 200 && res.status < 300 && res.data) {
        applyState(res.data);
      }
      return catchUp();
    }).catch(function () {
      /* offline: polling / WebSocket will fetch the history later */
    }).then(function () {
      if (gen === state.gen && state.conversationId) { connectRealtime(); }
    }).finally(function () {
      if (gen === state.gen) { state.restoring = null; }
    });
    return state.restoring;
  }

  /* Fetches messages after the cursor (everything when the cursor is empty). */
  function catchUp() {
    if (!state.conversationId) { return Promise.resolve(); }
    if (state.catchUpRunning) {
      state.catchUpAgain = true;
      return state.catchUpRunning;
    }
    var gen = state.gen;
    var id = state.conversationId;
    var path = conversationPath(id, '/messages?after=' + encodeURIComponent(state.cursor || ''));
    var p = request('GET', path).then(function (res) {
      if (gen !== state.gen || id !== state.conversationId) { return; }
      if (res.status === 404) {
        conversationGone(false);
        return;
      }
      if (res.status < 200 || res.status >= 300 || !res.data) {
        throw new Error('HTTP ' + res.status);
      }
      var first = !state.historyLoaded;
      addMessages(res.data.messages, { announce: !first, lang: state.convLang });
      setCursor(res.data.cursor);
      if (first) {
        state.historyLoaded = true;
        scrollToBottom(true);
      }
      connectionOk();
    }).finally(function () {
      if (state.catchUpRunning === p) { state.catchUpRunning = null; }
      if (state.catchUpAgain && gen === state.gen) {
        state.catchUpAgain = false;
        catchUp().catch(function () {});
      }
    });
    state.catchUpRunning = p;
    return p;
  }

  function refreshState() {
    if (!state.conversationId) { return Promise.resolve(); }
    var gen = state.gen;
    var id = state.conversationId;
    return request('GET', conversationPath(id)).then(function (res) {
      if (gen !== state.gen || id !== state.conversationId) { return; }
      if (res.status === 404) {
        conversationGone(false);
        return;
      }
      if (res.status >= 200 && res.status < 300 && res.data) { applyState(res.data); }
    });
  }

  function connectionOk() {
    state.failures = 0;
    clearError('errorConnection');
  }

  function connectionFailed() {
    state.failures++;
    if (state.failures >= 3 && !state.errorKey) { showError('errorConnection'); }
  }

  /* ------------------------------------------------------------------ real time: WebSocket, polling fallback */

  function wsUrl(id) {
    var url = new URL(apiUrl(conversationPath(id, '/ws')), location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  function wsOpen() {
    return !!(state.ws && state.ws.readyState === 1);
  }

  function connectRealtime() {
    stopRealtime();
    if (!state.conversationId) { return; }
    var gen = state.gen;
    var id = state.conversationId;
    startPolling();
    if (typeof WebSocket !== 'function') { return; }
    var ws;
    try {
      ws = new WebSocket(wsUrl(id));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    ws.onopen = function () {
      if (state.ws !== ws || gen !== state.gen) { ws.close(); return; }
      state.wsRetry = 0;
      stopPolling();
      connectionOk();
      catchUp().catch(function () { /* next event or poll will retry */ });
      refreshState().catch(function () {});
    };
    ws.onmessage = function (event) {
      if (state.ws !== ws || gen !== state.gen) { return; }
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handleServerEvent(data);
    };
    ws.onclose = function () {
      if (state.ws !== ws) { return; }
      state.ws = null;
      if (gen !== state.gen || !state.conversationId) { return; }
      startPolling();
      scheduleReconnect();
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function handleServerEvent(data) {
    if (!data || typeof data !== 'object') { return; }
    if (data.type === 'message') {
      addMessage(data.message, { announce: true, lang: state.convLang });
      setCursor(data.cursor);
    } else if (data.type === 'state') {
      applyState(data.conversation);
    }
  }

  function scheduleReconnect() {
    clearTimeout(state.wsTimer);
    var delay = Math.min(WS_MAX_BACKOFF_MS, 1000 * Math.pow(2, state.wsRetry)) + Math.floor(Math.random() * 500);
    state.wsRetry = Math.min(state.wsRetry + 1, 10);
    var gen = state.gen;
    state.wsTimer = setTimeout(function () {
      if (gen === state.gen && state.conversationId && !wsOpen()) { connectRealtime(); }
    }, delay);
  }

  function startPolling() {
    if (state.pollTimer) { return; }
    state.pollTick = 0;
    schedulePoll();
  }

  function schedulePoll() {
    var gen = state.gen;
    state.pollTimer = setTimeout(function () {
      state.pollTimer = null;
      if (gen !== state.gen || !state.conversationId || wsOpen()) { return; }
      state.pollTick++;
      var jobs = [catchUp()];
      // State (queue position, agent joined) on every poll during a handoff, otherwise now and then.
      var h = state.handoff;
      if ((h && (h.status === 'waiting' || h.status === 'claimed')) || state.mode === 'human' ||
          state.pollTick % 4 === 0) {
        jobs.push(refreshState());
      }
      Promise.all(jobs).then(connectionOk, connectionFailed).then(function () {
        if (gen === state.gen && state.conversationId && !wsOpen() && !state.pollTimer) { schedulePoll(); }
      });
    }, POLL_MS);
  }

  function stopPolling() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function stopRealtime() {
    stopPolling();
    clearTimeout(state.wsTimer);
    state.wsTimer = null;
    if (state.ws) {
      var ws = state.ws;
      state.ws = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
  }

  /* ------------------------------------------------------------------ sending */

  function setSending(on) {
    state.sending = on;
    sendButton.setAttribute('aria-disabled', on ? 'true' : 'false');
    panel.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function restoreText(text) {
    var current = input.value;
    input.value = current.trim() ? text + '\n' + current : text;
    updateCounter();
    autoGrow();
  }

  function rateLimited(seconds) {
    state.rateLimitedUntil = Date.now() + seconds * 1000;
    showError('errorRateLimited', { seconds: seconds });
    clearTimeout(state.rateTimer);
    state.rateTimer = setTimeout(function () { clearError('errorRateLimited'); }, seconds * 1000);
  }

  /* Sends text (and a button payload). Resolves true when the server accepted it.
     options: {typed: the text came from the input box, retry: second attempt after a 404} */
  function sendMessage(text, payload, options) {
    options = options || {};
    text = String(text == null ? '' : text);
    var trimmed = text.trim();
    if (state.sending) { return Promise.resolve(false); }
    if (!trimmed) {
      showError('errorEmpty');
      return Promise.resolve(false);
    }
    if (codePoints(trimmed) > maxChars) {
      showError('errorTooLong', { max: maxChars });
      return Promise.resolve(false);
    }
    var wait = Math.ceil((state.rateLimitedUntil - Date.now()) / 1000);
    if (wait > 0) {
      showError('errorRateLimited', { seconds: wait });
      return Promise.resolve(false);
    }
    clearError();
    var typed = !!options.typed;
    var gen = state.gen;
    setSending(true);
    if (typed && !options.retry) {
      input.value = '';
      updateCounter();
      autoGrow();
    }
    var echo = null;

    function fail(key, vars) {
      if (echo) { removeEcho(echo); }
      hideTyping();
      if (typed) { restoreText(text); }
      if (key) { showError(key, vars); }
      return false;
    }

    return ensureConversation().then(function (ready) {
      if (gen !== state.gen) { return false; }
      if (!ready) { return fail(null); } // the start error is already shown
      echo = addEcho(trimmed);
      if (state.mode !== 'human') { showTyping(); }
      var body = { text: trimmed };
      if (payload) { body.payload = payload; }
      var id = state.conversationId;
      return request('POST', conversationPath(id, '/messages'), body).then(function (res) {
        if (gen !== state.gen) { return false; }
        var status = res.status;
        if (status >= 200 && status < 300) {
          var data = res.data || {};
          applyState(data.conversation);
          confirmEcho(echo, null, state.convLang);
          hideTyping();
          addMessages(data.messages, { announce: true, lang: state.convLang });
          setCursor(data.cursor);
          connectionOk();
          return true;
        }
        if (status === 404 && !options.retry) {
          // The conversation has expired on the server: start a new one and send once more.
          removeEcho(echo);
          echo = null;
          hideTyping();
          forgetConversation();
          return startConversation().then(function (started) {
            if (gen !== state.gen) { return false; }
            if (!started) { return fail(null); } // the start error is already shown
            addLocalNote('noteRestarted');
            setSending(false);
            return sendMessage(text, payload, { typed: typed, retry: true });
          });
        }
        if (status === 413) { return fail('errorTooLong', { max: maxChars }); }
        if (status === 422 || status === 400) { return fail('errorInvalid'); }
        if (status === 429) {
          fail(null);
          rateLimited(retryAfterSeconds(res.headers));
          return false;
        }
        return fail('errorSend');
      }, function () {
        return gen === state.gen ? fail('errorSend') : false;
      });
    }).finally(function () {
      if (gen === state.gen && state.sending) { setSending(false); }
    });
  }

  /* ------------------------------------------------------------------ open / close / reset */

  function open(options) {
    var moveFocus = !(options && options.focus === false);
    if (!state.isOpen) {
      state.isOpen = true;
      panel.hidden = false;
      root.classList.add('pbw-is-open');
      document.documentElement.classList.add('pbw-page-open');
      launcher.setAttribute('aria-expanded', 'true');
      storageSet('sessionStorage', OPEN_KEY, '1');
      state.unread = 0;
      updateLauncherLabel();
      scrollToBottom(true);
    }
    if (moveFocus) {
      input.focus();
    }
    return ensureConversation().then(function () {}, function () {});
  }

  function close() {
    if (!state.isOpen) { return; }
    state.isOpen = false;
    panel.hidden = true;
    root.classList.remove('pbw-is-open');
    document.documentElement.classList.remove('pbw-page-open');
    launcher.setAttribute('aria-expanded', 'false');
    storageSet('sessionStorage', OPEN_KEY, null);
    launcher.focus();
  }

  function reset() {
    state.gen++;
    stopRealtime();
    hideTyping();
    setSending(false);
    clearError();
    clearLog();
    state.conversationId = null;
    state.cursor = '';
    state.convLang = null;
    state.mode = 'bot';
    state.handoff = null;
    state.starting = null;
    state.restoring = null;
    state.historyLoaded = true;
    state.catchUpRunning = null;
    state.catchUpAgain = false;
    state.failures = 0;
    state.unread = 0;
    state.bannerStatus = null;
    updateLauncherLabel();
    renderBanner(false);
    save();
    if (state.isOpen) {
      return startConversation().then(function () {}, function () {});
    }
    return Promise.resolve();
  }

  /* ------------------------------------------------------------------ events */

  launcher.addEventListener('click', function () {
    if (state.isOpen) { close(); } else { open(); }
  });

  closeButton.addEventListener('click', close);

  root.addEventListener('keydown', function (event) {
    if ((event.key === 'Escape' || event.key === 'Esc') && state.isOpen && !event.defaultPrevented) {
      event.preventDefault();
      close();
    }
  });

  resetButton.addEventListener('click', function () {
    reset();
    input.focus();
  });

  langSelect.addEventListener('change', function () {
    // Only the interface and the language of the next new conversation; nothing is sent.
    setUiLang(langSelect.value);
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (state.sending) { return; }
    sendMessage(input.value, null, { typed: true });
  });

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (!state.sending) { sendMessage(input.value, null, { typed: true }); }
    }
  });

  input.addEventListener('input', function () {
    updateCounter();
    autoGrow();
    clearError('errorEmpty');
  });

  /* ------------------------------------------------------------------ start */

  function injectCss() {
    var show = function () { root.style.display = ''; };
    if (!cssHref) { show(); return; }
    var existing = document.querySelector('link[data-pbw-css]');
    if (existing) { show(); return; }
    var link = el('link', { rel: 'stylesheet', href: cssHref, 'data-pbw-css': '' });
    link.addEventListener('load', show);
    link.addEventListener('error', show);
    setTimeout(show, 3000);
    (document.head || document.documentElement).appendChild(link);
  }

  function init() {
    injectCss();
    document.body.appendChild(root);
    applyStrings();
    var saved = loadSaved();
    if (saved) { restore(saved); }
    if (storageGet('sessionStorage', OPEN_KEY) === '1') {
      open({ focus: false }); // keep the panel open across page loads, without stealing focus
    }
  }

  window.PorvooChat = {
    open: function () { return open(); },
    close: function () { close(); },
    reset: function () { return reset(); }
  };

  if (document.body) {
    init();
  } else {
    document.addEventListener('DOMContentLoaded', init);
  }
})();
