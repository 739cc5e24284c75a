"""The provider client: Kling's Avatar model and TTS, through CometAPI or Kling's own API.

Everything the rest of the app knows about the provider goes through ``KlingClient``; its
requests, results and errors are typed here so that no view or task parses provider JSON.
"""
