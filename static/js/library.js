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
