"""The HTTP service: the FastAPI app, uvicorn, and the Voilà process next to it."""
