// The sandbox page: one pane per agency chat, a person switch in each, the bot's messages
// live from /api/events (server-sent events), commands and button presses posted as JSON.
"use strict";

(function () {
  const R = window.JointopsRender;
  const el = R.el;
  const panes = [];          // {data, node, view, person, lists, tabs, ...}
  const places = {};         // conversation -> {pane, key}: key "chat" or a person key
  const shown = {};          // message id -> its node
  let slackCommand = "/ops";
  let botName = "JointOps";
  let violations = 0;

  const SUGGESTIONS = [
    "summary PANGEA-DEMO", "task list PANGEA-DEMO", "op show PANGEA-DEMO",
    'status PANGEA-DEMO "Warehouse raided, 2 arrests" --ack', "acks PANGEA-DEMO",
    "task start PANGEA-DEMO#1", "task done PANGEA-DEMO#2", 'remind PANGEA-DEMO#5 in 1h "Call the port"',
    "result PANGEA-DEMO arrests 2", "results PANGEA-DEMO", "reminders PANGEA-DEMO",
    "digest on", "whoami", "help",
  ];

  function setStatus(text, bad) {
    const node = document.getElementById("status");
    node.textContent = text;
    node.classList.toggle("bad", Boolean(bad));
  }

  async function post(path, body) {
    try {
      const response = await fetch(path, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) { setStatus(answer.error || "refused", true); return null; }
      return answer;
    } catch (error) {
      setStatus("the sandbox is not answering (stopped?)", true);
      return null;
    }
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("").toUpperCase();
  }

  function clockText(iso) {
    const date = new Date(iso);
    return date.toLocaleString("en-GB", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      timeZone: "UTC",
    }) + " UTC";
  }

  function offsetText(seconds) {
    if (!seconds) return "(real time)";
    const days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
    return "(+" + (days ? days + " d " : "") + (hours ? hours + " h" : "") + ")";
  }

  function timeOf(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  }

  // ---- panes ---------------------------------------------------------------------------

  function buildPane(data) {
    const telegram = data.platform === "telegram";
    const node = el("section", "pane " + (telegram ? "pane-telegram" : "pane-slack"));
    node.dataset.agency = data.agency;
    node.dataset.platform = data.platform;
    const pane = { data, node, view: "chat", person: data.people[0].key, lists: {}, unread: {} };

    const head = el("header", "pane-head");
    if (telegram) {
      head.appendChild(el("div", "tg-avatar", initials(data.title)));
      const titles = el("div", "titles");
      titles.appendChild(el("div", "title", data.title));
      titles.appendChild(el("div", "subtitle", data.agency + " \u00b7 Telegram group"));
      head.appendChild(titles);
    } else {
      const titles = el("div", "titles");
      titles.appendChild(el("div", "title", "# " + data.title));
      titles.appendChild(el("div", "subtitle", data.agency + " \u00b7 Slack channel"));
      head.appendChild(titles);
    }
    node.appendChild(head);

    const bar = el("div", "pane-bar");
    const label = el("label", "who", "You are ");
    const select = el("select");
    select.setAttribute("aria-label", "Person typing in " + data.agency);
    for (const person of data.people) {
      const option = el("option", null, person.name + " (" + person.role + ")");
      option.value = person.key;
      select.appendChild(option);
    }
    select.addEventListener("change", () => { pane.person = select.value; showView(pane); });
    label.appendChild(select);
    bar.appendChild(label);
    const tabs = el("div", "tabs");
    pane.tabs = {
      chat: el("button", "tab", telegram ? "Group" : "# " + data.title),
      private: el("button", "tab", telegram ? "Private chat" : "Direct message"),
    };
    for (const [view, tab] of Object.entries(pane.tabs)) {
      tab.type = "button";
      tab.dataset.view = view;
      tab.appendChild(el("span", "badge"));
      tab.addEventListener("click", () => { pane.view = view; showView(pane); });
      tabs.appendChild(tab);
    }
    bar.appendChild(tabs);
    node.appendChild(bar);

    const scroller = el("div", "messages");
    pane.scroller = scroller;
    for (const key of ["chat", ...data.people.map((p) => p.key)]) {
      const list = el("div", "list");
      list.dataset.key = key;
      pane.lists[key] = list;
      pane.unread[key] = 0;
      scroller.appendChild(list);
    }
    node.appendChild(scroller);
    places[data.conversation] = { pane, key: "chat" };
    for (const person of data.people) places[person.private] = { pane, key: person.key };

    const form = el("form", "composer");
    form.appendChild(el("span", "prefix", telegram ? "/" : slackCommand));
    const input = el("input");
    input.name = "text";
    input.autocomplete = "off";
    input.placeholder = telegram ? "summary PANGEA-DEMO" : "summary PANGEA-DEMO";
    input.setAttribute("list", "suggestions");
    input.setAttribute("aria-label", "Command in " + data.agency);
    form.appendChild(input);
    const send = el("button", "send", telegram ? "Send" : "Send");
    send.type = "submit";
    form.appendChild(send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const said = await post("/api/say", { person: pane.person, conversation: conversationOf(pane), text });
      if (said) { input.value = ""; setStatus("Live"); }
    });
    node.appendChild(form);
    pane.toasts = el("div", "toasts");
    node.appendChild(pane.toasts);
    showView(pane);
    return pane;
  }

  function conversationOf(pane) {
    if (pane.view === "chat") return pane.data.conversation;
    return pane.data.people.find((p) => p.key === pane.person).private;
  }

  function showView(pane) {
    const key = pane.view === "chat" ? "chat" : pane.person;
    for (const [name, list] of Object.entries(pane.lists)) list.hidden = name !== key;
    pane.unread[key] = 0;
    for (const [view, tab] of Object.entries(pane.tabs)) {
      tab.classList.toggle("active", view === pane.view);
      const count = view === "chat" ? pane.unread.chat : pane.unread[pane.person];
      tab.querySelector(".badge").textContent = count ? String(count) : "";
    }
    const name = pane.data.people.find((p) => p.key === pane.person).name;
    pane.tabs.private.firstChild.textContent =
      (pane.data.platform === "telegram" ? "Private chat: " : "DM: ") + name.split(" ")[0];
    pane.scroller.scrollTop = pane.scroller.scrollHeight;
  }

  // ---- messages ------------------------------------------------------------------------

  function buttonRow(message, row, pane, telegram) {
    const box = el("div", telegram ? "tg-keyboard-row" : "sl-actions");
    (message.buttons[row] || []).forEach((button, column) => {
      const node = el("button", telegram ? "tg-btn" : "sl-btn", button.label);
      node.type = "button";
      if (button.style) node.classList.add("sl-" + button.style);
      if (button.url) node.title = button.url + " (links stay in the sandbox)";
      node.addEventListener("click", async () => {
        node.disabled = true;
        await post("/api/press", { person: pane.person, message: message.id, row, column });
        node.disabled = false;
      });
      box.appendChild(node);
    });
    return box;
  }

  function telegramMessage(message, pane) {
    const mine = message.kind === "user";
    const node = el("div", "tg-msg " + (mine ? "tg-out" : "tg-in"));
    const bubble = el("div", "tg-bubble");
    bubble.appendChild(el("div", "tg-author", message.author));
    if (message.reply_to) bubble.appendChild(el("div", "tg-reply", "\u21a9 " + message.reply_to));
    if (message.document) bubble.appendChild(el("div", "tg-document", "\ud83d\udcc4 " + message.document));
    bubble.appendChild(R.telegramBody(message.text || "", message.entities || []));
    const meta = el("span", "tg-meta", (message.edited ? "edited " : "") + timeOf(message.time));
    bubble.appendChild(meta);
    node.appendChild(bubble);
    if (message.buttons && message.buttons.length) {
      const keyboard = el("div", "tg-keyboard");
      message.buttons.forEach((_, row) => keyboard.appendChild(buttonRow(message, row, pane, true)));
      node.appendChild(keyboard);
    }
    return node;
  }

  function slackMessage(message, pane) {
    const bot = message.kind === "bot";
    const node = el("div", "sl-msg" + (message.ephemeral_to ? " sl-ephemeral" : "") + (bot ? "" : " sl-user"));
    node.appendChild(el("div", "sl-avatar" + (bot ? " sl-bot" : ""), bot ? "J" : initials(message.author)));
    const main = el("div", "sl-main");
    const line = el("div", "sl-line");
    line.appendChild(el("span", "sl-name", bot ? botName.toLowerCase() : message.author));
    if (bot) line.appendChild(el("span", "sl-app", "APP"));
    line.appendChild(el("span", "sl-time", timeOf(message.time) + (message.edited ? " (edited)" : "")));
    main.appendChild(line);
    if (message.ephemeral_to) {
      main.appendChild(el("div", "sl-only", "\ud83d\udc41 Only visible to " + message.ephemeral_to));
    }
    if (message.document) main.appendChild(el("div", "sl-file", "\ud83d\udcc4 " + message.document));
    if (bot) {
      main.appendChild(R.slackBody(message.blocks, message.text, (row) => buttonRow(message, row, pane, false)));
    } else {
      main.appendChild(el("div", "sl-command", message.text));
      main.appendChild(el("div", "sl-only", "slash command: only " + message.author.split(" ")[0] + " sees it"));
    }
    node.appendChild(main);
    return node;
  }

  function showMessage(message) {
    const place = places[message.conversation];
    if (!place) return;
    const { pane, key } = place;
    const old = shown[message.id];
    if (message.deleted) { if (old) old.remove(); delete shown[message.id]; return; }
    const node = message.platform === "telegram" ? telegramMessage(message, pane) : slackMessage(message, pane);
    node.dataset.id = message.id;
    const list = pane.lists[key];
    const atBottom = pane.scroller.scrollHeight - pane.scroller.scrollTop - pane.scroller.clientHeight < 80;
    if (old) old.replaceWith(node); else list.appendChild(node);
    shown[message.id] = node;
    if (list.hidden && !old) { pane.unread[key] += 1; showView(pane); }
    else if (atBottom || message.kind === "user") pane.scroller.scrollTop = pane.scroller.scrollHeight;
  }

  function showToast(event) {
    const place = places[event.conversation];
    if (!place) return;
    const toast = el("div", "toast" + (event.alert ? " alert" : ""), event.text);
    place.pane.toasts.appendChild(toast);
    setTimeout(() => toast.remove(), 4000);
  }

  function showViolation(event) {
    violations += 1;
    const button = document.getElementById("violations");
    button.textContent = violations + " spec violation" + (violations === 1 ? "" : "s");
    button.classList.toggle("ok", violations === 0);
    button.classList.toggle("bad", violations > 0);
    const item = el("li");
    item.appendChild(el("strong", null, event.platform + ": "));
    item.appendChild(document.createTextNode(event.text));
    document.getElementById("violation-items").appendChild(item);
  }

  function showClock(event) {
    document.getElementById("clock-now").textContent = clockText(event.now);
    document.getElementById("clock-offset").textContent = offsetText(event.offset_seconds);
  }

  // ---- start ---------------------------------------------------------------------------

  async function start() {
    const state = await (await fetch("/api/state")).json();
    slackCommand = state.slack_command;
    botName = state.bot;
    const list = el("datalist");
    list.id = "suggestions";
    for (const text of SUGGESTIONS) { const o = el("option"); o.value = text; list.appendChild(o); }
    document.body.appendChild(list);
    const area = document.getElementById("panes");
    for (const data of state.panes) { const pane = buildPane(data); panes.push(pane); area.appendChild(pane.node); }
    showClock(state.clock);
    for (const button of document.querySelectorAll(".clock button")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        await post("/api/clock", { hours: Number(button.dataset.hours) });
        button.disabled = false;
      });
    }
    document.getElementById("violations").addEventListener("click", () => {
      const box = document.getElementById("violation-list");
      box.hidden = !box.hidden;
    });
    const events = new EventSource("/api/events");
    events.onopen = () => setStatus("Live");
    events.onerror = () => setStatus("Reconnecting…", true);
    events.onmessage = (event) => showMessage(JSON.parse(event.data).message);
    events.addEventListener("clock", (event) => showClock(JSON.parse(event.data)));
    events.addEventListener("toast", (event) => showToast(JSON.parse(event.data)));
    events.addEventListener("violation", (event) => showViolation(JSON.parse(event.data)));
  }

  start().catch(() => setStatus("the sandbox is not answering (stopped?)", true));
})();
