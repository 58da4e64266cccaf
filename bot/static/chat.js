// Web chat: sends questions as JSON and shows the server's answer. The server escapes everything it
// returns as "html"; what the citizen typed is shown with textContent, never as HTML. The texts come
// from bot/texts.py as data attributes of <body> (the CSP allows no inline script).
// The answer's JSON may gain fields: only "html" (or else "text") is read, anything else is ignored.
(function () {
  "use strict";
  const body = document.body;
  const say = body.dataset;
  const app = document.querySelector(".app");
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const send = document.getElementById("send");
  const clear = document.getElementById("clear");
  const KEY = "tro-ly-so:chat:v1"; // sessionStorage: this tab only, gone when the tab is closed
  const KEEP = 60; // messages kept across a reload
  let busy = false;

  // -- storage ---------------------------------------------------------------------------------
  function storage() {
    try {
      return window.sessionStorage; // may throw where storage is blocked (some embedded iframes)
    } catch (e) {
      return null;
    }
  }

  function save() {
    const store = storage();
    if (!store) return;
    const items = [];
    log.querySelectorAll(":scope > .msg:not(.welcome):not(.waiting):not(.error)").forEach(function (div) {
      items.push({ role: div.classList.contains("me") ? "me" : "bot", html: div.innerHTML });
    });
    try {
      store.setItem(KEY, JSON.stringify(items.slice(-KEEP)));
    } catch (e) {
      /* full or blocked: the conversation just won't survive a reload */
    }
  }

  function restore() {
    const store = storage();
    let items = [];
    try {
      items = JSON.parse((store && store.getItem(KEY)) || "[]");
    } catch (e) {
      items = [];
    }
    if (!Array.isArray(items)) return;
    items.forEach(function (item) {
      if (!item || (item.role !== "me" && item.role !== "bot") || typeof item.html !== "string") return;
      bubble(item.role).innerHTML = item.html; // written by save() from this page, same origin only
    });
    if (items.length) log.scrollTop = log.scrollHeight;
  }

  // -- conversation ----------------------------------------------------------------------------
  function bubble(role, extra) {
    const div = document.createElement("div");
    div.className = "msg " + role + (extra ? " " + extra : "");
    log.appendChild(div);
    return div;
  }

  function showEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function showStart(div) {
    // a long guide is read from its first line, not scrolled to its end; the question it answers
    // stays in sight above it when that is short
    const asked = div.previousElementSibling;
    const top = asked && asked.classList.contains("me") && asked.offsetHeight < log.clientHeight / 4 ? asked : div;
    log.scrollTop = Math.max(0, top.offsetTop - 8);
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  // A random id for this tab: in a portal's frame the chat's cookie is not sent (bot/web_chat.py)
  function visitor() {
    const store = storage();
    let id = store && store.getItem(KEY + ":visitor");
    if (!id) {
      const bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = Array.from(bytes, function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
      try {
        if (store) store.setItem(KEY + ":visitor", id);
      } catch (e) {
        /* this page view keeps it in memory below */
      }
    }
    return id;
  }
  const tab = visitor();

  async function post(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Chat-Visitor": tab },
      body: JSON.stringify(payload),
      credentials: "same-origin",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok || !data || typeof data !== "object") {
      const error = new Error("HTTP " + response.status);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  function paragraph(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p.outerHTML;
  }

  function answerHtml(data) {
    if (data && typeof data.html === "string" && data.html) return data.html; // escaped on the server
    if (data && typeof data.text === "string" && data.text) return paragraph(data.text);
    return null;
  }

  // One exchange with the server. ``question``: what to put back in the box if it fails.
  async function exchange(url, payload, question) {
    setBusy(true);
    const answer = bubble("bot", "waiting");
    answer.textContent = say.waiting;
    showEnd();
    try {
      const html = answerHtml(await post(url, payload));
      if (html === null) throw new Error("empty answer");
      answer.classList.remove("waiting");
      answer.innerHTML = html;
      save();
    } catch (error) {
      answer.classList.remove("waiting");
      answer.classList.add("error");
      // a polite "slow down" (429) from the server is shown as it is; anything else is a failure
      const polite = error.status === 429 ? answerHtml(error.data) || paragraph(say.busy) : null;
      answer.innerHTML = polite || paragraph(say.failed);
      if (question && !input.value.trim()) {
        input.value = question;
        autosize();
      }
    } finally {
      setBusy(false);
      showStart(answer);
    }
  }

  function ask(question) {
    if (busy || !question) return;
    bubble("me").textContent = question;
    save();
    input.value = "";
    autosize();
    exchange("/api/ask", { q: question }, question);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ask(input.value.trim());
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter makes a new line; not while an input method is composing a letter
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      ask(input.value.trim());
    }
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 136) + "px";
  }
  input.addEventListener("input", autosize);

  log.addEventListener("click", async function (event) {
    const button = event.target.closest("button");
    if (!button || busy) return;
    const data = button.dataset;
    if (data.ask) {
      ask(data.ask);
    } else if (data.sector) {
      bubble("me").textContent = button.textContent;
      exchange("/api/sector", { id: data.sector });
    } else if (data.handoff) {
      bubble("me").textContent = button.textContent;
      handoff(data.handoff);
    } else if (data.place) {
      bubble("me").textContent = button.textContent;
      exchange("/api/open", { place: data.place }); // a choice of an address answer
    } else if (data.open) {
      bubble("me").textContent = button.textContent;
      exchange("/api/open", { id: data.open, choice: data.choice === "1" }); // a "Có phải bạn muốn hỏi" pick
    } else if (data.feedback) {
      const row = button.parentElement;
      row.querySelectorAll("button").forEach(function (b) {
        b.disabled = true;
      });
      try {
        const reply = await post("/api/feedback", { entry: data.entry, helpful: data.feedback === "1" });
        row.textContent = typeof reply.text === "string" ? reply.text : "";
        save();
      } catch (e) {
        row.querySelectorAll("button").forEach(function (b) {
          b.disabled = false;
        });
      }
    }
  });

  clear.addEventListener("click", function () {
    log.querySelectorAll(":scope > .msg:not(.welcome)").forEach(function (div) {
      div.remove();
    });
    const store = storage();
    if (store) store.removeItem(KEY);
    log.scrollTop = 0;
    input.focus();
    // The server forgets the last topic too: a short question next must not be taken as a follow-up
    // to an answer no longer on the screen. Nothing to show if it fails: the page is cleared anyway.
    post("/api/forget", {}).catch(function () {});
  });

  // -- screen ----------------------------------------------------------------------------------
  // Browsers that ignore interactive-widget=resizes-content (Safari) keep the page height when the
  // keyboard opens; follow the visible height instead, so the box stays above the keyboard.
  const viewport = window.visualViewport;
  if (viewport) {
    const fit = function () {
      if (Math.abs(viewport.scale - 1) > 0.01) return; // zoomed in by the citizen: leave it
      const covered = window.innerHeight - viewport.height > 1; // a keyboard over an unchanged page
      app.style.height = covered ? viewport.height + "px" : ""; // else the stylesheet's 100dvh is right
      if (covered) window.scrollTo(0, 0);
    };
    viewport.addEventListener("resize", fit);
  }

  if (body.classList.contains("embed")) {
    // Esc closes the widget on the portal page (widget.js checks where the message comes from)
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && window.parent !== window) {
        window.parent.postMessage({ type: "tro-ly-so:close" }, "*");
      }
    });
  }

  // -- hand-off to staff ------------------------------------------------------------------------
  // After a ticket is sent, staff replies are fetched now and then (the web has no push) while it is open.
  const POLL_MS = 20000;
  let polling = null;

  async function handoff(step) {
    setBusy(true);
    const answer = bubble("bot", "waiting");
    answer.textContent = say.waiting;
    try {
      const data = await post("/api/handoff", { step: step });
      answer.classList.remove("waiting");
      answer.innerHTML = answerHtml(data) || paragraph(say.failed);
      if (data.ticket) startPolling();
      save();
    } catch (error) {
      answer.classList.remove("waiting");
      answer.classList.add("error");
      answer.innerHTML = (error.status === 429 && answerHtml(error.data)) || paragraph(say.failed);
    } finally {
      setBusy(false);
      showStart(answer);
    }
  }

  function lastReply() {
    const store = storage();
    return Number((store && store.getItem(KEY + ":reply")) || 0);
  }

  async function fetchReplies() {
    try {
      const response = await fetch("/api/replies?after=" + lastReply(), {
        headers: { "X-Chat-Visitor": tab },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      (data.replies || []).forEach(function (reply) {
        const div = bubble("bot", "staff");
        div.innerHTML = "<p>" + reply.html + "</p>"; // escaped on the server
        const store = storage();
        if (store) store.setItem(KEY + ":reply", String(reply.id));
        showStart(div);
      });
      if (data.replies && data.replies.length) save();
      if (!data.open && polling) {
        clearInterval(polling);
        polling = null;
        const store = storage();
        if (store) store.removeItem(KEY + ":waiting");
      }
    } catch (e) {
      /* offline for a moment: the next round asks again */
    }
  }

  function startPolling() {
    const store = storage();
    if (store) store.setItem(KEY + ":waiting", "1");
    if (!polling) polling = setInterval(fetchReplies, POLL_MS);
  }

  restore();
  const kept = storage();
  if (kept && kept.getItem(KEY + ":waiting")) {
    startPolling();
    fetchReplies();
  }
})();
