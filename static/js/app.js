// The little behaviour htmx does not cover: dismissing toasts and closing menus.
(() => {
  const TOAST_LIFETIME_MS = 6000;

  function dismiss(toast) {
    toast.classList.add("is-leaving");
    setTimeout(() => toast.remove(), 200);
  }

  function armToasts(root) {
    root.querySelectorAll("[data-toast]:not([data-armed])").forEach((toast) => {
      toast.dataset.armed = "1";
      toast.querySelector("[data-toast-close]")?.addEventListener("click", () => dismiss(toast));
      if (!toast.classList.contains("toast-error")) {
        setTimeout(() => dismiss(toast), TOAST_LIFETIME_MS);
      }
    });
  }

  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach((menu) => {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  function toast(text, kind) {
    const region = document.getElementById("toasts");
    if (!region) return;
    const item = document.createElement("div");
    item.className = `toast toast-${kind}`;
    item.dataset.toast = "";
    const message = document.createElement("p");
    message.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.toastClose = "";
    close.textContent = "×";
    item.append(message, close);
    region.append(item);
    armToasts(region);
  }

  document.addEventListener("DOMContentLoaded", () => armToasts(document));
  // The server explains some refusals itself (a rate limit's 429 says when to try again).
  document.addEventListener("show-toast", (event) => toast(event.detail.text, event.detail.kind));
  document.addEventListener("htmx:responseError", (event) => {
    if (event.detail.xhr.status === 429) return;
    toast("Something went wrong on our side. Please try again in a moment.", "error");
  });
  document.addEventListener("htmx:sendError", () =>
    toast("The server could not be reached. Check your connection and try again.", "error"),
  );
  document.addEventListener("htmx:afterSettle", (event) => armToasts(event.target));
  document.addEventListener("click", (event) => {
    closeMenus(event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary")?.focus();
    }
  });
})();

// Forms that ask before doing something that cannot be undone, and copy-on-focus links.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches?.("input[data-copy]")) event.target.select();
});

// Status cards poll every 2 s while the page is seen; in a hidden tab only every 30 s (a tab
// left open in the background should cost the server almost nothing), and at once when the
// tab is shown again. An unchanged card is answered 204 and stays as it is; a changed one is
// replaced, so the time of its last poll is kept by its id.
(() => {
  const HIDDEN_POLL_MS = 30000;
  const lastPoll = new Map();
  document.addEventListener("htmx:beforeRequest", (event) => {
    const card = event.detail.elt;
    if (!card.matches?.("[data-poll]")) return;
    const now = Date.now();
    if (document.hidden && now - (lastPoll.get(card.id) || 0) < HIDDEN_POLL_MS) {
      event.preventDefault();
      return;
    }
    lastPoll.set(card.id, now);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach((card) => window.htmx.trigger(card, "poll-now"));
  });
})();

// A running card's "so far" counts up here, between the answers that change the card: the
// server says how long the job had run when it rendered the card ([data-elapsed]).
(() => {
  const shownAt = new WeakMap();

  function secondsText(seconds) {
    // The same words as avatarstudio.core.formatting.seconds_text.
    if (seconds < 60) {
      return seconds < 10 && seconds % 1 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
    }
    const total = Math.round(seconds);
    const minutes = Math.floor(total / 60);
    const rest = total % 60;
    if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function tick() {
    const now = performance.now();
    document.querySelectorAll("[data-elapsed]").forEach((counter) => {
      if (!shownAt.has(counter)) shownAt.set(counter, now);
      const seconds = Number(counter.dataset.elapsed) + (now - shownAt.get(counter)) / 1000;
      counter.textContent = secondsText(seconds);
    });
  }

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
