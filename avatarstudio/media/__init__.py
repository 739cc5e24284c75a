"""Probing, validating and converting images, audio and video, with Pillow and PyAV."""
