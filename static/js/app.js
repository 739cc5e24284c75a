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

  document.addEventListener("DOMContentLoaded", () => armToasts(document));
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
