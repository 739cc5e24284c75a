// The create page: drag and drop, previews, quick checks and the cost estimate.
// The server checks everything again; these only save a round trip.
(() => {
  function init() {
    const form = document.getElementById("create-form");
    if (!form) return;
    const limits = form.dataset;
    const photoInput = form.querySelector('input[name="photo"]');
    const audioInput = form.querySelector('input[name="audio"]');
    const dropzone = form.querySelector("[data-dropzone]");
    const preview = form.querySelector("[data-photo-preview]");
    const dropText = form.querySelector("[data-dropzone-text]");
    const photoNote = form.querySelector("[data-photo-note]");
    const player = form.querySelector("[data-audio-preview]");
    const audioNote = form.querySelector("[data-audio-note]");
    const prompt = form.querySelector("[data-prompt]");
    const promptCount = form.querySelector("[data-prompt-count]");
    const estimate = form.querySelector("[data-estimate]");
    let voiceSeconds = null;

    const note = (element, text, bad) => {
      element.textContent = text;
      element.classList.toggle("is-bad", Boolean(bad));
    };
    const mb = (bytes) =>
      bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " KB" : (bytes / 1024 / 1024).toFixed(1) + " MB";

    ["dragenter", "dragover"].forEach((name) =>
      dropzone.addEventListener(name, (event) => {
        event.preventDefault();
        dropzone.classList.add("is-over");
      }),
    );
    ["dragleave", "drop"].forEach((name) =>
      dropzone.addEventListener(name, () => dropzone.classList.remove("is-over")),
    );
    dropzone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer.files.length) {
        photoInput.files = event.dataTransfer.files;
        photoInput.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });

    photoInput.addEventListener("change", () => {
      const file = photoInput.files[0];
      if (!file) {
        preview.hidden = true;
        dropText.hidden = false;
        note(photoNote, "");
        return;
      }
      if (!["image/jpeg", "image/png"].includes(file.type)) {
        note(photoNote, "This is not a JPEG or PNG photo. Save it as JPEG or PNG first.", true);
      }
      if (file.size > Number(limits.imageMaxBytes)) {
        note(photoNote, `This photo is ${mb(file.size)}; Kling accepts at most ${mb(limits.imageMaxBytes)}.`, true);
        return;
      }
      const url = URL.createObjectURL(file);
      preview.onload = () => {
        const w = preview.naturalWidth;
        const h = preview.naturalHeight;
        const minSide = Number(limits.imageMinSide);
        if (Math.min(w, h) < minSide) {
          note(photoNote, `This photo is ${w} × ${h} px; Kling needs at least ${minSide} px on each side. Use a larger photo.`, true);
        } else if (w / h < Number(limits.imageMinAspect) || w / h > Number(limits.imageMaxAspect)) {
          note(photoNote, `This photo is ${w} × ${h} px, too ${w > h ? "wide" : "tall"}: crop it closer to a square.`, true);
        } else {
          note(photoNote, `Looks good: ${w} × ${h} px, ${mb(file.size)}.`);
        }
      };
      preview.src = url;
      preview.hidden = false;
      dropText.hidden = true;
    });

    audioInput.addEventListener("change", () => {
      const file = audioInput.files[0];
      voiceSeconds = null;
      updateEstimate();
      if (!file) {
        player.hidden = true;
        note(audioNote, "");
        return;
      }
      if (file.size > Number(limits.audioMaxBytes)) {
        note(audioNote, `This audio file is ${mb(file.size)}; Kling accepts at most ${mb(limits.audioMaxBytes)}.`, true);
      }
      player.src = URL.createObjectURL(file);
      player.hidden = false;
    });
    player.addEventListener("loadedmetadata", () => {
      if (!Number.isFinite(player.duration)) return;
      voiceSeconds = player.duration;
      const min = Number(limits.audioMinSeconds);
      const max = Number(limits.audioMaxSeconds);
      if (voiceSeconds < min - 0.05) {
        note(audioNote, `This recording is ${voiceSeconds.toFixed(1)} s long; Kling needs at least ${min} seconds.`, true);
      } else if (voiceSeconds > max + 0.05) {
        note(audioNote, `This recording is ${voiceSeconds.toFixed(1)} s long; Kling accepts at most ${max} seconds. Trim it.`, true);
      } else {
        note(audioNote, `Voice length: ${voiceSeconds.toFixed(1)} s.`);
      }
      updateEstimate();
    });

    function updateEstimate() {
      const mode = form.querySelector('input[name="mode"]:checked');
      if (!mode) return;
      const label = mode.closest("label").querySelector("strong").textContent;
      if (voiceSeconds === null) {
        estimate.textContent = `${label}: about ${mode.dataset.price} Kling units per second of video. Choose a voice to see an estimate.`;
        return;
      }
      const units = (voiceSeconds * Number(mode.dataset.price)).toFixed(1);
      estimate.textContent = `Estimated cost: about ${units} Kling units for a ${voiceSeconds.toFixed(1)} s ${label.toLowerCase()} video.`;
    }
    form.querySelectorAll('input[name="mode"]').forEach((radio) => radio.addEventListener("change", updateEstimate));

    const count = () => (promptCount.textContent = prompt.value.length);
    prompt.addEventListener("input", count);
    count();
    updateEstimate();

    // Without htmx the plain form posts; make a double click send it once.
    form.addEventListener("submit", () => {
      if (!window.htmx) form.querySelector('button[type="submit"]').disabled = true;
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
