// The create page: drag and drop, previews, quick checks and the cost estimate.
// The server checks everything again; these only save a round trip.
(() => {
  function init() {
    const form = document.getElementById("create-form");
    if (!form) return;
    const photoInput = form.querySelector('input[name="photo"]');
    const audioInput = form.querySelector('input[name="audio"]');
    const dropzone = form.querySelector("[data-dropzone]");
    const preview = form.querySelector("[data-photo-preview]");
    const dropText = form.querySelector("[data-dropzone-text]");
    const prompt = form.querySelector("[data-prompt]");
    const promptCount = form.querySelector("[data-prompt-count]");
    const estimate = form.querySelector("[data-estimate]");
    // The voice's length for each way of giving one; the estimate uses the chosen way's.
    const avatarVoice = form.querySelector("[data-avatar-voice-seconds]");
    const seconds = {
      upload: null,
      record: null,
      script: null,
      recent: null,
      avatar: avatarVoice ? Number(avatarVoice.dataset.avatarVoiceSeconds) : null,
    };
    const source = () => form.querySelector('input[name="voice_source"]:checked')?.value || "upload";

    const note = (element, text, bad) => {
      element.textContent = text;
      element.classList.toggle("is-bad", Boolean(bad));
    };

    // A saved avatar's page has no photo to choose: its face is the avatar's.
    if (dropzone && photoInput) {
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
          return;
        }
        // The server checks the photo (hx-post on the input) and shows it as it will be sent.
        const url = URL.createObjectURL(file);
        // A photo the browser cannot show (HEIC, say): its name here, the server's check below.
        preview.onerror = () => {
          preview.hidden = true;
          dropText.hidden = false;
          dropText.textContent = file.name;
        };
        preview.src = url;
        preview.hidden = false;
        dropText.hidden = true;
      });
    }

    // A chosen voice file is checked (and repaired) by the server as soon as it is chosen
    // (hx-post on the input); its answer says how long the voice sent will be.
    audioInput.addEventListener("change", () => {
      seconds.upload = null;
      updateEstimate();
    });
    const readVoiceCheck = () => {
      const checked = form.querySelector("[data-voice-check] [data-voice-seconds]");
      const length = checked ? Number(checked.dataset.voiceSeconds) : null;
      if (source() === "record") seconds.record = length;
      else seconds.upload = length;
      updateEstimate();
    };
    document.body.addEventListener("htmx:afterSettle", readVoiceCheck);

    function updateEstimate() {
      const mode = form.querySelector('input[name="mode"]:checked');
      if (!mode) return;
      const label = mode.closest("label").querySelector("strong").textContent;
      const voiceSeconds = seconds[source()];
      if (voiceSeconds === null || voiceSeconds === undefined) {
        estimate.textContent = `${label}: about ${mode.dataset.price} Kling units per second of video. Choose a voice to see an estimate.`;
        return;
      }
      const units = (voiceSeconds * Number(mode.dataset.price)).toFixed(1);
      // A long voice is made in parts; the estimate is for all of them together.
      const panel = source() === "script" ? "#script-preview" : "[data-voice-check]";
      const parts = form.querySelector(`${panel} [data-voice-parts]`);
      const inParts = parts ? `, made in ${parts.dataset.voiceParts} parts` : "";
      estimate.textContent = `Estimated cost: about ${units} Kling units for a ${voiceSeconds.toFixed(1)} s ${label.toLowerCase()} video${inParts}.`;
    }
    form.querySelectorAll('input[name="mode"]').forEach((radio) => radio.addEventListener("change", updateEstimate));

    // The ways to give a voice: show the chosen one's panel.
    const panels = form.querySelectorAll("[data-voice-panel]");
    const showPanel = () => {
      panels.forEach((panel) => (panel.hidden = panel.dataset.voicePanel !== source()));
      updateEstimate();
    };
    form.querySelectorAll("[data-voice-source]").forEach((radio) => radio.addEventListener("change", showPanel));
    if (!form.querySelector('input[name="voice_source"]:checked')) {
      form.querySelector('input[name="voice_source"][value="upload"]').checked = true;
    }
    showPanel();

    // Script: a live count, the speed, and the previewed speech's length.
    const script = form.querySelector("[data-script]");
    const scriptCount = form.querySelector("[data-script-count]");
    const countScript = () => (scriptCount.textContent = script.value.length);
    script.addEventListener("input", countScript);
    countScript();
    const speed = form.querySelector("[data-speed]");
    const speedValue = form.querySelector("[data-speed-value]");
    const showSpeed = () => (speedValue.textContent = `${Number(speed.value).toFixed(1)}×`);
    speed.addEventListener("input", showSpeed);
    showSpeed();
    const readPreview = () => {
      const audio = form.querySelector("[data-script-audio]");
      seconds.script = audio ? Number(audio.dataset.seconds) : null;
      updateEstimate();
    };
    document.body.addEventListener("htmx:afterSettle", readPreview);
    [script, speed, form.querySelector('select[name="tts_voice"]')].forEach((input) =>
      input.addEventListener("change", () => {
        seconds.script = null;
        updateEstimate();
      }),
    );
    readPreview();

    // Recent voices: each knows its length.
    const readRecent = () => {
      const chosen = form.querySelector('input[name="recent_voice"]:checked');
      seconds.recent = chosen ? Number(chosen.dataset.seconds) : null;
      updateEstimate();
    };
    form.querySelectorAll('input[name="recent_voice"]').forEach((radio) =>
      radio.addEventListener("change", readRecent),
    );
    readRecent();

    setUpRecorder(form, note, updateEstimate);

    const count = () => (promptCount.textContent = prompt.value.length);
    prompt.addEventListener("input", count);
    count();
    updateEstimate();

    // Files chosen before this script ran (a quick hand, a slow network) get their checks too.
    [photoInput, audioInput].forEach((input) => {
      if (input.files.length) input.dispatchEvent(new Event("change", { bubbles: true }));
    });

    // Without htmx the plain form posts; make a double click send it once.
    form.addEventListener("submit", () => {
      if (!window.htmx) form.querySelector('button[type="submit"]').disabled = true;
    });
  }

  // Record: MediaRecorder into the form's "recording" file input; the server converts it.
  function setUpRecorder(form, note, updateEstimate) {
    const start = form.querySelector("[data-record-start]");
    const stop = form.querySelector("[data-record-stop]");
    const timer = form.querySelector("[data-record-timer]");
    const playback = form.querySelector("[data-recording-playback]");
    const input = form.querySelector("[data-recording-input]");
    const recordNote = form.querySelector("[data-record-note]");
    const maxSeconds = Number(form.dataset.audioMaxSeconds);
    let recorder = null;
    let startedAt = 0;
    let ticking = null;

    if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) {
      start.disabled = true;
      note(recordNote, "This browser cannot record. Upload an audio file or type a script instead.", true);
      return;
    }
    const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].find((t) =>
      MediaRecorder.isTypeSupported(t),
    );
    const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

    start.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch {
        note(recordNote, "The microphone is blocked. Allow it in the browser's address bar, then press Record again.", true);
        return;
      }
      const chunks = [];
      recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        clearInterval(ticking);
        const length = (performance.now() - startedAt) / 1000;
        const blob = new Blob(chunks, { type: recorder.mimeType });
        const extension = recorder.mimeType.includes("mp4") ? "m4a" : recorder.mimeType.includes("ogg") ? "ogg" : "webm";
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], `recording.${extension}`, { type: recorder.mimeType }));
        input.files = transfer.files;
        playback.src = URL.createObjectURL(blob);
        playback.hidden = false;
        start.textContent = "● Record again";
        start.hidden = false;
        stop.hidden = true;
        note(recordNote, `Recorded ${length.toFixed(1)} s. Listen back, or record again.`);
        input.dispatchEvent(new Event("change", { bubbles: true })); // the server checks it
        updateEstimate();
      });
      recorder.start(250);
      startedAt = performance.now();
      timer.hidden = false;
      timer.textContent = "0:00";
      ticking = setInterval(() => {
        const elapsed = (performance.now() - startedAt) / 1000;
        timer.textContent = clock(elapsed);
        if (elapsed >= maxSeconds) recorder.stop();
      }, 250);
      start.hidden = true;
      stop.hidden = false;
      stop.focus();
      note(recordNote, "Recording… press Stop when you are done.");
    });
    stop.addEventListener("click", () => recorder?.state === "recording" && recorder.stop());
    input.addEventListener("change", () => {
      if (recorder?.state === "recording") return;
      const file = input.files[0];
      if (file && !file.name.startsWith("recording.")) {
        playback.src = URL.createObjectURL(file);
        playback.hidden = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
