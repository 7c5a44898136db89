// Message bodies as each platform draws them: Telegram text with entities, Slack Block Kit.
// Everything from a chat goes into the page as text (textContent), never as markup.
"use strict";

(function () {
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // ---- Telegram: text plus entities (offsets in UTF-16 units, as JavaScript strings) ------

  const INLINE = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
    spoiler: "span", text_link: "span", url: "span", text_mention: "span",
  };
  const BLOCK = new Set(["blockquote", "expandable_blockquote", "pre"]);

  function inlineRange(text, entities, start, end, parent) {
    const cuts = new Set([start, end]);
    for (const e of entities) {
      const a = Math.max(start, e.offset), b = Math.min(end, e.offset + e.length);
      if (a < b) { cuts.add(a); cuts.add(b); }
    }
    const points = [...cuts].sort((x, y) => x - y);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      let node = document.createTextNode(text.slice(a, b));
      for (const e of entities) {
        if (!(e.type in INLINE) || e.offset > a || e.offset + e.length < b) continue;
        const wrap = el(INLINE[e.type], "tg-" + e.type);
        if (e.url) wrap.title = e.url + " (links stay in the sandbox)";
        wrap.appendChild(node);
        node = wrap;
      }
      parent.appendChild(node);
    }
  }

  function telegramBody(text, entities) {
    const body = el("div", "tg-text");
    const blocks = (entities || []).filter((e) => BLOCK.has(e.type))
      .sort((x, y) => x.offset - y.offset);
    const inline = (entities || []).filter((e) => !BLOCK.has(e.type));
    let at = 0;
    for (const block of blocks) {
      if (block.offset < at) continue;
      inlineRange(text, inline, at, block.offset, body);
      const box = el(block.type === "pre" ? "pre" : "div", "tg-" + block.type);
      inlineRange(text, inline, block.offset, block.offset + block.length, box);
      body.appendChild(box);
      at = block.offset + block.length;
    }
    inlineRange(text, inline, at, text.length, body);
    return body;
  }

  // ---- Slack: Block Kit (rich_text, section, context, header, divider, actions) ---------

  const EMOJI = {
    warning: "\u26a0\ufe0f", white_check_mark: "\u2705", bell: "\ud83d\udd14",
    lock: "\ud83d\udd12", hourglass: "\u231b", pushpin: "\ud83d\udccc",
  };

  function unescapeSlack(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  // *bold*, _italic_, ~strike~, `code`, "> " quote lines; links shown as their label
  function mrkdwn(text, parent) {
    const lines = text.split("\n");
    lines.forEach((line, index) => {
      let target = parent;
      if (line.startsWith("&gt; ") || line === "&gt;") {
        target = el("span", "sl-quote-line");
        parent.appendChild(target);
        line = line.slice(5);
      }
      const pattern = /(\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~|`[^`\n]+`|<[^>\n]+>)/g;
      let last = 0, match;
      while ((match = pattern.exec(line)) !== null) {
        target.appendChild(document.createTextNode(unescapeSlack(line.slice(last, match.index))));
        const token = match[0];
        if (token[0] === "<") {
          const label = token.slice(1, -1).split("|");
          target.appendChild(el("span", "sl-link", unescapeSlack(label[label.length - 1])));
        } else {
          const tag = { "*": "b", "_": "i", "~": "s", "`": "code" }[token[0]];
          target.appendChild(el(tag, null, unescapeSlack(token.slice(1, -1))));
        }
        last = match.index + token.length;
      }
      target.appendChild(document.createTextNode(unescapeSlack(line.slice(last))));
      if (index + 1 < lines.length && target === parent) parent.appendChild(el("br"));
    });
  }

  function textObject(object, parent) {
    if (!object) return;
    if (object.type === "mrkdwn") mrkdwn(object.text || "", parent);
    else parent.appendChild(document.createTextNode(object.text || ""));
  }

  function richElements(elements, parent) {
    for (const e of elements || []) {
      if (e.type === "emoji") {
        parent.appendChild(el("span", "sl-emoji", EMOJI[e.name] || ":" + e.name + ":"));
        continue;
      }
      if (e.type === "link") { parent.appendChild(el("span", "sl-link", e.text || e.url)); continue; }
      let node = document.createTextNode(e.text || "");
      const style = e.style || {};
      for (const [key, tag] of [["code", "code"], ["strike", "s"], ["italic", "i"], ["bold", "b"]]) {
        if (style[key]) { const wrap = el(tag); wrap.appendChild(node); node = wrap; }
      }
      parent.appendChild(node);
    }
  }

  // onButton(row, column) is called when a button is pressed; rows count actions blocks
  function slackBody(blocks, fallback, buttonsFor) {
    const body = el("div", "sl-blocks");
    if (!blocks || !blocks.length) { mrkdwn(fallback || "", body); return body; }
    let row = 0;
    for (const block of blocks) {
      if (block.type === "rich_text") {
        for (const part of block.elements || []) {
          const box = el("div", part.type === "rich_text_quote" ? "sl-quote" : "sl-rich");
          if (part.type === "rich_text_list") {
            for (const item of part.elements || []) {
              const li = el("div", "sl-li", "\u2022 ");
              richElements(item.elements, li);
              box.appendChild(li);
            }
          } else {
            richElements(part.elements, box);
          }
          body.appendChild(box);
        }
      } else if (block.type === "section") {
        const box = el("div", "sl-section");
        textObject(block.text, box);
        if (block.fields) {
          const grid = el("div", "sl-fields");
          for (const field of block.fields) { const f = el("div"); textObject(field, f); grid.appendChild(f); }
          box.appendChild(grid);
        }
        body.appendChild(box);
      } else if (block.type === "header") {
        const box = el("div", "sl-header");
        textObject(block.text, box);
        body.appendChild(box);
      } else if (block.type === "context") {
        const box = el("div", "sl-context");
        for (const part of block.elements || []) textObject(part, box);
        body.appendChild(box);
      } else if (block.type === "divider") {
        body.appendChild(el("hr", "sl-divider"));
      } else if (block.type === "actions") {
        body.appendChild(buttonsFor(row));
        row += 1;
      }
    }
    return body;
  }

  window.JointopsRender = { el, telegramBody, slackBody };
})();
