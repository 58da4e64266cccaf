// Trợ lý số on any page of a commune portal:
//   <script src="https://<assistant address>/widget.js" async></script>
// shows a chat button in the bottom corner; it opens the web chat (/embed) in an iframe. The chat only
// loads where the assistant's EMBED_ORIGINS lists the portal's origin (CSP frame-ancestors).
// Styles are set through element.style (CSSOM), which a portal's CSP without 'unsafe-inline' allows.
(function () {
  "use strict";
  if (window.__troLySoWidget) return; // the line pasted twice
  window.__troLySoWidget = true;
  const script = document.currentScript; // set while an async classic script runs
  const origin = new URL(script && script.src ? script.src : "/", window.location.href).origin;
  const OPEN = "💬 Hỏi Trợ lý số";
  const CLOSE = "✕ Đóng trò chuyện";
  const TITLE = "Trợ lý số – hỏi đáp thủ tục hành chính";
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif, ' +
    '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"';

  // A portal page without a mobile viewport is laid out ~980 px wide and shrunk on a phone: a frame in
  // it would be unreadably small, so there the button is drawn larger and opens the chat in a new tab.
  const phone = Math.min(window.screen.width, window.innerWidth) < 520;
  const zoom = phone ? Math.max(1, window.innerWidth / window.screen.width) : 1;
  const shrunk = zoom > 1.2;

  function px(value) {
    return Math.round(value * zoom) + "px";
  }

  function mount() {
    const button = document.createElement("button");
    let frame = null;
    button.type = "button";
    button.id = "tro-ly-so-button";
    button.textContent = OPEN;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "tro-ly-so-frame");
    Object.assign(button.style, {
      position: "fixed", right: px(16), bottom: px(16), zIndex: "2147483647", padding: px(12) + " " + px(18),
      border: "0", borderRadius: px(24), background: "#0b5394", color: "#fff", cursor: "pointer",
      font: "600 " + px(16) + "/1.2 " + FONT, boxShadow: "0 2px 10px rgba(0,0,0,.3)", minHeight: px(48),
    });

    function place() {
      const narrow = window.innerWidth < 520;
      Object.assign(frame.style, narrow
        ? { left: "0", right: "0", top: "0", bottom: "auto", width: "100%", height: "calc(100% - 76px)", borderRadius: "0" }
        : { left: "auto", right: "16px", top: "auto", bottom: "76px", width: "400px",
            height: "min(640px, calc(100vh - 100px))", borderRadius: "12px" });
    }

    function open() {
      if (shrunk) {
        window.open(origin + "/", "_blank", "noopener");
        return;
      }
      if (!frame) {
        frame = document.createElement("iframe");
        frame.id = "tro-ly-so-frame";
        frame.title = TITLE;
        frame.src = origin + "/embed";
        Object.assign(frame.style, {
          position: "fixed", zIndex: "2147483647", border: "0", background: "#fff",
          boxShadow: "0 4px 24px rgba(0,0,0,.3)",
        });
        place();
        window.addEventListener("resize", place);
        document.body.appendChild(frame);
      }
      frame.style.display = "block";
      button.textContent = CLOSE;
      button.setAttribute("aria-expanded", "true");
      frame.focus();
    }

    function close() {
      if (!frame) return;
      frame.style.display = "none";
      button.textContent = OPEN;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }

    button.addEventListener("click", function () {
      if (frame && frame.style.display !== "none") close();
      else open();
    });
    window.addEventListener("message", function (event) {
      // only our chat, in our frame, may ask to close
      if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
      if (event.data && event.data.type === "tro-ly-so:close") close();
    });
    document.body.appendChild(button);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
