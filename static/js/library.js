// The library: posters play a muted preview on hover or keyboard focus.
(() => {
  function start(link) {
    if (link.querySelector("video")) return;
    const video = document.createElement("video");
    video.src = link.dataset.preview;
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    video.setAttribute("aria-hidden", "true");
    video.className = "clip-preview";
    link.querySelector(".clip-poster").append(video);
    video.play().catch(() => video.remove());
  }

  function stop(link) {
    link.querySelector("video.clip-preview")?.remove();
  }

  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  ["mouseover", "focusin"].forEach((name) =>
    document.addEventListener(name, (event) => {
      const link = event.target.closest?.("a[data-preview]");
      if (link && !reduced) start(link);
    }),
  );
  ["mouseout", "focusout"].forEach((name) =>
    document.addEventListener(name, (event) => {
      const link = event.target.closest?.("a[data-preview]");
      if (link && !link.contains(event.relatedTarget)) stop(link);
    }),
  );
})();

// The clip page's review: a pinned note's time seeks the player, and "Pin to the current
// moment" sends the player's time with the comment (without JavaScript it is not pinned).
(() => {
  const player = () => document.querySelector("video.clip-player");

  function moment(seconds) {
    const whole = Math.floor(seconds);
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const rest = String(whole % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }

  function showPinTimes() {
    const video = player();
    if (!video) return;
    document.querySelectorAll("form[data-pin-form]").forEach((form) => {
      const pinned = form.querySelector("input[name=pin]")?.checked;
      const label = form.querySelector("[data-pin-time]");
      if (label) label.textContent = pinned ? `(${moment(video.currentTime)})` : "";
    });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-seek]");
    const video = player();
    if (!link || !video) return;
    const seconds = Number.parseFloat(link.dataset.seek);
    if (!Number.isFinite(seconds)) return;
    event.preventDefault();
    video.currentTime = seconds;
    video.scrollIntoView({ block: "nearest", behavior: "smooth" });
    video.focus({ preventScroll: true });
    showPinTimes();
  });

  // In the capture phase, so the time is in the form before htmx reads it.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const video = player();
      if (!form.matches?.("form[data-pin-form]") || !video) return;
      const pinned = form.querySelector("input[name=pin]")?.checked;
      const field = form.querySelector("input[name=at_seconds]");
      if (field) field.value = pinned ? video.currentTime.toFixed(3) : "";
    },
    true,
  );

  document.addEventListener("change", (event) => {
    if (event.target.matches?.("form[data-pin-form] input[name=pin]")) showPinTimes();
  });
  // Media events do not bubble; the capture phase still passes the document.
  ["timeupdate", "seeked"].forEach((name) => document.addEventListener(name, showPinTimes, true));
})();
