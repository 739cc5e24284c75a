"""Real synthetic speech on this machine: espeak-ng, from the library and voice data that the
``espeakng-loader`` wheel ships (nothing installed by the system, nothing downloaded).

The library keeps one global state, so calls take turns behind a lock. ``speak`` answers
mono float32 samples at the library's own rate (22,050 Hz), or None when the library cannot
be loaded on this platform (the simulator then falls back to a speech-like signal).
"""

from __future__ import annotations

import ctypes
import functools
import threading

import numpy as np

AUDIO_OUTPUT_RETRIEVAL = 1  # hand the samples to our callback
POS_CHARACTER = 1
CHARS_UTF8 = 1
RATE_PARAMETER = 1
WORDS_PER_MINUTE = 165  # espeak's own default, about a presenter's pace
VOICES = {"en": b"en", "zh": b"cmn"}

_lock = threading.Lock()
_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Engine:
    def __init__(self) -> None:
        import espeakng_loader

        self.library = ctypes.CDLL(espeakng_loader.get_library_path())
        self.library.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.library.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data = espeakng_loader.get_data_path().encode()
        self.rate = self.library.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, data, 0)
        if self.rate <= 0:
            raise OSError("espeak-ng did not start")
        self.chunks: list[np.ndarray] = []
        self.callback = _Callback(self._receive)  # kept: the library holds a pointer to it
        self.library.espeak_SetSynthCallback(self.callback)

    def _receive(self, samples, count: int, events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0  # go on

    def speak(self, text: str, language: str, speed: float) -> np.ndarray:
        self.chunks = []
        if self.library.espeak_SetVoiceByName(VOICES.get(language, b"en")) != 0:
            raise OSError(f"espeak-ng has no voice for {language}")
        self.library.espeak_SetParameter(RATE_PARAMETER, int(WORDS_PER_MINUTE * speed), 0)
        encoded = text.encode("utf-8")
        self.library.espeak_Synth(
            encoded, len(encoded) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None
        )
        self.library.espeak_Synchronize()
        pcm = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return (pcm.astype(np.float32) / 32768).astype(np.float32)


@functools.cache
def _engine() -> _Engine | None:
    try:
        return _Engine()
    except (ImportError, OSError, AttributeError):
        return None


def speak(text: str, language: str = "en", speed: float = 1.0) -> tuple[np.ndarray, int] | None:
    """The speech of ``text`` and its sample rate, or None without the library."""
    with _lock:
        engine = _engine()
        if engine is None:
            return None
        return engine.speak(text, language, speed), engine.rate
