// Web chat: sends questions as JSON and shows the server's answer. The server escapes everything it
// returns; what the citizen typed is shown with textContent, never as HTML.
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("q");

  function bubble(cls) {
    const div = document.createElement("div");
    div.className = "card " + cls;
    log.appendChild(div);
    div.scrollIntoView({ behavior: "smooth", block: "end" });
    return div;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(response.status);
    return response.json();
  }

  async function show(url, body) {
    const answer = bubble("bot");
    answer.textContent = "…";
    try {
      const data = await post(url, body);
      answer.innerHTML = data.html; // escaped on the server
    } catch (e) {
      answer.textContent = "Xin lỗi, có lỗi kết nối. Bạn thử lại sau ít phút nhé.";
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    bubble("me").textContent = question;
    input.value = "";
    show("/api/ask", { q: question });
  });

  log.addEventListener("click", async function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.open) {
      show("/api/open", { id: button.dataset.open });
    } else if (button.dataset.feedback) {
      const data = await post("/api/feedback", {
        entry: button.dataset.entry,
        helpful: button.dataset.feedback === "1",
      });
      button.parentElement.textContent = data.text;
    }
  });
})();
